using System;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>Below this many multiply-adds (m·n·k) a packed GEMM runs on one thread (measured crossover).</summary>
    internal const long ParallelThreshold = 96 * 1024;

    /// <summary>
    /// Runs the packed algorithm, splitting C into disjoint row or column ranges when the product is large enough.
    /// Every C element is computed by the same instructions in the same order whichever thread owns it (the k blocking
    /// depends only on K), so results are bit-for-bit independent of the thread count.
    /// </summary>
    internal static void RunPacked<T>(ref Problem<T> p, int threads) where T : unmanaged
    {
        int parts = PlanParts(in p, threads, out bool splitRows);
        if (parts > 1)
        {
            // Size the caller's packing buffers for the whole product whether or not the pool is free now, so a later call
            // that finds the pool busy (and runs everything here) does not grow them: no allocation after warm-up.
            int L = Vector512<T>.Count, kc = BlockDepth(p.K);
            Scratch<T>.A(Math.Min(MC, (p.M + MR - 1) / MR * MR) * kc);
            Scratch<T>.B(Math.Min(NC, (p.N + L - 1) / L * L) * kc);
        }
        if (parts <= 1 || !WorkerPool.TryAcquire(threads))
        {
            Packed(in p, 0, p.M, 0, p.N);
            return;
        }
        PackedJob<T> job = PackedJob<T>.Instance;
        try
        {
            job.P = p;
            job.SplitRows = splitRows;
            WorkerPool.RunAcquired(job, parts, threads);
        }
        finally
        {
            job.P = default;
            WorkerPool.Release();
        }
    }

    /// <summary>How many parts to split a packed product into, and along which dimension.</summary>
    internal static int PlanParts<T>(ref readonly Problem<T> p, int threads, out bool splitRows) where T : unmanaged
    {
        splitRows = true;
        if (threads <= 1 || (long)p.M * p.N * p.K < ParallelThreshold) return 1;
        int L = Vector512<T>.Count;
        // Split the dimension whose other operand is cheaper to pack twice: rows duplicate B's packing, columns A's.
        int rowParts = p.M / (2 * MR), colParts = p.N / (3 * L);
        splitRows = p.M >= p.N ? rowParts >= 2 || colParts < 2 : colParts < 2;
        int most = splitRows ? Math.Max(1, rowParts) : colParts;
        return Math.Min(threads, most);
    }

    /// <summary>Start of part <paramref name="part"/> of <paramref name="parts"/> over [0, total), aligned to <paramref name="align"/>.</summary>
    internal static int PartStart(int total, int part, int parts, int align)
        => part >= parts ? total : (int)((long)total * part / parts) / align * align;

    /// <summary>The cached job object (one per element type; used only while the caller holds the pool).</summary>
    private sealed class PackedJob<T> : IParallelWork where T : unmanaged
    {
        public static readonly PackedJob<T> Instance = new();
        public Problem<T> P;
        public bool SplitRows;

        public void Execute(int part, int parts)
        {
            if (SplitRows)
            {
                int i0 = PartStart(P.M, part, parts, MR), i1 = PartStart(P.M, part + 1, parts, MR);
                if (i1 > i0) Packed(in P, i0, i1, 0, P.N);
            }
            else
            {
                int nr = 3 * Vector512<T>.Count;
                int j0 = PartStart(P.N, part, parts, nr), j1 = PartStart(P.N, part + 1, parts, nr);
                if (j1 > j0) Packed(in P, 0, P.M, j0, j1);
            }
        }
    }
}
