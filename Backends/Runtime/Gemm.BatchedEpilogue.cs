using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>
    /// <see cref="SgemmBatched"/> with the epilogue of <see cref="Sgemm"/>: <paramref name="batch"/> products
    /// <c>C_i = alpha·op(A_i)·op(B_i) + beta·C_i</c>, then the bias (the same vector for every product), the activation and
    /// the mask (matrix i at <paramref name="maskOffset"/> + i·<paramref name="strideC"/>). Products are spread over the
    /// threads by batch index; one with up to 16 rows and a plain B (a convolution's 6 or 16 output channels times its
    /// windows) runs a direct kernel that broadcasts A and reads B in place, without packing. With strideC = 0 the
    /// products run in batch order, each on the C the previous one left.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension or stride is negative, C matrices overlap for a non-zero
    /// strideC, an array is too short for the batch, or the bias mode or activation is not defined.</exception>
    public static void SgemmBatchedWithEpilogue(int batch, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, int strideA, bool transA,
        float[] b, int bOffset, int ldb, int strideB, bool transB,
        float beta, float[] c, int cOffset, int ldc, int strideC,
        float[]? bias, int biasOffset, BiasMode biasMode, Activation activation,
        float[]? mask, int maskOffset, int ldMask)
    {
        ValidateEpilogue("Gemm.SgemmBatchedWithEpilogue", batch, m, n, k, a, aOffset, lda, strideA, transA, b, bOffset, ldb, strideB, transB,
            c, cOffset, ldc, strideC, bias, biasOffset, biasMode, activation, mask, maskOffset, ldMask);
        if (batch == 0 || m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c, pbias = bias, pmask = mask)
        {
            var p = new Problem<float>
            {
                M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa + aOffset, Lda = lda, TransA = transA, B = pb + bOffset, Ldb = ldb, TransB = transB,
                C = pc + cOffset, Ldc = ldc,
                Bias = biasMode == BiasMode.None ? null : pbias + biasOffset, BiasMode = biasMode,
                Relu = activation == Activation.Relu,
                Mask = pmask == null ? null : pmask + maskOffset, LdMask = ldMask,
            };
            RunBatched(ref p, batch, strideA, strideB, strideC, epilogue: true);
        }
    }

    /// <summary>Double-precision batched GEMM with epilogue; see <see cref="SgemmBatchedWithEpilogue"/>.</summary>
    /// <exception cref="ArgumentException">See <see cref="SgemmBatchedWithEpilogue"/>.</exception>
    public static void DgemmBatchedWithEpilogue(int batch, int m, int n, int k, double alpha,
        double[] a, int aOffset, int lda, int strideA, bool transA,
        double[] b, int bOffset, int ldb, int strideB, bool transB,
        double beta, double[] c, int cOffset, int ldc, int strideC,
        double[]? bias, int biasOffset, BiasMode biasMode, Activation activation,
        double[]? mask, int maskOffset, int ldMask)
    {
        ValidateEpilogue("Gemm.DgemmBatchedWithEpilogue", batch, m, n, k, a, aOffset, lda, strideA, transA, b, bOffset, ldb, strideB, transB,
            c, cOffset, ldc, strideC, bias, biasOffset, biasMode, activation, mask, maskOffset, ldMask);
        if (batch == 0 || m == 0 || n == 0) return;
        fixed (double* pa = a, pb = b, pc = c, pbias = bias, pmask = mask)
        {
            var p = new Problem<double>
            {
                M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa + aOffset, Lda = lda, TransA = transA, B = pb + bOffset, Ldb = ldb, TransB = transB,
                C = pc + cOffset, Ldc = ldc,
                Bias = biasMode == BiasMode.None ? null : pbias + biasOffset, BiasMode = biasMode,
                Relu = activation == Activation.Relu,
                Mask = pmask == null ? null : pmask + maskOffset, LdMask = ldMask,
            };
            RunBatched(ref p, batch, strideA, strideB, strideC, epilogue: true);
        }
    }

    private static void ValidateEpilogue<T>(string op, int batch, int m, int n, int k,
        T[] a, int aOffset, int lda, int strideA, bool transA, T[] b, int bOffset, int ldb, int strideB, bool transB,
        T[] c, int cOffset, int ldc, int strideC, T[]? bias, int biasOffset, BiasMode biasMode, Activation activation,
        T[]? mask, int maskOffset, int ldMask)
    {
        ValidateBatched(op, batch, m, n, k, a, aOffset, lda, strideA, transA, b, bOffset, ldb, strideB, transB, c, cOffset, ldc, strideC);
        Guard.Enum(biasMode, op);
        Guard.Enum(activation, op);
        if (biasMode != BiasMode.None)
            Guard.Vector(bias, nameof(bias), biasOffset, biasMode == BiasMode.PerColumn ? n : m, op);
        if (mask != null)
            Guard.BatchedMatrix(mask, nameof(mask), maskOffset, m, n, ldMask, nameof(ldMask), batch, strideC, nameof(strideC), op);
    }

    /// <summary>One product of a batch: the direct kernel for a few rows and a plain B, else the GEMM's own paths.</summary>
    private static void One<T>(ref Problem<T> q, int threads) where T : unmanaged
    {
        // Up to 16 rows (at most 3 row blocks, so B — read in place once per block — should stay in cache: ≤ 512 KiB).
        if (q.M > 1 && !q.TransB && q.K > 1 && q.N >= Vector512<T>.Count && !Simd.IsZero(q.Alpha)
            && (q.M <= 6 || (q.M <= 16 && (long)q.K * q.N * sizeof(T) <= 512 << 10))) FewRows(in q);
        else RunSmallB(ref q, threads);
    }

    /// <summary>
    /// One product of a batch with B small enough to stay in L1 (plain, k×n ≤ 16 KiB, k within one packing block):
    /// the direct kernel, every block of rows reading B in place, instead of packing both operands for a product this
    /// small (a convolution's input gradient per image, 150×64 by k = 16: 15–25 % faster). Products of 8·ParallelThreshold
    /// multiply-adds or more keep the GEMM's own paths (they may run on several threads). Either way each C element is
    /// one chain of fused multiply-adds in k order, so the choice does not change a result; it depends on the shape only.
    /// </summary>
    internal static void RunSmallB<T>(ref Problem<T> q, int threads) where T : unmanaged
    {
        if (q.M > 1 && !q.TransB && q.K > 1 && q.K <= KC && q.N >= Vector512<T>.Count && !Simd.IsZero(q.Alpha)
            && (long)q.K * q.N * sizeof(T) <= 16 << 10 && (long)q.M * q.N * q.K < 8 * ParallelThreshold) FewRows(in q);
        else Run(ref q, threads);
    }

    /// <summary>
    /// C = alpha·op(A)·B + beta·C with the epilogue, for a few rows and B plain (row-major k×n): blocks of up to
    /// 6 rows (a short block repeats its last row and drops the copy) by 4 vectors of columns, 24 accumulators, each
    /// step broadcasting 6 values of A and loading 4 vectors of one row of B in place. Every C element is one chain
    /// of fused multiply-adds in k order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FewRows<T>(ref readonly Problem<T> p) where T : unmanaged
    {
        int L = Vector512<T>.Count, M = p.M, N = p.N, K = p.K;
        long aRow = p.TransA ? 1 : p.Lda, aK = p.TransA ? p.Lda : 1, ldb = p.Ldb;
        for (int i0 = 0; i0 < M; i0 += 6)
        {
            T* a0 = p.A + i0 * aRow, a1 = p.A + Math.Min(i0 + 1, M - 1) * aRow, a2 = p.A + Math.Min(i0 + 2, M - 1) * aRow;
            T* a3 = p.A + Math.Min(i0 + 3, M - 1) * aRow, a4 = p.A + Math.Min(i0 + 4, M - 1) * aRow, a5 = p.A + Math.Min(i0 + 5, M - 1) * aRow;
            int rows = Math.Min(6, M - i0);
            int j = 0;
            for (; j + 4 * L <= N; j += 4 * L)
            {
                Vector512<T> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
                Vector512<T> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
                Vector512<T> c40 = default, c41 = default, c42 = default, c43 = default, c50 = default, c51 = default, c52 = default, c53 = default;
                T* b = p.B + j;
                long ak = 0;
                for (int kk = 0; kk < K; kk++, b += ldb, ak += aK)
                {
                    Vector512<T> y0 = Vector512.Load(b), y1 = Vector512.Load(b + L), y2 = Vector512.Load(b + 2 * L), y3 = Vector512.Load(b + 3 * L);
                    Vector512<T> x = Vector512.Create(a0[ak]);
                    c00 = Simd.Fma(x, y0, c00); c01 = Simd.Fma(x, y1, c01); c02 = Simd.Fma(x, y2, c02); c03 = Simd.Fma(x, y3, c03);
                    x = Vector512.Create(a1[ak]);
                    c10 = Simd.Fma(x, y0, c10); c11 = Simd.Fma(x, y1, c11); c12 = Simd.Fma(x, y2, c12); c13 = Simd.Fma(x, y3, c13);
                    x = Vector512.Create(a2[ak]);
                    c20 = Simd.Fma(x, y0, c20); c21 = Simd.Fma(x, y1, c21); c22 = Simd.Fma(x, y2, c22); c23 = Simd.Fma(x, y3, c23);
                    x = Vector512.Create(a3[ak]);
                    c30 = Simd.Fma(x, y0, c30); c31 = Simd.Fma(x, y1, c31); c32 = Simd.Fma(x, y2, c32); c33 = Simd.Fma(x, y3, c33);
                    x = Vector512.Create(a4[ak]);
                    c40 = Simd.Fma(x, y0, c40); c41 = Simd.Fma(x, y1, c41); c42 = Simd.Fma(x, y2, c42); c43 = Simd.Fma(x, y3, c43);
                    x = Vector512.Create(a5[ak]);
                    c50 = Simd.Fma(x, y0, c50); c51 = Simd.Fma(x, y1, c51); c52 = Simd.Fma(x, y2, c52); c53 = Simd.Fma(x, y3, c53);
                }
                StoreFour(in p, i0, j, c00, c01, c02, c03);
                if (rows > 1) StoreFour(in p, i0 + 1, j, c10, c11, c12, c13);
                if (rows > 2) StoreFour(in p, i0 + 2, j, c20, c21, c22, c23);
                if (rows > 3) StoreFour(in p, i0 + 3, j, c30, c31, c32, c33);
                if (rows > 4) StoreFour(in p, i0 + 4, j, c40, c41, c42, c43);
                if (rows > 5) StoreFour(in p, i0 + 5, j, c50, c51, c52, c53);
            }
            for (; j < N; j += L)
            {
                int cnt = Math.Min(L, N - j);
                Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
                T* b = p.B + j;
                long ak = 0;
                for (int kk = 0; kk < K; kk++, b += ldb, ak += aK)
                {
                    Vector512<T> y = Simd.Load(b, cnt);
                    c0 = Simd.Fma(Vector512.Create(a0[ak]), y, c0); c1 = Simd.Fma(Vector512.Create(a1[ak]), y, c1);
                    c2 = Simd.Fma(Vector512.Create(a2[ak]), y, c2); c3 = Simd.Fma(Vector512.Create(a3[ak]), y, c3);
                    c4 = Simd.Fma(Vector512.Create(a4[ak]), y, c4); c5 = Simd.Fma(Vector512.Create(a5[ak]), y, c5);
                }
                StoreVec(in p, p.C + (long)i0 * p.Ldc + j, c0, i0, j, cnt, true, true);
                if (rows > 1) StoreVec(in p, p.C + (long)(i0 + 1) * p.Ldc + j, c1, i0 + 1, j, cnt, true, true);
                if (rows > 2) StoreVec(in p, p.C + (long)(i0 + 2) * p.Ldc + j, c2, i0 + 2, j, cnt, true, true);
                if (rows > 3) StoreVec(in p, p.C + (long)(i0 + 3) * p.Ldc + j, c3, i0 + 3, j, cnt, true, true);
                if (rows > 4) StoreVec(in p, p.C + (long)(i0 + 4) * p.Ldc + j, c4, i0 + 4, j, cnt, true, true);
                if (rows > 5) StoreVec(in p, p.C + (long)(i0 + 5) * p.Ldc + j, c5, i0 + 5, j, cnt, true, true);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFour<T>(ref readonly Problem<T> p, int row, int j, Vector512<T> v0, Vector512<T> v1, Vector512<T> v2, Vector512<T> v3)
        where T : unmanaged
    {
        int L = Vector512<T>.Count;
        T* c = p.C + (long)row * p.Ldc + j;
        StoreVec(in p, c, v0, row, j, L, true, true);
        StoreVec(in p, c + L, v1, row, j + L, L, true, true);
        StoreVec(in p, c + 2 * L, v2, row, j + 2 * L, L, true, true);
        StoreVec(in p, c + 3 * L, v3, row, j + 3 * L, L, true, true);
    }
}
