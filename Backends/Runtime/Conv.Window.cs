using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

// Convolutions whose window columns are never stored ("implicit GEMM"): the products read each window vector straight
// from the image. For stride 1 without dilation, the window values of one output row segment for tap (channel, ki, kj)
// are a contiguous run of the image row (oy + ki − padH) starting at column (ox + kj − padW), so a window vector is one
// plain load from the image (from a zero-bordered copy when there is padding). A row of ow outputs is cut into 512-bit
// segments and a 256-bit tail (LeNet's 24-wide rows: 16 + 8 lanes, its 8-wide rows: one 256-bit vector): on such widths
// no lane is wasted and no load is masked (other widths end in one partial vector).
public static unsafe partial class Conv
{
    /// <summary>
    /// A convolution's forward product without window columns: for each image i of x [batch, c, h, w] (at
    /// <paramref name="xOffset"/>), <c>y_i = act(alpha·a·cols(x_i) + bias)</c>, an [m, oh·ow] matrix (images m·oh·ow
    /// apart in y), where <c>cols(x_i)</c> is the [c·kh·kw, oh·ow] window matrix <c>Im2Col</c> stores for stride 1 and
    /// zero padding (padH, padW), <paramref name="a"/> is the [m, c·kh·kw] weight matrix (row stride
    /// <paramref name="lda"/>) shared by every image, and <paramref name="bias"/> (length m, or null) is added to each row.
    /// The window values are read from the image where they lie, so the columns are never stored. Each output sums its
    /// taps in order (channel, kernel row, kernel column) with one rounding per product, as the batched GEMM does over
    /// stored columns; images are spread over the worker threads, so the result does not depend on the thread count.
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range, the window does not fit, or an array is too short.</exception>
    public static void WindowProduct(int batch, int m, float alpha, float[] a, int aOffset, int lda,
        float[] x, int xOffset, int c, int h, int w, int kh, int kw, int padH, int padW,
        float[]? bias, int biasOffset, Activation activation, float[] y, int yOffset)
        => WindowProduct<float>(batch, m, alpha, a, aOffset, lda, x, xOffset, c, h, w, kh, kw, padH, padW, bias, biasOffset, activation, y, yOffset);

    /// <inheritdoc cref="WindowProduct(int, int, float, float[], int, int, float[], int, int, int, int, int, int, int, int, float[], int, Activation, float[], int)"/>
    public static void WindowProduct(int batch, int m, double alpha, double[] a, int aOffset, int lda,
        double[] x, int xOffset, int c, int h, int w, int kh, int kw, int padH, int padW,
        double[]? bias, int biasOffset, Activation activation, double[] y, int yOffset)
        => WindowProduct<double>(batch, m, alpha, a, aOffset, lda, x, xOffset, c, h, w, kh, kw, padH, padW, bias, biasOffset, activation, y, yOffset);

    /// <summary>
    /// A convolution's weight gradient without window columns:
    /// <c>g = alpha·Σ_i d_i·cols(x_i)ᵀ + beta·g</c>, where <c>d_i</c> is image i's [m, oh·ow] output gradient (row stride
    /// oh·ow, images <paramref name="strideD"/> apart), <c>cols(x_i)</c> the [c·kh·kw, oh·ow] window matrix of image i of x
    /// [batch, c, h, w] for stride 1 and zero padding (padH, padW), and g the [m, c·kh·kw] result (row stride
    /// <paramref name="ldg"/>; read only when beta ≠ 0). The window values are read from the image where they lie. The
    /// images are summed in up to two pieces fixed by the shape (spread over the worker threads) whose sums are added in
    /// piece order, so the result does not depend on the thread count.
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range, the window does not fit, or an array is too short.</exception>
    public static void WindowProductSum(int batch, int m, float alpha, float[] d, int dOffset, int strideD,
        float[] x, int xOffset, int c, int h, int w, int kh, int kw, int padH, int padW,
        float beta, float[] g, int gOffset, int ldg)
        => WindowProductSum<float>(batch, m, alpha, d, dOffset, strideD, x, xOffset, c, h, w, kh, kw, padH, padW, beta, g, gOffset, ldg);

    /// <inheritdoc cref="WindowProductSum(int, int, float, float[], int, int, float[], int, int, int, int, int, int, int, int, float, float[], int, int)"/>
    public static void WindowProductSum(int batch, int m, double alpha, double[] d, int dOffset, int strideD,
        double[] x, int xOffset, int c, int h, int w, int kh, int kw, int padH, int padW,
        double beta, double[] g, int gOffset, int ldg)
        => WindowProductSum<double>(batch, m, alpha, d, dOffset, strideD, x, xOffset, c, h, w, kh, kw, padH, padW, beta, g, gOffset, ldg);

