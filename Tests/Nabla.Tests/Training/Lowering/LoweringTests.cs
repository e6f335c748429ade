using System;
using System.Linq;
using Nabla.Ir;
using Xunit;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Tests.Training;

public class LoweringTests
{
    private static Model Mlp(double dropout = 0) =>
        Model.Build(dropout > 0
            ? new Sequential(new Dense(4, 5), new ReLU(), new Dropout(dropout), new Dense(5, 3))
            : Networks.Mlp(4, new[] { 5 }, 3), 4, seed: 3);

    [Fact]
    public void Lower_gives_three_methods_and_a_signature_with_pytorch_names_and_optimizer_state()
    {
        var lowered = Nabla.Lowering.Lowerer.Lower(Mlp(0.25), TrainingSetup.Classification(Optimizer.Adam(0.01)));
        Assert.Equal(new[] { "Forward", "Evaluate", "TrainStep" }, lowered.Plan.Methods.Select(m => m.Method));
        var sig = lowered.Signature;
        Assert.Equal(new[] { "0.weight", "0.bias", "3.weight", "3.bias" }, sig.Parameters.Select(p => p.Name));
        Assert.Equal(new[] { 5, 4 }, sig.Parameters[0].Shape); // [out, in]
        Assert.Equal(new[] { "x", "t", "2.mask", "lr" }, sig.InputOrder);
        Assert.Equal(0.25, Assert.Single(sig.Masks).P);
        Assert.Equal(new[] { "loss", "y" }, sig.MethodOutputs("TrainStep"));
        Assert.Contains(sig.State, s => s.Name == Optimizer.StepCounterName && s.Shape.Count == 0);
        Assert.Contains(sig.State, s => s.Name == "0.weight.m" && s.Shape.SequenceEqual(new[] { 5, 4 }) && s.Parameter == "0.weight");
        Assert.Contains(sig.State, s => s.Name == "3.bias.v");
        Assert.Equal(9, sig.State.Count);
        // Parameters and state are updates of the step; the forward pass reads no mask (evaluation mode).
        Assert.Equal(13, lowered.TrainStep.Updates.Count);
        Assert.DoesNotContain(lowered.Forward.Inputs(), i => i.Name == "2.mask");
        Assert.Contains(lowered.TrainStep.Inputs(), i => i.Name == "2.mask");
    }

    [Fact]
    public void Lowering_is_deterministic()
    {
        var a = Nabla.Lowering.Lowerer.Lower(Mlp(), TrainingSetup.Classification(Optimizer.Momentum(0.1)));
        var b = Nabla.Lowering.Lowerer.Lower(Mlp(), TrainingSetup.Classification(Optimizer.Momentum(0.1)));
        Assert.Equal(Printer.Print(a.Optimized("TrainStep")), Printer.Print(b.Optimized("TrainStep")));
        Assert.Equal(a.Signature.ToCSharp(), b.Signature.ToCSharp());
    }

    [Fact]
    public void Frozen_parameters_get_no_update_and_no_state()
    {
        var net = Networks.Mlp(4, new[] { 5 }, 3);
        net.Layers[0].Freeze();
        var lowered = Nabla.Lowering.Lowerer.Lower(Model.Build(net, 4), TrainingSetup.Classification(Optimizer.Momentum(0.1)));
        Assert.Equal(new[] { "2.weight", "2.bias", "2.weight.m", "2.bias.m" }, lowered.TrainStep.Updates.Select(u => u.Name));
        Assert.False(lowered.Signature.Parameters[0].Trainable);
    }

