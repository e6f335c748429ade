using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Nabla.Tests.Generator;

/// <summary>
/// The glue's <c>CreateNetwork()</c>: generated only when the project references the Nabla library, and the network it
/// binds trains exactly as the same model compiled at run time by Nabla.Jit.
/// </summary>
public class GeneratedNetworkTests
{
    private const string Mlp = """
        using Nabla;

        namespace Demo;

        [Network]
        public static partial class Mlp
        {
            public static Model Build() =>
                Model.Build(new Sequential(new Dense(6, 16), new ReLU(), new Dense(16, 4)), inputWidth: 6, seed: 11);

            public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.Adam(0.01));
        }
        """;

    [Fact]
    public void With_the_Nabla_library_referenced_the_glue_binds_a_Network()
    {
        var (_, run) = GeneratorHarness.CompileAndLoad(Mlp, withNabla: true);
        var glue = GeneratorHarness.Sources(run)["Demo.Mlp.g.cs"];
        Assert.Contains("public static global::Nabla.Network CreateNetwork(long dropoutSeed = 0)", glue);
        Assert.Contains("global::Nabla.Network.Bind(Build(), new Compiled(), Signature, dropoutSeed)", glue);
        var (_, plain) = GeneratorHarness.CompileAndLoad(Mlp, withNabla: false);
        Assert.DoesNotContain("CreateNetwork", GeneratorHarness.Sources(plain)["Demo.Mlp.g.cs"]);
    }


    [Fact]
    public void CreateNetwork_trains_exactly_as_the_Jit_compiled_network()
    {
        var (asm, _) = GeneratorHarness.CompileAndLoad(Mlp, withNabla: true);
        var type = asm.GetType("Demo.Mlp", throwOnError: true)!;
        var generated = (Network)type.GetMethod("CreateNetwork")!.Invoke(null, new object[] { 0L })!;
        var jit = ((Model)type.GetMethod("Build")!.Invoke(null, null)!).Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)));

        const int batch = 9;
        var rng = new Random(2);
        var x = Enumerable.Range(0, batch * 6).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var t = new float[batch * 4];
        for (int b = 0; b < batch; b++) t[b * 4 + rng.Next(4)] = 1;
        for (int step = 0; step < 5; step++)
            Assert.Equal(jit.TrainStep(x, t, batch, 0.01), generated.TrainStep(x, t, batch, 0.01));
        Assert.Equal(jit.Predict(x, batch), generated.Predict(x, batch));
        Assert.Equal(5, generated.Step);
    }
}
