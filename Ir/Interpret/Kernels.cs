using System;

namespace Nabla.Ir;

public static partial class Interpreter
{
    private static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    private static int[] Slice(int[] a, int from, int to)
    {
        var r = new int[to - from];
        Array.Copy(a, from, r, 0, r.Length);
        return r;
    }

    private static int Product(int[] shape) { int p = 1; foreach (var d in shape) p *= d; return p; }

    // Strides that read `inShape` broadcast (right-aligned) to `outShape`: 0 along stretched or missing axes.
    private static int[] BroadcastStrides(int[] inShape, int[] outShape)
    {
        var own = Strides(inShape);
        var r = new int[outShape.Length];
        int off = outShape.Length - inShape.Length;
        for (int j = off; j < outShape.Length; j++)
            r[j] = inShape[j - off] == 1 && outShape[j] != 1 ? 0 : own[j - off];
        return r;
    }

    /// <summary>Elementwise ops and broadcast: each output element from the broadcast inputs.</summary>
    internal static Tensor ElementwiseKernel(Node n, Tensor[] args, int[] outShape)
    {
        int size = Product(outShape);
        var strides = new int[args.Length][];
        for (int a = 0; a < args.Length; a++) strides[a] = BroadcastStrides(args[a].Shape, outShape);
        var outStrides = Strides(outShape);
        var result = new double[size];
        var offs = new int[args.Length];
        bool broadcast = n.Op == Op.Broadcast;
        for (int o = 0; o < size; o++)
        {
            Array.Clear(offs, 0, offs.Length);
            int rem = o;
            for (int j = 0; j < outShape.Length; j++)
            {
                int ij = rem / outStrides[j]; rem -= ij * outStrides[j];
                for (int a = 0; a < args.Length; a++) offs[a] += ij * strides[a][j];
            }
            double x = args[0].Data[offs[0]];
            result[o] = broadcast ? x
                : args.Length == 1 ? n.Op.Apply(x)
                : args.Length == 2 ? n.Op.Apply(x, args[1].Data[offs[1]])
                : x != 0 ? args[1].Data[offs[1]] : args[2].Data[offs[2]];
        }
        return new Tensor(outShape, result);
    }

    /// <summary>Reductions: sum, mean or NaN-propagating maximum over the node's axes.</summary>
    internal static Tensor ReduceKernel(Node n, Tensor[] args, int[] outShape)
    {
        var x = args[0];
        var axes = n.Attr<AxesAttrs>().Axes;
        var keptShape = (int[])x.Shape.Clone();
        int count = 1;
        foreach (var a in axes) { count *= keptShape[a]; keptShape[a] = 1; }
        var keptStrides = Strides(keptShape);
        var inStrides = Strides(x.Shape);
        bool max = n.Op.Combine == Combine.Max;
        var result = new double[Product(keptShape)];
        if (max) for (int i = 0; i < result.Length; i++) result[i] = double.NegativeInfinity;
        for (int i = 0; i < x.Size; i++)
        {
            int rem = i, o = 0;
            for (int j = 0; j < x.Rank; j++)
            {
                int ij = rem / inStrides[j]; rem -= ij * inStrides[j];
                if (keptShape[j] != 1 || x.Shape[j] == 1) o += ij * keptStrides[j];
            }
            double v = x.Data[i];
            if (!max) result[o] += v;
            else if (v > result[o] || double.IsNaN(v)) result[o] = v;
        }
        if (n.Op.Combine == Combine.Mean) for (int i = 0; i < result.Length; i++) result[i] /= count;
        return new Tensor(outShape, result);
    }

    /// <summary>Reshape: the same data.</summary>
    internal static Tensor ReshapeKernel(Node n, Tensor[] args, int[] outShape) => new(outShape, (double[])args[0].Data.Clone());

    /// <summary>Transpose by the node's permutation.</summary>
    internal static Tensor TransposeKernel(Node n, Tensor[] args, int[] outShape)
    {
        var x = args[0];
        var perm = n.Attr<PermutationAttrs>().Perm;
        var inStrides = Strides(x.Shape);
        var outStrides = Strides(outShape);
        var result = new double[x.Size];
        for (int o = 0; o < result.Length; o++)
        {
            int rem = o, src = 0;
            for (int j = 0; j < outShape.Length; j++)
            {
                int ij = rem / outStrides[j]; rem -= ij * outStrides[j];
                src += ij * inStrides[perm[j]];
            }
            result[o] = x.Data[src];
        }
        return new Tensor(outShape, result);
    }

