using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

// log1p and expm1 (Kahan's forms over VMath's exp and log): the scalar and vector forms compute the same
// expression lane by lane, so they agree bit for bit.
public static partial class Emitted
{
    /// <summary>log(1 + x), accurate near 0: log(u)·x/(u−1) with u = 1 + x (x itself where u rounds to 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log1p(float x)
    {
        float u = 1f + x;
        if (u == 1f) return x;
        float l = VMath.Log(u);
        return float.IsPositiveInfinity(u) ? l : l * x / (u - 1f);
    }

    /// <inheritdoc cref="Log1p(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Log1p(double x)
    {
        double u = 1d + x;
        if (u == 1d) return x;
        double l = VMath.Log(u);
        return double.IsPositiveInfinity(u) ? l : l * x / (u - 1d);
    }

    /// <summary>eˣ − 1, accurate near 0: (u−1)·x/log u with u = eˣ (x where u rounds to 1, u − 1 where it is 0 or ∞).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Expm1(float x)
    {
        float u = VMath.Exp(x);
        if (u == 1f) return x;
        float um1 = u - 1f;
        return um1 == -1f || float.IsPositiveInfinity(u) ? um1 : um1 * x / VMath.Log(u);
    }

    /// <inheritdoc cref="Expm1(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Expm1(double x)
    {
        double u = VMath.Exp(x);
        if (u == 1d) return x;
        double um1 = u - 1d;
        return um1 == -1d || double.IsPositiveInfinity(u) ? um1 : um1 * x / VMath.Log(u);
    }

    /// <inheritdoc cref="Log1p(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log1p<T>(Vector256<T> x) where T : unmanaged
    {
        var u = Vector256<T>.One + x;
        var l = Log(u);
        var r = Vector256.ConditionalSelect(Vector256.Equals(u, Vector256.Create(PositiveInfinity<T>())), l, l * x / (u - Vector256<T>.One));
        return Vector256.ConditionalSelect(Vector256.Equals(u, Vector256<T>.One), x, r);
    }

    /// <inheritdoc cref="Log1p(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log1p<T>(Vector128<T> x) where T : unmanaged
    {
        var u = Vector128<T>.One + x;
        var l = Log(u);
        var r = Vector128.ConditionalSelect(Vector128.Equals(u, Vector128.Create(PositiveInfinity<T>())), l, l * x / (u - Vector128<T>.One));
        return Vector128.ConditionalSelect(Vector128.Equals(u, Vector128<T>.One), x, r);
    }

    /// <inheritdoc cref="Expm1(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Expm1<T>(Vector256<T> x) where T : unmanaged
    {
        var u = Exp(x);
        var um1 = u - Vector256<T>.One;
        var special = Vector256.Equals(um1, -Vector256<T>.One) | Vector256.Equals(u, Vector256.Create(PositiveInfinity<T>()));
        var r = Vector256.ConditionalSelect(special, um1, um1 * x / Log(u));
        return Vector256.ConditionalSelect(Vector256.Equals(u, Vector256<T>.One), x, r);
    }

    /// <inheritdoc cref="Expm1(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Expm1<T>(Vector128<T> x) where T : unmanaged
    {
        var u = Exp(x);
        var um1 = u - Vector128<T>.One;
        var special = Vector128.Equals(um1, -Vector128<T>.One) | Vector128.Equals(u, Vector128.Create(PositiveInfinity<T>()));
        var r = Vector128.ConditionalSelect(special, um1, um1 * x / Log(u));
        return Vector128.ConditionalSelect(Vector128.Equals(u, Vector128<T>.One), x, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T PositiveInfinity<T>() where T : unmanaged => Lit<T>(double.PositiveInfinity);
}
