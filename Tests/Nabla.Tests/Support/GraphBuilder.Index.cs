using System.Linq;
using Nabla.Ir;

namespace Nabla.Tests.Support;

// The index ops and cast: i32 indices are constants (with repeats, so scatter_add accumulates), results are float.
internal sealed partial class GraphBuilder
{
    private Node? IndexOp(Op op)
    {
        if (op == Op.Gather) return GatherOp();
        if (op == Op.ScatterAdd) return ScatterAddOp();
        if (op == Op.OneHot) return OneHotOp();
        return null;
    }

    // A constant of i32 indices in [0, size) of the given shape (repeats likely).
    private Node Indices(Shape shape, int size) =>
        _g.Const(Enumerable.Range(0, (int)shape.StaticSize).Select(_ => (double)_c.Next(size)).ToArray(), shape, DType.I32);

    private Node? GatherOp()
    {
        var x = FirstOfRank(1);
        var axes = Enumerable.Range(0, x.Shape.Rank).Where(a => x.Shape[a] != Shape.Batch && x.Shape[a] > 0).ToArray();
        if (axes.Length == 0) return null;
        int axis = axes[_c.Next(axes.Length)];
        var idxShape = _c.OneIn(2) ? new Shape(1 + _c.Next(4)) : new Shape(1 + _c.Next(2), 1 + _c.Next(3));
        return F.Gather(x, Indices(idxShape, x.Shape[axis]), axis);
    }

    private Node? ScatterAddOp()
    {
        var x = FirstOfRank(1);
        var axes = Enumerable.Range(0, x.Shape.Rank).Where(a => x.Shape[a] != Shape.Batch && x.Shape[a] > 0).ToArray();
        if (axes.Length == 0) return null;
        int axis = axes[_c.Next(axes.Length)], size = 1 + _c.Next(4);
        return F.ScatterAdd(x, Indices(new Shape(x.Shape[axis]), size), axis, size);
    }

    private Node OneHotOp()
    {
        int classes = 2 + _c.Next(3);
        return F.OneHot(Indices(new Shape(1 + _c.Next(4)), classes), classes, _g.DefaultType);
    }

    // i32 → float of constant indices (cast has no derivative: its value is piecewise constant).
    private Node CastOp() => F.Cast(Indices(new Shape(1 + _c.Next(4)), 5), _g.DefaultType);
}
