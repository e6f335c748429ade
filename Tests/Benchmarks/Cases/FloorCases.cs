using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// The floor under the batch-1 step of the 40-100-100-10 MLP, measured on this machine: what streaming its weights
/// costs with nothing else done, and what one hand-off between two cores costs. A batch-1 step must read the 15,210
/// weights and biases (59.4 KiB: more than the 32 KiB L1, so they come from L2) once for the forward pass, then once
/// more while updating them in place (the fused dense backward reads each weight row for the input gradient and writes
/// it back updated). <c>floor-batch1/sweep</c> is the bare 512-bit read of that array, <c>floor-batch1/sweep-update</c>
/// one read sweep plus one read-modify-write sweep (w += s·x, a rank-one update like SGD's). <c>floor-batch1/handoff</c>
/// is one round trip of a cache line between two threads (each waits for the other's write): splitting a layer over
/// both cores costs at least one such hand-off per layer and pass.
/// </summary>
public static class FloorCases
{
    /// <summary>The three cases.</summary>
    public static IEnumerable<IBenchCase> All()
    {
        yield return new SweepCase(update: false);
        yield return new SweepCase(update: true);
        yield return new HandoffCase();
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
