using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

/// <summary>Number of 512-bit vectors in a packed B panel (the micro-tile is 8 rows × Vectors·Count columns).</summary>
internal interface IWidth { static abstract int Vectors { get; } }
internal struct W1 : IWidth { public static int Vectors => 1; }
internal struct W2 : IWidth { public static int Vectors => 2; }
internal struct W3 : IWidth { public static int Vectors => 3; }
internal struct W4 : IWidth { public static int Vectors => 4; }

/// <summary>Rows of A a micro-kernel computes: 8 for a full panel; fewer for the partial last panel of a block.</summary>
internal interface IRows { static abstract int Rows { get; } }
internal struct R1 : IRows { public static int Rows => 1; }
internal struct R2 : IRows { public static int Rows => 2; }
internal struct R3 : IRows { public static int Rows => 3; }
internal struct R4 : IRows { public static int Rows => 4; }
internal struct R5 : IRows { public static int Rows => 5; }
internal struct R6 : IRows { public static int Rows => 6; }
internal struct R7 : IRows { public static int Rows => 7; }
internal struct R8 : IRows { public static int Rows => 8; }

public static unsafe partial class Gemm
{
    /// <summary>Rows of the micro-tile (broadcast operand, packed A panel width).</summary>
    internal const int MR = 8;

    /// <summary>
    /// The micro-kernel: an 8 × W·L tile (L = lanes) of A panel (kc × 8) · B panel (kc × W·L), with 8·W accumulators
    /// held in zmm registers (24 for W = 3), written to <paramref name="t"/> (row stride 3 vectors). The panels are
    /// packed (strides 8 and W·L) or, for small operands already laid out that way, read in place (strides lda, ldb).
    /// It is a leaf: with the store in the same method the JIT spilled three accumulators on every k step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Kernel<T, W>(int kc, T* a, long aStride, T* b, long bStride, Vector512<T>* t, T* c, int ldc, int mr)
        where T : unmanaged where W : struct, IWidth
        => Kernel<T, W, R8>(kc, a, aStride, b, bStride, t, c, ldc, mr);

    /// <summary>
    /// <see cref="Kernel{T, W}"/> for the partial last row panel of a block (<paramref name="mr"/> &lt; 8 rows): only the
    /// panel's first <paramref name="mr"/> rows are computed (M = 10 is a panel of 8 and one of 2: the full kernel would
    /// spend 8 rows of multiply-adds on 2). Each computed element gets the same FMA chain as in the full kernel, so
    /// results do not change.
    /// </summary>
    internal static void KernelPartial<T>(int w, int kc, T* a, long aStride, T* b, long bStride, Vector512<T>* t, T* c, int ldc, int mr)
        where T : unmanaged
    {
        if (!Vector512.IsHardwareAccelerated || mr >= MR)
        {
            if (w == 3) Kernel<T, W3>(kc, a, aStride, b, bStride, t, c, ldc, mr);
            else if (w == 2) Kernel<T, W2>(kc, a, aStride, b, bStride, t, c, ldc, mr);
            else Kernel<T, W1>(kc, a, aStride, b, bStride, t, c, ldc, mr);
            return;
        }
        switch (mr)
        {
            case 1: KernelRows<T, R1>(w, kc, a, aStride, b, bStride, t, c, ldc, mr); break;
            case 2: KernelRows<T, R2>(w, kc, a, aStride, b, bStride, t, c, ldc, mr); break;
            case 3: KernelRows<T, R3>(w, kc, a, aStride, b, bStride, t, c, ldc, mr); break;
            case 4: KernelRows<T, R4>(w, kc, a, aStride, b, bStride, t, c, ldc, mr); break;
            case 5: KernelRows<T, R5>(w, kc, a, aStride, b, bStride, t, c, ldc, mr); break;
            case 6: KernelRows<T, R6>(w, kc, a, aStride, b, bStride, t, c, ldc, mr); break;
            default: KernelRows<T, R7>(w, kc, a, aStride, b, bStride, t, c, ldc, mr); break;
        }
    }

