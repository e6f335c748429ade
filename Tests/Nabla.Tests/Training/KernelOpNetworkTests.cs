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
        var run = new StepAgainstInterpreter(model, lowered, backend);
        var b = run.Bindings;
        var rng = new Random(4);
        b["x"] = new Tensor(new[] { 6, 4 }, Enumerable.Range(0, 24).Select(_ => rng.NextDouble() * 4 - 2).ToArray());
        b["t"] = new Tensor(new[] { 6, 3 }, Enumerable.Range(0, 18).Select(_ => rng.NextDouble() * 2 - 0.5).ToArray());
        b["lr"] = Tensor.Scalar(0.3);
        double first = run.Step(6), last = first;
        for (int step = 1; step < 4; step++) last = run.Step(6);
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
