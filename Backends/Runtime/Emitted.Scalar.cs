using System;
using System.Runtime.CompilerServices;

namespace Nabla.Runtime;

/// <summary>
/// Elementwise functions that emitted C# calls, one name per IR op, overloaded for <see cref="float"/>,
/// <see cref="double"/> and (in <c>Emitted.Vector.cs</c>) <see cref="System.Runtime.Intrinsics.Vector128{T}"/> and
/// <see cref="System.Runtime.Intrinsics.Vector256{T}"/>, so that one fused loop body renders as the same text at every
/// width. Each matches the reference interpreter's definition of the op (<c>Nabla.Ir.Op</c>), including NaN and ±0:
/// ReLU and max/min propagate NaN, comparisons give 1 or 0, <c>where(c, a, b)</c> takes a wherever c ≠ 0.
/// </summary>
public static partial class Emitted
{
#pragma warning disable CS1591 // one-line scalar definitions; the class summary documents them
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Exp(float x) => MathF.Exp(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Exp(double x) => Math.Exp(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Log(float x) => MathF.Log(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Log(double x) => Math.Log(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sqrt(float x) => MathF.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sqrt(double x) => Math.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Abs(float x) => MathF.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Abs(double x) => Math.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sin(float x) => MathF.Sin(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sin(double x) => Math.Sin(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Cos(float x) => MathF.Cos(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Cos(double x) => Math.Cos(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Tanh(float x) => MathF.Tanh(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Tanh(double x) => Math.Tanh(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Pow(float x, float y) => MathF.Pow(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Pow(double x, double y) => Math.Pow(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Max(float x, float y) => MathF.Max(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Max(double x, double y) => Math.Max(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Min(float x, float y) => MathF.Min(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Min(double x, double y) => Math.Min(x, y);
    /// <summary>max(x, 0) without a branch; NaN stays NaN and −0 becomes +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Relu(float x) => MathF.Max(x, 0f);
    /// <summary>max(x, 0) without a branch; NaN stays NaN and −0 becomes +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Relu(double x) => Math.Max(x, 0d);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Step(float x) => x > 0f ? 1f : 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Step(double x) => x > 0d ? 1d : 0d;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sign(float x) => x > 0f ? 1f : x < 0f ? -1f : x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sign(double x) => x > 0d ? 1d : x < 0d ? -1d : x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Gt(float x, float y) => x > y ? 1f : 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Gt(double x, double y) => x > y ? 1d : 0d;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Ge(float x, float y) => x >= y ? 1f : 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Ge(double x, double y) => x >= y ? 1d : 0d;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Eq(float x, float y) => x == y ? 1f : 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Eq(double x, double y) => x == y ? 1d : 0d;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Where(float c, float a, float b) => c != 0f ? a : b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Where(double c, double a, double b) => c != 0d ? a : b;
#pragma warning restore CS1591

    /// <summary>The logistic sigmoid 1/(1+e⁻ˣ), without overflow for large |x|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => (float)Sigmoid((double)x);

    /// <summary>The logistic sigmoid 1/(1+e⁻ˣ), without overflow for large |x|.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0) return 1 / (1 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1 + e);
    }

    /// <summary>Softplus log(1+eˣ) as max(x,0) + log1p(e^−|x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Softplus(float x) => (float)Softplus((double)x);

    /// <summary>Softplus log(1+eˣ) as max(x,0) + log1p(e^−|x|).</summary>
    public static double Softplus(double x)
    {
        if (double.IsNaN(x)) return x;
        double e = Math.Exp(-Math.Abs(x)), u = 1 + e;
        return Math.Max(x, 0) + (u == 1 ? e : Math.Log(u) * e / (u - 1));
    }
}
