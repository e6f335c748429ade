using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>
    /// The backward pass of a dense layer with the SGD-style update fused, as two GEMMs run in order:
    /// first <c>dx = dy·W</c> (zeroed where <paramref name="mask"/> is not &gt; 0, when a mask is given), then
    /// <c>W = alpha·dyᵀ·x + W</c>. dy is m×n, W is n×k, dx, x and the mask are m×k (row-major, row strides given).
    /// The result equals the two calls <c>Sgemm(m, k, n, 1, dy, …, W, …, 0, dx, …, mask)</c> and
    /// <c>Sgemm(n, k, m, alpha, dy (transposed), …, x, …, 1, W, …)</c> bit for bit. For one row (m = 1, a batch of one)
    /// it runs as a single pass over W: each row of W is loaded once, feeds dx, and is updated in place — half the
    /// memory traffic of the two calls, which at this size is what the time is.
    /// </summary>
    /// <exception cref="System.ArgumentException">A dimension is negative, a leading dimension is smaller than its row
    /// length, or an array is too short; the message names the argument and the numbers.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SgemmDenseBackward(int m, int n, int k,
        float[] dy, int dyOffset, int lddy, float[] w, int wOffset, int ldw,
        float[] dx, int dxOffset, int lddx, float[]? mask, int maskOffset, int ldMask,
        float alpha, float[] x, int xOffset, int ldx)
        => DenseBackward("Gemm.SgemmDenseBackward", m, n, k, dy, dyOffset, lddy, w, wOffset, ldw, dx, dxOffset, lddx,
            mask, maskOffset, ldMask, alpha, x, xOffset, ldx);

    /// <summary>Double-precision <see cref="SgemmDenseBackward"/>.</summary>
    /// <exception cref="System.ArgumentException">See <see cref="SgemmDenseBackward"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DgemmDenseBackward(int m, int n, int k,
        double[] dy, int dyOffset, int lddy, double[] w, int wOffset, int ldw,
        double[] dx, int dxOffset, int lddx, double[]? mask, int maskOffset, int ldMask,
        double alpha, double[] x, int xOffset, int ldx)
        => DenseBackward("Gemm.DgemmDenseBackward", m, n, k, dy, dyOffset, lddy, w, wOffset, ldw, dx, dxOffset, lddx,
            mask, maskOffset, ldMask, alpha, x, xOffset, ldx);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DenseBackward<T>(string op, int m, int n, int k,
        T[] dy, int dyOffset, int lddy, T[] w, int wOffset, int ldw,
        T[] dx, int dxOffset, int lddx, T[]? mask, int maskOffset, int ldMask,
        T alpha, T[] x, int xOffset, int ldx) where T : unmanaged
    {
        Guard.NonNegative(m, nameof(m), op);
        Guard.NonNegative(n, nameof(n), op);
        Guard.NonNegative(k, nameof(k), op);
        Guard.Matrix(dy, nameof(dy), dyOffset, m, n, lddy, nameof(lddy), op);
        Guard.Matrix(w, nameof(w), wOffset, n, k, ldw, nameof(ldw), op);
        Guard.Matrix(dx, nameof(dx), dxOffset, m, k, lddx, nameof(lddx), op);
        Guard.Matrix(x, nameof(x), xOffset, m, k, ldx, nameof(ldx), op);
        if (mask != null) Guard.Matrix(mask, nameof(mask), maskOffset, m, k, ldMask, nameof(ldMask), op);
        if (k == 0) return;
        // One pass needs one row and no array shared between what is written (dx, W) and anything else; n = 1 and
        // alpha = 0 take other paths in the separate calls, so they stay there.
        bool fused = m == 1 && n > 1 && !Simd.IsZero(alpha) && dx != w && dx != dy && dx != x && dx != mask && w != dy && w != x && w != mask;
        fixed (T* pdy = dy, pw = w, pdx = dx, pmask = mask, px = x)
        {
            var first = new Problem<T>
            {
                M = m, N = k, K = n, Alpha = Simd.FromInt<T>(1), Beta = default,
                A = pdy + dyOffset, Lda = lddy, B = pw + wOffset, Ldb = ldw, C = pdx + dxOffset, Ldc = lddx,
                Mask = pmask == null ? null : pmask + maskOffset, LdMask = ldMask,
            };
            if (fused) { RowBackward(in first, alpha, px + xOffset); return; }
            if (m > 0) Run(ref first, Parallelism.MaxThreads);
            if (n == 0) return;
            var update = new Problem<T>
            {
                M = n, N = k, K = m, Alpha = alpha, Beta = Simd.FromInt<T>(1),
                A = pdy + dyOffset, Lda = lddy, TransA = true, B = px + xOffset, Ldb = ldx, C = pw + wOffset, Ldc = ldw,
            };
            Run(ref update, Parallelism.MaxThreads);
        }
    }

    /// <summary>
    /// m = 1: for column blocks of up to four vectors, walks the n rows of W once: dx_blk += dy[i]·W[i, blk] (old
    /// values), then W[i, blk] = (alpha·dy[i])·x_blk + W[i, blk]. The arithmetic is that of <see cref="AxpyRows{T}"/>
    /// and <see cref="OuterRows{T, TMode}"/>, in the same order, so the results equal the two separate calls.
    /// A partial last vector gets a pass of its own: in the same pass, its masked store would overlap the next row's
    /// first load whenever a row is shorter than a vector past it, and the load would wait for the store to retire.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBackward<T>(ref readonly Problem<T> p, T alpha, T* x) where T : unmanaged
    {
        int L = Vector512<T>.Count, k = p.N, j = 0;
        for (; j + 4 * L <= k; j += 4 * L) RowBackwardBlock<T, W4>(in p, alpha, x, j);
        switch ((k - j) / L)
        {
            case 3: RowBackwardBlock<T, W3>(in p, alpha, x, j); j += 3 * L; break;
            case 2: RowBackwardBlock<T, W2>(in p, alpha, x, j); j += 2 * L; break;
            case 1: RowBackwardBlock<T, W1>(in p, alpha, x, j); j += L; break;
        }
        if (j < k) RowBackwardTail(in p, alpha, x, j, k - j);
    }

    /// <summary>Columns [j, j + W·L) of <see cref="RowBackward{T}"/>, W whole vectors, no branch inside the row loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBackwardBlock<T, W>(ref readonly Problem<T> p, T alpha, T* x, int j)
        where T : unmanaged where W : struct, IWidth
    {
        int L = Vector512<T>.Count, n = p.K, nv = W.Vectors;
        T* dy = p.A, wr = p.B + j, dx = p.C + j;
        long ldw = p.Ldb;
        Vector512<T> al = Vector512.Create(alpha);
        Vector512<T> x0 = Vector512.Load(x + j);
        Vector512<T> x1 = nv > 1 ? Vector512.Load(x + j + L) : default;
        Vector512<T> x2 = nv > 2 ? Vector512.Load(x + j + 2 * L) : default;
        Vector512<T> x3 = nv > 3 ? Vector512.Load(x + j + 3 * L) : default;
        Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int i = 0; i < n; i++, wr += ldw)
        {
            Vector512<T> d = Vector512.Create(dy[i]), u = d * al;
            Vector512<T> w0 = Vector512.Load(wr);
            Vector512<T> w1 = nv > 1 ? Vector512.Load(wr + L) : default;
            Vector512<T> w2 = nv > 2 ? Vector512.Load(wr + 2 * L) : default;
            Vector512<T> w3 = nv > 3 ? Vector512.Load(wr + 3 * L) : default;
            s0 = Simd.Fma(d, w0, s0);
            if (nv > 1) s1 = Simd.Fma(d, w1, s1);
            if (nv > 2) s2 = Simd.Fma(d, w2, s2);
            if (nv > 3) s3 = Simd.Fma(d, w3, s3);
            Vector512.Store(Simd.Fma(u, x0, w0), wr);
            if (nv > 1) Vector512.Store(Simd.Fma(u, x1, w1), wr + L);
            if (nv > 2) Vector512.Store(Simd.Fma(u, x2, w2), wr + 2 * L);
            if (nv > 3) Vector512.Store(Simd.Fma(u, x3, w3), wr + 3 * L);
        }
        StoreVec(in p, dx, s0, 0, j, L, true, true);
        if (nv > 1) StoreVec(in p, dx + L, s1, 0, j + L, L, true, true);
        if (nv > 2) StoreVec(in p, dx + 2 * L, s2, 0, j + 2 * L, L, true, true);
        if (nv > 3) StoreVec(in p, dx + 3 * L, s3, 0, j + 3 * L, L, true, true);
    }

    /// <summary>The last <paramref name="count"/> (&lt; one vector) columns of <see cref="RowBackward{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBackwardTail<T>(ref readonly Problem<T> p, T alpha, T* x, int j, int count) where T : unmanaged
    {
        int n = p.K;
        T* dy = p.A, wr = p.B + j;
        long ldw = p.Ldb;
        Vector512<T> al = Vector512.Create(alpha), xv = Simd.LoadFirst(x + j, count), s = default;
        for (int i = 0; i < n; i++, wr += ldw)
        {
            Vector512<T> d = Vector512.Create(dy[i]), wv = Simd.LoadFirst(wr, count);
            s = Simd.Fma(d, wv, s);
            Simd.StoreFirst(wr, Simd.Fma(d * al, xv, wv), count);
        }
        StoreVec(in p, p.C + j, s, 0, j, count, true, true);
    }
}
