using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nabla.Backends.CSharp;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// MNIST-1D MLP training steps (SGD and Adam) and forward passes compiled by the Roslyn backend: the IR is built by
/// <see cref="MlpGraphs"/>, scheduled, emitted as C#, compiled in memory, and run through <see cref="CompiledModel{T}.Run"/>.
/// <c>compile_ms</c> covers scheduling, emitting and compiling (the first compile in a process includes Roslyn's own JIT).
/// </summary>
public static class RoslynMlpCases
{
    /// <summary>All Roslyn MLP cases, each at 1 and 2 threads.</summary>
    public static IEnumerable<IBenchCase> All()
    {
        var list = new List<(string Model, int Batch, string Op, string? Optimizer)>();
        foreach (int b in new[] { 1, 32, 128, 4000 })
            foreach (var opt in new[] { "sgd", "adam" }) list.Add(("mlp-40-100-100-10", b, "train_step", opt));
        foreach (var m in new[] { "mlp-40-298-10", "mlp-40-75-75-75-10", "mlp-40-63-63-63-63-10" })
            foreach (var opt in new[] { "sgd", "adam" }) list.Add((m, 128, "train_step", opt));
        foreach (var opt in new[] { "sgd", "adam" }) list.Add(("mlp-784-1024-1024-10", 256, "train_step", opt));
        foreach (int b in new[] { 1, 32, 128 }) list.Add(("mlp-40-100-100-10", b, "forward", null));
        foreach (var (m, b, op, opt) in list)
            foreach (int t in new[] { 1, 2 })
                yield return new RoslynMlpCase(m, b, op, opt, t);
    }
}

/// <summary>One compiled MLP method measured at one batch size.</summary>
public sealed class RoslynMlpCase : IBenchCase
{
    // Compile costs by source hash, so a case whose code was compiled by an earlier case still reports what it cost.
    private static readonly ConcurrentDictionary<string, double> CompileCost = new();

    private readonly int[] _widths;
    private CompiledModel<float>? _model;
    private float[][] _inputs = Array.Empty<float[]>(), _outputs = Array.Empty<float[]>();

    /// <summary>Creates a case; <paramref name="optimizer"/> is null for forward passes.</summary>
    public RoslynMlpCase(string model, int batch, string op, string? optimizer, int threads)
    {
        Name = model; Batch = batch; Op = op; Optimizer = optimizer; Threads = threads;
        _widths = MlpGraphs.Widths(model);
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public string Op { get; }
    /// <inheritdoc/>
    public string? Optimizer { get; }
    /// <inheritdoc/>
    public int Batch { get; }
    /// <inheritdoc/>
    public string DType => "f32";
    /// <inheritdoc/>
    public int Threads { get; }
    /// <inheritdoc/>
    public string Backend => "roslyn";
    /// <inheritdoc/>
    public double FlopsPerCall
    {
        get
        {
            double macs = 0;
            for (int i = 0; i + 1 < _widths.Length; i++) macs += (double)_widths[i] * _widths[i + 1];
            return (Op == "forward" ? 2 : 6) * macs * Batch;
        }
    }
    /// <inheritdoc/>
    public int SamplesPerCall => Batch;
    /// <inheritdoc/>
    public double? CompileMs { get; private set; }

    /// <inheritdoc/>
    public void Setup()
    {
        var sw = Stopwatch.StartNew();
        var f = Op == "forward" ? MlpGraphs.Forward(_widths, Ir.DType.F32) : MlpGraphs.TrainStep(_widths, Optimizer!, Ir.DType.F32);
        var cls = "Mlp_" + string.Join("_", _widths) + "_" + (Optimizer ?? "forward");
        var plan = MlpGraphs.Plan(cls, Op == "forward" ? "Forward" : "TrainStep", f);
        var compiled = RoslynBackend.Compile<float>(plan, new EmitOptions { Namespace = "Nabla.Benchmarks.Generated" });
        double ms = sw.Elapsed.TotalMilliseconds;
        CompileMs = compiled.WasCached && CompileCost.TryGetValue(compiled.Assembly.Hash, out var c) ? c : ms;
        CompileCost.TryAdd(compiled.Assembly.Hash, ms);
        _model = compiled.Create();
        MlpGraphs.Initialize(_model, 42);
        var rnd = new Random(7);
        var spec = _model.Spec.Methods[0];
        _inputs = spec.Inputs.Select(i => new float[i.Size(Batch)]).ToArray();
        _outputs = spec.Outputs.Select(o => new float[o.Size(Batch)]).ToArray();
        for (int i = 0; i < spec.Inputs.Count; i++)
        {
            var a = _inputs[i];
            switch (spec.Inputs[i].Name)
            {
                case "x": for (int j = 0; j < a.Length; j++) a[j] = (float)(rnd.NextDouble() * 2 - 1); break;
                case "t": int k = _widths[^1]; for (int r = 0; r < Batch; r++) a[r * k + rnd.Next(k)] = 1; break;
                case "lr": a[0] = Optimizer == "adam" ? 1e-4f : 1e-3f; break;
                case "bc1": a[0] = (float)(1 / (1 - Math.Pow(MlpGraphs.Beta1, 10))); break;
                case "bc2": a[0] = (float)(1 / (1 - Math.Pow(MlpGraphs.Beta2, 10))); break;
                default: throw new InvalidOperationException($"Unexpected input \"{spec.Inputs[i].Name}\".");
            }
        }
    }

    /// <inheritdoc/>
    public void Run() => _model!.Run(0, Batch, _inputs, _outputs);

    /// <inheritdoc/>
    public void Teardown() { _model = null; }
}
