using System;
using System.Collections.Generic;
using System.IO;

namespace Nabla.Onnx;

/// <summary>ONNX element types (TensorProto.DataType) the exporter writes.</summary>
internal enum OnnxType { Float = 1, Int32 = 6, Int64 = 7, Bool = 9, Double = 11 }

/// <summary>A tensor value stored in the file (an initializer): name, dimensions, element type and little-endian bytes.</summary>
internal sealed record OnnxTensor(string Name, long[] Dims, OnnxType Type, byte[] Raw)
{
    public static OnnxTensor Floats(string name, long[] dims, float[] values) => Of(name, dims, values, OnnxType.Float, sizeof(float));

    public static OnnxTensor Doubles(string name, long[] dims, double[] values) => Of(name, dims, values, OnnxType.Double, sizeof(double));

    public static OnnxTensor Int32s(string name, long[] dims, int[] values) => Of(name, dims, values, OnnxType.Int32, sizeof(int));

    public static OnnxTensor Int64s(string name, long[] dims, long[] values) => Of(name, dims, values, OnnxType.Int64, sizeof(long));

    // The values' bytes, little-endian, as raw_data.
    private static OnnxTensor Of(string name, long[] dims, Array values, OnnxType type, int size)
    {
        var raw = new byte[values.Length * size];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        return new OnnxTensor(name, dims, type, LittleEndian(raw, size));
    }

    private static byte[] LittleEndian(byte[] raw, int size)
    {
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < raw.Length; i += size) Array.Reverse(raw, i, size);
        return raw;
    }

    // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9.
    public ProtoWriter Encode()
    {
        var w = new ProtoWriter();
        w.PackedInts(1, Dims);
        w.Int(2, (int)Type);
        w.String(8, Name);
        w.Bytes(9, Raw);
        return w;
    }
}

/// <summary>A node attribute: an int, a list of ints, a float or a string.</summary>
internal sealed class OnnxAttribute
{
    private OnnxAttribute(string name, int type) { Name = name; Type = type; }
    public string Name { get; }
    /// <summary>AttributeProto.AttributeType: FLOAT = 1, INT = 2, STRING = 3, INTS = 7.</summary>
    public int Type { get; }
    public long I { get; private init; }
    public float F { get; private init; }
    public string? S { get; private init; }
    public long[]? Ints { get; private init; }

    public static OnnxAttribute Int(string name, long v) => new(name, 2) { I = v };
    public static OnnxAttribute Float(string name, float v) => new(name, 1) { F = v };
    public static OnnxAttribute String(string name, string v) => new(name, 3) { S = v };
    public static OnnxAttribute IntList(string name, params long[] v) => new(name, 7) { Ints = v };

    // AttributeProto: name = 1, f = 2, i = 3, s = 4, ints = 8, type = 20.
    public ProtoWriter Encode()
    {
        var w = new ProtoWriter();
        w.String(1, Name);
        switch (Type)
        {
            case 1: w.Float(2, F); break;
            case 2: w.Int(3, I); break;
            case 3: w.String(4, S!); break;
            case 7: w.PackedInts(8, Ints!); break;
        }
        w.Int(20, Type);
        return w;
    }
}

/// <summary>One operator call: its type (ai.onnx domain), input and output value names and attributes.</summary>
internal sealed record OnnxNode(string OpType, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes, string Name)
{
    // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
    public ProtoWriter Encode()
    {
        var w = new ProtoWriter();
        foreach (var i in Inputs) w.String(1, i);
        foreach (var o in Outputs) w.String(2, o);
        w.String(3, Name);
        w.String(4, OpType);
        foreach (var a in Attributes) w.Message(5, a.Encode());
        return w;
    }
}

/// <summary>A graph input or output: its name, element type and dimensions (null: the symbolic batch dimension).</summary>
internal sealed record OnnxValueInfo(string Name, OnnxType Type, long?[] Dims)
{
    // ValueInfoProto: name = 1, type = 2. TypeProto: tensor_type = 1. TypeProto.Tensor: elem_type = 1, shape = 2.
    // TensorShapeProto: dim = 1. Dimension: dim_value = 1, dim_param = 2.
    public ProtoWriter Encode(string batchName)
    {
        var shape = new ProtoWriter();
        foreach (var d in Dims)
        {
            var dim = new ProtoWriter();
            if (d is { } v) dim.Int(1, v); else dim.String(2, batchName);
            shape.Message(1, dim);
        }
        var tensor = new ProtoWriter();
        tensor.Int(1, (int)Type);
        tensor.Message(2, shape);
        var type = new ProtoWriter();
        type.Message(1, tensor);
        var w = new ProtoWriter();
        w.String(1, Name);
        w.Message(2, type);
        return w;
    }
}

/// <summary>An ONNX model under construction: nodes in topological order, initializers, inputs and outputs.</summary>
internal sealed class OnnxGraph
{
    public List<OnnxNode> Nodes { get; } = new();
    public List<OnnxTensor> Initializers { get; } = new();
    public List<OnnxValueInfo> Inputs { get; } = new();
    public List<OnnxValueInfo> Outputs { get; } = new();

    /// <summary>
    /// Writes the ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7, opset_import = 8
    /// (OperatorSetIdProto: domain = 1, version = 2); GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10,
    /// input = 11, output = 12.
    /// </summary>
    public void Write(Stream stream, string graphName, string docString, long irVersion, long opset, string producerVersion, string batchName)
    {
        var g = new ProtoWriter();
        foreach (var n in Nodes) g.Message(1, n.Encode());
        g.String(2, graphName);
        foreach (var t in Initializers) g.Message(5, t.Encode());
        if (docString.Length > 0) g.String(10, docString);
        foreach (var i in Inputs) g.Message(11, i.Encode(batchName));
        foreach (var o in Outputs) g.Message(12, o.Encode(batchName));

        var opsetId = new ProtoWriter();
        opsetId.String(1, "");
        opsetId.Int(2, opset);

        var m = new ProtoWriter();
        m.Int(1, irVersion);
        m.String(2, "Nabla");
        m.String(3, producerVersion);
        m.Message(7, g);
        m.Message(8, opsetId);
        m.CopyTo(stream);
    }
}
