using System.IO;
using Nabla.Ir;
using Nabla.Onnx;

namespace Nabla;

public sealed partial class Network
{
    /// <summary>
    /// Writes the network's inference function (evaluation mode, with its current weights and buffers) as an ONNX model
    /// (opset <see cref="OnnxExporter.Opset"/>, symbolic batch dimension) to <paramref name="path"/>, atomically. See
    /// <see cref="OnnxExporter"/> for what is mapped and how.
    /// </summary>
    /// <exception cref="OnnxExportException">An op of the network has no ONNX form; the message names it and its layer.</exception>
    public void ExportOnnx(string path) => OnnxExporter.WriteFile(path, OnnxBytes());

    /// <summary>Writes the network's inference function as an ONNX model to <paramref name="stream"/> (see <see cref="ExportOnnx(string)"/>).</summary>
    public void ExportOnnx(Stream stream)
    {
        if (stream is null) throw new System.ArgumentNullException(nameof(stream));
        var bytes = OnnxBytes();
        stream.Write(bytes, 0, bytes.Length);
    }

    private byte[] OnnxBytes() =>
        OnnxExporter.ToBytes(Model.Trace(DType.F32, TraceMode.Eval).Forward, (name, _) => ParameterValues(name), OnnxExporter.GraphName(Model));
}
