using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

public static partial class Emitted
{
    /// <summary>
    /// Column sums of <paramref name="x"/> viewed as [outer, length, inner]: <c>sums[o, i] = Σ_l x[o, l, i]</c>, each
    /// summed strictly in l order from 0 — the order of the scheduler's strided reduction plan, so the results are the
    /// bits of the emitted loops (a bias gradient: the column sums of a [batch, features] matrix). Up to 4 vectors of
    /// columns per pass over the rows; slices and column blocks are spread over the
    /// worker pool by a fixed partition, which cannot change a result. Nothing is allocated.
    /// </summary>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentException">A size is negative or an array is shorter than the shape needs; the message names it.</exception>
    public static unsafe void SumColumns<T>(T[] x, int outer, int length, int inner, T[] sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "Emitted.SumColumns";
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(sums);
        if (outer < 0 || length < 0 || inner < 0)
            throw new ArgumentException($"{op}: the shape [{outer}, {length}, {inner}] has a negative size.", outer < 0 ? nameof(outer) : length < 0 ? nameof(length) : nameof(inner));
        long size = (long)outer * length * inner;
        if (x.Length < size)
            throw new ArgumentException($"{op}: x has {x.Length} elements, [{outer}, {length}, {inner}] needs {size}.", nameof(x));
        if (sums.Length < (long)outer * inner)
            throw new ArgumentException($"{op}: sums has {sums.Length} elements, [{outer}, {inner}] needs {(long)outer * inner}.", nameof(sums));
        if ((long)outer * inner == 0) return;
        fixed (T* px = x, ps = sums)
        {
            int colParts = ColumnParts<T>(inner), parts = (int)Math.Min((long)outer * colParts, 64);
            int threads = Parallelism.MaxThreads;
            if (parts > 1 && threads > 1 && size >= SumColumnsParallelElements && WorkerPool.TryAcquire(threads))
            {
                if (size < SumColumnsEagerElements && !WorkerPool.Ready(threads)) WorkerPool.Release();
                else
                {
                    var job = SumColumnsJob<T>.Instance;
                    try
                    {
                        job.X = px; job.Sums = ps; job.Outer = outer; job.Length = length; job.Inner = inner; job.ColParts = colParts;
                        WorkerPool.RunAcquired(job, outer * colParts, threads);
                    }
                    finally
                    {
                        job.X = job.Sums = null;
                        WorkerPool.Release();
                    }
                    return;
                }
            }
            for (int o = 0; o < outer; o++)
                SumColumnRange(px + (long)o * length * inner, length, inner, 0, inner, ps + (long)o * inner);
        }
    }

    /// <summary>Below this many elements one thread sums every column (a worker's wake-up costs more).</summary>
    private const long SumColumnsParallelElements = 32 * 1024;

    /// <summary>From this many elements the columns are shared even when the workers are not spinning on a CPU.</summary>
    private const long SumColumnsEagerElements = 1024 * 1024;

    /// <summary>Column blocks per slice: two when there are at least two vectors of columns (each block whole vectors).</summary>
    private static int ColumnParts<T>(int inner) => inner >= 2 * Vector512<T>.Count ? 2 : 1;

    private sealed unsafe class SumColumnsJob<T> : IParallelWork where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static readonly SumColumnsJob<T> Instance = new();
        public T* X, Sums;
        public int Outer, Length, Inner, ColParts;

