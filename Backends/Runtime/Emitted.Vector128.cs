using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

// Vector128 forms of the elementwise ops (T = float or double; the typeof tests are JIT-time constants).
// Generated from Emitted.Vector256.cs by replacing 256 with 128; keep the two in step.
public static partial class Emitted
{
#pragma warning disable CS1591 // lane-wise forms of the scalar definitions in Emitted.Scalar.cs
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector128.Exp(x.AsSingle()).As<float, T>() : Vector128.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector128.Log(x.AsSingle()).As<float, T>() : Vector128.Log(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sin<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector128.Sin(x.AsSingle()).As<float, T>() : Vector128.Sin(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Cos<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector128.Cos(x.AsSingle()).As<float, T>() : Vector128.Cos(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sqrt<T>(Vector128<T> x) where T : unmanaged => Vector128.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Abs<T>(Vector128<T> x) where T : unmanaged => Vector128.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Max<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged => Vector128.Max(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Min<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged => Vector128.Min(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Relu<T>(Vector128<T> x) where T : unmanaged => Vector128.Max(x, Vector128<T>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Step<T>(Vector128<T> x) where T : unmanaged => Vector128.GreaterThan(x, Vector128<T>.Zero) & Vector128<T>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Gt<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged => Vector128.GreaterThan(x, y) & Vector128<T>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Ge<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged => Vector128.GreaterThanOrEqual(x, y) & Vector128<T>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Eq<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged => Vector128.Equals(x, y) & Vector128<T>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Where<T>(Vector128<T> c, Vector128<T> a, Vector128<T> b) where T : unmanaged => Vector128.ConditionalSelect(Vector128.Equals(c, Vector128<T>.Zero), b, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sign<T>(Vector128<T> x) where T : unmanaged =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), Vector128<T>.One,
            Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<T>.Zero), -Vector128<T>.One, x));
#pragma warning restore CS1591

    /// <summary>Lane-wise sigmoid: 1/(1+e^−|x|) for x ≥ 0 and e^−|x|/(1+e^−|x|) otherwise (no overflow; NaN stays NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sigmoid<T>(Vector128<T> x) where T : unmanaged
    {
        var e = Exp(-Vector128.Abs(x));
        var d = Vector128<T>.One + e;
        return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128<T>.Zero), Vector128<T>.One / d, e / d);
    }

    /// <summary>Lane-wise softplus max(x,0) + log1p(e^−|x|), with log1p(e) = e·log(u)/(u−1), u = 1+e (exact when u rounds to 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Softplus<T>(Vector128<T> x) where T : unmanaged
    {
        var e = Exp(-Vector128.Abs(x));
        var u = Vector128<T>.One + e;
        var log1p = Vector128.ConditionalSelect(Vector128.Equals(u, Vector128<T>.One), e, Log(u) * e / (u - Vector128<T>.One));
        return Vector128.Max(x, Vector128<T>.Zero) + log1p;
    }

    /// <summary>
    /// Lane-wise tanh as m/(m+2) with m = expm1(2|x|) (Kahan's expm1: (u−1)·y/log u, u = eʸ), sign restored; |x| is
    /// clamped at 20, where tanh is 1 in both precisions. Accurate near 0, where 1 − 2/(e²ˣ+1) would cancel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Tanh<T>(Vector128<T> x) where T : unmanaged
    {
        var two = Vector128<T>.One + Vector128<T>.One;
        var y = two * Vector128.Min(Vector128.Abs(x), Vector128.Create(Lit<T>(20)));
        var u = Exp(y);
        var m = Vector128.ConditionalSelect(Vector128.Equals(u, Vector128<T>.One), y, (u - Vector128<T>.One) * y / Log(u));
        var t = m / (m + two);
        return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<T>.Zero), -t, t);
    }

    /// <summary>Lane-wise power via the scalar <c>Pow</c> (exact for negative bases with integer exponents).</summary>
    public static Vector128<T> Pow<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged
    {
        var r = x;
        for (int i = 0; i < Vector128<T>.Count; i++) r = r.WithElement(i, PowT(x.GetElement(i), y.GetElement(i)));
        return r;
    }

    /// <summary>The sum of the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum<T>(Vector128<T> x) where T : unmanaged => Vector128.Sum(x);

    /// <summary>The maximum of the lanes (NaN if any lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxLane<T>(Vector128<T> x) where T : unmanaged
    {
        T m = x.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++) m = MaxT(m, x.GetElement(i));
        return m;
    }
}
