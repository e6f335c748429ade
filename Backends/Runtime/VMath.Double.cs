using System;
using System.Runtime.CompilerServices;

namespace Nabla.Runtime;

/// <summary>float64 kernels of <see cref="VMath"/> (fdlibm/Cephes coefficients), written once over <see cref="ISimd{TV, T}"/>.</summary>
internal static class MathF64<TS, TV> where TS : ISimd<TV, double> where TV : struct
{
    private static TV C(double x) => TS.Splat(x);
    private static TV Bits(long x) => TS.Splat(BitConverter.Int64BitsToDouble(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp(TV x)
    {
        // As MathF32.Exp: a fast path when every lane is well inside the normal range (|x| < 700), with the same bits.
        TV magic = C(6755399441055744.0); // 1.5·2^52
        if (TS.All(TS.Lt(TS.Abs(x), C(700.0))))
        {
            TV k = TS.Fma(x, C(1.4426950408889634074), magic);
            return TS.Mul(ExpPoly(TS.Sub(k, magic), x), TS.IShl(TS.IAdd(TS.ISub(k, magic), Bits(1023)), 52));
        }
        TV xc = TS.Min(TS.Max(x, C(-746.0)), C(710.0));
        TV kf = TS.Fma(xc, C(1.4426950408889634074), magic);
        TV p = ExpPoly(TS.Sub(kf, magic), xc);
        TV ni = TS.ISub(kf, magic);
        TV n1 = TS.ISar(ni, 1);
        TV n2 = TS.ISub(ni, n1);
        TV s1 = TS.IShl(TS.IAdd(n1, Bits(1023)), 52);
        TV s2 = TS.IShl(TS.IAdd(n2, Bits(1023)), 52);
        TV e = TS.Mul(TS.Mul(p, s1), s2);
        return TS.Select(TS.Eq(x, x), e, x);
    }

    // e^r for r = x − n·ln2 (Cody–Waite), |r| ≤ ln2/2: Taylor polynomial to degree 13, truncation error below 1e-17.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpPoly(TV n, TV x)
    {
        TV r = TS.Fma(n, C(-6.93147180369123816490e-01), x);
        r = TS.Fma(n, C(-1.90821492927058770002e-10), r);
        TV p = TS.Fma(C(1.0 / 6227020800.0), r, C(1.0 / 479001600.0));
        p = TS.Fma(p, r, C(1.0 / 39916800.0));
        p = TS.Fma(p, r, C(1.0 / 3628800.0));
        p = TS.Fma(p, r, C(1.0 / 362880.0));
        p = TS.Fma(p, r, C(1.0 / 40320.0));
        p = TS.Fma(p, r, C(1.0 / 5040.0));
        p = TS.Fma(p, r, C(1.0 / 720.0));
        p = TS.Fma(p, r, C(1.0 / 120.0));
        p = TS.Fma(p, r, C(1.0 / 24.0));
        p = TS.Fma(p, r, C(1.0 / 6.0));
        p = TS.Fma(p, r, C(0.5));
        return TS.Fma(p, TS.Mul(r, r), TS.Add(r, C(1.0)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log(TV x)
    {
        TV tiny = TS.Lt(x, C(2.2250738585072014e-308));
        TV xs = TS.Select(tiny, TS.Mul(x, C(18014398509481984.0)), x); // 2^54
        TV m = TS.Or(TS.And(xs, Bits(0x000FFFFFFFFFFFFFL)), Bits(0x3FF0000000000000L));
        TV eb = TS.IShr(xs, 52);
        TV k = TS.Sub(TS.Sub(TS.Or(eb, Bits(0x4330000000000000L)), C(4503599627370496.0)), TS.Select(tiny, C(1077.0), C(1023.0)));
        TV big = TS.Gt(m, C(1.4142135623730951));
        m = TS.Select(big, TS.Mul(m, C(0.5)), m);
        k = TS.Select(big, TS.Add(k, C(1.0)), k);
        TV f = TS.Sub(m, C(1.0));
        TV s = TS.Div(f, TS.Add(f, C(2.0)));
        TV z = TS.Mul(s, s);
        TV w = TS.Mul(z, z);
        TV t1 = TS.Mul(w, TS.Fma(w, TS.Fma(w, C(1.531383769920937332e-01), C(2.222219843214978396e-01)), C(3.999999999940941908e-01)));
        TV t2 = TS.Mul(z, TS.Fma(w, TS.Fma(w, TS.Fma(w, C(1.479819860511658591e-01), C(1.818357216161805012e-01)),
            C(2.857142874366239149e-01)), C(6.666666666666735130e-01)));
        TV rr = TS.Add(t2, t1);
        TV hfsq = TS.Mul(C(0.5), TS.Mul(f, f));
        TV inner = TS.Fma(s, TS.Add(hfsq, rr), TS.Mul(k, C(1.90821492927058770002e-10)));
        TV y = TS.Fma(k, C(6.93147180369123816490e-01), TS.Sub(f, TS.Sub(hfsq, inner)));
        TV ok = TS.And(TS.Gt(x, C(0.0)), TS.Lt(x, C(double.PositiveInfinity)));
        TV special = TS.Select(TS.Eq(x, C(0.0)), C(double.NegativeInfinity), TS.Select(TS.Eq(x, C(double.PositiveInfinity)), x, C(double.NaN)));
        return TS.Select(ok, y, special);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh(TV x)
    {
        TV y = TS.Abs(x);
        TV s = TS.Mul(y, y);
        TV num = TS.Fma(TS.Fma(C(-9.64399179425052238628E-1), s, C(-9.92877231001918586564E1)), s, C(-1.61468768441708447952E3));
        TV den = TS.Fma(TS.Fma(TS.Add(s, C(1.12811678491632931402E2)), s, C(2.23548839060100448583E3)), s, C(4.84406305325125486048E3));
        TV ps = TS.Fma(TS.Mul(y, s), TS.Div(num, den), y);
        TV z = Exp(TS.Mul(y, C(-2.0)));
        TV pl = TS.Div(TS.Sub(C(1.0), z), TS.Add(C(1.0), z));
        TV r = TS.Select(TS.Lt(y, C(0.625)), ps, pl);
        return TS.Or(r, TS.And(x, Bits(long.MinValue)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid(TV x)
    {
        // e = exp(-|x|) never overflows; for x < 0 the result e / (1 + e) stays accurate down into the subnormals.
        TV e = Exp(TS.Sub(C(0.0), TS.Abs(x)));
        return TS.Div(TS.Select(TS.Lt(x, C(0.0)), e, C(1.0)), TS.Add(C(1.0), e));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log1pNonNegative(TV u)
    {
        TV w = TS.Add(C(1.0), u);
        TV d = TS.Sub(w, C(1.0));
        TV exact = TS.Eq(d, C(0.0));
        TV r = TS.Mul(Log(w), TS.Div(u, TS.Select(exact, C(1.0), d)));
        return TS.Select(exact, u, r);
    }

    /// <summary>
    /// Softplus as max(x,0) + log1p(e^−|x|); a NaN argument is returned as it is. (Without that select the result is the
    /// sum of two NaNs, and which one an addition returns — hence the sign of the result — depends on the order the JIT
    /// gives the commutative addition's operands, which can differ from one compilation of the same code to another.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Softplus(TV x)
        => TS.Select(TS.Eq(x, x), TS.Add(TS.Max(x, C(0.0)), Log1pNonNegative(Exp(TS.Sub(C(0.0), TS.Abs(x))))), x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV SinCos(TV x, bool cosine)
    {
        TV magic = C(6755399441055744.0);
        TV kf = TS.Fma(x, C(0.63661977236758134308), magic);
        TV j = TS.Sub(kf, magic);
        TV r = TS.Fma(j, C(-1.57079632673412561417e+00), x);
        r = TS.Fma(j, C(-6.07710050630396597660e-11), r);
        r = TS.Fma(j, C(-2.02226624879595063154e-21), r);
        TV q = TS.ISub(kf, magic);
        if (cosine) q = TS.IAdd(q, Bits(1));
        TV z = TS.Mul(r, r);
        TV sn = TS.Fma(C(1.58969099521155010221e-10), z, C(-2.50507602534068634195e-08));
        sn = TS.Fma(sn, z, C(2.75573137070700676789e-06));
        sn = TS.Fma(sn, z, C(-1.98412698298579493134e-04));
        sn = TS.Fma(sn, z, C(8.33333333332248946124e-03));
        sn = TS.Fma(sn, z, C(-1.66666666666666324348e-01));
        sn = TS.Fma(TS.Mul(sn, z), r, r);
        TV cs = TS.Fma(C(-1.13596475577881948265e-11), z, C(2.08757232129817482790e-09));
        cs = TS.Fma(cs, z, C(-2.75573143513906633035e-07));
        cs = TS.Fma(cs, z, C(2.48015872894767294178e-05));
        cs = TS.Fma(cs, z, C(-1.38888888888741095749e-03));
        cs = TS.Fma(cs, z, C(4.16666666666666019037e-02));
        TV hz = TS.Mul(z, C(0.5));
        TV wv = TS.Sub(C(1.0), hz);
        cs = TS.Add(wv, TS.Fma(TS.Mul(z, z), cs, TS.Sub(TS.Sub(C(1.0), wv), hz)));
        TV swap = TS.ISar(TS.IShl(q, 63), 63);
        TV v = TS.Select(swap, cs, sn);
        TV sign = TS.And(TS.IShl(q, 62), Bits(long.MinValue));
        v = TS.Xor(v, sign);
        TV far = TS.Gt(TS.Abs(x), C(1e5));
        return TS.Any(far) ? Fallback.Lanes<TV, double>(x, v, far, cosine ? Fallback.Op.Cos : Fallback.Op.Sin) : v;
    }
}

/// <summary>Per-lane scalar fix-up for the rare lanes a vector kernel does not handle (huge sine/cosine arguments).</summary>
internal static class Fallback
{
    public enum Op { Sin, Cos }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static TV Lanes<TV, T>(TV x, TV v, TV mask, Op op) where TV : struct where T : unmanaged
    {
        int n = Unsafe.SizeOf<TV>() / Unsafe.SizeOf<T>();
        ref T px = ref Unsafe.As<TV, T>(ref x);
        ref T pv = ref Unsafe.As<TV, T>(ref v);
        ref T pm = ref Unsafe.As<TV, T>(ref mask);
        for (int i = 0; i < n; i++)
        {
            T m = Unsafe.Add(ref pm, i);
            bool set = typeof(T) == typeof(float) ? Unsafe.As<T, int>(ref m) != 0 : Unsafe.As<T, long>(ref m) != 0;
            if (!set) continue;
            if (typeof(T) == typeof(float))
            {
                float xi = Unsafe.As<T, float>(ref Unsafe.Add(ref px, i));
                float r = op == Op.Sin ? MathF.Sin(xi) : MathF.Cos(xi);
                Unsafe.Add(ref pv, i) = Unsafe.As<float, T>(ref r);
            }
            else
            {
                double xi = Unsafe.As<T, double>(ref Unsafe.Add(ref px, i));
                double r = op == Op.Sin ? Math.Sin(xi) : Math.Cos(xi);
                Unsafe.Add(ref pv, i) = Unsafe.As<double, T>(ref r);
            }
        }
        return v;
    }
}
