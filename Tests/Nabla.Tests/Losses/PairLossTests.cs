using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Tests.Dsl;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Losses;

/// <summary>
/// Losses between two outputs of the network: a siamese model (one encoder with shared weights applied to two views)
/// trained with in-batch InfoNCE. The gradient reaches the shared encoder through both views, the compiled training
/// step (two inputs, no target) agrees with the interpreter on both backends and lowers the loss, and bad terms are
/// errors that name the output.
/// </summary>
[Collection("Jit")]
public class PairLossTests
{
    private const int In = 5, Embed = 4;

    private static Module Encoder() => new Sequential(new Dense(In, 8), new Tanh(), new Dense(8, Embed));

    private static Model Siamese(long seed = 3) =>
        Model.Build(new Siamese(Encoder()), new[] { InputSpec.Batched("x1", In), InputSpec.Batched("x2", In) }, new[] { "q", "k" }, seed);

    private static TrainingSetup Setup(double lr = 0.5, DType dtype = DType.F32) =>
        new(new[] { LossTerm.Between("q", "k", Loss.InfoNceInBatch(0.5)) }, Optimizer.Sgd(lr)) { DType = dtype };

    /// <summary>Two views of <paramref name="batch"/> examples: x2 = x1 + small noise, so each positive is close to its query.</summary>
    private static (float[] X1, float[] X2) Views(int batch, ulong seed)
    {
        var rng = new Rng(seed);
        var x1 = new float[batch * In];
        var x2 = new float[batch * In];
        for (int i = 0; i < x1.Length; i++) { x1[i] = (float)rng.Uniform(-1, 1); x2[i] = x1[i] + (float)rng.Uniform(-0.2, 0.2); }
        return (x1, x2);
    }

    private static Tensor T(float[] a, params int[] shape) => new(shape, a.Select(v => (double)v).ToArray());

    /// <summary>Two separate encoders on the two views (the siamese model with its weights untied).</summary>
    private sealed class Untied : Module
    {
        private readonly Module _a, _b;
        public Untied() : base("Untied") { _a = Add("a", Encoder()); _b = Add("b", Encoder()); }
        public override int InputCount => 2;
        public override int OutputCount => 2;
        protected override IReadOnlyList<Node> ForwardMany(IReadOnlyList<Node> inputs) => new[] { _a.Call(inputs[0]), _b.Call(inputs[1]) };
    }

