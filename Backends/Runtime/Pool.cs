using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

public static partial class Emitted
{
    /// <summary>
    /// Max pooling of an NCHW image [n, c, h, w] into [n, c, oh, ow], as the IR's <c>max_pool</c> defines it: output
    /// (oy, ox) is the IEEE maximum (NaN-propagating, max(−0, +0) = +0) of <c>x[oy·sh − ph + i·dh, ox·sw − pw + j·dw]</c>
    /// over the taps (i, j) inside the image (padding counts as −∞; a window with no tap inside gives −∞), with
    /// <c>oh = (h + 2·ph − dh·(kh − 1) − 1) / sh + 1</c>, likewise ow. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range, an array is too short, or y is x.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void MaxPool<T>(T[] x, T[] y, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Pool.Geometry.Create("Emitted.MaxPool", n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
        Guard.Vector(x, "x", 0, g.Planes * g.H * g.W, "Emitted.MaxPool");
        Guard.Vector(y, "y", 0, g.Planes * g.Oh * g.Ow, "Emitted.MaxPool");
        if (ReferenceEquals(x, y)) throw new ArgumentException("Emitted.MaxPool: y must not be the same array as x (it is written while x is read).", nameof(y));
        fixed (T* px = x, py = y) Pool.Forward(g, px, py);
    }

    /// <summary>
    /// The derivative of <see cref="MaxPool{T}"/>, as the IR's <c>max_pool_grad</c> defines it: <paramref name="dx"/>
    /// [n, c, h, w] is zero except that each window's adjoint <c>dy[oy, ox]</c>, divided by the number of the window's taps
    /// equal to its maximum (recomputed from <paramref name="x"/>), is added to each of them, window by window in order
    /// (a window whose maximum is NaN adds nothing). Each element of dx is written once when the windows do not overlap.
    /// Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range, an array is too short, or dx is x or dy.</exception>
    public static void MaxPoolBackward<T>(T[] x, T[] dy, T[] dx, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MaxPoolBackward(x, dy, dx, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, reluMask: false);

    /// <summary>
    /// <see cref="MaxPoolBackward{T}(T[], T[], T[], int, int, int, int, int, int, int, int, int, int, int, int)"/>, and
    /// when <paramref name="reluMask"/> is true each element of the gradient is then multiplied by <c>step(x)</c> (1 where
    /// x &gt; 0, else 0; so 0 for x = −0 and NaN) in the same pass: the IR's <c>mul(step(x), max_pool_grad(x, dy))</c>, the
    /// ReLU derivative of a pooling whose input is a ReLU's output, with the same bits as that product computed apart
    /// (0 · g is −0 for a negative g and NaN for an infinite or NaN g). Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range, an array is too short, or dx is x or dy.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void MaxPoolBackward<T>(T[] x, T[] dy, T[] dx, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, bool reluMask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Pool.Geometry.Create("Emitted.MaxPoolBackward", n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
        Guard.Vector(x, "x", 0, g.Planes * g.H * g.W, "Emitted.MaxPoolBackward");
        Guard.Vector(dy, "dy", 0, g.Planes * g.Oh * g.Ow, "Emitted.MaxPoolBackward");
        Guard.Vector(dx, "dx", 0, g.Planes * g.H * g.W, "Emitted.MaxPoolBackward");
        if (ReferenceEquals(dx, x) || ReferenceEquals(dx, dy))
            throw new ArgumentException($"Emitted.MaxPoolBackward: dx must not be the same array as {(ReferenceEquals(dx, x) ? "x" : "dy")} (dx is cleared and written while both are read).", nameof(dx));
        fixed (T* px = x, pg = dy, pd = dx) Pool.Backward(g, px, pg, pd, reluMask);
    }
}

