using System;
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

/// <summary>
/// Small kernels that run-time-generated code calls (the System.Linq.Expressions backend): scalar forms of ReLU, step
/// and sign (small and aggressively inlined, also into dynamic methods), a per-lane power, and softmax, log-softmax and
/// log-sum-exp of one input computed together. Every result follows the reference interpreter's definitions
/// (<c>Nabla.Ir.Op</c>). Nothing here allocates.
/// </summary>
public static class ExpressionHelpers
{
    // ---- scalar ops (semantics of Nabla.Ir.Op) ----

    /// <summary>max(x, 0); NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Relu(float x) => MathF.Max(x, 0f);
    /// <summary>max(x, 0); NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Relu(double x) => Math.Max(x, 0d);
    /// <summary>1 where x &gt; 0, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Step(float x) => x > 0f ? 1f : 0f;
    /// <summary>1 where x &gt; 0, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Step(double x) => x > 0d ? 1d : 0d;
    /// <summary>−1, 0 or 1; NaN and ±0 stay as they are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sign(float x) => x > 0f ? 1f : x < 0f ? -1f : x;
    /// <summary>−1, 0 or 1; NaN and ±0 stay as they are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sign(double x) => x > 0d ? 1d : x < 0d ? -1d : x;

    // ---- per-lane power (no vector pow exists; exact scalar semantics for negative bases) ----

    /// <summary>xʸ lane by lane.</summary>
    public static Vector256<float> Pow(Vector256<float> x, Vector256<float> y)
    {
        Vector256<float> r = default;
        for (int i = 0; i < Vector256<float>.Count; i++) r = r.WithElement(i, MathF.Pow(x.GetElement(i), y.GetElement(i)));
        return r;
    }

    /// <summary>xʸ lane by lane.</summary>
    public static Vector256<double> Pow(Vector256<double> x, Vector256<double> y)
    {
        Vector256<double> r = default;
        for (int i = 0; i < Vector256<double>.Count; i++) r = r.WithElement(i, Math.Pow(x.GetElement(i), y.GetElement(i)));
        return r;
    }

    /// <summary>xʸ lane by lane.</summary>
    public static Vector128<float> Pow(Vector128<float> x, Vector128<float> y)
    {
        Vector128<float> r = default;
        for (int i = 0; i < Vector128<float>.Count; i++) r = r.WithElement(i, MathF.Pow(x.GetElement(i), y.GetElement(i)));
        return r;
    }

    /// <summary>xʸ lane by lane.</summary>
    public static Vector128<double> Pow(Vector128<double> x, Vector128<double> y)
    {
        Vector128<double> r = default;
        for (int i = 0; i < Vector128<double>.Count; i++) r = r.WithElement(i, Math.Pow(x.GetElement(i), y.GetElement(i)));
        return r;
    }

    // ---- softmax, log-softmax, log-sum-exp ----

    /// <summary>
    /// Softmax, log-softmax and log-sum-exp of <paramref name="x"/> along the middle axis of [outer, length, inner],
    /// from one shifted pass per slice: <c>m = max</c> (0 when every value is −∞; NaN when one is NaN),
    /// <c>s = Σ e^(x−m)</c> (exponentials computed once), <c>softmax = e^(x−m)/s</c>, <c>log_softmax = (x − m) − log s</c>,
    /// <c>lse = m + log s</c>. Outputs may be null (not wanted); <paramref name="logSumExp"/> is [outer, inner].
    /// Rows (inner = 1) run on the widest vectors with masked tails; <paramref name="vectors"/> false takes the scalar path.
    /// </summary>
    /// <exception cref="ArgumentException">An array is shorter than the shape needs.</exception>
    public static unsafe void Normalize<T>(T[] x, int outer, int length, int inner, T[]? softmax, T[]? logSoftmax, T[]? logSumExp, bool vectors)
        where T : unmanaged
    {
        long need = (long)outer * length * inner;
        if (x.Length < need || (softmax is not null && softmax.Length < need) || (logSoftmax is not null && logSoftmax.Length < need)
            || (logSumExp is not null && logSumExp.Length < (long)outer * inner))
            throw new ArgumentException($"Normalize: an array is shorter than [{outer}, {length}, {inner}] needs.");
        if (need == 0) return;
        if (typeof(T) == typeof(float))
        {
            fixed (float* px = (float[])(object)x, ps = (float[]?)(object?)softmax, pl = (float[]?)(object?)logSoftmax, pe = (float[]?)(object?)logSumExp)
                Normalize(px, outer, length, inner, ps, pl, pe, vectors);
        }
        else
        {
            fixed (double* px = (double[])(object)x, ps = (double[]?)(object?)softmax, pl = (double[]?)(object?)logSoftmax, pe = (double[]?)(object?)logSumExp)
                Normalize(px, outer, length, inner, ps, pl, pe, vectors);
        }
    }