    [Fact]
    public void The_gradient_reaches_the_shared_encoder_through_both_views()
    {
        const int batch = 6;
        var model = Siamese();
        var tg = model.BuildLoss(new[] { LossTerm.Between("q", "k", Loss.InfoNceInBatch(0.5)) }, dtype: DType.F64);
        Assert.Empty(tg.Targets); // a loss between outputs reads no target data
        var (x1, x2) = Views(batch, 11);
        var bind = tg.ParameterBindings();
        bind["x1"] = T(x1, batch, In); bind["x2"] = T(x2, batch, In);
        var wrt = tg.Parameters.Select(p => p.Node).Concat(tg.Inputs).ToArray();
        var grads = Autodiff.Grad(tg.LossNode, wrt);
        var values = Interpreter.Evaluate(grads, bind, DType.F64, batch);

        // Every parameter and both inputs: the symbolic gradient is the central difference of the loss.
        for (int k = 0; k < wrt.Length; k++)
        {
            var name = wrt[k].Name!;
            var g = values[grads[k]];
            Assert.True(g.Data.Any(v => Math.Abs(v) > 1e-6), $"no gradient reaches {name}");
            for (int e = 0; e < g.Size; e += Math.Max(1, g.Size / 7))
            {
                double fd = GradCheck.Central(tg.LossNode, bind, batch, name, e, 1e-6);
                Assert.True(GradCheck.Error(fd, g.Data[e]) < 1e-7, $"d loss/d {name}[{e}]: symbolic {g.Data[e]:R}, central difference {fd:R}");
            }
        }

        // With the weights untied (same values), the shared gradient is the sum of the two encoders' gradients, and
        // each view contributes: neither encoder's gradient is zero.
        var untied = Model.Build(new Untied(), new[] { InputSpec.Batched("x1", In), InputSpec.Batched("x2", In) }, new[] { "q", "k" });
        foreach (var e in model.Parameters.Entries)
            foreach (var prefix in new[] { "a", "b" })
                untied.Parameters.Set(prefix + e.Name.Substring("encoder".Length), e.Parameter.Shape.Dims, e.Parameter.Data);
        var ut = untied.BuildLoss(new[] { LossTerm.Between("q", "k", Loss.InfoNceInBatch(0.5)) }, dtype: DType.F64);
        var ub = ut.ParameterBindings();
        ub["x1"] = bind["x1"]; ub["x2"] = bind["x2"];
        var ug = Autodiff.Grad(ut.LossNode, ut.Parameters.Select(p => p.Node).ToArray());
        var uv = Interpreter.Evaluate(ug, ub, DType.F64, batch);
        Oracle.Close(GradCheck.Scalar(tg.LossNode, bind, batch), GradCheck.Scalar(ut.LossNode, ub, batch), 1e-14);
        for (int k = 0; k < model.Parameters.Count; k++)
        {
            var name = model.Parameters.Entries[k].Name;
            var rest = name.Substring("encoder".Length);
            var shared = values[grads[k]];
            var viaA = uv[ug[ut.Parameters.ToList().FindIndex(p => p.Name == "a" + rest)]];
            var viaB = uv[ug[ut.Parameters.ToList().FindIndex(p => p.Name == "b" + rest)]];
            Assert.True(viaA.Data.Any(v => Math.Abs(v) > 1e-6) && viaB.Data.Any(v => Math.Abs(v) > 1e-6), $"{name}: a view contributes no gradient");
            for (int i = 0; i < shared.Size; i++) Oracle.Close(viaA.Data[i] + viaB.Data[i], shared.Data[i], 1e-12);
        }
    }

    [Theory]
    [InlineData(Backend.Expressions)]
    [InlineData(Backend.Roslyn)]
    public void The_compiled_two_input_TrainStep_agrees_with_the_interpreter_and_lowers_the_loss(Backend backend)
    {
        const int batch = 8;
        var (x1, x2) = Views(batch, 5);

        // float64: the compiled step against the interpreter on the lowered IR, three steps.
        var model = Siamese();
        var lowered = Lowerer.Lower(model, Setup(dtype: DType.F64));
        Assert.Equal(new[] { "x1", "x2" }, lowered.Signature.Inputs.Select(i => i.Name));
        Assert.Empty(lowered.Signature.Targets);
        Assert.Equal(new[] { "x1", "x2", "lr" }, lowered.Signature.MethodInputs(TrainingSignature.TrainStepMethod));
        var compiled = Jit.CompileModel<double>(lowered, backend);
        var spec = compiled.Spec;
        var b = model.Parameters.ToTensors();
        b["x1"] = T(x1, batch, In); b["x2"] = T(x2, batch, In); b["lr"] = Tensor.Scalar(0.5);
        for (int i = 0; i < spec.Parameters.Count; i++) Array.Copy(b[spec.Parameters[i].Name].Data, compiled.Parameters[i], compiled.Parameters[i].Length);
        int m = spec.MethodIndex(TrainingSignature.TrainStepMethod);
        var method = spec.Methods[m];
        for (int step = 0; step < 3; step++)
        {
            var expected = Interpreter.Run(lowered.TrainStep, b);
            var outputs = method.Outputs.Select(o => new double[o.Size(batch)]).ToArray();
            compiled.Run(m, batch, method.Inputs.Select(i => b[i.Name].Data).ToArray(), outputs);
            Oracle.Close(expected["loss"].Value, outputs[method.OutputIndex("loss")][0], 1e-12);
            foreach (var u in expected.Updates)
            {
                var got = compiled.Parameters[spec.ParameterIndex(u.Key)];
                for (int i = 0; i < got.Length; i++) Oracle.Close(u.Value.Data[i], got[i], 1e-11);
                b[u.Key] = u.Value;
            }
        }

        // float32 Network: a few steps on two views with no target lower the in-batch InfoNCE loss.
        var net = Siamese().Compile(Setup(), backend);
        var empty = Array.Empty<float[]>();
        float before = net.Evaluate(new[] { x1, x2 }, empty, batch);
        for (int step = 0; step < 15; step++) net.TrainStep(new[] { x1, x2 }, empty, batch, 0.5);
        float after = net.Evaluate(new[] { x1, x2 }, empty, batch);
        Assert.True(after < 0.8 * before, $"{backend}: the in-batch InfoNCE loss went from {before} to {after}");
        Assert.Equal(15, net.Step);
        Assert.Equal(2, net.Signature.Outputs.Count);
    }

