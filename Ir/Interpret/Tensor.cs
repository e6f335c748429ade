using System;
using System.Linq;

namespace Nabla.Ir;

/// <summary>
/// A dense row-major tensor of doubles with a concrete shape: the value type of the reference
/// interpreter. Deliberately plain; speed lives in the backends.
/// </summary>
public sealed class Tensor
{
    /// <summary>Creates a tensor; <paramref name="data"/> must hold exactly the shape's number of elements.</summary>
    public Tensor(int[] shape, double[] data)
    {
        long size = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"Invalid tensor dimension {d} in [{string.Join(",", shape)}].");
            size *= d;
        }
        if (size != data.Length) throw new ArgumentException($"A tensor of shape [{string.Join(",", shape)}] holds {size} values, got {data.Length}.");
        Shape = shape; Data = data;
    }

    /// <summary>The concrete dimensions.</summary>
    public int[] Shape { get; }
    /// <summary>The values in row-major order.</summary>
    public double[] Data { get; }
    /// <summary>The number of elements.</summary>
    public int Size => Data.Length;
    /// <summary>The number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>A scalar tensor.</summary>
    public static Tensor Scalar(double v) => new(Array.Empty<int>(), new[] { v });
    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => new(shape, new double[shape.Aggregate(1, (a, b) => a * b)]);
    /// <summary>A tensor with the given values and shape.</summary>
    public static Tensor Of(double[] data, params int[] shape) => new(shape, data);

    /// <summary>The single value of a tensor with one element.</summary>
    public double Value => Data.Length == 1 ? Data[0] : throw new InvalidOperationException($"Value needs a single value; this tensor has shape [{string.Join(",", Shape)}].");

    /// <summary>The element at a multi-index.</summary>
    public double this[params int[] index]
    {
        get
        {
            if (index.Length != Shape.Length) throw new ArgumentException($"Index of rank {index.Length} for a tensor of rank {Shape.Length}.");
            int flat = 0;
            for (int i = 0; i < index.Length; i++)
            {
                if (index[i] < 0 || index[i] >= Shape[i]) throw new IndexOutOfRangeException($"Index {index[i]} out of range for axis {i} of size {Shape[i]}.");
                flat = flat * Shape[i] + index[i];
            }
            return Data[flat];
        }
    }

    /// <summary>Shape and the first values, for test output.</summary>
    public override string ToString() =>
        $"[{string.Join(",", Shape)}] {{{string.Join(", ", Data.Take(8).Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))}{(Data.Length > 8 ? ", ..." : "")}}}";
}
