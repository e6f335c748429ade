using System;
using System.Runtime.CompilerServices;

namespace Nabla.Runtime;

/// <summary>
/// float32 kernels of <see cref="VMath"/>, written once over <see cref="ISimd{TV, T}"/> (Cephes/fdlibm-style range
/// reduction + minimax polynomials). Every lane is computed independently, so all widths agree bit for bit.
/// </summary>
internal static class MathF32<TS, TV> where TS : ISimd<TV, float> where TV : struct
{
    private static TV C(float x) => TS.Splat(x);
    private static TV Bits(int x) => TS.Splat(BitConverter.Int32BitsToSingle(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp(TV x)
    {
        // x = n·ln2 + r, |r| ≤ ln2/2; exp(x) = 2^n·P(r). n is rounded by adding 1.5·2^23, which leaves it in the low bits.
        // When every lane is well inside the normal range (|x| < 80; NaN and ±∞ are not), 2^n is one exponent field
        // and no clamping or NaN fix-up is needed: the same bits as the general path, which scales by 2^n in halves.
        TV magic = C(12582912f);
        if (TS.All(TS.Lt(TS.Abs(x), C(80f))))
        {
            TV k = TS.Fma(x, C(1.44269504088896341f), magic);
            return TS.Mul(ExpPoly(TS.Sub(k, magic), x), TS.IShl(TS.IAdd(TS.ISub(k, magic), Bits(127)), 23));
        }
        TV xc = TS.Min(TS.Max(x, C(-105f)), C(89f));
        TV kf = TS.Fma(xc, C(1.44269504088896341f), magic);
        TV p = ExpPoly(TS.Sub(kf, magic), xc);
        // 2^n in two halves so that results down to the subnormal range and up to overflow come out right.
        TV ni = TS.ISub(kf, magic);
        TV n1 = TS.ISar(ni, 1);
        TV n2 = TS.ISub(ni, n1);
        TV s1 = TS.IShl(TS.IAdd(n1, Bits(127)), 23);
        TV s2 = TS.IShl(TS.IAdd(n2, Bits(127)), 23);
        TV e = TS.Mul(TS.Mul(p, s1), s2);
        return TS.Select(TS.Eq(x, x), e, x);
    }

    // e^r for r = x − n·ln2 (Cody–Waite), |r| ≤ ln2/2.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpPoly(TV n, TV x)
    {
        TV r = TS.Fma(n, C(-0.693359375f), x);
        r = TS.Fma(n, C(2.12194440e-4f), r);
        TV p = TS.Fma(C(1.9875691500E-4f), r, C(1.3981999507E-3f));
        p = TS.Fma(p, r, C(8.3334519073E-3f));
        p = TS.Fma(p, r, C(4.1665795894E-2f));
        p = TS.Fma(p, r, C(1.6666665459E-1f));
        p = TS.Fma(p, r, C(5.0000001201E-1f));
        return TS.Fma(p, TS.Mul(r, r), TS.Add(r, C(1f)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log(TV x)
    {
        // Subnormals are scaled by 2^23 first. x = 2^k·m with m in [√2/2, √2); log(m) = f - hfsq + s·(hfsq + R(s²)).
        TV tiny = TS.Lt(x, C(1.17549435e-38f));
        TV xs = TS.Select(tiny, TS.Mul(x, C(8388608f)), x);
        TV m = TS.Or(TS.And(xs, Bits(0x007FFFFF)), Bits(0x3F800000));           // [1, 2)
        TV eb = TS.IShr(xs, 23);                                                  // biased exponent 0..255
        TV k = TS.Sub(TS.Sub(TS.Or(eb, Bits(0x4B000000)), C(8388608f)), TS.Select(tiny, C(150f), C(127f)));
        TV big = TS.Gt(m, C(1.41421356f));
        m = TS.Select(big, TS.Mul(m, C(0.5f)), m);
        k = TS.Select(big, TS.Add(k, C(1f)), k);
        TV f = TS.Sub(m, C(1f));
        TV s = TS.Div(f, TS.Add(f, C(2f)));
        TV z = TS.Mul(s, s);
        TV w = TS.Mul(z, z);
        TV t1 = TS.Mul(w, TS.Fma(w, C(2.4279078841e-01f), C(4.0000972152e-01f)));
        TV t2 = TS.Mul(z, TS.Fma(w, C(2.8498786688e-01f), C(6.6666662693e-01f)));
        TV rr = TS.Add(t2, t1);
        TV hfsq = TS.Mul(C(0.5f), TS.Mul(f, f));
        TV inner = TS.Fma(s, TS.Add(hfsq, rr), TS.Mul(k, C(9.0580006145e-06f)));
        TV y = TS.Fma(k, C(6.9313812256e-01f), TS.Sub(f, TS.Sub(hfsq, inner)));
        // log(0) = -inf, log(+inf) = +inf, log(negative or NaN) = NaN.
        TV ok = TS.And(TS.Gt(x, C(0f)), TS.Lt(x, C(float.PositiveInfinity)));
        TV special = TS.Select(TS.Eq(x, C(0f)), C(float.NegativeInfinity), TS.Select(TS.Eq(x, C(float.PositiveInfinity)), x, C(float.NaN)));
        return TS.Select(ok, y, special);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh(TV x)
    {
        TV y = TS.Abs(x);
        TV s = TS.Mul(y, y);
        TV ps = TS.Fma(C(-5.70498872745E-3f), s, C(2.06390887954E-2f));
        ps = TS.Fma(ps, s, C(-5.37397155531E-2f));
        ps = TS.Fma(ps, s, C(1.33314422036E-1f));
        ps = TS.Fma(ps, s, C(-3.33332819422E-1f));
        ps = TS.Fma(TS.Mul(ps, s), y, y);
        TV z = Exp(TS.Mul(y, C(-2f)));
        TV pl = TS.Div(TS.Sub(C(1f), z), TS.Add(C(1f), z));
        TV r = TS.Select(TS.Lt(y, C(0.625f)), ps, pl);
        return TS.Or(r, TS.And(x, Bits(unchecked((int)0x80000000))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid(TV x)
    {
        // e = exp(-|x|) never overflows; for x < 0 the result e / (1 + e) stays accurate down into the subnormals.
        TV e = Exp(TS.Sub(C(0f), TS.Abs(x)));
        return TS.Div(TS.Select(TS.Lt(x, C(0f)), e, C(1f)), TS.Add(C(1f), e));
    }

    /// <summary>log(1 + u) for u ≥ 0 without cancellation: log(w)·u/(w - 1), w = 1 + u (Kahan).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log1pNonNegative(TV u)
    {
        TV w = TS.Add(C(1f), u);
        TV d = TS.Sub(w, C(1f));
        TV exact = TS.Eq(d, C(0f));
        TV r = TS.Mul(Log(w), TS.Div(u, TS.Select(exact, C(1f), d)));
        return TS.Select(exact, u, r);
    }

    /// <summary>
    /// Softplus as max(x,0) + log1p(e^−|x|); a NaN argument is returned as it is. (Without that select the result is the
    /// sum of two NaNs, and which one an addition returns — hence the sign of the result — depends on the order the JIT
    /// gives the commutative addition's operands, which can differ from one compilation of the same code to another.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Softplus(TV x)
        => TS.Select(TS.Eq(x, x), TS.Add(TS.Max(x, C(0f)), Log1pNonNegative(Exp(TS.Sub(C(0f), TS.Abs(x))))), x);

    /// <summary>
    /// sin (cosine = false) or cos of x: Cody-Waite reduction by π/2, then the quadrant's polynomial. π/2 is split as
    /// C1 − C2 − C3 with C1, C2 floats and C3 the float nearest π/2 − C1 + C2, so the split holds π/2 to about 2⁻⁷⁶ and
    /// x − j·π/2 keeps full relative precision next to the zeros of sin and cos up to |x| = 8192 (with C3 = 2⁻⁴⁹, as
    /// before, the split was off by 6·10⁻¹⁷, i.e. 5 ulp at cos(7575.9507)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV SinCos(TV x, bool cosine)
    {
        TV magic = C(12582912f);
        TV kf = TS.Fma(x, C(0.636619772367581343f), magic);
        TV j = TS.Sub(kf, magic);
        TV r = TS.Fma(j, C(-1.5707963705062866f), x);
        r = TS.Fma(j, C(4.371138828673793e-08f), r);
        r = TS.Fma(j, C(1.7151245100058819e-15f), r);
        TV q = TS.ISub(kf, magic);
        if (cosine) q = TS.IAdd(q, Bits(1));
        TV z = TS.Mul(r, r);
        TV sn = TS.Fma(C(-1.9515295891E-4f), z, C(8.3321608736E-3f));
        sn = TS.Fma(sn, z, C(-1.6666654611E-1f));
        sn = TS.Fma(TS.Mul(sn, z), r, r);
        TV cs = TS.Fma(C(2.443315711809948E-005f), z, C(-1.388731625493765E-003f));
        cs = TS.Fma(cs, z, C(4.166664568298827E-002f));
        cs = TS.Fma(TS.Mul(cs, z), z, TS.Fma(z, C(-0.5f), C(1f)));
        TV swap = TS.ISar(TS.IShl(q, 31), 31);                    // odd quadrant: the other polynomial
        TV v = TS.Select(swap, cs, sn);
        TV sign = TS.And(TS.IShl(q, 30), Bits(unchecked((int)0x80000000))); // quadrants 2, 3: negate
        v = TS.Xor(v, sign);
        TV far = TS.Gt(TS.Abs(x), C(8192f));                     // includes ±inf; NaN propagates through v
        return TS.Any(far) ? Fallback.Lanes<TV, float>(x, v, far, cosine ? Fallback.Op.Cos : Fallback.Op.Sin) : v;
    }
}
