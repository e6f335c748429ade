using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Engine;
using static Nabla.Rewrites.Engine.Patterns;

namespace Nabla.Rewrites.Passes;

/// <summary>
/// Layout and broadcast simplification: compositions of transposes, reshapes and broadcasts collapse;
/// broadcasts move out of elementwise ops (so the arithmetic runs on the small operand and the broadcast is
/// absorbed by the consumer's implicit broadcasting); reductions of broadcasts become a multiplication by the
/// element count; a transposed product whose operand is transposed swaps into a product without it.
/// All rules are exact.
/// </summary>
public static class LayoutSimplification
{
    private static readonly Capture X = new("x"), Y = new("y"), Inner = new("inner");

    /// <summary>The layout rules, in the order they are tried.</summary>
    public static readonly RuleSet Rules = new("layout")
    {
        Rule("op(broadcast(x), y) → broadcast(op(x, y))", Op.All.Where(o => o.Kind == OpKind.Elementwise), HoistBroadcast),
        Rule("broadcast(broadcast(x)) → broadcast(x)", Broadcast(Broadcast(X)), m => F.BroadcastTo(m[X], m.Root.Shape)),
        Rule("reshape(reshape(x)) → reshape(x)", Reshape(Reshape(X)), m => F.Reshape(m[X], m.Root.Shape)),
        Rule("transpose(transpose(x, p), q) → transpose(x, p∘q)", Transpose(Transpose(X).As(Inner)),
            m => F.Transpose(m[X], Compose(m[Inner].Attr<PermutationAttrs>().Perm, m.Root.Attr<PermutationAttrs>().Perm))),
        Rule("reshape(broadcast(s)) → broadcast(s)  (one element)", Reshape(Broadcast(X.If(OneElement))), m => Single(m[X])),
        Rule("transpose(broadcast(s)) → broadcast(s)  (one element)", Transpose(Broadcast(X.If(OneElement))), m => Single(m[X])),
        Rule("sum(broadcast(x)) → x * count", Sum(Broadcast(X)), m => ReduceOfBroadcast(m.Root, m[X], count: true)),
        Rule("mean(broadcast(x)) → x", Mean(Broadcast(X)), m => ReduceOfBroadcast(m.Root, m[X], count: false)),
        Rule("reduce_max(broadcast(x)) → x", ReduceMax(Broadcast(X)), m => ReduceOfBroadcast(m.Root, m[X], count: false)),
        Rule("sum over size-1 axes → reshape", Sum(X).If(OverUnitAxes), m => F.Reshape(m[X], m.Root.Shape)),
        Rule("mean over size-1 axes → reshape", Mean(X).If(OverUnitAxes), m => F.Reshape(m[X], m.Root.Shape)),
        Rule("reduce_max over size-1 axes → reshape", ReduceMax(X).If(OverUnitAxes), m => F.Reshape(m[X], m.Root.Shape)),
        Rule("(a·b)ᵀ → bᵀ·aᵀ  (a or b transposed)", Transpose(MatMul(X, Y)).If(SwapsLastTwo),
            m => m[X].Op == Op.Transpose || m[Y].Op == Op.Transpose ? F.MatMul(F.T(m[Y]), F.T(m[X])) : null),
    };

    /// <summary>The pass: applies the layout rules (with constant folding).</summary>
    public static Function Run(Function f, RewriteOptions? options = null, RewriteReport? report = null) =>
        Rewriter.Run(f, ConstantFolding.Rules.With("fold+layout", Rules), options, report);

    // Elementwise op with broadcast operands: apply it to the operands before broadcasting (Fit broadcasts the result back).
    private static Node? HoistBroadcast(Node n, RewriteContext ctx)
    {
        var inputs = n.Inputs;
        bool any = false;
        for (int i = 0; i < inputs.Count; i++) any |= inputs[i].Op == Op.Broadcast;
        if (!any) return null;
        var stripped = new Node[inputs.Count];
        for (int i = 0; i < stripped.Length; i++) stripped[i] = inputs[i].Op == Op.Broadcast ? inputs[i].A : inputs[i];
        Shape? s = stripped[0].Shape;
        for (int i = 1; i < stripped.Length && s is not null; i++) s = Shape.Broadcast(s, stripped[i].Shape, out _);
        if (s is null || !s.BroadcastsTo(n.Shape)) return null;
        return n.Graph.Make(n.Op, n.Attrs, stripped);
    }

    private static bool OneElement(Node x) => !x.Shape.HasBatch && x.Shape.StaticSize == 1;

    // A one-element tensor as a scalar (Fit broadcasts it to the root's shape).
    private static Node Single(Node x) => F.Reshape(x, Shape.Scalar);

    private static int[] Compose(int[] inner, int[] outer)
    {
        var r = new int[outer.Length];
        for (int i = 0; i < r.Length; i++) r[i] = inner[outer[i]];
        return r;
    }

    private static bool OverUnitAxes(Node n) => n.Attrs is AxesAttrs r && r.Axes.All(a => n.A.Shape[a] == 1);

    private static bool SwapsLastTwo(Node n)
    {
        if (n.Attrs is not PermutationAttrs pa) return false;
        var p = pa.Perm;
        int r = p.Length;
        if (r < 2 || p[r - 2] != r - 1 || p[r - 1] != r - 2) return false;
        for (int i = 0; i < r - 2; i++) if (p[i] != i) return false;
        return true;
    }

    // sum/mean/max over axes that the broadcast created or stretched (and no others): x itself, times the count for a sum.
    private static Node? ReduceOfBroadcast(Node root, Node x, bool count)
    {
        var b = root.A;
        Shape target = b.Shape, sx = x.Shape;
        int offset = target.Rank - sx.Rank;
        var dropFromX = new List<int>();
        double size = 1;
        int batches = 0;
        foreach (int a in root.Attr<AxesAttrs>().Axes)
        {
            int d = target[a];
            if (d == 0) return null; // empty reduction: its value is not x's
            bool created = a < offset;
            if (!created && !(sx[a - offset] == 1)) return null; // a real axis of x: not this rule's case
            if (!created) dropFromX.Add(a - offset);
            if (d == Shape.Batch) batches++; else size *= d;
        }
        var y = x;
        if (!root.Attr<AxesAttrs>().KeepDims && dropFromX.Count > 0)
            y = F.Reshape(x, new Shape(Enumerable.Range(0, sx.Rank).Where(i => !dropFromX.Contains(i)).Select(i => sx[i]).ToArray()));
        if (!y.Shape.BroadcastsTo(root.Shape)) return null;
        if (!count || (size == 1 && batches == 0)) return y;
        var g = root.Graph;
        Node c = g.Const(size, root.DType);
        for (int i = 0; i < batches; i++) c = c * g.BatchSize(root.DType);
        return y * c;
    }
}