    [Fact]
    public void A_name_clash_with_the_learning_rate_input_is_reported()
    {
        var model = Model.Build(Networks.Mlp(4, new[] { 5 }, 3), new[] { InputSpec.Batched("lr", 4) });
        var e = Assert.Throws<ArgumentException>(() => Nabla.Lowering.Lowerer.Lower(model, TrainingSetup.Classification(Optimizer.Sgd(0.1))));
        Assert.Contains("\"lr\"", e.Message);
        Assert.Contains("LearningRateInput", e.Message);
        var ok = Nabla.Lowering.Lowerer.Lower(model, new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(0.1)) { LearningRateInput = "eta" });
        Assert.Equal("eta", ok.Signature.InputOrder.Last());
    }

    [Fact]
    public void Signature_source_round_trips_through_its_csharp_listing()
    {
        var sig = Nabla.Lowering.Lowerer.Lower(Mlp(0.5), TrainingSetup.Classification(Optimizer.Adam(0.01))).Signature;
        var copy = new TrainingSignature(sig.ModelName, sig.DType, sig.Inputs.ToArray(), sig.Outputs.ToArray(), sig.Targets.ToArray(),
            sig.Masks.ToArray(), sig.Parameters.ToArray(), sig.State.ToArray(), sig.Optimizer, sig.Setup, sig.LearningRateInput, sig.LossOutput, sig.LearningRate, sig.LossReduction);
        Assert.Equal(sig.ToString(), copy.ToString());
        Assert.Equal(0.01, sig.LearningRate);
        Assert.EndsWith("\"lr\", \"loss\", 0.01d, \"mean\")", sig.ToCSharp());
        Assert.Contains("new global::Nabla.Lowering.StateInfo(\"optimizer.step\", new int[0], \"step\", null, 0d)", sig.ToCSharp());
    }

    [Fact]
    public void The_split_steps_gradient_layout_and_the_sharding_caveat_round_trip_through_the_csharp_listing()
    {
        var weighted = new TrainingSetup(Loss.SoftmaxCrossEntropy(ClassTargets.Indices, 0, new[] { 1.0, 2, 3 }), Optimizer.Sgd(0.1)) { SplitStep = true };
        var sig = Nabla.Lowering.Lowerer.Lower(Mlp(), weighted).Signature;
        Assert.Equal(new[] { ("0.weight", 0L, 20L), ("0.bias", 20L, 5L), ("2.weight", 25L, 15L), ("2.bias", 40L, 3L) },
            sig.GradientLayout!.Select(l => (l.Parameter, l.Offset, l.Length)));
        Assert.Equal(43, sig.GradientLength);
        Assert.Equal(new[] { "Forward", "Evaluate", "TrainStep", "ComputeGradients", "ApplyUpdate" }, sig.Methods);
        Assert.Contains("summed class weights", sig.ShardingCaveat);
        Assert.EndsWith($"new string[] {{ \"0.weight\", \"0.bias\", \"2.weight\", \"2.bias\" }}, \"{sig.ShardingCaveat}\")", sig.ToCSharp());
        var copy = new TrainingSignature(sig.ModelName, sig.DType, sig.Inputs.ToArray(), sig.Outputs.ToArray(), sig.Targets.ToArray(), sig.Masks.ToArray(),
            sig.Parameters.ToArray(), sig.State.ToArray(), sig.Optimizer, sig.Setup, sig.LearningRateInput, sig.LossOutput, sig.LearningRate, sig.LossReduction,
            sig.GradientLayout!.Select(l => l.Parameter).ToArray(), sig.ShardingCaveat);
        Assert.Equal(sig.ToCSharp(), copy.ToCSharp());
        Assert.Equal(sig.ToString(), copy.ToString());

        // Without the split step the caveat still travels (after a null layout); a plain setup has neither.
        var fused = Nabla.Lowering.Lowerer.Lower(Mlp(), new TrainingSetup(Loss.SoftmaxCrossEntropy(ClassTargets.Indices, 0, new[] { 1.0, 2, 3 }), Optimizer.Sgd(0.1))).Signature;
        Assert.EndsWith($"\"mean\", null, \"{fused.ShardingCaveat}\")", fused.ToCSharp());
        var plain = Nabla.Lowering.Lowerer.Lower(Mlp(), new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(0.1)) { Reduction = Reduction.Sum, Regularizers = new[] { Regularizer.L2(1e-3) } }).Signature;
        Assert.Contains("regularization term", plain.ShardingCaveat);
        Assert.Null(Nabla.Lowering.Lowerer.Lower(Mlp(), TrainingSetup.Classification(Optimizer.Sgd(0.1))).Signature.ShardingCaveat);
    }
}
