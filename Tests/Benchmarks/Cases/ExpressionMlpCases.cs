using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nabla.Backends.Expressions;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// MNIST-1D MLP training steps (SGD, Adam) and forward passes compiled by the expression backend
/// (<c>backend: expressions</c>). <c>compile_ms</c> is the time from the IR function to a model that has run once:
/// optimizing, scheduling, building the expression trees, <c>LambdaExpression.Compile</c> and the JIT of the dynamic
/// methods at the first call — measured warm (after one compile of the same function in the process, which pays the
/// JIT of Nabla's own compiler code).
/// </summary>
public static class ExpressionMlpCases
{
    /// <summary>All cases, each at 1 and 2 threads.</summary>
    public static IEnumerable<IBenchCase> All()
    {
        var list = new List<(string Model, int Batch, string Op, string? Optimizer)>();
        foreach (int b in new[] { 1, 32, 128, 4000 })
            foreach (var opt in new[] { "sgd", "adam" }) list.Add(("mlp-40-100-100-10", b, "train_step", opt));
        foreach (var m in new[] { "mlp-40-298-10", "mlp-40-75-75-75-10", "mlp-40-63-63-63-63-10" }) list.Add((m, 128, "train_step", "sgd"));
        foreach (int b in new[] { 1, 128 }) list.Add(("mlp-40-100-100-10", b, "forward", null));
        foreach (var (m, b, op, opt) in list)
            foreach (int t in new[] { 1, 2 })
                yield return new ExpressionMlpCase(m, b, op, opt, t);
    }
}

/// <summary>One MLP method compiled by the expression backend, run at one batch size.</summary>
public sealed class ExpressionMlpCase : IBenchCase
{
    private readonly int[] _widths;
    private ExpressionModel<float>? _model;
    // Input batches (4,096 samples, at least 8 batches), cycled through as PyTorch's benchmark cycles its data: on one
    // fixed batch the ReLU units it never activates get zero gradients forever, and Adam's moments of their weights
    // decay into float denormals, whose arithmetic is far slower (measured: 96 µs instead of ~10 µs per batch-1 step).
    private int Sets => Math.Max(8, 4096 / Batch);
    private float[][][] _sets = Array.Empty<float[][]>();
    private float[][] _inputs = Array.Empty<float[]>(), _outputs = Array.Empty<float[]>();
    private int _step;

    /// <summary>Creates a case; <paramref name="optimizer"/> is null for a forward pass.</summary>
    public ExpressionMlpCase(string model, int batch, string op, string? optimizer, int threads)
    {
        Name = model; Batch = batch; Op = op; Optimizer = optimizer; Threads = threads;
        _widths = ExpressionMlpSteps.Widths(model);
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
    public string Backend => "expressions";
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

    /// <summary>Builds the function, optimizes, schedules and compiles it: the work <see cref="CompileMs"/> measures.</summary>
    internal static ExpressionModel<float> Build(Function f, string method)
    {
        var optimized = Pipeline.Optimize(f).Function;
        return ExpressionBackend.Compile<float>(Scheduler.Build(optimized), method);
    }

    /// <inheritdoc/>
    public void Setup()
    {
        Func<Function> make = Op == "forward" ? () => ExpressionMlpSteps.Forward(_widths) : () => ExpressionMlpSteps.TrainStep(_widths, Optimizer!);
        string method = Op == "forward" ? "Forward" : "TrainStep";
        // Warm-up compile (pays the JIT of the compiler itself), then the measured one.
        var warm = Build(make(), method);
        Prepare(warm);
        warm.Run(0, Batch, _inputs, _outputs);
        var clock = Stopwatch.StartNew();
        var model = Build(make(), method);
        Prepare(model);
        model.Run(0, Batch, _inputs, _outputs);
        CompileMs = clock.Elapsed.TotalMilliseconds;
        _model = model;
    }

    // He-initialized weights, zero biases and optimizer state; random inputs and one-hot targets.
    private void Prepare(ExpressionModel<float> model)
    {
        var rng = new Random(0);
        for (int p = 0; p < model.Spec.Parameters.Count; p++)
        {
            var spec = model.Spec.Parameters[p];
            var a = model.Parameters[p];
            if (spec.Name.EndsWith(".weight", StringComparison.Ordinal))
            {
                double scale = Math.Sqrt(2.0 / spec.Shape[1]);
                for (int i = 0; i < a.Length; i++) a[i] = (float)(scale * Gaussian(rng));
            }
            else Array.Clear(a);
        }
        var m = model.Spec.Methods[0];
        _sets = Enumerable.Range(0, Sets).Select(_ => m.Inputs.Select(t => new float[t.Size(Batch)]).ToArray()).ToArray();
        _inputs = _sets[0];
        _outputs = m.Outputs.Select(t => new float[t.Size(Batch)]).ToArray();
        foreach (var set in _sets)
        {
            for (int i = 0; i < m.Inputs.Count; i++)
            {
                var a = set[i];
                switch (m.Inputs[i].Name)
                {
                    case "lr": a[0] = Optimizer == "adam" ? 1e-3f : 0.01f; break;
                    case "t":
                        int classes = _widths[^1];
                        for (int r = 0; r < Batch; r++) a[r * classes + rng.Next(classes)] = 1;
                        break;
                    default:
                        for (int j = 0; j < a.Length; j++) a[j] = (float)Gaussian(rng);
                        break;
                }
            }
        }
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <inheritdoc/>
    public void Run() => _model!.Run(0, Batch, _sets[_step++ % _sets.Length], _outputs);

    /// <inheritdoc/>
    public void Teardown()
    {
        _model = null;
        _inputs = _outputs = Array.Empty<float[]>();
        _sets = Array.Empty<float[][]>();
    }
}
