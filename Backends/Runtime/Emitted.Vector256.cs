using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

// Vector256 forms of the elementwise ops (T = float or double; the typeof tests are JIT-time constants).
// Emitted.Vector128.cs is this file with 256 replaced by 128; keep the two in step.
public static partial class Emitted
{
#pragma warning disable CS1591 // lane-wise forms of the scalar definitions in Emitted.Scalar.cs
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector256.Exp(x.AsSingle()).As<float, T>() : Vector256.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector256.Log(x.AsSingle()).As<float, T>() : Vector256.Log(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sin<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector256.Sin(x.AsSingle()).As<float, T>() : Vector256.Sin(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Cos<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector256.Cos(x.AsSingle()).As<float, T>() : Vector256.Cos(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sqrt<T>(Vector256<T> x) where T : unmanaged => Vector256.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Abs<T>(Vector256<T> x) where T : unmanaged => Vector256.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Max<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged => Vector256.Max(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Min<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged => Vector256.Min(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Relu<T>(Vector256<T> x) where T : unmanaged => Vector256.Max(x, Vector256<T>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Step<T>(Vector256<T> x) where T : unmanaged => Vector256.GreaterThan(x, Vector256<T>.Zero) & Vector256<T>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Gt<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged => Vector256.GreaterThan(x, y) & Vector256<T>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Ge<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged => Vector256.GreaterThanOrEqual(x, y) & Vector256<T>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Eq<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged => Vector256.Equals(x, y) & Vector256<T>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Where<T>(Vector256<T> c, Vector256<T> a, Vector256<T> b) where T : unmanaged => Vector256.ConditionalSelect(Vector256.Equals(c, Vector256<T>.Zero), b, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sign<T>(Vector256<T> x) where T : unmanaged =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), Vector256<T>.One,
            Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), -Vector256<T>.One, x));
#pragma warning restore CS1591

    /// <summary>Lane-wise sigmoid: 1/(1+e^−|x|) for x ≥ 0 and e^−|x|/(1+e^−|x|) otherwise (no overflow; NaN stays NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sigmoid<T>(Vector256<T> x) where T : unmanaged
    {
        var e = Exp(-Vector256.Abs(x));
        var d = Vector256<T>.One + e;
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<T>.Zero), Vector256<T>.One / d, e / d);
    }

    /// <summary>Lane-wise softplus max(x,0) + log1p(e^−|x|), with log1p(e) = e·log(u)/(u−1), u = 1+e (exact when u rounds to 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Softplus<T>(Vector256<T> x) where T : unmanaged
    {
        var e = Exp(-Vector256.Abs(x));
        var u = Vector256<T>.One + e;
        var log1p = Vector256.ConditionalSelect(Vector256.Equals(u, Vector256<T>.One), e, Log(u) * e / (u - Vector256<T>.One));
        return Vector256.Max(x, Vector256<T>.Zero) + log1p;
    }

    /// <summary>
    /// Lane-wise tanh as m/(m+2) with m = expm1(2|x|) (Kahan's expm1: (u−1)·y/log u, u = eʸ), sign restored; |x| is
    /// clamped at 20, where tanh is 1 in both precisions. Accurate near 0, where 1 − 2/(e²ˣ+1) would cancel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Tanh<T>(Vector256<T> x) where T : unmanaged
    {
        var two = Vector256<T>.One + Vector256<T>.One;
        var y = two * Vector256.Min(Vector256.Abs(x), Vector256.Create(Lit<T>(20)));
        var u = Exp(y);
        var m = Vector256.ConditionalSelect(Vector256.Equals(u, Vector256<T>.One), y, (u - Vector256<T>.One) * y / Log(u));
        var t = m / (m + two);
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), -t, t);
    }

    /// <summary>Lane-wise power via the scalar <c>Pow</c> (exact for negative bases with integer exponents).</summary>
    public static Vector256<T> Pow<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged
    {
        var r = x;
        for (int i = 0; i < Vector256<T>.Count; i++) r = r.WithElement(i, PowT(x.GetElement(i), y.GetElement(i)));
        return r;
    }

    /// <summary>The sum of the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum<T>(Vector256<T> x) where T : unmanaged => Vector256.Sum(x);

    /// <summary>The maximum of the lanes (NaN if any lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxLane<T>(Vector256<T> x) where T : unmanaged
    {
        T m = x.GetElement(0);
        for (int i = 1; i < Vector256<T>.Count; i++) m = MaxT(m, x.GetElement(i));
        return m;
    }
}
