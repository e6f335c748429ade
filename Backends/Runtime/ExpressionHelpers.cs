using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
        const int W = 8;
        bool vec = vectors && Vector256.IsHardwareAccelerated && inner == 1 && length >= W;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int at0 = o * length * inner + i, l = 0;
                // max (0 when every value is -inf), then the shifted sum, in a fixed order.
                float max = float.NegativeInfinity, sum = 0f;
                if (vec)
                {
                    var vm = Vector256.Create(float.NegativeInfinity);
                    for (; l + W <= length; l += W) vm = Vector256.Max(vm, Vector256.LoadUnsafe(ref x[at0 + l]));
                    for (int k = 0; k < W; k++) max = MathF.Max(max, vm.GetElement(k));
                }
                for (; l < length; l++) max = MathF.Max(max, x[at0 + l * inner]);
                if (float.IsNegativeInfinity(max)) max = 0f;
                var vmax = Vector256.Create(max);
                l = 0;
                if (vec)
                {
                    var vs = Vector256<float>.Zero;
                    for (; l + W <= length; l += W) vs += VMath.Exp(Vector256.LoadUnsafe(ref x[at0 + l]) - vmax);
                    sum = Vector256.Sum(vs);
                }
                for (; l < length; l++) sum += VMath.Exp(x[at0 + l * inner] - max);
                float ls = VMath.Log(sum) + max;
                if (lse is not null) lse[o * inner + i] = ls;
                if (sm is not null)
                {
                    l = 0;
                    if (vec)
                    {
                        var vsum = Vector256.Create(sum);
                        for (; l + W <= length; l += W) (VMath.Exp(Vector256.LoadUnsafe(ref x[at0 + l]) - vmax) / vsum).StoreUnsafe(ref sm[at0 + l]);
                    }
                    for (; l < length; l++) { int at = at0 + l * inner; sm[at] = VMath.Exp(x[at] - max) / sum; }
                }
                if (lsm is not null)
                {
                    l = 0;
                    if (vec)
                    {
                        var vls = Vector256.Create(ls);
                        for (; l + W <= length; l += W) (Vector256.LoadUnsafe(ref x[at0 + l]) - vls).StoreUnsafe(ref lsm[at0 + l]);
                    }
                    for (; l < length; l++) { int at = at0 + l * inner; lsm[at] = x[at] - ls; }
                }
            }
    }

    private static void NormalizeD(double[] x, int outer, int length, int inner, double[]? sm, double[]? lsm, double[]? lse, bool vectors)
    {
        const int W = 4;
        bool vec = vectors && Vector256.IsHardwareAccelerated && inner == 1 && length >= W;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int at0 = o * length * inner + i, l = 0;
                double max = double.NegativeInfinity, sum = 0d;
                if (vec)
                {
                    var vm = Vector256.Create(double.NegativeInfinity);
                    for (; l + W <= length; l += W) vm = Vector256.Max(vm, Vector256.LoadUnsafe(ref x[at0 + l]));
                    for (int k = 0; k < W; k++) max = Math.Max(max, vm.GetElement(k));
                }
                for (; l < length; l++) max = Math.Max(max, x[at0 + l * inner]);
                if (double.IsNegativeInfinity(max)) max = 0d;
                var vmax = Vector256.Create(max);
                l = 0;
                if (vec)
                {
                    var vs = Vector256<double>.Zero;
                    for (; l + W <= length; l += W) vs += VMath.Exp(Vector256.LoadUnsafe(ref x[at0 + l]) - vmax);
                    sum = Vector256.Sum(vs);
                }
                for (; l < length; l++) sum += VMath.Exp(x[at0 + l * inner] - max);
                double ls = VMath.Log(sum) + max;
                if (lse is not null) lse[o * inner + i] = ls;
                if (sm is not null)
                {
                    l = 0;
                    if (vec)
                    {
                        var vsum = Vector256.Create(sum);
                        for (; l + W <= length; l += W) (VMath.Exp(Vector256.LoadUnsafe(ref x[at0 + l]) - vmax) / vsum).StoreUnsafe(ref sm[at0 + l]);
                    }
                    for (; l < length; l++) { int at = at0 + l * inner; sm[at] = VMath.Exp(x[at] - max) / sum; }
                }
                if (lsm is not null)
                {
                    l = 0;
                    if (vec)
                    {
                        var vls = Vector256.Create(ls);
                        for (; l + W <= length; l += W) (Vector256.LoadUnsafe(ref x[at0 + l]) - vls).StoreUnsafe(ref lsm[at0 + l]);
                    }
                    for (; l < length; l++) { int at = at0 + l * inner; lsm[at] = x[at] - ls; }
                }
            }
    }
}
