using System;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Tests.Backends;
using Xunit;

namespace Nabla.Tests.Training;

/// <summary>
/// A model with kernel ops (<c>Op.DefineElementwise</c>, methods in <see cref="TestKernels"/>) between its layers: lowered,
/// compiled by both backends (which call the user's methods), and trained; each step agrees with the interpreter running
/// the ops' float64 references and VJPs.
/// </summary>
[Collection("Jit")]
public class KernelOpNetworkTests
{
    // Dense → softsign (vectorized kernel) → Dense → gate(h, h) = h·σ(h) (a scalar-only kernel of two inputs, i.e. SiLU).
    private static Model KernelModel(long seed = 13)
    {
        var softsign = KernelOpTests.Softsign();
        var gate = KernelOpTests.Gate();
        return Model.Build(new Sequential(new Dense(4, 6), Module.Lambda("Softsign", softsign.Call), new Dense(6, 3),
            Module.Lambda("Silu", h => gate.Call(h, h))), 4, seed);
    }

    [Theory]
    [InlineData(Backend.Expressions)]
    [InlineData(Backend.Roslyn)]
    public void A_model_with_kernel_ops_trains_as_the_interpreter_says(Backend backend)
    {
        var model = KernelModel();
        var lowered = Lowerer.Lower(model, new TrainingSetup(Loss.Mse(), Optimizer.Sgd(0.3)) { DType = DType.F64 });
        Assert.Contains(lowered.TrainStep.Nodes(), n => n.Op.Name == "softsign");
        Assert.Contains(lowered.TrainStep.Nodes(), n => n.Op.Name == "gate");
        var compiled = Jit.CompileModel<double>(lowered, backend);
        var spec = compiled.Spec;
        var b = model.Parameters.ToTensors();
        foreach (var s in lowered.Signature.State)
            b[s.Name] = new Tensor(s.Shape.ToArray(), Enumerable.Repeat(s.Initial, s.Shape.Aggregate(1, (a, d) => a * d)).ToArray());
        var rng = new Random(4);
        b["x"] = new Tensor(new[] { 6, 4 }, Enumerable.Range(0, 24).Select(_ => rng.NextDouble() * 4 - 2).ToArray());
        b["t"] = new Tensor(new[] { 6, 3 }, Enumerable.Range(0, 18).Select(_ => rng.NextDouble() * 2 - 0.5).ToArray());
        b["lr"] = Tensor.Scalar(0.3);
        for (int i = 0; i < spec.Parameters.Count; i++) Array.Copy(b[spec.Parameters[i].Name].Data, compiled.Parameters[i], compiled.Parameters[i].Length);
        int m = spec.MethodIndex("TrainStep");
        var method = spec.Methods[m];
        double first = double.NaN, last = double.NaN;
        for (int step = 0; step < 4; step++)
        {
            var expected = Interpreter.Run(lowered.TrainStep, b);
            var outputs = method.Outputs.Select(o => new double[o.Size(6)]).ToArray();
            compiled.Run(m, 6, method.Inputs.Select(i => b[i.Name].Data).ToArray(), outputs);
            double loss = outputs[method.OutputIndex("loss")][0];
            Assert.Equal(expected["loss"].Value, loss, 12);
            if (step == 0) first = loss;
            last = loss;
            foreach (var u in expected.Updates)
            {
                var got = compiled.Parameters[spec.ParameterIndex(u.Key)];
                for (int i = 0; i < got.Length; i++) Assert.Equal(u.Value.Data[i], got[i], 12);
                b[u.Key] = u.Value;
            }
        }
        Assert.True(last < first, $"training lowers the loss ({first} → {last})");
    }

    [Theory]
    [InlineData(Backend.Expressions)]
    [InlineData(Backend.Roslyn)]
    public void A_float_network_with_kernel_ops_learns(Backend backend)
    {
        var net = Lowerer.Lower(KernelModel(), new TrainingSetup(Loss.Mse(), Optimizer.Adam(0.02))).Compile(backend);
        var rng = new Random(8);
        var x = Enumerable.Range(0, 64).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var t = Enumerable.Range(0, 48).Select(i => (float)Math.Tanh(x[i / 3 * 4 + i % 3] - x[i / 3 * 4 + 3])).ToArray();
        float first = net.Evaluate(x, t, 16);
        for (int i = 0; i < 60; i++) net.TrainStep(x, t, 16, 0.02);
        Assert.True(net.Evaluate(x, t, 16) < 0.5f * first, $"loss {first} → {net.Evaluate(x, t, 16)}");
    }
}
