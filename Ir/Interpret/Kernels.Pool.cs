using System;

namespace Nabla.Ir;

// Reference kernels of max pooling (max_pool, max_pool_grad; entries in Ops.cs).
public static partial class Interpreter
{
    /// <summary>max_pool: each window's NaN-propagating maximum over its taps inside the image (−∞ when there are none).</summary>
    internal static Tensor MaxPoolKernel(Node node, Tensor[] args, int[] outShape)
    {
        var x = args[0]; var p = node.Attr<WindowAttrs>();
        var result = new double[outShape[0] * outShape[1] * outShape[2] * outShape[3]];
        ForEachPoolWindow(x.Shape, p, (o, taps, count) =>
        {
            double m = double.NegativeInfinity;
            for (int t = 0; t < count; t++) m = Math.Max(m, x.Data[taps[t]]);
            result[o] = m;
        });
        return new Tensor(outShape, result);
    }

    /// <summary>
    /// max_pool_grad: zeros of x's shape; then, window by window in order, the window's adjoint divided by the number of
    /// its taps equal to its maximum is added to each of them (nothing when the maximum is NaN: no tap equals it).
    /// </summary>
    internal static Tensor MaxPoolGradKernel(Node node, Tensor[] args, int[] outShape)
    {
        var x = args[0]; var g = args[1]; var p = node.Attr<WindowAttrs>();
        var result = new double[x.Size];
        ForEachPoolWindow(x.Shape, p, (o, taps, count) =>
        {
            double m = double.NegativeInfinity;
            for (int t = 0; t < count; t++) m = Math.Max(m, x.Data[taps[t]]);
            int ties = 0;
            for (int t = 0; t < count; t++) if (x.Data[taps[t]] == m) ties++;
            if (ties == 0) return;
            double share = g.Data[o] / ties;
            for (int t = 0; t < count; t++) if (x.Data[taps[t]] == m) result[taps[t]] += share;
        });
        return new Tensor(outShape, result);
    }

    // Calls visit(outputIndex, taps, count) for every window of an [N,C,H,W] image, in output order, with the image
    // indices of its taps inside the image in window order (row by row).
    private static void ForEachPoolWindow(int[] shape, WindowAttrs p, Action<int, int[], int> visit)
    {
        int n = shape[0], c = shape[1], h = shape[2], w = shape[3], oh = p.OutH(h), ow = p.OutW(w);
        var taps = new int[p.KernelH * p.KernelW];
        int o = 0;
        for (int plane = 0; plane < n * c; plane++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++, o++)
                {
                    int count = 0;
                    for (int i = 0; i < p.KernelH; i++)
                        for (int j = 0; j < p.KernelW; j++)
                        {
                            int iy = y * p.StrideH - p.PadH + i * p.DilationH, ix = xx * p.StrideW - p.PadW + j * p.DilationW;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            taps[count++] = (plane * h + iy) * w + ix;
                        }
                    visit(o, taps, count);
                }
    }
}
