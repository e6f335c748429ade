using System;
using System.IO;
using Nabla.Backends.CSharp;
using Nabla.Ir;
using Xunit;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Tests.Backends.CSharp;

/// <summary>Keeps the checked-in sample examples/GeneratedCode/Mnist1DMlp.g.cs equal to what the emitter writes.</summary>
public class SampleTests
{
    /// <summary>
    /// The MNIST-1D MLP (40-100-100-10, ReLU, softmax cross-entropy, SGD, float32) on the product's own path: the DSL's
    /// network, <see cref="Lowerer.Lower"/> (Forward, Evaluate and TrainStep, optimized and scheduled), the C# emitter —
    /// with each method's IR listed in the file, so the kernels' %N comments can be looked up.
    /// </summary>
    internal static string SampleSource()
    {
        var model = Model.Build(Networks.Mlp(40, new[] { 100, 100 }, 10), 40);
        var lowered = Lowerer.Lower(model, new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(0.1)) { ModelName = "Mnist1DMlp", Dropout = false });
        return CSharpEmitter.Emit(lowered.Plan,
            new EmitOptions { Namespace = "Nabla.Examples.GeneratedCode", InputOrder = lowered.Signature.InputOrder, IrListing = true });
    }

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
