using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using Nabla.Runtime;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// The floor under the batch-1 step of the 40-100-100-10 MLP, measured on this machine: what streaming its weights
/// costs with nothing else done, and what one hand-off between two cores costs. A batch-1 step must read the 15,210
/// weights and biases (59.4 KiB: more than the 32 KiB L1, so they come from L2) once for the forward pass, then once
/// more while updating them in place (the fused dense backward reads each weight row for the input gradient and writes
/// it back updated). <c>floor-batch1/sweep</c> is the bare 512-bit read of that array, <c>floor-batch1/sweep-update</c>
/// one read sweep plus one read-modify-write sweep (w += s·x, a rank-one update like SGD's). <c>floor-batch1/handoff</c>
/// is one round trip of a cache line between two threads (each waits for the other's write): splitting a layer over
/// both cores costs at least one such hand-off per layer and pass. <c>floor-batch1/forward-split</c> is that split
/// measured: the model's batch-1 forward pass as the product's own batch-1 GEMM calls (<c>Gemm.Sgemm</c> with m = 1),
/// each thread owning half of every layer's rows (on two threads: 30 KiB of weights a core, kept in its L1) and both
/// meeting at a spin barrier after each layer; on one thread the same calls run every row.
/// </summary>
public static class FloorCases
{
    /// <summary>The three cases.</summary>
    public static IEnumerable<IBenchCase> All()
    {
        yield return new SweepCase(update: false);
        yield return new SweepCase(update: true);
        yield return new HandoffCase();
        yield return new SplitForwardCase(1);
        yield return new SplitForwardCase(2);
    }

    /// <summary>Weights and biases of 40-100-100-10.</summary>
    public const int Parameters = 40 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10;
}

/// <summary>See <see cref="FloorCases"/>.</summary>
public sealed unsafe class SweepCase : IBenchCase
{
    private readonly bool _update;
    private float[] _w = Array.Empty<float>();
    private float[] _x = Array.Empty<float>();
    private float _sink;

    /// <summary>A read sweep, or (<paramref name="update"/>) a read sweep and a read-modify-write sweep.</summary>
    public SweepCase(bool update) { _update = update; }

    /// <inheritdoc/>
    public string Name => "floor-batch1";
    /// <inheritdoc/>
    public string Op => _update ? "sweep-update" : "sweep";
    /// <inheritdoc/>
    public string? Optimizer => null;
    /// <inheritdoc/>
    public int Batch => 1;
    /// <inheritdoc/>
    public string DType => "f32";
    /// <inheritdoc/>
    public int Threads => 1;
    /// <inheritdoc/>
    public string Backend => "memory";
    /// <inheritdoc/>
    public double FlopsPerCall => 0;
    /// <inheritdoc/>
    public int SamplesPerCall => 1;
    /// <inheritdoc/>
    public double? CompileMs => null;

    /// <inheritdoc/>
    public void Setup()
    {
        // Padded to whole 64-byte vectors; the rows of the update are 100 wide, as the hidden layers are.
        _w = GC.AllocateArray<float>((FloorCases.Parameters + 15) / 16 * 16, pinned: true);
        _x = GC.AllocateArray<float>(128, pinned: true);
        var rng = new Random(5);
        for (int i = 0; i < _w.Length; i++) _w[i] = (float)(rng.NextDouble() - 0.5);
        for (int i = 0; i < _x.Length; i++) _x[i] = 1e-7f * (float)(rng.NextDouble() - 0.5);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run()
    {
        fixed (float* w = _w, x = _x)
        {
            int n = _w.Length;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int i = 0;
            for (; i + 64 <= n; i += 64)
            {
                s0 += Vector512.Load(w + i); s1 += Vector512.Load(w + i + 16);
                s2 += Vector512.Load(w + i + 32); s3 += Vector512.Load(w + i + 48);
            }
            for (; i < n; i += 16) s0 += Vector512.Load(w + i);
            _sink += Vector512.Sum((s0 + s1) + (s2 + s3));
            if (!_update) return;
            // w += s·x with s = 1e-3 (x is tiny, so the weights stay put); x stands for the layer input, which the real
            // update reads from L1 for every row of weights (at most 100 values: here 128, reused).
            var s = Vector512.Create(1e-3f);
            for (i = 0; i < n; i += 16) Vector512.FusedMultiplyAdd(s, Vector512.Load(x + (i & 127)), Vector512.Load(w + i)).Store(w + i);
        }
    }

    /// <inheritdoc/>
    public void Teardown() { _w = _x = Array.Empty<float>(); }
}

/// <summary>See <see cref="FloorCases"/>: one round trip of a cache line between the calling thread and a partner.</summary>
public sealed class HandoffCase : IBenchCase
{
    // The flag the two threads write in turn, alone on its cache line.
    private readonly long[] _line = new long[16];
    private Thread? _partner;
    private volatile bool _stop;
    private long _turn;

