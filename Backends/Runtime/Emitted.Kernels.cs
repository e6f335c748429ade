using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

public static partial class Emitted
{
    /// <summary>
    /// Softmax, log-softmax and log-sum-exp of <paramref name="x"/> along the middle axis of [outer, length, inner],
    /// from one shifted pass per slice: <c>m = max</c> (0 when every value is −∞; NaN when one is NaN),
    /// <c>s = Σ e^(x−m)</c> (exponentials computed once, by <see cref="VMath"/>), <c>softmax = e^(x−m)/s</c>,
    /// <c>log_softmax = (x − m) − log s</c>, <c>lse = m + log s</c>. Any of the three outputs may be null (not wanted);
    /// <paramref name="logSumExp"/> is [outer, inner]. Rows (inner = 1) run on the widest vectors with masked tails —
    /// rows up to one 512-bit vector long a group of 16 (float) or 8 rows at a time, one lane per row — and large calls
    /// spread their rows over the worker pool (a row's results never depend on where it runs);
    /// <paramref name="vectors"/> = false takes the scalar path. Nothing is allocated in steady state.
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative or an array is shorter than the shape needs.</exception>
    public static unsafe void Normalize<T>(T[] x, int outer, int length, int inner, T[]? softmax, T[]? logSoftmax, T[]? logSumExp, bool vectors)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long size = (long)outer * length * inner;
        if (outer < 0 || length < 0 || inner < 0 || x.Length < size || (softmax is not null && softmax.Length < size)
            || (logSoftmax is not null && logSoftmax.Length < size) || (logSumExp is not null && logSumExp.Length < (long)outer * inner))
            throw new ArgumentException($"Emitted.Normalize: arrays too short for [{outer}, {length}, {inner}].");
        if (size == 0) return;
        fixed (T* px = x, ps = softmax, pl = logSoftmax, pe = logSumExp)
            NormalizeAll(px, outer, length, inner, ps, pl, pe, vectors);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // fully optimized from the first call: a step may not run long enough to tier up
    private static unsafe void NormalizeAll<T>(T* x, int outer, int length, int inner, T* sm, T* lsm, T* lse, bool vectors)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!vectors || inner != 1) { NormalizeScalar(x, outer, length, inner, sm, lsm, lse); return; }
        int parts = NormalizeParts<T>(outer, length, sm != null || lsm != null);
        int threads = Parallelism.MaxThreads;
        if (parts > 1 && threads > 1 && WorkerPool.TryAcquire(threads))
        {
            if ((long)outer * length < NormalizeEagerElements && !WorkerPool.Ready(threads)) WorkerPool.Release();
            else
            {
                var job = NormalizeJob<T>.Instance;
                try
                {
                    job.X = x; job.Sm = sm; job.Lsm = lsm; job.Lse = lse; job.Rows = outer; job.Cols = length;
                    WorkerPool.RunAcquired(job, parts, threads);
                }
                finally
                {
                    job.X = job.Sm = job.Lsm = job.Lse = null;
                    WorkerPool.Release();
                }
                return;
            }
        }
        NormalizeRowRange(x, 0, outer, length, sm, lsm, lse, UseNarrow<T>(outer, length));
    }

    /// <summary>Rows [r0, r1) of [rows, cols] (pointers to row 0): short rows one vector lane per row (<paramref name="narrow"/>,
    /// decided for the whole call so that every row takes the same path whatever part it is in), others row by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void NormalizeRowRange<T>(T* x, int r0, int r1, int cols, T* sm, T* lsm, T* lse, bool narrow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long at = (long)r0 * cols;
        x += at;
        if (sm != null) sm += at;
        if (lsm != null) lsm += at;
        if (lse != null) lse += r0;
        int rows = r1 - r0;
        if (narrow) NormalizeNarrow(x, rows, cols, sm, lsm, lse);
        else if (Avx512F.IsSupported) NormalizeRows<V512<T>, Vector512<T>, T>(x, rows, cols, sm, lsm, lse);
        else if (Vector256.IsHardwareAccelerated) NormalizeRows<V256<T>, Vector256<T>, T>(x, rows, cols, sm, lsm, lse);
        else if (Vector128.IsHardwareAccelerated) NormalizeRows<V128<T>, Vector128<T>, T>(x, rows, cols, sm, lsm, lse);
        else NormalizeScalar(x, rows, cols, 1, sm, lsm, lse);
    }

    /// <summary>Elements of the exponential block of <see cref="NormalizeRows{TS, TV, T}"/> (on the stack).</summary>
    private const int NormalizeBlock = 1024;

    // Rows of [rows, cols], in blocks of up to NormalizeBlock elements. A row's own work is a short chain (max, then
    // sum, then outputs) and the exponentials run in one flat pass over the whole block, so short rows (10 logits)
    // overlap instead of waiting on one exp each. The scratch (row maxima; the exponentials when neither softmax nor
    // log-softmax is wanted) is on the stack, except for the exponentials of rows longer than a block.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // fully optimized from the first call: a step may not run long enough to tier up
    private static unsafe void NormalizeRows<TS, TV, T>(T* x, int rows, int cols, T* sm, T* lsm, T* lse)
        where TS : ISimd<TV, T> where TV : unmanaged where T : unmanaged, IFloatingPointIeee754<T>
    {
        int block = Math.Max(1, Math.Min(rows, NormalizeBlock / Math.Max(cols, 1)));
        bool own = sm == null && lsm == null;
        T* maxes = stackalloc T[block];
        T* local = stackalloc T[own && block * cols <= NormalizeBlock ? block * cols : 0];
        if (own && block * cols > NormalizeBlock)
        {
            fixed (T* heap = Scratch<T>.Get(block * cols))
                for (int r = 0; r < rows; r += block)
                    NormalizeBlockRows<TS, TV, T>(x + (long)r * cols, Math.Min(block, rows - r), cols, null, null, lse == null ? null : lse + r, maxes, heap);
            return;
        }
        for (int r = 0; r < rows; r += block)
        {
            long at = (long)r * cols;
            NormalizeBlockRows<TS, TV, T>(x + at, Math.Min(block, rows - r), cols, sm == null ? null : sm + at, lsm == null ? null : lsm + at,
                lse == null ? null : lse + r, maxes, local);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // fully optimized from the first call: a step may not run long enough to tier up
    private static unsafe void NormalizeBlockRows<TS, TV, T>(T* x, int rows, int cols, T* sm, T* lsm, T* lse, T* maxes, T* scratch)
        where TS : ISimd<TV, T> where TV : unmanaged where T : unmanaged, IFloatingPointIeee754<T>
    {
        int L = TS.Count, n = rows * cols;
        TV ninf = TS.Splat(T.NegativeInfinity), ones = TS.Eq(ninf, ninf), zero = TS.Splat(T.Zero);
        T* e = sm != null ? sm : lsm != null ? lsm : scratch;
        // 1. Row maxima (a NaN anywhere makes it NaN; all −∞ gives 0), and e = x − max.
        for (int r = 0; r < rows; r++)
        {
            T* xr = x + r * cols, er = e + r * cols;
            TV m = ninf, nan = zero;
            int j = 0;
            for (; j + L <= cols; j += L) { TV v = TS.Load(xr + j); m = TS.Max(m, v); nan = TS.Or(nan, TS.Xor(TS.Eq(v, v), ones)); }
            if (j < cols) { TV v = TS.LoadPartial(xr + j, cols - j, ninf); m = TS.Max(m, v); nan = TS.Or(nan, TS.Xor(TS.Eq(v, v), ones)); }
            T max = TS.Any(nan) ? T.NaN : TS.MaxAcross(m);
            if (T.IsNegativeInfinity(max)) max = T.Zero;
            maxes[r] = max;
            TV shift = TS.Splat(max);
            for (j = 0; j + L <= cols; j += L) TS.Store(TS.Sub(TS.Load(xr + j), shift), er + j);
            if (j < cols) TS.StorePartial(TS.Sub(TS.LoadPartial(xr + j, cols - j, shift), shift), er + j, cols - j);
        }
        // 2. e = exp(e) over the whole block.
        int k = 0;
        for (; k + L <= n; k += L) TS.Store(TS.Exp(TS.Load(e + k)), e + k);
        if (k < n) TS.StorePartial(TS.Exp(TS.LoadPartial(e + k, n - k, zero)), e + k, n - k);
        // 3. Per row: s = Σ e (lanes, then across), then the outputs.
        for (int r = 0; r < rows; r++)
        {
            T* xr = x + r * cols, er = e + r * cols;
            TV s = zero;
            int j = 0;
            for (; j + L <= cols; j += L) s = TS.Add(s, TS.Load(er + j));
            if (j < cols) s = TS.Add(s, TS.LoadPartial(er + j, cols - j, zero));
            T sum = TS.SumAcross(s), logSum = T.Log(sum), max = maxes[r];
            if (lse != null) lse[r] = max + logSum;
            if (sm != null)
            {
                TV d = TS.Splat(sum);
                for (j = 0; j + L <= cols; j += L) TS.Store(TS.Div(TS.Load(er + j), d), er + j);
                if (j < cols) TS.StorePartial(TS.Div(TS.LoadPartial(er + j, cols - j, d), d), er + j, cols - j);
            }
            if (lsm != null)
            {
                T* yr = lsm + r * cols;
                TV shift = TS.Splat(max), ls = TS.Splat(logSum);
                for (j = 0; j + L <= cols; j += L) TS.Store(TS.Sub(TS.Sub(TS.Load(xr + j), shift), ls), yr + j);
                if (j < cols) TS.StorePartial(TS.Sub(TS.Sub(TS.LoadPartial(xr + j, cols - j, shift), shift), ls), yr + j, cols - j);
            }
        }
    }

    /// <summary>A per-thread scratch array, grown when too small (steady-state calls allocate nothing).</summary>
    private static class Scratch<T>
    {
        [ThreadStatic] private static T[]? _array;

        public static T[] Get(int length) => _array is { } a && a.Length >= length ? a : _array = new T[Math.Max(length, 64)];
    }

    // The same definitions one element at a time, for any inner extent (and with vectors switched off).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // fully optimized from the first call: a step may not run long enough to tier up
    private static unsafe void NormalizeScalar<T>(T* x, int outer, int length, int inner, T* sm, T* lsm, T* lse)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                T* row = x + (long)o * length * inner + i;
                T max = T.NegativeInfinity;
                for (int l = 0; l < length; l++)
                {
                    T v = row[l * inner];
                    max = T.IsNaN(v) || T.IsNaN(max) ? T.NaN : v > max ? v : max;
                }
                if (T.IsNegativeInfinity(max)) max = T.Zero;
                T sum = T.Zero;
                for (int l = 0; l < length; l++) sum += ExpScalar(row[l * inner] - max);
                T logSum = T.Log(sum);
                long at0 = (long)o * length * inner + i;
                if (lse != null) lse[(long)o * inner + i] = max + logSum;
                for (int l = 0; l < length; l++)
                {
                    long at = at0 + (long)l * inner;
                    if (sm != null) sm[at] = ExpScalar(x[at] - max) / sum;
                    if (lsm != null) lsm[at] = x[at] - max - logSum;
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ExpScalar<T>(T v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) { float r = VMath.Exp(Unsafe.As<T, float>(ref v)); return Unsafe.As<float, T>(ref r); }
        double d = VMath.Exp(Unsafe.As<T, double>(ref v)); return Unsafe.As<double, T>(ref d);
    }

    /// <summary>
    /// im2col of an NCHW image [n, c, h, w] into [n, c·kh·kw, oh·ow] (zero padding), as the IR's <c>im2col</c> defines it;
    /// whole output rows are copied as spans (the loops of <see cref="Conv"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range or an array is too short.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Im2Col<T>(T[] src, T[] dst, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Conv.Unfold("Emitted.Im2Col", src, 0, dst, 0, n, c, h, w, kh, kw, sh, sw, ph, pw, forward: true, accumulate: false);

    /// <summary>col2im, the adjoint of <see cref="Im2Col{T}(T[], T[], int, int, int, int, int, int, int, int, int, int)"/>: sums [n, c·kh·kw, oh·ow] windows back into [n, c, h, w]
    /// (cleared first), in the order channel, kernel row, kernel column, output row, output column.</summary>
    /// <exception cref="ArgumentException">A size is out of range or an array is too short.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Col2Im<T>(T[] cols, T[] dst, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Conv.Unfold("Emitted.Col2Im", dst, 0, cols, 0, n, c, h, w, kh, kw, sh, sw, ph, pw, forward: false, accumulate: false);

    // ---- dilated windows (issue 12): emitted only for a dilation other than 1, so undilated code is unchanged ----

    /// <summary>
    /// Dilated im2col of [n, c, h, w] into [n, c·kh·kw, oh·ow]: tap (ki, kj) of output (oy, ox) reads
    /// <c>src[oy·sh − ph + ki·dh, ox·sw − pw + kj·dw]</c> (zero outside), with
    /// <c>oh = (h + 2·ph − dh·(kh − 1) − 1) / sh + 1</c>, likewise ow; as the IR's <c>im2col</c> with a dilation defines it.
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range or an array is too short.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Im2Col<T>(T[] src, T[] dst, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Conv.Unfold("Emitted.Im2Col", src, 0, dst, 0, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, forward: true, accumulate: false);

    /// <summary>Dilated col2im, the adjoint of the dilated <c>Im2Col</c>: sums [n, c·kh·kw, oh·ow] windows back into
    /// [n, c, h, w] (cleared first), in the order channel, kernel row, kernel column, output row, output column.</summary>
    /// <exception cref="ArgumentException">A size is out of range or an array is too short.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Col2Im<T>(T[] cols, T[] dst, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Conv.Unfold("Emitted.Col2Im", dst, 0, cols, 0, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, forward: false, accumulate: false);
}
