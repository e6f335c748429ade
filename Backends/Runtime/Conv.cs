using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

/// <summary>
/// Convolution lowering for NCHW tensors (1-D convolution is the H = 1 case). <see cref="Im2Col(float[], int, int, int, int, int, int, int, int, int, int, int, float[], int)"/>
/// unfolds input patches so a convolution becomes one GEMM per image (<c>W[cout, c·kh·kw] · col</c>, bias per row);
/// <see cref="Col2Im(float[], int, int, int, int, int, int, int, int, int, int, int, float[], int, bool)"/> is its adjoint
/// (sums overlapping patches), used for the input gradient. Output size: <c>oh = (h + 2·padH − kh) / strideH + 1</c>,
/// likewise ow. Images are spread over the worker threads; results do not depend on the thread count.
/// </summary>
public static unsafe partial class Conv
{
    /// <summary>Output height or width of a convolution, or throws when the window does not fit.</summary>
    /// <exception cref="ArgumentException">The kernel is larger than the padded input, or a parameter is out of range.</exception>
    public static int OutputSize(int size, int kernel, int stride, int pad)
    {
        Guard.Positive(kernel, nameof(kernel), "Conv.OutputSize");
        Guard.Positive(stride, nameof(stride), "Conv.OutputSize");
        Guard.NonNegative(pad, nameof(pad), "Conv.OutputSize");
        Guard.NonNegative(size, nameof(size), "Conv.OutputSize");
        if (size + 2 * pad < kernel)
            throw new ArgumentException($"Conv: kernel {kernel} is larger than the padded input {size} + 2·{pad}.", nameof(kernel));
        return (size + 2 * pad - kernel) / stride + 1;
    }

    /// <summary>
    /// Unfolds x [n, c, h, w] (at <paramref name="xOff"/>) into col [n][c·kh·kw][oh·ow] (at <paramref name="colOff"/>):
    /// <c>col[b, (ch·kh + ki)·kw + kj, oy·ow + ox] = x[b, ch, oy·strideH − padH + ki, ox·strideW − padW + kj]</c>, zero outside x.
    /// </summary>
    /// <exception cref="ArgumentException">A size or stride is out of range or an array is too short.</exception>
    public static void Im2Col(float[] x, int xOff, int n, int c, int h, int w, int kh, int kw,
        int strideH, int strideW, int padH, int padW, float[] col, int colOff)
    {
        var g = Geometry.Create("Conv.Im2Col", n, c, h, w, kh, kw, strideH, strideW, padH, padW);
        g.Check(x, xOff, col, colOff, "Conv.Im2Col");
        fixed (float* px = x, pc = col) g.Run(px + xOff, pc + colOff, forward: true, accumulate: false);
    }

    /// <inheritdoc cref="Im2Col(float[], int, int, int, int, int, int, int, int, int, int, int, float[], int)"/>
    public static void Im2Col(double[] x, int xOff, int n, int c, int h, int w, int kh, int kw,
        int strideH, int strideW, int padH, int padW, double[] col, int colOff)
    {
        var g = Geometry.Create("Conv.Im2Col", n, c, h, w, kh, kw, strideH, strideW, padH, padW);
        g.Check(x, xOff, col, colOff, "Conv.Im2Col");
        fixed (double* px = x, pc = col) g.Run(px + xOff, pc + colOff, forward: true, accumulate: false);
    }

    /// <summary>
    /// The adjoint of <see cref="Im2Col(float[], int, int, int, int, int, int, int, int, int, int, int, float[], int)"/>:
    /// <c>x = (accumulate ? x : 0) + Σ</c> of every col entry into the input position it was read from.
    /// </summary>
    /// <exception cref="ArgumentException">A size or stride is out of range or an array is too short.</exception>
    public static void Col2Im(float[] col, int colOff, int n, int c, int h, int w, int kh, int kw,
        int strideH, int strideW, int padH, int padW, float[] x, int xOff, bool accumulate)
    {
        var g = Geometry.Create("Conv.Col2Im", n, c, h, w, kh, kw, strideH, strideW, padH, padW);
        g.Check(x, xOff, col, colOff, "Conv.Col2Im");
        fixed (float* px = x, pc = col) g.Run(px + xOff, pc + colOff, forward: false, accumulate);
    }

