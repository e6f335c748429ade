using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Nabla.Ir;
using Nabla.Data;
using Nabla.Lowering;
using Nabla.Training;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Xunit;

namespace Nabla.Tests.Training;

/// <summary>
/// The Embedding layer and integer class targets end to end: an Embedding → mean → Dense classifier trained in both
/// backends against the interpreter, Loss.Nll against softmax cross-entropy with integer targets and against PyTorch,
/// the signature's record of i32 inputs and targets, and clear errors for bad labels and indices at the data boundary
/// and in the compiled kernels.
/// </summary>
[Collection("Jit")]
public class EmbeddingTests
{
    private const int Tokens = 10, Length = 5, Classes = 3;

    private static Model Classifier(bool logSoftmax = false, long seed = 3)
    {
        var layers = new List<Module> { new Embedding(Tokens, 4), Module.Lambda("MeanOverTokens", x => F.Mean(x, 1)), new Dense(4, Classes) };
        if (logSoftmax) layers.Add(Module.Lambda("LogSoftmax", x => F.LogSoftmax(x)));
        return Model.Build(new Sequential(layers.ToArray()), new[] { InputSpec.Indices("x", Length) }, seed: seed);
    }

    /// <summary>Token ids [batch, 5] (with repeats; tokens 8 and 9 never appear) and labels [batch].</summary>
    private static (int[] X, int[] T) Data(int batch, int seed)
    {
        var rng = new Random(seed);
        return (Enumerable.Range(0, batch * Length).Select(k => k % 4 == 1 ? 3 : rng.Next(8)).ToArray(),
                Enumerable.Range(0, batch).Select(_ => rng.Next(Classes)).ToArray());
    }

    private static Tensor T(int[] a, params int[] shape) => new(shape, a.Select(v => (double)v).ToArray());

    [Theory]
    [InlineData(Backend.Expressions)]
    [InlineData(Backend.Roslyn)]
    public void An_embedding_classifier_trains_in_both_backends_as_in_the_interpreter(Backend backend)
    {
        const int batch = 6;
        var model = Classifier();
        var lowered = Lowerer.Lower(model, new TrainingSetup(Loss.SoftmaxCrossEntropy(ClassTargets.IntegerIndices), Optimizer.Sgd(0.5)) { DType = DType.F64 });
        var compiled = Jit.CompileModel<double>(lowered, backend);
        var spec = compiled.Spec;
        var (x, t) = Data(batch, 1);
        var b = model.Parameters.ToTensors();
        foreach (var s in lowered.Signature.State) b[s.Name] = new Tensor(s.Shape.ToArray(), Enumerable.Repeat(s.Initial, s.Shape.Aggregate(1, (p, d) => p * d)).ToArray());
        b["x"] = T(x, batch, Length); b["t"] = T(t, batch); b["lr"] = Tensor.Scalar(0.5);
        var initial = b["0.weight"].Data.ToArray();
        for (int i = 0; i < spec.Parameters.Count; i++) Array.Copy(b[spec.Parameters[i].Name].Data, compiled.Parameters[i], compiled.Parameters[i].Length);
        int m = spec.MethodIndex("TrainStep");
        double first = 0, last = 0;
        for (int step = 0; step < 4; step++)
        {
            var expected = Interpreter.Run(lowered.TrainStep, b);
            var got = CompiledRunner.Run(compiled, m, b, batch);
            Assert.Null(CompiledRunner.Compare(expected, got, 1e-12));
            foreach (var u in expected.Updates) b[u.Key] = u.Value;
            if (step == 0) first = expected["loss"].Value;
            last = expected["loss"].Value;
        }
        Assert.True(last < first, $"the loss went from {first} to {last}");
        // Plain SGD: the rows of tokens 8 and 9, which no example holds, get no gradient; token 3's row (repeated) moved.
        var w = compiled.Parameters[spec.ParameterIndex("0.weight")];
        for (int k = 8 * 4; k < 10 * 4; k++) Assert.Equal(initial[k], w[k]);
        Assert.NotEqual(initial[3 * 4], w[3 * 4]);
        // The spec and the signature say that x and t hold i32 values, and which values are valid.
        Assert.True(spec.Methods[m].Inputs.Single(s => s.Name == "x").IsInteger);
        Assert.True(spec.Methods[m].Inputs.Single(s => s.Name == "t").IsInteger);
        Assert.False(spec.Methods[m].Inputs.Single(s => s.Name == "lr").IsInteger);
        Assert.Equal(new TensorInfo("x", new[] { -1, Length }) { IsInteger = true, IndexLimit = Tokens }.ToString(), lowered.Signature.Inputs[0].ToString());
        Assert.Equal("x[B,5] i32 < 10", lowered.Signature.Inputs[0].ToString());
        Assert.Equal("t[B] i32 < 3", lowered.Signature.Targets[0].ToString());
        Assert.Contains("{ IsInteger = true, IndexLimit = 10 }", lowered.Signature.ToCSharp());
    }

