using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Runtime;
using Xunit;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Tests.Training;

/// <summary>The training tests that compile models run one class at a time (they share the two cores with the rest of the suite).</summary>
[CollectionDefinition("Jit")]
public class JitCollection { }

[Collection("Jit")]
public class NetworkTests
{
    internal static Model SmallMlp(long seed = 7, double dropout = 0) =>
        Model.Build(dropout > 0
            ? new Sequential(new Dense(4, 6), new Tanh(), new Dropout(dropout), new Dense(6, 3))
            : new Sequential(new Dense(4, 6), new Tanh(), new Dense(6, 3)), 4, seed);

    /// <summary>Inputs [batch,4] and one-hot targets [batch,3] from a seeded stream.</summary>
    internal static (float[] X, float[] T) Data(int batch, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[batch * 4];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.Uniform(-1, 1);
        var t = new float[batch * 3];
        for (int b = 0; b < batch; b++) t[b * 3 + (int)(rng.NextUInt64() % 3)] = 1;
        return (x, t);
    }

    private static Tensor T(float[] a, params int[] shape) => new(shape, a.Select(v => (double)v).ToArray());

    /// <summary>The interpreter's bindings for TrainStep: the model's parameters, fresh optimizer state, data and lr.</summary>
    private static Dictionary<string, Tensor> Bindings(Model model, LoweredModel lowered, float[] x, float[] t, int batch, double lr)
    {
        var b = model.Parameters.ToTensors();
        foreach (var s in lowered.Signature.State)
            b[s.Name] = new Tensor(s.Shape.ToArray(), Enumerable.Repeat(s.Initial, s.Shape.Aggregate(1, (a, d) => a * d)).ToArray());
        b["x"] = T(x, batch, 4); b["t"] = T(t, batch, 3); b["lr"] = Tensor.Scalar(lr);
        return b;
    }

