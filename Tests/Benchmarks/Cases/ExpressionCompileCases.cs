using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nabla.Backends.Expressions;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// Build time of a training step with the expression backend (f32, SGD): each timed call optimizes the IR, schedules
/// it, builds the expression trees, compiles them and makes the first call (the JIT compiles the dynamic methods then),
/// so the median is the warm cost from IR (the hand-built graph of <see cref="MlpGraphs"/>) to a running model; <c>compile_ms</c> is the first (cold) build in the
/// process, which includes the JIT of Nabla's own compiler code. Cases: the MNIST-1D step (40-100-100-10) and a deep
/// 32-layer step (about 2,000 IR nodes) for scaling.
/// </summary>
public static class ExpressionCompileCases
{
    /// <summary>The compile-time cases.</summary>
    public static IEnumerable<IBenchCase> All()
    {
        yield return new ExpressionCompileCase("mlp-40-100-100-10", new[] { 40, 100, 100, 10 });
        yield return new ExpressionCompileCase("mlp-40-64x32-10", new[] { 40 }.Concat(Enumerable.Repeat(64, 32)).Append(10).ToArray());
    }
}

/// <summary>See <see cref="ExpressionCompileCases"/>.</summary>
public sealed class ExpressionCompileCase : IBenchCase
{
    private readonly int[] _widths;

    /// <summary>Creates the case for an MLP with these layer widths.</summary>
    public ExpressionCompileCase(string name, int[] widths) { Name = name; _widths = widths; }

    /// <inheritdoc/>
    public string Name { get; }
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
    public string Backend => "expressions";
    /// <inheritdoc/>
    public double FlopsPerCall => 0;
    /// <inheritdoc/>
    public int SamplesPerCall => 1;
    /// <inheritdoc/>
    public double? CompileMs { get; private set; }

    /// <inheritdoc/>
    public void Setup()
    {
        var clock = Stopwatch.StartNew();
        Run();
        CompileMs = clock.Elapsed.TotalMilliseconds;
    }

    /// <inheritdoc/>
    public void Run()
    {
        var model = ExpressionBackend.Compile<float>(Scheduler.Build(Pipeline.Optimize(MlpGraphs.TrainStep(_widths, "sgd", Ir.DType.F32)).Function), "TrainStep");
        var m = model.Spec.Methods[0];
        var inputs = m.Inputs.Select(t => new float[t.Size(1)]).ToArray();
        var outputs = m.Outputs.Select(t => new float[t.Size(1)]).ToArray();
        model.Run(0, 1, inputs, outputs);
    }

    /// <inheritdoc/>
    public void Teardown() { }
}