    [Fact]
    public void A_joint_loss_given_alone_reads_the_models_outputs_in_order()
    {
        var model = Siamese();
        var lowered = Lowerer.Lower(model, new TrainingSetup(Loss.InfoNceInBatch(0.5), Optimizer.Sgd(0.1)));
        Assert.Empty(lowered.Signature.Targets);
        Assert.Contains("InfoNCE(in-batch, τ=0.5)", lowered.Signature.Setup);
        // The same objective as the explicit term.
        var explicitTerm = model.BuildLoss(new[] { LossTerm.Between("q", "k", Loss.InfoNceInBatch(0.5)) }, dtype: DType.F64);
        var alone = model.BuildLoss(Loss.InfoNceInBatch(0.5), dtype: DType.F64);
        var (x1, x2) = Views(4, 2);
        double L(TrainingGraph tg) { var b = tg.ParameterBindings(); b["x1"] = T(x1, 4, In); b["x2"] = T(x2, 4, In); return GradCheck.Scalar(tg.LossNode, b, 4); }
        Assert.Equal(L(explicitTerm), L(alone));
    }

    [Fact]
    public void Triplet_and_contrastive_terms_lower_with_three_views_and_with_a_target()
    {
        // Three views of one encoder: anchor, positive, negative.
        var three = Model.Build(new Siamese(Encoder(), 3), new[] { InputSpec.Batched("a", In), InputSpec.Batched("p", In), InputSpec.Batched("n", In) }, new[] { "ea", "ep", "en" });
        var lt = Lowerer.Lower(three, new TrainingSetup(new[] { LossTerm.Among(new[] { "ea", "ep", "en" }, Loss.TripletMargin(0.5)) }, Optimizer.Sgd(0.1)));
        Assert.Equal(3, lt.Signature.Inputs.Count);
        Assert.Empty(lt.Signature.Targets);
        Assert.Equal(new[] { "encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias" }, three.Parameters.Names); // one encoder, shared by three views
        // The contrastive margin loss reads a target: the same/different label, named by the term.
        var lc = Lowerer.Lower(Siamese(), new TrainingSetup(new[] { LossTerm.Between("q", "k", Loss.ContrastiveMargin(1.0), target: "same") }, Optimizer.Sgd(0.1)));
        Assert.Equal("same[B]", lc.Signature.Targets.Single().ToString());
    }

