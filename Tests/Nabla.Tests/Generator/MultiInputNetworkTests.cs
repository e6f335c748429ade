using System;
using System.IO;
using System.Linq;
using System.Runtime.Loader;
using Nabla.Cli;
using Xunit;

namespace Nabla.Tests.Generator;

/// <summary>
/// A siamese model (two inputs, one shared encoder, two outputs) trained by a loss between its outputs, written as a
/// [Network] class: the source generator and <c>nabla build</c> accept it, and the network they produce trains exactly
/// as the same model compiled at run time.
/// </summary>
[Collection("Jit")]
public sealed class MultiInputNetworkTests : IDisposable
{
    private const string Source = """
        using Nabla;

        namespace Demo;

        [Network]
        public static partial class Pairs
        {
            public static Model Build() =>
                Model.Build(new Siamese(new Sequential(new Dense(5, 8), new Tanh(), new Dense(8, 4))),
                    new[] { InputSpec.Batched("x1", 5), InputSpec.Batched("x2", 5) }, new[] { "q", "k" }, seed: 3);

            public static TrainingSetup Training() =>
                new TrainingSetup(new[] { LossTerm.Between("q", "k", Loss.InfoNceInBatch(0.5)) }, Optimizer.Sgd(0.5));
        }
        """;

    private static Network Reference() =>
        Model.Build(new Siamese(new Sequential(new Dense(5, 8), new Tanh(), new Dense(8, 4))),
            new[] { InputSpec.Batched("x1", 5), InputSpec.Batched("x2", 5) }, new[] { "q", "k" }, seed: 3)
            .Compile(new TrainingSetup(new[] { LossTerm.Between("q", "k", Loss.InfoNceInBatch(0.5)) }, Optimizer.Sgd(0.5)));

    private static (float[][] Views, int Batch) Views()
    {
        var rng = new Random(4);
        var x1 = Enumerable.Range(0, 6 * 5).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var x2 = x1.Select(v => v + (float)(rng.NextDouble() * 0.4 - 0.2)).ToArray();
        return (new[] { x1, x2 }, 6);
    }

    private static void TrainsLikeTheReference(Network generated)
    {
        var reference = Reference();
        Assert.Equal(new[] { "x1", "x2", "lr" }, generated.Signature.MethodInputs(Nabla.Lowering.TrainingSignature.TrainStepMethod));
        Assert.Empty(generated.Signature.Targets);
        var (views, batch) = Views();
        var none = Array.Empty<float[]>();
        for (int step = 0; step < 4; step++)
            Assert.Equal(reference.TrainStep(views, none, batch, 0.5), generated.TrainStep(views, none, batch, 0.5));
        Assert.Equal(reference.Evaluate(views, none, batch), generated.Evaluate(views, none, batch));
    }

    [Fact]
    public void The_source_generator_compiles_a_siamese_model_with_a_loss_between_its_outputs()
    {
        var (asm, run) = GeneratorHarness.CompileAndLoad(Source, withNabla: true);
        Assert.Empty(run.Diagnostics);
        var glue = GeneratorHarness.Sources(run)["Demo.Pairs.g.cs"];
        Assert.Contains("InfoNCE(in-batch, τ=0.5)", glue);
        var type = asm.GetType("Demo.Pairs", throwOnError: true)!;
        TrainsLikeTheReference((Network)type.GetMethod("CreateNetwork")!.Invoke(null, new object[] { 0L })!);
    }

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nabla-pairs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public void Nabla_build_compiles_the_siamese_model_into_a_dll_that_trains_like_the_run_time_model()
    {
        Directory.CreateDirectory(_dir);
        var file = Path.Combine(_dir, "Pairs.cs");
        File.WriteAllText(file, Source);
        var o = new StringWriter(); var e = new StringWriter();
        int code = CommandLine.Run(new[] { "build", file, "-o", Path.Combine(_dir, "out") }, o, e);
        Assert.True(code == 0, e.ToString());
        var context = new AssemblyLoadContext("pairs-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        var type = context.LoadFromAssemblyPath(Path.Combine(_dir, "out", "Pairs.dll")).GetType("Demo.Pairs", throwOnError: true)!;
        TrainsLikeTheReference((Network)type.GetMethod("CreateNetwork")!.Invoke(null, new object[] { 0L })!);
        context.Unload();
    }
}
