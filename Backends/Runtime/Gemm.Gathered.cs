using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>
    /// Whether a batch of products is run as one GEMM over the batch's columns (<see cref="RunGathered{T}"/>): every
    /// product shares A (stride 0), B is plain, each product is narrower than one micro-panel (n &lt; 3·L: a per-image
    /// GEMM would fill a fraction of every tile, e.g. the MNIST-1D CNN's n = 5 to 19 positions), there is no mask, and
    /// the batch has at least two panels of columns. A shape-only rule, so the thread count never changes a result.
    /// </summary>
    internal static bool Gathers<T>(ref readonly Problem<T> p, int batch, int strideA, int strideC) where T : unmanaged
        => strideA == 0 && strideC != 0 && !p.TransB && p.Mask == null && batch > 1 && p.K > 0
           && p.N < 3 * Vector512<T>.Count && (long)batch * p.N >= 6 * Vector512<T>.Count && (long)batch * p.N <= int.MaxValue;

    /// <summary>
    /// <c>C_i = alpha·op(A)·B_i + beta·C_i</c> and the epilogue for every i, computed as the one product
    /// <c>op(A) · [B_0 B_1 …]</c> whose batch·n columns are gathered from the images into the packed B panels and
    /// scattered back into each C_i on store. Column panels are spread over threads; each C element is computed by the
    /// same micro-kernel steps in any part.
    /// </summary>
    private static void RunGathered<T>(ref Problem<T> p, int batch, int strideB, int strideC, int threads) where T : unmanaged
    {
        int L = Vector512<T>.Count, nrMax = 3 * L;
        int columns = batch * p.N, panels = (columns + nrMax - 1) / nrMax;
        long work = (long)p.M * p.N * p.K * batch;
        int parts = threads > 1 && work >= ParallelThreshold ? FineParts(panels, threads) : 1;
        if (parts > 1 && WorkerPool.TryAcquire(threads))
        {
            var job = GatheredJob<T>.Instance;
            try
            {
                job.P = p; job.StrideB = strideB; job.StrideC = strideC; job.Panels = panels; job.Columns = columns;
                WorkerPool.RunAcquired(job, parts, threads);
            }
            finally
            {
                job.P = default;
                WorkerPool.Release();
            }
            return;
        }
        Gathered(in p, strideB, strideC, 0, columns);
    }

    private sealed class GatheredJob<T> : IParallelWork where T : unmanaged
    {
        public static readonly GatheredJob<T> Instance = new();
        public Problem<T> P;
        public int StrideB, StrideC, Panels, Columns;

        public void Execute(int part, int parts)
        {
            int nr = 3 * Vector512<T>.Count;
            int j0 = (int)Math.Min((long)PartStart(Panels, part, parts, 1) * nr, Columns);
            int j1 = (int)Math.Min((long)PartStart(Panels, part + 1, parts, 1) * nr, Columns);
            Gathered(in P, StrideB, StrideC, j0, j1);
        }
    }

    /// <summary>Columns [j0, j1) of the gathered product (j = image·n + position).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Gathered<T>(ref readonly Problem<T> p, int strideB, int strideC, int j0, int j1) where T : unmanaged
    {
        if (j1 <= j0) return;
        int L = Vector512<T>.Count, nrMax = 3 * L;
        int K = p.K, kcMax = BlockDepth(K);
        int mcMax = Math.Min(MC, (p.M + MR - 1) / MR * MR);
        T* abuf = Scratch<T>.A(mcMax * kcMax);
        T* bbuf = Scratch<T>.B(nrMax * kcMax);
        // One vector more than the tile: a row's last segment is read with whole-vector loads.
        Vector512<T>* tile = stackalloc Vector512<T>[3 * MR + 1];
        for (int pc = 0; pc < K; pc += kcMax)
        {
            int kc = Math.Min(kcMax, K - pc);
            bool first = pc == 0, last = pc + kc == K;
            for (int ic = 0; ic < p.M; ic += MC)
            {
                int mc = Math.Min(MC, p.M - ic);
                PackA(in p, ic, mc, pc, kc, abuf);
                for (int jr = j0; jr < j1; jr += nrMax)
                {
                    int nr = Math.Min(nrMax, j1 - jr);
                    int w = (nr + L - 1) / L;
                    PackGathered(in p, strideB, pc, kc, jr, nr, w * L, bbuf);
                    for (int ir = 0; ir < mc; ir += MR)
                    {
                        int mr = Math.Min(MR, mc - ir);
                        T* ap = abuf + (long)ir * kc;
                        if (w == 3) Kernel<T, W3>(kc, ap, MR, bbuf, w * L, tile, (T*)tile, 0, mr);
                        else if (w == 2) Kernel<T, W2>(kc, ap, MR, bbuf, w * L, tile, (T*)tile, 0, mr);
                        else Kernel<T, W1>(kc, ap, MR, bbuf, w * L, tile, (T*)tile, 0, mr);
                        StoreGathered(in p, strideC, tile, ic + ir, mr, jr, nr, first, last);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs rows [pc, pc + kc) of the columns [jr, jr + nr) of [B_0 B_1 …] into d[kk·width + c] (zero for nr ≤ c &lt; width):
    /// column j is position j mod n of image j / n.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackGathered<T>(ref readonly Problem<T> p, int strideB, int pc, int kc, int jr, int nr, int width, T* d) where T : unmanaged
    {
        int n = p.N, image = jr / n, j = jr - image * n;
        for (int c = 0; c < nr; image++, j = 0)
        {
            int len = Math.Min(n - j, nr - c);
            T* src = p.B + (long)image * strideB + (long)pc * p.Ldb + j;
            T* dst = d + c;
            for (int kk = 0; kk < kc; kk++, src += p.Ldb, dst += width)
            {
                int e = 0;
                for (; e + Vector256<T>.Count <= len; e += Vector256<T>.Count) Vector256.Store(Vector256.Load(src + e), dst + e);
                for (; e < len; e++) dst[e] = src[e];
            }
            c += len;
        }
        if (nr < width)
            for (int kk = 0; kk < kc; kk++)
                for (int c = nr; c < width; c++) d[(long)kk * width + c] = default;
    }

    /// <summary>Rows [row, row + mr) of the tile into the C_i its columns belong to, with the epilogue on the last k block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreGathered<T>(ref readonly Problem<T> p, int strideC, Vector512<T>* tile, int row, int mr, int jr, int nr,
        bool first, bool last) where T : unmanaged
    {
        int L = Vector512<T>.Count, n = p.N;
        for (int i = 0; i < mr; i++)
        {
            T* t = (T*)(tile + 3 * i);
            int image = jr / n, j = jr - image * n;
            for (int c = 0; c < nr; image++, j = 0)
            {
                int len = Math.Min(n - j, nr - c);
                T* dst = p.C + (long)image * strideC + (long)(row + i) * p.Ldc + j;
                for (int s = 0; s < len; s += L)
                    StoreVec(in p, dst + s, Vector512.Load(t + c + s), row + i, j + s, Math.Min(L, len - s), first, last);
                c += len;
            }
        }
    }

    // ---- a batch of products summed into one C, with a short k per product ----

    /// <summary>
    /// Whether a batch sum <c>C = alpha·Σᵢ op(A_i)·op(B_i) + beta·C</c> runs as one GEMM over the batch's k
    /// (<see cref="GatheredSum{T}"/>): each product's k is shorter than two vectors (a dot product per image would leave
    /// most lanes empty, e.g. the MNIST-1D CNN's weight gradients with k = 5 to 10 positions an image) and C is at least a
    /// vector wide (the micro-tile's vectors run along n: at n = 5 the dot products measured twice as fast). Shape only.
    /// </summary>
    internal static bool GathersSum<T>(ref readonly Problem<T> p, int batch) where T : unmanaged
        => batch > 1 && p.K > 0 && p.K < 2 * Vector512<T>.Count && p.N >= Vector512<T>.Count && (long)batch * p.K <= int.MaxValue;

    /// <summary>
    /// The batch sum as one product over the gathered depth <c>batch·k</c> (depth index image·k + kk), in blocks whose
    /// packing takes each image's k-slice where it lands. From <see cref="ParallelThreshold"/>·2 multiply-adds the depth
    /// is cut in two halves whatever the thread count (C is small; its columns or rows would split unevenly and repack
    /// an operand): C = alpha·(first half) + beta·C and S = alpha·(second half), on two threads when the pool is free,
    /// then C += S, so the result depends only on the shape.
    /// </summary>
    private static void RunGatheredSum<T>(ref Problem<T> p, int batch, int strideA, int strideB, int threads) where T : unmanaged
    {
        int depth = batch * p.K;
        if ((long)p.M * p.N * depth < 2 * ParallelThreshold)
        {
            GatheredSum(in p, batch, strideA, strideB, 0, depth);
            return;
        }
        int half = depth / 2;
        T* sum = Scratch<T>.Sum(p.M * p.N);
        Problem<T> hi = p;
        hi.C = sum; hi.Ldc = p.N; hi.Beta = default;
        if (threads > 1 && WorkerPool.TryAcquire(threads))
        {
            var job = GatheredSumJob<T>.Instance;
            try
            {
                job.Lo = p; job.Hi = hi; job.Batch = batch; job.StrideA = strideA; job.StrideB = strideB; job.Half = half;
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
            GatheredSum(in p, batch, strideA, strideB, 0, half);
            GatheredSum(in hi, batch, strideA, strideB, half, depth);
        }
        AddSum(in p, sum);
    }

    private sealed class GatheredSumJob<T> : IParallelWork where T : unmanaged
    {
        public static readonly GatheredSumJob<T> Instance = new();
        public Problem<T> Lo, Hi;
        public int Batch, StrideA, StrideB, Half;

        public void Execute(int part, int parts)
        {
            if (part == 0) GatheredSum(in Lo, Batch, StrideA, StrideB, 0, Half);
            else GatheredSum(in Hi, Batch, StrideA, StrideB, Half, Batch * Hi.K);
        }
    }

    /// <summary>C = alpha·(the depth range [d0, d1) of the gathered product) + beta·C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GatheredSum<T>(ref readonly Problem<T> p, int batch, int strideA, int strideB, int d0, int d1) where T : unmanaged
    {
        int i0 = 0, i1 = p.M, j0 = 0, j1 = p.N;
        int L = Vector512<T>.Count, nrMax = 3 * L;
        int depth = d1 - d0, kcMax = BlockDepth(depth);
        int mcMax = Math.Min(MC, (i1 - i0 + MR - 1) / MR * MR);
        int ncMax = Math.Min(NC, (j1 - j0 + L - 1) / L * L);
        T* abuf = Scratch<T>.A(mcMax * kcMax);
        T* bbuf = Scratch<T>.B(ncMax * kcMax);
        Vector512<T>* tile = stackalloc Vector512<T>[3 * MR];
        for (int jc = j0; jc < j1; jc += NC)
        {
            int nc = Math.Min(NC, j1 - jc);
            for (int pc = 0; pc < depth; pc += kcMax)
            {
                int kc = Math.Min(kcMax, depth - pc);
                bool first = pc == 0, last = pc + kc == depth;
                // B block: every k-slice of the images this block spans, packed where the slice lands.
                for (int at = d0 + pc; at < d0 + pc + kc;)
                {
                    int image = at / p.K, kk = at - image * p.K, len = Math.Min(p.K - kk, d0 + pc + kc - at);
                    Problem<T> q = p;
                    q.B += (long)image * strideB;
                    PackBSlice(in q, kk, len, kc, at - d0 - pc, jc, nc, bbuf);
                    at += len;
                }
                for (int ic = i0; ic < i1; ic += MC)
                {
                    int mc = Math.Min(MC, i1 - ic);
                    for (int at = d0 + pc; at < d0 + pc + kc;)
                    {
                        int image = at / p.K, kk = at - image * p.K, len = Math.Min(p.K - kk, d0 + pc + kc - at);
                        Problem<T> q = p;
                        q.A += (long)image * strideA;
                        PackASlice(in q, ic, mc, kk, len, kc, at - d0 - pc, abuf);
                        at += len;
                    }
                    for (int jr = 0; jr < nc; jr += nrMax)
                    {
                        int nr = Math.Min(nrMax, nc - jr);
                        int w = (nr + L - 1) / L;
                        T* bp = bbuf + (long)jr * kc;
                        T* cp = p.C + (long)ic * p.Ldc + jc + jr;
                        for (int ir = 0; ir < mc; ir += MR)
                        {
                            int mr = Math.Min(MR, mc - ir);
                            T* ap = abuf + (long)ir * kc;
                            T* ct = cp + (long)ir * p.Ldc;
                            if (w == 3) Kernel<T, W3>(kc, ap, MR, bp, w * L, tile, ct, p.Ldc, mr);
                            else if (w == 2) Kernel<T, W2>(kc, ap, MR, bp, w * L, tile, ct, p.Ldc, mr);
                            else Kernel<T, W1>(kc, ap, MR, bp, w * L, tile, ct, p.Ldc, mr);
                            StoreTile(in p, tile, w, ct, ic + ir, jc + jr, mr, nr, first, last);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Packs op(A)[ic .. ic+mc, kk .. kk+len) into the MR-row panels of a kc-deep block at depth offset <paramref name="at"/>.</summary>
    private static void PackASlice<T>(ref readonly Problem<T> p, int ic, int mc, int kk, int len, int kc, int at, T* dst) where T : unmanaged
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = Math.Min(MR, mc - ir);
            T* d = dst + (long)ir * kc + (long)at * MR;
            if (p.TransA) CopyRows(p.A + (long)kk * p.Lda + ic + ir, p.Lda, len, mr, MR, d);
            else Transpose(p.A + (long)(ic + ir) * p.Lda + kk, p.Lda, mr, len, MR, d);
        }
    }

    /// <summary>Packs op(B)[kk .. kk+len, jc .. jc+nc) into the NR-column panels of a kc-deep block at depth offset <paramref name="at"/>.</summary>
    private static void PackBSlice<T>(ref readonly Problem<T> p, int kk, int len, int kc, int at, int jc, int nc, T* dst) where T : unmanaged
    {
        int L = Vector512<T>.Count, nrMax = 3 * L;
        for (int jr = 0; jr < nc; jr += nrMax)
        {
            int nr = Math.Min(nrMax, nc - jr);
            int width = (nr + L - 1) / L * L;
            T* d = dst + (long)jr * kc + (long)at * width;
            if (p.TransB) Transpose(p.B + (long)(jc + jr) * p.Ldb + kk, p.Ldb, nr, len, width, d);
            else CopyRows(p.B + (long)kk * p.Ldb + jc + jr, p.Ldb, len, nr, width, d);
        }
    }
}