    private static void WindowProduct<T>(int batch, int m, T alpha, T[] a, int aOffset, int lda, T[] x, int xOffset,
        int c, int h, int w, int kh, int kw, int padH, int padW, T[]? bias, int biasOffset, Activation activation, T[] y, int yOffset)
        where T : unmanaged, INumber<T>
    {
        const string op = "Conv.WindowProduct";
        var g = Geometry.Create(op, batch, c, h, w, kh, kw, 1, 1, padH, padW);
        Guard.NonNegative(m, nameof(m), op);
        Guard.Enum(activation, op);
        int taps = WindowTaps(op, c, kh, kw);
        long plane = (long)g.Oh * g.Ow;
        if (batch * g.ImageSize > int.MaxValue || batch * m * plane > int.MaxValue)
            throw new ArgumentException($"{op}: {batch} images of {c}×{h}×{w} ({m} outputs of {g.Oh}×{g.Ow} each) are too large for one array.", nameof(batch));
        Guard.Matrix(a, nameof(a), aOffset, m, taps, lda, nameof(lda), op);
        Guard.Vector(x, nameof(x), xOffset, (int)(batch * g.ImageSize), op);
        if (bias is not null) Guard.Vector(bias, nameof(bias), biasOffset, m, op);
        Guard.Vector(y, nameof(y), yOffset, (int)(batch * m * plane), op);
        if (batch == 0 || m == 0 || plane == 0) return;
        fixed (T* pa = a, px = x, pb = bias, py = y)
        {
            var f = new Windows<T>(g, m, taps);
            f.A = pa + aOffset; f.Lda = lda; f.X = px + xOffset; f.Y = py + yOffset;
            f.Alpha = alpha; f.Bias = bias is null ? null : pb + biasOffset; f.Relu = activation == Activation.Relu;
            int threads = Parallelism.MaxThreads;
            long work = (long)batch * m * plane * Math.Max(1, taps);
            int parts = threads > 1 && batch > 1 && work >= Gemm.ParallelThreshold ? Gemm.FineParts(batch, threads) : 1;
            f.Pads = f.Padded ? Scratch<T>.Window((int)(parts * f.PaddedSize)) : null;
            if (parts > 1 && WorkerPool.TryAcquire(threads))
            {
                var job = ForwardJob<T>.Instance;
                try
                {
                    job.F = f; job.Batch = batch;
                    WorkerPool.RunAcquired(job, parts, threads);
                }
                finally
                {
                    job.F = default;
                    WorkerPool.Release();
                }
                return;
            }
            for (int i = 0; i < batch; i++) f.Forward(i, 0);
        }
    }

    private static void WindowProductSum<T>(int batch, int m, T alpha, T[] d, int dOffset, int strideD, T[] x, int xOffset,
        int c, int h, int w, int kh, int kw, int padH, int padW, T beta, T[] g, int gOffset, int ldg)
        where T : unmanaged, INumber<T>
    {
        const string op = "Conv.WindowProductSum";
        var geo = Geometry.Create(op, batch, c, h, w, kh, kw, 1, 1, padH, padW);
        Guard.NonNegative(m, nameof(m), op);
        int taps = WindowTaps(op, c, kh, kw);
        int plane = geo.Oh * geo.Ow;
        if (batch * geo.ImageSize > int.MaxValue)
            throw new ArgumentException($"{op}: {batch} images of {c}×{h}×{w} are too large for one array.", nameof(batch));
        Guard.BatchedMatrix(d, nameof(d), dOffset, m, plane, plane, "oh·ow", batch, strideD, nameof(strideD), op);
        Guard.Vector(x, nameof(x), xOffset, (int)(batch * geo.ImageSize), op);
        Guard.Matrix(g, nameof(g), gOffset, m, taps, ldg, nameof(ldg), op);
        if (m == 0 || taps == 0) return;
        fixed (T* pd = d, px = x, pg = g)
        {
            T* gm = pg + gOffset;
            bool keep = !Simd.IsZero(beta);
            if (batch == 0 || plane == 0 || Simd.IsZero(alpha))
            {
                // Nothing to add (alpha = 0 reads neither operand, as the GEMMs do).
                for (int o = 0; o < m; o++)
                    for (int t = 0; t < taps; t++)
                    {
                        T* at = gm + (long)o * ldg + t;
                        *at = keep ? beta * *at : T.Zero;
                    }
                return;
            }
            var f = new Windows<T>(geo, m, taps);
            f.X = px + xOffset; f.D = pd + dOffset; f.StrideD = strideD;
            int threads = Parallelism.MaxThreads;
            long work = (long)batch * m * plane * taps;
            int pieces = batch > 1 && work >= 2 * Gemm.ParallelThreshold ? Math.Min(SumPieces, batch) : 1;
            // Each piece's partial sums (m·taps), every padded image and the taps' offsets, all from the calling thread's
            // scratch (grown once): a worker that first runs a piece late allocates nothing.
            long sums = (long)pieces * m * taps, pads = f.Padded ? batch * f.PaddedSize : 0;
            long offsets = ((long)taps * sizeof(long) + sizeof(T) - 1) / sizeof(T);
            if ((f.Outer ? pieces * f.OuterElements : 0) + sums + pads + offsets > int.MaxValue)
                throw new ArgumentException($"{op}: {batch} padded images of {c}×{f.Hp}×{f.Wp} are too large for the scratch array.", nameof(batch));
            long outer = f.Outer ? pieces * f.OuterElements : 0;
            T* scratch = Scratch<T>.Window((int)(outer + sums + pads + offsets));
            f.Outer0 = scratch; // first: 64-byte aligned
            f.Sums = scratch + outer;
            f.Pads = f.Padded ? scratch + outer + sums : null;
            // Each tap's offset in the (padded) image from an output position's window origin, computed once (its
            // divisions in every tile cost LeNet's second weight gradient about 30 µs).
            f.TapOffsets = (long*)(scratch + outer + sums + pads);
            for (int t = 0, kk = kh * kw; t < taps; t++)
                f.TapOffsets[t] = t / kk * (long)f.Hp * f.Wp + t % kk / kw * (long)f.Wp + t % kw;
            if (pieces > 1 && threads > 1 && WorkerPool.TryAcquire(threads))
            {
                var job = SumJob<T>.Instance;
                try
                {
                    job.F = f; job.Batch = batch;
                    WorkerPool.RunAcquired(job, pieces, threads);
                }
                finally
                {
                    job.F = default;
                    WorkerPool.Release();
                }
            }
            else
                for (int q = 0; q < pieces; q++) f.Sum(Gemm.PartStart(batch, q, pieces, 1), Gemm.PartStart(batch, q + 1, pieces, 1), q);
            for (int o = 0; o < m; o++)
                for (int t = 0; t < taps; t++)
                {
                    T s = f.Sums[(long)o * taps + t];
                    for (int q = 1; q < pieces; q++) s += f.Sums[((long)q * m + o) * taps + t];
                    T* at = gm + (long)o * ldg + t;
                    *at = keep ? alpha * s + beta * *at : alpha * s;
                }
        }
    }

