namespace Nabla.Ir;

/// <summary>
/// The attributes of the index ops: the <see cref="Axis"/> that <c>gather</c> selects along and <c>scatter_add</c> adds
/// into, the <see cref="Size"/> of that axis in <c>scatter_add</c>'s result (the number of classes for <c>one_hot</c>;
/// 0 for <c>gather</c>, whose input has it), and the result's element <see cref="Type"/> for <c>one_hot</c>.
/// </summary>
public sealed class IndexAttrs : Attrs
{
    /// <summary>Creates the attributes.</summary>
    public IndexAttrs(int axis, int size = 0, DType? type = null) { Axis = axis; Size = size; Type = type; }
    /// <summary>The axis indexed (gather, scatter_add); for one_hot the new class axis (always last).</summary>
    public int Axis { get; }
    /// <summary>scatter_add: the length (&gt; 0) of the indexed axis of the result; one_hot: the number of classes; gather: 0.</summary>
    public int Size { get; }
    /// <summary>one_hot: the element type of the result (a float type); null for the others.</summary>
    public DType? Type { get; }
    /// <inheritdoc/>
    protected override object[] Key => new object[] { Axis, Size, Type is { } t ? (int)t : -1 };
    /// <inheritdoc/>
    public override string ToString() =>
        $"axis {Axis}" + (Size != 0 ? $" size {(Size == Shape.Batch ? "B" : Size.ToString())}" : "") + (Type is { } t ? " " + t.ShortName() : "");
}

/// <summary>The target element type of a <c>cast</c>.</summary>
public sealed class CastAttrs : Attrs
{
    /// <summary>Creates the attributes.</summary>
    public CastAttrs(DType type) { Type = type; }
    /// <summary>The element type of the result.</summary>
    public DType Type { get; }
    /// <inheritdoc/>
    protected override object[] Key => new object[] { (int)Type };
    /// <inheritdoc/>
    public override string ToString() => Type.ShortName();
}