    /// <inheritdoc/>
    public string Name => "floor-batch1";
    /// <inheritdoc/>
    public string Op => "handoff";
    /// <inheritdoc/>
    public string? Optimizer => null;
    /// <inheritdoc/>
    public int Batch => 1;
    /// <inheritdoc/>
    public string DType => "-";
    /// <inheritdoc/>
    public int Threads => 2;
    /// <inheritdoc/>
    public string Backend => "threads";
    /// <inheritdoc/>
    public double FlopsPerCall => 0;
    /// <inheritdoc/>
    public int SamplesPerCall => 1;
    /// <inheritdoc/>
    public double? CompileMs => null;

    /// <inheritdoc/>
    public void Setup()
    {
        if (Environment.ProcessorCount < 2) throw new InvalidOperationException("floor-batch1/handoff needs two processors.");
        _stop = false;
        _turn = 0;
        Volatile.Write(ref _line[8], 0);
        _partner = new Thread(() =>
        {
            long seen = 0;
            while (!_stop)
            {
                long v = Volatile.Read(ref _line[8]);
                if (v != seen && (v & 1) == 1) { seen = v + 1; Volatile.Write(ref _line[8], seen); }
            }
        }) { IsBackground = true, Name = "floor-batch1 partner" };
        _partner.Start();
    }

    /// <inheritdoc/>
    public void Run()
    {
        // Odd values are ours to write, even ones the partner's answer: one write each way.
        long mine = ++_turn * 2 - 1;
        Volatile.Write(ref _line[8], mine);
        while (Volatile.Read(ref _line[8]) != mine + 1) { }
    }

    /// <inheritdoc/>
    public void Teardown()
    {
        _stop = true;
        _partner?.Join();
        _partner = null;
    }
}

/// <summary>See <see cref="FloorCases"/>: the batch-1 forward pass of 40-100-100-10 split by rows over the threads.</summary>
public sealed class SplitForwardCase : IBenchCase
{
    private static readonly int[] Widths = { 40, 100, 100, 10 };
    private readonly int _threads;
    private Part[] _parts = Array.Empty<Part>();
    private float[][] _act = Array.Empty<float[]>(); // x, h1, h2, y (padded to whole vectors, the padding zero)
    private readonly long[] _arrive = new long[32];  // each thread's barrier count, 128 bytes apart
    private long _generation;
    private Thread? _partner;
    private volatile bool _stop;

    /// <summary>The case on one thread or split over two.</summary>
    public SplitForwardCase(int threads) { _threads = threads; }

    /// <inheritdoc/>
    public string Name => "floor-batch1";
    /// <inheritdoc/>
    public string Op => "forward-split";
    /// <inheritdoc/>
    public string? Optimizer => null;
    /// <inheritdoc/>
    public int Batch => 1;
    /// <inheritdoc/>
    public string DType => "f32";
    /// <inheritdoc/>
    public int Threads => _threads;
    /// <inheritdoc/>
    public string Backend => "threads";
    /// <inheritdoc/>
    public double FlopsPerCall => 2.0 * (40 * 100 + 100 * 100 + 100 * 10);
    /// <inheritdoc/>
    public int SamplesPerCall => 1;
    /// <inheritdoc/>
    public double? CompileMs => null;