    private static unsafe void Normalize<T>(T* x, int outer, int length, int inner, T* sm, T* lsm, T* lse, bool vectors)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!vectors || inner != 1) { NormalizeScalar(x, outer, length, inner, sm, lsm, lse); return; }
        if (Avx512F.IsSupported) NormalizeRows<V512<T>, Vector512<T>, T>(x, outer, length, sm, lsm, lse);
        else if (Vector256.IsHardwareAccelerated) NormalizeRows<V256<T>, Vector256<T>, T>(x, outer, length, sm, lsm, lse);
        else if (Vector128.IsHardwareAccelerated) NormalizeRows<V128<T>, Vector128<T>, T>(x, outer, length, sm, lsm, lse);
        else NormalizeScalar(x, outer, length, 1, sm, lsm, lse);
    }

    // Rows of [rows, cols]. A row's own work is a short chain (max, then sum, then outputs) and the exponentials run in
    // one flat pass over the whole block, so short rows (10 logits) overlap instead of waiting on one exp each.
    private static unsafe void NormalizeRows<TS, TV, T>(T* x, int rows, int cols, T* sm, T* lsm, T* lse)
        where TS : ISimd<TV, T> where TV : unmanaged where T : unmanaged, IFloatingPointIeee754<T>
    {
        int L = TS.Count, n = rows * cols;
        TV ninf = TS.Splat(T.NegativeInfinity), ones = TS.Eq(ninf, ninf), zero = TS.Splat(T.Zero);
        var scratch = Scratch<T>.Get(rows + (sm == null && lsm == null ? n : 0));
        fixed (T* maxes = scratch)
        {
            T* e = sm != null ? sm : lsm != null ? lsm : maxes + rows;
            // 1. Row maxima (a NaN anywhere makes it NaN; all −∞ gives 0), and e = x − max.
            for (int r = 0; r < rows; r++)
            {
                T* xr = x + r * cols, er = e + r * cols;
                TV m = ninf, nan = zero;
                int j = 0;
                for (; j + L <= cols; j += L) { TV v = TS.Load(xr + j); m = TS.Max(m, v); nan = TS.Or(nan, TS.Xor(TS.Eq(v, v), ones)); }
                if (j < cols) { TV v = TS.LoadPartial(xr + j, cols - j, ninf); m = TS.Max(m, v); nan = TS.Or(nan, TS.Xor(TS.Eq(v, v), ones)); }
                T max = TS.Any(nan) ? T.NaN : TS.MaxAcross(m);
                if (T.IsNegativeInfinity(max)) max = T.Zero;
                maxes[r] = max;
                TV shift = TS.Splat(max);
                for (j = 0; j + L <= cols; j += L) TS.Store(TS.Sub(TS.Load(xr + j), shift), er + j);
                if (j < cols) TS.StorePartial(TS.Sub(TS.LoadPartial(xr + j, cols - j, shift), shift), er + j, cols - j);
            }
            // 2. e = exp(e) over the whole block.
            int k = 0;
            for (; k + L <= n; k += L) TS.Store(TS.Exp(TS.Load(e + k)), e + k);
            if (k < n) TS.StorePartial(TS.Exp(TS.LoadPartial(e + k, n - k, zero)), e + k, n - k);
            // 3. Per row: s = Σ e (lanes, then across), then the outputs.
            for (int r = 0; r < rows; r++)
            {
                T* xr = x + r * cols, er = e + r * cols;
                TV s = zero;
                int j = 0;
                for (; j + L <= cols; j += L) s = TS.Add(s, TS.Load(er + j));
                if (j < cols) s = TS.Add(s, TS.LoadPartial(er + j, cols - j, zero));
                T sum = TS.SumAcross(s), logSum = T.Log(sum), max = maxes[r];
                if (lse != null) lse[r] = max + logSum;
                if (sm != null)
                {
                    TV d = TS.Splat(sum);
                    for (j = 0; j + L <= cols; j += L) TS.Store(TS.Div(TS.Load(er + j), d), er + j);
                    if (j < cols) TS.StorePartial(TS.Div(TS.LoadPartial(er + j, cols - j, d), d), er + j, cols - j);
                }
                if (lsm != null)
                {
                    T* yr = lsm + r * cols;
                    TV shift = TS.Splat(max), ls = TS.Splat(logSum);
                    for (j = 0; j + L <= cols; j += L) TS.Store(TS.Sub(TS.Sub(TS.Load(xr + j), shift), ls), yr + j);
                    if (j < cols) TS.StorePartial(TS.Sub(TS.Sub(TS.LoadPartial(xr + j, cols - j, shift), shift), ls), yr + j, cols - j);
                }
            }
        }
    }

    /// <summary>A per-thread scratch array, grown when too small (steady-state calls allocate nothing).</summary>
    private static class Scratch<T>
    {
        [ThreadStatic] private static T[]? _array;

        public static T[] Get(int length) => _array is { } a && a.Length >= length ? a : _array = new T[Math.Max(length, 64)];
    }

    // The same definitions one element at a time, for any inner extent (and with vectors switched off).
    private static unsafe void NormalizeScalar<T>(T* x, int outer, int length, int inner, T* sm, T* lsm, T* lse)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                T* row = x + (long)o * length * inner + i;
                T max = T.NegativeInfinity;
                for (int l = 0; l < length; l++)
                {
                    T v = row[l * inner];
                    max = T.IsNaN(v) || T.IsNaN(max) ? T.NaN : v > max ? v : max;
                }
                if (T.IsNegativeInfinity(max)) max = T.Zero;
                T sum = T.Zero;
                for (int l = 0; l < length; l++) sum += Exp(row[l * inner] - max);
                T logSum = T.Log(sum);
                long at0 = (long)o * length * inner + i;
                if (lse != null) lse[(long)o * inner + i] = max + logSum;
                for (int l = 0; l < length; l++)
                {
                    long at = at0 + (long)l * inner;
                    if (sm != null) sm[at] = Exp(x[at] - max) / sum;
                    if (lsm != null) lsm[at] = x[at] - max - logSum;
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Exp<T>(T v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) { float r = VMath.Exp(Unsafe.As<T, float>(ref v)); return Unsafe.As<float, T>(ref r); }
        double d = VMath.Exp(Unsafe.As<T, double>(ref v)); return Unsafe.As<double, T>(ref d);
    }
}
