using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

/// <summary>
/// Small kernels that run-time-generated code calls (the System.Linq.Expressions backend): scalar forms of the
/// compound elementwise ops (small and aggressively inlined, also into dynamic methods), a per-lane power, the
/// softmax / log-softmax / log-sum-exp rows kernel and im2col / col2im. Every result follows the reference
/// interpreter's definitions (<c>Nabla.Ir.Op</c>). Nothing here allocates.
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

    /// <summary>The logistic sigmoid without overflow: 1/(1+e⁻ˣ) for x ≥ 0, eˣ/(1+eˣ) below.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x)
    {
        float e = MathF.Exp(-MathF.Abs(x)), s = 1f / (1f + e);
        return x >= 0f ? s : e * s;
    }

    /// <summary>The logistic sigmoid without overflow: 1/(1+e⁻ˣ) for x ≥ 0, eˣ/(1+eˣ) below.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sigmoid(double x)
    {
        double e = Math.Exp(-Math.Abs(x)), s = 1d / (1d + e);
        return x >= 0d ? s : e * s;
    }

    /// <summary>log(1+eˣ) as max(x,0) + log1p(e^−|x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Softplus(float x)
    {
        if (float.IsNaN(x)) return x;
        float e = MathF.Exp(-MathF.Abs(x)), u = 1f + e;
        return MathF.Max(x, 0f) + (u == 1f ? e : MathF.Log(u) * e / (u - 1f));
    }

    /// <summary>log(1+eˣ) as max(x,0) + log1p(e^−|x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Softplus(double x)
    {
        if (double.IsNaN(x)) return x;
        double e = Math.Exp(-Math.Abs(x)), u = 1d + e;
        return Math.Max(x, 0d) + (u == 1d ? e : Math.Log(u) * e / (u - 1d));
    }

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
    /// from one shifted pass per slice: <c>m = max</c> (0 when every value is −∞), <c>s = Σ e^(x−m)</c>,
    /// <c>lse = log s + m</c>, <c>softmax = e^(x−m)/s</c>, <c>log_softmax = x − lse</c>. Outputs may be null (not wanted);
    /// <paramref name="logSumExp"/> is [outer, inner]. <paramref name="vectors"/> false takes the scalar path.
    /// </summary>
    public static void Normalize<T>(T[] x, int outer, int length, int inner, T[]? softmax, T[]? logSoftmax, T[]? logSumExp, bool vectors)
        where T : unmanaged
    {
        long need = (long)outer * length * inner;
        if (x.Length < need || (softmax is not null && softmax.Length < need) || (logSoftmax is not null && logSoftmax.Length < need)
            || (logSumExp is not null && logSumExp.Length < (long)outer * inner))
            throw new ArgumentException($"Normalize: an array is shorter than [{outer}, {length}, {inner}].");
        if (typeof(T) == typeof(float))
            NormalizeF((float[])(object)x, outer, length, inner, (float[]?)(object?)softmax, (float[]?)(object?)logSoftmax, (float[]?)(object?)logSumExp, vectors);
        else
            NormalizeD((double[])(object)x, outer, length, inner, (double[]?)(object?)softmax, (double[]?)(object?)logSoftmax, (double[]?)(object?)logSumExp, vectors);
    }

    private static void NormalizeF(float[] x, int outer, int length, int inner, float[]? sm, float[]? lsm, float[]? lse, bool vectors)
    {
        bool vec = vectors && Vector256.IsHardwareAccelerated && inner == 1;
        const int W = 8;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int at0 = o * length * inner + i;
                float max = float.NegativeInfinity;
                int l = 0;
                if (vec && length >= W)
                {
                    var vm = Vector256.Create(float.NegativeInfinity);
                    for (; l + W <= length; l += W) vm = Vector256.Max(vm, Vector256.Create(x, at0 + l));
                    for (int k = 0; k < W; k++) max = MathF.Max(max, vm.GetElement(k));
                }
                for (; l < length; l++) max = MathF.Max(max, x[at0 + l * inner]);
                if (float.IsNegativeInfinity(max)) max = 0f;
                float sum = 0f;
                l = 0;
                if (vec && length >= W)
                {
                    var vs = Vector256<float>.Zero; var vmax = Vector256.Create(max);
                    for (; l + W <= length; l += W) vs += Vector256.Exp(Vector256.Create(x, at0 + l) - vmax);
                    sum = Vector256.Sum(vs);
                }
                for (; l < length; l++) sum += MathF.Exp(x[at0 + l * inner] - max);
                float ls = MathF.Log(sum) + max;
                if (lse is not null) lse[o * inner + i] = ls;
                if (sm is not null)
                    for (l = 0; l < length; l++) { int at = at0 + l * inner; sm[at] = MathF.Exp(x[at] - max) / sum; }
                if (lsm is not null)
                    for (l = 0; l < length; l++) { int at = at0 + l * inner; lsm[at] = x[at] - ls; }
            }
    }

    private static void NormalizeD(double[] x, int outer, int length, int inner, double[]? sm, double[]? lsm, double[]? lse, bool vectors)
    {
        bool vec = vectors && Vector256.IsHardwareAccelerated && inner == 1;
        const int W = 4;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int at0 = o * length * inner + i;
                double max = double.NegativeInfinity;
                int l = 0;
                if (vec && length >= W)
                {
                    var vm = Vector256.Create(double.NegativeInfinity);
                    for (; l + W <= length; l += W) vm = Vector256.Max(vm, Vector256.Create(x, at0 + l));
                    for (int k = 0; k < W; k++) max = Math.Max(max, vm.GetElement(k));
                }
                for (; l < length; l++) max = Math.Max(max, x[at0 + l * inner]);
                if (double.IsNegativeInfinity(max)) max = 0d;
                double sum = 0d;
                l = 0;
                if (vec && length >= W)
                {
                    var vs = Vector256<double>.Zero; var vmax = Vector256.Create(max);
                    for (; l + W <= length; l += W) vs += Vector256.Exp(Vector256.Create(x, at0 + l) - vmax);
                    sum = Vector256.Sum(vs);
                }
                for (; l < length; l++) sum += Math.Exp(x[at0 + l * inner] - max);
                double ls = Math.Log(sum) + max;
                if (lse is not null) lse[o * inner + i] = ls;
                if (sm is not null)
                    for (l = 0; l < length; l++) { int at = at0 + l * inner; sm[at] = Math.Exp(x[at] - max) / sum; }
                if (lsm is not null)
                    for (l = 0; l < length; l++) { int at = at0 + l * inner; lsm[at] = x[at] - ls; }
            }
    }

    // ---- sliding windows ----

    /// <summary>
    /// im2col of an [n, c, h, w] image into [n, c·kh·kw, oh·ow] columns (zero where a window leaves the padded image),
    /// <c>oh = (h + 2·ph − kh)/sh + 1</c>, likewise ow.
    /// </summary>
    public static void Im2Col<T>(T[] src, T[] dst, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
        where T : unmanaged
    {
        int oh = (h + 2 * ph - kh) / sh + 1, ow = (w + 2 * pw - kw) / sw + 1;
        CheckWindow("Im2Col", src.Length, (long)n * c * h * w, dst.Length, (long)n * c * kh * kw * oh * ow);
        int d = 0;
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int plane = (b * c + ch) * h * w;
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                        for (int y = 0; y < oh; y++)
                        {
                            int iy = y * sh - ph + i;
                            bool rowIn = iy >= 0 && iy < h;
                            for (int xx = 0; xx < ow; xx++, d++)
                            {
                                int ix = xx * sw - pw + j;
                                dst[d] = rowIn && ix >= 0 && ix < w ? src[plane + iy * w + ix] : default;
                            }
                        }
            }
    }

    /// <summary>col2im, the adjoint of <see cref="Im2Col{T}"/>: sums [n, c·kh·kw, oh·ow] columns back into an [n, c, h, w] image.</summary>
    public static void Col2Im<T>(T[] src, T[] dst, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
        where T : unmanaged
    {
        int oh = (h + 2 * ph - kh) / sh + 1, ow = (w + 2 * pw - kw) / sw + 1;
        CheckWindow("Col2Im", src.Length, (long)n * c * kh * kw * oh * ow, dst.Length, (long)n * c * h * w);
        Array.Clear(dst, 0, n * c * h * w);
        int s = 0;
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int plane = (b * c + ch) * h * w;
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                        for (int y = 0; y < oh; y++)
                        {
                            int iy = y * sh - ph + i;
                            for (int xx = 0; xx < ow; xx++, s++)
                            {
                                int ix = xx * sw - pw + j;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w) Add(ref dst[plane + iy * w + ix], src[s]);
                            }
                        }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<T>(ref T a, T b) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) Unsafe.As<T, float>(ref a) += Unsafe.As<T, float>(ref b);
        else Unsafe.As<T, double>(ref a) += Unsafe.As<T, double>(ref b);
    }

    private static void CheckWindow(string op, int srcLength, long srcNeed, int dstLength, long dstNeed)
    {
        if (srcLength < srcNeed) throw new ArgumentException($"{op}: the source holds {srcLength} values but the window needs {srcNeed}.");
        if (dstLength < dstNeed) throw new ArgumentException($"{op}: the destination holds {dstLength} values but the window writes {dstNeed}.");
    }
}
