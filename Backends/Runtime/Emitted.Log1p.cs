using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using F = Nabla.Runtime.Lanes<Nabla.Runtime.V128<float>, System.Runtime.Intrinsics.Vector128<float>, float>;
using D = Nabla.Runtime.Lanes<Nabla.Runtime.V128<double>, System.Runtime.Intrinsics.Vector128<double>, double>;

namespace Nabla.Runtime;

// log1p and expm1: entry points into their one definition in Lanes (over VMath's exp and log), so the scalar and
// vector forms agree bit for bit.
public static partial class Emitted
{
    /// <summary>log(1 + x), accurate near 0 (Kahan's log(u)·x/(u−1), u = 1 + x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Log1p(float x) => F.Log1p(Vector128.CreateScalar(x)).ToScalar();
    /// <inheritdoc cref="Log1p(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Log1p(double x) => D.Log1p(Vector128.CreateScalar(x)).ToScalar();
    /// <summary>Lane-wise <see cref="Log1p(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Log1p<T>(Vector128<T> x) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Log1p(x);
    /// <summary>Lane-wise <see cref="Log1p(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Log1p<T>(Vector256<T> x) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Log1p(x);

    /// <summary>eˣ − 1, accurate near 0 (Kahan's (u−1)·x/log u, u = eˣ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Expm1(float x) => F.Expm1(Vector128.CreateScalar(x)).ToScalar();
    /// <inheritdoc cref="Expm1(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Expm1(double x) => D.Expm1(Vector128.CreateScalar(x)).ToScalar();
    /// <summary>Lane-wise <see cref="Expm1(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Expm1<T>(Vector128<T> x) where T : unmanaged => Lanes<V128<T>, Vector128<T>, T>.Expm1(x);
    /// <summary>Lane-wise <see cref="Expm1(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Expm1<T>(Vector256<T> x) where T : unmanaged => Lanes<V256<T>, Vector256<T>, T>.Expm1(x);
}
