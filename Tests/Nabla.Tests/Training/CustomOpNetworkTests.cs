using System;
using System.IO;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Tests.Ir;
using Xunit;

namespace Nabla.Tests.Training;

/// <summary>
/// A model with custom ops in its layers: lowered, compiled by both backends, trained (the step agrees with the
/// interpreter running the custom ops by their forwards and own rules) and checkpointed.
/// </summary>
[Collection("Jit")]
public class CustomOpNetworkTests
{
    // Dense → stable softplus (own VJP) → Dense → a straight-through clip (forward clips to [-1, 1], VJP passes g).
    private static Model CustomModel(long seed = 11)
    {
        var softplus = CustomOpTests.StableSoftplus();
        var clip = Op.Define("ste_clip", x => F.Minimum(F.Maximum(x, x.Graph.Const(-1.0, x.DType)), x.Graph.Const(1.0, x.DType)),
            vjp: (y, g) => new[] { g });
        return Model.Build(new Sequential(new Dense(4, 6), Module.Lambda("StableSoftplus", softplus.Call), new Dense(6, 3),
            Module.Lambda("SteClip", clip.Call)), 4, seed);
    }

    [Theory]
    [InlineData(Backend.Expressions)]
    [InlineData(Backend.Roslyn)]
    public void A_model_with_custom_ops_trains_as_the_interpreter_says_with_the_ops_own_rules(Backend backend)
    {
        var model = CustomModel();
        var lowered = Lowerer.Lower(model, new TrainingSetup(Loss.Mse(), Optimizer.Sgd(0.5)) { DType = DType.F64 });
        Assert.Contains(lowered.TrainStep.Nodes(), n => n.Op.Name == "ste_clip");
        var run = new StepAgainstInterpreter(model, lowered, backend);
        var b = run.Bindings;
        var rng = new Random(5);
        // Targets beyond ±1: the clipped output cannot reach them, so only the straight-through rule moves the weights.
        b["x"] = new Tensor(new[] { 5, 4 }, Enumerable.Range(0, 20).Select(_ => rng.NextDouble() * 4 - 2).ToArray());
        b["t"] = new Tensor(new[] { 5, 3 }, Enumerable.Range(0, 15).Select(i => i % 2 == 0 ? 3.0 : -3.0).ToArray());
        b["lr"] = Tensor.Scalar(0.5);
        var before = (double[])b["2.weight"].Data.Clone();
        for (int step = 0; step < 3; step++) run.Step(5);
        // With the clip's true derivative (0 outside [-1, 1]) saturated outputs would stop learning; the rule keeps it going.
        Assert.NotEqual(before, b["2.weight"].Data);
    }

    [Fact]
    public void A_trained_model_with_custom_ops_saves_and_loads_its_checkpoint()
    {
        var lowered = Lowerer.Lower(CustomModel(), new TrainingSetup(Loss.Mse(), Optimizer.Adam(0.01)));
        var net = lowered.Compile(Backend.Expressions);
        var rng = new Random(2);
        var x = Enumerable.Range(0, 32).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var t = Enumerable.Range(0, 24).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        float first = net.TrainStep(x, t, 8, 0.01);
        for (int i = 0; i < 20; i++) net.TrainStep(x, t, 8, 0.01);
        Assert.True(net.Evaluate(x, t, 8) < first, "training lowers the loss");
        var path = Path.Combine(Path.GetTempPath(), $"nabla-custom-{Guid.NewGuid():N}.safetensors");
        try
        {
            net.Save(path);
            var other = Lowerer.Lower(CustomModel(seed: 99), new TrainingSetup(Loss.Mse(), Optimizer.Adam(0.01))).Compile(Backend.Expressions);
            Assert.NotEqual(net.Predict(x, 8), other.Predict(x, 8));
            other.Load(path);
            Assert.Equal(net.Predict(x, 8), other.Predict(x, 8));
        }
        finally { File.Delete(path); }
    }
}
