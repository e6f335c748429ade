using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>
    /// A product at most one vector wide (n ≤ 16 floats: the 10 logits of a classifier layer) with A not transposed
    /// and many rows: B is packed once into k × one vector (zero lanes past n) and the rows of A are read in place, 8
    /// at a time, each k step one B vector and 8 broadcasts. The packed path would pack all of A into 8-row panels —
    /// for n = 10 that costs about a third of the product, since each element of A feeds only n multiply-adds. The k
    /// blocking, the FMA chain of every element and the store of each block (alpha, beta, epilogue) are those of
    /// <see cref="Packed{T}"/>, so the results are the same bits; rows are split over threads by a fixed partition.
    /// </summary>
    internal static bool TryNarrow<T>(ref Problem<T> p, int threads) where T : unmanaged
    {
        int L = Vector512<T>.Count;
        if (!NarrowEnabled || !Vector512.IsHardwareAccelerated || p.N > L || p.TransA || p.M < 4 * MR || p.K > 4096
            || UseKSplit(in p)) return false;
        T* bp = Scratch<T>.B(p.K * L);
        PackB(in p, 0, p.K, 0, p.N, bp);
        int parts = threads > 1 && (long)p.M * p.N * p.K >= ParallelThreshold ? Math.Min(4 * threads, Math.Max(2, p.M / 512)) : 1;
        if (parts > 1 && WorkerPool.TryAcquire(threads))
        {
            if ((long)p.M * p.N * p.K < EagerThreshold && !WorkerPool.Ready(threads)) WorkerPool.Release();
            else
            {
                NarrowJob<T> job = NarrowJob<T>.Instance;
                try
                {
                    job.P = p; job.Bp = bp;
                    WorkerPool.RunAcquired(job, parts, threads);
                }
                finally
                {
                    job.P = default; job.Bp = null;
                    WorkerPool.Release();
                }
                return true;
            }
        }
        NarrowRows(in p, bp, 0, p.M);
        return true;
    }

    /// <summary>Off with NABLA_GEMM_NARROW=0 (and in tests, to compare with the packed path).</summary>
    internal static bool NarrowEnabled = Environment.GetEnvironmentVariable("NABLA_GEMM_NARROW") != "0";

    /// <summary>The row parts of <see cref="TryNarrow{T}"/> (one object per element type; used only while the caller holds the pool).</summary>
    private sealed class NarrowJob<T> : IParallelWork where T : unmanaged
    {
        public static readonly NarrowJob<T> Instance = new();
        public Problem<T> P;
        public T* Bp;

        public void Execute(int part, int parts)
        {
            int i0 = PartStart(P.M, part, parts, MR), i1 = PartStart(P.M, part + 1, parts, MR);
            if (i1 > i0) NarrowRows(in P, Bp, i0, i1);
        }
    }

    /// <summary>Rows [i0, i1) of <see cref="TryNarrow{T}"/>: 8 rows at a time, then one at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NarrowRows<T>(ref readonly Problem<T> p, T* bp, int i0, int i1) where T : unmanaged
    {
        int L = Vector512<T>.Count, K = p.K, kcMax = BlockDepth(K), n = p.N;
        long lda = p.Lda;
        int i = i0;
        for (; i + MR <= i1; i += MR)
        {
            T* a = p.A + i * lda;
            for (int pc = 0; pc < K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, K - pc);
                bool first = pc == 0, last = pc + kc == K;
                T* b = bp + (long)pc * L;
                T* a0 = a + pc, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
                Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                for (int kk = 0; kk < kc; kk++, b += L)
                {
                    Vector512<T> bv = Vector512.Load(b);
                    c0 = Simd.Fma(Vector512.Create(a0[kk]), bv, c0);
                    c1 = Simd.Fma(Vector512.Create(a1[kk]), bv, c1);
                    c2 = Simd.Fma(Vector512.Create(a2[kk]), bv, c2);
                    c3 = Simd.Fma(Vector512.Create(a3[kk]), bv, c3);
                    c4 = Simd.Fma(Vector512.Create(a4[kk]), bv, c4);
                    c5 = Simd.Fma(Vector512.Create(a5[kk]), bv, c5);
                    c6 = Simd.Fma(Vector512.Create(a6[kk]), bv, c6);
                    c7 = Simd.Fma(Vector512.Create(a7[kk]), bv, c7);
                }
                T* c = p.C + (long)i * p.Ldc;
                long ldc = p.Ldc;
                StoreVec(in p, c, c0, i, 0, n, first, last);
                StoreVec(in p, c + ldc, c1, i + 1, 0, n, first, last);
                StoreVec(in p, c + 2 * ldc, c2, i + 2, 0, n, first, last);
                StoreVec(in p, c + 3 * ldc, c3, i + 3, 0, n, first, last);
                StoreVec(in p, c + 4 * ldc, c4, i + 4, 0, n, first, last);
                StoreVec(in p, c + 5 * ldc, c5, i + 5, 0, n, first, last);
                StoreVec(in p, c + 6 * ldc, c6, i + 6, 0, n, first, last);
                StoreVec(in p, c + 7 * ldc, c7, i + 7, 0, n, first, last);
            }
        }
        for (; i < i1; i++)
        {
            T* a = p.A + i * lda;
            for (int pc = 0; pc < K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, K - pc);
                T* b = bp + (long)pc * L, ar = a + pc;
                Vector512<T> acc = default;
                for (int kk = 0; kk < kc; kk++, b += L) acc = Simd.Fma(Vector512.Create(ar[kk]), Vector512.Load(b), acc);
                StoreVec(in p, p.C + (long)i * p.Ldc, acc, i, 0, n, pc == 0, pc + kc == K);
            }
        }
    }
}
