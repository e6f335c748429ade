using System;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Nabla.Ir;

/// <summary>
/// The attributes of a node, part of its identity for hash-consing. Each op family has its own typed, immutable,
/// value-equatable kind (<see cref="AxesAttrs"/> for reductions, <see cref="PermutationAttrs"/> for transposes,
/// <see cref="WindowAttrs"/> for im2col, …; the op registry names the kind each op takes, see
/// <see cref="Op.AttrsType"/>), so passes read fields by name, never by position, and equal attributes hash and print
/// equally. Leaves carry their name (<see cref="LeafAttrs"/>) or their value (<see cref="ConstAttrs"/>).
/// </summary>
public abstract class Attrs : IEquatable<Attrs>
{
    private int _hash;

    /// <summary>No attributes.</summary>
    public static readonly Attrs None = new NoAttrs();

    /// <summary>Name of an input or parameter (null for other nodes).</summary>
    public virtual string? Name => null;
    /// <summary>Value of a scalar constant (0 for other nodes).</summary>
    public virtual double Value => 0;
    /// <summary>Row-major values of a tensor constant (null for a scalar constant and for other nodes).</summary>
    public virtual double[]? Data => null;

    /// <summary>The fields that identify the attributes, for equality and hashing (doubles compared bitwise).</summary>
    protected abstract object[] Key { get; }

    /// <inheritdoc/>
    public bool Equals(Attrs? o)
    {
        if (o is null) return false;
        if (ReferenceEquals(this, o)) return true;
        if (o.GetType() != GetType() || o.GetHashCode() != GetHashCode()) return false;
        object[] a = Key, b = o.Key;
        if (a.Length != b.Length) return false; // a key may grow with optional fields (WindowAttrs' dilation)
        for (int i = 0; i < a.Length; i++) if (!FieldEquals(a[i], b[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Attrs);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        if (_hash != 0) return _hash;
        int h = StableHash(GetType().Name);
        foreach (var f in Key) h = unchecked(h * 31 + FieldHash(f));
        return _hash = h == 0 ? 1 : h;
    }

    /// <summary>Formats a number the way the printer shows constants (shortest round-trip form).</summary>
    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The printer's rendering of the attributes (empty when there are none).</summary>
    public abstract override string ToString();

    // Bitwise comparison keeps -0.0 and 0.0 (and NaN payloads) apart, as folding requires.
    private static bool FieldEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y),
        (double[] x, double[] y) => x.Length == y.Length && x.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(y.Select(BitConverter.DoubleToInt64Bits)),
        (int[] x, int[] y) => x.SequenceEqual(y),
        _ => Equals(a, b),
    };

    private static int FieldHash(object? f)
    {
        unchecked
        {
            switch (f)
            {
                case null: return 0;
                case string s: return StableHash(s);
                case double d: return BitConverter.DoubleToInt64Bits(d).GetHashCode();
                case bool b: return b ? 1 : 2;
                case int i: return i;
                case int[] a: { int h = a.Length; foreach (var x in a) h = h * 31 + x; return h; }
                case double[] a: { int h = a.Length; foreach (var x in a) h = h * 31 + BitConverter.DoubleToInt64Bits(x).GetHashCode(); return h; }
                default: return f.GetHashCode();
            }
        }
    }

    private static int StableHash(string s)
    {
        unchecked { int h = 5381; foreach (char c in s) h = h * 33 ^ c; return h; }
    }

    /// <summary><c>[1,2]</c>.</summary>
    protected static string List(int[] xs) => "[" + string.Join(",", xs) + "]";

    private sealed class NoAttrs : Attrs
    {
        protected override object[] Key => Array.Empty<object>();
        public override string ToString() => "";
    }
}

/// <summary>The name of a run-time input or a parameter.</summary>
public sealed class LeafAttrs : Attrs
{
    /// <summary>Attributes naming a leaf.</summary>
    public LeafAttrs(string name) { LeafName = name ?? throw new ArgumentNullException(nameof(name)); }
    /// <summary>The name.</summary>
    public string LeafName { get; }
    /// <inheritdoc/>
    public override string? Name => LeafName;
    /// <inheritdoc/>
    protected override object[] Key => new object[] { LeafName };
    /// <inheritdoc/>
    public override string ToString() => "\"" + LeafName + "\"";
}

