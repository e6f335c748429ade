using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Nabla.Ir;

namespace Nabla.Onnx;

/// <summary>
/// Writes the inference (forward) function of a network as an ONNX model: standard operators of the <c>ai.onnx</c>
/// domain at opset <see cref="Opset"/>, IR version <see cref="IrVersion"/>, the weights as initializers, inputs and
/// outputs under the model's names (<c>x</c> → <c>y</c>) with a symbolic first dimension <see cref="BatchDimension"/>.
/// <para>
/// The exporter maps the traced IR, not the DSL's layers: the evaluation-mode forward (dropout is the identity, batch
/// normalization uses its running statistics) with custom ops (<c>Op.Define</c>) inlined, so every layer built
/// from built-in ops exports, a user's own included. Each IR op becomes one ONNX operator or a few (<c>log1p</c> →
/// <c>Log(1 + x)</c>, <c>gt</c> → <c>Cast(Greater)</c>); convolutions (<c>matmul</c> of a weight and <c>im2col</c>
/// windows, grouped or not) become <c>Conv</c>, max and average pooling <c>MaxPool</c> and <c>AveragePool</c>. Ops with
/// no ONNX form — kernel ops (<c>Op.DefineElementwise</c>: their C# method has no ONNX counterpart),
/// <c>scatter_add</c>, <c>col2im</c>, interior padding — throw <see cref="OnnxExportException"/> naming the op and
/// the layer before anything is written.
/// </para>
/// </summary>
public static class OnnxExporter
{
    /// <summary>The operator set the files use (ai.onnx).</summary>
    public const int Opset = 17;
    /// <summary>The ONNX IR version the files declare (8 goes with opset 17).</summary>
    public const int IrVersion = 8;
    /// <summary>The name of the symbolic batch dimension of inputs and outputs.</summary>
    public const string BatchDimension = "batch";

    /// <summary>
    /// Writes <paramref name="forward"/> (an inference function: inputs and parameters to outputs, no updates) as an ONNX
    /// model to <paramref name="stream"/>. <paramref name="parameterValues"/> gives each parameter's values (row-major,
    /// as many as its shape holds) by name and shape. The model is built in memory first: on an error nothing is written.
    /// </summary>
    /// <exception cref="OnnxExportException">An op has no ONNX form, or a parameter has no values.</exception>
    public static void Export(Function forward, Func<string, Shape, float[]> parameterValues, Stream stream, string graphName = "nabla")
    {
        if (forward is null) throw new ArgumentNullException(nameof(forward));
        if (parameterValues is null) throw new ArgumentNullException(nameof(parameterValues));
        if (stream is null) throw new ArgumentNullException(nameof(stream));
        var bytes = ToBytes(forward, parameterValues, graphName);
        stream.Write(bytes, 0, bytes.Length);
    }

    /// <summary>The ONNX model of <paramref name="forward"/> as bytes (see <see cref="Export(Function, Func{string, Shape, float[]}, Stream, string)"/>).</summary>
    public static byte[] ToBytes(Function forward, Func<string, Shape, float[]> parameterValues, string graphName = "nabla")
    {
        if (forward is null) throw new ArgumentNullException(nameof(forward));
        if (parameterValues is null) throw new ArgumentNullException(nameof(parameterValues));
        var graph = OnnxConverter.Convert(Op.Inline(forward), parameterValues);
        using var memory = new MemoryStream();
        graph.Write(memory, graphName, "exported by Nabla from the inference graph", IrVersion, Opset, ProducerVersion, BatchDimension);
        return memory.ToArray();
    }

    /// <summary>
    /// Writes the evaluation-mode forward of <paramref name="model"/> (float32) with the weights in its
    /// <see cref="Model.Parameters"/> (the initial weights, or what <see cref="Network.CopyParametersTo"/> or a loaded
    /// checkpoint put there) to <paramref name="stream"/>.
    /// </summary>
    public static void Export(Model model, Stream stream)
    {
        if (model is null) throw new ArgumentNullException(nameof(model));
        Export(model.Trace(DType.F32, TraceMode.Eval).Forward, (name, shape) => StoreValues(model.Parameters, name, shape), stream, GraphName(model));
    }

    /// <summary>Writes the model as <see cref="Export(Model, Stream)"/> does to the file <paramref name="path"/> (atomically: a failed export leaves an existing file as it was).</summary>
    public static void Export(Model model, string path)
    {
        if (model is null) throw new ArgumentNullException(nameof(model));
        WriteFile(path, ToBytes(model.Trace(DType.F32, TraceMode.Eval).Forward, (name, shape) => StoreValues(model.Parameters, name, shape), GraphName(model)));
    }

    internal static string GraphName(Model model) => model.Network.Kind;

    internal static void WriteFile(string path, byte[] bytes)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("The ONNX file path is empty.", nameof(path));
        Nabla.IO.AtomicFile.Write(path, bytes);
    }

    private static float[] StoreValues(ParameterStore store, string name, Shape shape)
    {
        if (!store.TryGet(name, out var p) || p is null)
            throw new KeyNotFoundException($"the model's parameter store has no parameter '{name}'");
        if (!p.Shape.Equals(shape)) throw new ArgumentException($"the store holds {p.Shape}");
        return p.Data;
    }

    private static string ProducerVersion =>
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0";
}