    /// <inheritdoc cref="Col2Im(float[], int, int, int, int, int, int, int, int, int, int, int, float[], int, bool)"/>
    public static void Col2Im(double[] col, int colOff, int n, int c, int h, int w, int kh, int kw,
        int strideH, int strideW, int padH, int padW, double[] x, int xOff, bool accumulate)
    {
        var g = Geometry.Create("Conv.Col2Im", n, c, h, w, kh, kw, strideH, strideW, padH, padW);
        g.Check(x, xOff, col, colOff, "Conv.Col2Im");
        fixed (double* px = x, pc = col) g.Run(px + xOff, pc + colOff, forward: false, accumulate);
    }

    /// <summary>Im2Col (<paramref name="forward"/>) or Col2Im for any element type, checked like the public entry points.</summary>
    internal static void Unfold<T>(string op, T[] x, int xOff, T[] col, int colOff, int n, int c, int h, int w, int kh, int kw,
        int strideH, int strideW, int padH, int padW, bool forward, bool accumulate) where T : unmanaged, INumber<T>
    {
        var g = Geometry.Create(op, n, c, h, w, kh, kw, strideH, strideW, padH, padW);
        g.Check(x, xOff, col, colOff, op);
        fixed (T* px = x, pc = col) g.Run(px + xOff, pc + colOff, forward, accumulate);
    }

    /// <summary>
    /// Dilated Im2Col (<paramref name="forward"/>) or Col2Im for any element type: a window's taps are
    /// <paramref name="dilationH"/> rows and <paramref name="dilationW"/> columns apart, so tap (ki, kj) of output (oy, ox)
    /// reads <c>x[oy·strideH − padH + ki·dilationH, ox·strideW − padW + kj·dilationW]</c>; the output size is
    /// <c>(h + 2·padH − dilationH·(kh − 1) − 1) / strideH + 1</c>, likewise the width.
    /// </summary>
    internal static void Unfold<T>(string op, T[] x, int xOff, T[] col, int colOff, int n, int c, int h, int w, int kh, int kw,
        int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, bool forward, bool accumulate) where T : unmanaged, INumber<T>
    {
        var g = Geometry.Create(op, n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW);
        g.Check(x, xOff, col, colOff, op);
        fixed (T* px = x, pc = col) g.Run(px + xOff, pc + colOff, forward, accumulate);
    }

    /// <summary>
    /// A convolution's input gradient in one pass: for each image i, the product <c>C_i = alpha·op(A_i)·op(B_i)</c>
    /// (m×n, with m = c·kh·kw window rows and n = oh·ow positions; matrix i of A and B at its offset + i·stride, a stride
    /// of 0 sharing the operand) is folded back into the image i of x [batch, c, h, w] like
    /// <see cref="Col2Im(float[], int, int, int, int, int, int, int, int, int, int, int, float[], int, bool)"/> (x is
    /// overwritten). Each product lives only in the calling thread's cache before it is folded; the result is
    /// bit-identical to a batched GEMM followed by Col2Im, and independent of the thread count (images are spread over
    /// threads, each written by one).
    /// </summary>
    /// <exception cref="ArgumentException">A size, stride or dilation is out of range, m or n does not match the window,
    /// or an array is too short; the message names the argument.</exception>
    public static void ProductCol2Im(int batch, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, int strideA, bool transA,
        float[] b, int bOffset, int ldb, int strideB, bool transB,
        float[] x, int xOffset, int c, int h, int w, int kh, int kw,
        int strideH, int strideW, int padH, int padW, int dilationH, int dilationW)
        => ProductCol2Im<float>(batch, m, n, k, alpha, a, aOffset, lda, strideA, transA, b, bOffset, ldb, strideB, transB,
            x, xOffset, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW);