    [Fact]
    public void A_dropout_in_the_shared_encoder_draws_one_mask_per_view()
    {
        var model = Model.Build(new Siamese(new Sequential(new Dense(In, 8), new Dropout(0.5), new Dense(8, Embed))),
            new[] { InputSpec.Batched("x1", In), InputSpec.Batched("x2", In) }, new[] { "q", "k" }, seed: 3);
        var net = model.Compile(Setup(), Backend.Expressions);
        Assert.Equal(new[] { "encoder.1.mask[B,8] p=0.5", "encoder.1.mask_2[B,8] p=0.5" }, net.Signature.Masks.Select(m => m.ToString()));
        // Keeping every unit of view 1 and none of view 2: the keys are the last bias alone, the same for every example,
        // so every row of the similarity matrix is constant and the loss is log B exactly (up to float32).
        const int batch = 4;
        var (x1, x2) = Views(batch, 8);
        float loss = net.TrainStep(new[] { x1, x2 }, Array.Empty<float[]>(), new[] { Enumerable.Repeat(1f, batch * 8).ToArray(), new float[batch * 8] }, batch, 1e-30);
        Assert.Equal(Math.Log(batch), loss, 5);
    }

    [Fact]
    public void A_pair_loss_naming_a_missing_output_is_an_error_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => Siamese().BuildLoss(new[] { LossTerm.Between("q", "keys", Loss.InfoNceInBatch()) }));
        Assert.Contains("\"keys\"", e.Message);
        Assert.Contains("outputs: q, k", e.Message);
        var lowering = Assert.Throws<ArgumentException>(() => Lowerer.Lower(Siamese(), new TrainingSetup(new[] { LossTerm.Between("query", "k", Loss.InfoNceInBatch()) }, Optimizer.Sgd(0.1))));
        Assert.Contains("\"query\"", lowering.Message);
    }

    /// <summary>A two-input model whose outputs have different widths: encoder(x1) [B,4] and Dense(x2) [B,3].</summary>
    private sealed class Mismatched : Module
    {
        private readonly Module _a, _b;
        public Mismatched() : base("Mismatched") { _a = Add("a", Encoder()); _b = Add("b", new Dense(In, 3)); }
        public override int InputCount => 2;
        public override int OutputCount => 2;
        protected override IReadOnlyList<Node> ForwardMany(IReadOnlyList<Node> inputs) => new[] { _a.Call(inputs[0]), _b.Call(inputs[1]) };
    }

    [Fact]
    public void Mismatched_output_shapes_are_an_error_naming_both_outputs_and_shapes()
    {
        var model = Model.Build(new Mismatched(), new[] { InputSpec.Batched("x1", In), InputSpec.Batched("x2", In) }, new[] { "q", "k" });
        var e = Assert.Throws<LossException>(() => model.BuildLoss(new[] { LossTerm.Between("q", "k", Loss.InfoNceInBatch()) }));
        Assert.Contains("query \"q\" has shape [B,4]", e.Message);
        Assert.Contains("key \"k\" has shape [B,3]", e.Message);
        Assert.Contains("InfoNCE(in-batch", e.Message);
    }

    [Fact]
    public void Misused_joint_losses_are_errors_that_say_how_to_use_them()
    {
        // A loss between outputs on a model with one output, as the single loss.
        var single = Model.Build(Encoder(), In);
        var e1 = Assert.Throws<ArgumentException>(() => single.BuildLoss(Loss.InfoNceInBatch()));
        Assert.Contains("LossTerm.Between", e1.Message);
        // Applied to a prediction and target data.
        var g = new Graph(DType.F64);
        var e2 = Assert.Throws<LossException>(() => Loss.TripletMargin().Apply(g.Input("y", Shape.Of(Shape.Batch, 3)), g.Input("t", Shape.Of(Shape.Batch, 3))));
        Assert.Contains("loss between 3 outputs", e2.Message);
        // The wrong number of outputs.
        Assert.Throws<ArgumentException>(() => LossTerm.Among(new[] { "q", "k" }, Loss.TripletMargin()));
        // A (prediction, target) loss over two outputs.
        var e3 = Assert.Throws<ArgumentException>(() => Siamese().BuildLoss(new[] { new LossTerm("q", Loss.Mse()) { With = new[] { "k" } } }));
        Assert.Contains("Mse", e3.Message, StringComparison.OrdinalIgnoreCase);
    }
}
