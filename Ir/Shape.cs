using System;
using System.Collections.Generic;
using System.Text;

namespace Nabla.Ir;

/// <summary>
/// The static shape of a tensor: a list of dimensions, each a non-negative size or the symbolic
/// batch dimension <see cref="Batch"/> (printed <c>B</c>). Every <c>B</c> in a graph stands for the
/// same run-time batch size. Shapes are immutable and compare by value.
/// </summary>
public sealed class Shape : IEquatable<Shape>
{
    /// <summary>The symbolic batch dimension, fixed only when the graph runs.</summary>
    public const int Batch = -1;

    /// <summary>The shape of a scalar (rank 0).</summary>
    public static readonly Shape Scalar = new Shape(Array.Empty<int>());

    private readonly int[] _dims;
    private readonly int _hash;

    /// <summary>Creates a shape; each dimension is a size ≥ 0 or <see cref="Batch"/>.</summary>
    /// <exception cref="ArgumentException">A dimension is negative (other than <see cref="Batch"/>).</exception>
    public Shape(params int[] dims)
    {
        if (dims is null) throw new ArgumentNullException(nameof(dims));
        _dims = (int[])dims.Clone();
        int h = 17;
        foreach (int d in _dims)
        {
            if (d < 0 && d != Batch)
                throw new ArgumentException($"Invalid dimension {d} in shape [{string.Join(",", dims)}]: sizes must be >= 0 (or Shape.Batch).", nameof(dims));
            h = h * 31 + d;
        }
        _hash = h;
    }

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims.Length;

    /// <summary>The dimension at <paramref name="axis"/> (may be <see cref="Batch"/>).</summary>
    public int this[int axis] => _dims[axis];

    /// <summary>The dimensions as a read-only list.</summary>
    public IReadOnlyList<int> Dims => _dims;

    /// <summary>A copy of the dimensions.</summary>
    public int[] ToArray() => (int[])_dims.Clone();

    /// <summary>True when some dimension is the symbolic batch dimension.</summary>
    public bool HasBatch => Array.IndexOf(_dims, Batch) >= 0;

    /// <summary>How many dimensions are the symbolic batch dimension.</summary>
    public int BatchCount { get { int c = 0; foreach (int d in _dims) if (d == Batch) c++; return c; } }

    /// <summary>
    /// The most elements one tensor (one .NET array) can hold: <c>Array.MaxLength</c>, 2,147,483,591. Parameters,
    /// optimizer state, inputs and temporaries are each one array, so a larger size is refused with a message naming it.
    /// </summary>
    public const long MaxElements = 2_147_483_591;

    /// <summary>Product of the static (non-batch) dimensions, in checked 64-bit arithmetic.</summary>
    /// <exception cref="ShapeException">The product does not fit in 64 bits.</exception>
    public long StaticSize { get { long p = 1; foreach (int d in _dims) if (d != Batch) p = Mul(p, d); return p; } }

    /// <summary>Number of elements once the batch dimension is <paramref name="batch"/>, in checked 64-bit arithmetic.</summary>
    /// <exception cref="ShapeException">The product does not fit in 64 bits.</exception>
    public long Size(int batch)
    {
        long p = 1;
        foreach (int d in _dims) p = Mul(p, d == Batch ? batch : d);
        return p;
    }

    private long Mul(long p, int d)
    {
        if (d < 0 || p < 0) return checked(p * d);
        // For factors >= 0, p·d overflows exactly when p > long.MaxValue / d.
        if (d > 0 && p > long.MaxValue / d) throw new ShapeException($"A tensor of shape {this} has more than {long.MaxValue.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} elements.");
        return p * d;
    }

