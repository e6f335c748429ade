using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

internal sealed partial class ScheduleBuilder
{
    /// <summary>
    /// A slice, concat or pad: one <see cref="MoveKernel"/> whose regions the scheduler plans here (strides and offsets
    /// from the shapes and attributes, axes merged by <see cref="MovePlan.Make"/>); the emitters print the loop nests.
    /// </summary>
    private void MakeMove(Node n)
    {
        var reads = n.Inputs.Distinct().ToList();
        var output = OutBuf(n, reads, false);
        var outStrides = Strides(n.Shape);
        var moves = new List<Move>();
        double? fill = null;
        void Add(Node input, Dim[] extents, Dim[] inStrides, Dim[] outStr, IEnumerable<Dim> inOffset, IEnumerable<Dim> outOffset)
        {
            if (MovePlan.Make(extents, inStrides, outStr, inOffset, outOffset) is { } plan) moves.Add(new Move(Buf(input), plan));
        }
        if (n.Op == Op.Slice)
        {
            var x = n.A.Shape;
            var r = n.Attr<SliceAttrs>().Resolve(x, out _)!;
            var inStrides = Strides(x);
            Add(n.A, n.Shape.Dims.Select(Dim.Of).ToArray(), inStrides.Select((s, j) => s * new Dim(r[j].Step)).ToArray(), outStrides,
                inStrides.Select((s, j) => s * new Dim(r[j].Start)), Enumerable.Empty<Dim>());
        }
        else if (n.Op == Op.Pad)
        {
            var x = n.A.Shape;
            var p = n.Attr<PadAttrs>();
            fill = p.Fill;
            Add(n.A, x.Dims.Select(Dim.Of).ToArray(), Strides(x), outStrides.Select((s, j) => s * new Dim(p.Interior[j] + 1)).ToArray(),
                Enumerable.Empty<Dim>(), outStrides.Select((s, j) => s * new Dim(p.Before[j])));
        }
        else
        {
            int axis = n.Attr<AxisAttrs>().Axis, at = 0;
            foreach (var part in n.Inputs)
            {
                Add(part, part.Shape.Dims.Select(Dim.Of).ToArray(), Strides(part.Shape), outStrides,
                    Enumerable.Empty<Dim>(), new[] { outStrides[axis] * new Dim(at) });
                at += part.Shape[axis];
            }
        }
        AddPlan(new MoveKernel(n.Op, output, fill, moves.ToArray()), reads, new[] { n }, new[] { n });
    }

    // Row-major strides of a shape, as sizes (the batch axis contributes B).
    private static Dim[] Strides(Shape s)
    {
        var r = new Dim[s.Rank];
        var acc = new Dim(1);
        for (int i = s.Rank - 1; i >= 0; i--) { r[i] = acc; acc *= Dim.Of(s[i]); }
        return r;
    }
}
