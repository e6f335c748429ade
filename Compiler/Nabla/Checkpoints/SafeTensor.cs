using System;
using System.Collections.Generic;

namespace Nabla.Checkpoints;

/// <summary>The element types Nabla reads and writes in safetensors files (named as the format names them).</summary>
public enum TensorDType
{
    /// <summary>IEEE-754 binary32, 4 bytes little-endian ("F32").</summary>
    F32,

    /// <summary>IEEE-754 binary64, 8 bytes little-endian ("F64").</summary>
    F64,

    /// <summary>Signed 64-bit integer, 8 bytes little-endian ("I64"): PyTorch's type for counters such as BatchNorm's <c>num_batches_tracked</c>. Loads as floating point.</summary>
    I64,
}

/// <summary>
/// One named tensor of a checkpoint: a shape (row-major, e.g. [out, in] for a dense weight as PyTorch stores it) and
/// float32 or float64 values (or int64, PyTorch's type for counters such as num_batches_tracked). The values are copied in, so the tensor is a snapshot.
/// </summary>
public sealed class SafeTensor
{
    private readonly int[] _shape;
    private readonly float[]? _f32;
    private readonly double[]? _f64;
    private readonly long[]? _i64;

    /// <summary>The tensor's name, e.g. "0.weight" or "optimizer.m.0.weight".</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public TensorDType DType { get; }

    /// <summary>The shape (a copy); [] is a scalar.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The number of elements (the product of the shape; 1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The number of data bytes (<see cref="ElementCount"/> × 4 or 8).</summary>
    public long ByteCount => ElementCount * SafeTensors.ElementSize(DType);

    /// <summary>A float32 tensor: <paramref name="values"/> (copied) must hold exactly the product of <paramref name="shape"/> values.</summary>
    public SafeTensor(string name, IReadOnlyList<int> shape, ReadOnlySpan<float> values)
    {
        (Name, _shape, ElementCount) = Check(name, shape, values.Length);
        DType = TensorDType.F32;
        _f32 = values.ToArray();
    }

    /// <summary>A float64 tensor: <paramref name="values"/> (copied) must hold exactly the product of <paramref name="shape"/> values.</summary>
    public SafeTensor(string name, IReadOnlyList<int> shape, ReadOnlySpan<double> values)
    {
        (Name, _shape, ElementCount) = Check(name, shape, values.Length);
        DType = TensorDType.F64;
        _f64 = values.ToArray();
    }

    /// <summary>An int64 tensor (PyTorch's counters, e.g. <c>num_batches_tracked</c>): <paramref name="values"/> (copied) must hold exactly the product of <paramref name="shape"/> values.</summary>
    public SafeTensor(string name, IReadOnlyList<int> shape, ReadOnlySpan<long> values)
    {
        (Name, _shape, ElementCount) = Check(name, shape, values.Length);
        DType = TensorDType.I64;
        _i64 = values.ToArray();
    }

    /// <summary>Whether the shape equals <paramref name="shape"/>.</summary>
    public bool HasShape(IReadOnlyList<int> shape)
    {
        if (shape is null || shape.Count != _shape.Length) return false;
        for (int i = 0; i < _shape.Length; i++) if (shape[i] != _shape[i]) return false;
        return true;
    }

    /// <summary>The values as float32 (a copy; float64 and int64 values are rounded to nearest).</summary>
    public float[] ToSingle()
    {
        if (_f32 is not null) return (float[])_f32.Clone();
        if (_i64 is not null) return Array.ConvertAll(_i64, v => (float)v);
        var r = new float[_f64!.Length];
        for (int i = 0; i < r.Length; i++) r[i] = (float)_f64[i];
        return r;
    }

    /// <summary>The values as float64 (a copy; float32 values convert exactly, int64 ones up to 2^53).</summary>
    public double[] ToDouble()
    {
        if (_f64 is not null) return (double[])_f64.Clone();
        if (_i64 is not null) return Array.ConvertAll(_i64, v => (double)v);
        var r = new double[_f32!.Length];
        for (int i = 0; i < r.Length; i++) r[i] = _f32[i];
        return r;
    }

    /// <summary>
    /// Copies the values into <paramref name="destination"/> after checking that the shape is <paramref name="expectedShape"/>
    /// (the check a checkpoint loader makes before writing a parameter); float64 values are rounded. The error
    /// names the tensor, both shapes and <paramref name="source"/> (the file).
    /// </summary>
    public void CopyTo(Span<float> destination, IReadOnlyList<int> expectedShape, string? source = null)
    {
        if (expectedShape is null) throw new ArgumentNullException(nameof(expectedShape));
        if (!HasShape(expectedShape))
            throw new CheckpointException(
                $"{source ?? "checkpoint"}: tensor '{Name}' has shape {SafeTensors.Format(_shape)}, but the model expects {SafeTensors.Format(expectedShape)}.",
                source, Name);
        if (destination.Length != ElementCount)
            throw new ArgumentException($"The destination holds {destination.Length} values; tensor '{Name}' has {ElementCount}.", nameof(destination));
        if (_f32 is not null) _f32.CopyTo(destination);
        else if (_i64 is not null) for (int i = 0; i < _i64.Length; i++) destination[i] = _i64[i];
        else for (int i = 0; i < _f64!.Length; i++) destination[i] = (float)_f64[i];
    }

    /// <summary>"0.weight F32 [100, 40]".</summary>
    public override string ToString() => $"{Name} {DType} {SafeTensors.Format(_shape)}";

    internal ReadOnlySpan<float> Single => _f32;
    internal ReadOnlySpan<double> Double => _f64;
    internal ReadOnlySpan<long> Int64 => _i64;

    private static (string, int[], long) Check(string name, IReadOnlyList<int> shape, int length)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("A tensor needs a non-empty name.", nameof(name));
        if (name == SafeTensors.MetadataKey) throw new ArgumentException($"'{SafeTensors.MetadataKey}' is reserved for the file's metadata.", nameof(name));
        if (shape is null) throw new ArgumentNullException(nameof(shape));
        var s = new int[shape.Count];
        long count = 1;
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = shape[i];
            if (s[i] < 0) throw new ArgumentException($"Tensor '{name}' has a negative dimension in shape {SafeTensors.Format(shape)}.", nameof(shape));
            count *= s[i];
        }
        if (count != length)
            throw new ArgumentException($"Tensor '{name}' of shape {SafeTensors.Format(shape)} needs {count} values; {length} were given.", nameof(shape));
        return (name, s, count);
    }
}
