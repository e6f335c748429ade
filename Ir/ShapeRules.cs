using System;
using System.Linq;

namespace Nabla.Ir;

/// <summary>Shape and type inference, run once when a node is built. Every failure names the op and its inputs.</summary>
public static class ShapeRules
{
    /// <summary>The output shape of <paramref name="op"/> applied to <paramref name="inputs"/>, or a <see cref="ShapeException"/>.</summary>
    public static Shape Infer(Op op, Attrs attrs, Node[] inputs)
    {
        if (inputs.Length != op.Arity)
            throw new ShapeException($"{op.Name} takes {op.Arity} input(s), got {inputs.Length}.");
        for (int i = 1; i < inputs.Length; i++)
            if (inputs[i].DType != inputs[0].DType)
                throw Fail(op, inputs, $"element types differ ({inputs[0].DType.ShortName()} vs {inputs[i].DType.ShortName()})");

        switch (op.Kind)
        {
            case OpKind.Elementwise:
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
            case OpKind.Reduce:
                {
                    var x = inputs[0].Shape;
                    foreach (var a in attrs.Ints)
                        if (a < 0 || a >= x.Rank) throw Fail(op, inputs, $"axis {a} is out of range for rank {x.Rank}");
                    return Reduced(x, attrs.Ints, attrs.Flag);
                }
            case OpKind.Layout:
                return InferLayout(op, attrs, inputs);
            case OpKind.MatMul:
                {
                    Shape a = inputs[0].Shape, b = inputs[1].Shape;
                    if (a.Rank < 2 || b.Rank < 2) throw Fail(op, inputs, "both operands need rank >= 2");
                    int ka = a[a.Rank - 1], kb = b[b.Rank - 2];
                    if (ka != kb) throw Fail(op, inputs, $"inner dimensions differ ({DimText(ka)} vs {DimText(kb)})");
                    var lead = Shape.Broadcast(new Shape(a.Dims.Take(a.Rank - 2).ToArray()), new Shape(b.Dims.Take(b.Rank - 2).ToArray()), out _);
                    if (lead is null) throw Fail(op, inputs, "leading (batch) dimensions do not broadcast");
                    return new Shape(lead.Dims.Concat(new[] { a[a.Rank - 2], b[b.Rank - 1] }).ToArray());
                }
            case OpKind.Normalize:
                {
                    var x = inputs[0].Shape;
                    if (attrs.Ints.Length != 1 || attrs.Ints[0] < 0 || attrs.Ints[0] >= x.Rank)
                        throw Fail(op, inputs, $"needs one axis in range for rank {x.Rank}");
                    return op == Op.LogSumExp ? Reduced(x, attrs.Ints, attrs.Flag) : x;
                }
            case OpKind.Window:
                return InferWindow(op, attrs, inputs);
            default:
                throw new ShapeException($"{op.Name} is a leaf; leaves are created by Graph.Input/Param/Const.");
        }
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

    private static Shape InferLayout(Op op, Attrs attrs, Node[] inputs)
    {
        var x = inputs[0].Shape;
        var target = new Shape(attrs.Ints);
        if (op == Op.Reshape)
        {
            if (target.StaticSize != x.StaticSize || target.BatchCount != x.BatchCount)
                throw Fail(op, inputs, $"cannot reshape to {target}: the sizes differ");
            return target;
        }
        if (op == Op.Broadcast)
        {
            if (!x.BroadcastsTo(target)) throw Fail(op, inputs, $"cannot broadcast to {target}");
            return target;
        }
        // transpose
        var perm = attrs.Ints;
        if (perm.Length != x.Rank || perm.OrderBy(p => p).Where((p, i) => p != i).Any())
            throw Fail(op, inputs, $"[{string.Join(",", perm)}] is not a permutation of the {x.Rank} axes");
        return new Shape(perm.Select(p => x[p]).ToArray());
    }

    private static Shape InferWindow(Op op, Attrs attrs, Node[] inputs)
    {
        var x = inputs[0].Shape;
        var p = attrs.Ints;
        if (op == Op.Im2Col)
        {
            if (x.Rank != 4 || p.Length != 6) throw Fail(op, inputs, "expects an [N,C,H,W] input and [kh,kw,strideH,strideW,padH,padW]");
            if (x[1] == Shape.Batch || x[2] == Shape.Batch || x[3] == Shape.Batch) throw Fail(op, inputs, "only N may be the batch dimension");
            int oh = OutSize(op, inputs, x[2], p[0], p[2], p[4], "height"), ow = OutSize(op, inputs, x[3], p[1], p[3], p[5], "width");
            return new Shape(x[0], x[1] * p[0] * p[1], oh * ow);
        }
        if (x.Rank != 3 || p.Length != 9) throw Fail(op, inputs, "expects an [N,C·kh·kw,OH·OW] input and [kh,kw,sh,sw,ph,pw,C,H,W]");
        int ohh = OutSize(op, inputs, p[7], p[0], p[2], p[4], "height"), oww = OutSize(op, inputs, p[8], p[1], p[3], p[5], "width");
        if (x[1] != p[6] * p[0] * p[1] || x[2] != ohh * oww) throw Fail(op, inputs, $"input does not match C={p[6]}, H={p[7]}, W={p[8]}");
        return new Shape(x[0], p[6], p[7], p[8]);
    }

    private static int OutSize(Op op, Node[] inputs, int size, int k, int stride, int pad, string what)
    {
        if (k <= 0 || stride <= 0 || pad < 0) throw Fail(op, inputs, $"kernel {k}, stride {stride}, padding {pad} are invalid");
        if (size + 2 * pad < k) throw Fail(op, inputs, $"kernel {k} is larger than the padded {what} {size + 2 * pad}");
        return (size + 2 * pad - k) / stride + 1;
    }

    private static string Dim(Shape s, int fromRight) => fromRight < s.Rank ? DimText(s[s.Rank - 1 - fromRight]) : "absent";
    private static string DimText(int d) => d == Shape.Batch ? "B" : d.ToString();

    private static ShapeException Fail(Op op, Node[] inputs, string why) =>
        new($"{op.Name}({string.Join(", ", inputs.Select(n => n.Describe()))}): {why}.");
}
