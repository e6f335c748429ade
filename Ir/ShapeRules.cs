using System;
using System.Linq;

namespace Nabla.Ir;

/// <summary>
/// Shape and type inference, run once when a node is built: the common checks (arity, one element type, the kind of
/// attributes the op takes), then the op's own <see cref="Op.ShapeRule"/> — one of the family rules below. Every failure
/// names the op and its inputs.
/// </summary>
public static partial class ShapeRules
{
    /// <summary>The output shape of <paramref name="op"/> applied to <paramref name="inputs"/>, or a <see cref="ShapeException"/>.</summary>
    public static Shape Infer(Op op, Attrs attrs, Node[] inputs)
    {
        if (op.IsVariadic ? inputs.Length == 0 : inputs.Length != op.Arity)
            throw new ShapeException($"{op.Name} takes {(op.IsVariadic ? "one or more" : op.Arity.ToString())} input(s), got {inputs.Length}.");
        if (op.TypeRule is null) CheckTypes(op, inputs); // ops with their own type rule check their inputs' types themselves
        if (!op.AttrsType.IsInstanceOfType(attrs) || (op.AttrsType == typeof(Attrs) && !ReferenceEquals(attrs, Attrs.None)))
            throw Fail(op, inputs, $"takes {(op.AttrsType == typeof(Attrs) ? "no attributes" : op.AttrsType.Name)}, got {attrs.GetType().Name} {attrs}");
        return op.ShapeRule(op, attrs, inputs);
    }

    /// <summary>Leaves have no rule: they are created by Graph.Input/Param/Const/BatchSize.</summary>
    public static Shape Leaf(Op op, Attrs attrs, Node[] inputs) =>
        throw new ShapeException($"{op.Name} is a leaf; leaves are created by Graph.Input/Param/Const.");

    /// <summary>Elementwise ops: the NumPy broadcast of the input shapes.</summary>
    public static Shape Elementwise(Op op, Attrs attrs, Node[] inputs)
    {
        Shape s = inputs[0].Shape;
        for (int i = 1; i < inputs.Length; i++)
        {
            var r = Shape.Broadcast(s, inputs[i].Shape, out int bad);
            if (r is null)
                throw Fail(op, inputs, $"shapes do not broadcast: axis -{bad + 1} is {Dim(s, bad)} vs {Dim(inputs[i].Shape, bad)}");
            s = r;
        }
        return s;
    }

    /// <summary>Reductions: the input without its reduced axes (kept as size 1 with keepDims).</summary>
    public static Shape Reduce(Op op, Attrs attrs, Node[] inputs)
    {
        var x = inputs[0].Shape;
        var a = (AxesAttrs)attrs;
        foreach (var axis in a.Axes)
            if (axis < 0 || axis >= x.Rank) throw Fail(op, inputs, $"axis {axis} is out of range for rank {x.Rank}");
        return Reduced(x, a.Axes, a.KeepDims);
    }

    /// <summary>The shape left after reducing <paramref name="axes"/> (kept as size 1 when <paramref name="keep"/>).</summary>
    public static Shape Reduced(Shape x, int[] axes, bool keep)
    {
        var dims = new System.Collections.Generic.List<int>();
        for (int i = 0; i < x.Rank; i++)
        {
            if (Array.IndexOf(axes, i) < 0) dims.Add(x[i]);
            else if (keep) dims.Add(1);
        }
        return new Shape(dims.ToArray());
    }

    /// <summary>Reshape: the target, which must hold as many elements (and as many batch dimensions).</summary>
    public static Shape Reshape(Op op, Attrs attrs, Node[] inputs)
    {
        var x = inputs[0].Shape;
        var target = ((ShapeAttrs)attrs).Target;
        if (target.StaticSize != x.StaticSize || target.BatchCount != x.BatchCount)
            throw Fail(op, inputs, $"cannot reshape to {target}: the sizes differ");
        return target;
    }

    /// <summary>Broadcast: the target, to which the input must broadcast.</summary>
    public static Shape Broadcast(Op op, Attrs attrs, Node[] inputs)
    {
        var target = ((ShapeAttrs)attrs).Target;
        if (!inputs[0].Shape.BroadcastsTo(target)) throw Fail(op, inputs, $"cannot broadcast to {target}");
        return target;
    }

    /// <summary>Transpose: the input's axes permuted.</summary>
    public static Shape Transpose(Op op, Attrs attrs, Node[] inputs)
    {
        var x = inputs[0].Shape;
        var perm = ((PermutationAttrs)attrs).Perm;
        if (perm.Length != x.Rank || perm.OrderBy(p => p).Where((p, i) => p != i).Any())
            throw Fail(op, inputs, $"[{string.Join(",", perm)}] is not a permutation of the {x.Rank} axes");
        return new Shape(perm.Select(p => x[p]).ToArray());
    }

