using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>
    /// Direct paths with a tiny fixed cost and no packing: m = 1 or n = 1 (GEMV as dot products or as accumulated
    /// axpy rows) and k = 1 (outer product). Returns false when the packed path should run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        if (aStride == 1 && !p.TransB) { AxpyRows(p.A, p.B, p.Ldb, K, N, in p, 0); return; }
        int aRoom = aStride == 1 ? 0 : Pad(K, L);
        T* s = Scratch<T>.V(aRoom + (p.TransB ? Pad(N, L) : 0) + L);
        T* a = aStride == 1 ? p.A : Gather(p.A, aStride, K, s);
        if (!p.TransB) { AxpyRows(a, p.B, p.Ldb, K, N, in p, 0); return; }
        T* r = s + aRoom;
        DotsTo(p.B, p.Ldb, N, a, K, r);
        StoreRowFrom(in p, r, 0, p.C, N);
    }

    /// <summary>Writes C[row, 0..n) from unscaled results r (alpha·r + beta·C, then the epilogue), with the
    /// mode chosen once per row rather than per vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreRowFrom<T>(ref readonly Problem<T> p, T* r, int row, T* c, int n) where T : unmanaged
    {
        int L = Vector512<T>.Count, j = 0;
        if (p.HasEpilogue)
        {
            for (; j < n; j += L) StoreVec(in p, c + j, Vector512.Load(r + j), row, j, Math.Min(L, n - j), true, true);
            return;
        }
        Vector512<T> alpha = Vector512.Create(p.Alpha), beta = Vector512.Create(p.Beta);
        if (Simd.IsZero(p.Beta))
        {
            for (; j + L <= n; j += L) Vector512.Store(Vector512.Load(r + j) * alpha, c + j);
            if (j < n) Simd.StoreFirst(c + j, Vector512.Load(r + j) * alpha, n - j);
        }
        else
        {
            for (; j + L <= n; j += L) Vector512.Store(Simd.Fma(Vector512.Load(r + j), alpha, beta * Vector512.Load(c + j)), c + j);
            if (j < n) Simd.StoreFirst(c + j, Simd.Fma(Vector512.Load(r + j), alpha, beta * Simd.LoadFirst(c + j, n - j)), n - j);
        }
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
        if (p.HasEpilogue)
        {
            for (int i = 0; i < M; i++)
            {
                T* c = p.C + (long)i * p.Ldc;
                Vector512<T> a1 = Vector512.Create(p.A[i * aStride]);
                int j = 0;
                for (; j + L <= N; j += L) StoreVec(in p, c + j, a1 * Vector512.Load(b + j), i, j, L, true, true);
                if (j < N) StoreVec(in p, c + j, a1 * Simd.LoadFirst(b + j, N - j), i, j, N - j, true, true);
            }
            return;
        }
        // No epilogue: alpha folds into a_i, and C = (alpha·a_i)·b + beta·C in one FMA per vector, four rows per pass.
        if (Simd.IsZero(p.Beta)) OuterRows<T, Overwrite>(in p, b, aStride);
        else if (Simd.IsOne(p.Beta)) OuterRows<T, Accumulate>(in p, b, aStride);
        else OuterRows<T, ScaleC>(in p, b, aStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OuterRows<T, TMode>(ref readonly Problem<T> p, T* b, long aStride) where T : unmanaged where TMode : struct, IStoreMode
    {
        int M = p.M, N = p.N, L = Vector512<T>.Count, ldc = p.Ldc;
        int nFull = N / L * L, tail = N - nFull;
        Vector512<T> alpha = Vector512.Create(p.Alpha), beta = Vector512.Create(p.Beta);
        int i = 0;
        for (; i + 4 <= M; i += 4)
        {
            T* c0 = p.C + (long)i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
            Vector512<T> a0 = Vector512.Create(p.A[i * aStride]) * alpha, a1 = Vector512.Create(p.A[(i + 1) * aStride]) * alpha;
            Vector512<T> a2 = Vector512.Create(p.A[(i + 2) * aStride]) * alpha, a3 = Vector512.Create(p.A[(i + 3) * aStride]) * alpha;
            for (int j = 0; j < nFull; j += L)
            {
                Vector512<T> bv = Vector512.Load(b + j);
                Vector512.Store(Outer<T, TMode>(a0, bv, beta, Vector512.Load(c0 + j)), c0 + j);
                Vector512.Store(Outer<T, TMode>(a1, bv, beta, Vector512.Load(c1 + j)), c1 + j);
                Vector512.Store(Outer<T, TMode>(a2, bv, beta, Vector512.Load(c2 + j)), c2 + j);
                Vector512.Store(Outer<T, TMode>(a3, bv, beta, Vector512.Load(c3 + j)), c3 + j);
            }
        }
        for (; i < M; i++)
        {
            T* c = p.C + (long)i * ldc;
            Vector512<T> av = Vector512.Create(p.A[i * aStride]) * alpha;
            for (int j = 0; j < nFull; j += L)
                Vector512.Store(Outer<T, TMode>(av, Vector512.Load(b + j), beta, Vector512.Load(c + j)), c + j);
        }
        if (tail == 0) return;
        // The partial last vectors in a pass of their own: a masked store spans a whole vector, and when the next row
        // starts inside that span its first load would wait for the store to retire (measured 1.6x on 100×40).
        Vector512<T> bt = Simd.LoadFirst(b + nFull, tail);
        T* ct = p.C + nFull;
        for (i = 0; i < M; i++, ct += ldc)
        {
            Vector512<T> av = Vector512.Create(p.A[i * aStride]) * alpha;
            Simd.StoreFirst(ct, Outer<T, TMode>(av, bt, beta, TMode.Mode == 0 ? default : Simd.LoadFirst(ct, tail)), tail);
        }
    }

    /// <summary>a·b, a·b + c or a·b + beta·c by mode (overwrite loads of c are dead code the JIT drops).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Outer<T, TMode>(Vector512<T> a, Vector512<T> b, Vector512<T> beta, Vector512<T> c)
        where T : unmanaged where TMode : struct, IStoreMode
        => TMode.Mode == 0 ? a * b : TMode.Mode == 2 ? Simd.Fma(a, b, c) : Simd.Fma(a, b, beta * c);

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
        if (typeof(T) == typeof(float) && Avx2Dots) { DotsF32((float*)x, ld, rows, (float*)a, k, (float*)r); return; }
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
            Sum4(s0, s1, s2, s3).Store(r + j);
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

    /// <summary>The four horizontal sums [Σ s0, Σ s1, Σ s2, Σ s3] with shared shuffles (fixed order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Sum4<T>(Vector512<T> s0, Vector512<T> s1, Vector512<T> s2, Vector512<T> s3) where T : unmanaged
    {
        Vector256<T> a0 = s0.GetLower() + s0.GetUpper(), a1 = s1.GetLower() + s1.GetUpper();
        Vector256<T> a2 = s2.GetLower() + s2.GetUpper(), a3 = s3.GetLower() + s3.GetUpper();
        if (typeof(T) == typeof(double))
        {
            // 4 doubles each: pairwise halves, then adjacent pairs.
            Vector256<double> p01 = Vector256.Create(a0.GetLower().AsDouble() + a0.GetUpper().AsDouble(), a1.GetLower().AsDouble() + a1.GetUpper().AsDouble());
            Vector256<double> p23 = Vector256.Create(a2.GetLower().AsDouble() + a2.GetUpper().AsDouble(), a3.GetLower().AsDouble() + a3.GetUpper().AsDouble());
            Vector256<double> e = Vector256.Shuffle(p01, Vector256.Create(0L, 2, 0, 2)) + Vector256.Shuffle(p01, Vector256.Create(1L, 3, 1, 3));
            Vector256<double> o = Vector256.Shuffle(p23, Vector256.Create(0L, 2, 0, 2)) + Vector256.Shuffle(p23, Vector256.Create(1L, 3, 1, 3));
            return Vector256.Create(e.GetLower(), o.GetLower()).As<double, T>();
        }
        Vector128<float> b0 = a0.GetLower().AsSingle() + a0.GetUpper().AsSingle(), b1 = a1.GetLower().AsSingle() + a1.GetUpper().AsSingle();
        Vector128<float> b2 = a2.GetLower().AsSingle() + a2.GetUpper().AsSingle(), b3 = a3.GetLower().AsSingle() + a3.GetUpper().AsSingle();
        if (Sse3.IsSupported)
            return Sse3.HorizontalAdd(Sse3.HorizontalAdd(b0, b1), Sse3.HorizontalAdd(b2, b3)).ToVector256().As<float, T>();
        return Vector256.Create(Vector128.Create(Vector128.Sum(b0), Vector128.Sum(b1), Vector128.Sum(b2), Vector128.Sum(b3)), Vector128<float>.Zero).As<float, T>();
    }

    /// <summary>C[row, :n] from Σ_kk a[kk]·B[kk, :] with four independent accumulators in registers per pass
    /// (the last pass masks its final vector).</summary>
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
        if (j == n) return;
        {
            // The remaining 1..4 vectors in one pass; vectors past the last are not loaded.
            int rem = n - j, nv = (rem + L - 1) / L, last = rem - (nv - 1) * L;
            Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default;
            T* bj = b + j;
            for (int kk = 0; kk < k; kk++, bj += ldb)
            {
                Vector512<T> av = Vector512.Create(a[kk]);
                s0 = Simd.Fma(av, nv == 1 ? Simd.Load(bj, last) : Vector512.Load(bj), s0);
                if (nv > 1) s1 = Simd.Fma(av, nv == 2 ? Simd.Load(bj + L, last) : Vector512.Load(bj + L), s1);
                if (nv > 2) s2 = Simd.Fma(av, nv == 3 ? Simd.Load(bj + 2 * L, last) : Vector512.Load(bj + 2 * L), s2);
                if (nv > 3) s3 = Simd.Fma(av, Simd.Load(bj + 3 * L, last), s3);
            }
            StoreVec(in p, c + j, s0, row, j, nv == 1 ? last : L, true, true);
            if (nv > 1) StoreVec(in p, c + j + L, s1, row, j + L, nv == 2 ? last : L, true, true);
            if (nv > 2) StoreVec(in p, c + j + 2 * L, s2, row, j + 2 * L, nv == 3 ? last : L, true, true);
            if (nv > 3) StoreVec(in p, c + j + 3 * L, s3, row, j + 3 * L, last, true, true);
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