/// <summary>
/// Max pooling kernels over NCHW planes (1-D pooling is the H = 1 case): the forward writes window maxima; the backward
/// recomputes each window's maximum from the saved input (no index buffer) and routes the window's adjoint to the taps
/// that attain it, shared equally among ties (the IR's <c>max_pool_grad</c>). Non-overlapping unpadded windows (the
/// common k = s case) write every input element once; others clear the plane and add window by window. With the ReLU
/// mask the backward multiplies each element by step(x): in the pass for 2×2 windows, else per plane after it. Calls with at
/// least <see cref="ParallelThreshold"/> input elements (<see cref="BackwardParallelThreshold"/> for the backward) split
/// their planes over the worker pool, in <see cref="Parts"/> pieces.
/// </summary>
internal static unsafe class Pool
{
    internal readonly struct Geometry
    {
        public readonly int Planes, H, W, Kh, Kw, Sh, Sw, Ph, Pw, Dh, Dw, Oh, Ow;

        private Geometry(int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
        {
            Planes = planes; H = h; W = w; Kh = kh; Kw = kw; Sh = sh; Sw = sw; Ph = ph; Pw = pw; Dh = dh; Dw = dw; Oh = oh; Ow = ow;
        }

        /// <summary>True when the windows tile the image without overlap, padding or dilation (kernel = stride).</summary>
        public bool Tiles => Kh == Sh && Kw == Sw && Ph == 0 && Pw == 0 && Dh == 1 && Dw == 1;

        public static Geometry Create(string op, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
        {
            Guard.Window(op, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
            long spanH = (long)dh * (kh - 1) + 1, spanW = (long)dw * (kw - 1) + 1;
            if (h + 2L * ph < spanH) throw new ArgumentException($"{op}: the window's height {spanH} exceeds the padded height {h} + 2·{ph}.", nameof(kh));
            if (w + 2L * pw < spanW) throw new ArgumentException($"{op}: the window's width {spanW} exceeds the padded width {w} + 2·{pw}.", nameof(kw));
            if ((long)n * c * h * w > int.MaxValue) throw new ArgumentException($"{op}: {n} images of {c}×{h}×{w} are too large for one array.", nameof(n));
            long oh = (h + 2L * ph - spanH) / sh + 1, ow = (w + 2L * pw - spanW) / sw + 1;
            if ((long)n * c * oh * ow > int.MaxValue) throw new ArgumentException($"{op}: {n} pooled images of {c}×{oh}×{ow} are too large for one array.", nameof(n));
            return new Geometry(n * c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, (int)oh, (int)ow);
        }

        /// <summary>Output columns [ox0, ox1) whose tap column ox·Sw − Pw + kj·Dw lies inside [0, W).</summary>
        public void Columns(int kj, out int ox0, out int ox1)
        {
            int lo = Pw - kj * Dw, hi = W - 1 + Pw - kj * Dw;
            ox0 = Math.Min(Ow, lo <= 0 ? 0 : (lo + Sw - 1) / Sw);
            ox1 = hi < 0 ? 0 : Math.Min(Ow, hi / Sw + 1);
            if (ox1 < ox0) ox1 = ox0;
        }
    }

    // ---- forward ----

    /// <summary>Input elements from which a forward call spreads its planes over the worker pool (LeNet's first pooling layer, 221K, does; its second, 66K, does not).</summary>
    internal const long ParallelThreshold = 1 << 17;

    /// <summary>
    /// Input elements from which a backward call spreads: it does about three times a forward's work per element (maxima,
    /// ties, shares, the mask; every element written), so LeNet's second pooling layer (64 × 16 × 8 × 8 = 64K) spreads too
    /// — below <see cref="ParallelThreshold"/> only when the workers are spinning (<see cref="WorkerPool.Ready"/>).
    /// </summary>
    internal const long BackwardParallelThreshold = 1 << 16;

    /// <summary>
    /// The pieces a spread call's planes are cut into (contiguous ranges, fewer when there are fewer planes): more than
    /// the threads, so a thread that arrives late or is preempted leaves its pieces to the others instead of the caller
    /// waiting for its half; the partition does not depend on the thread count, and neither do the results (every plane
    /// is computed by the same operations whichever thread runs it).
    /// </summary>
    internal const int Parts = 16;

    public static void Forward<T>(in Geometry g, T* x, T* y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Spread(g, x, y, null, null, backward: false, mask: false)) ForwardPlanes(g, x, y, 0, g.Planes);
    }

    private static void ForwardPlanes<T>(in Geometry g, T* x, T* y, int p0, int p1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long plane = (long)g.H * g.W, outPlane = (long)g.Oh * g.Ow;
        bool pairs = g.Tiles && g.Kh == 2 && g.Kw == 2;
        for (int p = p0; p < p1; p++)
        {
            if (pairs) Forward2x2(g, x + p * plane, y + p * outPlane);
            else ForwardPlane(g, x + p * plane, y + p * outPlane);
        }
    }

    // Large calls split their planes (image × channel) into contiguous ranges (Parts of them, or one per thread when
    // there are more threads): every output element is computed by the same operations whichever thread runs it, so
    // results do not depend on the thread count.
    private static bool Spread<T>(in Geometry g, T* x, T* y, T* dy, T* dx, bool backward, bool mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int threads = Parallelism.MaxThreads;
        long size = (long)g.Planes * g.H * g.W;
        if (threads < 2 || g.Planes < 2 || size < (backward ? BackwardParallelThreshold : ParallelThreshold)) return false;
        // A backward below the forward's threshold (tens of µs) runs alone unless the workers are spinning now: waking one
        // would cost about what it saves.
        if (size < ParallelThreshold && !WorkerPool.Ready(threads)) return false;
        if (!WorkerPool.TryAcquire(threads)) return false;
        var job = Job<T>.Instance;
        try
        {
            job.G = g; job.X = x; job.Y = y; job.Dy = dy; job.Dx = dx; job.Backward = backward; job.Mask = mask;
            WorkerPool.RunAcquired(job, Math.Min(Math.Max(Parts, threads), g.Planes), threads);
        }
        finally
        {
            job.X = job.Y = job.Dy = job.Dx = null;
            WorkerPool.Release();
        }
        return true;
    }

    private sealed class Job<T> : IParallelWork where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static readonly Job<T> Instance = new();
        public Geometry G;
        public T* X, Y, Dy, Dx;
        public bool Backward, Mask;

        public void Execute(int part, int parts)
        {
            int p0 = (int)((long)G.Planes * part / parts), p1 = (int)((long)G.Planes * (part + 1) / parts);
            if (Backward) BackwardPlanes(G, X, Dy, Dx, p0, p1, Mask);
            else ForwardPlanes(G, X, Y, p0, p1);
        }
    }

    // 2×2 windows, stride 2: output row oy is the pairwise maximum of input rows 2oy and 2oy+1, then of adjacent columns.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward2x2<T>(in Geometry g, T* x, T* y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = g.W, ow = g.Ow;
        for (int oy = 0; oy < g.Oh; oy++)
        {
            T* r0 = x + (long)(2 * oy) * w, r1 = r0 + w, d = y + (long)oy * ow;
            int ox = 0;
            if (Avx2.IsSupported)
            {
                int l = Vector256<T>.Count;
                for (; ox + l <= ow; ox += l)
                {
                    // Columns 2ox .. 2ox+2l: the rows' maximum, then the maximum of each column pair.
                    var a = Vector256.Max(Vector256.Load(r0 + 2 * ox), Vector256.Load(r1 + 2 * ox));
                    var b = Vector256.Max(Vector256.Load(r0 + 2 * ox + l), Vector256.Load(r1 + 2 * ox + l));
                    var (even, odd) = Deinterleave(a, b);
                    Vector256.Max(even, odd).Store(d + ox);
                }
            }
            if (Sse2.IsSupported)
            {
                int l = Vector128<T>.Count;
                for (; ox + l <= ow; ox += l)
                {
                    var a = Vector128.Max(Vector128.Load(r0 + 2 * ox), Vector128.Load(r1 + 2 * ox));
                    var b = Vector128.Max(Vector128.Load(r0 + 2 * ox + l), Vector128.Load(r1 + 2 * ox + l));
                    var (even, odd) = Deinterleave(a, b);
                    Vector128.Max(even, odd).Store(d + ox);
                }
            }
            for (; ox < ow; ox++)
                d[ox] = T.Max(T.Max(r0[2 * ox], r0[2 * ox + 1]), T.Max(r1[2 * ox], r1[2 * ox + 1]));
        }
    }

