using System.Linq;

namespace Nabla.Ir;

// Shape and type rules of the integer element type and the index ops.
public static partial class ShapeRules
{
    // The type check of ops without their own type rule: one element type for all inputs, and no integers unless the op
    // only moves data (layout and movement ops: reshape, transpose, broadcast, slice, concat, pad). Integers carry indices and labels; arithmetic on them (and so a gradient) has no meaning here.
    private static void CheckTypes(Op op, Node[] inputs)
    {
        for (int i = 1; i < inputs.Length; i++)
            if (inputs[i].DType != inputs[0].DType)
                throw Fail(op, inputs, $"element types differ ({inputs[0].DType.ShortName()} vs {inputs[i].DType.ShortName()})");
        if (inputs.Length > 0 && inputs[0].DType == DType.I32 && op.Kind != OpKind.Layout && op.Kind != OpKind.Movement)
            throw Fail(op, inputs, "takes float tensors, not i32 indices (convert them with F.Cast, or use F.Gather / F.OneHot)");
    }

    /// <summary>cast: the input's shape; one side of the conversion is i32 and the other a float type.</summary>
    public static Shape Cast(Op op, Attrs attrs, Node[] inputs)
    {
        var to = ((CastAttrs)attrs).Type;
        var from = inputs[0].DType;
        if (from == to) throw Fail(op, inputs, $"is already {to.ShortName()}");
        if (from.IsFloat() && to.IsFloat()) throw Fail(op, inputs, $"converts between i32 and a float type; a compiled model has one float type, so {from.ShortName()} → {to.ShortName()} is not a cast");
        return inputs[0].Shape;
    }

    /// <summary>gather: x.shape[:axis] + indices.shape + x.shape[axis+1:]; the indices are i32.</summary>
    public static Shape Gather(Op op, Attrs attrs, Node[] inputs)
    {
        var a = (IndexAttrs)attrs;
        Shape x = inputs[0].Shape, idx = inputs[1].Shape;
        if (inputs[1].DType != DType.I32) throw Fail(op, inputs, $"the indices must be i32, not {inputs[1].DType.ShortName()}");
        if (a.Axis < 0 || a.Axis >= x.Rank) throw Fail(op, inputs, $"axis {a.Axis} is out of range for rank {x.Rank}");
        if (a.Size != 0 || a.Type is not null) throw Fail(op, inputs, "takes only an axis");
        if (x[a.Axis] == Shape.Batch) throw Fail(op, inputs, "cannot select along the batch axis");
        return new Shape(x.Dims.Take(a.Axis).Concat(idx.Dims).Concat(x.Dims.Skip(a.Axis + 1)).ToArray());
    }

    /// <summary>scatter_add: updates.shape[:axis] + [size] + updates.shape[axis+indices.rank:], where updates.shape[axis:axis+indices.rank] = indices.shape.</summary>
    public static Shape ScatterAdd(Op op, Attrs attrs, Node[] inputs)
    {
        var a = (IndexAttrs)attrs;
        Shape u = inputs[0].Shape, idx = inputs[1].Shape;
        if (inputs[1].DType != DType.I32) throw Fail(op, inputs, $"the indices must be i32, not {inputs[1].DType.ShortName()}");
        if (!inputs[0].DType.IsFloat()) throw Fail(op, inputs, "adds float updates, not i32");
        if (a.Type is not null) throw Fail(op, inputs, "takes an axis and a size, not a type");
        if (a.Size <= 0) throw Fail(op, inputs, $"the size of the result's axis must be positive, got {a.Size}");
        if (a.Axis < 0 || a.Axis + idx.Rank > u.Rank) throw Fail(op, inputs, $"axis {a.Axis} with {idx.Rank} index axes does not fit rank {u.Rank}");
        for (int i = 0; i < idx.Rank; i++)
            if (u[a.Axis + i] != idx[i]) throw Fail(op, inputs, $"the updates' axes {a.Axis}..{a.Axis + idx.Rank - 1} must have the indices' shape {idx}");
        return new Shape(u.Dims.Take(a.Axis).Concat(new[] { a.Size }).Concat(u.Dims.Skip(a.Axis + idx.Rank)).ToArray());
    }

    /// <summary>one_hot: indices.shape + [classes], of the float type the attributes name.</summary>
    public static Shape OneHot(Op op, Attrs attrs, Node[] inputs)
    {
        var a = (IndexAttrs)attrs;
        var idx = inputs[0].Shape;
        if (inputs[0].DType != DType.I32) throw Fail(op, inputs, $"the indices must be i32, not {inputs[0].DType.ShortName()}");
        if (a.Size <= 0) throw Fail(op, inputs, $"the number of classes must be positive, got {a.Size}");
        if (a.Type is not { } t || !t.IsFloat()) throw Fail(op, inputs, "needs a float result type");
        if (a.Axis != idx.Rank) throw Fail(op, inputs, $"the class axis must be the last ({idx.Rank}), got {a.Axis}");
        return new Shape(idx.Dims.Concat(new[] { a.Size }).ToArray());
    }
}
