using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Ir;

public static partial class F
{
    // ---- movement: slice, concat, pad, stack ----

    /// <summary>
    /// <c>x[..., start:stop:step, ...]</c> along <paramref name="axis"/> (negative: from the last), by Python's rules: start
    /// inclusive, stop exclusive, negative indices count from the end, both are clamped to the axis, and
    /// <see cref="SliceAttrs.End"/> (<c>int.MaxValue</c>) as the stop means "to the end". The step must be ≥ 1. The batch
    /// axis can only be taken whole. Taking the whole axis returns <paramref name="x"/> itself.
    /// </summary>
    public static Node Slice(Node x, int axis, int start, int stop, int step = 1) =>
        Slice(x, SliceAttrs.OneAxis(x.Shape.Rank, Axis(Op.Slice, x, axis), start, stop, step));

    /// <summary>
    /// The region of <paramref name="x"/> that <paramref name="attrs"/> gives for every axis (Python's rules, see
    /// <see cref="SliceAttrs"/>). The node stores the canonical form, so equal regions are one node; a slice of the whole of
    /// <paramref name="x"/> is <paramref name="x"/>, a slice of a slice is one slice, and a slice that lies inside one part
    /// of a concat (or inside the unpadded elements of a pad) is taken from that part (or from the pad's input).
    /// </summary>
    public static Node Slice(Node x, SliceAttrs attrs)
    {
        if (attrs is null) throw new ArgumentNullException(nameof(attrs));
        var canonical = attrs.Canonical(x.Shape, out var error)
            ?? throw new ShapeException($"{Op.Slice.Name}({x.Describe()}): cannot take {attrs}: {error}.");
        if (canonical.IsFull(x.Shape)) return x;
        var r = canonical.Resolve(x.Shape, out _)!;
        if (x.Op == Op.Slice) return Slice(x.A, Compose(x.Attr<SliceAttrs>().Resolve(x.A.Shape, out _)!, r));
        if (x.Op == Op.Concat && InsidePart(x, r) is { } inside) return Slice(inside.Part, inside.Attrs);
        if (x.Op == Op.Pad && InsideInput(x, r) is { } within) return Slice(x.A, within);
        return x.Graph.Make(Op.Slice, canonical, x);
    }

    /// <summary>
    /// The <paramref name="parts"/> joined along <paramref name="axis"/> (negative: from the last), as
    /// <c>torch.cat</c>: they must agree on every other axis and may differ in length along it (a part may have length 1,
    /// or 0). One part is returned as it is; parts that are concats along the same axis are spliced in. The batch axis
    /// cannot be the axis.
    /// </summary>
    public static Node Concat(int axis, params Node[] parts)
    {
        if (parts is null) throw new ArgumentNullException(nameof(parts));
        if (parts.Length == 0) throw new ArgumentException("concat needs at least one part.", nameof(parts));
        foreach (var p in parts) if (p is null) throw new ArgumentNullException(nameof(parts), "concat: a part is null.");
        var first = parts[0];
        int a = Axis(Op.Concat, first, axis);
        if (parts.Length == 1) return first;
        var flat = new List<Node>(parts.Length);
        foreach (var p in parts)
        {
            if (p.Op == Op.Concat && p.Attr<AxisAttrs>().Axis == a && p.Shape.Rank == first.Shape.Rank) flat.AddRange(p.Inputs);
            else flat.Add(p);
        }
        // Parts of length 0 add nothing (unless every part has length 0).
        if (flat.Any(p => p.Shape[a] != 0)) flat.RemoveAll(p => p.Shape[a] == 0);
        // Adjacent slices of one tensor that continue each other along the axis are one slice.
        var merged = new List<Node>(flat.Count);
        foreach (var p in flat)
        {
            if (merged.Count > 0 && Continues(merged[merged.Count - 1], p, a) is { } joined) merged[merged.Count - 1] = joined;
            else merged.Add(p);
        }
        if (merged.Count == 1) return merged[0];
        return first.Graph.Make(Op.Concat, new AxisAttrs(a), merged.ToArray());
    }

    /// <summary>
    /// The <paramref name="parts"/>, all of one shape, stacked along a new axis <paramref name="axis"/> (negative: from the
    /// last of the result), as <c>torch.stack</c>: the concat of the parts reshaped with a size-1 axis there.
    /// </summary>
    public static Node Stack(int axis, params Node[] parts)
    {
        if (parts is null) throw new ArgumentNullException(nameof(parts));
        if (parts.Length == 0) throw new ArgumentException("stack needs at least one part.", nameof(parts));
        foreach (var p in parts) if (p is null) throw new ArgumentNullException(nameof(parts), "stack: a part is null.");
        var s = parts[0].Shape;
        int a = axis < 0 ? axis + s.Rank + 1 : axis;
        if (a < 0 || a > s.Rank)
            throw new ShapeException($"stack({parts[0].Describe()}): axis {axis} is out of range for a result of rank {s.Rank + 1}.");
        foreach (var p in parts)
            if (!p.Shape.Equals(s))
                throw new ShapeException($"stack: the parts must have one shape; {p.Describe()} differs from {parts[0].Describe()}.");
        var dims = s.Dims.ToList();
        dims.Insert(a, 1);
        var shape = new Shape(dims.ToArray());
        return Concat(a, parts.Select(p => Reshape(p, shape)).ToArray());
    }