    /// <inheritdoc cref="ProductCol2Im(int, int, int, int, float, float[], int, int, int, bool, float[], int, int, int, bool, float[], int, int, int, int, int, int, int, int, int, int, int, int)"/>
    public static void ProductCol2Im(int batch, int m, int n, int k, double alpha,
        double[] a, int aOffset, int lda, int strideA, bool transA,
        double[] b, int bOffset, int ldb, int strideB, bool transB,
        double[] x, int xOffset, int c, int h, int w, int kh, int kw,
        int strideH, int strideW, int padH, int padW, int dilationH, int dilationW)
        => ProductCol2Im<double>(batch, m, n, k, alpha, a, aOffset, lda, strideA, transA, b, bOffset, ldb, strideB, transB,
            x, xOffset, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW);

    private static void ProductCol2Im<T>(int batch, int m, int n, int k, T alpha,
        T[] a, int aOffset, int lda, int strideA, bool transA, T[] b, int bOffset, int ldb, int strideB, bool transB,
        T[] x, int xOffset, int c, int h, int w, int kh, int kw, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW)
        where T : unmanaged, INumber<T>
    {
        const string op = "Conv.ProductCol2Im";
        var g = Geometry.Create(op, batch, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW);
        if (m != (long)c * kh * kw)
            throw new ArgumentException($"{op}: m = {m} must be the window rows c·kh·kw = {c}·{kh}·{kw} = {(long)c * kh * kw}.", nameof(m));
        if (n != (long)g.Oh * g.Ow)
            throw new ArgumentException($"{op}: n = {n} must be the output positions oh·ow = {g.Oh}·{g.Ow} = {(long)g.Oh * g.Ow}.", nameof(n));
        Guard.NonNegative(k, nameof(k), op);
        Guard.BatchedMatrix(a, nameof(a), aOffset, transA ? k : m, transA ? m : k, lda, nameof(lda), batch, strideA, nameof(strideA), op);
        Guard.BatchedMatrix(b, nameof(b), bOffset, transB ? n : k, transB ? k : n, ldb, nameof(ldb), batch, strideB, nameof(strideB), op);
        if (batch * g.ImageSize > int.MaxValue)
            throw new ArgumentException($"{op}: {batch} images of {c}×{h}×{w} are too large for one array.", nameof(batch));
        Guard.Vector(x, nameof(x), xOffset, (int)(batch * g.ImageSize), op);
        if (batch == 0) return;
        fixed (T* pa = a, pb = b, px = x)
        {
            var p = new Problem<T>
            {
                M = m, N = n, K = k, Alpha = alpha, Beta = T.Zero,
                A = pa + aOffset, Lda = lda, TransA = transA, B = pb + bOffset, Ldb = ldb, TransB = transB,
                Ldc = n,
            };
            int threads = Parallelism.MaxThreads;
            long perImage = (long)m * n * Math.Max(1, k), work = perImage * batch;
            // As the batched product decides: large products (or fewer images than threads) are parallelized inside
            // each product, small ones spread by image.
            bool byImage = batch >= threads && perImage < 8 * Gemm.ParallelThreshold;
            if (threads > 1 && !byImage && !Gemm.Gathers(in p, batch, strideA, m * n))
            {
                ProductsCol2Im(in p, g, strideA, strideB, px + xOffset, 0, batch, threads);
                return;
            }
            if (threads > 1 && batch > 1 && work >= Gemm.ParallelThreshold && WorkerPool.TryAcquire(threads))
            {
                var job = ProductCol2ImJob<T>.Instance;
                try
                {
                    job.P = p; job.G = g; job.StrideA = strideA; job.StrideB = strideB; job.X = px + xOffset;
                    WorkerPool.RunAcquired(job, Gemm.FineParts(batch, threads), threads);
                }
                finally
                {
                    job.P = default; job.X = null;
                    WorkerPool.Release();
                }
                return;
            }
            ProductsCol2Im(in p, g, strideA, strideB, px + xOffset, 0, batch, 1);
        }
    }

