using System.Linq;

namespace Nabla.Ir;

public static partial class ShapeRules
{
    /// <summary>slice: every axis's count of indices taken (the batch axis whole).</summary>
    public static Shape Slice(Op op, Attrs attrs, Node[] inputs)
    {
        var r = ((SliceAttrs)attrs).Resolve(inputs[0].Shape, out var error);
        if (r is null) throw Fail(op, inputs, $"cannot take {attrs}: {error}");
        return new Shape(r.Select(a => a.Count).ToArray());
    }

    /// <summary>pad: every axis lengthened by its before, after and interior elements (the batch axis cannot be padded).</summary>
    public static Shape Pad(Op op, Attrs attrs, Node[] inputs)
    {
        var x = inputs[0].Shape;
        var p = (PadAttrs)attrs;
        if (p.Rank != x.Rank) throw Fail(op, inputs, $"the padding {p} has {p.Rank} axes but the input has rank {x.Rank}");
        if (inputs[0].DType == DType.I32 && !(p.Fill == System.Math.Floor(p.Fill) && System.Math.Abs(p.Fill) <= 16777216))
            throw Fail(op, inputs, $"an i32 tensor is padded with an integer (at most 2^24 in size), not {p.Fill}");
        for (int i = 0; i < x.Rank; i++)
        {
            if (p.Before[i] < 0 || p.After[i] < 0 || p.Interior[i] < 0) throw Fail(op, inputs, $"the padding {p} of axis {i} is negative");
            if (x[i] == Shape.Batch && (p.Before[i] != 0 || p.After[i] != 0 || p.Interior[i] != 0))
                throw Fail(op, inputs, $"axis {i} is the batch axis, which cannot be padded (padding {p})");
            if (x[i] != Shape.Batch && (long)p.Before[i] + x[i] + (long)System.Math.Max(x[i] - 1, 0) * p.Interior[i] + p.After[i] > int.MaxValue)
                throw Fail(op, inputs, $"the padding {p} makes axis {i} too long");
        }
        return new Shape(Enumerable.Range(0, x.Rank).Select(i => p.Padded(i, x[i])).ToArray());
    }

    /// <summary>concat: the parts' common shape, with the axis as long as theirs together (not the batch axis).</summary>
    public static Shape Concat(Op op, Attrs attrs, Node[] inputs)
    {
        var a = (AxisAttrs)attrs;
        var first = inputs[0].Shape;
        if (a.KeepDims) throw Fail(op, inputs, "keeps no dimension");
        if (a.Axis < 0 || a.Axis >= first.Rank) throw Fail(op, inputs, $"axis {a.Axis} is out of range for rank {first.Rank}");
        long total = 0;
        foreach (var x in inputs)
        {
            var s = x.Shape;
            bool fits = s.Rank == first.Rank && Enumerable.Range(0, s.Rank).All(i => i == a.Axis || s[i] == first[i]);
            if (!fits)
                throw Fail(op, inputs, $"the parts must agree on every axis but {a.Axis}; {x.Describe()} does not fit {inputs[0].Describe()}");
            if (s[a.Axis] == Shape.Batch) throw Fail(op, inputs, $"axis {a.Axis} is the batch axis, along which parts cannot be joined");
            total += s[a.Axis];
        }
        if (total > int.MaxValue) throw Fail(op, inputs, $"axis {a.Axis} would be too long");
        var dims = first.ToArray();
        dims[a.Axis] = (int)total;
        return new Shape(dims);
    }
}
