using System.Linq;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// STOPGAP until F.Slice, F.Concat and F.Stack land (branch wt-ops): slicing, concatenation and stacking written as
/// products with constant 0/1 selection matrices, so the recurrent layers build and can be tested now. Exact (each
/// output is one input times 1 plus zeros), but costs a matrix product per slice. To be deleted at the merge.
/// </summary>
internal static class Seq
{
    private static int[] ToLast(int rank, int axis)
    {
        var p = Enumerable.Range(0, rank).Where(i => i != axis).ToList(); p.Add(axis); return p.ToArray();
    }
    private static int[] FromLast(int rank, int axis)
    {
        var to = ToLast(rank, axis); var inv = new int[rank];
        for (int i = 0; i < rank; i++) inv[to[i]] = i; return inv;
    }

    private static Node AlongLast(Node x, int axis, double[] m, int n, int k)
    {
        var g = x.Graph; int r = x.Shape.Rank;
        var sel = g.Const(m, Shape.Of(n, k), x.DType);
        if (r == 1) return F.Reshape(F.MatMul(F.Reshape(x, Shape.Of(1, n)), sel), Shape.Of(k));
        var moved = F.Transpose(x, ToLast(r, axis));
        return F.Transpose(F.MatMul(moved, sel), FromLast(r, axis));
    }

    public static Node Slice(Node x, int axis, int start, int stop)
    {
        int n = x.Shape[axis], k = stop - start;
        var m = new double[n * k];
        for (int j = 0; j < k; j++) m[(start + j) * k + j] = 1;
        return AlongLast(x, axis, m, n, k);
    }

    public static Node Concat(int axis, params Node[] parts)
    {
        int total = parts.Sum(p => p.Shape[axis]);
        Node? sum = null; int off = 0;
        foreach (var p in parts)
        {
            int k = p.Shape[axis];
            var m = new double[k * total];
            for (int j = 0; j < k; j++) m[j * total + off + j] = 1;
            off += k;
            var e = AlongLast(p, axis, m, k, total);
            sum = sum is null ? e : sum + e;
        }
        return sum!;
    }

    public static Node Stack(int axis, params Node[] parts)
    {
        var s = parts[0].Shape.ToArray().ToList(); s.Insert(axis, 1);
        return Concat(axis, parts.Select(p => F.Reshape(p, Shape.Of(s.ToArray()))).ToArray());
    }
}
