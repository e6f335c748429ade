using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Runtime;

/// <summary>
/// Row-wise kernels over a dense row-major [rows, cols] block, written once over <see cref="ISimd{TV, T}"/>.
/// Every reduction runs in a fixed order (vector lanes, then a fixed horizontal reduction), so results are deterministic.
/// </summary>
internal static unsafe class RowsCore<TS, TV, T>
    where TS : ISimd<TV, T> where TV : unmanaged where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Row maximum; NaN if the row holds a NaN (the native max alone may drop it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Max(T* x, int cols)
    {
        int L = TS.Count, j = 0;
        TV ninf = TS.Splat(T.NegativeInfinity), m = ninf, ones = TS.Eq(ninf, ninf), nan = TS.Splat(T.Zero);
        for (; j + L <= cols; j += L)
        {
            TV v = TS.Load(x + j);
            m = TS.Max(m, v);
            nan = TS.Or(nan, TS.Xor(TS.Eq(v, v), ones));
        }
        if (j < cols)
        {
            TV v = TS.LoadPartial(x + j, cols - j, ninf);
            m = TS.Max(m, v);
            nan = TS.Or(nan, TS.Xor(TS.Eq(v, v), ones));
        }
        return TS.Any(nan) ? T.NaN : TS.MaxAcross(m);
    }

    /// <summary>y = exp(x - shift) (y may be null), returns Σ exp(x - shift).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ExpSum(T* x, T* y, int cols, T shift)
    {
        int L = TS.Count, j = 0;
        TV sv = TS.Splat(shift), s = TS.Splat(T.Zero);
        for (; j + L <= cols; j += L)
        {
            TV e = TS.Exp(TS.Sub(TS.Load(x + j), sv));
            if (y != null) TS.Store(e, y + j);
            s = TS.Add(s, e);
        }
        if (j < cols)
        {
            TV e = TS.Exp(TS.Sub(TS.LoadPartial(x + j, cols - j, TS.Splat(T.NegativeInfinity)), sv));
            if (y != null) TS.StorePartial(e, y + j, cols - j);
            s = TS.Add(s, e);
        }
        return TS.SumAcross(s);
    }

    /// <summary>y = a·y + b, elementwise over one row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Affine(T* x, T* y, int cols, T a, T b)
    {
        int L = TS.Count, j = 0;
        TV av = TS.Splat(a), bv = TS.Splat(b);
        for (; j + L <= cols; j += L) TS.Store(TS.Fma(TS.Load(x + j), av, bv), y + j);
        if (j < cols) TS.StorePartial(TS.Fma(TS.LoadPartial(x + j, cols - j, bv), av, bv), y + j, cols - j);
    }

    public static void Softmax(T* x, T* y, int rows, int cols)
    {
        for (int r = 0; r < rows; r++, x += cols, y += cols)
        {
            T max = Max(x, cols);
            T sum = ExpSum(x, y, cols, max);
            Affine(y, y, cols, T.One / sum, T.Zero);
        }
    }

    public static void LogSoftmax(T* x, T* y, int rows, int cols)
    {
        int L = TS.Count;
        for (int r = 0; r < rows; r++, x += cols, y += cols)
        {
            T max = Max(x, cols);
            // y = (x − max) − log Σ exp(x − max): x − max is (nearly) exact, so large logits lose nothing.
            T logSum = T.IsFinite(max) ? T.Log(ExpSum(x, null, cols, max)) : T.Zero;
            TV mv = TS.Splat(max), lv = TS.Splat(logSum);
            int j = 0;
            for (; j + L <= cols; j += L) TS.Store(TS.Sub(TS.Sub(TS.Load(x + j), mv), lv), y + j);
            if (j < cols) TS.StorePartial(TS.Sub(TS.Sub(TS.LoadPartial(x + j, cols - j, mv), mv), lv), y + j, cols - j);
        }
    }

    public static void LogSumExp(T* x, T* y, int rows, int cols)
    {
        for (int r = 0; r < rows; r++, x += cols)
        {
            T max = Max(x, cols);
            y[r] = T.IsFinite(max) ? max + T.Log(ExpSum(x, null, cols, max)) : max;
        }
    }

    /// <summary>
    /// Softmax cross-entropy per row against a target distribution <paramref name="t"/> or class
    /// <paramref name="labels"/> (one of them null); the gradient (if <paramref name="grad"/> is not null) may alias x.
    /// </summary>
    public static void CrossEntropy(T* x, T* t, int* labels, int rows, int cols, T* loss, T* grad, T gradScale)
    {
        int L = TS.Count;
        for (int r = 0; r < rows; r++)
        {
            T* xr = x + (long)r * cols, tr = t == null ? null : t + (long)r * cols, gr = grad == null ? null : grad + (long)r * cols;
            T max = Max(xr, cols);
            T tsum, tdot;
            if (labels != null)
            {
                tsum = T.One;
                tdot = max - xr[labels[r]];
            }
            else
            {
                // loss = Σ t·(max − x) + Σt·log Σ exp(x − max): no cancellation between large logits.
                int j = 0;
                TV maxv = TS.Splat(max), ts = TS.Splat(T.Zero), td = ts;
                for (; j + L <= cols; j += L)
                {
                    TV tv = TS.Load(tr + j);
                    ts = TS.Add(ts, tv);
                    td = TS.Fma(tv, TS.Sub(maxv, TS.Load(xr + j)), td);
                }
                if (j < cols)
                {
                    TV tv = TS.LoadPartial(tr + j, cols - j, TS.Splat(T.Zero));
                    ts = TS.Add(ts, tv);
                    td = TS.Fma(tv, TS.Sub(maxv, TS.LoadPartial(xr + j, cols - j, maxv)), td);
                }
                tsum = TS.SumAcross(ts);
                tdot = TS.SumAcross(td);
            }
            // Reads of x end here: the gradient may overwrite it.
            T sum = ExpSum(xr, gr, cols, max);
            loss[r] = tdot + tsum * T.Log(sum);
            if (gr == null) continue;
            // grad = scale·(softmax·Σt − t), with exp(x − max) already in grad.
            Affine(gr, gr, cols, gradScale * tsum / sum, T.Zero);
            if (labels != null)
            {
                gr[labels[r]] -= gradScale;
                continue;
            }
            int k = 0;
            TV sc = TS.Splat(-gradScale);
            for (; k + L <= cols; k += L) TS.Store(TS.Fma(TS.Load(tr + k), sc, TS.Load(gr + k)), gr + k);
            if (k < cols)
                TS.StorePartial(TS.Fma(TS.LoadPartial(tr + k, cols - k, sc), sc, TS.LoadPartial(gr + k, cols - k, sc)), gr + k, cols - k);
        }
    }

    public static void ColumnSum(T* x, int rows, int cols, T* y, T scale, bool accumulate)
    {
        int L = TS.Count, j = 0;
        TV sc = TS.Splat(scale);
        for (; j + 4 * L <= cols; j += 4 * L)
        {
            TV s0 = TS.Splat(T.Zero), s1 = s0, s2 = s0, s3 = s0;
            T* p = x + j;
            for (int r = 0; r < rows; r++, p += cols)
            {
                s0 = TS.Add(s0, TS.Load(p)); s1 = TS.Add(s1, TS.Load(p + L));
                s2 = TS.Add(s2, TS.Load(p + 2 * L)); s3 = TS.Add(s3, TS.Load(p + 3 * L));
            }
            StoreSum(y + j, s0, sc, accumulate, L); StoreSum(y + j + L, s1, sc, accumulate, L);
            StoreSum(y + j + 2 * L, s2, sc, accumulate, L); StoreSum(y + j + 3 * L, s3, sc, accumulate, L);
        }
        for (; j < cols; j += L)
        {
            int n = System.Math.Min(L, cols - j);
            TV s0 = TS.Splat(T.Zero);
            T* p = x + j;
            if (n == L) for (int r = 0; r < rows; r++, p += cols) s0 = TS.Add(s0, TS.Load(p));
            else for (int r = 0; r < rows; r++, p += cols) s0 = TS.Add(s0, TS.LoadPartial(p, n, TS.Splat(T.Zero)));
            StoreSum(y + j, s0, sc, accumulate, n);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSum(T* y, TV s, TV scale, bool accumulate, int n)
    {
        int L = TS.Count;
        TV prev = accumulate ? (n == L ? TS.Load(y) : TS.LoadPartial(y, n, TS.Splat(T.Zero))) : TS.Splat(T.Zero);
        TV v = TS.Fma(s, scale, prev);
        if (n == L) TS.Store(v, y); else TS.StorePartial(v, y, n);
    }

    public static void RowSum(T* x, int rows, int cols, T* y, T scale, bool accumulate)
    {
        int L = TS.Count;
        for (int r = 0; r < rows; r++, x += cols)
        {
            TV s = TS.Splat(T.Zero);
            int j = 0;
            for (; j + L <= cols; j += L) s = TS.Add(s, TS.Load(x + j));
            if (j < cols) s = TS.Add(s, TS.LoadPartial(x + j, cols - j, TS.Splat(T.Zero)));
            T v = TS.SumAcross(s) * scale;
            y[r] = accumulate ? y[r] + v : v;
        }
    }
}
