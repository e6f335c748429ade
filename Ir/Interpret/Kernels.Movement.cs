using System;

namespace Nabla.Ir;

public static partial class Interpreter
{
    /// <summary>slice: each output element from the input index start + i·step of every axis.</summary>
    internal static Tensor SliceKernel(Node n, Tensor[] args, int[] outShape)
    {
        var x = args[0];
        var r = n.Attr<SliceAttrs>().Resolve(n.A.Shape, out var error) ?? throw new InvalidOperationException(error);
        var inStrides = Strides(x.Shape);
        var outStrides = Strides(outShape);
        var result = new double[Product(outShape)];
        for (int o = 0; o < result.Length; o++)
        {
            int rem = o, src = 0;
            for (int j = 0; j < outShape.Length; j++)
            {
                int ij = rem / outStrides[j]; rem -= ij * outStrides[j];
                src += (r[j].Start + ij * r[j].Step) * inStrides[j];
            }
            result[o] = x.Data[src];
        }
        return new Tensor(outShape, result);
    }

    /// <summary>pad: the fill value everywhere, then each input element at before + i·(interior + 1) of every axis.</summary>
    internal static Tensor PadKernel(Node n, Tensor[] args, int[] outShape)
    {
        var x = args[0]; var p = n.Attr<PadAttrs>();
        var result = new double[Product(outShape)];
        for (int i = 0; i < result.Length; i++) result[i] = p.Fill;
        var inStrides = Strides(x.Shape);
        var outStrides = Strides(outShape);
        for (int s = 0; s < x.Size; s++)
        {
            int rem = s, dst = 0;
            for (int j = 0; j < x.Rank; j++)
            {
                int ij = rem / inStrides[j]; rem -= ij * inStrides[j];
                dst += (p.Before[j] + ij * (p.Interior[j] + 1)) * outStrides[j];
            }
            result[dst] = x.Data[s];
        }
        return new Tensor(outShape, result);
    }

    /// <summary>concat: the parts one after the other along the axis.</summary>
    internal static Tensor ConcatKernel(Node n, Tensor[] args, int[] outShape)
    {
        int axis = n.Attr<AxisAttrs>().Axis;
        int outer = Product(Slice(outShape, 0, axis)), inner = Product(Slice(outShape, axis + 1, outShape.Length));
        int row = outShape[axis] * inner;
        var result = new double[Product(outShape)];
        int at = 0;
        foreach (var part in args)
        {
            int len = part.Shape[axis] * inner;
            for (int o = 0; o < outer; o++) Array.Copy(part.Data, o * len, result, o * row + at, len);
            at += len;
        }
        return new Tensor(outShape, result);
    }
}
