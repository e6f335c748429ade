using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

/// <summary>Number of 512-bit vectors in a packed B panel (the micro-tile is 8 rows × Vectors·Count columns).</summary>
internal interface IWidth { static abstract int Vectors { get; } }
internal struct W1 : IWidth { public static int Vectors => 1; }
internal struct W2 : IWidth { public static int Vectors => 2; }
internal struct W3 : IWidth { public static int Vectors => 3; }

public static unsafe partial class Gemm
{
    /// <summary>Rows of the micro-tile (broadcast operand, packed A panel width).</summary>
    internal const int MR = 8;

    /// <summary>
    /// The micro-kernel: an 8 × W·L tile (L = lanes) of packed A panel (kc × 8) · packed B panel (kc × W·L), with
    /// 8·W accumulators held in zmm registers (24 for W = 3), written to <paramref name="t"/> (row stride 3 vectors).
    /// It is a leaf: with the store in the same method the JIT spilled three accumulators on every k step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel<T, W>(int kc, T* a, T* b, Vector512<T>* t)
        where T : unmanaged where W : struct, IWidth
    {
        int L = Vector512<T>.Count;
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
            av = Vector512.Create(a[1]);
            c10 = Simd.Fma(av, b0, c10);
            if (W.Vectors >= 2) c11 = Simd.Fma(av, b1, c11);
            if (W.Vectors >= 3) c12 = Simd.Fma(av, b2, c12);
            av = Vector512.Create(a[2]);
            c20 = Simd.Fma(av, b0, c20);
            if (W.Vectors >= 2) c21 = Simd.Fma(av, b1, c21);
            if (W.Vectors >= 3) c22 = Simd.Fma(av, b2, c22);
            av = Vector512.Create(a[3]);
            c30 = Simd.Fma(av, b0, c30);
            if (W.Vectors >= 2) c31 = Simd.Fma(av, b1, c31);
            if (W.Vectors >= 3) c32 = Simd.Fma(av, b2, c32);
            av = Vector512.Create(a[4]);
            c40 = Simd.Fma(av, b0, c40);
            if (W.Vectors >= 2) c41 = Simd.Fma(av, b1, c41);
            if (W.Vectors >= 3) c42 = Simd.Fma(av, b2, c42);
            av = Vector512.Create(a[5]);
            c50 = Simd.Fma(av, b0, c50);
            if (W.Vectors >= 2) c51 = Simd.Fma(av, b1, c51);
            if (W.Vectors >= 3) c52 = Simd.Fma(av, b2, c52);
            av = Vector512.Create(a[6]);
            c60 = Simd.Fma(av, b0, c60);
            if (W.Vectors >= 2) c61 = Simd.Fma(av, b1, c61);
            if (W.Vectors >= 3) c62 = Simd.Fma(av, b2, c62);
            av = Vector512.Create(a[7]);
            c70 = Simd.Fma(av, b0, c70);
            if (W.Vectors >= 2) c71 = Simd.Fma(av, b1, c71);
            if (W.Vectors >= 3) c72 = Simd.Fma(av, b2, c72);
            a += MR;
            b += W.Vectors * L;
        }
        t[0] = c00; if (W.Vectors >= 2) t[1] = c01; if (W.Vectors >= 3) t[2] = c02;
        t[3] = c10; if (W.Vectors >= 2) t[4] = c11; if (W.Vectors >= 3) t[5] = c12;
        t[6] = c20; if (W.Vectors >= 2) t[7] = c21; if (W.Vectors >= 3) t[8] = c22;
        t[9] = c30; if (W.Vectors >= 2) t[10] = c31; if (W.Vectors >= 3) t[11] = c32;
        t[12] = c40; if (W.Vectors >= 2) t[13] = c41; if (W.Vectors >= 3) t[14] = c42;
        t[15] = c50; if (W.Vectors >= 2) t[16] = c51; if (W.Vectors >= 3) t[17] = c52;
        t[18] = c60; if (W.Vectors >= 2) t[19] = c61; if (W.Vectors >= 3) t[20] = c62;
        t[21] = c70; if (W.Vectors >= 2) t[22] = c71; if (W.Vectors >= 3) t[23] = c72;
    }

    /// <summary>Stores an 8 × w-vector tile held at <paramref name="t"/> (row stride 3 vectors) through the epilogue.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void StoreTile<T>(ref readonly Problem<T> p, Vector512<T>* t, int w, T* c, int row, int col,
        int mr, int nr, bool first, bool last) where T : unmanaged
    {
        int L = Vector512<T>.Count;
        for (int i = 0; i < mr; i++, t += 3, c += p.Ldc)
        {
            StoreVec(in p, c, t[0], row + i, col, nr, first, last);
            if (w >= 2) StoreVec(in p, c + L, t[1], row + i, col + L, nr - L, first, last);
            if (w >= 3) StoreVec(in p, c + 2 * L, t[2], row + i, col + 2 * L, nr - 2 * L, first, last);
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
