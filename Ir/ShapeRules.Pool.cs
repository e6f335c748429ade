namespace Nabla.Ir;

// Shape rules of max pooling (max_pool and its derivative max_pool_grad; entries in Ops.cs).
public static partial class ShapeRules
{
    /// <summary>max_pool: [N,C,H,W] → [N,C,OH,OW] (OH, OW as for im2col).</summary>
    public static Shape MaxPool(Op op, Attrs attrs, Node[] inputs) => Pooled(op, (WindowAttrs)attrs, inputs);

    /// <summary>max_pool_grad: x [N,C,H,W] and g [N,C,OH,OW] (max_pool's output shape for x) → [N,C,H,W].</summary>
    public static Shape MaxPoolGrad(Op op, Attrs attrs, Node[] inputs)
    {
        var pooled = Pooled(op, (WindowAttrs)attrs, inputs);
        if (!inputs[1].Shape.Equals(pooled))
            throw Fail(op, inputs, $"the adjoint {inputs[1].Shape} does not match the pooled shape {pooled} of the input {inputs[0].Shape}");
        return inputs[0].Shape;
    }

    private static Shape Pooled(Op op, WindowAttrs w, Node[] inputs)
    {
        var x = inputs[0].Shape;
        if (x.Rank != 4) throw Fail(op, inputs, "expects an [N,C,H,W] input");
        if (w.HasImage) throw Fail(op, inputs, "takes no image size (its input has it)");
        if (x[1] == Shape.Batch || x[2] == Shape.Batch || x[3] == Shape.Batch) throw Fail(op, inputs, "only N may be the batch dimension");
        int oh = OutSize(op, inputs, x[2], w.KernelH, w.StrideH, w.PadH, "height", w.DilationH);
        int ow = OutSize(op, inputs, x[3], w.KernelW, w.StrideW, w.PadW, "width", w.DilationW);
        return new Shape(x[0], x[1], oh, ow);
    }
}