/// <summary>The value of a constant: a scalar, or row-major tensor data (copied, so later changes cannot alter a node).</summary>
public sealed class ConstAttrs : Attrs
{
    private readonly double _value;
    private readonly double[]? _data;

    /// <summary>A scalar constant.</summary>
    public ConstAttrs(double value) { _value = value; }
    /// <summary>A tensor constant of <paramref name="shape"/> with <paramref name="data"/> in row-major order.</summary>
    public ConstAttrs(double[] data, Shape shape) { _data = (double[])data.Clone(); TensorShape = shape; }
    /// <summary>The shape of a tensor constant (null for a scalar; part of the identity: [2,3] and [3,2] data differ).</summary>
    public Shape? TensorShape { get; }
    /// <inheritdoc/>
    public override double Value => _value;
    /// <inheritdoc/>
    public override double[]? Data => _data;
    /// <inheritdoc/>
    protected override object[] Key => new object[] { _value, _data!, TensorShape?.ToArray()! };
    /// <inheritdoc/>
    public override string ToString() => _data is null ? Format(_value) : $"{{{_data.Length} values}}";
}

/// <summary>The axes of a reduction (sorted, distinct) and whether reduced axes are kept as size 1.</summary>
public sealed class AxesAttrs : Attrs
{
    /// <summary>Creates the attributes (the axes are copied, sorted and made distinct).</summary>
    public AxesAttrs(int[] axes, bool keepDims) { Axes = axes.Distinct().OrderBy(a => a).ToArray(); KeepDims = keepDims; }
    /// <summary>The reduced axes, ascending.</summary>
    public int[] Axes { get; }
    /// <summary>Keep the reduced axes as size 1.</summary>
    public bool KeepDims { get; }
    /// <inheritdoc/>
    protected override object[] Key => new object[] { Axes, KeepDims };
    /// <inheritdoc/>
    public override string ToString() => List(Axes) + (KeepDims ? " keep" : "");
}

/// <summary>The one axis of a normalizer (softmax, log-softmax, logsumexp) and, for logsumexp, whether it is kept.</summary>
public sealed class AxisAttrs : Attrs
{
    /// <summary>Creates the attributes.</summary>
    public AxisAttrs(int axis, bool keepDims = false) { Axis = axis; KeepDims = keepDims; }
    /// <summary>The axis (non-negative).</summary>
    public int Axis { get; }
    /// <summary>Keep the axis as size 1 (logsumexp only).</summary>
    public bool KeepDims { get; }
    /// <summary>The axis as a one-element array (what reduction helpers take).</summary>
    public int[] Axes => new[] { Axis };
    /// <inheritdoc/>
    protected override object[] Key => new object[] { Axis, KeepDims };
    /// <inheritdoc/>
    public override string ToString() => "[" + Axis + "]" + (KeepDims ? " keep" : "");
}

/// <summary>A target shape: of a reshape, or of a broadcast.</summary>
public sealed class ShapeAttrs : Attrs
{
    /// <summary>Creates the attributes.</summary>
    public ShapeAttrs(Shape target) { Target = target; }
    /// <summary>The target shape (may hold the batch dimension).</summary>
    public Shape Target { get; }
    /// <inheritdoc/>
    protected override object[] Key => new object[] { Target.ToArray() };
    /// <inheritdoc/>
    public override string ToString() => Target.ToString();
}

/// <summary>The permutation of a transpose: output axis i is input axis <c>Perm[i]</c>.</summary>
public sealed class PermutationAttrs : Attrs
{
    /// <summary>Creates the attributes (the permutation is copied).</summary>
    public PermutationAttrs(int[] perm) { Perm = (int[])perm.Clone(); }
    /// <summary>The permutation.</summary>
    public int[] Perm { get; }
    /// <summary>The inverse permutation.</summary>
    public int[] Inverse()
    {
        var inv = new int[Perm.Length];
        for (int i = 0; i < Perm.Length; i++) inv[Perm[i]] = i;
        return inv;
    }
    /// <inheritdoc/>
    protected override object[] Key => new object[] { Perm };
    /// <inheritdoc/>
    public override string ToString() => List(Perm);
}