    // One thread's rows of every layer: weights row-major (in-width floats a row), then biases.
    private sealed class Part
    {
        public readonly float[][] W = new float[3][], Bias = new float[3][];
        public readonly int[] Row0 = new int[3], Rows = new int[3];
    }

    /// <inheritdoc/>
    public void Setup()
    {
        int n = Math.Min(2, Math.Max(1, Parallelism.MaxThreads));
        if (n == 2 && Environment.ProcessorCount < 2) n = 1;
        _act = new float[4][];
        for (int l = 0; l < 4; l++) _act[l] = GC.AllocateArray<float>((Widths[l] + 15) / 16 * 16, pinned: true);
        var rng = new Random(3);
        for (int i = 0; i < 40; i++) _act[0][i] = (float)(rng.NextDouble() - 0.5);
        _parts = new Part[n];
        for (int t = 0; t < n; t++) _parts[t] = new Part();
        Array.Clear(_arrive);
        _generation = 0;
        // The partner allocates and fills its own part (first touch on its core), then spins for work.
        var ready = new ManualResetEventSlim();
        if (n == 2)
        {
            _stop = false;
            _partner = new Thread(() =>
            {
                Fill(_parts[1], 1, 2, new Random(7));
                ready.Set();
                long done = 0;
                while (!_stop)
                {
                    long g = Volatile.Read(ref _generation);
                    if (g == done) continue;
                    Forward(1, g);
                    done = g;
                }
            }) { IsBackground = true, Name = "floor-batch1 partner" };
            _partner.Start();
            ready.Wait();
        }
        Fill(_parts[0], 0, n, new Random(5));
    }

    private static void Fill(Part part, int t, int n, Random rng)
    {
        for (int l = 0; l < 3; l++)
        {
            int rows = Widths[l + 1], lo = rows * t / n, hi = rows * (t + 1) / n;
            part.Row0[l] = lo; part.Rows[l] = hi - lo;
            part.W[l] = GC.AllocateArray<float>((hi - lo) * Widths[l], pinned: true);
            part.Bias[l] = GC.AllocateArray<float>(Math.Max(1, hi - lo), pinned: true);
            for (int i = 0; i < part.W[l].Length; i++) part.W[l][i] = (float)(rng.NextDouble() - 0.5) * 0.2f;
        }
    }

    /// <inheritdoc/>
    public void Run()
    {
        long g = _generation + 1;
        Volatile.Write(ref _generation, g); // the partner starts on its rows
        Forward(0, g);
    }

    // Thread t's rows of each layer, then the barrier: both have written this layer's outputs.
    private void Forward(int t, long g)
    {
        var part = _parts[t];
        int n = _parts.Length;
        for (int l = 0; l < 3; l++)
        {
            // The product's own batch-1 kernel (Gemm.Sgemm with m = 1: 512-bit dots), on this thread's rows only.
            Gemm.Sgemm(1, part.Rows[l], Widths[l], 1f, _act[l], 0, Widths[l], false, part.W[l], 0, Widths[l], true,
                0f, _act[l + 1], part.Row0[l], Widths[l + 1], part.Bias[l], 0, BiasMode.PerColumn,
                l < 2 ? Activation.Relu : Activation.None, null, 0, 0);
            if (n == 1) continue;
            long mark = g * 3 + l;
            Volatile.Write(ref _arrive[t * 16], mark);
            while (Volatile.Read(ref _arrive[(1 - t) * 16]) < mark) { }
        }
    }

    /// <inheritdoc/>
    public void Teardown()
    {
        _stop = true;
        _partner?.Join();
        _partner = null;
    }
}