    /// <summary>
    /// Throws unless <paramref name="elements"/> fits in one tensor (at most <see cref="MaxElements"/>), naming
    /// <paramref name="what"/> and the shape: <c>layer 2 weight of shape [100000,100000] has 10,000,000,000 elements; a
    /// tensor holds at most 2,147,483,591</c>. Use it before allocating.
    /// </summary>
    /// <param name="what">What the tensor is, e.g. <c>layer 2 (Dense 100000→100000) weight</c>.</param>
    /// <param name="elements">Its number of elements (e.g. <see cref="StaticSize"/> or <see cref="Size"/>).</param>
    /// <param name="shape">Its shape as printed, e.g. <c>[100000,100000]</c> or <c>[B,40] at batch 64</c>.</param>
    /// <exception cref="ShapeException">The size is too large.</exception>
    public static void CheckElements(string what, long elements, string shape)
    {
        if (elements > MaxElements)
            throw new ShapeException($"{what} of shape {shape} has {elements.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} elements; a tensor holds at most {MaxElements.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}.");
    }

    /// <summary>
    /// The number of static elements after <see cref="CheckElements"/>: throws the same error unless the shape fits
    /// in one tensor (the batch dimension counts as 1).
    /// </summary>
    /// <param name="what">What the tensor is, for the message.</param>
    public int CheckedStaticSize(string what)
    {
        long n;
        try { n = StaticSize; }
        catch (ShapeException) { throw new ShapeException($"{what} of shape {this} has more than {long.MaxValue.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} elements; a tensor holds at most {MaxElements.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}."); }
        CheckElements(what, n, ToString());
        return (int)n;
    }

    /// <summary>The concrete dimensions once the batch dimension is <paramref name="batch"/>.</summary>
    public int[] Concrete(int batch)
    {
        var r = new int[_dims.Length];
        for (int i = 0; i < r.Length; i++) r[i] = _dims[i] == Batch ? batch : _dims[i];
        return r;
    }

    /// <summary>Normalizes a possibly negative axis (−1 = last) and checks it is in range.</summary>
    public int Axis(int axis, string what = "axis")
    {
        int a = axis < 0 ? axis + Rank : axis;
        if (a < 0 || a >= Rank) throw new ArgumentException($"{what} {axis} is out of range for a tensor of shape {this} (rank {Rank}).");
        return a;
    }

    /// <summary>Creates a shape from dimensions.</summary>
    public static Shape Of(params int[] dims) => new Shape(dims);

    /// <inheritdoc/>
    public bool Equals(Shape? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (other._hash != _hash || other._dims.Length != _dims.Length) return false;
        for (int i = 0; i < _dims.Length; i++) if (_dims[i] != other._dims[i]) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Shape);

    /// <inheritdoc/>
    public override int GetHashCode() => _hash;

    /// <summary>Prints the shape as <c>[B,100]</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < _dims.Length; i++)
        {
            if (i > 0) sb.Append(',');
            if (_dims[i] == Batch) sb.Append('B'); else sb.Append(_dims[i]);
        }
        return sb.Append(']').ToString();
    }

    /// <summary>
    /// NumPy broadcasting of two shapes (aligned on the right; equal sizes or a 1 broadcast; <c>B</c> with
    /// <c>B</c> or <c>1</c>). Returns null when they do not broadcast and sets <paramref name="badAxis"/>
    /// to the offending axis counted from the right.
    /// </summary>
    public static Shape? Broadcast(Shape a, Shape b, out int badAxis)
    {
        badAxis = -1;
        int rank = Math.Max(a.Rank, b.Rank);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < a.Rank ? a._dims[a.Rank - 1 - i] : 1;
            int db = i < b.Rank ? b._dims[b.Rank - 1 - i] : 1;
            if (da == db) r[rank - 1 - i] = da;
            else if (da == 1) r[rank - 1 - i] = db;
            else if (db == 1) r[rank - 1 - i] = da;
            else { badAxis = i; return null; }
        }
        return new Shape(r);
    }

    /// <summary>True when a tensor of this shape broadcasts to <paramref name="target"/> without changing it.</summary>
    public bool BroadcastsTo(Shape target)
    {
        var r = Broadcast(this, target, out _);
        return r is not null && r.Equals(target);
    }
}
