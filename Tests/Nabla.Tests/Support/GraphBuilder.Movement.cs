using System.Linq;
using Nabla.Ir;

namespace Nabla.Tests.Support;

// The movement ops (slice, concat, pad) for the random-graph generator.
internal sealed partial class GraphBuilder
{
    // A non-batch axis of x, or -1 when it has none.
    private int StaticAxis(Node x)
    {
        var axes = Enumerable.Range(0, x.Shape.Rank).Where(i => x.Shape[i] != Shape.Batch).ToArray();
        return axes.Length == 0 ? -1 : axes[_c.Next(axes.Length)];
    }

    // A slice of one axis of length >= 2, never empty or whole, written with Python's forms at random (negative start or
    // stop, "to the end", a stop past the last element taken), steps 1 to 3.
    private Node? SliceOp()
    {
        var x = FirstOfRank(1);
        var axes = Enumerable.Range(0, x.Shape.Rank).Where(i => x.Shape[i] != Shape.Batch && x.Shape[i] >= 2).ToArray();
        int axis;
        if (axes.Length > 0) axis = axes[_c.Next(axes.Length)];
        else
        {
            axis = StaticAxis(x);
            if (axis < 0) return null;
            var dims = x.Shape.ToArray();
            dims[axis] = 2 + _c.Next(3);
            if (Elements(new Shape(dims)) > _o.MaxElements) return null;
            x = NewLeaf(new Shape(dims));
        }
        int d = x.Shape[axis];
        int first = _c.Next(d), step = 1 + _c.Next(3);
        int most = (d - 1 - first) / step + 1, count = 1 + _c.Next(most);
        if (first == 0 && count == d) count--;                     // never the whole axis
        if (count == 0) { first = 1; count = 1; }
        int last = first + (count - 1) * step;
        int start = _c.OneIn(2) ? first : first - d;
        int stop = last + 1 + _c.Next(step);                       // anywhere after the last element taken, before the next
        if (stop >= d) stop = _c.OneIn(2) ? SliceAttrs.End : d + _c.Next(3);
        else if (_c.OneIn(2)) stop -= d;
        var y = F.Slice(x, axis, start, stop, step);
        return y.Op == Op.Slice ? y : null;
    }

    // x joined with one or two operands that differ from it only in the length of a non-batch axis (1 to 3).
    private Node? ConcatOp()
    {
        var x = FirstOfRank(1);
        int axis = StaticAxis(x);
        if (axis < 0) return null;
        var parts = new System.Collections.Generic.List<Node> { x };
        int more = 1 + _c.Next(2);
        for (int i = 0; i < more; i++)
        {
            var dims = x.Shape.ToArray();
            dims[axis] = 1 + _c.Next(3);
            parts.Insert(_c.Next(parts.Count + 1), Operand(new Shape(dims)));
        }
        var y = F.Concat(axis, parts.ToArray());
        return Elements(y.Shape) > _o.MaxElements ? null : y;
    }

    // Constant padding of one or two axes: 0 to 2 elements before and after, sometimes 1 between every two.
    private Node? PadOp()
    {
        var x = FirstOfRank(1);
        int r = x.Shape.Rank;
        var before = new int[r]; var after = new int[r]; var interior = new int[r];
        int axes = 1 + _c.Next(2);
        for (int k = 0; k < axes; k++)
        {
            int axis = StaticAxis(x);
            if (axis < 0) return null;
            before[axis] = _c.Next(3); after[axis] = _c.Next(3); interior[axis] = _c.OneIn(3) ? 1 : 0;
        }
        var attrs = new PadAttrs(before, after, interior, _c.Pick(0.0, 0.5, -1.25));
        if (attrs.IsEmpty) return null;
        var y = F.Pad(x, attrs);
        return Elements(y.Shape) > _o.MaxElements ? null : y;
    }
}
