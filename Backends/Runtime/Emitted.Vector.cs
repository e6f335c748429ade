using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

// The Vector128 and Vector256 forms (T = float or double; the typeof tests are JIT-time constants): one-line entry
// points into VMath (transcendentals) and Lanes (everything else), which hold each op's only definition.
public static partial class Emitted
{
    // ---- Vector256 ----

    /// <summary>Lane-wise <see cref="Exp(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Exp(x.AsSingle()).As<float, T>() : VMath.Exp(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Log(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Log(x.AsSingle()).As<float, T>() : VMath.Log(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Sin(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sin<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Sin(x.AsSingle()).As<float, T>() : VMath.Sin(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Cos(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Cos<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Cos(x.AsSingle()).As<float, T>() : VMath.Cos(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Tanh(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Tanh<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Tanh(x.AsSingle()).As<float, T>() : VMath.Tanh(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Sigmoid(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sigmoid<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Sigmoid(x.AsSingle()).As<float, T>() : VMath.Sigmoid(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Softplus(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Softplus<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Softplus(x.AsSingle()).As<float, T>() : VMath.Softplus(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Sqrt(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sqrt<T>(Vector256<T> x) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Sqrt(x);
    /// <summary>Lane-wise <see cref="Abs(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Abs<T>(Vector256<T> x) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Abs(x);
    /// <summary>Lane-wise <see cref="Relu(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Relu<T>(Vector256<T> x) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Relu(x);
    /// <summary>Lane-wise <see cref="Step(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Step<T>(Vector256<T> x) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Step(x);
    /// <summary>Lane-wise <see cref="Sign(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sign<T>(Vector256<T> x) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Sign(x);
    /// <summary>Lane-wise <see cref="Max(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Max<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Max(x, y);
    /// <summary>Lane-wise <see cref="Min(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Min<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Min(x, y);
    /// <summary>Lane-wise <see cref="Gt(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Gt<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Gt(x, y);
    /// <summary>Lane-wise <see cref="Ge(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Ge<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Ge(x, y);
    /// <summary>Lane-wise <see cref="Eq(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Eq<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Eq(x, y);
    /// <summary>Lane-wise <see cref="Pow(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Pow<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Pow(x, y);
    /// <summary>Lane-wise <see cref="Where(float, float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Where<T>(Vector256<T> c, Vector256<T> a, Vector256<T> b) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Where(c, a, b);

    /// <summary>The sum of the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum<T>(Vector256<T> x) where T : unmanaged => Vector256.Sum(x);
    /// <summary>The maximum of the lanes (NaN if any lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T MaxLane<T>(Vector256<T> x) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.MaxLane(x);

    // ---- Vector128 ----

    /// <summary>Lane-wise <see cref="Exp(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Exp(x.AsSingle()).As<float, T>() : VMath.Exp(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Log(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Log(x.AsSingle()).As<float, T>() : VMath.Log(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Sin(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sin<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Sin(x.AsSingle()).As<float, T>() : VMath.Sin(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Cos(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Cos<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Cos(x.AsSingle()).As<float, T>() : VMath.Cos(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Tanh(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Tanh<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Tanh(x.AsSingle()).As<float, T>() : VMath.Tanh(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Sigmoid(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sigmoid<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Sigmoid(x.AsSingle()).As<float, T>() : VMath.Sigmoid(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Softplus(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Softplus<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? VMath.Softplus(x.AsSingle()).As<float, T>() : VMath.Softplus(x.AsDouble()).As<double, T>();

    /// <summary>Lane-wise <see cref="Sqrt(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sqrt<T>(Vector128<T> x) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Sqrt(x);
    /// <summary>Lane-wise <see cref="Abs(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Abs<T>(Vector128<T> x) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Abs(x);
    /// <summary>Lane-wise <see cref="Relu(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Relu<T>(Vector128<T> x) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Relu(x);
    /// <summary>Lane-wise <see cref="Step(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Step<T>(Vector128<T> x) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Step(x);
    /// <summary>Lane-wise <see cref="Sign(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sign<T>(Vector128<T> x) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Sign(x);
    /// <summary>Lane-wise <see cref="Max(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Max<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Max(x, y);
    /// <summary>Lane-wise <see cref="Min(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Min<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Min(x, y);
    /// <summary>Lane-wise <see cref="Gt(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Gt<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Gt(x, y);
    /// <summary>Lane-wise <see cref="Ge(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Ge<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Ge(x, y);
    /// <summary>Lane-wise <see cref="Eq(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Eq<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Eq(x, y);
    /// <summary>Lane-wise <see cref="Pow(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Pow<T>(Vector128<T> x, Vector128<T> y) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Pow(x, y);
    /// <summary>Lane-wise <see cref="Where(float, float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Where<T>(Vector128<T> c, Vector128<T> a, Vector128<T> b) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Where(c, a, b);

    /// <summary>The sum of the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum<T>(Vector128<T> x) where T : unmanaged => Vector128.Sum(x);
    /// <summary>The maximum of the lanes (NaN if any lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T MaxLane<T>(Vector128<T> x) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.MaxLane(x);
}
