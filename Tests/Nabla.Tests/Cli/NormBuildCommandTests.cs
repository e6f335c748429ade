using System;
using System.IO;
using System.Linq;
using System.Runtime.Loader;
using Nabla.Checkpoints;
using Nabla.Cli;
using Xunit;

namespace Nabla.Tests.Cli;

/// <summary><c>nabla build</c> of a model with BatchNorm: weights and running statistics embedded, training as the Jit-compiled model.</summary>
public sealed class NormBuildCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nabla-build-norm-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public void A_model_with_BatchNorm_builds_embeds_its_running_statistics_and_trains_like_the_Jit_compiled_one()
    {
        Directory.CreateDirectory(_dir);
        var source = Path.Combine(_dir, "Bn.cs");
        File.WriteAllText(source, """
            using Nabla;
            namespace Demo;
            [Network]
            public static partial class Bn
            {
                public static Model Build() => Model.Build(new Sequential(new Dense(3, 4), new BatchNorm1d(4), new ReLU(), new Dense(4, 2)), inputWidth: 3, seed: 2);
                public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.Sgd(0.05));
            }
            """);
        Model Build() => Model.Build(new Sequential(new Dense(3, 4), new BatchNorm1d(4), new ReLU(), new Dense(4, 2)), inputWidth: 3, seed: 2);
        var model = Build();
        var weights = Path.Combine(_dir, "bn.safetensors");
        int k = 0;
        SafeTensors.Save(weights, model.Parameters.Entries.Select(e =>
            new SafeTensor(e.Name, e.Parameter.Shape.ToArray(), e.Parameter.Data.Select(v => e.Parameter.IsBuffer ? 0.5f + 0.125f * ++k : v).ToArray())).ToList());

        var o = new StringWriter(); var err = new StringWriter();
        int code = CommandLine.Run(new[] { "build", source, "-o", Path.Combine(_dir, "out"), "--weights", weights }, o, err);
        Assert.True(code == 0, err.ToString());
        Assert.Contains("Demo.Bn: 34 parameters (+9 buffer values);", o.ToString()); // 3·4+4 + 4+4 + 4·2+2; running mean, var and count are state
        var context = new AssemblyLoadContext("model-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        try
        {
            var type = context.LoadFromAssemblyPath(Path.Combine(_dir, "out", "Bn.dll")).GetType("Demo.Bn", throwOnError: true)!;
            var trained = (Network)type.GetMethod("CreateTrainedNetwork")!.Invoke(null, new object[] { 0L })!;
            Assert.Equal(new[] { 0.625f, 0.75f, 0.875f, 1f }, trained.ParameterValues("1.running_mean"));
            Assert.Equal(new[] { 1.625f }, trained.ParameterValues("1.num_batches_tracked"));

            var network = (Network)type.GetMethod("CreateNetwork")!.Invoke(null, new object[] { 0L })!;
            var reference = Build().Compile(TrainingSetup.Classification(Optimizer.Sgd(0.05)));
            var rng = new Random(1);
            var x = Enumerable.Range(0, 5 * 3).Select(_ => (float)rng.NextDouble()).ToArray();
            var t = new float[5 * 2];
            for (int b = 0; b < 5; b++) t[b * 2 + b % 2] = 1;
            for (int step = 0; step < 3; step++) Assert.Equal(reference.TrainStep(x, t, 5, 0.05), network.TrainStep(x, t, 5, 0.05));
            Assert.Equal(reference.ParameterValues("1.running_var"), network.ParameterValues("1.running_var"));
            Assert.Equal(reference.Predict(x, 5), network.Predict(x, 5));
        }
        finally { context.Unload(); }
    }
}