    private static void KernelRows<T, R>(int w, int kc, T* a, long aStride, T* b, long bStride, Vector512<T>* t, T* c, int ldc, int mr)
        where T : unmanaged where R : struct, IRows
    {
        if (w == 3) Kernel<T, W3, R>(kc, a, aStride, b, bStride, t, c, ldc, mr);
        else if (w == 2) Kernel<T, W2, R>(kc, a, aStride, b, bStride, t, c, ldc, mr);
        else Kernel<T, W1, R>(kc, a, aStride, b, bStride, t, c, ldc, mr);
    }

    /// <summary><see cref="Kernel{T, W}"/> computing the first R.Rows rows of the tile (rows past them are not written).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel<T, W, R>(int kc, T* a, long aStride, T* b, long bStride, Vector512<T>* t, T* c, int ldc, int mr)
        where T : unmanaged where W : struct, IWidth where R : struct, IRows
    {
        if (!Vector512.IsHardwareAccelerated) { Kernel256<T, W>(kc, a, aStride, b, bStride, t, c, ldc, mr); return; }
        int L = Vector512<T>.Count;
        // Bring the C tile towards L1 while the k loop runs, so the store after it does not wait on L2/L3.
        if (Sse.IsSupported)
            for (int i = 0; i < mr; i++)
            {
                byte* row = (byte*)(c + (long)i * ldc);
                Sse.Prefetch0(row);
                if (W.Vectors >= 2) Sse.Prefetch0(row + 64);
                if (W.Vectors >= 3) Sse.Prefetch0(row + 128);
                Sse.Prefetch0(row + 64 * W.Vectors - 1); // the last line when the row is not 64-byte aligned
            }
        Vector512<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<T> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<T> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            Vector512<T> b0 = Vector512.Load(b);
            Vector512<T> b1 = W.Vectors >= 2 ? Vector512.Load(b + L) : default;
            Vector512<T> b2 = W.Vectors >= 3 ? Vector512.Load(b + 2 * L) : default;
            Vector512<T> av = Vector512.Create(a[0]);
            c00 = Simd.Fma(av, b0, c00);
            if (W.Vectors >= 2) c01 = Simd.Fma(av, b1, c01);
            if (W.Vectors >= 3) c02 = Simd.Fma(av, b2, c02);
            if (R.Rows > 1)
            {
                av = Vector512.Create(a[1]);
                c10 = Simd.Fma(av, b0, c10);
                if (W.Vectors >= 2) c11 = Simd.Fma(av, b1, c11);
                if (W.Vectors >= 3) c12 = Simd.Fma(av, b2, c12);
            }
            if (R.Rows > 2)
            {
                av = Vector512.Create(a[2]);
                c20 = Simd.Fma(av, b0, c20);
                if (W.Vectors >= 2) c21 = Simd.Fma(av, b1, c21);
                if (W.Vectors >= 3) c22 = Simd.Fma(av, b2, c22);
            }
            if (R.Rows > 3)
            {
                av = Vector512.Create(a[3]);
                c30 = Simd.Fma(av, b0, c30);
                if (W.Vectors >= 2) c31 = Simd.Fma(av, b1, c31);
                if (W.Vectors >= 3) c32 = Simd.Fma(av, b2, c32);
            }
            if (R.Rows > 4)
            {
                av = Vector512.Create(a[4]);
                c40 = Simd.Fma(av, b0, c40);
                if (W.Vectors >= 2) c41 = Simd.Fma(av, b1, c41);
                if (W.Vectors >= 3) c42 = Simd.Fma(av, b2, c42);
            }
            if (R.Rows > 5)
            {
                av = Vector512.Create(a[5]);
                c50 = Simd.Fma(av, b0, c50);
                if (W.Vectors >= 2) c51 = Simd.Fma(av, b1, c51);
                if (W.Vectors >= 3) c52 = Simd.Fma(av, b2, c52);
            }
            if (R.Rows > 6)
            {
                av = Vector512.Create(a[6]);
                c60 = Simd.Fma(av, b0, c60);
                if (W.Vectors >= 2) c61 = Simd.Fma(av, b1, c61);
                if (W.Vectors >= 3) c62 = Simd.Fma(av, b2, c62);
            }
            if (R.Rows > 7)
            {
                av = Vector512.Create(a[7]);
                c70 = Simd.Fma(av, b0, c70);
                if (W.Vectors >= 2) c71 = Simd.Fma(av, b1, c71);
                if (W.Vectors >= 3) c72 = Simd.Fma(av, b2, c72);
            }
            a += aStride;
            b += bStride;
        }
        t[0] = c00; if (W.Vectors >= 2) t[1] = c01; if (W.Vectors >= 3) t[2] = c02;
        if (R.Rows > 1) { t[3] = c10; if (W.Vectors >= 2) t[4] = c11; if (W.Vectors >= 3) t[5] = c12; }
        if (R.Rows > 2) { t[6] = c20; if (W.Vectors >= 2) t[7] = c21; if (W.Vectors >= 3) t[8] = c22; }
        if (R.Rows > 3) { t[9] = c30; if (W.Vectors >= 2) t[10] = c31; if (W.Vectors >= 3) t[11] = c32; }
        if (R.Rows > 4) { t[12] = c40; if (W.Vectors >= 2) t[13] = c41; if (W.Vectors >= 3) t[14] = c42; }
        if (R.Rows > 5) { t[15] = c50; if (W.Vectors >= 2) t[16] = c51; if (W.Vectors >= 3) t[17] = c52; }
        if (R.Rows > 6) { t[18] = c60; if (W.Vectors >= 2) t[19] = c61; if (W.Vectors >= 3) t[20] = c62; }
        if (R.Rows > 7) { t[21] = c70; if (W.Vectors >= 2) t[22] = c71; if (W.Vectors >= 3) t[23] = c72; }
    }

    /// <summary>
    /// <see cref="Kernel{T, W}"/> where Vector512 is not hardware accelerated (AVX2 only: it would run as pairs of ymm
    /// operations, 48 accumulators on 16 registers). The same 8 × W·L tile, same panels and the same arithmetic per
    /// element (one FMA chain over k in order, so the results are bit-identical), computed in passes of 4 rows ×
    /// 3 (W = 3) or 2 (W = 1, 2) ymm columns: 12 or 8 accumulators, the B vectors and one broadcast fit the 16 ymm
    /// registers. Rows past <paramref name="mr"/> are skipped when the whole second half is past it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256<T, W>(int kc, T* a, long aStride, T* b, long bStride, Vector512<T>* t, T* c, int ldc, int mr)
        where T : unmanaged where W : struct, IWidth
    {
        int H = Vector256<T>.Count, ymm = 2 * W.Vectors, rowStride = 3 * Vector512<T>.Count;
        if (Sse.IsSupported)
            for (int i = 0; i < mr; i++)
            {
                byte* row = (byte*)(c + (long)i * ldc);
                Sse.Prefetch0(row);
                if (W.Vectors >= 2) Sse.Prefetch0(row + 64);
                if (W.Vectors >= 3) Sse.Prefetch0(row + 128);
                Sse.Prefetch0(row + 64 * W.Vectors - 1);
            }
        T* tt = (T*)t;
        for (int r0 = 0; r0 < mr; r0 += 4)
        {
            if (W.Vectors == 3)
            {
                Pass4x3(kc, a + r0, aStride, b, bStride, tt + r0 * rowStride, rowStride);
                Pass4x3(kc, a + r0, aStride, b + 3 * H, bStride, tt + r0 * rowStride + 3 * H, rowStride);
            }
            else
                for (int j = 0; j < ymm; j += 2)
                    Pass4x2(kc, a + r0, aStride, b + j * H, bStride, tt + r0 * rowStride + j * H, rowStride);
        }
    }

    /// <summary>4 rows × 3 ymm columns of <see cref="Kernel256{T, W}"/>: 12 accumulators, 3 B vectors, 1 broadcast.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pass4x3<T>(int kc, T* a, long aStride, T* b, long bStride, T* t, int rowStride) where T : unmanaged
    {
        int H = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            Vector256<T> b0 = Vector256.Load(b), b1 = Vector256.Load(b + H), b2 = Vector256.Load(b + 2 * H);
            Vector256<T> av = Vector256.Create(a[0]);
            c00 = Simd.Fma(av, b0, c00); c01 = Simd.Fma(av, b1, c01); c02 = Simd.Fma(av, b2, c02);
            av = Vector256.Create(a[1]);
            c10 = Simd.Fma(av, b0, c10); c11 = Simd.Fma(av, b1, c11); c12 = Simd.Fma(av, b2, c12);
            av = Vector256.Create(a[2]);
            c20 = Simd.Fma(av, b0, c20); c21 = Simd.Fma(av, b1, c21); c22 = Simd.Fma(av, b2, c22);
            av = Vector256.Create(a[3]);
            c30 = Simd.Fma(av, b0, c30); c31 = Simd.Fma(av, b1, c31); c32 = Simd.Fma(av, b2, c32);
            a += aStride;
            b += bStride;
        }
        c00.Store(t); c01.Store(t + H); c02.Store(t + 2 * H); t += rowStride;
        c10.Store(t); c11.Store(t + H); c12.Store(t + 2 * H); t += rowStride;
        c20.Store(t); c21.Store(t + H); c22.Store(t + 2 * H); t += rowStride;
        c30.Store(t); c31.Store(t + H); c32.Store(t + 2 * H);
    }

    /// <summary>4 rows × 2 ymm columns of <see cref="Kernel256{T, W}"/>: 8 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pass4x2<T>(int kc, T* a, long aStride, T* b, long bStride, T* t, int rowStride) where T : unmanaged
    {
        int H = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<T> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            Vector256<T> b0 = Vector256.Load(b), b1 = Vector256.Load(b + H);
            Vector256<T> av = Vector256.Create(a[0]);
            c00 = Simd.Fma(av, b0, c00); c01 = Simd.Fma(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Simd.Fma(av, b0, c10); c11 = Simd.Fma(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Simd.Fma(av, b0, c20); c21 = Simd.Fma(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Simd.Fma(av, b0, c30); c31 = Simd.Fma(av, b1, c31);
            a += aStride;
            b += bStride;
        }
        c00.Store(t); c01.Store(t + H); t += rowStride;
        c10.Store(t); c11.Store(t + H); t += rowStride;
        c20.Store(t); c21.Store(t + H); t += rowStride;
        c30.Store(t); c31.Store(t + H);
    }

    /// <summary>Stores an 8 × w-vector tile held at <paramref name="t"/> (row stride 3 vectors) through the epilogue.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void StoreTile<T>(ref readonly Problem<T> p, Vector512<T>* t, int w, T* c, int row, int col,
        int mr, int nr, bool first, bool last) where T : unmanaged
    {
        int L = Vector512<T>.Count;
        bool epi = last && p.HasEpilogue;
        if (nr == w * L)
        {
            // Full tile: the mode decisions are made once here instead of per vector.
            if (!first)
            {
                if (epi) StoreFull<T, Accumulate, Yes>(in p, t, w, c, row, col, mr);
                else StoreFull<T, Accumulate, No>(in p, t, w, c, row, col, mr);
            }
            else if (Simd.IsZero(p.Beta))
            {
                if (epi) StoreFull<T, Overwrite, Yes>(in p, t, w, c, row, col, mr);
                else StoreFull<T, Overwrite, No>(in p, t, w, c, row, col, mr);
            }
            else
            {
                if (epi) StoreFull<T, ScaleC, Yes>(in p, t, w, c, row, col, mr);
                else StoreFull<T, ScaleC, No>(in p, t, w, c, row, col, mr);
            }
            return;
        }
        for (int i = 0; i < mr; i++, t += 3, c += p.Ldc)
        {
            StoreVec(in p, c, t[0], row + i, col, nr, first, last);
            if (w >= 2) StoreVec(in p, c + L, t[1], row + i, col + L, nr - L, first, last);
            if (w >= 3) StoreVec(in p, c + 2 * L, t[2], row + i, col + 2 * L, nr - 2 * L, first, last);
        }
    }

    private interface IStoreMode { static abstract int Mode { get; } }
    private struct Overwrite : IStoreMode { public static int Mode => 0; }  // C = alpha·x
    private struct ScaleC : IStoreMode { public static int Mode => 1; }     // C = alpha·x + beta·C
    private struct Accumulate : IStoreMode { public static int Mode => 2; } // C = alpha·x + C
    internal interface IFlag { static abstract bool On { get; } }
    internal struct Yes : IFlag { public static bool On => true; }
    internal struct No : IFlag { public static bool On => false; }

    /// <summary>Stores a tile whose columns are all valid; same arithmetic as <see cref="StoreVec{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreFull<T, TMode, TEpi>(ref readonly Problem<T> p, Vector512<T>* t, int w, T* c, int row, int col, int mr)
        where T : unmanaged where TMode : struct, IStoreMode where TEpi : struct, IFlag
    {
        int L = Vector512<T>.Count;
        Vector512<T> alpha = Vector512.Create(p.Alpha), beta = Vector512.Create(p.Beta);
        Vector512<T>* bias = stackalloc Vector512<T>[3];
        bool colBias = TEpi.On && p.BiasMode == BiasMode.PerColumn;
        if (colBias)
            for (int v = 0; v < w; v++) bias[v] = Vector512.Load(p.Bias + col + v * L);
        for (int i = 0; i < mr; i++, t += 3, c += p.Ldc)
        {
            for (int v = 0; v < w; v++)
            {
                T* cv = c + v * L;
                Vector512<T> r = TMode.Mode == 0 ? t[v] * alpha
                    : TMode.Mode == 2 ? Simd.Fma(t[v], alpha, Vector512.Load(cv))
                    : Simd.Fma(t[v], alpha, beta * Vector512.Load(cv));
                if (TEpi.On)
                {
                    if (colBias) r += bias[v];
                    else if (p.BiasMode == BiasMode.PerRow) r += Vector512.Create(p.Bias[row + i]);
                    if (p.Relu) r = Vector512.Max(r, Vector512<T>.Zero);
                    if (p.Mask != null)
                    {
                        Vector512<T> mk = Vector512.Load(p.Mask + (long)(row + i) * p.LdMask + col + v * L);
                        r = Vector512.ConditionalSelect(Vector512.GreaterThan(mk, Vector512<T>.Zero), r, Vector512<T>.Zero);
                    }
                }
                Vector512.Store(r, cv);
            }
        }
    }

    /// <summary>
    /// Stores one vector of results (up to <paramref name="count"/> lanes) for C[row, col..]: alpha·x + beta·C on the
    /// first k block, alpha·x + C on later ones, and the epilogue on the last.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreVec<T>(ref readonly Problem<T> p, T* c, Vector512<T> x, int row, int col, int count,
        bool first, bool last) where T : unmanaged
    {
        Vector512<T> v;
        if (!first) v = Simd.Fma(x, Vector512.Create(p.Alpha), Simd.Load(c, count));
        else if (Simd.IsZero(p.Beta)) v = x * Vector512.Create(p.Alpha);
        else v = Simd.Fma(x, Vector512.Create(p.Alpha), Vector512.Create(p.Beta) * Simd.Load(c, count));
        if (last) v = Epilogue(in p, v, row, col, count);
        Simd.Store(c, v, count);
    }

    /// <summary>Bias, activation and mask for C[row, col .. col + count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<T> Epilogue<T>(ref readonly Problem<T> p, Vector512<T> v, int row, int col, int count)
        where T : unmanaged
    {
        if (p.BiasMode == BiasMode.PerColumn) v += Simd.Load(p.Bias + col, count);
        else if (p.BiasMode == BiasMode.PerRow) v += Vector512.Create(p.Bias[row]);
        if (p.Relu) v = Vector512.Max(v, Vector512<T>.Zero);
        if (p.Mask != null)
        {
            Vector512<T> mk = Simd.Load(p.Mask + (long)row * p.LdMask + col, count);
            v = Vector512.ConditionalSelect(Vector512.GreaterThan(mk, Vector512<T>.Zero), v, Vector512<T>.Zero);
        }
        return v;
    }
}