    /// <summary>
    /// Images summed in up to this many pieces fixed by the shape (half the batch each): every tile of a piece costs a
    /// fixed start and finish, so four pieces were slower than two on one thread (LeNet's second weight gradient 335 →
    /// 310 µs in the scratch micro-benchmark) and no faster on two.
    /// </summary>
    private const int SumPieces = 2;

    private static int WindowTaps(string op, int c, int kh, int kw)
    {
        long taps = (long)c * kh * kw;
        if (taps > int.MaxValue) throw new ArgumentException($"{op}: a window of {c}·{kh}·{kw} taps is too large.", nameof(c));
        return (int)taps;
    }

    private sealed class ForwardJob<T> : IParallelWork where T : unmanaged, INumber<T>
    {
        public static readonly ForwardJob<T> Instance = new();
        public Windows<T> F;
        public int Batch;

        public void Execute(int part, int parts)
        {
            for (int i = Gemm.PartStart(Batch, part, parts, 1), end = Gemm.PartStart(Batch, part + 1, parts, 1); i < end; i++) F.Forward(i, part);
        }
    }

    private sealed class SumJob<T> : IParallelWork where T : unmanaged, INumber<T>
    {
        public static readonly SumJob<T> Instance = new();
        public Windows<T> F;
        public int Batch;

        public void Execute(int part, int parts) => F.Sum(Gemm.PartStart(Batch, part, parts, 1), Gemm.PartStart(Batch, part + 1, parts, 1), part);
    }

    /// <summary>A tile extent known when the JIT compiles a tile (its unused slots then cost nothing).</summary>
    private interface ICount { static abstract int N { get; } }
    private struct Four : ICount { public static int N => 4; }
    private struct Six : ICount { public static int N => 6; }

    /// <summary>One call's operands and geometry; the source image of a tile is the image itself or its padded copy.</summary>
    private struct Windows<T> where T : unmanaged, INumber<T>
    {
        // Output rows per forward tile (by 6 or 4 channels: 24 or 16 accumulators).
        private const int FR = 4;

        public readonly int M, Taps, C, H, W, Kh, Kw, Ph, Pw, Oh, Ow, Hp, Wp;
        public readonly long ImageSize;
        public T* A; public int Lda;
        public T* X, Y, D, Sums, Pads, Outer0;
        public int StrideD;
        public long* TapOffsets;
        public T Alpha; public T* Bias; public bool Relu;

        public Windows(Geometry g, int m, int taps)
        {
            M = m; Taps = taps; C = g.C; H = g.H; W = g.W; Kh = g.Kh; Kw = g.Kw; Ph = g.Ph; Pw = g.Pw; Oh = g.Oh; Ow = g.Ow;
            Hp = H + 2 * Ph; Wp = W + 2 * Pw; ImageSize = g.ImageSize;
            A = X = Y = D = Sums = Pads = Outer0 = Bias = null; TapOffsets = null; Lda = StrideD = 0; Alpha = T.Zero; Relu = false;
        }

        public readonly bool Padded => Ph != 0 || Pw != 0;
        public readonly long PaddedSize => (long)C * Hp * Wp;

        /// <summary>Image i as the tiles read it: itself, or copied into the zero-bordered scratch image <paramref name="part"/>.</summary>
        private readonly T* Source(int i, int part)
        {
            T* x = X + i * ImageSize;
            if (!Padded) return x;
            T* p = Pads + part * PaddedSize;
            new Span<T>(p, (int)PaddedSize).Clear();
            for (int ch = 0; ch < C; ch++)
                for (int r = 0; r < H; r++)
                    new ReadOnlySpan<T>(x + ((long)ch * H + r) * W, W).CopyTo(new Span<T>(p + ((long)ch * Hp + r + Ph) * Wp + Pw, W));
            return p;
        }

        /// <summary>Whether 512-bit vectors are native (else every segment is 256-bit).</summary>
        private static bool Wide => Vector512.IsHardwareAccelerated;

        /// <summary>Image i's output (from its padded copy in scratch image <paramref name="part"/> when padded).</summary>
        public readonly void Forward(int i, int part)
        {
            T* src = Source(i, part);
            T* yi = Y + (long)i * M * Oh * Ow;
            if (Simd.IsZero(Alpha))
            {
                // alpha = 0 reads neither operand (as the GEMMs do): the bias, activated.
                for (int o = 0; o < M; o++)
                {
                    T v = Bias is null ? T.Zero : Bias[o];
                    if (Relu) v = T.Max(v, T.Zero); // Math.Max: NaN stays NaN, −0 becomes +0, as the vector maximum
                    new Span<T>(yi + (long)o * Oh * Ow, Oh * Ow).Fill(v);
                }
                return;
            }
            // Tiles of 6 channels, or of 4 when that repeats fewer (LeNet's 16 outputs: four tiles of 4, not 6 + 6 + 4).
            if (RoundUp(M, 6) <= RoundUp(M, 4)) ForwardTiles<Six>(src, yi);
            else ForwardTiles<Four>(src, yi);
        }

