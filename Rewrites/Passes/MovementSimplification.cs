using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Engine;
using static Nabla.Rewrites.Engine.Patterns;

namespace Nabla.Rewrites.Passes;

/// <summary>
/// Simplifications of slice, concat and pad (part of canonicalization). The first three re-apply the simplifications
/// <see cref="F.Slice(Node, SliceAttrs)"/>, <see cref="F.Concat"/> and <see cref="F.Pad(Node, PadAttrs)"/> make when a
/// node is built, to nodes that other rewrites rebuilt: a slice of the whole is its input, a slice of a slice one slice, a
/// slice inside one part of a concat (or inside a pad's input) a slice of that part; a concat of one part is the part,
/// nested concats along one axis are one, and adjacent slices of one tensor merge; a pad that adds nothing is its input.
/// Movement of a uniform tensor is a uniform tensor. And the sum of zero pads of disjoint regions along one axis — what
/// the gradient of many slices of one tensor is (an unrolled recurrent network slicing x[:, t, :]) — is one pad of their
/// concat, so that gradient costs one copy per slice instead of a full-size pad and add per slice. All rules are exact.
/// </summary>
public static class MovementSimplification
{
    /// <summary>The rules, in the order they are tried.</summary>
    public static readonly RuleSet Rules = new("movement")
    {
        Rule("movement of a uniform tensor → uniform", new[] { Op.Slice, Op.Pad, Op.Concat }, Uniform),
        Rule("slice: whole → x; slice(slice) → slice; slice inside a concat part or a pad's input → slice of it", new[] { Op.Slice },
            (n, _) => Same(n, F.Slice(n.A, n.Attr<SliceAttrs>()))),
        Rule("concat: one part → part; nested → flat; adjacent slices of one tensor → one slice", new[] { Op.Concat },
            (n, _) => Same(n, F.Concat(n.Attr<AxisAttrs>().Axis, n.Inputs.ToArray()))),
        Rule("pad adding nothing → x", new[] { Op.Pad }, (n, _) => Same(n, F.Pad(n.A, n.Attr<PadAttrs>()))),
        Rule("pad(a) + pad(b), zero pads of disjoint regions along one axis → pad(concat(a, 0, b))", new[] { Op.Add }, SumOfPads),
    };

    private static Node? Same(Node n, Node r) => ReferenceEquals(n, r) ? null : r;

    // Every element of a slice, pad (with that fill) or concat of one uniform value is that value.
    private static Node? Uniform(Node n, RewriteContext ctx)
    {
        if (!ctx.Facts.Uniform(n.Inputs[0], out double v)) return null;
        foreach (var i in n.Inputs) if (!ctx.Facts.Uniform(i, out double w) || !Same(v, w)) return null;
        if (n.Op == Op.Pad && !Same(n.Attr<PadAttrs>().Fill, v)) return null;
        return F.Fill(n.Graph, v, n.Shape, n.DType);
    }

    private static bool Same(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    // add(pad(a), pad(b)) with fill 0 and no interior padding, equal padding on all axes but one, and disjoint regions on it.
    private static Node? SumOfPads(Node n, RewriteContext ctx)
    {
        Node p = n.A, q = n.B;
        if (p.Op != Op.Pad || q.Op != Op.Pad || !p.Shape.Equals(n.Shape) || !q.Shape.Equals(n.Shape)) return null;
        PadAttrs a = p.Attr<PadAttrs>(), b = q.Attr<PadAttrs>();
        if (!Same(a.Fill, 0) || !Same(b.Fill, 0) || a.Interior.Any(i => i != 0) || b.Interior.Any(i => i != 0)) return null;
        int axis = -1;
        for (int i = 0; i < a.Rank; i++)
        {
            if (a.Before[i] == b.Before[i] && a.After[i] == b.After[i] && p.A.Shape[i] == q.A.Shape[i]) continue;
            if (axis >= 0) return null;
            axis = i;
        }
        if (axis < 0) return null; // the same region: the rule is not about that
        if (a.Before[axis] > b.Before[axis]) { (p, q) = (q, p); (a, b) = (b, a); }
        int aEnd = a.Before[axis] + p.A.Shape[axis], gap = b.Before[axis] - aEnd;
        if (gap < 0) return null; // they overlap
        var parts = new List<Node> { p.A };
        if (gap > 0)
        {
            var dims = p.A.Shape.ToArray();
            dims[axis] = gap;
            parts.Add(F.Zeros(n.Graph, new Shape(dims), n.DType));
        }
        parts.Add(q.A);
        var joined = F.Concat(axis, parts.ToArray());
        var before = (int[])a.Before.Clone(); var after = (int[])a.After.Clone();
        before[axis] = a.Before[axis]; after[axis] = b.After[axis];
        return F.Pad(joined, new PadAttrs(before, after));
    }
}
