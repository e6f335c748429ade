using System;
using System.Linq;
using Xunit;

namespace Nabla.Tests.Generator;

/// <summary>
/// A model with BatchNorm and LayerNorm through the source generator: the generated signature lists the running statistics
/// as buffers, and the bound network trains (running statistics included) exactly as the same model compiled by Nabla.Jit.
/// </summary>
public class GeneratedNormTests
{
    private const string Source = """
        using Nabla;

        namespace Demo;

        [Network]
        public static partial class Normed
        {
            public static Model Build() =>
                Model.Build(new Sequential(new Dense(6, 8), new BatchNorm1d(8), new ReLU(), new LayerNorm(8), new Dense(8, 4)), inputWidth: 6, seed: 5);

            public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.Sgd(0.1));
        }
        """;

    [Fact]
    public void A_generated_network_with_BatchNorm_updates_its_running_statistics_as_the_Jit_compiled_one()
    {
        var (asm, run) = GeneratorHarness.CompileAndLoad(Source, withNabla: true);
        var glue = GeneratorHarness.Sources(run)["Demo.Normed.g.cs"];
        Assert.Contains("\"1.running_mean\", new int[] { 8 }, false, true)", glue);
        Assert.Contains("\"1.num_batches_tracked\", new int[0], false, true)", glue);
        var type = asm.GetType("Demo.Normed", throwOnError: true)!;
        var generated = (Network)type.GetMethod("CreateNetwork")!.Invoke(null, new object[] { 0L })!;
        var jit = ((Model)type.GetMethod("Build")!.Invoke(null, null)!).Compile(TrainingSetup.Classification(Optimizer.Sgd(0.1)));

        const int batch = 7;
        var rng = new Random(3);
        var x = Enumerable.Range(0, batch * 6).Select(_ => (float)(rng.NextDouble() * 4 - 1)).ToArray();
        var t = new float[batch * 4];
        for (int b = 0; b < batch; b++) t[b * 4 + rng.Next(4)] = 1;
        var before = (float[])generated.ParameterValues("1.running_var").Clone();
        for (int step = 0; step < 4; step++)
            Assert.Equal(jit.TrainStep(x, t, batch, 0.1), generated.TrainStep(x, t, batch, 0.1));
        Assert.NotEqual(before, generated.ParameterValues("1.running_var"));
        foreach (var name in new[] { "1.running_mean", "1.running_var", "1.num_batches_tracked", "1.weight", "3.weight" })
            Assert.Equal(jit.ParameterValues(name), generated.ParameterValues(name));
        Assert.Equal(4f, generated.ParameterValues("1.num_batches_tracked")[0]);
        Assert.Equal(jit.Predict(x, batch), generated.Predict(x, batch));
    }
}