    [Fact]
    public void Nll_of_log_softmax_is_softmax_cross_entropy_with_integer_targets()
    {
        var (x, t) = Data(4, 2);
        double Value(Model model, Loss loss)
        {
            var tg = model.BuildLoss(loss, dtype: DType.F64);
            var b = model.Parameters.ToTensors();
            b["x"] = T(x, 4, Length); b["t"] = T(t, 4);
            var grads = Autodiff.Grad(tg.LossNode, tg.Parameters.Select(p => p.Node).ToArray());
            var r = Interpreter.Evaluate(grads.Append(tg.LossNode), b, DType.F64, 4);
            _grads.Add(grads.Select(gn => r[gn].Data).ToArray());
            return r[tg.LossNode].Value;
        }
        double nll = Value(Classifier(logSoftmax: true), Loss.Nll());
        double ce = Value(Classifier(), Loss.SoftmaxCrossEntropy(ClassTargets.IntegerIndices));
        double floatIndices = Value(Classifier(), Loss.SoftmaxCrossEntropy(ClassTargets.Indices)); // the float-index form of the same loss
        Assert.Equal(ce, nll, 14);
        Assert.Equal(ce, floatIndices, 14);
        for (int p = 0; p < _grads[0].Length; p++)
            for (int k = 0; k < _grads[0][p].Length; k++)
            {
                Assert.Equal(_grads[1][p][k], _grads[0][p][k], 14);
                Assert.Equal(_grads[1][p][k], _grads[2][p][k], 14);
            }
        Assert.Equal(DType.I32, Loss.Nll().TargetType(DType.F32));
        Assert.Contains("log-probabilities [B, classes]", Assert.Throws<LossException>(() => Loss.Nll().TargetShape(Shape.Of(Shape.Batch))).Message);
        Assert.Contains("expects i32 indices", Assert.ThrowsAny<Exception>(() =>
            Model.Build(new Sequential(new Embedding(4, 2)), 3)).Message);
    }

    private readonly List<double[][]> _grads = new();