    /// <summary>Matrix product: [..., m, k] · [..., k, n] → [..., m, n] with broadcast leading dimensions.</summary>
    public static Shape MatMul(Op op, Attrs attrs, Node[] inputs)
    {
        Shape a = inputs[0].Shape, b = inputs[1].Shape;
        if (a.Rank < 2 || b.Rank < 2) throw Fail(op, inputs, "both operands need rank >= 2");
        int ka = a[a.Rank - 1], kb = b[b.Rank - 2];
        if (ka != kb) throw Fail(op, inputs, $"inner dimensions differ ({DimText(ka)} vs {DimText(kb)})");
        var lead = Shape.Broadcast(new Shape(a.Dims.Take(a.Rank - 2).ToArray()), new Shape(b.Dims.Take(b.Rank - 2).ToArray()), out _);
        if (lead is null) throw Fail(op, inputs, "leading (batch) dimensions do not broadcast");
        return new Shape(lead.Dims.Concat(new[] { a[a.Rank - 2], b[b.Rank - 1] }).ToArray());
    }

    /// <summary>Normalizers: the input's shape (logsumexp: the axis reduced).</summary>
    public static Shape Normalize(Op op, Attrs attrs, Node[] inputs)
    {
        var x = inputs[0].Shape;
        var a = (AxisAttrs)attrs;
        if (a.Axis < 0 || a.Axis >= x.Rank) throw Fail(op, inputs, $"axis {a.Axis} is out of range for rank {x.Rank}");
        if (a.KeepDims && op != Op.LogSumExp) throw Fail(op, inputs, "keeps no dimension (only logsumexp reduces its axis)");
        return op == Op.LogSumExp ? Reduced(x, a.Axes, a.KeepDims) : x;
    }

    /// <summary>im2col: [N,C,H,W] → [N, C·kh·kw, OH·OW].</summary>
    public static Shape Im2Col(Op op, Attrs attrs, Node[] inputs)
    {
        var x = inputs[0].Shape;
        var w = (WindowAttrs)attrs;
        if (x.Rank != 4) throw Fail(op, inputs, "expects an [N,C,H,W] input");
        if (w.HasImage) throw Fail(op, inputs, "takes no image size (its input has it)");
        if (x[1] == Shape.Batch || x[2] == Shape.Batch || x[3] == Shape.Batch) throw Fail(op, inputs, "only N may be the batch dimension");
        int oh = OutSize(op, inputs, x[2], w.KernelH, w.StrideH, w.PadH, "height", w.DilationH), ow = OutSize(op, inputs, x[3], w.KernelW, w.StrideW, w.PadW, "width", w.DilationW);
        long rows = (long)x[1] * w.KernelH * w.KernelW, cols = (long)oh * ow;
        if (rows > int.MaxValue || cols > int.MaxValue) throw Fail(op, inputs, $"the columns [N, {rows}, {cols}] would have a dimension beyond {int.MaxValue}");
        return new Shape(x[0], (int)rows, (int)cols);
    }

    /// <summary>col2im: [N, C·kh·kw, OH·OW] → [N, C, H, W] with C, H, W from the attributes.</summary>
    public static Shape Col2Im(Op op, Attrs attrs, Node[] inputs)
    {
        var x = inputs[0].Shape;
        var w = (WindowAttrs)attrs;
        if (x.Rank != 3 || !w.HasImage) throw Fail(op, inputs, "expects an [N,C·kh·kw,OH·OW] input and the image's C, H, W");
        int oh = OutSize(op, inputs, w.Height, w.KernelH, w.StrideH, w.PadH, "height", w.DilationH), ow = OutSize(op, inputs, w.Width, w.KernelW, w.StrideW, w.PadW, "width", w.DilationW);
        if (x[1] != (long)w.Channels * w.KernelH * w.KernelW || x[2] != (long)oh * ow)
            throw Fail(op, inputs, $"input does not match C={w.Channels}, H={w.Height}, W={w.Width}");
        return new Shape(x[0], w.Channels, w.Height, w.Width);
    }

    private static int OutSize(Op op, Node[] inputs, int size, int k, int stride, int pad, string what, int dilation = 1)
    {
        if (k <= 0 || stride <= 0 || pad < 0) throw Fail(op, inputs, $"kernel {k}, stride {stride}, padding {pad} are invalid");
        if (dilation <= 0) throw Fail(op, inputs, $"dilation {dilation} is invalid (it must be positive)");
        long span = (long)dilation * (k - 1) + 1; // the extent of one window: k taps, dilation apart (no int overflow)
        if (size + 2L * pad < span)
            throw Fail(op, inputs, dilation == 1 ? $"kernel {k} is larger than the padded {what} {size + 2 * pad}"
                : $"kernel {k} with dilation {dilation} spans {span}, more than the padded {what} {size + 2 * pad}");
        return (int)((size + 2L * pad - span) / stride + 1);
    }

    private static string Dim(Shape s, int fromRight) => fromRight < s.Rank ? DimText(s[s.Rank - 1 - fromRight]) : "absent";
    private static string DimText(int d) => d == Shape.Batch ? "B" : d.ToString();

    private static ShapeException Fail(Op op, Node[] inputs, string why) =>
        new($"{op.Name}({string.Join(", ", inputs.Select(n => n.Describe()))}): {why}.");
}
