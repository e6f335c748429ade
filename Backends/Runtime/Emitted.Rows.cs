using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

public static partial class Emitted
{
    /// <summary>
    /// Softmax, log-softmax and log-sum-exp of <paramref name="x"/> along the middle axis of [outer, length, inner],
    /// from one pass shifted by the maximum (a maximum of −∞ shifts by 0): lse = log Σ e^(x−max) + max,
    /// softmax = e^(x−max) / Σ, log_softmax = x − lse. Any of the three outputs may be null. The arrays must hold
    /// outer·length·inner (lse: outer·inner) elements; <paramref name="vectors"/> = false takes the scalar path.
    /// </summary>
    public static void Normalize<T>(T[] x, int outer, int length, int inner, T[]? softmax, T[]? logSoftmax, T[]? logSumExp, bool vectors)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long size = (long)outer * length * inner;
        if (outer < 0 || length < 0 || inner < 0 || x.Length < size || (softmax is not null && softmax.Length < size)
            || (logSoftmax is not null && logSoftmax.Length < size) || (logSumExp is not null && logSumExp.Length < (long)outer * inner))
            throw new ArgumentException($"Emitted.Normalize: arrays too short for [{outer}, {length}, {inner}].");
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int start = o * length * inner + i;
                T lse = inner == 1 && vectors && Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count
                    ? NormalizeRow256(x, start, length, softmax, logSoftmax)
                    : NormalizeStrided(x, start, length, inner, softmax, logSoftmax);
                if (logSumExp is not null) logSumExp[o * inner + i] = lse;
            }
    }

    private static T NormalizeStrided<T>(T[] x, int start, int length, int stride, T[]? softmax, T[]? logSoftmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = T.NegativeInfinity;
        for (int l = 0, at = start; l < length; l++, at += stride) max = T.Max(max, x[at]);
        if (T.IsNegativeInfinity(max)) max = T.Zero;
        T sum = T.Zero;
        for (int l = 0, at = start; l < length; l++, at += stride)
        {
            T e = T.Exp(x[at] - max);
            if (softmax is not null) softmax[at] = e;
            sum += e;
        }
        T lse = T.Log(sum) + max;
        for (int l = 0, at = start; l < length; l++, at += stride)
        {
            if (softmax is not null) softmax[at] /= sum;
            if (logSoftmax is not null) logSoftmax[at] = x[at] - lse;
        }
        return lse;
    }

    // One contiguous row of length ≥ the vector width. When the length is not a multiple of the width, the last vector
    // overlaps the previous one: harmless for the maximum, masked in the sum, and re-stored with identical values.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T NormalizeRow256<T>(T[] x, int start, int length, T[]? softmax, T[]? logSoftmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector256<T>.Count, last = length - w;
        ref T xr = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), start);
        var vmax = Vector256.LoadUnsafe(ref xr, (nuint)last);
        for (int l = 0; l < last; l += w) vmax = Vector256.Max(vmax, Vector256.LoadUnsafe(ref xr, (nuint)l));
        T max = MaxLane(vmax);
        if (T.IsNegativeInfinity(max)) max = T.Zero;
        var vshift = Vector256.Create(max);
        ref T sr = ref softmax is null ? ref xr : ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(softmax), start);
        var vsum = Vector256<T>.Zero;
        int done = 0;
        for (; done + w <= length; done += w)
        {
            var e = Exp(Vector256.LoadUnsafe(ref xr, (nuint)done) - vshift);
            if (softmax is not null) e.StoreUnsafe(ref sr, (nuint)done);
            vsum += e;
        }
        if (done < length)
        {
            var e = Exp(Vector256.LoadUnsafe(ref xr, (nuint)last) - vshift);
            if (softmax is not null) e.StoreUnsafe(ref sr, (nuint)last);
            vsum += e & ~FirstLanes<T>(done - last);
        }
        T sum = Vector256.Sum(vsum);
        T lse = T.Log(sum) + max;
        if (softmax is not null)
        {
            var inv = Vector256.Create(T.One / sum);
            var tail = Vector256.LoadUnsafe(ref sr, (nuint)last);
            for (int l = 0; l + w <= length; l += w) (Vector256.LoadUnsafe(ref sr, (nuint)l) * inv).StoreUnsafe(ref sr, (nuint)l);
            (tail * inv).StoreUnsafe(ref sr, (nuint)last);
        }
        if (logSoftmax is not null)
        {
            ref T lr = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(logSoftmax), start);
            var vlse = Vector256.Create(lse);
            for (int l = 0; l < last; l += w) (Vector256.LoadUnsafe(ref xr, (nuint)l) - vlse).StoreUnsafe(ref lr, (nuint)l);
            (Vector256.LoadUnsafe(ref xr, (nuint)last) - vlse).StoreUnsafe(ref lr, (nuint)last);
        }
        return lse;
    }

    // All-ones in lanes below count (0..Count).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> FirstLanes<T>(int count) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).As<int, T>();
        return Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).As<long, T>();
    }

    /// <summary>
    /// im2col of an NCHW image [n, c, h, w] into [n, c·kh·kw, oh·ow] (zero padding), as the IR's <c>im2col</c> defines it;
    /// whole output rows are copied as spans (the loops of <see cref="Conv"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range or an array is too short.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Im2Col<T>(T[] src, T[] dst, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Conv.Unfold("Emitted.Im2Col", src, 0, dst, 0, n, c, h, w, kh, kw, sh, sw, ph, pw, forward: true, accumulate: false);

    /// <summary>col2im, the adjoint of <see cref="Im2Col{T}"/>: sums [n, c·kh·kw, oh·ow] windows back into [n, c, h, w]
    /// (cleared first), in the order channel, kernel row, kernel column, output row, output column.</summary>
    /// <exception cref="ArgumentException">A size is out of range or an array is too short.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Col2Im<T>(T[] cols, T[] dst, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Conv.Unfold("Emitted.Col2Im", dst, 0, cols, 0, n, c, h, w, kh, kw, sh, sw, ph, pw, forward: false, accumulate: false);
}