        /// <summary>Image i's output (source src, result yi) in tiles of TG channels by FR rows by one row segment.</summary>
        private readonly void ForwardTiles<TG>(T* src, T* yi) where TG : struct, ICount
        {
            int L = Wide ? Vector512<T>.Count : Vector256<T>.Count, half = Vector256<T>.Count;
            for (int o0 = 0; o0 < M; o0 += TG.N)
            {
                int gc = Math.Min(TG.N, M - o0);
                for (int y0 = 0; y0 < Oh; y0 += FR)
                {
                    int rows = Math.Min(FR, Oh - y0), x0 = 0;
                    for (; x0 + L <= Ow; x0 += L)
                    {
                        if (Wide) ForwardTile<V512<T>, Vector512<T>, Gemm.Yes, TG>(src, yi, o0, gc, y0, rows, x0, L);
                        else ForwardTile<V256<T>, Vector256<T>, Gemm.Yes, TG>(src, yi, o0, gc, y0, rows, x0, L);
                    }
                    int rest = Ow - x0;
                    if (rest > half) ForwardTile<V512<T>, Vector512<T>, Gemm.No, TG>(src, yi, o0, gc, y0, rows, x0, rest);
                    else if (rest == half) ForwardTile<V256<T>, Vector256<T>, Gemm.Yes, TG>(src, yi, o0, gc, y0, rows, x0, rest);
                    else if (rest > 0) ForwardTile<V256<T>, Vector256<T>, Gemm.No, TG>(src, yi, o0, gc, y0, rows, x0, rest);
                }
            }
        }

        /// <summary>n rounded up to a multiple of the tile size.</summary>
        private static int RoundUp(int n, int tile) => (n + tile - 1) / tile * tile;

        /// <summary>
        /// Outputs [o0, o0 + gc) × rows [y0, y0 + rows) × columns [x0, x0 + len) (len ≤ one vector of TV, all of it when
        /// TFull is on): per tap, one window vector per row and one weight per channel. A tile of fewer channels or rows
        /// repeats its last one (no branch in the loop), and the repeats are not stored.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void ForwardTile<TS, TV, TFull, TG>(T* src, T* yi, int o0, int gc, int y0, int rows, int x0, int len)
            where TS : ISimd<TV, T> where TV : unmanaged where TFull : struct, Gemm.IFlag where TG : struct, ICount
        {
            TV zero = TS.Splat(T.Zero);
            TV a00 = zero, a01 = zero, a02 = zero, a03 = zero, a04 = zero, a05 = zero;
            TV a10 = zero, a11 = zero, a12 = zero, a13 = zero, a14 = zero, a15 = zero;
            TV a20 = zero, a21 = zero, a22 = zero, a23 = zero, a24 = zero, a25 = zero;
            TV a30 = zero, a31 = zero, a32 = zero, a33 = zero, a34 = zero, a35 = zero;
            int wp = Wp, kw = Kw;
            long plane = (long)Hp * Wp, lda = Lda;
            T* w0 = A + o0 * lda;
            T* w1 = w0 + Math.Min(1, gc - 1) * lda, w2 = w0 + Math.Min(2, gc - 1) * lda, w3 = w0 + Math.Min(3, gc - 1) * lda,
                w4 = w0 + Math.Min(4, gc - 1) * lda, w5 = w0 + Math.Min(5, gc - 1) * lda;
            long d1 = Math.Min(1, rows - 1) * (long)wp, d2 = Math.Min(2, rows - 1) * (long)wp, d3 = Math.Min(3, rows - 1) * (long)wp;
            int t = 0;
            for (int ch = 0; ch < C; ch++)
                for (int ki = 0; ki < Kh; ki++)
                {
                    T* r0 = src + ch * plane + (long)(y0 + ki) * wp + x0;
                    for (int kj = 0; kj < kw; kj++, t++)
                    {
                        T* p = r0 + kj;
                        TV v0, v1, v2, v3;
                        if (TFull.On) { v0 = TS.Load(p); v1 = TS.Load(p + d1); v2 = TS.Load(p + d2); v3 = TS.Load(p + d3); }
                        else { v0 = TS.LoadPartial(p, len, zero); v1 = TS.LoadPartial(p + d1, len, zero); v2 = TS.LoadPartial(p + d2, len, zero); v3 = TS.LoadPartial(p + d3, len, zero); }
                        TV s = TS.Splat(w0[t]); a00 = TS.Fma(v0, s, a00); a10 = TS.Fma(v1, s, a10); a20 = TS.Fma(v2, s, a20); a30 = TS.Fma(v3, s, a30);
                        s = TS.Splat(w1[t]); a01 = TS.Fma(v0, s, a01); a11 = TS.Fma(v1, s, a11); a21 = TS.Fma(v2, s, a21); a31 = TS.Fma(v3, s, a31);
                        s = TS.Splat(w2[t]); a02 = TS.Fma(v0, s, a02); a12 = TS.Fma(v1, s, a12); a22 = TS.Fma(v2, s, a22); a32 = TS.Fma(v3, s, a32);
                        s = TS.Splat(w3[t]); a03 = TS.Fma(v0, s, a03); a13 = TS.Fma(v1, s, a13); a23 = TS.Fma(v2, s, a23); a33 = TS.Fma(v3, s, a33);
                        if (TG.N > 4)
                        {
                            s = TS.Splat(w4[t]); a04 = TS.Fma(v0, s, a04); a14 = TS.Fma(v1, s, a14); a24 = TS.Fma(v2, s, a24); a34 = TS.Fma(v3, s, a34);
                            s = TS.Splat(w5[t]); a05 = TS.Fma(v0, s, a05); a15 = TS.Fma(v1, s, a15); a25 = TS.Fma(v2, s, a25); a35 = TS.Fma(v3, s, a35);
                        }
                    }
                }
            // Out of registers first: a call made while the accumulators are live makes the JIT spill them at every FMA.
            TV* acc = stackalloc TV[24];
            acc[0] = a00; acc[1] = a01; acc[2] = a02; acc[3] = a03; acc[4] = a04; acc[5] = a05;
            acc[6] = a10; acc[7] = a11; acc[8] = a12; acc[9] = a13; acc[10] = a14; acc[11] = a15;
            acc[12] = a20; acc[13] = a21; acc[14] = a22; acc[15] = a23; acc[16] = a24; acc[17] = a25;
            acc[18] = a30; acc[19] = a31; acc[20] = a32; acc[21] = a33; acc[22] = a34; acc[23] = a35;
            // Row r, channel o0 + o of the tile: alpha·sum, + bias, ReLU (the GEMM epilogue's arithmetic).
            TV alpha = TS.Splat(Alpha);
            long outPlane = (long)Oh * Ow;
            T* out0 = yi + o0 * outPlane + (long)y0 * Ow + x0;
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < gc; o++)
                {
                    TV v = TS.Mul(acc[r * 6 + o], alpha);
                    if (Bias != null) v = TS.Add(v, TS.Splat(Bias[o0 + o]));
                    if (Relu) v = TS.Maximum(v, zero);
                    T* dst = out0 + o * outPlane + (long)r * Ow;
                    if (TFull.On) TS.Store(v, dst); else TS.StorePartial(v, dst, len);
                }
        }

