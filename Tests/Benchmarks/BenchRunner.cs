using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using Nabla.Runtime;

namespace Nabla.Benchmarks;

/// <summary>Timing of one case: per-call times are block time / iterations; median and min are over blocks.</summary>
public sealed record BenchResult(IBenchCase Case, int Threads, double MedianUs, double MinUs, double AllocBytesPerCall,
    int Blocks, long ItersPerBlock, double ForeignCpuPct)
{
    /// <summary>GFLOP/s at the median time, or null when the case reports no FLOP count.</summary>
    public double? Gflops => Case.FlopsPerCall > 0 ? Case.FlopsPerCall / (MedianUs * 1e3) : null;

    /// <summary>Samples per second at the median time.</summary>
    public double SamplesPerSecond => Case.SamplesPerCall / (MedianUs * 1e-6);

    /// <summary>
    /// The ceiling: GFLOP/s of the SGEMM 512³ case (<see cref="BenchRunner.CeilingCase"/>) measured earlier in the same run
    /// on the same number of threads, or null when the run measured none.
    /// </summary>
    public double? SgemmGflops { get; init; }

    /// <summary><see cref="Gflops"/> over <see cref="SgemmGflops"/>, or null when either is missing.</summary>
    public double? SgemmFraction => Gflops is double g && SgemmGflops is double c && c > 0 ? g / c : null;
}

/// <summary>Runs cases: warm-up, then timed blocks, measuring allocations over all threads.</summary>
public sealed class BenchRunner
{
    private readonly double _warmSeconds, _totalSeconds;
    private readonly int _blocks;
    private readonly double _waitIdleSeconds;

    /// <summary>A runner; <paramref name="quick"/> shortens warm-up and measurement about fourfold;
    /// <paramref name="waitIdleSeconds"/> &gt; 0 waits up to that long for an idle machine before each case.</summary>
    public BenchRunner(bool quick, double waitIdleSeconds = 0)
    {
        _waitIdleSeconds = waitIdleSeconds;
        _warmSeconds = quick ? 0.1 : 0.25;
        _totalSeconds = quick ? 0.25 : 1.0;
        _blocks = quick ? 5 : 9;
    }

    /// <summary>Calls made before measuring, whatever the warm-up time: more than the JIT's 30 calls before tier-up.</summary>
    public const int WarmCalls = 60;

    /// <summary>How long the JIT must have compiled nothing before measuring starts.</summary>
    public const double QuietJitSeconds = 0.3;

    /// <summary>The case whose GFLOP/s is the ceiling other cases are compared with: Nabla's SGEMM 512³ (runtime kernel, f32).</summary>
    public const string CeilingCase = "sgemm-512/gemm/-/b512/f32/runtime";

    // GFLOP/s of CeilingCase by thread count, as measured in this run.
    private readonly Dictionary<int, double> _ceiling = new();

    /// <summary>
    /// Measures one case on <paramref name="threads"/> threads. When this runner measured <see cref="CeilingCase"/> on as
    /// many threads before, the result carries its rate (<see cref="BenchResult.SgemmGflops"/>).
    /// </summary>
    public BenchResult Measure(IBenchCase c, int threads)
    {
        var r = MeasureOnce(c, threads);
        if (Id(c) == CeilingCase && r.Gflops is double g) _ceiling[threads] = g;
        return _ceiling.TryGetValue(threads, out double ceiling) ? r with { SgemmGflops = ceiling } : r;
    }

