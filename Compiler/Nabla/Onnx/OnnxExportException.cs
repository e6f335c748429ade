using System;

namespace Nabla.Onnx;

/// <summary>
/// The network cannot be exported to ONNX: an op without an ONNX form (a kernel op, a gradient op, interior padding),
/// a parameter without values, or a name used twice. The message names the op and, when the tracer recorded it, the
/// layer. Nothing is written when it is thrown.
/// </summary>
public sealed class OnnxExportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OnnxExportException(string message, string? op, string? layer, Exception? inner = null)
        : base("ONNX export: " + message + ".", inner)
    {
        Op = op; Layer = layer;
    }

    /// <summary>The IR op that has no ONNX form (null when the problem is not an op).</summary>
    public string? Op { get; }
    /// <summary>The layer the node belongs to, as the tracer labelled it (e.g. <c>1 ReLU</c>), when known.</summary>
    public string? Layer { get; }
}