        /// <summary>
        /// Images [i0, i1) into piece q's partial sums (Sums + q·M·Taps): every tile of SG channels by ST taps runs over
        /// the piece's images, first over the rows' 512-bit segments, then over their 256-bit tails, each its own lane
        /// accumulators, summed across lanes into the partial sums in that order.
        /// </summary>
        public readonly void Sum(int i0, int i1, int q)
        {
            T* sums = Sums + (long)q * M * Taps;
            new Span<T>(sums, M * Taps).Clear();
            if (i1 <= i0) return;
            if (Outer)
            {
                SumOuter(i0, i1, q, sums);
                return;
            }
            // Tiles of 6 channels by 4 taps or 4 by 6, whichever repeats fewer (LeNet: 6 × 25 takes 6×4, 16 × 150 4×6).
            if ((long)RoundUp(M, 6) * RoundUp(Taps, 4) <= (long)RoundUp(M, 4) * RoundUp(Taps, 6)) SumTiles<Six, Four>(i0, i1, q, sums);
            else SumTiles<Four, Six>(i0, i1, q, sums);
        }

        /// <summary>
        /// Whether the weight gradient runs as outer products over the output channels (<see cref="SumOuter"/>): 512-bit
        /// vectors, whole vectors of channels, kernels 5 wide.
        /// </summary>
        public readonly bool Outer => Wide && M % Vector512<T>.Count == 0 && Kw == OuterKw;

        /// <summary>The kernel width the outer-product weight gradient is written for (its tile: 5 kernel rows of 5).</summary>
        private const int OuterKw = 5;

        /// <summary>Elements of one piece's scratch for <see cref="SumOuter"/>: the gradient by tap [taps, m] and one
        /// image's output gradient by position [oh·ow, m].</summary>
        public readonly long OuterElements => (long)Taps * M + (long)Oh * Ow * M;

        /// <summary>
        /// Images [i0, i1) of piece q into its partial sums as outer products: for each image, its output gradient is
        /// transposed to [position, channel]; then for each vector of channels and each tile of up to five kernel rows
        /// (of any input channels), every output position adds its channels' gradient times the broadcast window value to
        /// the tile's 25 accumulators, which hold the gradient itself (no lane sums). Each tap's gradient by channel lives
        /// in the piece's scratch [taps, m] between images and is transposed into the partial sums at the end.
        /// </summary>
        private readonly void SumOuter(int i0, int i1, int q, T* sums)
        {
            int L = Vector512<T>.Count, plane0 = Oh * Ow, rowsTotal = C * Kh;
            T* g = Outer0 + q * OuterElements, dt = g + (long)Taps * M;
            new Span<T>(g, Taps * M).Clear();
            for (int i = i0; i < i1; i++)
            {
                T* src = Padded ? Source(i, i) : X + i * ImageSize;
                T* di = D + (long)i * StrideD;
                Transpose(di, dt, plane0);
                for (int ov = 0; ov < M; ov += L)
                    for (int r0 = 0; r0 < rowsTotal; r0 += 5)
                        OuterTile(src, dt + ov, g + (long)r0 * OuterKw * M + ov, r0, Math.Min(5, rowsTotal - r0));
            }
            for (int o = 0; o < M; o++)
                for (int t = 0; t < Taps; t++) sums[(long)o * Taps + t] = g[(long)t * M + o];
        }