    private BenchResult MeasureOnce(IBenchCase c, int threads)
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = threads;
        try
        {
            c.Setup();
            long n = 0;
            var sw = Stopwatch.StartNew();
            // Also at least WarmCalls calls, and until the JIT has compiled nothing for QuietJitSeconds (at most 10 s): code
            // the JIT tiers (30 calls, then a background recompile; after a Roslyn compile, Roslyn's own hot methods) is
            // recompiled on a background thread that would compete with a 2-thread case for the second core.
            long jitCount = JitInfo.GetCompiledMethodCount(), jitChanged = Stopwatch.GetTimestamp();
            while (sw.Elapsed.TotalSeconds < 10)
            {
                c.Run(); n++;
                long now = JitInfo.GetCompiledMethodCount();
                if (now != jitCount) { jitCount = now; jitChanged = Stopwatch.GetTimestamp(); }
                if (sw.Elapsed.TotalSeconds >= _warmSeconds && n >= WarmCalls && Stopwatch.GetElapsedTime(jitChanged).TotalSeconds >= QuietJitSeconds) break;
            }
            double perCall = sw.Elapsed.TotalSeconds / n;
            long iters = Math.Max(1, (long)Math.Round(_totalSeconds / _blocks / perCall));
            // Finalizers of the previous case's objects run before measuring, twice over: the second collection finds
            // objects the first pass's finalizers released, and their finalizers (on the finalizer thread) had shown as
            // about 2.3 KB allocated during the 784-1024-1024-10 rows after another case.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (_waitIdleSeconds > 0) LoadMeter.WaitIdle(threads >= Environment.ProcessorCount ? 5 : 10, _waitIdleSeconds);
            var meter = new LoadMeter();
            meter.Start();
            var times = new double[_blocks];
            long alloc0 = GC.GetTotalAllocatedBytes(true);
            for (int b = 0; b < _blocks; b++)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (long i = 0; i < iters; i++) c.Run();
                times[b] = Stopwatch.GetElapsedTime(t0).TotalSeconds * 1e6 / iters;
            }
            long alloc1 = GC.GetTotalAllocatedBytes(true);
            double foreign = meter.Stop();
            Array.Sort(times);
            double median = _blocks % 2 == 1 ? times[_blocks / 2] : 0.5 * (times[_blocks / 2 - 1] + times[_blocks / 2]);
            return new BenchResult(c, threads, median, times[0], (double)(alloc1 - alloc0) / (_blocks * iters), _blocks, iters, foreign);
        }
        finally
        {
            c.Teardown();
            Parallelism.MaxThreads = saved;
        }
    }

    /// <summary>One JSON object on one line, following docs/BENCHMARKS.md ("gflops" when the case counts FLOPs; "sgemm_gflops" and "sgemm_fraction" when the run measured the ceiling on as many threads).</summary>
    public static string ToJson(BenchResult r)
    {
        var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            IBenchCase c = r.Case;
            w.WriteStartObject();
            w.WriteString("case", c.Name);
            w.WriteString("op", c.Op);
            if (c.Optimizer is null) w.WriteNull("optimizer"); else w.WriteString("optimizer", c.Optimizer);
            w.WriteNumber("batch", c.Batch);
            w.WriteString("dtype", c.DType);
            w.WriteNumber("threads", r.Threads);
            w.WriteString("backend", c.Backend);
            w.WriteNumber("median_us", Math.Round(r.MedianUs, 3));
            w.WriteNumber("min_us", Math.Round(r.MinUs, 3));
            w.WriteNumber("samples_per_s", Math.Round(r.SamplesPerSecond, 1));
            if (c.CompileMs is double cm) w.WriteNumber("compile_ms", Math.Round(cm, 3)); else w.WriteNull("compile_ms");
            w.WriteNumber("alloc_bytes_per_step", Math.Round(r.AllocBytesPerCall, 1));
            if (r.Gflops is double g) w.WriteNumber("gflops", Math.Round(g, 2));
            if (r.SgemmFraction is double f)
            {
                w.WriteNumber("sgemm_gflops", Math.Round(r.SgemmGflops!.Value, 2));
                w.WriteNumber("sgemm_fraction", Math.Round(f, 4));
            }
            if (!double.IsNaN(r.ForeignCpuPct)) w.WriteNumber("foreign_cpu_pct", Math.Round(r.ForeignCpuPct, 1));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Header of the readable table.</summary>
    public static string TableHeader =>
        string.Format(CultureInfo.InvariantCulture, "{0,-56} {1,3} {2,-4} {3,11} {4,11} {5,9} {6,7} {7,10} {8,8}",
            "case", "thr", "type", "median_us", "min_us", "GFLOP/s", "%SGEMM", "alloc B", "foreign%");

    /// <summary>One readable table row.</summary>
    public static string ToRow(BenchResult r) =>
        string.Format(CultureInfo.InvariantCulture, "{0,-56} {1,3} {2,-4} {3,11:F2} {4,11:F2} {5,9} {6,7} {7,10:F0} {8,8:F0}",
            Id(r.Case), r.Threads, r.Case.DType, r.MedianUs, r.MinUs,
            r.Gflops is double g ? g.ToString("F1", CultureInfo.InvariantCulture) : "-",
            r.SgemmFraction is double f ? (100 * f).ToString("F0", CultureInfo.InvariantCulture) + " %" : "-", r.AllocBytesPerCall, r.ForeignCpuPct);

    /// <summary>True if <paramref name="name"/> matches <paramref name="pattern"/>: exactly, as a prefix, or as a glob (* and ?).</summary>
    public static bool Matches(string name, string pattern)
    {
        if (pattern.Contains('*') || pattern.Contains('?')) return Glob(name, 0, pattern, 0);
        return name.StartsWith(pattern, StringComparison.Ordinal);
    }

    private static bool Glob(string s, int i, string p, int j)
    {
        while (j < p.Length)
        {
            if (p[j] == '*')
            {
                for (int k = i; k <= s.Length; k++) if (Glob(s, k, p, j + 1)) return true;
                return false;
            }
            if (i >= s.Length || (p[j] != '?' && p[j] != s[i])) return false;
            i++; j++;
        }
        return i == s.Length;
    }

    /// <summary>
    /// A case's full identity, <c>name/op/optimizer/bBATCH/dtype/backend</c> (e.g. <c>mlp-40-100-100-10/train_step/sgd/b128/f32/roslyn</c>):
    /// several cases share a name (the JSON keeps batch, op and optimizer in their own fields); patterns match either.
    /// </summary>
    public static string Id(IBenchCase c) => $"{c.Name}/{c.Op}/{c.Optimizer ?? "-"}/b{c.Batch}/{c.DType}/{c.Backend}";

    /// <summary>Selected (case, threads) pairs without duplicates, in registry order.</summary>
    public static List<(IBenchCase Case, int Threads)> Select(IEnumerable<IBenchCase> cases, IReadOnlyList<string> patterns, int? threads)
    {
        var seen = new HashSet<(string, int)>();
        var result = new List<(IBenchCase, int)>();
        foreach (var c in cases)
        {
            if (patterns.Count > 0)
            {
                bool hit = false;
                foreach (var pat in patterns) hit |= Matches(c.Name, pat) || Matches(Id(c), pat);
                if (!hit) continue;
            }
            int t = threads ?? c.Threads;
            if (seen.Add((Id(c), t))) result.Add((c, t));
        }
        return result;
    }
}