    /// <summary>
    /// Images [i0, i1): each product into this thread's scratch C (on up to <paramref name="threads"/> threads inside
    /// the product), then folded into its image.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ProductsCol2Im<T>(ref readonly Problem<T> p, Geometry g, int strideA, int strideB, T* x, int i0, int i1, int threads)
        where T : unmanaged, INumber<T>
    {
        // Decided for the whole batch, as SgemmBatched decides it (alpha = 0 there is a plain product that reads neither
        // operand, so an infinite one gives zeros, not NaN).
        if (Gemm.Gathers(in p, g.N, strideA, p.M * p.N) && !Simd.IsZero(p.Alpha))
        {
            // Narrow products (the batched product runs gathered for the same shapes, with the same sums): a group of
            // images at a time into scratch, then each folded. The group depends on the shape only, so the scratch
            // does not grow when one thread later runs more images than it did while warming up.
            int group = (int)Math.Clamp((64L << 10) / ((long)p.M * p.N * sizeof(T)), 1, g.N);
            T* cs = Scratch<T>.C(group * p.M * p.N);
            for (int i = i0; i < i1; i += group)
            {
                int count = Math.Min(group, i1 - i);
                Problem<T> q = p;
                q.B += (long)i * strideB;
                q.C = cs;
                Gemm.Gathered(in q, strideB, p.M * p.N, 0, count * p.N);
                for (int j = 0; j < count; j++) g.Fold(x + (i + j) * g.ImageSize, cs + (long)j * p.M * p.N);
            }
            return;
        }
        T* scratch = Scratch<T>.C(p.M * p.N);
        for (int i = i0; i < i1; i++)
        {
            Problem<T> q = p;
            q.A += (long)i * strideA;
            q.B += (long)i * strideB;
            q.C = scratch;
            Gemm.RunSmallB(ref q, threads);
            g.Fold(x + i * g.ImageSize, scratch);
        }
    }

    private sealed class ProductCol2ImJob<T> : IParallelWork where T : unmanaged, INumber<T>
    {
        public static readonly ProductCol2ImJob<T> Instance = new();
        public Problem<T> P;
        public Geometry G;
        public int StrideA, StrideB;
        public T* X;

        public void Execute(int part, int parts) =>
            ProductsCol2Im(in P, G, StrideA, StrideB, X, Gemm.PartStart(G.N, part, parts, 1), Gemm.PartStart(G.N, part + 1, parts, 1), 1);
    }

