using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>Below this many multiply-adds (m·n·k) a packed GEMM runs on one thread (measured crossover).</summary>
    internal const long ParallelThreshold = 96 * 1024;

    /// <summary>
    /// Runs the packed algorithm, splitting C into disjoint row or column ranges when the product is large enough.
    /// Every C element is computed by the same instructions in the same order whichever thread owns it (the k blocking
    /// depends only on K, and a k split only on the shape), so results are bit-for-bit independent of the thread count.
    /// </summary>
    internal static void RunPacked<T>(ref Problem<T> p, int threads) where T : unmanaged
    {
        if (UseKSplit(in p)) { RunKSplit(ref p, threads); return; }
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
        if ((long)p.M * p.N * p.K < EagerThreshold && !WorkerPool.Ready(threads))
        {
            WorkerPool.Release();
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

    /// <summary>
    /// Long, thin products — a weight gradient <c>dYᵀ·X</c> with a large batch K and m, n ≤ a few hundred — are computed
    /// as two halves of the k range whatever the thread count: splitting rows or columns of so small a C leaves the
    /// parts unequal (100 rows are 7 + 6 row panels) and makes every part pack the whole of the other operand, while the
    /// halves of k are equal and pack disjoint data. The halves are summed in a fixed order, so the results do not
    /// depend on the thread count (they differ in rounding from an unsplit sum, which is why the rule looks only at
    /// the shape).
    /// </summary>
    internal static bool UseKSplit<T>(ref readonly Problem<T> p) where T : unmanaged
        => p.K >= 1024 && (long)p.M * p.N <= 256 * 256 && p.K >= 8L * Math.Max(p.M, p.N)
            && (long)p.M * p.N * p.K >= ParallelThreshold;

    /// <summary>
    /// <see cref="UseKSplit{T}"/>: C = alpha·op(A)[:, :k0]·op(B)[:k0, :] + beta·C and S = alpha·op(A)[:, k0:]·op(B)[k0:, :]
    /// (on two threads when the pool is free, else one after the other here), then C = C + S and the epilogue.
    /// </summary>
    private static void RunKSplit<T>(ref Problem<T> p, int threads) where T : unmanaged
    {
        int k0 = PartStart(p.K, 1, 2, 8);
        T* sum = Scratch<T>.Sum(p.M * p.N);
        Problem<T> lo = p, hi = p;
        lo.K = k0; lo.BiasMode = BiasMode.None; lo.Bias = null; lo.Relu = false; lo.Mask = null;
        hi.K = p.K - k0; hi.BiasMode = BiasMode.None; hi.Bias = null; hi.Relu = false; hi.Mask = null;
        hi.A += p.TransA ? (long)k0 * p.Lda : k0;
        hi.B += p.TransB ? k0 : (long)k0 * p.Ldb;
        hi.C = sum; hi.Ldc = p.N; hi.Beta = default;
        if (threads > 1)
        {
            // Size the packing buffers as in RunPacked, so that running both halves here later allocates nothing.
            int L = Vector512<T>.Count, kc = Math.Max(BlockDepth(k0), BlockDepth(p.K - k0));
            Scratch<T>.A(Math.Min(MC, (p.M + MR - 1) / MR * MR) * kc);
            Scratch<T>.B(Math.Min(NC, (p.N + L - 1) / L * L) * kc);
        }
        bool parallel = threads > 1 && WorkerPool.TryAcquire(threads);
        if (parallel && (long)p.M * p.N * p.K < EagerThreshold && !WorkerPool.Ready(threads))
        {
            WorkerPool.Release();
            parallel = false;
        }
        if (parallel)
        {
            KSplitJob<T> job = KSplitJob<T>.Instance;
            try
            {
                job.Lo = lo; job.Hi = hi;
                WorkerPool.RunAcquired(job, 2, threads);
            }
            finally
            {
                job.Lo = default; job.Hi = default;
                WorkerPool.Release();
            }
        }
        else
        {
            Packed(in lo, 0, lo.M, 0, lo.N);
            Packed(in hi, 0, hi.M, 0, hi.N);
        }
        AddSum(in p, sum);
    }

    /// <summary>C += S (S is m×n, row stride n), then the epilogue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddSum<T>(ref readonly Problem<T> p, T* s) where T : unmanaged
    {
        int L = Vector512<T>.Count, n = p.N;
        bool epi = p.HasEpilogue;
        for (int i = 0; i < p.M; i++, s += n)
        {
            T* c = p.C + (long)i * p.Ldc;
            int j = 0;
            for (; j + L <= n; j += L)
            {
                Vector512<T> v = Vector512.Load(c + j) + Vector512.Load(s + j);
                if (epi) v = Epilogue(in p, v, i, j, L);
                Vector512.Store(v, c + j);
            }
            if (j < n)
            {
                int cnt = n - j;
                Vector512<T> v = Simd.LoadFirst(c + j, cnt) + Simd.LoadFirst(s + j, cnt);
                if (epi) v = Epilogue(in p, v, i, j, cnt);
                Simd.StoreFirst(c + j, v, cnt);
            }
        }
    }

    /// <summary>The two halves of <see cref="RunKSplit{T}"/> (one object per element type; used only while the caller holds the pool).</summary>
    private sealed class KSplitJob<T> : IParallelWork where T : unmanaged
    {
        public static readonly KSplitJob<T> Instance = new();
        public Problem<T> Lo, Hi;

        public void Execute(int part, int parts)
        {
            if (part == 0) Packed(in Lo, 0, Lo.M, 0, Lo.N);
            else Packed(in Hi, 0, Hi.M, 0, Hi.N);
        }
    }

    /// <summary>
    /// From this many multiply-adds (about 90 µs on one core) a product is split even when the workers are not spinning
    /// on a CPU: waking one pays off, and parts are claimed dynamically, so a late worker just takes fewer of them.
    /// Smaller products are split only when the workers are ready (<see cref="WorkerPool.Ready"/>).
    /// </summary>
    internal const long EagerThreshold = 4L << 20;

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
        // A long dimension is cut into more parts than threads (up to 4 per thread, each at least 512 rows or columns, so
        // packing the shared operand once per part stays cheap): the parts are claimed dynamically, so a thread that
        // wakes late or is preempted holds back a small part instead of half the product.
        int fine = Math.Max(threads, Math.Min(4 * threads, (splitRows ? p.M : p.N) / 512));
        return Math.Min(fine, most);
    }

    /// <summary>
    /// Parts for work of <paramref name="items"/> independent items (images, tiles): up to 4 per thread. Parts are
    /// claimed dynamically, so with more parts than threads a thread that joins late (a worker's hand-off, a preempted
    /// vCPU) leaves the others a small part to wait for instead of half the work. The partition depends only on the
    /// counts, and each item is computed the same way in any part, so results do not depend on it.
    /// </summary>
    internal static int FineParts(int items, int threads) => Math.Min(items, 4 * threads);

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
