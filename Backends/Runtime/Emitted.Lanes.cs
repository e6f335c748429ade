using System.Runtime.CompilerServices;

namespace Nabla.Runtime;

/// <summary>
/// The elementwise ops other than the transcendentals (which are <see cref="VMath"/>'s), written once over
/// <see cref="ISimd{TV, T}"/>: <see cref="Emitted"/>'s Vector128 and Vector256 overloads call this class at their width,
/// and its float/double overloads call it on one lane of a Vector128, so every form of an op is the same code and gives
/// the same bits, NaN payloads and signed zeros included. Definitions are the reference interpreter's (<c>Nabla.Ir.Op</c>).
/// </summary>
internal static class Lanes<TS, TV, T> where TS : ISimd<TV, T> where TV : struct where T : unmanaged
{
    private static TV Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TS.Splat(default);
    }

    private static TV One
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TS.Splat(Emitted.Lit<T>(1));
    }

    /// <summary>
    /// log(1 + x), accurate near 0 (Kahan): log(u)·x/(u−1) with u = 1 + x; x itself where u rounds to 1, log u where u is +∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log1p(TV x)
    {
        var u = TS.Add(One, x);
        var l = TS.Log(u);
        var r = TS.Select(TS.Eq(u, TS.Splat(Emitted.Lit<T>(double.PositiveInfinity))), l, TS.Div(TS.Mul(l, x), TS.Sub(u, One)));
        return TS.Select(TS.Eq(u, One), x, r);
    }

    /// <summary>
    /// eˣ − 1, accurate near 0 (Kahan): (u−1)·x/log u with u = eˣ; x itself where u rounds to 1, u − 1 where u is 0 or +∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Expm1(TV x)
    {
        var u = TS.Exp(x);
        var um1 = TS.Sub(u, One);
        var special = TS.Or(TS.Eq(um1, TS.Splat(Emitted.Lit<T>(-1))), TS.Eq(u, TS.Splat(Emitted.Lit<T>(double.PositiveInfinity))));
        var r = TS.Select(special, um1, TS.Div(TS.Mul(um1, x), TS.Log(u)));
        return TS.Select(TS.Eq(u, One), x, r);
    }

    /// <summary>√x (NaN below 0, −0 stays −0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Sqrt(TV x) => TS.Sqrt(x);

    /// <summary>|x|: the sign bit cleared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Abs(TV x) => TS.Abs(x);

    /// <summary>IEEE maximum: NaN if either is NaN, max(−0, +0) = +0 (<c>Math.Max</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Max(TV x, TV y) => TS.Maximum(x, y);

    /// <summary>IEEE minimum: NaN if either is NaN, min(−0, +0) = −0 (<c>Math.Min</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Min(TV x, TV y) => TS.Minimum(x, y);

    /// <summary>max(x, +0): NaN stays NaN, −0 becomes +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Relu(TV x) => TS.Maximum(x, Zero);

    /// <summary>1 where x &gt; 0, else 0 (NaN gives 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Step(TV x) => TS.And(TS.Gt(x, Zero), One);

    /// <summary>1 for x &gt; 0, −1 for x &lt; 0, x itself for ±0 and NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sign(TV x) => TS.Select(TS.Gt(x, Zero), One, TS.Select(TS.Lt(x, Zero), TS.Splat(Emitted.Lit<T>(-1)), x));

    /// <summary>1 where x &gt; y, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Gt(TV x, TV y) => TS.And(TS.Gt(x, y), One);

    /// <summary>1 where x ≥ y, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Ge(TV x, TV y) => TS.And(TS.Ge(x, y), One);

    /// <summary>1 where x = y, else 0 (−0 = +0; NaN equals nothing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Eq(TV x, TV y) => TS.And(TS.Eq(x, y), One);

    /// <summary>a where c ≠ 0 (NaN counts as ≠ 0), b where c = ±0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Where(TV c, TV a, TV b) => TS.Select(TS.Eq(c, Zero), b, a);

    /// <summary>
    /// xʸ as <see cref="Emitted.Pow(float, float)"/> defines it lane by lane. When every lane has the same small
    /// integer exponent (1, 2, 3, −1: a constant exponent in emitted code) it is the products / quotient on whole
    /// vectors, which are the scalar definition's values; otherwise the scalar definition runs per lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Pow(TV x, TV y)
    {
        if (TS.EqualsAll(y, TS.Splat(Emitted.Lit<T>(2)))) return TS.Mul(x, x);
        if (TS.EqualsAll(y, One)) return x;
        if (TS.EqualsAll(y, TS.Splat(Emitted.Lit<T>(3)))) return TS.Mul(TS.Mul(x, x), x);
        if (TS.EqualsAll(y, TS.Splat(Emitted.Lit<T>(-1)))) return TS.Div(One, x);
        return PowEach(x, y);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TV PowEach(TV x, TV y)
    {
        ref T px = ref Unsafe.As<TV, T>(ref x);
        ref T py = ref Unsafe.As<TV, T>(ref y);
        for (int i = 0; i < TS.Count; i++) Unsafe.Add(ref px, i) = Emitted.PowLane(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i));
        return x;
    }

    /// <summary>The largest lane (NaN if any lane is NaN), folded with <see cref="Max"/> from lane 0 up.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxLane(TV x)
    {
        ref T p = ref Unsafe.As<TV, T>(ref x);
        TV m = TS.Splat(p);
        for (int i = 1; i < TS.Count; i++) m = TS.Maximum(m, TS.Splat(Unsafe.Add(ref p, i)));
        return TS.First(m);
    }
}
