using System;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Tests.Support;

// Max pooling in random graphs: max_pool and max_pool_grad over an [N, C, H, W] image (the first operand when it is one,
// its reshape, or a new leaf), with padding at most half the kernel and the top two taps of every window at least the
// margin apart (a constant ramp breaks ties), so central differences never cross a change of maximum.
internal sealed partial class GraphBuilder
{
    private Node? MaxPoolOp(Op op)
    {
        var x = First();
        Node image;
        int p = (int)x.Shape.StaticSize;
        if (x.Shape.Rank == 4 && x.Shape[1] != Shape.Batch && x.Shape[2] != Shape.Batch && x.Shape[3] != Shape.Batch) image = x;
        else if (x.Shape.BatchCount <= 1 && p >= 2)
        {
            var ds = Divisors(p);
            int h = ds[_c.Next(ds.Length)];
            image = F.Reshape(x, new Shape(x.Shape.HasBatch ? Shape.Batch : 1, 1, h, p / h));
        }
        else image = NewLeaf(new Shape(_c.Pick(1, 2, _o.UseBatch ? Shape.Batch : 3), 1 + _c.Next(2), 2 + _c.Next(3), 2 + _c.Next(3)));
        var s = image.Shape;
        int kh = 1 + _c.Next(Math.Min(3, s[2])), kw = 1 + _c.Next(Math.Min(3, s[3]));
        var w = new WindowAttrs(kh, kw, 1 + _c.Next(2), 1 + _c.Next(2), _c.Next(kh / 2 + 1), _c.Next(kw / 2 + 1));
        if (_o.Margin > 0 && PoolTopGap(Value(image), w) < _o.Margin)
        {
            var dims = s.ToArray().Select(d => d == Shape.Batch ? 1 : d).ToArray();
            int size = dims.Aggregate(1, (a, b) => a * b);
            Node? fixedX = null;
            foreach (var step in new[] { 0.37, -0.53, 0.71 })
            {
                var y = image + _g.Const(Enumerable.Range(0, size).Select(i => Math.Round(step * i, 2)).ToArray(), new Shape(dims));
                if (PoolTopGap(Value(y), w) >= _o.Margin) { fixedX = y; break; }
            }
            if (fixedX is null) return null;
            image = fixedX;
        }
        if (op == Op.MaxPool) return _g.Make(Op.MaxPool, w, image);
        var pooled = new Shape(s[0], s[1], w.OutH(s[2]), w.OutW(s[3]));
        return _g.Make(Op.MaxPoolGrad, w, image, NewLeaf(pooled));
    }

    /// <summary>The smallest distance between the largest and the second largest tap of a window of <paramref name="t"/> [N,C,H,W] (∞ when every window has one tap).</summary>
    internal static double PoolTopGap(Tensor t, WindowAttrs w)
    {
        int planes = t.Shape[0] * t.Shape[1], h = t.Shape[2], wd = t.Shape[3];
        double gap = double.PositiveInfinity;
        for (int pl = 0; pl < planes; pl++)
            for (int oy = 0; oy < w.OutH(h); oy++)
                for (int ox = 0; ox < w.OutW(wd); ox++)
                {
                    double top = double.NegativeInfinity, second = double.NegativeInfinity;
                    for (int i = 0; i < w.KernelH; i++)
                        for (int j = 0; j < w.KernelW; j++)
                        {
                            int iy = oy * w.StrideH - w.PadH + i * w.DilationH, ix = ox * w.StrideW - w.PadW + j * w.DilationW;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                            double v = t.Data[(pl * h + iy) * wd + ix];
                            if (v > top) { second = top; top = v; } else if (v > second) second = v;
                        }
                    if (!double.IsNegativeInfinity(second)) gap = Math.Min(gap, top - second);
                }
        return gap;
    }
}
