using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using Nabla.Backends.CSharp;
using Nabla.Backends.Roslyn;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// Where a compiled MLP training step spends its time: the step is emitted with <see cref="EmitOptions.ProfileKernels"/>
/// (every kernel timed, about 20 ns of timer cost each), measured like the other cases, and on teardown a per-kernel
/// table (ns per step, share, kernel) is written to stderr. Case names start with <c>profile-</c>.
/// </summary>
public static class RoslynProfileCases
{
    /// <summary>The SGD step of 40-100-100-10 at batches 1, 32 and 128, and Adam at 128.</summary>
    public static IEnumerable<IBenchCase> All()
    {
        foreach (int b in new[] { 1, 32, 128 }) yield return new RoslynProfileCase("mlp-40-100-100-10", b, "sgd");
        yield return new RoslynProfileCase("mlp-40-100-100-10", 128, "adam");
        yield return new RoslynProfileCase("mlp-40-100-100-10", 4000, "sgd");
        yield return new RoslynProfileCase("lenet-28", 64, "sgd");
        yield return new RoslynProfileCase("mnist1d-cnn", 100, "adam");
    }
}

/// <summary>See <see cref="RoslynProfileCases"/>.</summary>
public sealed class RoslynProfileCase : IBenchCase
{
    private readonly int[] _widths;
    private CompiledModel<float>? _model;
    private float[][] _inputs = Array.Empty<float[]>(), _outputs = Array.Empty<float[]>();
    private long[] _ticks = Array.Empty<long>(), _prev = Array.Empty<long>(), _min = Array.Empty<long>();
    // Each kernel's time in the last Ring calls (a ring, so warm-up calls drop out): the medians.
    private const int Ring = 2048;
    private long[] _recent = Array.Empty<long>();
    private Schedule? _schedule;
    private long _calls;
    private int _method;

    /// <summary>Creates the case.</summary>
    public RoslynProfileCase(string model, int batch, string optimizer) { Name = "profile-" + model; Batch = batch; Optimizer = optimizer; _widths = model.StartsWith("mlp-") ? MlpCases.Widths(model) : new[] { 10 }; }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public string Op => "train_step";
    /// <inheritdoc/>
    public string? Optimizer { get; }
    /// <inheritdoc/>
    public int Batch { get; }
    /// <inheritdoc/>
    public string DType => "f32";
    /// <inheritdoc/>
    public int Threads => 1;
    /// <inheritdoc/>
    public string Backend => "roslyn-profile";
    /// <inheritdoc/>
    public double FlopsPerCall => 0;
    /// <inheritdoc/>
    public int SamplesPerCall => Batch;
    /// <inheritdoc/>
    public double? CompileMs { get; private set; }

    /// <inheritdoc/>
    public void Setup()
    {
        var sw = Stopwatch.StartNew();
        var cnn = Name == "profile-lenet-28" ? LenetCases.Lenet : Name == "profile-mnist1d-cnn" ? LenetCases.Mnist1dCnn : null;
        var (model, lowered) = cnn is not null ? cnn.Lower() : MlpCases.Lower(_widths, Optimizer!);
        var plan = lowered.Plan;
        _method = Enumerable.Range(0, plan.Methods.Count).First(i => plan.Methods[i].Method == "TrainStep");
        _schedule = plan.Methods[_method].Schedule;
        var compiled = RoslynBackend.Compile<float>(plan, new EmitOptions { Namespace = "Nabla.Benchmarks.Profile", ProfileKernels = true });
        CompileMs = sw.Elapsed.TotalMilliseconds;
        _model = compiled.Create();
        _ticks = ((long[][])compiled.Type.GetField("KernelTicks", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!)[_method];
        LenetCases.CopyParameters(model, _model);
        var spec = _model.Spec.Methods[_method];
        var rnd = new Random(7);
        _inputs = spec.Inputs.Select(i => new float[i.Size(Batch)]).ToArray();
        _outputs = spec.Outputs.Select(o => new float[o.Size(Batch)]).ToArray();
        for (int i = 0; i < spec.Inputs.Count; i++)
        {
            var a = _inputs[i];
            if (spec.Inputs[i].Name == "x") for (int j = 0; j < a.Length; j++) a[j] = (float)(rnd.NextDouble() * 2 - 1);
            else if (spec.Inputs[i].Name == "t") for (int r = 0; r < Batch; r++) a[r * 10 + rnd.Next(10)] = 1;
            else a[0] = spec.Inputs[i].Name == "lr" ? 1e-4f : 1.5f;
        }
        Array.Clear(_ticks);
        _prev = new long[_ticks.Length];
        _min = Enumerable.Repeat(long.MaxValue, _ticks.Length).ToArray();
        _recent = new long[Ring * _ticks.Length];
        _calls = 0;
    }

    /// <inheritdoc/>
    public void Run()
    {
        _model!.Run(_method, Batch, _inputs, _outputs);
        int slot = (int)(_calls % Ring) * _ticks.Length;
        _calls++;
        // The least time each kernel took in any call: preemption by other processes inflates sums, not minima.
        for (int k = 0; k < _ticks.Length; k++)
        {
            long d = _ticks[k] - _prev[k];
            if (d < _min[k]) _min[k] = d;
            _recent[slot + k] = d;
            _prev[k] = _ticks[k];
        }
    }

    /// <inheritdoc/>
    public void Teardown()
    {
        double total = _ticks.Sum(), minTotal = _min.Sum();
        double Ns(double ticks) => ticks * 1e9 / Stopwatch.Frequency;
        int kept = (int)Math.Min(_calls, Ring);
        var medians = new long[_ticks.Length];
        var column = new long[kept];
        for (int k = 0; k < _ticks.Length; k++)
        {
            for (int c = 0; c < kept; c++) column[c] = _recent[c * _ticks.Length + k];
            Array.Sort(column);
            medians[k] = kept == 0 ? 0 : column[kept / 2];
        }
        Console.Error.WriteLine($"# profile {Name} {Optimizer} batch {Batch}, {Parallelism.MaxThreads} thread(s): {_schedule!.Kernels.Count} kernels; per step inside kernels: mean {Ns(total / _calls):F0} ns (all calls), sum of per-kernel medians {Ns(medians.Sum()):F0} ns and minima {Ns(minTotal):F0} ns (last {kept} calls)");
        Console.Error.WriteLine("#   kernel   min ns median ns  share-of-medians  kernel");
        double medianTotal = Math.Max(1, medians.Sum());
        for (int k = 0; k < _ticks.Length; k++)
        {
            var text = _schedule.Kernels[k].ToString();
            Console.Error.WriteLine($"#   k{k,-3} {Ns(_min[k]),9:F0} {Ns(medians[k]),9:F0} {100 * medians[k] / medianTotal,6:F1}%  {(text.Length > 100 ? text.Substring(0, 100) + "..." : text)}");
        }
        _model = null;
    }
}
