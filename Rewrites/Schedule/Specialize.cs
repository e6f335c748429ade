using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// Rewrites run just before scheduling that make a graph fit the kernels better without changing its value:
/// <list type="bullet">
/// <item><c>step(z) → step(relu(z))</c> when <c>relu(z)</c> exists: the two are equal everywhere, and it lets the
/// forward GEMM keep <c>z</c> in registers (bias + ReLU epilogue) while the backward GEMM masks with <c>relu(z)</c>.</item>
/// <item>a reduction over non-adjacent axes becomes reductions over adjacent runs, so every reduce kernel sees
/// an [outer, length, inner] space.</item>
/// <item>a batched <c>matmul</c> operand whose leading (batch) axes broadcast only in part against the product's — e.g.
/// [G, m, k]·[N, G, k, n] — is broadcast to the product's batch axes first: a GEMM kernel gives each operand one batch
/// stride (every product, or none), which cannot express a partial broadcast.</item>
/// </list>
/// </summary>
public static class Specialize
{
    /// <summary>Applies the rewrites; returns <paramref name="f"/> itself when nothing changes.</summary>
    public static Function Run(Function f)
    {
        var nodes = f.Nodes();
        var hasRelu = new HashSet<Node>(nodes.Where(n => n.Op == Op.Relu).Select(n => n.A));
        var map = new Dictionary<Node, Node>();
        bool changed = false;
        foreach (var n in nodes)
        {
            var inputs = n.Inputs.Select(i => map[i]).ToArray();
            var m = n.IsLeaf || inputs.SequenceEqual(n.Inputs) ? n : n.Graph.Make(n.Op, n.Attrs, inputs);
            if (n.Op == Op.Step && hasRelu.Contains(n.A)) m = F.Step(F.Relu(m.A));
            else if (m.Op.Kind == OpKind.Reduce && !Adjacent(m.Attr<AxesAttrs>().Axes)) m = SplitReduce(m);
            else if (m.Op == Op.MatMul && (PartlyBroadcast(m.A, m.Shape) || PartlyBroadcast(m.B, m.Shape)))
                m = F.MatMul(Batched(m.A, m.Shape), Batched(m.B, m.Shape));
            if (!ReferenceEquals(m, n)) { changed = true; if (m.Label is null) m.Label = n.Label; }
            map[n] = m;
        }
        if (!changed) return f;
        return new Function(f.Graph, f.Outputs.Select(o => new Named(o.Name, map[o.Node])), f.Updates.Select(u => new Named(u.Name, map[u.Node])));
    }

    // An operand with batch axes that are not exactly the product's: one stride per operand cannot address it.
    private static bool PartlyBroadcast(Node operand, Shape product)
    {
        var s = operand.Shape;
        if (s.Rank <= 2) return false;
        if (s.Rank != product.Rank) return true;
        for (int i = 0; i < s.Rank - 2; i++) if (s[i] != product[i]) return true;
        return false;
    }

    private static Node Batched(Node operand, Shape product)
    {
        if (!PartlyBroadcast(operand, product)) return operand;
        var s = operand.Shape;
        var dims = new int[product.Rank];
        for (int i = 0; i < product.Rank - 2; i++) dims[i] = product[i];
        dims[product.Rank - 2] = s[s.Rank - 2]; dims[product.Rank - 1] = s[s.Rank - 1];
        return F.BroadcastTo(operand, new Shape(dims));
    }

    private static bool Adjacent(int[] axes)
    {
        for (int i = 1; i < axes.Length; i++) if (axes[i] != axes[i - 1] + 1) return false;
        return true;
    }

    // Reduce the last adjacent run first, then the rest (axes shift when not kept).
    private static Node SplitReduce(Node r)
    {
        var axes = r.Attr<AxesAttrs>().Axes; bool keep = r.Attr<AxesAttrs>().KeepDims;
        int start = axes.Length - 1;
        while (start > 0 && axes[start - 1] == axes[start] - 1) start--;
        var last = axes.Skip(start).ToArray();
        var rest = axes.Take(start).ToArray();
        var inner = r.Graph.Make(r.Op, new AxesAttrs(last, keep), r.A);
        return r.Graph.Make(r.Op, new AxesAttrs(rest, keep), inner);
    }
}
