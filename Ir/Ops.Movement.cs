using System;
using System.Linq;

namespace Nabla.Ir;

// The derivative rules of the movement ops (slice, concat, pad; their entries are in Ops.cs). Each is written in the
// movement ops themselves, so derivatives can be differentiated again: slice and pad are each other's adjoints (a slice
// with a step is undone by a pad with interior elements), and concat's adjoint is the slices of its parts.
public sealed partial class Op
{
    /// <summary>The adjoint of slice <paramref name="y"/>: <paramref name="g"/> put back where the slice took it, zeros elsewhere.</summary>
    private static Node SliceAdjoint(Node g, Node y)
    {
        var x = y.A.Shape;
        var r = y.Attr<SliceAttrs>().Resolve(x, out _)!;
        int n = x.Rank;
        var before = new int[n]; var after = new int[n]; var interior = new int[n];
        for (int i = 0; i < n; i++)
        {
            var (start, step, count) = r[i];
            if (count == Shape.Batch) continue;
            int span = count > 0 ? (count - 1) * step + 1 : 0;
            before[i] = start;
            interior[i] = count > 1 ? step - 1 : 0;
            after[i] = x[i] - start - span;
        }
        return F.Pad(g, new PadAttrs(before, after, interior));
    }

    /// <summary>The adjoint of pad <paramref name="y"/>: the elements of <paramref name="g"/> where the input was.</summary>
    private static Node PadAdjoint(Node g, Node y) => F.Slice(g, Unpad(y.A.Shape, y.Attr<PadAttrs>()));

    /// <summary>The tangent of pad <paramref name="y"/>: the input's tangent padded with zeros.</summary>
    private static Node PadTangent(Node t, Node y)
    {
        var p = y.Attr<PadAttrs>();
        return F.Pad(t, new PadAttrs(p.Before, p.After, p.Interior));
    }

    /// <summary>The slice of a padded tensor that holds the unpadded one of shape <paramref name="x"/>.</summary>
    internal static SliceAttrs Unpad(Shape x, PadAttrs p)
    {
        int n = x.Rank;
        var starts = new int[n]; var stops = new int[n]; var steps = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (x[i] == Shape.Batch) { stops[i] = SliceAttrs.End; steps[i] = 1; continue; }
            int step = p.Interior[i] + 1, span = x[i] > 0 ? (x[i] - 1) * step + 1 : 0;
            starts[i] = p.Before[i];
            stops[i] = p.Before[i] + span;
            steps[i] = step;
        }
        return new SliceAttrs(starts, stops, steps);
    }

    /// <summary>The adjoint of concat <paramref name="y"/>: each part's slice of <paramref name="g"/>.</summary>
    private static Node?[] ConcatAdjoint(Node g, Node y)
    {
        int axis = y.Attr<AxisAttrs>().Axis, at = 0;
        var parts = new Node?[y.Inputs.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            int len = y.Inputs[i].Shape[axis];
            parts[i] = F.Slice(g, axis, at, at + len);
            at += len;
        }
        return parts;
    }

    /// <summary>The tangent of concat <paramref name="y"/>: the parts' tangents joined (zeros for parts without one).</summary>
    private static Node? ConcatTangent(Node y, Node?[] t)
    {
        if (t.All(x => x is null)) return null;
        var parts = y.Inputs.Select((x, i) => t[i] ?? F.Zeros(x.Graph, x.Shape, x.DType)).ToArray();
        return y.Graph.Make(y.Op, y.Attrs, parts);
    }
}
