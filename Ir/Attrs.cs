using System;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Nabla.Ir;

/// <summary>
/// The attributes of a node, part of its identity for hash-consing: a name (inputs, parameters),
/// a scalar value or constant data (constants), a list of integers (axes, a permutation, a target
/// shape, window sizes) and a flag (keep dimensions). Immutable; compares by value.
/// </summary>
public sealed class Attrs : IEquatable<Attrs>
{
    /// <summary>No attributes.</summary>
    public static readonly Attrs None = new Attrs(null, 0, null, null, false);

    private readonly int _hash;

    /// <summary>Creates attributes (copying the arrays, so later changes to them cannot alter a node); prefer the static factories.</summary>
    public Attrs(string? name, double value, double[]? data, int[]? ints, bool flag)
    {
        Name = name;
        Value = value;
        Data = data is null ? null : (double[])data.Clone();
        Ints = ints is null || ints.Length == 0 ? Array.Empty<int>() : (int[])ints.Clone();
        Flag = flag;
        int h = name is null ? 0 : StableHash(name);
        h = h * 31 + value.GetHashCode();
        if (Data is not null) { h = h * 31 + Data.Length; foreach (var d in Data) h = h * 31 + d.GetHashCode(); }
        foreach (var i in Ints) h = h * 31 + i;
        _hash = h * 2 + (flag ? 1 : 0);
    }

    /// <summary>Name of an input or parameter.</summary>
    public string? Name { get; }
    /// <summary>Value of a scalar constant.</summary>
    public double Value { get; }
    /// <summary>Row-major values of a tensor constant (null for a scalar constant).</summary>
    public double[]? Data { get; }
    /// <summary>Axes, permutation, target shape or window parameters, depending on the op (a private copy; treat it as read-only).</summary>
    public int[] Ints { get; }
    /// <summary>Keep reduced dimensions (reductions) — or another op-specific flag.</summary>
    public bool Flag { get; }

    /// <summary>Attributes holding a name.</summary>
    public static Attrs Named(string name) => new Attrs(name, 0, null, null, false);
    /// <summary>Attributes holding a scalar value.</summary>
    public static Attrs Scalar(double value) => new Attrs(null, value, null, null, false);
    /// <summary>Attributes holding integers and a flag.</summary>
    public static Attrs Of(int[] ints, bool flag = false) => new Attrs(null, 0, null, ints, flag);

    /// <inheritdoc/>
    public bool Equals(Attrs? o)
    {
        if (o is null) return false;
        if (ReferenceEquals(this, o)) return true;
        if (o._hash != _hash || o.Name != Name || o.Flag != Flag || !o.Ints.SequenceEqual(Ints)) return false;
        // Bitwise comparison keeps -0.0 and 0.0 (and NaN payloads) apart, as folding requires.
        if (BitConverter.DoubleToInt64Bits(o.Value) != BitConverter.DoubleToInt64Bits(Value)) return false;
        if (o.Data is null || Data is null) return o.Data is null && Data is null;
        if (o.Data.Length != Data.Length) return false;
        for (int i = 0; i < Data.Length; i++)
            if (BitConverter.DoubleToInt64Bits(o.Data[i]) != BitConverter.DoubleToInt64Bits(Data[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Attrs);
    /// <inheritdoc/>
    public override int GetHashCode() => _hash;

    /// <summary>Formats a number the way the printer shows constants (shortest round-trip form).</summary>
    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The printer's rendering of the attributes (empty when there are none).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Name is not null) sb.Append('"').Append(Name).Append('"');
        if (Ints.Length > 0) sb.Append(sb.Length > 0 ? " " : "").Append('[').Append(string.Join(",", Ints)).Append(']');
        if (Flag) sb.Append(sb.Length > 0 ? " " : "").Append("keep");
        return sb.ToString();
    }

    private static int StableHash(string s)
    {
        unchecked { int h = 5381; foreach (char c in s) h = h * 33 ^ c; return h; }
    }
}