    /// <summary>PyTorch (float64): Embedding(7,3) → mean over 5 tokens → Linear(3,4) → log_softmax → NLLLoss; see Fixtures/embedding_nll.py.</summary>
    [Fact]
    public void Embedding_and_nll_values_and_gradients_match_PyTorch()
    {
        var path = Path.Combine(SampleTests.RepoRoot(), "Tests", "Nabla.Tests", "Fixtures", "embedding_nll.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        double[] D(string name) => doc.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var xs = D("x"); var ts = D("t");
        int batch = ts.Length, length = xs.Length / batch;
        var model = Model.Build(new Sequential(new Embedding(7, 3), Module.Lambda("MeanOverTokens", x => F.Mean(x, 1)), new Dense(3, 4),
            Module.Lambda("LogSoftmax", x => F.LogSoftmax(x))), new[] { InputSpec.Indices("x", length) });
        var tg = model.BuildLoss(Loss.Nll(), dtype: DType.F64);
        var b = new Dictionary<string, Tensor>
        {
            ["0.weight"] = new Tensor(new[] { 7, 3 }, D("embedding.weight")),
            ["2.weight"] = new Tensor(new[] { 4, 3 }, D("linear.weight")),
            ["2.bias"] = new Tensor(new[] { 4 }, D("linear.bias")),
            ["x"] = new Tensor(new[] { batch, length }, xs),
            ["t"] = new Tensor(new[] { batch }, ts),
        };
        var names = new[] { "0.weight", "2.weight", "2.bias" };
        var grads = Autodiff.Grad(tg.LossNode, names.Select(n => tg.Graph.Find(n)!).ToArray());
        var logp = tg.Forward["y"];
        var r = Interpreter.Evaluate(grads.Append(tg.LossNode).Append(logp), b, DType.F64, batch);
        Assert.Equal(doc.RootElement.GetProperty("loss").GetDouble(), r[tg.LossNode].Value, 13);
        Close(D("logp"), r[logp].Data, "logp");
        Close(D("grad.embedding.weight"), r[grads[0]].Data, "d/d embedding.weight");
        Close(D("grad.linear.weight"), r[grads[1]].Data, "d/d linear.weight");
        Close(D("grad.linear.bias"), r[grads[2]].Data, "d/d linear.bias");
    }

    [Fact]
    public void Integer_labels_and_indices_are_checked_at_the_boundary_and_in_the_kernels()
    {
        const int batch = 3;
        var lowered = Lowerer.Lower(Classifier(), new TrainingSetup(Loss.SoftmaxCrossEntropy(ClassTargets.IntegerIndices), Optimizer.Sgd(0.1)));
        var (x, t) = Data(batch, 4);
        var xf = x.Select(v => (float)v).ToArray();
        var a = lowered.Compile(Backend.Expressions);
        var c = lowered.Compile(Backend.Expressions);
        // int[] labels and the same labels as floats train identically.
        for (int step = 0; step < 2; step++)
            Assert.Equal(a.TrainStep(xf, t, batch, 0.1), c.TrainStep(xf, t.Select(v => (float)v).ToArray(), batch, 0.1));
        Assert.Equal(a.ParameterValues("0.weight"), c.ParameterValues("0.weight"));
        Assert.Equal(a.Evaluate(xf, t, batch), c.Evaluate(xf, t.Select(v => (float)v).ToArray(), batch));

        var label = Assert.Throws<ArgumentOutOfRangeException>(() => a.TrainStep(xf, new[] { 0, 3, 1 }, batch, 0.1));
        Assert.Contains("label 3 of example 1 is outside [0, 3)", label.Message);
        var fractional = Assert.Throws<ArgumentException>(() => a.Evaluate(xf, new[] { 0f, 2.5f, 1f }, batch));
        Assert.Contains("the target \"t\" holds 2.5 at example 1, which is not an integer in [0, 3)", fractional.Message);
        var bad = (float[])xf.Clone(); bad[Length + 3] = 12;
        var token = Assert.Throws<ArgumentException>(() => a.Predict(bad, batch));
        Assert.Contains("the input \"x\" holds 12 at example 1, position 3, which is not an integer in [0, 10)", token.Message);
        Assert.Equal(a.ParameterValues("0.weight"), c.ParameterValues("0.weight")); // nothing ran

        // Past the boundary (the compiled model called directly), the gather kernel itself refuses the index.
        var compiled = Jit.CompileModel(lowered, Backend.Roslyn);
        var fwd = compiled.Spec.Methods[compiled.Spec.MethodIndex("Forward")];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => compiled.Run(compiled.Spec.MethodIndex("Forward"), batch, new[] { bad }, new[] { new float[fwd.Outputs[0].Size(batch)] }));
        Assert.Contains("Embedding", e.Message);
        Assert.Contains($"index 12 at position {Length + 3} is not an integer in [0, 10)", e.Message);
    }

    [Fact]
    public void Trainer_fits_an_embedding_classifier_on_token_ids_with_integer_labels()
    {
        // Class c draws its 5 tokens from {c, c+3, c+6}: the mean embedding separates the classes.
        var rng = new Random(9);
        const int n = 90;
        var tokens = new float[n * Length];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % Classes;
            for (int j = 0; j < Length; j++) tokens[i * Length + j] = labels[i] + 3 * rng.Next(3);
        }
        var data = new Dataset(tokens, new[] { Length }, labels, Classes);
        var net = Lowerer.Lower(Classifier(), new TrainingSetup(Loss.SoftmaxCrossEntropy(ClassTargets.IntegerIndices), Optimizer.Adam(0.05))).Compile(Backend.Expressions);
        double before = net.Evaluate(data).Loss;
        var history = net.Fit(data, new TrainingOptions { Epochs = 12, BatchSize = 15, Seed = 1 });
        var after = net.Evaluate(data);
        Assert.True(after.Loss < before / 4, $"loss {before} -> {after.Loss}");
        Assert.Equal(1.0, after.Accuracy);
        Assert.Equal(1.0, history.Last!.TrainAccuracy);
        // A token outside the table in the data set stops training with the example and the value.
        var bad = (float[])tokens.Clone(); bad[7 * Length + 2] = 10;
        var e = Assert.Throws<ArgumentException>(() => net.Fit(new Dataset(bad, new[] { Length }, labels, Classes), new TrainingOptions { Steps = net.Step + 1, BatchSize = 90, Shuffle = false }));
        Assert.Contains("holds 10 at example 7, position 2", e.Message);
    }

    private static void Close(double[] want, double[] got, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= 1e-12 * (1 + Math.Abs(want[i])), $"{what}[{i}]: PyTorch {want[i]:R}, Nabla {got[i]:R}");
    }
}
