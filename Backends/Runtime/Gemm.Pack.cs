using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    // Packed layouts (BLIS style):
    //   A block mc×kc → panels of MR = 8 rows; panel ir at dst + ir·kc holds element (r, kk) at kk·8 + r (zero rows past m).
    //   B block kc×nc → panels of NR = 3·L columns (the last one W·L wide); panel jr at dst + jr·kc holds (kk, j) at
    //   kk·width + j (zero columns past n).
    // Transposed storage is handled here with 8×8 (float) or 4×4 (double) register transposes; never materialized.

    /// <summary>Packs op(A)[ic .. ic+mc, pc .. pc+kc] into MR-row panels (only the partial last one if <paramref name="edgeOnly"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackA<T>(ref readonly Problem<T> p, int ic, int mc, int pc, int kc, T* dst, bool edgeOnly = false) where T : unmanaged
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = System.Math.Min(MR, mc - ir);
            if (edgeOnly && mr == MR) continue;
            T* d = dst + (long)ir * kc;
            if (p.TransA)
                CopyRows(p.A + (long)pc * p.Lda + ic + ir, p.Lda, kc, mr, MR, d);
            else
                Transpose(p.A + (long)(ic + ir) * p.Lda + pc, p.Lda, mr, kc, MR, d);
        }
    }

    /// <summary>Packs op(B)[pc .. pc+kc, jc .. jc+nc] into NR-column panels (only the partial last one if <paramref name="edgeOnly"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackB<T>(ref readonly Problem<T> p, int pc, int kc, int jc, int nc, T* dst, bool edgeOnly = false) where T : unmanaged
    {
        int L = Vector512<T>.Count, nrMax = 3 * L;
        for (int jr = 0; jr < nc; jr += nrMax)
        {
            int nr = System.Math.Min(nrMax, nc - jr);
            if (edgeOnly && nr == nrMax) continue;
            int width = (nr + L - 1) / L * L;
            T* d = dst + (long)jr * kc;
            if (p.TransB)
                Transpose(p.B + (long)(jc + jr) * p.Ldb + pc, p.Ldb, nr, kc, width, d);
            else
                CopyRows(p.B + (long)pc * p.Ldb + jc + jr, p.Ldb, kc, nr, width, d);
        }
    }

    /// <summary>d[kk·width + j] = s[kk·ld + j] for j &lt; cols, zero for cols ≤ j &lt; width (width ≤ 3·L).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyRows<T>(T* s, int ld, int rows, int cols, int width, T* d) where T : unmanaged
    {
        if (typeof(T) == typeof(float) && width == MR && Avx.IsSupported)
        {
            // A panel from transposed storage: 8 floats per k.
            if (cols == MR)
                for (int kk = 0; kk < rows; kk++) Vector256.Store(Vector256.Load((float*)s + (long)kk * ld), (float*)d + kk * MR);
            else
                for (int kk = 0; kk < rows; kk++) Vector256.Store(Simd.LoadFirst((float*)s + (long)kk * ld, cols).GetLower(), (float*)d + kk * MR);
            return;
        }
        int L = Vector512<T>.Count;
        for (int kk = 0; kk < rows; kk++)
        {
            T* src = s + (long)kk * ld, dd = d + (long)kk * width;
            for (int j = 0; j < width; j += L)
                Vector512.Store(Simd.LoadFirstOrFull(src + j, cols - j), dd + j);
        }
    }

    /// <summary>
    /// d[kk·width + r] = s[r·ld + kk] for r &lt; rows, zero for rows ≤ r &lt; width; kk &lt; kc. The source is a rows×kc
    /// row-major block; the destination holds its transpose with rows padded to <paramref name="width"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose<T>(T* s, int ld, int rows, int kc, int width, T* d) where T : unmanaged
    {
        if (Avx.IsSupported)
        {
            if (typeof(T) == typeof(float)) { Transpose8((float*)s, ld, rows, kc, width, (float*)d); return; }
            Transpose4((double*)s, ld, rows, kc, width, (double*)d);
            return;
        }
        TransposeScalar(s, ld, rows, 0, kc, width, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeScalar<T>(T* s, int ld, int rows, int k0, int kc, int width, T* d) where T : unmanaged
    {
        for (int kk = k0; kk < kc; kk++)
        {
            T* dd = d + (long)kk * width;
            for (int r = 0; r < rows; r++) dd[r] = s[(long)r * ld + kk];
            for (int r = rows; r < width; r++) dd[r] = default;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8(float* s, int ld, int rows, int kc, int width, float* d)
    {
        int k8 = kc & ~7;
        for (int r0 = 0; r0 < width; r0 += 8)
        {
            int valid = rows - r0;
            float* sr = s + (long)r0 * ld;
            float* dr = d + r0;
            if (valid >= 8)
            {
                for (int kk = 0; kk < k8; kk += 8)
                {
                    float* q = sr + kk;
                    Transpose8x8(Vector256.Load(q), Vector256.Load(q + ld), Vector256.Load(q + 2 * ld), Vector256.Load(q + 3 * ld),
                        Vector256.Load(q + 4 * ld), Vector256.Load(q + 5 * ld), Vector256.Load(q + 6 * ld), Vector256.Load(q + 7 * (long)ld),
                        dr + (long)kk * width, width);
                }
            }
            else if (valid > 0)
            {
                for (int kk = 0; kk < k8; kk += 8)
                {
                    float* q = sr + kk;
                    Transpose8x8(Vector256.Load(q), Row(q, ld, 1, valid), Row(q, ld, 2, valid), Row(q, ld, 3, valid),
                        Row(q, ld, 4, valid), Row(q, ld, 5, valid), Row(q, ld, 6, valid), Row(q, ld, 7, valid),
                        dr + (long)kk * width, width);
                }
            }
            else
            {
                for (int kk = 0; kk < k8; kk++) Vector256.Store(Vector256<float>.Zero, dr + (long)kk * width);
            }
        }
        if (k8 < kc) TransposeScalar(s, ld, rows, k8, kc, width, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row(float* q, int ld, int r, int valid)
        => r < valid ? Vector256.Load(q + (long)r * ld) : Vector256<float>.Zero;

    /// <summary>Transposes the 8×8 block with rows r0..r7 and stores row i of the transpose at d + i·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* d, int stride)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Vector256.Store(Avx.Permute2x128(u0, u4, 0x20), d);
        Vector256.Store(Avx.Permute2x128(u1, u5, 0x20), d + stride);
        Vector256.Store(Avx.Permute2x128(u2, u6, 0x20), d + 2 * stride);
        Vector256.Store(Avx.Permute2x128(u3, u7, 0x20), d + 3 * stride);
        Vector256.Store(Avx.Permute2x128(u0, u4, 0x31), d + 4 * stride);
        Vector256.Store(Avx.Permute2x128(u1, u5, 0x31), d + 5 * stride);
        Vector256.Store(Avx.Permute2x128(u2, u6, 0x31), d + 6 * stride);
        Vector256.Store(Avx.Permute2x128(u3, u7, 0x31), d + 7 * stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose4(double* s, int ld, int rows, int kc, int width, double* d)
    {
        int k4 = kc & ~3;
        for (int r0 = 0; r0 < width; r0 += 4)
        {
            int valid = rows - r0;
            double* sr = s + (long)r0 * ld;
            double* dr = d + r0;
            if (valid <= 0)
            {
                for (int kk = 0; kk < k4; kk++) Vector256.Store(Vector256<double>.Zero, dr + (long)kk * width);
                continue;
            }
            for (int kk = 0; kk < k4; kk += 4)
            {
                double* q = sr + kk;
                Vector256<double> a0 = Vector256.Load(q);
                Vector256<double> a1 = valid > 1 ? Vector256.Load(q + ld) : default;
                Vector256<double> a2 = valid > 2 ? Vector256.Load(q + 2 * ld) : default;
                Vector256<double> a3 = valid > 3 ? Vector256.Load(q + 3 * (long)ld) : default;
                Vector256<double> t0 = Avx.UnpackLow(a0, a1), t1 = Avx.UnpackHigh(a0, a1);
                Vector256<double> t2 = Avx.UnpackLow(a2, a3), t3 = Avx.UnpackHigh(a2, a3);
                double* o = dr + (long)kk * width;
                Vector256.Store(Avx.Permute2x128(t0, t2, 0x20), o);
                Vector256.Store(Avx.Permute2x128(t1, t3, 0x20), o + width);
                Vector256.Store(Avx.Permute2x128(t0, t2, 0x31), o + 2 * width);
                Vector256.Store(Avx.Permute2x128(t1, t3, 0x31), o + 3 * width);
            }
        }
        if (k4 < kc) TransposeScalar(s, ld, rows, k4, kc, width, d);
    }
}
