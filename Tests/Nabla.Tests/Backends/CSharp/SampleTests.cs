using System;
using System.IO;
using Nabla.Backends.CSharp;
using Nabla.Benchmarks.Cases;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Backends.CSharp;

/// <summary>Keeps the checked-in sample examples/GeneratedCode/Mnist1DMlp.g.cs equal to what the emitter writes.</summary>
public class SampleTests
{
    /// <summary>The MNIST-1D MLP training step (40-100-100-10, softmax cross-entropy, SGD) as the sample shows it.</summary>
    internal static string SampleSource() =>
        CSharpEmitter.Emit(MlpGraphs.Plan("Mnist1DMlp", "TrainStep", MlpGraphs.TrainStep(new[] { 40, 100, 100, 10 }, "sgd", DType.F32)),
            new EmitOptions { Namespace = "Nabla.Examples.GeneratedCode", InputOrder = new[] { "x", "t", "lr" } });

    [Fact]
    public void CheckedInSampleMatchesTheEmitter()
    {
        var path = Path.Combine(RepoRoot(), "examples", "GeneratedCode", "Mnist1DMlp.g.cs");
        var source = SampleSource();
        if (Environment.GetEnvironmentVariable("NABLA_UPDATE_SAMPLES") == "1") File.WriteAllText(path, source);
        Assert.True(File.Exists(path), $"{path} is missing: run the tests with NABLA_UPDATE_SAMPLES=1 to write it.");
        Assert.True(File.ReadAllText(path) == source,
            $"{path} differs from what the emitter writes now: run the tests with NABLA_UPDATE_SAMPLES=1 to regenerate it.");
    }

    internal static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Compiler.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("Compiler.sln not found above the test directory.");
    }
}