    private readonly struct Geometry
    {
        public readonly int N, C, H, W, Kh, Kw, Sh, Sw, Ph, Pw, Oh, Ow, Dh, Dw;

        private Geometry(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow, int dh, int dw)
        {
            N = n; C = c; H = h; W = w; Kh = kh; Kw = kw; Sh = sh; Sw = sw; Ph = ph; Pw = pw; Oh = oh; Ow = ow; Dh = dh; Dw = dw;
        }

        public static Geometry Create(string op, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh = 1, int dw = 1)
        {
            Guard.Window(op, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
            long spanH = (long)dh * (kh - 1) + 1, spanW = (long)dw * (kw - 1) + 1; // a window's extent: k taps, d apart
            if (h + 2 * ph < spanH) throw new ArgumentException(dh == 1 ? $"{op}: kernel height {kh} exceeds padded height {h} + 2·{ph}."
                : $"{op}: kernel height {kh} with dilation {dh} spans {spanH}, more than the padded height {h} + 2·{ph}.", nameof(kh));
            if (w + 2 * pw < spanW) throw new ArgumentException(dw == 1 ? $"{op}: kernel width {kw} exceeds padded width {w} + 2·{pw}."
                : $"{op}: kernel width {kw} with dilation {dw} spans {spanW}, more than the padded width {w} + 2·{pw}.", nameof(kw));
            return new Geometry(n, c, h, w, kh, kw, sh, sw, ph, pw, (int)((h + 2 * ph - spanH) / sh + 1), (int)((w + 2 * pw - spanW) / sw + 1), dh, dw);
        }

        public long ImageSize => (long)C * H * W;
        public long ColSize => (long)C * Kh * Kw * Oh * Ow;

        public void Check<T>(T[] x, int xOff, T[] col, int colOff, string op)
        {
            if (N * ImageSize > int.MaxValue || N * ColSize > int.MaxValue)
                throw new ArgumentException($"{op}: {N} images of {C}×{H}×{W} are too large for one array.", "n");
            Guard.Vector(x, "x", xOff, (int)(N * ImageSize), op);
            Guard.Vector(col, "col", colOff, (int)(N * ColSize), op);
        }

        /// <summary>
        /// Im2Col (forward) or Col2Im for all images, spread over the worker threads by image when there is enough work
        /// (each image is read and written by one thread alone, so the result does not depend on the thread count).
        /// </summary>
        public void Run<T>(T* x, T* col, bool forward, bool accumulate) where T : unmanaged, INumber<T>
        {
            int threads = Parallelism.MaxThreads;
            if (threads > 1 && N > 1 && N * Work >= ParallelElements && WorkerPool.TryAcquire(threads))
            {
                var job = ImageJob<T>.Instance;
                try
                {
                    job.G = this; job.X = x; job.Col = col; job.Forward = forward; job.Accumulate = accumulate;
                    WorkerPool.RunAcquired(job, Gemm.FineParts(N, threads), threads);
                }
                finally
                {
                    job.X = job.Col = null;
                    WorkerPool.Release();
                }
                return;
            }
            Images(x, col, 0, N, forward, accumulate);
        }

        /// <summary>Window elements below which one thread unfolds every image (a worker's wake-up costs more).</summary>
        private const long ParallelElements = 48 * 1024;

        /// <summary>
        /// One image's cost in element copies: its window elements, plus 16 for every row copied (a row's bounds and
        /// loop cost about as much as 16 elements: a 1-D image with rows of 5, as in the MNIST-1D CNN, takes 1.5 ns an
        /// element where LeNet's 24-wide rows take 0.1).
        /// </summary>
        private long Work => ColSize + 16L * C * Kh * Kw * Oh;

        private sealed class ImageJob<T> : IParallelWork where T : unmanaged, INumber<T>
        {
            public static readonly ImageJob<T> Instance = new();
            public Geometry G;
            public T* X, Col;
            public bool Forward, Accumulate;

            public void Execute(int part, int parts) =>
                G.Images(X, Col, Gemm.PartStart(G.N, part, parts, 1), Gemm.PartStart(G.N, part + 1, parts, 1), Forward, Accumulate);
        }

        /// <summary>One image's Col2Im: image = the sum of the windows in col (the image is cleared first).</summary>
        public void Fold<T>(T* image, T* col) where T : unmanaged, INumber<T>
        {
            if (Folds1d<T>())
            {
                Images1dFold(image, col, 0, 1);
                return;
            }
            new Span<T>(image, (int)ImageSize).Clear();
            Image(image, col, forward: false);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Images<T>(T* x, T* col, int b0, int b1, bool forward, bool accumulate) where T : unmanaged, INumber<T>
        {
            if (forward && Unfolds1d<T>())
            {
                Images1d(x, col, b0, b1);
                return;
            }
            if (!forward && !accumulate && Folds1d<T>())
            {
                Images1dFold(x, col, b0, b1);
                return;
            }
            for (int b = b0; b < b1; b++)
            {
                T* xi = x + b * ImageSize, ci = col + b * ColSize;
                if (!forward && !accumulate) new Span<T>(xi, (int)ImageSize).Clear();
                Image(xi, ci, forward);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Image<T>(T* x, T* col, bool forward) where T : unmanaged, INumber<T>
        {
            // The valid output rows of each kernel row and columns of each kernel column do not depend on the channel:
            // computed once (their divisions cost more than copying a small image's short rows).
            int taps = Kh + Kw;
            if (taps <= 1024)
            {
                int* bounds = stackalloc int[2 * taps];
                Image(x, col, forward, bounds);
                return;
            }
            // A very wide window: the bounds from the shared pool (allocated once, not per call).
            int[] rented = System.Buffers.ArrayPool<int>.Shared.Rent(2 * taps);
            try { fixed (int* hb = rented) Image(x, col, forward, hb); }
            finally { System.Buffers.ArrayPool<int>.Shared.Return(rented); }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Image<T>(T* x, T* col, bool forward, int* bounds) where T : unmanaged, INumber<T>
        {
            int plane = Oh * Ow;
            int* rowsFrom = bounds, rowsTo = bounds + Kh, colsFrom = bounds + 2 * Kh, colsTo = bounds + 2 * Kh + Kw;
            for (int ki = 0; ki < Kh; ki++)
            {
                // Output rows whose input row oy·Sh − Ph + ki·Dh lies inside [0, H).
                int loY = Ph - ki * Dh, hiY = H - 1 + Ph - ki * Dh;
                int oy0 = Math.Min(Oh, loY <= 0 ? 0 : (loY + Sh - 1) / Sh);
                int oy1 = hiY < 0 ? 0 : Math.Min(Oh, hiY / Sh + 1);
                rowsFrom[ki] = oy0; rowsTo[ki] = Math.Max(oy0, oy1);
            }
            for (int kj = 0; kj < Kw; kj++)
            {
                // Output columns whose input column ox·Sw − Pw + kj·Dw lies inside [0, W).
                int lo = Pw - kj * Dw, hi = W - 1 + Pw - kj * Dw;
                int ox0 = Math.Min(Ow, lo <= 0 ? 0 : (lo + Sw - 1) / Sw);
                int ox1 = hi < 0 ? 0 : Math.Min(Ow, hi / Sw + 1);
                colsFrom[kj] = ox0; colsTo[kj] = Math.Max(ox0, ox1);
            }
            for (int ch = 0; ch < C; ch++)
            {
                T* xc = x + (long)ch * H * W;
                for (int ki = 0; ki < Kh; ki++)
                {
                    int oy0 = rowsFrom[ki], oy1 = rowsTo[ki];
                    for (int kj = 0; kj < Kw; kj++)
                    {
                        T* dst = col + ((long)(ch * Kh + ki) * Kw + kj) * plane;
                        int ox0 = colsFrom[kj], ox1 = colsTo[kj];
                        int n = ox1 - ox0;
                        if (n == 0 || oy1 == oy0)
                        {
                            if (forward) new Span<T>(dst, plane).Clear();
                            continue;
                        }
                        if (forward)
                        {
                            if (oy0 > 0) new Span<T>(dst, oy0 * Ow).Clear();
                            if (oy1 < Oh) new Span<T>(dst + oy1 * Ow, (Oh - oy1) * Ow).Clear();
                        }
                        long step = (long)Sh * W;
                        T* s = xc + (long)(oy0 * Sh - Ph + ki * Dh) * W + (ox0 * Sw - Pw + kj * Dw);
                        T* d = dst + (long)oy0 * Ow + ox0;
                        int rows = oy1 - oy0;
                        if (Sw == 1)
                        {
                            if (forward)
                            {
                                if (n == Ow) for (int r = 0; r < rows; r++, s += step, d += Ow) CopyRow(s, d, n);
                                else
                                    for (int r = 0; r < rows; r++, s += step, d += Ow)
                                    {
                                        for (int ox = -ox0; ox < 0; ox++) d[ox] = T.Zero;
                                        CopyRow(s, d, n);
                                        for (int ox = n; ox < Ow - ox0; ox++) d[ox] = T.Zero;
                                    }
                            }
                            else for (int r = 0; r < rows; r++, s += step, d += Ow) AddRow(d, s, n);
                        }
                        else if (forward)
                            for (int r = 0; r < rows; r++, s += step, d += Ow)
                            {
                                for (int ox = -ox0; ox < 0; ox++) d[ox] = T.Zero;
                                for (int ox = 0, k = 0; ox < n; ox++, k += Sw) d[ox] = s[k];
                                for (int ox = n; ox < Ow - ox0; ox++) d[ox] = T.Zero;
                            }
                        else
                            for (int r = 0; r < rows; r++, s += step, d += Ow)
                                for (int ox = 0, k = 0; ox < n; ox++, k += Sw) s[k] += d[ox];
                    }
                }
            }
        }

        /// <summary>
        /// Whether Im2Col takes the 1-D path (<see cref="Images1d{T}"/>): one-row images and kernels, no vertical padding,
        /// a row of at most two vectors, and a channel's windows (kw·ow values) of at most eight.
        /// </summary>
        private bool Unfolds1d<T>() where T : unmanaged
            => Avx512F.IsSupported && H == 1 && Kh == 1 && Ph == 0 && W <= 2 * Vector512<T>.Count && (long)Kw * Ow <= 8L * Vector512<T>.Count;

        /// <summary>
        /// Im2Col of 1-D images (the MNIST-1D CNN: rows of 10 to 40, stride 2), whose per-row loop costs more than the
        /// copying (10 ns for a row of 5 or 10). A channel's windows are the kw·ow consecutive values of its block of
        /// columns; each vector of them is one two-register permute of the channel's row (loaded once), the lanes that
        /// fall in the padding cleared. Whole vectors are stored while they stay inside the image's columns (lanes past a
        /// channel's block are zeros that the next channel overwrites). The same values as the general path.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Images1d<T>(T* x, T* col, int b0, int b1) where T : unmanaged, INumber<T>
        {
            int L = Vector512<T>.Count, block = Kw * Ow, vectors = (block + L - 1) / L;
            // Lane j of a block (plane kj = j / ow, output column ox = j % ow) takes the row's element ox·sw − pw + kj·dw,
            // or zero when that lies outside [0, w).
            Vector512<T>* index = stackalloc Vector512<T>[vectors], keep = stackalloc Vector512<T>[vectors];
            for (int v = 0; v < vectors; v++)
                for (int l = 0; l < L; l++)
                {
                    int j = v * L + l, at = j < block ? j % Ow * Sw - Pw + j / Ow * Dw : -1;
                    bool valid = at >= 0 && at < W;
                    if (typeof(T) == typeof(float)) { ((int*)(index + v))[l] = valid ? at : 0; ((int*)(keep + v))[l] = valid ? -1 : 0; }
                    else { ((long*)(index + v))[l] = valid ? at : 0; ((long*)(keep + v))[l] = valid ? -1 : 0; }
                }
            for (int b = b0; b < b1; b++)
            {
                T* xb = x + b * ImageSize, xEnd = xb + ImageSize, cb = col + b * ColSize, cEnd = cb + ColSize;
                for (int ch = 0; ch < C; ch++)
                {
                    T* row = xb + (long)ch * W;
                    long room = xEnd - row;
                    Vector512<T> lo, hi;
                    if (room >= 2 * L) { lo = Vector512.Load(row); hi = Vector512.Load(row + L); }
                    else { lo = Simd.LoadFirst(row, (int)Math.Min(room, L)); hi = Simd.LoadFirst(row + L, (int)Math.Clamp(room - L, 0, L)); }
                    T* d = cb + (long)ch * block;
                    for (int v = 0; v < vectors; v++, d += L)
                    {
                        Vector512<T> r = (typeof(T) == typeof(float)
                            ? Avx512F.PermuteVar16x32x2(lo.AsSingle(), index[v].AsInt32(), hi.AsSingle()).As<float, T>()
                            : Avx512F.PermuteVar8x64x2(lo.AsDouble(), index[v].AsInt64(), hi.AsDouble()).As<double, T>()) & keep[v];
                        if (cEnd - d >= L) r.Store(d);
                        else Simd.Store(d, r, (int)(cEnd - d));
                    }
                }
            }
        }

        /// <summary>
        /// Whether Col2Im (overwriting the images) takes the 1-D path (<see cref="Images1dFold{T}"/>): as
        /// <see cref="Unfolds1d{T}"/>, and each kernel column's ow windows within two vectors of the channel's block.
        /// </summary>
        private bool Folds1d<T>() where T : unmanaged => Unfolds1d<T>() && Ow <= Vector512<T>.Count + 1;

        /// <summary>
        /// Col2Im of 1-D images, overwriting them: each vector of a channel's row is the sum, over the kernel columns in
        /// order, of the one window value that lands on each lane (a two-register permute of the channel's block of
        /// columns, lanes that no window reaches cleared), starting from zero. Each element gets the same additions in
        /// the same order as the scatter path (the cleared lanes add +0, which changes no sum that starts at +0).
        /// Whole vectors are stored while they stay inside the image (lanes past a row are zeros the next row overwrites).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Images1dFold<T>(T* x, T* col, int b0, int b1) where T : unmanaged, INumber<T>
        {
            int L = Vector512<T>.Count, block = Kw * Ow, vectors = (block + L - 1) / L, rowVectors = (W + L - 1) / L;
            // For row vector rv and kernel column kj: the block vector pair (base, base + 1) holding that column's windows,
            // the lanes' places in the pair, and which lanes a window reaches (ox·sw − pw + kj·dw = the lane's column).
            int pairs = rowVectors * Kw;
            Vector512<T>* index = stackalloc Vector512<T>[pairs], keep = stackalloc Vector512<T>[pairs];
            int* first = stackalloc int[pairs];
            for (int rv = 0; rv < rowVectors; rv++)
                for (int kj = 0; kj < Kw; kj++)
                {
                    int q = rv * Kw + kj, a = kj * Ow / L;
                    first[q] = a;
                    for (int l = 0; l < L; l++)
                    {
                        int ix = rv * L + l, t = ix + Pw - kj * Dw;
                        bool valid = ix < W && t >= 0 && t % Sw == 0 && t / Sw < Ow;
                        int at = valid ? kj * Ow + t / Sw - a * L : 0;
                        if (typeof(T) == typeof(float)) { ((int*)(index + q))[l] = at; ((int*)(keep + q))[l] = valid ? -1 : 0; }
                        else { ((long*)(index + q))[l] = at; ((long*)(keep + q))[l] = valid ? -1 : 0; }
                    }
                }
            Vector512<T>* v = stackalloc Vector512<T>[vectors + 1];
            v[vectors] = Vector512<T>.Zero; // the pair of a column in the last vector
            for (int b = b0; b < b1; b++)
            {
                T* xb = x + b * ImageSize, xEnd = xb + ImageSize, cb = col + b * ColSize, cEnd = cb + ColSize;
                for (int ch = 0; ch < C; ch++)
                {
                    T* src = cb + (long)ch * block;
                    for (int i = 0; i < vectors; i++)
                    {
                        long room = cEnd - (src + i * L);
                        v[i] = room >= L ? Vector512.Load(src + i * L) : Simd.LoadFirst(src + i * L, (int)room);
                    }
                    T* row = xb + (long)ch * W;
                    for (int rv = 0; rv < rowVectors; rv++)
                    {
                        Vector512<T> acc = Vector512<T>.Zero;
                        for (int kj = 0; kj < Kw; kj++)
                        {
                            int q = rv * Kw + kj, a = first[q];
                            acc += (typeof(T) == typeof(float)
                                ? Avx512F.PermuteVar16x32x2(v[a].AsSingle(), index[q].AsInt32(), v[a + 1].AsSingle()).As<float, T>()
                                : Avx512F.PermuteVar8x64x2(v[a].AsDouble(), index[q].AsInt64(), v[a + 1].AsDouble()).As<double, T>()) & keep[q];
                        }
                        T* d = row + rv * L;
                        if (xEnd - d >= L) acc.Store(d);
                        else Simd.Store(d, acc, (int)(xEnd - d));
                    }
                }
            }
        }

        // Rows here are short (8 to 28 elements for LeNet): a vector loop beats a memmove call per row (14 ns a row);
        // a masked vector for the rest measured slower than the scalar tail (masked stores are slow on Zen 4).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void CopyRow<T>(T* s, T* d, int n) where T : unmanaged, INumber<T>
        {
            int i = 0, l = Vector256<T>.Count;
            for (; i + l <= n; i += l) Vector256.Store(Vector256.Load(s + i), d + i);
            for (; i < n; i++) d[i] = s[i];
        }

        /// <summary>d[i] += s[i] for i &lt; n, elementwise (no reordering of any sum).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddRow<T>(T* s, T* d, int n) where T : unmanaged, INumber<T>
        {
            int i = 0, l = Vector256<T>.Count;
            for (; i + l <= n; i += l) Vector256.Store(Vector256.Load(d + i) + Vector256.Load(s + i), d + i);
            for (; i < n; i++) d[i] += s[i];
        }
    }
}
