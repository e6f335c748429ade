namespace Nabla.Ir;

public static partial class F
{
    // ---- max pooling ----
    /// <summary>
    /// Max pooling of an [N,C,H,W] tensor into [N,C,OH,OW]: output (oy, ox) is the maximum of
    /// <c>x[c, oy·strideH − padH + i·dilationH, ox·strideW − padW + j·dilationW]</c> over the window's taps (i, j) inside the
    /// image (padding counts as −∞; NaN propagates). OH and OW are as for <see cref="Im2Col"/>.
    /// </summary>
    /// <remarks>Its derivative is <see cref="MaxPoolGrad"/>: each window's adjoint goes to the elements that attain the
    /// maximum, shared equally among ties.</remarks>
    public static Node MaxPool(Node x, int kh, int kw, int strideH, int strideW, int padH = 0, int padW = 0, int dilationH = 1, int dilationW = 1) =>
        x.Graph.Make(Op.MaxPool, new WindowAttrs(kh, kw, strideH, strideW, padH, padW, 0, 0, 0, dilationH, dilationW), x);

    /// <summary>
    /// The derivative of <see cref="MaxPool"/> over <paramref name="x"/> [N,C,H,W] for the adjoint <paramref name="g"/>
    /// [N,C,OH,OW]: each window's g added to the elements of x that attain the window's maximum, divided by their number
    /// (zeros elsewhere); the result has x's shape.
    /// </summary>
    public static Node MaxPoolGrad(Node x, Node g, int kh, int kw, int strideH, int strideW, int padH = 0, int padW = 0, int dilationH = 1, int dilationW = 1) =>
        x.Graph.Make(Op.MaxPoolGrad, new WindowAttrs(kh, kw, strideH, strideW, padH, padW, 0, 0, 0, dilationH, dilationW), x, g);
}
