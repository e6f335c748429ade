using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>
    /// Direct paths with a tiny fixed cost and no packing: m = 1 or n = 1 (GEMV as dot products or as accumulated
    /// axpy rows) and k = 1 (outer product). Returns false when the packed path should run.
    /// </summary>
    internal static bool TrySmall<T>(ref readonly Problem<T> p) where T : unmanaged
    {
        if (p.M == 1) { RowTimesMatrix(in p); return true; }
        if (p.K == 1) { OuterProduct(in p); return true; }
        if (p.N == 1) { MatrixTimesColumn(in p); return true; }
        return false;
    }

    /// <summary>m = 1: C[0, :] = alpha·a·op(B) + beta·C[0, :], epilogue fused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowTimesMatrix<T>(ref readonly Problem<T> p) where T : unmanaged
    {
        int K = p.K, N = p.N, L = Vector512<T>.Count;
        int aStride = p.TransA ? p.Lda : 1;
        int aRoom = aStride == 1 ? 0 : Pad(K, L);
        T* s = Scratch<T>.V(aRoom + (p.TransB ? Pad(N, L) : 0) + L);
        T* a = aStride == 1 ? p.A : Gather(p.A, aStride, K, s);
        if (!p.TransB) { AxpyRows(a, p.B, p.Ldb, K, N, in p, 0); return; }
        T* r = s + aRoom;
        DotsTo(p.B, p.Ldb, N, a, K, r);
        for (int j = 0; j < N; j += L)
            StoreVec(in p, p.C + j, Vector512.Load(r + j), 0, j, Math.Min(L, N - j), true, true);
    }

    /// <summary>n = 1: C[:, 0] = alpha·op(A)·b + beta·C[:, 0], epilogue fused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatrixTimesColumn<T>(ref readonly Problem<T> p) where T : unmanaged
    {
        int K = p.K, M = p.M, L = Vector512<T>.Count;
        int bStride = p.TransB ? 1 : p.Ldb;
        int bRoom = bStride == 1 ? 0 : Pad(K, L);
        T* s = Scratch<T>.V(bRoom + Pad(M, L) + L);
        T* b = bStride == 1 ? p.B : Gather(p.B, bStride, K, s);
        T* r = s + bRoom;
        if (!p.TransA) DotsTo(p.A, p.Lda, M, b, K, r);
        else AxpyTo(b, p.A, p.Lda, K, M, r);
        for (int i = 0; i < M; i++)
            StoreVec(in p, p.C + (long)i * p.Ldc, Vector512.Create(r[i]), i, 0, 1, true, true);
    }

    /// <summary>k = 1: C[i, j] = alpha·a_i·b_j + beta·C[i, j], epilogue fused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OuterProduct<T>(ref readonly Problem<T> p) where T : unmanaged
    {
        int M = p.M, N = p.N, L = Vector512<T>.Count;
        int bStride = p.TransB ? p.Ldb : 1;
        T* b = bStride == 1 ? p.B : Gather(p.B, bStride, N, Scratch<T>.V(Pad(N, L)));
        long aStride = p.TransA ? 1 : p.Lda;
        for (int i = 0; i < M; i++)
        {
            Vector512<T> av = Vector512.Create(p.A[i * aStride]);
            T* c = p.C + (long)i * p.Ldc;
            int j = 0;
            for (; j + L <= N; j += L) StoreVec(in p, c + j, av * Vector512.Load(b + j), i, j, L, true, true);
            if (j < N) StoreVec(in p, c + j, av * Simd.LoadFirst(b + j, N - j), i, j, N - j, true, true);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Pad(int count, int lanes) => (count + lanes - 1) / lanes * lanes;

    /// <summary>Copies a strided vector into <paramref name="dst"/> and returns it.</summary>
    private static T* Gather<T>(T* x, int stride, int count, T* dst) where T : unmanaged
    {
        for (int i = 0; i < count; i++) dst[i] = x[(long)i * stride];
        return dst;
    }

    /// <summary>r[j] = dot(x[j·ld .. j·ld + k), a[0 .. k)) for j &lt; rows; r has room for a whole last vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotsTo<T>(T* x, int ld, int rows, T* a, int k, T* r) where T : unmanaged
    {
        int L = Vector512<T>.Count;
        int kFull = k / L * L, tail = k - kFull;
        int j = 0;
        for (; j + 4 <= rows; j += 4)
        {
            T* x0 = x + (long)j * ld, x1 = x0 + ld, x2 = x1 + ld, x3 = x2 + ld;
            Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int kk = 0; kk < kFull; kk += L)
            {
                Vector512<T> av = Vector512.Load(a + kk);
                s0 = Simd.Fma(av, Vector512.Load(x0 + kk), s0);
                s1 = Simd.Fma(av, Vector512.Load(x1 + kk), s1);
                s2 = Simd.Fma(av, Vector512.Load(x2 + kk), s2);
                s3 = Simd.Fma(av, Vector512.Load(x3 + kk), s3);
            }
            if (tail > 0)
            {
                Vector512<T> av = Simd.LoadFirst(a + kFull, tail);
                s0 = Simd.Fma(av, Simd.LoadFirst(x0 + kFull, tail), s0);
                s1 = Simd.Fma(av, Simd.LoadFirst(x1 + kFull, tail), s1);
                s2 = Simd.Fma(av, Simd.LoadFirst(x2 + kFull, tail), s2);
                s3 = Simd.Fma(av, Simd.LoadFirst(x3 + kFull, tail), s3);
            }
            r[j] = Vector512.Sum(s0); r[j + 1] = Vector512.Sum(s1); r[j + 2] = Vector512.Sum(s2); r[j + 3] = Vector512.Sum(s3);
        }
        for (; j < rows; j++)
        {
            T* x0 = x + (long)j * ld;
            Vector512<T> s0 = default;
            for (int kk = 0; kk < kFull; kk += L) s0 = Simd.Fma(Vector512.Load(a + kk), Vector512.Load(x0 + kk), s0);
            if (tail > 0) s0 = Simd.Fma(Simd.LoadFirst(a + kFull, tail), Simd.LoadFirst(x0 + kFull, tail), s0);
            r[j] = Vector512.Sum(s0);
        }
    }

    /// <summary>C[row, :n] from Σ_kk a[kk]·B[kk, :] with the accumulators in registers (4 vectors per pass).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AxpyRows<T>(T* a, T* b, int ldb, int k, int n, ref readonly Problem<T> p, int row) where T : unmanaged
    {
        int L = Vector512<T>.Count;
        T* c = p.C + (long)row * p.Ldc;
        int j = 0;
        for (; j + 4 * L <= n; j += 4 * L)
        {
            Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default;
            T* bj = b + j;
            for (int kk = 0; kk < k; kk++, bj += ldb)
            {
                Vector512<T> av = Vector512.Create(a[kk]);
                s0 = Simd.Fma(av, Vector512.Load(bj), s0);
                s1 = Simd.Fma(av, Vector512.Load(bj + L), s1);
                s2 = Simd.Fma(av, Vector512.Load(bj + 2 * L), s2);
                s3 = Simd.Fma(av, Vector512.Load(bj + 3 * L), s3);
            }
            StoreVec(in p, c + j, s0, row, j, L, true, true);
            StoreVec(in p, c + j + L, s1, row, j + L, L, true, true);
            StoreVec(in p, c + j + 2 * L, s2, row, j + 2 * L, L, true, true);
            StoreVec(in p, c + j + 3 * L, s3, row, j + 3 * L, L, true, true);
        }
        for (; j < n; j += L)
        {
            int cnt = Math.Min(L, n - j);
            Vector512<T> s0 = default;
            T* bj = b + j;
            if (cnt == L) for (int kk = 0; kk < k; kk++, bj += ldb) s0 = Simd.Fma(Vector512.Create(a[kk]), Vector512.Load(bj), s0);
            else for (int kk = 0; kk < k; kk++, bj += ldb) s0 = Simd.Fma(Vector512.Create(a[kk]), Simd.LoadFirst(bj, cnt), s0);
            StoreVec(in p, c + j, s0, row, j, cnt, true, true);
        }
    }

    /// <summary>r[:n] = Σ_kk a[kk]·X[kk, :n] (X row stride ld); r has room for a whole last vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AxpyTo<T>(T* a, T* x, int ld, int k, int n, T* r) where T : unmanaged
    {
        int L = Vector512<T>.Count;
        for (int j = 0; j < n; j += L)
        {
            int cnt = Math.Min(L, n - j);
            Vector512<T> s0 = default;
            T* xj = x + j;
            if (cnt == L) for (int kk = 0; kk < k; kk++, xj += ld) s0 = Simd.Fma(Vector512.Create(a[kk]), Vector512.Load(xj), s0);
            else for (int kk = 0; kk < k; kk++, xj += ld) s0 = Simd.Fma(Vector512.Create(a[kk]), Simd.LoadFirst(xj, cnt), s0);
            Vector512.Store(s0, r + j);
        }
    }
}
