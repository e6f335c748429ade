using System.Collections.Generic;
using System.Diagnostics;
using Nabla.Backends.CSharp;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// Compile time of the MNIST-1D training step (40-100-100-10, SGD, f32) with the Roslyn backend: <c>compile_ms</c> is
/// the first (cold) compile in the process, which includes the JIT compiling Roslyn itself; each timed call then
/// schedules, emits and compiles a fresh copy (a new class name defeats the cache), so the median is the warm time.
/// </summary>
public static class RoslynCompileCases
{
    /// <summary>The compile-time case.</summary>
    public static IEnumerable<IBenchCase> All()
    {
        yield return new RoslynCompileCase();
    }
}

/// <summary>See <see cref="RoslynCompileCases"/>.</summary>
public sealed class RoslynCompileCase : IBenchCase
{
    private static readonly int[] Widths = { 40, 100, 100, 10 };
    private Function? _step;
    private int _copy;

    /// <inheritdoc/>
    public string Name => "mlp-40-100-100-10";
    /// <inheritdoc/>
    public string Op => "compile_train_step";
    /// <inheritdoc/>
    public string? Optimizer => "sgd";
    /// <inheritdoc/>
    public int Batch => 1;
    /// <inheritdoc/>
    public string DType => "f32";
    /// <inheritdoc/>
    public int Threads => 1;
    /// <inheritdoc/>
    public string Backend => "roslyn";
    /// <inheritdoc/>
    public double FlopsPerCall => 0;
    /// <inheritdoc/>
    public int SamplesPerCall => 1;
    /// <inheritdoc/>
    public double? CompileMs { get; private set; }

    /// <inheritdoc/>
    public void Setup()
    {
        _step = MlpGraphs.TrainStep(Widths, "sgd", Ir.DType.F32);
        var sw = Stopwatch.StartNew();
        Run();
        CompileMs = sw.Elapsed.TotalMilliseconds;
    }

    /// <inheritdoc/>
    public void Run()
    {
        var plan = MlpGraphs.Plan("CompileTimeMlp" + _copy++, "TrainStep", _step!);
        RoslynBackend.Compile<float>(plan, new EmitOptions { Namespace = "Nabla.Benchmarks.CompileTime" });
    }

    /// <inheritdoc/>
    public void Teardown() => RoslynCompiler.ClearCache();
}