    // Any window: each output row starts at −∞ and takes the maximum with every tap row that lies inside the image.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPlane<T>(in Geometry g, T* x, T* y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int oy = 0; oy < g.Oh; oy++)
        {
            T* d = y + (long)oy * g.Ow;
            new Span<T>(d, g.Ow).Fill(T.NegativeInfinity);
            for (int ki = 0; ki < g.Kh; ki++)
            {
                int iy = oy * g.Sh - g.Ph + ki * g.Dh;
                if ((uint)iy >= (uint)g.H) continue;
                for (int kj = 0; kj < g.Kw; kj++)
                {
                    g.Columns(kj, out int ox0, out int ox1);
                    if (ox1 <= ox0) continue;
                    T* s = x + (long)iy * g.W + (ox0 * g.Sw - g.Pw + kj * g.Dw);
                    if (g.Sw == 1) MaxRow(d + ox0, s, ox1 - ox0);
                    else for (int ox = ox0, k = 0; ox < ox1; ox++, k += g.Sw) d[ox] = T.Max(d[ox], s[k]);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaxRow<T>(T* d, T* s, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (int l = Vector256<T>.Count; i + l <= count; i += l)
                Vector256.Max(Vector256.Load(d + i), Vector256.Load(s + i)).Store(d + i);
        for (; i < count; i++) d[i] = T.Max(d[i], s[i]);
    }

    // ---- backward ----

    /// <summary>The gradient of the planes into dx; with <paramref name="mask"/>, times step(x) (see <see cref="Emitted.MaxPoolBackward{T}(T[], T[], T[], int, int, int, int, int, int, int, int, int, int, int, int, bool)"/>).</summary>
    public static void Backward<T>(in Geometry g, T* x, T* dy, T* dx, bool mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Spread(g, x, null, dy, dx, backward: true, mask)) BackwardPlanes(g, x, dy, dx, 0, g.Planes, mask);
    }

    private static void BackwardPlanes<T>(in Geometry g, T* x, T* dy, T* dx, int p0, int p1, bool mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long plane = (long)g.H * g.W, outPlane = (long)g.Oh * g.Ow;
        bool pairs = g.Tiles && g.Kh == 2 && g.Kw == 2;
        for (int p = p0; p < p1; p++)
        {
            if (pairs && mask) Backward2x2<T, Masked>(g, x + p * plane, dy + p * outPlane, dx + p * plane);
            else if (pairs) Backward2x2<T, Plain>(g, x + p * plane, dy + p * outPlane, dx + p * plane);
            else
            {
                if (g.Tiles) BackwardTiles(g, x + p * plane, dy + p * outPlane, dx + p * plane);
                else BackwardPlane(g, x + p * plane, dy + p * outPlane, dx + p * plane);
                if (mask) MaskPlane(x + p * plane, dx + p * plane, plane);
            }
        }
    }

    // Whether the 2×2 backward applies the ReLU mask: a type argument, so that each variant is compiled without the
    // test in its vector step.
    private interface IMaskFlag { static abstract bool On { get; } }
    private struct Masked : IMaskFlag { public static bool On => true; }
    private struct Plain : IMaskFlag { public static bool On => false; }

    // dx = step(x) · dx over one plane (the other windows' mask pass, while the plane is in cache): step(x) is 1 where
    // x > 0, else 0, and the product is the multiplication an elementwise loop would do, so the bits are the same.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaskPlane<T>(T* x, T* dx, long count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (int l = Vector256<T>.Count; i + l <= count; i += l)
                (Step(Vector256.Load(x + i)) * Vector256.Load(dx + i)).Store(dx + i);
        for (; i < count; i++) dx[i] = Step(x[i]) * dx[i];
    }

    // step(x): 1 where x > 0, else 0 (−0 and NaN give 0), as the runtime's elementwise step computes it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Step<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? T.One : T.Zero;

    /// <inheritdoc cref="Step{T}(T)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Step<T>(Vector256<T> x) where T : unmanaged => Vector256.GreaterThan(x, Vector256<T>.Zero) & Vector256<T>.One;

    /// <inheritdoc cref="Step{T}(T)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Step<T>(Vector128<T> x) where T : unmanaged => Vector128.GreaterThan(x, Vector128<T>.Zero) & Vector128<T>.One;

    // 2×2 windows, stride 2 (LeNet's pooling): every element of the plane written once, as in BackwardTiles, the vector
    // runs two rows of windows at a time. The ReLU mask costs one product per window, not per element: a tap that gets
    // the share equals the window's maximum m, so step(tap) = step(m) and step(tap)·share = share·step(m) bit for bit
    // (the product commutes, signed zeros and NaN included); a tap that gets +0 gets step(tap)·(+0) = +0 either way.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward2x2<T, TMask>(in Geometry g, T* x, T* dy, T* dx) where T : unmanaged, IFloatingPointIeee754<T> where TMask : struct, IMaskFlag
    {
        int w = g.W, ow = g.Ow, covered = 2 * ow;
        for (int oy = 0; oy < g.Oh; oy++)
        {
            T* xr = x + (long)oy * 2 * w, dr = dx + (long)oy * 2 * w, gr = dy + (long)oy * ow;
            T* x1 = xr + w; T* d1 = dr + w;
            int ox = 0;
            if (Avx2.IsSupported)
                for (int l = Vector256<T>.Count; ox + l <= ow; ox += l)
                    Backward2x2Step256<T, TMask>(xr + 2 * ox, x1 + 2 * ox, gr + ox, dr + 2 * ox, d1 + 2 * ox);
            if (Sse2.IsSupported)
                for (int l = Vector128<T>.Count; ox + l <= ow; ox += l)
                    Backward2x2Step128<T, TMask>(xr + 2 * ox, x1 + 2 * ox, gr + ox, dr + 2 * ox, d1 + 2 * ox);
            for (; ox < ow; ox++)
            {
                int j = 2 * ox;
                T a = xr[j], b = xr[j + 1], c = x1[j], e = x1[j + 1];
                T m = T.Max(T.Max(a, b), T.Max(c, e));
                int ties = (a == m ? 1 : 0) + (b == m ? 1 : 0) + (c == m ? 1 : 0) + (e == m ? 1 : 0);
                T share = ties == 1 ? gr[ox] : ties == 0 ? T.Zero : gr[ox] / T.CreateTruncating(ties);
                if (TMask.On) share *= Step(m);
                dr[j] = a == m ? share : T.Zero;
                dr[j + 1] = b == m ? share : T.Zero;
                d1[j] = c == m ? share : T.Zero;
                d1[j + 1] = e == m ? share : T.Zero;
            }
            if (covered < w)
            {
                new Span<T>(dr + covered, w - covered).Clear();
                new Span<T>(d1 + covered, w - covered).Clear();
            }
        }
        int rows = g.Oh * 2;
        if (rows < g.H) new Span<T>(dx + (long)rows * w, (g.H - rows) * w).Clear();
    }

    // Non-overlapping windows (kernel = stride, no padding, no dilation) other than 2×2: every element of the plane is
    // written once — a window's taps get its share or zero; the rows and columns no window covers get zero.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardTiles<T>(in Geometry g, T* x, T* dy, T* dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = g.W, kh = g.Kh, kw = g.Kw, ow = g.Ow, covered = ow * kw;
        for (int oy = 0; oy < g.Oh; oy++)
        {
            T* xr = x + (long)oy * kh * w, dr = dx + (long)oy * kh * w, gr = dy + (long)oy * ow;
            for (int ox = 0; ox < ow; ox++)
            {
                T* xw = xr + ox * kw, dw = dr + ox * kw;
                T m = T.NegativeInfinity;
                for (int i = 0; i < kh; i++) for (int j = 0; j < kw; j++) m = T.Max(m, xw[(long)i * w + j]);
                int ties = 0;
                for (int i = 0; i < kh; i++) for (int j = 0; j < kw; j++) if (xw[(long)i * w + j] == m) ties++;
                T share = ties == 0 ? T.Zero : gr[ox] / T.CreateTruncating(ties);
                for (int i = 0; i < kh; i++) for (int j = 0; j < kw; j++) dw[(long)i * w + j] = xw[(long)i * w + j] == m ? share : T.Zero;
            }
            if (covered < w)
                for (int i = 0; i < kh; i++) new Span<T>(dr + (long)i * w + covered, w - covered).Clear();
        }
        int rows = g.Oh * kh;
        if (rows < g.H) new Span<T>(dx + (long)rows * w, (g.H - rows) * w).Clear();
    }

