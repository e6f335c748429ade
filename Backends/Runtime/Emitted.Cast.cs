using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

// cast: the conversion between i32 and a float type. An i32 value travels in the model's float type, so at run time the
// conversion is truncation toward zero: the identity on integers (i32 → float), and the conversion's meaning otherwise.
public static partial class Emitted
{
    /// <summary>Truncation toward zero (the <c>cast</c> op: i32 values are stored as exact integers in the model's float type).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Cast(float x) => MathF.Truncate(x);
    /// <inheritdoc cref="Cast(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Cast(double x) => Math.Truncate(x);
    /// <summary>Lane-wise <see cref="Cast(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Cast<T>(Vector128<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector128.Truncate(x.AsSingle()).As<float, T>() : Vector128.Truncate(x.AsDouble()).As<double, T>();
    /// <summary>Lane-wise <see cref="Cast(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Cast<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector256.Truncate(x.AsSingle()).As<float, T>() : Vector256.Truncate(x.AsDouble()).As<double, T>();
}