    /// <summary>
    /// <paramref name="x"/> with <paramref name="before"/> elements of <paramref name="value"/> added before and
    /// <paramref name="after"/> after its axis <paramref name="axis"/> (negative: from the last), as
    /// <c>torch.nn.functional.pad</c> in constant mode. The batch axis cannot be padded.
    /// </summary>
    public static Node Pad(Node x, int axis, int before, int after, double value = 0)
    {
        int a = Axis(Op.Pad, x, axis), n = x.Shape.Rank;
        var b = new int[n]; var e = new int[n];
        b[a] = before; e[a] = after;
        return Pad(x, new PadAttrs(b, e, null, value));
    }

    /// <summary><paramref name="x"/> padded on every axis: <paramref name="before"/>[i] and <paramref name="after"/>[i] elements of <paramref name="value"/> around axis i.</summary>
    public static Node Pad(Node x, int[] before, int[] after, double value = 0) => Pad(x, new PadAttrs(before, after, null, value));

    /// <summary>
    /// <paramref name="x"/> padded as <paramref name="attrs"/> says (before, after and between the elements of every axis);
    /// nothing added returns <paramref name="x"/> itself.
    /// </summary>
    public static Node Pad(Node x, PadAttrs attrs)
    {
        if (attrs is null) throw new ArgumentNullException(nameof(attrs));
        if (attrs.Rank == x.Shape.Rank && attrs.IsEmpty) return x;
        return x.Graph.Make(Op.Pad, attrs, x);
    }

    // The slice `outer` (resolved) of the slice `inner` (resolved) of some x, as one slice of x.
    private static SliceAttrs Compose((int Start, int Step, int Count)[] inner, (int Start, int Step, int Count)[] outer)
    {
        int n = inner.Length;
        var starts = new int[n]; var stops = new int[n]; var steps = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (outer[i].Count == Shape.Batch) { stops[i] = SliceAttrs.End; steps[i] = 1; continue; }
            int start = inner[i].Start + outer[i].Start * inner[i].Step, step = inner[i].Step * outer[i].Step, count = outer[i].Count;
            starts[i] = start; steps[i] = step;
            stops[i] = count == 0 ? start : start + (count - 1) * step + 1;
        }
        return new SliceAttrs(starts, stops, steps);
    }

    // p and q slices of one tensor, equal but along `axis`, where q's elements follow p's with p's step: the joined slice, or null.
    private static Node? Continues(Node p, Node q, int axis)
    {
        if (p.Op != Op.Slice || q.Op != Op.Slice || !ReferenceEquals(p.A, q.A)) return null;
        var rp = p.Attr<SliceAttrs>().Resolve(p.A.Shape, out _)!;
        var rq = q.Attr<SliceAttrs>().Resolve(q.A.Shape, out _)!;
        for (int i = 0; i < rp.Length; i++)
            if (i != axis && (rp[i].Start != rq[i].Start || rp[i].Count != rq[i].Count || (rp[i].Count > 1 && rp[i].Step != rq[i].Step))) return null;
        var (ps, pstep, pc) = rp[axis];
        var (qs, qstep, qc) = rq[axis];
        if (pc <= 0 || qc <= 0) return null;
        int step = pc > 1 ? pstep : qc > 1 ? qstep : qs - ps;
        if (step < 1 || (pc > 1 && qc > 1 && pstep != qstep) || qs != ps + pc * step) return null;
        var joined = rp.ToArray();
        joined[axis] = (ps, step, pc + qc);
        return Slice(p.A, FromResolved(joined));
    }

    // A slice of concat c that lies inside one part: that part and the slice of it, or null.
    private static (Node Part, SliceAttrs Attrs)? InsidePart(Node c, (int Start, int Step, int Count)[] r)
    {
        int axis = c.Attr<AxisAttrs>().Axis;
        var (start, step, count) = r[axis];
        if (count <= 0) return null;
        int last = start + (count - 1) * step, at = 0;
        foreach (var part in c.Inputs)
        {
            int len = part.Shape[axis];
            if (start >= at && last < at + len)
            {
                var shifted = r.Select(t => t).ToArray();
                shifted[axis] = (start - at, step, count);
                return (part, FromResolved(shifted));
            }
            at += len;
        }
        return null;
    }

    // A slice of pad p that takes only elements of p's input: the slice of the input, or null.
    private static SliceAttrs? InsideInput(Node p, (int Start, int Step, int Count)[] r)
    {
        var pad = p.Attr<PadAttrs>();
        var x = p.A.Shape;
        var within = new (int, int, int)[r.Length];
        for (int i = 0; i < r.Length; i++)
        {
            var (start, step, count) = r[i];
            if (count == Shape.Batch) { within[i] = r[i]; continue; }
            if (count == 0 || x[i] == 0) return null;
            int stride = pad.Interior[i] + 1, last = start + (count - 1) * step, end = pad.Before[i] + (x[i] - 1) * stride;
            if (start < pad.Before[i] || last > end || (start - pad.Before[i]) % stride != 0 || (count > 1 && step % stride != 0)) return null;
            within[i] = ((start - pad.Before[i]) / stride, count > 1 ? step / stride : 1, count);
        }
        return FromResolved(within);
    }

    private static SliceAttrs FromResolved((int Start, int Step, int Count)[] r)
    {
        int n = r.Length;
        var starts = new int[n]; var stops = new int[n]; var steps = new int[n];
        for (int i = 0; i < n; i++)
        {
            var (start, step, count) = r[i];
            starts[i] = count == Shape.Batch ? 0 : start;
            steps[i] = count > 1 ? step : 1;
            stops[i] = count == Shape.Batch ? SliceAttrs.End : count == 0 ? start : start + (count - 1) * step + 1;
        }
        return new SliceAttrs(starts, stops, steps);
    }
}
