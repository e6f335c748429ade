using System;
using System.Globalization;

namespace Nabla.Ir;

// Reference kernels of the index ops. Every index is checked: an integer in [0, n), or a clear error naming the node.
public static partial class Interpreter
{
    /// <summary>The index <paramref name="v"/> (at flat position <paramref name="at"/> of the indices) as an int, checked to be an integer in [0, n).</summary>
    internal static int CheckedIndex(Node n, double v, int at, int size)
    {
        if (v >= 0 && v < size && v == Math.Floor(v)) return (int)v;
        throw new ArgumentOutOfRangeException(null,
            $"{n.Op.Name} {n.Describe()}{(n.Label is null ? "" : $" ({n.Label})")}: index {v.ToString("R", CultureInfo.InvariantCulture)} at position {at} is not an integer in [0, {size}).");
    }

    // x viewed as [outer, size, inner] around an axis.
    private static (int Outer, int Inner) Around(int[] shape, int axis, int span)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + span; i < shape.Length; i++) inner *= shape[i];
        return (outer, inner);
    }

    /// <summary>gather: out[o, j, i] = x[o, idx[j], i] over x viewed as [outer, n, inner].</summary>
    internal static Tensor GatherKernel(Node n, Tensor[] args, int[] outShape)
    {
        Tensor x = args[0], idx = args[1];
        int axis = n.Attr<IndexAttrs>().Axis, size = x.Shape[axis], m = idx.Size;
        var (outer, inner) = Around(x.Shape, axis, 1);
        var k = new int[m];
        for (int j = 0; j < m; j++) k[j] = CheckedIndex(n, idx.Data[j], j, size);
        var r = new double[outer * m * inner];
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
                Array.Copy(x.Data, (o * size + k[j]) * inner, r, (o * m + j) * inner, inner);
        return new Tensor(outShape, r);
    }

    /// <summary>scatter_add: out = 0, then out[o, idx[j], i] += u[o, j, i] for j in order.</summary>
    internal static Tensor ScatterAddKernel(Node n, Tensor[] args, int[] outShape)
    {
        Tensor u = args[0], idx = args[1];
        int axis = n.Attr<IndexAttrs>().Axis, size = outShape[axis], m = idx.Size;
        var (outer, inner) = Around(u.Shape, axis, idx.Rank);
        var r = new double[outer * size * inner];
        for (int j = 0; j < m; j++)
        {
            int k = CheckedIndex(n, idx.Data[j], j, size);
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++) r[(o * size + k) * inner + i] += u.Data[(o * m + j) * inner + i];
        }
        return new Tensor(outShape, r);
    }

    /// <summary>one_hot: out[j, c] = 1 where c = idx[j], else 0.</summary>
    internal static Tensor OneHotKernel(Node n, Tensor[] args, int[] outShape)
    {
        var idx = args[0];
        int classes = n.Attr<IndexAttrs>().Size;
        var r = new double[idx.Size * classes];
        for (int j = 0; j < idx.Size; j++) r[j * classes + CheckedIndex(n, idx.Data[j], j, classes)] = 1;
        return new Tensor(outShape, r);
    }
}
