using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

public static partial class Emitted
{
    /// <summary>Elements per part when <see cref="Normalize{T}"/> spreads rows over the worker pool.</summary>
    private const int NormalizePartElements = 4096;

    /// <summary>
    /// From this many elements (about 100 µs on one core) rows are shared even when the workers are not spinning on a
    /// CPU (waking one pays off); smaller calls share them only when the workers are ready (<see cref="WorkerPool.Ready"/>).
    /// </summary>
    private const long NormalizeEagerElements = 128 * 1024;

    /// <summary>
    /// Parts of a fixed row partition for <see cref="Normalize{T}"/> (from the shape alone: rows are independent, so the
    /// results do not depend on it anyway), or 1 when the rows are too few to share. Rows longer than a block with only
    /// the log-sum-exp wanted need a heap scratch and stay on the calling thread (a worker would allocate its own).
    /// </summary>
    private static int NormalizeParts<T>(int rows, int cols, bool rowOutputs) where T : unmanaged
    {
        if (!rowOutputs && cols > NormalizeBlock) return 1;
        long size = (long)rows * cols;
        if (size < 2 * NormalizePartElements) return 1;
        return (int)Math.Min(Math.Min(size / NormalizePartElements, rows / Vector512<T>.Count), 64);
    }

    /// <summary>
    /// Whether a call takes <see cref="NormalizeNarrow{T}"/>: rows up to one 512-bit vector long and at least one group of
    /// them (a single row, batch 1, costs less row by row than a group's reduction trees).
    /// </summary>
    private static bool UseNarrow<T>(int rows, int cols) where T : unmanaged
        => Avx512F.IsSupported && cols <= Vector512<T>.Count && rows >= Vector512<T>.Count;

    /// <summary>The row parts of <see cref="NormalizeAll{T}"/> (one object per element type; used only while the caller holds the pool).</summary>
    private sealed unsafe class NormalizeJob<T> : IParallelWork where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static readonly NormalizeJob<T> Instance = new();
        public T* X, Sm, Lsm, Lse;
        public int Rows, Cols;

