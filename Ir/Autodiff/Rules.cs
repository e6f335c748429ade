using System;

namespace Nabla.Ir;

/// <summary>Helpers the derivative rules of the op registry (<see cref="Op.Vjp"/>, <see cref="Op.Jvp"/>) are written with.</summary>
internal static class Rules
{
    /// <summary>A scalar zero of <paramref name="like"/>'s type.</summary>
    internal static Node Zero(Node like) => like.Graph.Const(0, like.DType);

    /// <summary>The axes a reduction or normalizer <paramref name="y"/> works along.</summary>
    internal static int[] Axes(Node y) => y.Attrs switch
    {
        AxesAttrs a => a.Axes,
        AxisAttrs a => a.Axes,
        _ => throw new InvalidOperationException($"{y.Describe()} has no axes."),
    };

    /// <summary>Whether <paramref name="y"/> keeps its reduced axes as size 1.</summary>
    internal static bool Keep(Node y) => y.Attrs switch
    {
        AxesAttrs a => a.KeepDims,
        AxisAttrs a => a.KeepDims,
        _ => false,
    };

    /// <summary>The one axis of a normalizer.</summary>
    internal static int AxisOf(Node y) => y.Attr<AxisAttrs>().Axis;

    /// <summary>Re-inserts the reduced axes of <paramref name="y"/> as size 1 into <paramref name="g"/> (a no-op when y kept them).</summary>
    internal static Node Unreduce(Node g, Node y) =>
        Keep(y) ? g : F.Reshape(g, ShapeRules.Reduced(y.A.Shape, Axes(y), true));

    /// <summary>The maximum's derivative shared equally among the elements that attain it.</summary>
    internal static Node MaxShare(Node y)
    {
        var mask = F.Equal(y.A, Unreduce(y, y));
        return mask / F.Sum(mask, Axes(y), true);
    }

    /// <summary>im2col of <paramref name="x"/> with the window <paramref name="w"/>.</summary>
    internal static Node Im2ColOf(Node x, WindowAttrs w) => F.Im2Col(x, w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.PadH, w.PadW, w.DilationH, w.DilationW);

    /// <summary>col2im of <paramref name="cols"/> back to the image <paramref name="im2col"/> read.</summary>
    internal static Node Col2ImOf(Node cols, Node im2col)
    {
        var w = im2col.Attr<WindowAttrs>(); var s = im2col.A.Shape;
        return F.Col2Im(cols, s[1], s[2], s[3], w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.PadH, w.PadW, w.DilationH, w.DilationW);
    }

    /// <summary>The adjoint of the gather <paramref name="gather"/> for its adjoint <paramref name="g"/>: scatter-add back into its input's shape.</summary>
    internal static Node ScatterAddOf(Node g, Node gather)
    {
        int axis = gather.Attr<IndexAttrs>().Axis;
        return F.ScatterAdd(g, gather.B, axis, gather.A.Shape[axis]);
    }

    /// <summary>f(t), or null when the tangent is absent.</summary>
    internal static Node? On(Node? t, Func<Node, Node> f) => t is null ? null : f(t);

    /// <summary>a + b with absent terms read as zero.</summary>
    internal static Node? Plus(Node? a, Node? b) => a is null ? b : b is null ? a : a + b;

    /// <summary>where(c, ta, tb) with an absent tangent read as zero.</summary>
    internal static Node? Select(Node cond, Node? a, Node? b)
    {
        if (a is null && b is null) return null;
        var like = (a ?? b)!;
        return F.Where(cond, a ?? Zero(like), b ?? Zero(like));
    }
}
