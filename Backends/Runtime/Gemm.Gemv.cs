using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>Whether the AVX2 dot-product kernels run for single-precision GEMV: 8 rows of 256-bit vectors, or, with
    /// AVX-512 and rows of 64 or more, <see cref="DotsF32Avx512"/> (tests turn it off to check the generic path; results
    /// differ only by summation order).</summary>
    internal static bool Avx2Dots = Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// Single-precision r[j] = dot(x[j·ld .. j·ld + k), a[0 .. k)) for j &lt; rows, eight rows at a time with 256-bit
    /// accumulators and one transposing reduction per eight rows (two levels of <c>vhaddps</c> and a lane swap), so no
    /// row pays a horizontal sum of its own. Measured on the MLP's batch-1 layers (100×40, 100×100, 10×100) it took
    /// 25–40 % less time than four rows of 512-bit accumulators with per-row sums. The tail of k (k mod 8) is read with
    /// a masked load that never touches memory past the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotsF32(float* x, int ld, int rows, float* a, int k, float* r)
    {
        if (Avx512F.IsSupported && k >= 64) { DotsF32Avx512(x, ld, rows, a, k, r); return; }
        int kFull = k & ~7, tail = k - kFull;
        Vector256<float> m = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(tail)).AsSingle();
        int j = 0;
        for (; j + 8 <= rows; j += 8)
        {
            float* r0 = x + (long)j * ld;
            long l2 = 2L * ld, l3 = 3L * ld, l4 = 4L * ld, l5 = 5L * ld, l6 = 6L * ld, l7 = 7L * ld;
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            for (int kk = 0; kk < kFull; kk += 8)
            {
                Vector256<float> av = Vector256.Load(a + kk);
                float* p = r0 + kk;
                s0 = Fma.MultiplyAdd(Vector256.Load(p), av, s0);
                s1 = Fma.MultiplyAdd(Vector256.Load(p + ld), av, s1);
                s2 = Fma.MultiplyAdd(Vector256.Load(p + l2), av, s2);
                s3 = Fma.MultiplyAdd(Vector256.Load(p + l3), av, s3);
                s4 = Fma.MultiplyAdd(Vector256.Load(p + l4), av, s4);
                s5 = Fma.MultiplyAdd(Vector256.Load(p + l5), av, s5);
                s6 = Fma.MultiplyAdd(Vector256.Load(p + l6), av, s6);
                s7 = Fma.MultiplyAdd(Vector256.Load(p + l7), av, s7);
            }
            if (tail > 0)
            {
                Vector256<float> av = Avx.MaskLoad(a + kFull, m);
                float* p = r0 + kFull;
                s0 = Fma.MultiplyAdd(Avx.MaskLoad(p, m), av, s0);
                s1 = Fma.MultiplyAdd(Avx.MaskLoad(p + ld, m), av, s1);
                s2 = Fma.MultiplyAdd(Avx.MaskLoad(p + l2, m), av, s2);
                s3 = Fma.MultiplyAdd(Avx.MaskLoad(p + l3, m), av, s3);
                s4 = Fma.MultiplyAdd(Avx.MaskLoad(p + l4, m), av, s4);
                s5 = Fma.MultiplyAdd(Avx.MaskLoad(p + l5, m), av, s5);
                s6 = Fma.MultiplyAdd(Avx.MaskLoad(p + l6, m), av, s6);
                s7 = Fma.MultiplyAdd(Avx.MaskLoad(p + l7, m), av, s7);
            }
            // hadd(hadd(s0, s1), hadd(s2, s3)) holds, per 128-bit half, the partial sums of rows 0..3; the two halves
            // (and the same for rows 4..7) are then added across lanes.
            Vector256<float> h0 = Avx.HorizontalAdd(Avx.HorizontalAdd(s0, s1), Avx.HorizontalAdd(s2, s3));
            Vector256<float> h1 = Avx.HorizontalAdd(Avx.HorizontalAdd(s4, s5), Avx.HorizontalAdd(s6, s7));
            (Avx.Permute2x128(h0, h1, 0x20) + Avx.Permute2x128(h0, h1, 0x31)).Store(r + j);
        }
        for (; j < rows; j++)
        {
            float* p = x + (long)j * ld;
            Vector256<float> s = default;
            for (int kk = 0; kk < kFull; kk += 8) s = Fma.MultiplyAdd(Vector256.Load(p + kk), Vector256.Load(a + kk), s);
            if (tail > 0) s = Fma.MultiplyAdd(Avx.MaskLoad(p + kFull, m), Avx.MaskLoad(a + kFull, m), s);
            Vector128<float> h = s.GetLower() + s.GetUpper();
            h = Sse3.HorizontalAdd(h, h);
            r[j] = Sse3.HorizontalAdd(h, h).ToScalar();
        }
    }

    /// <summary>
    /// <see cref="DotsF32"/> on 512-bit vectors for rows of k ≥ 64: four rows at a time, each read front to back, with
    /// one shared transposing reduction per four rows. The tail (k mod 16) is the whole vector ending at the row's end,
    /// its lanes before the tail cleared in both operands (so they add exact zeros, whatever they hold); no load is masked
    /// and none leaves its row. Measured at batch 1 on Zen 4 (100×100, W in L2, any alignment of W): 425 ns against
    /// 490 ns for the 8-row 256-bit kernel; eight 512-bit rows at a time took 550 ns, and on 100×40 (L1-resident) the
    /// 256-bit kernel stays ahead, hence the bound on k. The sums differ from the 256-bit kernel's only in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotsF32Avx512(float* x, int ld, int rows, float* a, int k, float* r)
    {
        int kFull = k & ~15, tail = k - kFull;
        long t0 = k - 16;
        Vector512<float> keep = TailLanes(tail), at = tail > 0 ? Vector512.Load(a + t0) & keep : default;
        int j = 0;
        for (; j + 4 <= rows; j += 4)
        {
            float* p0 = x + (long)j * ld, p1 = p0 + ld, p2 = p1 + ld, p3 = p2 + ld;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int kk = 0; kk < kFull; kk += 16)
            {
                Vector512<float> av = Vector512.Load(a + kk);
                s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(p0 + kk), av, s0);
                s1 = Avx512F.FusedMultiplyAdd(Vector512.Load(p1 + kk), av, s1);
                s2 = Avx512F.FusedMultiplyAdd(Vector512.Load(p2 + kk), av, s2);
                s3 = Avx512F.FusedMultiplyAdd(Vector512.Load(p3 + kk), av, s3);
            }
            if (tail > 0)
            {
                s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(p0 + t0) & keep, at, s0);
                s1 = Avx512F.FusedMultiplyAdd(Vector512.Load(p1 + t0) & keep, at, s1);
                s2 = Avx512F.FusedMultiplyAdd(Vector512.Load(p2 + t0) & keep, at, s2);
                s3 = Avx512F.FusedMultiplyAdd(Vector512.Load(p3 + t0) & keep, at, s3);
            }
            Vector256<float> a0 = s0.GetLower() + s0.GetUpper(), a1 = s1.GetLower() + s1.GetUpper();
            Vector256<float> a2 = s2.GetLower() + s2.GetUpper(), a3 = s3.GetLower() + s3.GetUpper();
            Vector256<float> h = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
            (h.GetLower() + h.GetUpper()).Store(r + j);
        }
        for (; j < rows; j++)
        {
            float* p = x + (long)j * ld;
            Vector512<float> s = default;
            for (int kk = 0; kk < kFull; kk += 16) s = Avx512F.FusedMultiplyAdd(Vector512.Load(p + kk), Vector512.Load(a + kk), s);
            if (tail > 0) s = Avx512F.FusedMultiplyAdd(Vector512.Load(p + t0) & keep, at, s);
            Vector256<float> a0 = s.GetLower() + s.GetUpper();
            Vector128<float> h = a0.GetLower() + a0.GetUpper();
            h = Sse3.HorizontalAdd(h, h);
            r[j] = Sse3.HorizontalAdd(h, h).ToScalar();
        }
    }

    /// <summary>All bits set in the last <paramref name="tail"/> (1..16) lanes, zero in the others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TailLanes(int tail)
        => Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(16 - tail)).AsSingle();
}
