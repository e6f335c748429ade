using System;
using System.IO;
using Nabla.Data;
using Nabla.Ir;
using Nabla.Tests.Data;
using Nabla.Training;
using Xunit;
using Xunit.Abstractions;

namespace Nabla.Tests.Examples;

/// <summary>
/// The README's custom-op example on real data: the MNIST-1D MLP with softplus written as a custom op with its own VJP
/// trains as the same MLP with the built-in softplus does (same seed, same batches): the two are the same function and
/// the same derivative, computed by other kernels, so their losses agree to float32 accuracy step after step.
/// </summary>
[Collection("Jit")]
public class CustomOpMnist1DTests
{
    private readonly ITestOutputHelper _out;
    public CustomOpMnist1DTests(ITestOutputHelper output) { _out = output; }

    [Fact]
    public void The_MNIST1D_MLP_trains_the_same_with_softplus_as_a_custom_op()
    {
        string data = Mnist1DData.Find()!;
        var train = Csv.LoadClassification(Path.Combine(data, "train.csv"), classes: 10);
        var test = Csv.LoadClassification(Path.Combine(data, "test.csv"), classes: 10);
        var norm = Normalizer.Fit(train);
        (train, test) = (norm.Apply(train), norm.Apply(test));

        // The README's definition.
        var softplus = Op.Define("stable_softplus",
            x => F.Relu(x) + F.Log1p(F.Exp(-F.Abs(x))),          // log(1 + eˣ) without overflow
            vjp: (y, g) => new[] { g * F.Sigmoid(y.A) },        // d/dx softplus(x) = σ(x), reverse mode
            jvp: (y, t) => t[0]! * F.Sigmoid(y.A));             // and forward mode
        Module Mlp(Func<Module> act) => new Sequential(new Dense(40, 100), act(), new Dense(100, 100), act(), new Dense(100, 10));

        var custom = Model.Build(Mlp(() => Module.Lambda("StableSoftplus", softplus.Call)), 40, seed: 1)
            .Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)), Backend.Expressions);
        var builtin = Model.Build(Mlp(() => new Softplus()), 40, seed: 1)
            .Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)), Backend.Expressions);

        var loader = new BatchLoader(train, batchSize: 100, shuffle: true, seed: 1);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            loader.Reset(epoch);
            while (loader.Next(out var batch))
            {
                float a = custom.TrainStep(batch.X, batch.T, batch.Count, 0.01), b = builtin.TrainStep(batch.X, batch.T, batch.Count, 0.01);
                Assert.True(Math.Abs(a - b) <= 1e-4 * (1 + Math.Abs(b)), $"epoch {epoch}: loss {a} with the custom op, {b} with the built-in softplus");
            }
        }
        var (mc, mb) = (custom.Evaluate(test), builtin.Evaluate(test));
        _out.WriteLine($"custom op: test loss {mc.Loss:F4}, accuracy {mc.Accuracy:F4}; built-in softplus: test loss {mb.Loss:F4}, accuracy {mb.Accuracy:F4}");
        Assert.Equal(mb.Loss, mc.Loss, 3);
        Assert.Equal(mb.Accuracy!.Value, mc.Accuracy!.Value, 2);
        Assert.True(mc.Accuracy > 0.4, $"test accuracy {mc.Accuracy} after 3 epochs (chance is 0.1)");
    }
}