/// <summary>
/// The geometry of sliding windows over an [N, C, H, W] image: kernel size, stride, zero padding and dilation (the
/// spacing of a window's taps, 1 = adjacent, as PyTorch's <c>dilation</c>). For <c>col2im</c>, which maps windows back
/// to the image, also the image's channels, height and width (<see cref="Channels"/> is 0 for <c>im2col</c>, whose input
/// shape holds them). A dilation of 1 adds nothing to the key or the printed form, so undilated windows hash and print
/// as they did before dilation existed.
/// </summary>
public sealed class WindowAttrs : Attrs
{
    /// <summary>Creates the attributes.</summary>
    public WindowAttrs(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int channels = 0, int height = 0, int width = 0,
        int dilationH = 1, int dilationW = 1)
    {
        KernelH = kernelH; KernelW = kernelW; StrideH = strideH; StrideW = strideW; PadH = padH; PadW = padW;
        Channels = channels; Height = height; Width = width;
        DilationH = dilationH; DilationW = dilationW;
    }
    /// <summary>Kernel height.</summary>
    public int KernelH { get; }
    /// <summary>Kernel width.</summary>
    public int KernelW { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideH { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideW { get; }
    /// <summary>Zero rows added above and below.</summary>
    public int PadH { get; }
    /// <summary>Zero columns added left and right.</summary>
    public int PadW { get; }
    /// <summary>Image channels (col2im; 0 for im2col).</summary>
    public int Channels { get; }
    /// <summary>Image height (col2im; 0 for im2col).</summary>
    public int Height { get; }
    /// <summary>Image width (col2im; 0 for im2col).</summary>
    public int Width { get; }
    /// <summary>True when the image size is recorded (col2im).</summary>
    public bool HasImage => Channels > 0;
    /// <summary>The same window with the image's channels, height and width recorded (for col2im).</summary>
    public WindowAttrs WithImage(int channels, int height, int width) => new(KernelH, KernelW, StrideH, StrideW, PadH, PadW, channels, height, width, DilationH, DilationW);
    /// <summary>The same window without the image size (for im2col).</summary>
    public WindowAttrs WithoutImage() => new(KernelH, KernelW, StrideH, StrideW, PadH, PadW, 0, 0, 0, DilationH, DilationW);
    /// <summary>The output height of windows over an image of height <paramref name="h"/>.</summary>
    public int OutH(int h) => (int)((h + 2L * PadH - SpanH) / StrideH + 1);
    /// <summary>The output width of windows over an image of width <paramref name="w"/>.</summary>
    public int OutW(int w) => (int)((w + 2L * PadW - SpanW) / StrideW + 1);
    /// <inheritdoc/>
    protected override object[] Key => IsDilated
        ? new object[] { KernelH, KernelW, StrideH, StrideW, PadH, PadW, Channels, Height, Width, DilationH, DilationW }
        : new object[] { KernelH, KernelW, StrideH, StrideW, PadH, PadW, Channels, Height, Width };
    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder().Append($"k{KernelH}x{KernelW} s{StrideH},{StrideW} p{PadH},{PadW}");
        if (IsDilated) sb.Append($" d{DilationH},{DilationW}");
        if (HasImage) sb.Append($" image {Channels}x{Height}x{Width}");
        return sb.ToString();
    }

    // ---- dilation (issue 12) ----
    /// <summary>Vertical dilation: rows between a window's taps (1 = adjacent rows).</summary>
    public int DilationH { get; }
    /// <summary>Horizontal dilation: columns between a window's taps (1 = adjacent columns).</summary>
    public int DilationW { get; }
    /// <summary>True when either dilation is not 1.</summary>
    public bool IsDilated => DilationH != 1 || DilationW != 1;
    /// <summary>The rows one window covers: <c>DilationH·(KernelH − 1) + 1</c>.</summary>
    public long SpanH => (long)DilationH * (KernelH - 1) + 1;
    /// <summary>The columns one window covers: <c>DilationW·(KernelW − 1) + 1</c>.</summary>
    public long SpanW => (long)DilationW * (KernelW - 1) + 1;
}