    // Vector-width runs of 2×2 windows of the row pair (r0, r1): maxima by rows then column pairs; each tap's mask
    // (equal to its window's maximum); the ties counted per window; the share g / ties (lanes of a NaN window have no
    // tap equal and divide by 0, but every mask there is false) written through the masks, zeros elsewhere. With the
    // ReLU mask the share is multiplied by step(maximum) (see Backward2x2).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward2x2Step256<T, TMask>(T* r0, T* r1, T* g, T* d0, T* d1) where T : unmanaged, IFloatingPointIeee754<T> where TMask : struct, IMaskFlag
    {
        int l = Vector256<T>.Count;
        Vector256<T> a0 = Vector256.Load(r0), b0 = Vector256.Load(r0 + l), a1 = Vector256.Load(r1), b1 = Vector256.Load(r1 + l);
        var (even, odd) = Deinterleave(Vector256.Max(a0, a1), Vector256.Max(b0, b1));
        var m = Vector256.Max(even, odd);
        var (ml, mh) = Duplicate(m);
        Vector256<T> q0a = Vector256.Equals(a0, ml), q0b = Vector256.Equals(b0, mh), q1a = Vector256.Equals(a1, ml), q1b = Vector256.Equals(b1, mh);
        var one = Vector256<T>.One;
        var (ce, co) = Deinterleave((q0a & one) + (q1a & one), (q0b & one) + (q1b & one));
        var share = Vector256.Load(g) / (ce + co);
        if (TMask.On) share *= Step(m);
        var (sl, sh) = Duplicate(share);
        (q0a & sl).Store(d0); (q0b & sh).Store(d0 + l); (q1a & sl).Store(d1); (q1b & sh).Store(d1 + l);
    }

