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
    /// summed over the batch). With A plain and B transposed (both read along k) and a small C (m·n at most 8,192) no
    /// operand is packed: every C element is a dot product of length batch·k accumulated in vector lanes in a fixed
    /// order, so the result does not depend on the thread count. When each product's k is shorter than two vectors, the
    /// batch is one GEMM over the depth batch·k (each image's k-slice packed in place). Other products run in batch
    /// order, each accumulated into C by the GEMM.
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
        if (GathersSum(in p, batch)) { RunGatheredSum(ref p, batch, strideA, strideB, threads); return; }
        if (!p.TransA && p.TransB && (long)p.M * p.N <= DotSumMaxOutputs)
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

    /// <summary>
    /// Largest C (m·n) the dot-product path takes: it keeps 16 vector lanes per C element between image blocks (64 bytes
    /// an element: 8,192 elements are 512 KiB) and packs nothing, which pays for small outputs (LeNet's 6×25 and 16×150:
    /// half the time of the per-image GEMMs) and loses on wide ones (measured single-threaded: even at 32×288, 1.2× at
    /// 64×576, 2–7× and a 38–151 MB scratch from 256×2304). A shape-only rule, so the thread count never changes a result.
    /// </summary>
    internal const long DotSumMaxOutputs = 8192;

    // Register tile of the dot-product path: DR (3 or 4) rows of A against DC rows of Bᵀ, DR·DC vector accumulators.
    private const int DC = 4;

    /// <summary>Rows per tile: 4, unless 3 wastes fewer repeated rows (m = 6: two tiles of 3, not two of 4).</summary>
    private static int DotRows(int m) => (m + 3) / 4 * 4 <= (m + 2) / 3 * 3 ? 4 : 3;

    /// <summary>
    /// A plain, B transposed: C[r, c] = alpha·Σᵢ Σ_k A_i[r, k]·B_i[c, k] + beta·C[r, c]. C is cut into DR×DC tiles (edge
    /// tiles repeat their last row or column and drop the copies); the images, in up to <see cref="DotPieces"/> fixed
    /// pieces spread over the threads, are taken in blocks that stay in the core's cache while every tile runs over
    /// them, the tiles' lane accumulators kept in memory between blocks.
    /// </summary>
    private static void DotSum<T>(ref readonly Problem<T> p, int batch, int strideA, int strideB, int threads) where T : unmanaged, INumber<T>
    {
        int tiles = DotTileCount(p.M, p.N), vectors = tiles * DotTileVectors;
        long work = (long)p.M * p.N * p.K * batch;
        int pieces = batch > 1 && work >= 2 * ParallelThreshold ? Math.Min(DotPieces, batch) : 1;
        // The accumulators (each piece's own set), in the calling thread's scratch (grown once): a worker that first
        // runs a part late allocates nothing.
        var acc = (Vector512<T>*)Scratch<T>.V(pieces * vectors * Vector512<T>.Count);
        if (pieces > 1)
        {
            var job = DotSumJob<T>.Instance;
            if (threads > 1 && WorkerPool.TryAcquire(threads))
            {
                try
                {
                    job.P = p; job.Batch = batch; job.StrideA = strideA; job.StrideB = strideB; job.Tiles = tiles; job.Acc = acc;
                    WorkerPool.RunAcquired(job, pieces, threads);
                }
                finally
                {
                    job.P = default; job.Acc = null;
                    WorkerPool.Release();
                }
            }
            else
                for (int q = 0; q < pieces; q++)
                    DotPiece(in p, PartStart(batch, q, pieces, 1), PartStart(batch, q + 1, pieces, 1), strideA, strideB, tiles, acc + q * vectors);
        }
        else DotPiece(in p, 0, batch, strideA, strideB, tiles, acc);
        DotStore(in p, tiles, acc, pieces, vectors);
    }

    /// <summary>
    /// Images summed in up to this many fixed pieces (a quarter of the batch each, whatever the thread count) when there
    /// is enough work for threads: each piece runs over all of C's tiles with its own accumulators, reading its images'
    /// operands once (split by tile instead, every part re-read all of A: LeNet's 6×25 output by 576 positions an image
    /// read A 8 times over), and the pieces' lanes are added in piece order. Claimed dynamically by the threads.
    /// </summary>
    private const int DotPieces = 4;

    private sealed class DotSumJob<T> : IParallelWork where T : unmanaged, INumber<T>
    {
        public static readonly DotSumJob<T> Instance = new();
        public Problem<T> P;
        public int Batch, StrideA, StrideB, Tiles;
        public Vector512<T>* Acc;

        public void Execute(int part, int parts) =>
            DotPiece(in P, PartStart(Batch, part, parts, 1), PartStart(Batch, part + 1, parts, 1), StrideA, StrideB, Tiles,
                Acc + part * Tiles * DotTileVectors);
    }

    /// <summary>Images [i0, i1) (at least one) into every tile's accumulators at acc, a block of images at a time.</summary>
    private static void DotPiece<T>(ref readonly Problem<T> p, int i0, int i1, int strideA, int strideB, int tiles, Vector512<T>* acc)
        where T : unmanaged, INumber<T>
    {
        int block = DotBlock(in p, i1 - i0);
        for (int i = i0; i < i1; i += block)
            DotTiles(in p, i, Math.Min(i1, i + block), strideA, strideB, tiles, acc, zero: i == i0);
    }

    /// <summary>The dot-product path's tiles of an m×n C.</summary>
    private static int DotTileCount(int m, int n) => (m + DotRows(m) - 1) / DotRows(m) * ((n + DC - 1) / DC);

    /// <summary>Accumulator vectors a tile keeps (<see cref="DotTiles{T}"/>).</summary>
    private const int DotTileVectors = 4 * DC;

    /// <summary>Images per block of the dot-product path: a block's operands (256 KiB) stay in the core's cache while every tile runs over them.</summary>
    private static int DotBlock<T>(ref readonly Problem<T> p, int batch) where T : unmanaged
    {
        long perImage = ((long)p.M + p.N) * p.K * sizeof(T);
        return (int)Math.Clamp((256L << 10) / Math.Max(1, perImage), 1, Math.Max(1, batch));
    }

    /// <summary>
    /// Images [i0, i1) into the lane accumulators of every tile (tile t's at acc + t·<see cref="DotTileVectors"/>), zeroed
    /// first when <paramref name="zero"/>. Tiles run down each column of tiles (the rows of Bᵀ they share are read from
    /// the outer cache once per block; A's rows stay in L1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotTiles<T>(ref readonly Problem<T> p, int i0, int i1, int strideA, int strideB, int tiles, Vector512<T>* acc, bool zero)
        where T : unmanaged, INumber<T>
    {
        int DR = DotRows(p.M), rowTiles = (p.M + DR - 1) / DR;
        var rows = stackalloc long[4];
        var cols = stackalloc long[DC];
        for (int t = 0; t < tiles; t++)
        {
            int r0 = t % rowTiles * DR, c0 = t / rowTiles * DC;
            for (int r = 0; r < 4; r++) rows[r] = (long)Math.Min(r0 + Math.Min(r, DR - 1), p.M - 1) * p.Lda;
            for (int c = 0; c < DC; c++) cols[c] = (long)Math.Min(c0 + c, p.N - 1) * p.Ldb;
            Vector512<T>* s = acc + t * DotTileVectors;
            if (DR == 4) Tile4(in p, s, rows, cols, i0, i1, strideA, strideB, zero);
            else Tile3(in p, s, rows, cols, i0, i1, strideA, strideB, zero);
        }
    }

    /// <summary>
    /// C = alpha·(the lane sum of each tile's accumulators, those of the <paramref name="pieces"/> sets
    /// <paramref name="stride"/> vectors apart added lane-wise in order first) + beta·C.
    /// </summary>
    private static void DotStore<T>(ref readonly Problem<T> p, int tiles, Vector512<T>* acc, int pieces, int stride) where T : unmanaged, INumber<T>
    {
        int DR = DotRows(p.M), rowTiles = (p.M + DR - 1) / DR;
        bool keep = !Simd.IsZero(p.Beta);
        for (int t = 0; t < tiles; t++)
        {
            int r0 = t % rowTiles * DR, c0 = t / rowTiles * DC;
            Vector512<T>* s = acc + t * DotTileVectors;
            for (int r = 0; r < DR && r0 + r < p.M; r++)
                for (int c = 0; c < DC && c0 + c < p.N; c++)
                {
                    T* at = p.C + (long)(r0 + r) * p.Ldc + c0 + c;
                    Vector512<T> lanes = s[r * DC + c];
                    for (int q = 1; q < pieces; q++) lanes += s[(long)q * stride + r * DC + c];
                    T v = p.Alpha * Vector512.Sum(lanes);
                    *at = keep ? v + p.Beta * *at : v;
                }
        }
    }

    /// <summary>Images [i0, i1) of one 4×4 tile into its accumulators s (zeroed first when <paramref name="zero"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4<T>(ref readonly Problem<T> p, Vector512<T>* s, long* rows, long* cols, int i0, int i1, int strideA, int strideB, bool zero)
        where T : unmanaged, INumber<T>
    {
        int L = Vector512<T>.Count, K = p.K, kv = K / L * L, tail = K - kv;
        Vector512<T> s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33;
        if (zero) s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = Vector512<T>.Zero;
        else
        {
            s00 = s[0]; s01 = s[1]; s02 = s[2]; s03 = s[3]; s10 = s[4]; s11 = s[5]; s12 = s[6]; s13 = s[7];
            s20 = s[8]; s21 = s[9]; s22 = s[10]; s23 = s[11]; s30 = s[12]; s31 = s[13]; s32 = s[14]; s33 = s[15];
        }
        for (int i = i0; i < i1; i++)
        {
            T* a = p.A + (long)i * strideA, b = p.B + (long)i * strideB;
            T* a0 = a + rows[0], a1 = a + rows[1], a2 = a + rows[2], a3 = a + rows[3];
            T* b0 = b + cols[0], b1 = b + cols[1], b2 = b + cols[2], b3 = b + cols[3];
            for (int kk = 0; kk <= K - L || (kk < K && tail > 0); kk += L)
            {
                Vector512<T> x0, x1, x2, x3, y0, y1, y2, y3;
                if (kk + L <= K)
                {
                    x0 = Vector512.Load(a0 + kk); x1 = Vector512.Load(a1 + kk); x2 = Vector512.Load(a2 + kk); x3 = Vector512.Load(a3 + kk);
                    y0 = Vector512.Load(b0 + kk); y1 = Vector512.Load(b1 + kk); y2 = Vector512.Load(b2 + kk); y3 = Vector512.Load(b3 + kk);
                }
                else
                {
                    x0 = Simd.LoadFirst(a0 + kk, tail); x1 = Simd.LoadFirst(a1 + kk, tail); x2 = Simd.LoadFirst(a2 + kk, tail); x3 = Simd.LoadFirst(a3 + kk, tail);
                    y0 = Simd.LoadFirst(b0 + kk, tail); y1 = Simd.LoadFirst(b1 + kk, tail); y2 = Simd.LoadFirst(b2 + kk, tail); y3 = Simd.LoadFirst(b3 + kk, tail);
                }
                s00 = Simd.Fma(x0, y0, s00); s01 = Simd.Fma(x0, y1, s01); s02 = Simd.Fma(x0, y2, s02); s03 = Simd.Fma(x0, y3, s03);
                s10 = Simd.Fma(x1, y0, s10); s11 = Simd.Fma(x1, y1, s11); s12 = Simd.Fma(x1, y2, s12); s13 = Simd.Fma(x1, y3, s13);
                s20 = Simd.Fma(x2, y0, s20); s21 = Simd.Fma(x2, y1, s21); s22 = Simd.Fma(x2, y2, s22); s23 = Simd.Fma(x2, y3, s23);
                s30 = Simd.Fma(x3, y0, s30); s31 = Simd.Fma(x3, y1, s31); s32 = Simd.Fma(x3, y2, s32); s33 = Simd.Fma(x3, y3, s33);
            }
        }
        s[0] = s00; s[1] = s01; s[2] = s02; s[3] = s03; s[4] = s10; s[5] = s11; s[6] = s12; s[7] = s13;
        s[8] = s20; s[9] = s21; s[10] = s22; s[11] = s23; s[12] = s30; s[13] = s31; s[14] = s32; s[15] = s33;
    }

    /// <summary>Images [i0, i1) of one 3×4 tile into its accumulators s (zeroed first when <paramref name="zero"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile3<T>(ref readonly Problem<T> p, Vector512<T>* s, long* rows, long* cols, int i0, int i1, int strideA, int strideB, bool zero)
        where T : unmanaged, INumber<T>
    {
        int L = Vector512<T>.Count, K = p.K, kv = K / L * L, tail = K - kv;
        Vector512<T> s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23;
        if (zero) s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = s20 = s21 = s22 = s23 = Vector512<T>.Zero;
        else
        {
            s00 = s[0]; s01 = s[1]; s02 = s[2]; s03 = s[3]; s10 = s[4]; s11 = s[5]; s12 = s[6]; s13 = s[7];
            s20 = s[8]; s21 = s[9]; s22 = s[10]; s23 = s[11];
        }
        for (int i = i0; i < i1; i++)
        {
            T* a = p.A + (long)i * strideA, b = p.B + (long)i * strideB;
            T* a0 = a + rows[0], a1 = a + rows[1], a2 = a + rows[2];
            T* b0 = b + cols[0], b1 = b + cols[1], b2 = b + cols[2], b3 = b + cols[3];
            for (int kk = 0; kk <= K - L || (kk < K && tail > 0); kk += L)
            {
                Vector512<T> x0, x1, x2, y0, y1, y2, y3;
                if (kk + L <= K)
                {
                    x0 = Vector512.Load(a0 + kk); x1 = Vector512.Load(a1 + kk); x2 = Vector512.Load(a2 + kk);
                    y0 = Vector512.Load(b0 + kk); y1 = Vector512.Load(b1 + kk); y2 = Vector512.Load(b2 + kk); y3 = Vector512.Load(b3 + kk);
                }
                else
                {
                    x0 = Simd.LoadFirst(a0 + kk, tail); x1 = Simd.LoadFirst(a1 + kk, tail); x2 = Simd.LoadFirst(a2 + kk, tail);
                    y0 = Simd.LoadFirst(b0 + kk, tail); y1 = Simd.LoadFirst(b1 + kk, tail); y2 = Simd.LoadFirst(b2 + kk, tail); y3 = Simd.LoadFirst(b3 + kk, tail);
                }
                s00 = Simd.Fma(x0, y0, s00); s01 = Simd.Fma(x0, y1, s01); s02 = Simd.Fma(x0, y2, s02); s03 = Simd.Fma(x0, y3, s03);
                s10 = Simd.Fma(x1, y0, s10); s11 = Simd.Fma(x1, y1, s11); s12 = Simd.Fma(x1, y2, s12); s13 = Simd.Fma(x1, y3, s13);
                s20 = Simd.Fma(x2, y0, s20); s21 = Simd.Fma(x2, y1, s21); s22 = Simd.Fma(x2, y2, s22); s23 = Simd.Fma(x2, y3, s23);
            }
        }
        s[0] = s00; s[1] = s01; s[2] = s02; s[3] = s03; s[4] = s10; s[5] = s11; s[6] = s12; s[7] = s13;
        s[8] = s20; s[9] = s21; s[10] = s22; s[11] = s23;
    }
}