        public void Execute(int part, int parts)
        {
            // parts = Outer · ColParts here (the caller posts exactly that many).
            int o = part / ColParts, c = part % ColParts, L = Vector512<T>.Count;
            int i0 = Gemm.PartStart(Inner, c, ColParts, L), i1 = Gemm.PartStart(Inner, c + 1, ColParts, L);
            if (i1 > i0) SumColumnRange(X + (long)o * Length * Inner, Length, Inner, i0, i1, Sums + (long)o * Inner);
        }
    }

    /// <summary>Columns [i0, i1) of one [length, inner] slice into sums[i0..i1), up to 8 vectors per pass (for 100
    /// float columns one pass walks the slice front to back).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SumColumnRange<T>(T* x, int length, int inner, int i0, int i1, T* sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int L = Vector512<T>.Count;
        if (!Vector512.IsHardwareAccelerated) { SumColumns256(x, length, inner, i0, i1, sums); return; }
        for (int i = i0; i < i1; i += 8 * L)
        {
            int cols = Math.Min(8 * L, i1 - i), nv = (cols + L - 1) / L, last = cols - (nv - 1) * L;
            SumColumnBlock(x + i, length, inner, nv, last, sums + i);
        }
    }

    /// <summary>nv ≤ 8 vectors of columns (the last one <paramref name="last"/> lanes, zero past them), summed over the
    /// rows in order, one accumulator per vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SumColumnBlock<T>(T* x, int length, int inner, int nv, int last, T* sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int L = Vector512<T>.Count, full = last == L ? nv : nv - 1;
        Vector512<T> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<T> mask = Simd.FirstLanes<T>(last);
        T* tail = x + full * L;
        for (int l = 0; l < length; l++, x += inner, tail += inner)
        {
            if (full > 0) a0 += Vector512.Load(x);
            if (full > 1) a1 += Vector512.Load(x + L);
            if (full > 2) a2 += Vector512.Load(x + 2 * L);
            if (full > 3) a3 += Vector512.Load(x + 3 * L);
            if (full > 4) a4 += Vector512.Load(x + 4 * L);
            if (full > 5) a5 += Vector512.Load(x + 5 * L);
            if (full > 6) a6 += Vector512.Load(x + 6 * L);
            if (full > 7) a7 += Vector512.Load(x + 7 * L);
            if (full < nv)
            {
                Vector512<T> v = MaskedLoad(tail, mask);
                switch (full)
                {
                    case 0: a0 += v; break;
                    case 1: a1 += v; break;
                    case 2: a2 += v; break;
                    case 3: a3 += v; break;
                    case 4: a4 += v; break;
                    case 5: a5 += v; break;
                    case 6: a6 += v; break;
                    default: a7 += v; break;
                }
            }
        }
        Vector512<T>* acc = stackalloc Vector512<T>[8];
        acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = a4; acc[5] = a5; acc[6] = a6; acc[7] = a7;
        for (int v = 0; v < nv; v++) Simd.Store(sums + v * L, acc[v], v == nv - 1 ? last : L);
    }

    /// <summary>Without AVX-512: 4 × 256-bit vectors of columns per pass, then the last columns one at a time (the same
    /// in-order sums).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SumColumns256<T>(T* x, int length, int inner, int i0, int i1, T* sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int H = Vector256<T>.Count, i = i0;
        for (; i + 4 * H <= i1; i += 4 * H)
        {
            Vector256<T> a0 = default, a1 = default, a2 = default, a3 = default;
            T* p = x + i;
            for (int l = 0; l < length; l++, p += inner)
            {
                a0 += Vector256.Load(p); a1 += Vector256.Load(p + H); a2 += Vector256.Load(p + 2 * H); a3 += Vector256.Load(p + 3 * H);
            }
            a0.Store(sums + i); a1.Store(sums + i + H); a2.Store(sums + i + 2 * H); a3.Store(sums + i + 3 * H);
        }
        for (; i < i1; i++)
        {
            T acc = T.Zero;
            T* p = x + i;
            for (int l = 0; l < length; l++, p += inner) acc += *p;
            sums[i] = acc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<T> MaskedLoad<T>(T* p, Vector512<T> mask) where T : unmanaged
    {
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return NarrowLoad(p, mask, Vector512<T>.Zero);
        return Simd.LoadFirst(p, Vector512.ExtractMostSignificantBits(mask) is var m and not 0 ? System.Numerics.BitOperations.PopCount(m) : 0);
    }
}