    /// <inheritdoc cref="Backward2x2Step256{T, TMask}"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward2x2Step128<T, TMask>(T* r0, T* r1, T* g, T* d0, T* d1) where T : unmanaged, IFloatingPointIeee754<T> where TMask : struct, IMaskFlag
    {
        int l = Vector128<T>.Count;
        Vector128<T> a0 = Vector128.Load(r0), b0 = Vector128.Load(r0 + l), a1 = Vector128.Load(r1), b1 = Vector128.Load(r1 + l);
        var (even, odd) = Deinterleave(Vector128.Max(a0, a1), Vector128.Max(b0, b1));
        var m = Vector128.Max(even, odd);
        var (ml, mh) = Duplicate(m);
        Vector128<T> q0a = Vector128.Equals(a0, ml), q0b = Vector128.Equals(b0, mh), q1a = Vector128.Equals(a1, ml), q1b = Vector128.Equals(b1, mh);
        var one = Vector128<T>.One;
        var (ce, co) = Deinterleave((q0a & one) + (q1a & one), (q0b & one) + (q1b & one));
        var share = Vector128.Load(g) / (ce + co);
        if (TMask.On) share *= Step(m);
        var (sl, sh) = Duplicate(share);
        (q0a & sl).Store(d0); (q0b & sh).Store(d0 + l); (q1a & sl).Store(d1); (q1b & sh).Store(d1 + l);
    }