    [Theory]
    [InlineData(Backend.Expressions)]
    [InlineData(Backend.Roslyn)]
    public void Compiled_f64_TrainStep_agrees_with_the_interpreter_on_the_lowered_IR(Backend backend)
    {
        var model = SmallMlp();
        var lowered = Nabla.Lowering.Lowerer.Lower(model, new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Adam(0.05)) { DType = DType.F64 });
        var compiled = Jit.CompileModel<double>(lowered, backend);
        var spec = compiled.Spec;
        var b = Bindings(model, lowered, Data(5, 1).X, Data(5, 1).T, 5, 0.05);
        for (int i = 0; i < spec.Parameters.Count; i++) Array.Copy(b[spec.Parameters[i].Name].Data, compiled.Parameters[i], compiled.Parameters[i].Length);
        int m = spec.MethodIndex("TrainStep");
        var method = spec.Methods[m];
        for (int step = 0; step < 3; step++)
        {
            var expected = Interpreter.Run(lowered.TrainStep, b);
            var outputs = method.Outputs.Select(o => new double[o.Size(5)]).ToArray();
            compiled.Run(m, 5, method.Inputs.Select(i => b[i.Name].Data).ToArray(), outputs);
            Close(expected["loss"].Data, outputs[method.OutputIndex("loss")], 1e-12, "loss");
            foreach (var u in expected.Updates)
            {
                Close(u.Value.Data, compiled.Parameters[spec.ParameterIndex(u.Key)], 1e-12, u.Key);
                b[u.Key] = u.Value;
            }
        }
        Assert.Equal(3.0, compiled.Parameters[spec.ParameterIndex(Optimizer.StepCounterName)][0]);
    }

    [Fact]
    public void Network_TrainStep_agrees_with_the_interpreter_to_float32_accuracy()
    {
        var model = SmallMlp();
        var lowered = Nabla.Lowering.Lowerer.Lower(model, TrainingSetup.Classification(Optimizer.Momentum(0.1)));
        var net = lowered.Compile(Backend.Expressions);
        var (x, t) = Data(8, 2);
        var b = Bindings(model, lowered, x, t, 8, 0.1);
        for (int step = 0; step < 3; step++)
        {
            var expected = Interpreter.Run(lowered.TrainStep, b);
            float loss = net.TrainStep(x, t, 8, 0.1);
            Assert.Equal(expected["loss"].Value, loss, 1e-5);
            Close(expected["y"].Data, net.Output().ToArray(), 1e-5, "y");
            foreach (var u in expected.Updates)
            {
                var actual = u.Key.EndsWith(".m", StringComparison.Ordinal) ? net.StateValues(u.Key) : net.ParameterValues(u.Key);
                Close(u.Value.Data, actual, 1e-5, u.Key);
                b[u.Key] = u.Value;
            }
        }
        Assert.Equal(3, net.Step);
        // The network owns its weights: the model keeps the initial ones until they are copied back.
        Assert.NotEqual(net.ParameterValues("0.weight"), model.Parameters["0.weight"].Data);
        net.CopyParametersTo(model.Parameters);
        Assert.Equal(net.ParameterValues("0.weight"), model.Parameters["0.weight"].Data);
    }

    [Fact]
    public void Predict_and_Evaluate_run_in_evaluation_mode_and_agree_with_the_interpreter()
    {
        var model = SmallMlp(dropout: 0.5);
        var lowered = Nabla.Lowering.Lowerer.Lower(model, TrainingSetup.Classification(Optimizer.Sgd(0.1)));
        var net = lowered.Compile(Backend.Expressions);
        var (x, t) = Data(6, 3);
        var b = Bindings(model, lowered, x, t, 6, 0.1);
        var fwd = Interpreter.Run(lowered.Forward, b);
        Close(fwd["y"].Data, net.Predict(x, 6), 1e-5, "y");
        Assert.Equal(Interpreter.Run(lowered.Evaluate, b)["loss"].Value, net.Evaluate(x, t, 6), 1e-5);
        // Evaluation is deterministic (no dropout); training steps draw masks, so the training loss differs from it.
        Assert.Equal(net.Evaluate(x, t, 6), net.Evaluate(x, t, 6));
    }

    [Fact]
    public void Dropout_masks_depend_on_the_seed_and_the_step_only()
    {
        var (x, t) = Data(16, 4);
        float[] Run(long seed)
        {
            var net = Nabla.Lowering.Lowerer.Lower(SmallMlp(dropout: 0.5), TrainingSetup.Classification(Optimizer.Sgd(0.1))).Compile(Backend.Expressions, seed);
            return Enumerable.Range(0, 3).Select(_ => net.TrainStep(x, t, 16, 0.1)).ToArray();
        }
        Assert.Equal(Run(11), Run(11));
        Assert.NotEqual(Run(11), Run(12));
    }

    [Fact]
    public void Bad_arguments_give_clear_errors_naming_the_tensor()
    {
        var net = Nabla.Lowering.Lowerer.Lower(SmallMlp(), TrainingSetup.Classification(Optimizer.Sgd(0.1))).Compile(Backend.Expressions);
        var (x, t) = Data(4, 5);
        var e = Assert.ThrowsAny<ArgumentException>(() => net.Predict(new float[7], 2));
        Assert.Contains("\"x\"", e.Message);
        Assert.Contains("[B,4]", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(x, new float[5], 4, 0.1));
        Assert.Contains("\"t\"", e.Message);
        Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(x, t, 4, 0));
        Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(x, t, 4, -0.5));
        Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(x, t, 4, double.NaN));
        Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(x, t, 0, 0.1));
        Assert.ThrowsAny<ArgumentException>(() => net.Evaluate(x, t, -1));
        Assert.Equal(0, net.Step); // nothing ran
    }

    [Fact]
    public void Binding_a_compiled_model_to_a_different_model_names_the_mismatch()
    {
        var lowered = Nabla.Lowering.Lowerer.Lower(SmallMlp(), TrainingSetup.Classification(Optimizer.Sgd(0.1)));
        var compiled = Jit.CompileModel(lowered, Backend.Expressions);
        var other = Model.Build(new Sequential(new Dense(4, 7), new Tanh(), new Dense(7, 3)), 4);
        var e = Assert.Throws<BindingException>(() => Network.Bind(other, compiled, lowered.Signature));
        Assert.Contains("0.weight", e.Message);
        Assert.Contains("[7,4]", e.Message);
        Assert.Contains("[6,4]", e.Message);
    }

    [Fact]
    public void Jit_says_what_to_do_where_code_cannot_be_generated()
    {
        try
        {
            Jit.DynamicCodeOverride.Value = false; // this test's flow only
            var e = Assert.Throws<NotSupportedException>(() => SmallMlp().Compile(TrainingSetup.Classification(Optimizer.Sgd(0.1))));
            Assert.Contains("IsDynamicCodeSupported is false", e.Message);
            Assert.Contains("source generator", e.Message);
        }
        finally { Jit.DynamicCodeOverride.Value = null; }
    }

    internal static void Close(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tol, string what)
    {
        Assert.True(expected.Count <= actual.Count, $"{what}: {actual.Count} values, expected {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    internal static void Close(IReadOnlyList<double> expected, float[] actual, double tol, string what) =>
        Close(expected, actual.Select(v => (double)v).ToArray(), tol, what);
}
