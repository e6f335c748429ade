using System;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>
    /// <paramref name="batch"/> independent single-precision products <c>C_i = alpha·op(A_i)·op(B_i) + beta·C_i</c>, where
    /// matrix i of each operand starts at its offset + i·stride. A stride of 0 shares one operand across the batch; for C
    /// that accumulates the products in batch order (C = alpha·A_0·B_0 + beta·C, then alpha·A_1·B_1 + beta·C, ...).
    /// Small products are spread over threads by batch index; large ones are parallelized inside.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension or stride is negative, C matrices overlap for a non-zero
    /// strideC, or an array is too short for the batch.</exception>
    public static void SgemmBatched(int batch, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, int strideA, bool transA,
        float[] b, int bOffset, int ldb, int strideB, bool transB,
        float beta, float[] c, int cOffset, int ldc, int strideC)
    {
        ValidateBatched("Gemm.SgemmBatched", batch, m, n, k, a, aOffset, lda, strideA, transA,
            b, bOffset, ldb, strideB, transB, c, cOffset, ldc, strideC);
        if (batch == 0 || m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c)
        {
            var p = new Problem<float>
            {
                M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa + aOffset, Lda = lda, TransA = transA, B = pb + bOffset, Ldb = ldb, TransB = transB,
                C = pc + cOffset, Ldc = ldc,
            };
            RunBatched(ref p, batch, strideA, strideB, strideC);
        }
    }

    /// <summary>Double-precision batched GEMM; see <see cref="SgemmBatched"/>.</summary>
    /// <exception cref="ArgumentException">See <see cref="SgemmBatched"/>.</exception>
    public static void DgemmBatched(int batch, int m, int n, int k, double alpha,
        double[] a, int aOffset, int lda, int strideA, bool transA,
        double[] b, int bOffset, int ldb, int strideB, bool transB,
        double beta, double[] c, int cOffset, int ldc, int strideC)
    {
        ValidateBatched("Gemm.DgemmBatched", batch, m, n, k, a, aOffset, lda, strideA, transA,
            b, bOffset, ldb, strideB, transB, c, cOffset, ldc, strideC);
        if (batch == 0 || m == 0 || n == 0) return;
        fixed (double* pa = a, pb = b, pc = c)
        {
            var p = new Problem<double>
            {
                M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa + aOffset, Lda = lda, TransA = transA, B = pb + bOffset, Ldb = ldb, TransB = transB,
                C = pc + cOffset, Ldc = ldc,
            };
            RunBatched(ref p, batch, strideA, strideB, strideC);
        }
    }

    private static void ValidateBatched<T>(string op, int batch, int m, int n, int k,
        T[] a, int aOffset, int lda, int strideA, bool transA, T[] b, int bOffset, int ldb, int strideB, bool transB,
        T[] c, int cOffset, int ldc, int strideC)
    {
        Guard.NonNegative(batch, nameof(batch), op);
        Guard.NonNegative(m, nameof(m), op);
        Guard.NonNegative(n, nameof(n), op);
        Guard.NonNegative(k, nameof(k), op);
        Guard.BatchedMatrix(a, nameof(a), aOffset, transA ? k : m, transA ? m : k, lda, nameof(lda), batch, strideA, nameof(strideA), op);
        Guard.BatchedMatrix(b, nameof(b), bOffset, transB ? n : k, transB ? k : n, ldb, nameof(ldb), batch, strideB, nameof(strideB), op);
        Guard.BatchedMatrix(c, nameof(c), cOffset, m, n, ldc, nameof(ldc), batch, strideC, nameof(strideC), op);
        long extent = m == 0 || n == 0 ? 0 : (long)(m - 1) * ldc + n;
        if (batch > 1 && strideC != 0 && strideC < extent)
            throw new ArgumentException(
                $"{op}: strideC = {strideC} makes the {m}×{n} C matrices (ldc {ldc}, {extent} elements each) overlap; use 0 to accumulate or >= {extent}.",
                nameof(strideC));
    }

    /// <summary>
    /// Runs <paramref name="batch"/> products, spread over threads by product when each is small; with
    /// <paramref name="epilogue"/> each product also applies its bias/activation/mask (<see cref="One{T}"/>, the mask
    /// advancing with C), else it is a plain <see cref="Run{T}"/>.
    /// </summary>
    private static void RunBatched<T>(ref Problem<T> p, int batch, int strideA, int strideB, int strideC, bool epilogue = false) where T : unmanaged
    {
        int threads = Parallelism.MaxThreads;
        if (Gathers(in p, batch, strideA, strideC) && !Simd.IsZero(p.Alpha)) { RunGathered(ref p, batch, strideB, strideC, threads); return; }
        long work = (long)p.M * p.N * (epilogue ? Math.Max(1, p.K) : p.K);
        bool spread = threads > 1 && batch > 1 && strideC != 0 && work * batch >= ParallelThreshold && work < 8 * ParallelThreshold;
        if (spread && WorkerPool.TryAcquire(threads))
        {
            BatchJob<T> job = BatchJob<T>.Instance;
            try
            {
                job.P = p; job.Batch = batch; job.StrideA = strideA; job.StrideB = strideB; job.StrideC = strideC; job.Epilogue = epilogue;
                WorkerPool.RunAcquired(job, FineParts(batch, threads), threads);
            }
            finally
            {
                job.P = default;
                WorkerPool.Release();
            }
            return;
        }
        for (int i = 0; i < batch; i++) Product(in p, i, strideA, strideB, strideC, epilogue, threads);
    }

    /// <summary>Product <paramref name="i"/> of a batch on up to <paramref name="threads"/> threads.</summary>
    private static void Product<T>(ref readonly Problem<T> p, int i, int strideA, int strideB, int strideC, bool epilogue, int threads) where T : unmanaged
    {
        Problem<T> q = At(in p, i, strideA, strideB, strideC);
        if (!epilogue) { RunSmallB(ref q, threads); return; }
        if (q.Mask != null) q.Mask += (long)i * strideC;
        One(ref q, threads);
    }

    private static Problem<T> At<T>(ref readonly Problem<T> p, int i, int strideA, int strideB, int strideC) where T : unmanaged
    {
        Problem<T> q = p;
        q.A += (long)i * strideA;
        q.B += (long)i * strideB;
        q.C += (long)i * strideC;
        return q;
    }

    private sealed class BatchJob<T> : IParallelWork where T : unmanaged
    {
        public static readonly BatchJob<T> Instance = new();
        public Problem<T> P;
        public int Batch, StrideA, StrideB, StrideC;
        public bool Epilogue;

        public void Execute(int part, int parts)
        {
            int i0 = PartStart(Batch, part, parts, 1), i1 = PartStart(Batch, part + 1, parts, 1);
            for (int i = i0; i < i1; i++) Product(in P, i, StrideA, StrideB, StrideC, Epilogue, 1);
        }
    }
}
