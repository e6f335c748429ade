namespace Nabla.Ir;

// The derivative rules of max pooling (its entries, max_pool and max_pool_grad, are in Ops.cs). max_pool's derivative is
// the fast max_pool_grad; the derivatives of that (and max_pool's tangent) are written in im2col, reduce_max, eq and
// sums, as the pooling was lowered before it had its own op, so every derivative can be differentiated again.
public sealed partial class Op
{
    /// <summary>max_pool_grad(x, g) with the window of <paramref name="y"/> (a max_pool or max_pool_grad node).</summary>
    private static Node MaxPoolGradOf(Node x, Node g, Node y) => x.Graph.Make(MaxPoolGrad, y.Attr<WindowAttrs>(), x, g);

    /// <summary>
    /// The linear map max_pool_grad(x, ·) is the adjoint of: for each window of <paramref name="x"/>, the mean of
    /// <paramref name="h"/> [N,C,H,W] over the elements where x attains the window's maximum → [N,C,OH,OW].
    /// </summary>
    private static Node MaxPoolPick(Node x, Node h, WindowAttrs w)
    {
        var s = x.Shape;
        int c = s[1], k = w.KernelH * w.KernelW, oh = w.OutH(s[2]), ow = w.OutW(s[3]);
        var g = x.Graph;
        var cols = Rules.Im2ColOf(x, w);
        if (w.PadH > 0 || w.PadW > 0)
        {
            var valid = Rules.Im2ColOf(F.Fill(g, 1, Shape.Of(1, c, s[2], s[3]), x.DType), w);
            cols = F.Where(valid, cols, g.Const(double.NegativeInfinity, x.DType));
        }
        var win = F.Reshape(cols, Shape.Of(s[0], c, k, oh * ow));
        var mask = F.Equal(win, F.ReduceMax(win, new[] { 2 }, true));
        var share = mask / F.Sum(mask, new[] { 2 }, true);
        var picked = F.Sum(share * F.Reshape(Rules.Im2ColOf(h, w), Shape.Of(s[0], c, k, oh * ow)), 2);
        return F.Reshape(picked, Shape.Of(s[0], c, oh, ow));
    }
}
