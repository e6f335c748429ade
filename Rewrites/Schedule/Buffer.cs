using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>Where a buffer's storage comes from.</summary>
public enum BufferKind
{
    /// <summary>A run-time input supplied by the caller (data, targets, learning rate).</summary>
    Input,
    /// <summary>A parameter or optimizer-state tensor owned by the model; updates write into it in place.</summary>
    Param,
    /// <summary>A tensor constant baked into the compiled code.</summary>
    Const,
    /// <summary>An intermediate, stored in a slot of the memory plan (or a dedicated slot when it is an output).</summary>
    Temp,
}

/// <summary>
/// A region of memory that kernels read and write: a run-time input, a parameter, a constant, or a
/// temporary. A reshape never copies: its result is a <see cref="ViewOf"/> another buffer.
/// </summary>
public sealed class Buffer
{
    internal Buffer(int id, BufferKind kind, string? name, Shape shape, DType type, double[]? data, Buffer? viewOf)
    {
        Id = id; Kind = kind; Name = name; Shape = shape; DType = type; Data = data; ViewOf = viewOf;
    }

    /// <summary>Position in <see cref="Schedule.Buffers"/>.</summary>
    public int Id { get; }
    /// <summary>Where the storage comes from (for a view: the viewed buffer's kind).</summary>
    public BufferKind Kind { get; }
    /// <summary>The input or parameter name (null for temporaries and constants).</summary>
    public string? Name { get; }
    /// <summary>The logical shape (a view has its own shape over the same elements).</summary>
    public Shape Shape { get; }
    /// <summary>The element type.</summary>
    public DType DType { get; }
    /// <summary>The number of elements.</summary>
    public Dim Size => Dim.SizeOf(Shape);
    /// <summary>The values of a constant buffer.</summary>
    public double[]? Data { get; }
    /// <summary>The buffer whose storage this one shares (a reshape), or null. Never a view itself.</summary>
    public Buffer? ViewOf { get; }
    /// <summary>The buffer that owns the storage: <see cref="ViewOf"/> or this.</summary>
    public Buffer Storage => ViewOf ?? this;
    /// <summary>True when the buffer holds a named output: backends bind it to the caller's output array (it has no slot).</summary>
    public bool IsOutput { get; internal set; }
    /// <summary>The memory-plan slot of a temporary's storage (−1 until planned, and for outputs and non-temporaries).</summary>
    public int Slot { get; internal set; } = -1;
    /// <summary>A short name for listings: <c>b7</c>.</summary>
    public string Ref => "b" + Id;

    /// <summary><c>b7 temp f32[B,100] slot 2</c>.</summary>
    public override string ToString()
    {
        var kind = Kind.ToString().ToLowerInvariant();
        var name = Name is null ? "" : $" \"{Name}\"";
        var view = ViewOf is null ? "" : $" view of {ViewOf.Ref}";
        var slot = Slot >= 0 && ViewOf is null ? $" slot {Slot}" : "";
        return $"{Ref} {kind}{name} {DType.ShortName()}{Shape}{view}{slot}{(IsOutput ? " output" : "")}";
    }
}