    // x86 lane moves (the vector paths run only where Avx2 / Sse2 are supported; elsewhere the scalar loops do the work).

    // The even and the odd lanes of the concatenation a‖b, each in order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<T> Even, Vector256<T> Odd) Deinterleave<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Vector256<float> fa = a.AsSingle(), fb = b.AsSingle();
            var e = Avx2.Permute4x64(Avx.Shuffle(fa, fb, 0b10_00_10_00).AsDouble(), 0b11_01_10_00); // [a0 a2 b0 b2 | a4 a6 b4 b6] → in order
            var o = Avx2.Permute4x64(Avx.Shuffle(fa, fb, 0b11_01_11_01).AsDouble(), 0b11_01_10_00);
            return (e.As<double, T>(), o.As<double, T>());
        }
        Vector256<double> da = a.AsDouble(), db = b.AsDouble();
        return (Avx2.Permute4x64(Avx.UnpackLow(da, db), 0b11_01_10_00).As<double, T>(), Avx2.Permute4x64(Avx.UnpackHigh(da, db), 0b11_01_10_00).As<double, T>());
    }

    /// <inheritdoc cref="Deinterleave{T}(Vector256{T}, Vector256{T})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<T> Even, Vector128<T> Odd) Deinterleave<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Vector128<float> fa = a.AsSingle(), fb = b.AsSingle();
            return (Sse.Shuffle(fa, fb, 0b10_00_10_00).As<float, T>(), Sse.Shuffle(fa, fb, 0b11_01_11_01).As<float, T>());
        }
        Vector128<double> da = a.AsDouble(), db = b.AsDouble();
        return (Sse2.UnpackLow(da, db).As<double, T>(), Sse2.UnpackHigh(da, db).As<double, T>());
    }

    // Each lane of v twice: the lower half's lanes doubled into Low, the upper half's into High.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<T> Low, Vector256<T> High) Duplicate<T>(Vector256<T> v) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            var f = v.AsSingle();
            Vector256<float> lo = Avx.UnpackLow(f, f), hi = Avx.UnpackHigh(f, f); // [0 0 1 1 | 4 4 5 5], [2 2 3 3 | 6 6 7 7]
            return (Avx.Permute2x128(lo, hi, 0x20).As<float, T>(), Avx.Permute2x128(lo, hi, 0x31).As<float, T>());
        }
        var d = v.AsDouble();
        Vector256<double> dl = Avx.UnpackLow(d, d), dh = Avx.UnpackHigh(d, d); // [0 0 | 2 2], [1 1 | 3 3]
        return (Avx.Permute2x128(dl, dh, 0x20).As<double, T>(), Avx.Permute2x128(dl, dh, 0x31).As<double, T>());
    }

    /// <inheritdoc cref="Duplicate{T}(Vector256{T})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<T> Low, Vector128<T> High) Duplicate<T>(Vector128<T> v) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            var f = v.AsSingle();
            return (Sse.UnpackLow(f, f).As<float, T>(), Sse.UnpackHigh(f, f).As<float, T>());
        }
        var d = v.AsDouble();
        return (Sse2.UnpackLow(d, d).As<double, T>(), Sse2.UnpackHigh(d, d).As<double, T>());
    }

    // Any window: the plane is cleared, then each window, in order, adds its share to the taps that attain its maximum.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardPlane<T>(in Geometry g, T* x, T* dy, T* dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        new Span<T>(dx, g.H * g.W).Clear();
        for (int oy = 0; oy < g.Oh; oy++)
        {
            int i0 = 0, i1 = g.Kh; // taps inside the image: rows oy·Sh − Ph + i·Dh in [0, H)
            while (i0 < i1 && oy * g.Sh - g.Ph + i0 * g.Dh < 0) i0++;
            while (i1 > i0 && oy * g.Sh - g.Ph + (i1 - 1) * g.Dh >= g.H) i1--;
            for (int ox = 0; ox < g.Ow; ox++)
            {
                int j0 = 0, j1 = g.Kw;
                while (j0 < j1 && ox * g.Sw - g.Pw + j0 * g.Dw < 0) j0++;
                while (j1 > j0 && ox * g.Sw - g.Pw + (j1 - 1) * g.Dw >= g.W) j1--;
                if (i0 >= i1 || j0 >= j1) continue;
                long at = (long)(oy * g.Sh - g.Ph) * g.W + (ox * g.Sw - g.Pw);
                T m = T.NegativeInfinity;
                for (int i = i0; i < i1; i++) for (int j = j0; j < j1; j++) m = T.Max(m, x[at + (long)i * g.Dh * g.W + j * g.Dw]);
                int ties = 0;
                for (int i = i0; i < i1; i++) for (int j = j0; j < j1; j++) if (x[at + (long)i * g.Dh * g.W + j * g.Dw] == m) ties++;
                if (ties == 0) continue;
                T share = dy[(long)oy * g.Ow + ox] / T.CreateTruncating(ties);
                for (int i = i0; i < i1; i++)
                    for (int j = j0; j < j1; j++)
                    {
                        long k = at + (long)i * g.Dh * g.W + j * g.Dw;
                        if (x[k] == m) dx[k] += share;
                    }
            }
        }
    }
}
