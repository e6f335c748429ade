using System;

namespace Nabla.Ir;

/// <summary>
/// Thrown when a node is built from inputs whose shapes or types do not fit the op. The message names
/// the op, every input (id, label and shape) and the dimension that disagrees.
/// </summary>
public sealed class ShapeException : ArgumentException
{
    /// <summary>Creates the exception with a complete message.</summary>
    public ShapeException(string message) : base(message) { }
}