        /// <summary>dt[p·M + o] = d[o·plane + p]: an image's output gradient by position (8×8 blocks of shuffles for float: a
        /// scalar transpose took a third of LeNet's second weight gradient's time).</summary>
        private readonly void Transpose(T* d, T* dt, int plane)
        {
            int p0 = 0;
            if (typeof(T) == typeof(float) && Avx.IsSupported)
            {
                // 8×8 blocks: eight channels' rows of eight positions in, eight positions' vectors of channels out.
                for (; p0 + 8 <= plane; p0 += 8)
                    for (int o0 = 0; o0 < M; o0 += 8)
                    {
                        float* f = (float*)d + (long)o0 * plane + p0;
                        Vector256<float> r0 = Vector256.Load(f), r1 = Vector256.Load(f + plane), r2 = Vector256.Load(f + 2L * plane), r3 = Vector256.Load(f + 3L * plane),
                            r4 = Vector256.Load(f + 4L * plane), r5 = Vector256.Load(f + 5L * plane), r6 = Vector256.Load(f + 6L * plane), r7 = Vector256.Load(f + 7L * plane);
                        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3),
                            t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
                        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE),
                            u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
                        float* to = (float*)dt + (long)p0 * M + o0;
                        Avx.Permute2x128(u0, u4, 0x20).Store(to); Avx.Permute2x128(u1, u5, 0x20).Store(to + M);
                        Avx.Permute2x128(u2, u6, 0x20).Store(to + 2L * M); Avx.Permute2x128(u3, u7, 0x20).Store(to + 3L * M);
                        Avx.Permute2x128(u0, u4, 0x31).Store(to + 4L * M); Avx.Permute2x128(u1, u5, 0x31).Store(to + 5L * M);
                        Avx.Permute2x128(u2, u6, 0x31).Store(to + 6L * M); Avx.Permute2x128(u3, u7, 0x31).Store(to + 7L * M);
                    }
            }
            for (int o = 0; o < M; o++)
                for (int p = p0; p < plane; p++) dt[(long)p * M + o] = d[(long)o * plane + p];
        }

        /// <summary>
        /// Kernel rows [r0, r0 + rows) (row r: input channel r / kh, kernel row r % kh) of one image: acc[j·5 + kx] (at g,
        /// rows M apart) += Σ over output positions p of dt[p] (one vector of channels) · window value (r0 + j, kx) at p.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void OuterTile(T* src, T* dt, T* g, int r0, int rows)
        {
            long m = M;
            Vector512<T> z = Vector512<T>.Zero;
            Vector512<T> a00 = Vector512.Load(g), a01 = Vector512.Load(g + m), a02 = Vector512.Load(g + 2 * m), a03 = Vector512.Load(g + 3 * m), a04 = Vector512.Load(g + 4 * m);
            Vector512<T> a10 = z, a11 = z, a12 = z, a13 = z, a14 = z, a20 = z, a21 = z, a22 = z, a23 = z, a24 = z;
            Vector512<T> a30 = z, a31 = z, a32 = z, a33 = z, a34 = z, a40 = z, a41 = z, a42 = z, a43 = z, a44 = z;
            if (rows > 1) { T* h = g + 5 * m; a10 = Vector512.Load(h); a11 = Vector512.Load(h + m); a12 = Vector512.Load(h + 2 * m); a13 = Vector512.Load(h + 3 * m); a14 = Vector512.Load(h + 4 * m); }
            if (rows > 2) { T* h = g + 10 * m; a20 = Vector512.Load(h); a21 = Vector512.Load(h + m); a22 = Vector512.Load(h + 2 * m); a23 = Vector512.Load(h + 3 * m); a24 = Vector512.Load(h + 4 * m); }
            if (rows > 3) { T* h = g + 15 * m; a30 = Vector512.Load(h); a31 = Vector512.Load(h + m); a32 = Vector512.Load(h + 2 * m); a33 = Vector512.Load(h + 3 * m); a34 = Vector512.Load(h + 4 * m); }
            if (rows > 4) { T* h = g + 20 * m; a40 = Vector512.Load(h); a41 = Vector512.Load(h + m); a42 = Vector512.Load(h + 2 * m); a43 = Vector512.Load(h + 3 * m); a44 = Vector512.Load(h + 4 * m); }
            // Each kernel row's image row for output row 0 (a tile of fewer rows repeats its last one; not stored).
            long plane = (long)Hp * Wp;
            int kh = Kh, wpr = Wp;
            T* RowOf(int r) => src + r / kh * plane + (long)(r % kh) * wpr;
            T* x0 = RowOf(r0), x1 = RowOf(r0 + Math.Min(1, rows - 1)), x2 = RowOf(r0 + Math.Min(2, rows - 1)),
                x3 = RowOf(r0 + Math.Min(3, rows - 1)), x4 = RowOf(r0 + Math.Min(4, rows - 1));
            int wp = Wp, ow = Ow;
            for (int oy = 0; oy < Oh; oy++, x0 += wp, x1 += wp, x2 += wp, x3 += wp, x4 += wp)
            {
                T* dp = dt + (long)oy * ow * m;
                for (int ox = 0; ox < ow; ox++, dp += m)
                {
                    Vector512<T> d = Vector512.Load(dp);
                    a00 = Simd.Fma(d, Vector512.Create(x0[ox]), a00); a01 = Simd.Fma(d, Vector512.Create(x0[ox + 1]), a01); a02 = Simd.Fma(d, Vector512.Create(x0[ox + 2]), a02);
                    a03 = Simd.Fma(d, Vector512.Create(x0[ox + 3]), a03); a04 = Simd.Fma(d, Vector512.Create(x0[ox + 4]), a04);
                    a10 = Simd.Fma(d, Vector512.Create(x1[ox]), a10); a11 = Simd.Fma(d, Vector512.Create(x1[ox + 1]), a11); a12 = Simd.Fma(d, Vector512.Create(x1[ox + 2]), a12);
                    a13 = Simd.Fma(d, Vector512.Create(x1[ox + 3]), a13); a14 = Simd.Fma(d, Vector512.Create(x1[ox + 4]), a14);
                    a20 = Simd.Fma(d, Vector512.Create(x2[ox]), a20); a21 = Simd.Fma(d, Vector512.Create(x2[ox + 1]), a21); a22 = Simd.Fma(d, Vector512.Create(x2[ox + 2]), a22);
                    a23 = Simd.Fma(d, Vector512.Create(x2[ox + 3]), a23); a24 = Simd.Fma(d, Vector512.Create(x2[ox + 4]), a24);
                    a30 = Simd.Fma(d, Vector512.Create(x3[ox]), a30); a31 = Simd.Fma(d, Vector512.Create(x3[ox + 1]), a31); a32 = Simd.Fma(d, Vector512.Create(x3[ox + 2]), a32);
                    a33 = Simd.Fma(d, Vector512.Create(x3[ox + 3]), a33); a34 = Simd.Fma(d, Vector512.Create(x3[ox + 4]), a34);
                    a40 = Simd.Fma(d, Vector512.Create(x4[ox]), a40); a41 = Simd.Fma(d, Vector512.Create(x4[ox + 1]), a41); a42 = Simd.Fma(d, Vector512.Create(x4[ox + 2]), a42);
                    a43 = Simd.Fma(d, Vector512.Create(x4[ox + 3]), a43); a44 = Simd.Fma(d, Vector512.Create(x4[ox + 4]), a44);
                }
            }
            a00.Store(g); a01.Store(g + m); a02.Store(g + 2 * m); a03.Store(g + 3 * m); a04.Store(g + 4 * m);
            if (rows > 1) { T* h = g + 5 * m; a10.Store(h); a11.Store(h + m); a12.Store(h + 2 * m); a13.Store(h + 3 * m); a14.Store(h + 4 * m); }
            if (rows > 2) { T* h = g + 10 * m; a20.Store(h); a21.Store(h + m); a22.Store(h + 2 * m); a23.Store(h + 3 * m); a24.Store(h + 4 * m); }
            if (rows > 3) { T* h = g + 15 * m; a30.Store(h); a31.Store(h + m); a32.Store(h + 2 * m); a33.Store(h + 3 * m); a34.Store(h + 4 * m); }
            if (rows > 4) { T* h = g + 20 * m; a40.Store(h); a41.Store(h + m); a42.Store(h + 2 * m); a43.Store(h + 3 * m); a44.Store(h + 4 * m); }
        }

        /// <summary>Images [i0, i1) of piece q into its partial sums, in tiles of TG channels by TT taps.</summary>
        private readonly void SumTiles<TG, TT>(int i0, int i1, int q, T* sums) where TG : struct, ICount where TT : struct, ICount
        {
            int L = Wide ? Vector512<T>.Count : Vector256<T>.Count, half = Vector256<T>.Count;
            int body = Ow / L * L, rest = Ow - body;
            bool tailWide = rest > half;
            // Every tile runs over the whole piece with its accumulators in registers, then adds their lane sums to the
            // piece's (blocks of images small enough to stay in L1, the accumulators kept in memory between them, were
            // slower, as were the lane sums taken in a pass of their own). Padded images are first copied into the
            // scratch images of the piece's range.
            T* src = X + i0 * ImageSize;
            long srcStride = ImageSize;
            if (Padded)
            {
                for (int i = i0; i < i1; i++) Source(i, i);
                src = Pads + i0 * PaddedSize;
                srcStride = PaddedSize;
            }
            for (int o0 = 0; o0 < M; o0 += TG.N)
            {
                int gc = Math.Min(TG.N, M - o0);
                for (int t0 = 0; t0 < Taps; t0 += TT.N)
                {
                    int tc = Math.Min(TT.N, Taps - t0);
                    T* at = sums + (long)o0 * Taps + t0;
                    if (body > 0)
                    {
                        if (Wide) SumTile<V512<T>, Vector512<T>, Gemm.Yes, TG, TT>(src, srcStride, i0, i1, o0, gc, t0, tc, 0, body, L, at);
                        else SumTile<V256<T>, Vector256<T>, Gemm.Yes, TG, TT>(src, srcStride, i0, i1, o0, gc, t0, tc, 0, body, L, at);
                    }
                    if (rest > 0)
                    {
                        if (tailWide) SumTile<V512<T>, Vector512<T>, Gemm.No, TG, TT>(src, srcStride, i0, i1, o0, gc, t0, tc, body, rest, rest, at);
                        else if (rest == half) SumTile<V256<T>, Vector256<T>, Gemm.Yes, TG, TT>(src, srcStride, i0, i1, o0, gc, t0, tc, body, rest, rest, at);
                        else SumTile<V256<T>, Vector256<T>, Gemm.No, TG, TT>(src, srcStride, i0, i1, o0, gc, t0, tc, body, rest, rest, at);
                    }
                }
            }
        }

        /// <summary>
        /// Channels [o0, o0 + gc) by taps [t0, t0 + tc) (a tile of TG by TT) over images [i0, i1) (the first at src, the
        /// next srcStride on), every output row's columns [x0, x0 + width) in vectors of <paramref name="len"/> lanes:
        /// lane accumulators, then each summed across its lanes and added to at[o·Taps + t]. A tile of fewer channels or
        /// taps repeats its last one (no branch in the loop), and the repeats are not added.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void SumTile<TS, TV, TFull, TG, TT>(T* src, long srcStride, int i0, int i1, int o0, int gc, int t0, int tc,
            int x0, int width, int len, T* at)
            where TS : ISimd<TV, T> where TV : unmanaged where TFull : struct, Gemm.IFlag where TG : struct, ICount where TT : struct, ICount
        {
            TV zero = TS.Splat(T.Zero);
            TV s00 = zero, s01 = zero, s02 = zero, s03 = zero, s04 = zero, s05 = zero;
            TV s10 = zero, s11 = zero, s12 = zero, s13 = zero, s14 = zero, s15 = zero;
            TV s20 = zero, s21 = zero, s22 = zero, s23 = zero, s24 = zero, s25 = zero;
            TV s30 = zero, s31 = zero, s32 = zero, s33 = zero, s34 = zero, s35 = zero;
            TV s40 = zero, s41 = zero, s42 = zero, s43 = zero, s44 = zero, s45 = zero;
            TV s50 = zero, s51 = zero, s52 = zero, s53 = zero, s54 = zero, s55 = zero;
            int wp = Wp, plane0 = Oh * Ow;
            long* tap = TapOffsets + t0;
            long f0 = tap[0], f1 = tap[Math.Min(1, tc - 1)], f2 = tap[Math.Min(2, tc - 1)],
                f3 = tap[Math.Min(3, tc - 1)], f4 = tap[Math.Min(4, tc - 1)], f5 = tap[Math.Min(5, tc - 1)];
            long e1 = Math.Min(1, gc - 1) * (long)plane0, e2 = Math.Min(2, gc - 1) * (long)plane0, e3 = Math.Min(3, gc - 1) * (long)plane0,
                e4 = Math.Min(4, gc - 1) * (long)plane0, e5 = Math.Min(5, gc - 1) * (long)plane0;
            for (int i = i0; i < i1; i++)
            {
                T* img = src + (i - i0) * srcStride;
                T* di = D + (long)i * StrideD + (long)o0 * plane0;
                for (int oy = 0; oy < Oh; oy++)
                {
                    T* row = img + (long)oy * wp;
                    T* drow = di + (long)oy * Ow;
                    for (int ox = x0; ox < x0 + width; ox += len)
                    {
                        T* dp = drow + ox;
                        T* xp = row + ox;
                        TV d0 = Load(dp), d1 = Load(dp + e1), d2 = Load(dp + e2), d3 = Load(dp + e3), d4 = zero, d5 = zero, v;
                        if (TG.N > 4) { d4 = Load(dp + e4); d5 = Load(dp + e5); }
                        { v = Load(xp + f0); s00 = TS.Fma(d0, v, s00); s10 = TS.Fma(d1, v, s10); s20 = TS.Fma(d2, v, s20); s30 = TS.Fma(d3, v, s30); if (TG.N > 4) { s40 = TS.Fma(d4, v, s40); s50 = TS.Fma(d5, v, s50); } }
                        { v = Load(xp + f1); s01 = TS.Fma(d0, v, s01); s11 = TS.Fma(d1, v, s11); s21 = TS.Fma(d2, v, s21); s31 = TS.Fma(d3, v, s31); if (TG.N > 4) { s41 = TS.Fma(d4, v, s41); s51 = TS.Fma(d5, v, s51); } }
                        { v = Load(xp + f2); s02 = TS.Fma(d0, v, s02); s12 = TS.Fma(d1, v, s12); s22 = TS.Fma(d2, v, s22); s32 = TS.Fma(d3, v, s32); if (TG.N > 4) { s42 = TS.Fma(d4, v, s42); s52 = TS.Fma(d5, v, s52); } }
                        { v = Load(xp + f3); s03 = TS.Fma(d0, v, s03); s13 = TS.Fma(d1, v, s13); s23 = TS.Fma(d2, v, s23); s33 = TS.Fma(d3, v, s33); if (TG.N > 4) { s43 = TS.Fma(d4, v, s43); s53 = TS.Fma(d5, v, s53); } }
                        if (TT.N > 4) { v = Load(xp + f4); s04 = TS.Fma(d0, v, s04); s14 = TS.Fma(d1, v, s14); s24 = TS.Fma(d2, v, s24); s34 = TS.Fma(d3, v, s34); if (TG.N > 4) { s44 = TS.Fma(d4, v, s44); s54 = TS.Fma(d5, v, s54); } }
                        if (TT.N > 4) { v = Load(xp + f5); s05 = TS.Fma(d0, v, s05); s15 = TS.Fma(d1, v, s15); s25 = TS.Fma(d2, v, s25); s35 = TS.Fma(d3, v, s35); if (TG.N > 4) { s45 = TS.Fma(d4, v, s45); s55 = TS.Fma(d5, v, s55); } }
                    }
                }
            }
            // Out of registers first: a call made while the accumulators are live makes the JIT spill them at every FMA.
            TV* acc = stackalloc TV[36];
            acc[0] = s00; acc[1] = s01; acc[2] = s02; acc[3] = s03; acc[4] = s04; acc[5] = s05;
            acc[6] = s10; acc[7] = s11; acc[8] = s12; acc[9] = s13; acc[10] = s14; acc[11] = s15;
            acc[12] = s20; acc[13] = s21; acc[14] = s22; acc[15] = s23; acc[16] = s24; acc[17] = s25;
            acc[18] = s30; acc[19] = s31; acc[20] = s32; acc[21] = s33; acc[22] = s34; acc[23] = s35;
            acc[24] = s40; acc[25] = s41; acc[26] = s42; acc[27] = s43; acc[28] = s44; acc[29] = s45;
            acc[30] = s50; acc[31] = s51; acc[32] = s52; acc[33] = s53; acc[34] = s54; acc[35] = s55;
            for (int o = 0; o < gc; o++)
                for (int t = 0; t < tc; t++) at[(long)o * Taps + t] += TS.SumAcross(acc[o * 6 + t]);

            TV Load(T* p) => TFull.On ? TS.Load(p) : TS.LoadPartial(p, len, zero);
        }
    }
}