    /// <summary>Batched matrix product with broadcast leading dimensions.</summary>
    internal static Tensor MatMulKernel(Node node, Tensor[] args, int[] outShape)
    {
        Tensor a = args[0], b = args[1];
        int r = outShape.Length;
        int m = outShape[r - 2], n = outShape[r - 1], k = a.Shape[a.Rank - 1];
        var lead = Slice(outShape, 0, r - 2);
        var aStr = BroadcastStrides(Slice(a.Shape, 0, a.Rank - 2), lead);
        var bStr = BroadcastStrides(Slice(b.Shape, 0, b.Rank - 2), lead);
        var leadStrides = Strides(lead);
        int batches = Product(lead);
        var result = new double[batches * m * n];
        for (int t = 0; t < batches; t++)
        {
            int rem = t, ao = 0, bo = 0;
            for (int j = 0; j < lead.Length; j++)
            {
                int ij = rem / leadStrides[j]; rem -= ij * leadStrides[j];
                ao += ij * aStr[j]; bo += ij * bStr[j];
            }
            ao *= m * k; bo *= k * n;
            for (int i = 0; i < m; i++)
                for (int jj = 0; jj < n; jj++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += a.Data[ao + i * k + p] * b.Data[bo + p * n + jj];
                    result[t * m * n + i * n + jj] = s;
                }
        }
        return new Tensor(outShape, result);
    }

    /// <summary>softmax, log_softmax or logsumexp along the node's axis, shifted by the maximum.</summary>
    internal static Tensor NormalizeKernel(Node node, Tensor[] args, int[] outShape)
    {
        var op = node.Op; var x = args[0]; int axis = node.Attr<AxisAttrs>().Axis;
        int outer = Product(Slice(x.Shape, 0, axis)), len = x.Shape[axis], inner = Product(Slice(x.Shape, axis + 1, x.Rank));
        bool lse = op == Op.LogSumExp;
        var result = new double[lse ? outer * inner : x.Size];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int Idx(int t) => (o * len + t) * inner + i;
                double max = double.NegativeInfinity;
                for (int t = 0; t < len; t++) max = Math.Max(max, x.Data[Idx(t)]);
                if (double.IsNegativeInfinity(max)) max = 0; // all −∞: keep exp(−∞ − 0) = 0 rather than NaN
                double sum = 0;
                for (int t = 0; t < len; t++) sum += Math.Exp(x.Data[Idx(t)] - max);
                double logSum = Math.Log(sum) + max;
                if (lse) { result[o * inner + i] = logSum; continue; }
                for (int t = 0; t < len; t++)
                    result[Idx(t)] = op == Op.Softmax ? Math.Exp(x.Data[Idx(t)] - max) / sum : x.Data[Idx(t)] - logSum;
            }
        return new Tensor(outShape, result);
    }

    /// <summary>im2col: the windows of an [N,C,H,W] image as columns.</summary>
    internal static Tensor Im2ColKernel(Node node, Tensor[] args, int[] outShape)
    {
        var x = args[0]; var p = node.Attr<WindowAttrs>();
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int kh = p.KernelH, kw = p.KernelW, sh = p.StrideH, sw = p.StrideW, ph = p.PadH, pw = p.PadW;
        int oh = p.OutH(h), ow = p.OutW(w);
        var result = new double[n * c * kh * kw * oh * ow];
        ForEachWindow(n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, (src, dst) => result[dst] = x.Data[src], p.DilationH, p.DilationW);
        return new Tensor(outShape, result);
    }

    /// <summary>col2im: columns summed back into the [N,C,H,W] image.</summary>
    internal static Tensor Col2ImKernel(Node node, Tensor[] args, int[] outShape)
    {
        var cols = args[0]; var p = node.Attr<WindowAttrs>();
        int n = outShape[0], c = p.Channels, h = p.Height, w = p.Width;
        int kh = p.KernelH, kw = p.KernelW, sh = p.StrideH, sw = p.StrideW, ph = p.PadH, pw = p.PadW;
        int oh = p.OutH(h), ow = p.OutW(w);
        var result = new double[n * c * h * w];
        ForEachWindow(n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, (src, dst) => result[src] += cols.Data[dst], p.DilationH, p.DilationW);
        return new Tensor(outShape, result);
    }

    // Calls visit(imageIndex, columnIndex) for every window element that falls inside the image (taps dh, dw apart).
    private static void ForEachWindow(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow, Action<int, int> visit,
        int dh = 1, int dw = 1)
    {
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                    {
                        int row = (ch * kh + i) * kw + j;
                        for (int y = 0; y < oh; y++)
                            for (int xx = 0; xx < ow; xx++)
                            {
                                int iy = y * sh - ph + i * dh, ix = xx * sw - pw + j * dw;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                visit(((b * c + ch) * h + iy) * w + ix, ((b * c * kh * kw) + row) * oh * ow + y * ow + xx);
                            }
                    }
    }
}
