using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>
    /// The sum of a batch of single-precision products into one matrix: <c>C = alpha·Σᵢ op(A_i)·op(B_i) + beta·C</c>,
    /// where matrix i of A and B starts at its offset + i·stride (a convolution's weight gradient: one product per image,
    /// summed over the batch). With A plain and B transposed (both read along k) no operand is packed: every C element
    /// is a dot product of length batch·k accumulated in vector lanes in a fixed order, so the result does not depend
    /// on the thread count. Other layouts run the products in batch order, each accumulated into C.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension or stride is negative, or an array is too short for the batch.</exception>
    public static void SgemmBatchedSum(int batch, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, int strideA, bool transA,
        float[] b, int bOffset, int ldb, int strideB, bool transB,
        float beta, float[] c, int cOffset, int ldc)
    {
        ValidateBatched("Gemm.SgemmBatchedSum", batch, m, n, k, a, aOffset, lda, strideA, transA,
            b, bOffset, ldb, strideB, transB, c, cOffset, ldc, 0);
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c)
        {
            var p = new Problem<float>
            {
                M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa + aOffset, Lda = lda, TransA = transA, B = pb + bOffset, Ldb = ldb, TransB = transB,
                C = pc + cOffset, Ldc = ldc,
            };
            RunBatchedSum(ref p, batch, strideA, strideB, 1f);
        }
    }

    /// <summary>Double-precision batch sum of products; see <see cref="SgemmBatchedSum"/>.</summary>
    /// <exception cref="ArgumentException">See <see cref="SgemmBatchedSum"/>.</exception>
    public static void DgemmBatchedSum(int batch, int m, int n, int k, double alpha,
        double[] a, int aOffset, int lda, int strideA, bool transA,
        double[] b, int bOffset, int ldb, int strideB, bool transB,
        double beta, double[] c, int cOffset, int ldc)
    {
        ValidateBatched("Gemm.DgemmBatchedSum", batch, m, n, k, a, aOffset, lda, strideA, transA,
            b, bOffset, ldb, strideB, transB, c, cOffset, ldc, 0);
        if (m == 0 || n == 0) return;
        fixed (double* pa = a, pb = b, pc = c)
        {
            var p = new Problem<double>
            {
                M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa + aOffset, Lda = lda, TransA = transA, B = pb + bOffset, Ldb = ldb, TransB = transB,
                C = pc + cOffset, Ldc = ldc,
            };
            RunBatchedSum(ref p, batch, strideA, strideB, 1.0);
        }
    }

    private static void RunBatchedSum<T>(ref Problem<T> p, int batch, int strideA, int strideB, T one) where T : unmanaged, INumber<T>
    {
        if (batch == 0 || p.K == 0 || Simd.IsZero(p.Alpha)) { ScaleOnly(in p, 0, p.M); return; }
        int threads = Parallelism.MaxThreads;
        if (!p.TransA && p.TransB)
        {
            DotSum(in p, batch, strideA, strideB, threads);
            return;
        }
        for (int i = 0; i < batch; i++)
        {
            Problem<T> q = At(in p, i, strideA, strideB, 0);
            if (i > 0) q.Beta = one;
            Run(ref q, threads);
        }
    }

    // Register tile of the dot-product path: DR rows of A against DC rows of Bᵀ, DR·DC vector accumulators.
    private const int DR = 3, DC = 4;

    /// <summary>
    /// A plain, B transposed: C[r, c] = alpha·Σᵢ Σ_k A_i[r, k]·B_i[c, k] + beta·C[r, c]. C is cut into DR×DC tiles (edge
    /// tiles repeat their last row or column and drop the copies), spread over the threads by tile; images are taken in
    /// blocks that stay in the core's cache while every tile of the part runs over them, the tiles' lane accumulators
    /// kept in a per-thread scratch between blocks.
    /// </summary>
    private static void DotSum<T>(ref readonly Problem<T> p, int batch, int strideA, int strideB, int threads) where T : unmanaged, INumber<T>
    {
        int tiles = (p.M + DR - 1) / DR * ((p.N + DC - 1) / DC);
        long work = (long)p.M * p.N * p.K * batch;
        int parts = threads > 1 && work >= 2 * ParallelThreshold ? Math.Min(threads, tiles) : 1;
        var job = DotSumJob<T>.Instance;
        if (parts > 1 && WorkerPool.TryAcquire(threads))
        {
            try
            {
                job.P = p; job.Batch = batch; job.StrideA = strideA; job.StrideB = strideB; job.Tiles = tiles;
                WorkerPool.RunAcquired(job, parts, threads);
            }
            finally
            {
                job.P = default;
                WorkerPool.Release();
            }
            return;
        }
        DotSumTiles(in p, batch, strideA, strideB, 0, tiles, tiles);
    }

    private sealed class DotSumJob<T> : IParallelWork where T : unmanaged, INumber<T>
    {
        public static readonly DotSumJob<T> Instance = new();
        public Problem<T> P;
        public int Batch, StrideA, StrideB, Tiles;

        public void Execute(int part, int parts) =>
            DotSumTiles(in P, Batch, StrideA, StrideB, PartStart(Tiles, part, parts, 1), PartStart(Tiles, part + 1, parts, 1), (Tiles + parts - 1) / parts);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotSumTiles<T>(ref readonly Problem<T> p, int batch, int strideA, int strideB, int t0, int t1, int room) where T : unmanaged, INumber<T>
    {
        if (t1 <= t0) return;
        int L = Vector512<T>.Count, K = p.K, kv = K / L * L, tail = K - kv;
        int colTiles = (p.N + DC - 1) / DC;
        // Same size on every thread whatever part it runs, so the scratch is grown once.
        var acc = (Vector512<T>*)Scratch<T>.V(room * DR * DC * L);
        long perImage = ((long)p.M + p.N) * K * sizeof(T);
        int block = (int)Math.Clamp((256L << 10) / Math.Max(1, perImage), 1, batch);
        for (int i0 = 0; i0 < batch; i0 += block)
        {
            int i1 = Math.Min(batch, i0 + block);
            for (int t = t0; t < t1; t++)
            {
                int r0 = t / colTiles * DR, c0 = t % colTiles * DC;
                long ra0 = (long)r0 * p.Lda, ra1 = (long)Math.Min(r0 + 1, p.M - 1) * p.Lda, ra2 = (long)Math.Min(r0 + 2, p.M - 1) * p.Lda;
                long cb0 = (long)c0 * p.Ldb, cb1 = (long)Math.Min(c0 + 1, p.N - 1) * p.Ldb;
                long cb2 = (long)Math.Min(c0 + 2, p.N - 1) * p.Ldb, cb3 = (long)Math.Min(c0 + 3, p.N - 1) * p.Ldb;
                Vector512<T>* s = acc + (t - t0) * DR * DC;
                Vector512<T> s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23;
                if (i0 == 0)
                {
                    s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = s20 = s21 = s22 = s23 = Vector512<T>.Zero;
                }
                else
                {
                    s00 = s[0]; s01 = s[1]; s02 = s[2]; s03 = s[3]; s10 = s[4]; s11 = s[5];
                    s12 = s[6]; s13 = s[7]; s20 = s[8]; s21 = s[9]; s22 = s[10]; s23 = s[11];
                }
                for (int i = i0; i < i1; i++)
                {
                    T* a = p.A + (long)i * strideA, b = p.B + (long)i * strideB;
                    T* a0 = a + ra0, a1 = a + ra1, a2 = a + ra2, b0 = b + cb0, b1 = b + cb1, b2 = b + cb2, b3 = b + cb3;
                    for (int kk = 0; kk < kv; kk += L)
                    {
                        Vector512<T> x0 = Vector512.Load(a0 + kk), x1 = Vector512.Load(a1 + kk), x2 = Vector512.Load(a2 + kk);
                        Vector512<T> y = Vector512.Load(b0 + kk);
                        s00 = Simd.Fma(x0, y, s00); s10 = Simd.Fma(x1, y, s10); s20 = Simd.Fma(x2, y, s20);
                        y = Vector512.Load(b1 + kk);
                        s01 = Simd.Fma(x0, y, s01); s11 = Simd.Fma(x1, y, s11); s21 = Simd.Fma(x2, y, s21);
                        y = Vector512.Load(b2 + kk);
                        s02 = Simd.Fma(x0, y, s02); s12 = Simd.Fma(x1, y, s12); s22 = Simd.Fma(x2, y, s22);
                        y = Vector512.Load(b3 + kk);
                        s03 = Simd.Fma(x0, y, s03); s13 = Simd.Fma(x1, y, s13); s23 = Simd.Fma(x2, y, s23);
                    }
                    if (tail > 0)
                    {
                        Vector512<T> x0 = Simd.LoadFirst(a0 + kv, tail), x1 = Simd.LoadFirst(a1 + kv, tail), x2 = Simd.LoadFirst(a2 + kv, tail);
                        Vector512<T> y = Simd.LoadFirst(b0 + kv, tail);
                        s00 = Simd.Fma(x0, y, s00); s10 = Simd.Fma(x1, y, s10); s20 = Simd.Fma(x2, y, s20);
                        y = Simd.LoadFirst(b1 + kv, tail);
                        s01 = Simd.Fma(x0, y, s01); s11 = Simd.Fma(x1, y, s11); s21 = Simd.Fma(x2, y, s21);
                        y = Simd.LoadFirst(b2 + kv, tail);
                        s02 = Simd.Fma(x0, y, s02); s12 = Simd.Fma(x1, y, s12); s22 = Simd.Fma(x2, y, s22);
                        y = Simd.LoadFirst(b3 + kv, tail);
                        s03 = Simd.Fma(x0, y, s03); s13 = Simd.Fma(x1, y, s13); s23 = Simd.Fma(x2, y, s23);
                    }
                }
                s[0] = s00; s[1] = s01; s[2] = s02; s[3] = s03; s[4] = s10; s[5] = s11;
                s[6] = s12; s[7] = s13; s[8] = s20; s[9] = s21; s[10] = s22; s[11] = s23;
            }
        }
        bool keep = !Simd.IsZero(p.Beta);
        for (int t = t0; t < t1; t++)
        {
            int r0 = t / colTiles * DR, c0 = t % colTiles * DC;
            Vector512<T>* s = acc + (t - t0) * DR * DC;
            for (int r = 0; r < DR && r0 + r < p.M; r++)
                for (int c = 0; c < DC && c0 + c < p.N; c++)
                {
                    T* at = p.C + (long)(r0 + r) * p.Ldc + c0 + c;
                    T v = p.Alpha * Vector512.Sum(s[r * DC + c]);
                    *at = keep ? v + p.Beta * *at : v;
                }
        }
    }
}
