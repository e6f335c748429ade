using System;
using System.Runtime.CompilerServices;

namespace Nabla.Runtime;

public static partial class Emitted
{
    /// <summary>A constant of type T (float or double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Lit<T>(double v) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { float f = (float)v; return Unsafe.As<float, T>(ref f); }
        return Unsafe.As<double, T>(ref v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T PowT<T>(T x, T y) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { float r = MathF.Pow(Unsafe.As<T, float>(ref x), Unsafe.As<T, float>(ref y)); return Unsafe.As<float, T>(ref r); }
        double d = Math.Pow(Unsafe.As<T, double>(ref x), Unsafe.As<T, double>(ref y));
        return Unsafe.As<double, T>(ref d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T MaxT<T>(T x, T y) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { float r = MathF.Max(Unsafe.As<T, float>(ref x), Unsafe.As<T, float>(ref y)); return Unsafe.As<float, T>(ref r); }
        double d = Math.Max(Unsafe.As<T, double>(ref x), Unsafe.As<T, double>(ref y));
        return Unsafe.As<double, T>(ref d);
    }
}