        public void Execute(int part, int parts)
        {
            int align = Vector512<T>.Count;
            int r0 = Gemm.PartStart(Rows, part, parts, align), r1 = Gemm.PartStart(Rows, part + 1, parts, align);
            if (r1 > r0) NormalizeRowRange(X, r0, r1, Cols, Sm, Lsm, Lse, UseNarrow<T>(Rows, Cols));
        }
    }

    /// <summary>
    /// Rows no longer than one 512-bit vector (10 logits), a group of L rows (L = lanes) at a time: each row is one
    /// masked vector (−∞ past the row); the L row maxima are reduced together into one vector (lane i = row i) by a
    /// transposing tree of two-source permutes, likewise the L sums of <c>e = exp(x − max)</c>, so a row costs no
    /// horizontal reduction of its own and the logarithm runs once per group on a whole vector. A NaN in a row reaches
    /// its sum (and so every output of the row); a row of −∞ shifts by 0 as on the other paths. Rows are independent:
    /// a row's results do not depend on which group or part it falls in. Everything stays in registers: a vector
    /// stored and loaded back soon after waits on a failed store-to-load forward (a 512-bit store is two on Zen 4).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // fully optimized from the first call: a step may not run long enough to tier up
    private static unsafe void NormalizeNarrow<T>(T* x, int rows, int cols, T* sm, T* lsm, T* lse)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int L = Vector512<T>.Count;
        ref readonly Indices<T> ix = ref NarrowIndices<T>.Value;
        Vector512<T>* e = stackalloc Vector512<T>[L];
        Vector512<T> ninf = Vector512.Create(T.NegativeInfinity), mask = Simd.FirstLanes<T>(cols);
        for (int r0 = 0; r0 < rows; r0 += L)
        {
            int g = Math.Min(L, rows - r0);
            T* xg = x + (long)r0 * cols;
            // 1. Row maxima, lane i = row i (a row of −∞ gives 0).
            Vector512<T> m = Tree8<T, MaxOp>(Row(xg, 0, cols, g, mask, ninf), Row(xg, 1, cols, g, mask, ninf),
                Row(xg, 2, cols, g, mask, ninf), Row(xg, 3, cols, g, mask, ninf), Row(xg, 4, cols, g, mask, ninf),
                Row(xg, 5, cols, g, mask, ninf), Row(xg, 6, cols, g, mask, ninf), Row(xg, 7, cols, g, mask, ninf), in ix);
            if (L == 16)
                m = Comb<T, MaxOp>(m, Tree8<T, MaxOp>(Row(xg, 8, cols, g, mask, ninf), Row(xg, 9, cols, g, mask, ninf),
                    Row(xg, 10, cols, g, mask, ninf), Row(xg, 11, cols, g, mask, ninf), Row(xg, 12, cols, g, mask, ninf),
                    Row(xg, 13, cols, g, mask, ninf), Row(xg, 14, cols, g, mask, ninf), Row(xg, 15, cols, g, mask, ninf), in ix), ix.L3, ix.H3);
            m = Vector512.ConditionalSelect(Vector512.Equals(m, ninf), Vector512<T>.Zero, m);
            // 2. e = exp(x − max) per row, and the sums.
            for (int i = 0; i < g; i++) e[i] = RowExp(xg + i * cols, mask, Lane(m, i));
            for (int i = g; i < L; i++) e[i] = Vector512<T>.Zero;
            Vector512<T> s = Tree8<T, AddOp>(e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], in ix);
            if (L == 16) s = Comb<T, AddOp>(s, Tree8<T, AddOp>(e[8], e[9], e[10], e[11], e[12], e[13], e[14], e[15], in ix), ix.L3, ix.H3);
            Vector512<T> ls = NarrowLog(s);
            // 3. Outputs.
            if (lse != null) Simd.StoreFirst(lse + r0, m + ls, g);
            if (sm != null)
            {
                T* o = sm + (long)r0 * cols;
                for (int i = 0; i < g; i++) NarrowStore(o + i * cols, mask, e[i] / Lane(s, i));
            }
            if (lsm != null)
            {
                T* o = lsm + (long)r0 * cols;
                for (int i = 0; i < g; i++)
                    NarrowStore(o + i * cols, mask, NarrowLoad(xg + i * cols, mask, ninf) - Lane(m, i) - Lane(ls, i));
            }
        }
    }

    /// <summary>Row i of the group (−∞ past the row), or a row of −∞ past the group's g rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<T> Row<T>(T* xg, int i, int cols, int g, Vector512<T> mask, Vector512<T> ninf) where T : unmanaged
        => i < g ? NarrowLoad(xg + i * cols, mask, ninf) : ninf;

    /// <summary>exp(x − max) of a row, 0 past it. Lanes past the row take exp(0) before they are cleared: an infinite
    /// argument would send every row through the slow path of exp (the fast one needs |x| &lt; 80 in all lanes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<T> RowExp<T>(T* xr, Vector512<T> mask, Vector512<T> max) where T : unmanaged
        => NarrowExp(Vector512.ConditionalSelect(mask, NarrowLoad(xr, mask, Vector512<T>.Zero) - max, Vector512<T>.Zero)) & mask;

    /// <summary>The permute indices, computed once per element type.</summary>
    private static class NarrowIndices<T> where T : unmanaged
    {
        public static readonly Indices<T> Value = Make();

        private static unsafe Indices<T> Make()
        {
            Indices<T> ix = default;
            ReduceIndices(&ix.L0, Vector512<T>.Count, Vector512<T>.Count == 16 ? 4 : 3);
            return ix;
        }
    }

    /// <summary>The permute indices of the reduction levels (lo, hi per level; L3/H3 for float only).</summary>
    private struct Indices<T> where T : unmanaged
    {
        public Vector512<T> L0, H0, L1, H1, L2, H2, L3, H3;
    }

    /// <summary>The first three levels of the reduction: 8 rows, each a vector, to one vector of 8 rows × L/8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Tree8<T, TOp>(Vector512<T> x0, Vector512<T> x1, Vector512<T> x2, Vector512<T> x3,
        Vector512<T> x4, Vector512<T> x5, Vector512<T> x6, Vector512<T> x7, ref readonly Indices<T> ix)
        where T : unmanaged where TOp : struct, IReduceOp
        => Comb<T, TOp>(
            Comb<T, TOp>(Comb<T, TOp>(x0, x1, ix.L0, ix.H0), Comb<T, TOp>(x2, x3, ix.L0, ix.H0), ix.L1, ix.H1),
            Comb<T, TOp>(Comb<T, TOp>(x4, x5, ix.L0, ix.H0), Comb<T, TOp>(x6, x7, ix.L0, ix.H0), ix.L1, ix.H1), ix.L2, ix.H2);

    /// <summary>One level: op(lo half, hi half) of every row of a and b, a's rows first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Comb<T, TOp>(Vector512<T> a, Vector512<T> b, Vector512<T> lo, Vector512<T> hi)
        where T : unmanaged where TOp : struct, IReduceOp
        => TOp.Apply(Permute2(a, lo, b), Permute2(a, hi, b));

    /// <summary>
    /// Permute indices of the transposing reduction: at the level where each input vector holds n rows of width lanes,
    /// two inputs X, Y become one vector of 2n rows of width/2 lanes: row i (of X's then Y's rows), lane s takes
    /// op(lane s, lane s + width/2) of that row.
    /// </summary>
    private static unsafe void ReduceIndices<T>(Vector512<T>* idx, int L, int levels) where T : unmanaged
    {
        for (int level = 0, width = L; level < levels; level++, width >>= 1)
        {
            int n = L / width, half = width / 2;
            T* lo = (T*)(idx + 2 * level), hi = (T*)(idx + 2 * level + 1);
            for (int j = 0; j < L; j++)
            {
                int i = j / half, s = j % half;
                int at = i < n ? i * width + s : L + (i - n) * width + s;
                if (typeof(T) == typeof(float)) { ((int*)lo)[j] = at; ((int*)hi)[j] = at + half; }
                else { ((long*)lo)[j] = at; ((long*)hi)[j] = at + half; }
            }
        }
    }

    private interface IReduceOp { static abstract Vector512<T> Apply<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged; }
    private struct MaxOp : IReduceOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Apply<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged => Vector512.MaxNative(a, b);
    }
    private struct AddOp : IReduceOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Apply<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged => a + b;
    }

    /// <summary>Lane <paramref name="i"/> of <paramref name="v"/> in every lane, by a permute (a scalar stored from the
    /// vector and loaded back would wait on a failed store-to-load forward).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Lane<T>(Vector512<T> v, int i) where T : unmanaged
        => typeof(T) == typeof(float)
            ? Avx512F.PermuteVar16x32(v.AsSingle(), Vector512.Create(i)).As<float, T>()
            : Avx512F.PermuteVar8x64(v.AsDouble(), Vector512.Create((long)i)).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Permute2<T>(Vector512<T> a, Vector512<T> index, Vector512<T> b) where T : unmanaged
        => typeof(T) == typeof(float)
            ? Avx512F.PermuteVar16x32x2(a.AsSingle(), index.AsInt32(), b.AsSingle()).As<float, T>()
            : Avx512F.PermuteVar8x64x2(a.AsDouble(), index.AsInt64(), b.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<T> NarrowLoad<T>(T* p, Vector512<T> mask, Vector512<T> fill) where T : unmanaged
        => typeof(T) == typeof(float)
            ? Avx512F.MaskLoad((float*)p, mask.AsSingle(), fill.AsSingle()).As<float, T>()
            : Avx512F.MaskLoad((double*)p, mask.AsDouble(), fill.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void NarrowStore<T>(T* p, Vector512<T> mask, Vector512<T> v) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) Avx512F.MaskStore((float*)p, mask.AsSingle(), v.AsSingle());
        else Avx512F.MaskStore((double*)p, mask.AsDouble(), v.AsDouble());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> NarrowExp<T>(Vector512<T> x) where T : unmanaged
        => typeof(T) == typeof(float) ? VMath.Exp(x.AsSingle()).As<float, T>() : VMath.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> NarrowLog<T>(Vector512<T> x) where T : unmanaged
        => typeof(T) == typeof(float) ? VMath.Log(x.AsSingle()).As<float, T>() : VMath.Log(x.AsDouble()).As<double, T>();
}
