using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Onnx;

/// <summary>
/// Maps an inference <see cref="Function"/> (built-in IR ops only, after <see cref="Op.Inline"/>) to an ONNX graph,
/// one IR node at a time, plus three peepholes that give ONNX Runtime its native operators where the IR spells them
/// out: <c>matmul(W, im2col(x))</c> (and the grouped form, batched over the groups) becomes <c>Conv</c>;
/// <c>reduce_max</c> over im2col windows (with the −∞ mask of padded max pooling) becomes <c>MaxPool</c>; <c>mean</c>
/// over them becomes <c>AveragePool</c> (padding counted, as Nabla's mean counts the zeros). Anything else that reads
/// windows goes through a generic im2col (a grouped convolution with one-hot kernels).
/// </summary>
internal sealed class OnnxConverter
{
    private readonly Func<string, Shape, float[]> _parameters;
    private readonly OnnxGraph _g = new();
    private readonly Dictionary<Node, string> _value = new();
    private readonly Dictionary<Node, Pattern> _patterns = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private (string Input, int Axis)? _batchSource;
    private string? _batchDim;
    private int _counter;

    private OnnxConverter(Func<string, Shape, float[]> parameters) { _parameters = parameters; }

    /// <summary>The ONNX graph of <paramref name="f"/>; <paramref name="parameters"/> gives a parameter's values by name.</summary>
    public static OnnxGraph Convert(Function f, Func<string, Shape, float[]> parameters)
    {
        var c = new OnnxConverter(parameters);
        c.Run(f);
        return c._g;
    }

    private abstract record Pattern(Node[] Deps);
    private sealed record ConvPattern(Node X, Node W, WindowAttrs Window, int Groups, int[] WeightShape) : Pattern(new[] { X, W });
    private sealed record PoolPattern(Node X, WindowAttrs Window, bool Max) : Pattern(new[] { X });

    private void Run(Function f)
    {
        if (f.Updates.Count > 0) throw new OnnxExportException($"the function updates {f.Updates.Count} parameter(s) ({f.Updates[0].Name}, ...); only an inference (forward) function can be exported", null, null);
        var all = f.Nodes();
        foreach (var n in all) CheckSupported(n);
        foreach (var n in all) FindPattern(n);

        // What the outputs need, reading a matched pattern's own inputs instead of the IR nodes it replaces.
        var need = new HashSet<Node>();
        var stack = new Stack<Node>(f.Outputs.Select(o => o.Node));
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!need.Add(n)) continue;
            foreach (var d in _patterns.TryGetValue(n, out var p) ? p.Deps : (IEnumerable<Node>)n.Inputs) stack.Push(d);
        }
        var inputs = all.Where(n => n.Op == Op.Input).ToArray();
        var batchInput = inputs.FirstOrDefault(n => n.Shape.HasBatch);
        if (batchInput is not null) _batchSource = (batchInput.Name!, Array.IndexOf(batchInput.Shape.ToArray(), Shape.Batch));
        // Every input the outputs read is a graph input, in id order.
        foreach (var n in inputs)
        {
            Reserve(n.Name!, n);
            _g.Inputs.Add(new OnnxValueInfo(n.Name!, TypeOf(n), Dims(n.Shape)));
            _value[n] = n.Name!;
        }
        foreach (var n in all)
            if (need.Contains(n) && n.Op != Op.Input) _value[n] = Emit(n);
        foreach (var o in f.Outputs)
        {
            Reserve(o.Name, o.Node);
            Add("Identity", new[] { _value[o.Node] }, Array.Empty<OnnxAttribute>(), o.Name);
            _g.Outputs.Add(new OnnxValueInfo(o.Name, TypeOf(o.Node), Dims(o.Node.Shape)));
        }
    }

    // ---- checks ----

    private static void CheckSupported(Node n)
    {
        if (n.Op.IsKernel)
            throw Unsupported(n, $"kernel op '{n.Op.Name}' (Op.DefineElementwise) computes with the C# method {n.Op.KernelMethod}, which has no ONNX form; write the op with Op.Define in built-in ops to export it");
        if (n.Op.IsCustom)
            throw Unsupported(n, $"custom op '{n.Op.Name}' was not inlined");
        if (n.Op == Op.ScatterAdd || n.Op == Op.Col2Im || n.Op == Op.MaxPoolGrad)
            throw Unsupported(n, $"op '{n.Op.Name}' (a gradient's op) has no ONNX mapping in the exporter");
        if (n.Op == Op.Pad && n.Attr<PadAttrs>().Interior.Any(i => i != 0))
            throw Unsupported(n, "op 'pad' with interior padding has no ONNX form");
        if (n.Shape.BatchCount > 1)
            throw Unsupported(n, $"op '{n.Op.Name}' gives {n.Shape}, with the batch dimension twice");
    }

    private static OnnxExportException Unsupported(Node n, string why) =>
        new($"{why} (node {n.Describe()}{(n.Label is null ? "" : $", layer {n.Label}")})", n.Op.Name, n.Label);

    // ---- patterns ----

    private void FindPattern(Node n)
    {
        if (n.Op == Op.MatMul) FindConv(n);
        else if ((n.Op == Op.ReduceMax || n.Op == Op.Mean) && n.A.Op == Op.Reshape) FindPool(n);
    }

    private void FindConv(Node n)
    {
        Node a = n.A, b = n.B;
        // groups = 1: W [O, C·k] · im2col(x) [N, C·k, L].
        if (b.Op == Op.Im2Col && a.Shape.Rank == 2 && !a.Shape.HasBatch)
        {
            var w = b.Attr<WindowAttrs>();
            int c = b.A.Shape[1];
            _patterns[n] = new ConvPattern(b.A, a, w, 1, new[] { a.Shape[0], c, w.KernelH, w.KernelW });
            return;
        }
        // groups = G: broadcast(W [G, og, ck]) [N, G, og, ck] · reshape(im2col(x)) [N, G, ck, L].
        if (a.Op == Op.Broadcast && a.A.Shape.Rank == 3 && !a.A.Shape.HasBatch && b.Op == Op.Reshape && b.A.Op == Op.Im2Col
            && b.Shape.Rank == 4 && n.Shape.Rank == 4 && a.Shape.Rank == 4 && a.Shape[0] == b.Shape[0] && b.Shape[0] == b.A.Shape[0])
        {
            var cols = b.A;
            var w = cols.Attr<WindowAttrs>();
            int g = a.A.Shape[0], og = a.A.Shape[1], ck = a.A.Shape[2], taps = w.KernelH * w.KernelW;
            int c = cols.A.Shape[1];
            if (b.Shape[1] == g && b.Shape[2] == ck && c % g == 0 && ck == c / g * taps)
                _patterns[n] = new ConvPattern(cols.A, a.A, w, g, new[] { g * og, c / g, w.KernelH, w.KernelW });
        }
    }

    private void FindPool(Node n)
    {
        // reduce_max/mean over axis 2 of reshape(cols [N, C·k, L]) [N, C, k, L], cols = im2col(x) or, for max pooling with
        // padding, where(im2col(ones), im2col(x), −∞).
        var axes = n.Attr<AxesAttrs>();
        if (axes.KeepDims || axes.Axes.Length != 1 || axes.Axes[0] != 2 || n.A.Shape.Rank != 4) return;
        var cols = n.A.A;
        bool masked = false;
        if (n.Op == Op.ReduceMax && cols.Op == Op.Where && cols.B.Op == Op.Im2Col && cols.A.Op == Op.Im2Col
            && cols.C.IsConst && cols.C.Attrs.Data is null && double.IsNegativeInfinity(cols.C.Attrs.Value)
            && cols.A.Attrs.Equals(cols.B.Attrs) && IsOnes(cols.A.A))
        {
            cols = cols.B; masked = true;
        }
        if (cols.Op != Op.Im2Col) return;
        var w = cols.Attr<WindowAttrs>();
        var x = cols.A;
        int c = x.Shape[1], taps = w.KernelH * w.KernelW;
        var r = n.A.Shape;
        if (r[0] != x.Shape[0] || r[1] != c || r[2] != taps || r[3] != cols.Shape[2]) return;
        bool padded = w.PadH > 0 || w.PadW > 0;
        if (n.Op == Op.ReduceMax && padded && !masked) return; // max over zero padding is not MaxPool's
        if (n.Op == Op.Mean && w.IsDilated) return;            // AveragePool takes dilations from opset 19 only
        _patterns[n] = new PoolPattern(x, w, n.Op == Op.ReduceMax);
    }

    private static bool IsOnes(Node n) =>
        n.Op == Op.Broadcast ? IsOnes(n.A) : n.IsConst && n.Attrs.Data is null && n.Attrs.Value == 1;

    // ---- emission ----

    private string Emit(Node n)
    {
        if (_patterns.TryGetValue(n, out var p)) return p is ConvPattern cp ? EmitConv(n, cp) : EmitPool(n, (PoolPattern)p);
        var op = n.Op;
        if (op == Op.Param) return EmitParam(n);
        if (op == Op.Const) return EmitConst(n);
        if (op == Op.BatchSize) return Add("Cast", new[] { Add("Gather", new[] { ShapeOfBatchInput(n), Int64Scalar(BatchAxis(n)) }, Array.Empty<OnnxAttribute>()) }, new[] { To(n.DType) });
        if (Direct.TryGetValue(op.Name, out var onnx)) return Add(onnx, Values(n), Array.Empty<OnnxAttribute>());
        string x = _value.TryGetValue(n.Inputs.Count > 0 ? n.A : n, out var xv) ? xv : "";
        switch (op.Name)
        {
            case "log1p": return Add("Log", new[] { Add("Add", new[] { x, Scalar(1, n.DType) }) });
            case "expm1": return Add("Sub", new[] { Add("Exp", new[] { x }), Scalar(1, n.DType) });
            case "step": return Compare("Greater", n, x, Scalar(0, n.A.DType));
            case "gt": return Compare("Greater", n, x, _value[n.B]);
            case "ge": return Compare("GreaterOrEqual", n, x, _value[n.B]);
            case "eq": return Compare("Equal", n, x, _value[n.B]);
            case "where":
                var nonzero = Add("Not", new[] { Add("Equal", new[] { x, Scalar(0, n.A.DType) }) });
                return Add("Where", new[] { nonzero, _value[n.B], _value[n.C] });
            case "sum": return Reduce(n, "ReduceSum", x, axesAsInput: true);
            case "mean": return Reduce(n, "ReduceMean", x, axesAsInput: false);
            case "reduce_max": return Reduce(n, "ReduceMax", x, axesAsInput: false);
            case "reshape": return Reshape(x, n.Shape);
            case "transpose": return Add("Transpose", new[] { x }, OnnxAttribute.IntList("perm", n.Attr<PermutationAttrs>().Perm.Select(v => (long)v).ToArray()));
            case "broadcast": return Add("Expand", new[] { x, ShapeTensor(n.Shape, n) });
            case "matmul": return Add("MatMul", new[] { x, _value[n.B] });
            case "softmax": return Add("Softmax", new[] { x }, OnnxAttribute.Int("axis", n.Attr<AxisAttrs>().Axis));
            case "log_softmax": return Add("LogSoftmax", new[] { x }, OnnxAttribute.Int("axis", n.Attr<AxisAttrs>().Axis));
            case "logsumexp":
                var la = n.Attr<AxisAttrs>();
                return Add("ReduceLogSumExp", new[] { x }, OnnxAttribute.IntList("axes", la.Axis), OnnxAttribute.Int("keepdims", la.KeepDims ? 1 : 0));
            case "im2col": return Im2Col(n, x);
            case "max_pool": return Add("MaxPool", new[] { x }, WindowAttributes(n.Attr<WindowAttrs>()).ToArray()); // [N, C, OH, OW], −∞ padding as the IR's
            case "slice": return Slice(n, x);
            case "concat": return Add("Concat", Values(n), OnnxAttribute.Int("axis", n.Attr<AxisAttrs>().Axis));
            case "pad": return Pad(n, x);
            case "cast": return Add("Cast", new[] { x }, To(n.Attr<CastAttrs>().Type));
            case "gather": return Add("Gather", new[] { x, _value[n.B] }, OnnxAttribute.Int("axis", n.Attr<IndexAttrs>().Axis));
            case "one_hot":
                var ia = n.Attr<IndexAttrs>();
                var values = Initializer(n.DType, new long[] { 2 }, new[] { 0.0, 1.0 });
                // int64 indices and depth: the combination every runtime implements (ORT has no int32-index, int64-depth kernel).
                var indices = Add("Cast", new[] { x }, OnnxAttribute.Int("to", (int)OnnxType.Int64));
                return Add("OneHot", new[] { indices, Int64Scalar(ia.Size), values }, OnnxAttribute.Int("axis", -1));
        }
        throw Unsupported(n, $"op '{op.Name}' has no ONNX mapping in the exporter");
    }

    /// <summary>IR ops that are one ONNX operator with the same inputs (ONNX broadcasts binary operators as NumPy does, as the IR does).</summary>
    private static readonly Dictionary<string, string> Direct = new(StringComparer.Ordinal)
    {
        ["neg"] = "Neg", ["exp"] = "Exp", ["log"] = "Log", ["sqrt"] = "Sqrt", ["abs"] = "Abs", ["sin"] = "Sin", ["cos"] = "Cos",
        ["tanh"] = "Tanh", ["sigmoid"] = "Sigmoid", ["relu"] = "Relu", ["sign"] = "Sign", ["softplus"] = "Softplus",
        ["add"] = "Add", ["sub"] = "Sub", ["mul"] = "Mul", ["div"] = "Div", ["pow"] = "Pow", ["max"] = "Max", ["min"] = "Min",
    };

    private string Compare(string onnx, Node n, string a, string b) => Add("Cast", new[] { Add(onnx, new[] { a, b }) }, To(n.DType));

    private string Reduce(Node n, string onnx, string x, bool axesAsInput)
    {
        var a = n.Attr<AxesAttrs>();
        if (a.Axes.Length == 0) return Add("Identity", new[] { x }); // no axes: the IR reduces nothing; ONNX would reduce all
        var keep = OnnxAttribute.Int("keepdims", a.KeepDims ? 1 : 0);
        var axes = a.Axes.Select(v => (long)v).ToArray();
        return axesAsInput ? Add(onnx, new[] { x, Int64s(axes) }, keep) : Add(onnx, new[] { x }, OnnxAttribute.IntList("axes", axes), keep);
    }

    private string Slice(Node n, string x)
    {
        var r = n.Attr<SliceAttrs>().Resolve(n.A.Shape, out var error) ?? throw Unsupported(n, $"the slice does not fit its input: {error}");
        var starts = new List<long>(); var ends = new List<long>(); var axes = new List<long>(); var steps = new List<long>();
        var dims = n.A.Shape;
        for (int i = 0; i < r.Length; i++)
        {
            var (start, step, count) = r[i];
            if (dims[i] == Shape.Batch || (start == 0 && step == 1 && count == dims[i])) continue;
            starts.Add(start); ends.Add(count == 0 ? start : start + (long)(count - 1) * step + 1); axes.Add(i); steps.Add(step);
        }
        if (axes.Count == 0) return Add("Identity", new[] { x });
        return Add("Slice", new[] { x, Int64s(starts.ToArray()), Int64s(ends.ToArray()), Int64s(axes.ToArray()), Int64s(steps.ToArray()) });
    }

    private string Pad(Node n, string x)
    {
        var a = n.Attr<PadAttrs>();
        if (a.IsEmpty) return Add("Identity", new[] { x });
        var pads = a.Before.Concat(a.After).Select(v => (long)v).ToArray();
        return Add("Pad", new[] { x, Int64s(pads), Scalar(a.Fill, n.DType) }, OnnxAttribute.String("mode", "constant"));
    }

    private static OnnxAttribute[] WindowAttributes(WindowAttrs w) => new[]
    {
        OnnxAttribute.IntList("kernel_shape", w.KernelH, w.KernelW),
        OnnxAttribute.IntList("strides", w.StrideH, w.StrideW),
        OnnxAttribute.IntList("pads", w.PadH, w.PadW, w.PadH, w.PadW),
        OnnxAttribute.IntList("dilations", w.DilationH, w.DilationW),
    };

    private string EmitConv(Node n, ConvPattern p)
    {
        var weight = Reshape(_value[p.W], new Shape(p.WeightShape));
        var attrs = WindowAttributes(p.Window).Append(OnnxAttribute.Int("group", p.Groups)).ToArray();
        var y = Add("Conv", new[] { _value[p.X], weight }, attrs); // [N, O, OH, OW]
        return Reshape(y, n.Shape);
    }

    private string EmitPool(Node n, PoolPattern p)
    {
        var w = p.Window;
        var attrs = WindowAttributes(w).ToList();
        if (!p.Max)
        {
            // AveragePool takes no dilations before opset 19 (FindPool leaves dilated means to the generic path); the IR's
            // mean counts padded zeros, as count_include_pad = 1 does.
            attrs.RemoveAt(3);
            attrs.Add(OnnxAttribute.Int("count_include_pad", 1));
        }
        var y = Add(p.Max ? "MaxPool" : "AveragePool", new[] { _value[p.X] }, attrs.ToArray()); // [N, C, OH, OW]
        return Reshape(y, n.Shape);
    }

    /// <summary>
    /// im2col as a grouped convolution with one-hot kernels: output channel c·k + t copies tap t of channel c (exact:
    /// each output is one input times 1 plus zeros; an infinite or NaN input would spread NaN to its neighbours' windows).
    /// </summary>
    private string Im2Col(Node n, string x)
    {
        var w = n.Attr<WindowAttrs>();
        var s = n.A.Shape;
        int c = s[1], taps = w.KernelH * w.KernelW;
        var kernel = new double[c * taps * taps];
        for (int ch = 0; ch < c; ch++)
            for (int t = 0; t < taps; t++) kernel[(ch * taps + t) * taps + t] = 1;
        var weights = Initializer(n.DType, new long[] { c * taps, 1, w.KernelH, w.KernelW }, kernel);
        var attrs = WindowAttributes(w).Append(OnnxAttribute.Int("group", c)).ToArray();
        var y = Add("Conv", new[] { x, weights }, attrs);
        int oh = w.OutH(s[2]), ow = w.OutW(s[3]);
        return Reshape(y, new Shape(s[0], c * taps, oh * ow));
    }

    private string EmitParam(Node n)
    {
        var name = n.Name!;
        float[] values;
        try { values = _parameters(name, n.Shape); }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
        {
            throw new OnnxExportException($"parameter '{name}' {n.Shape}: {e.Message}", null, n.Label, e);
        }
        if (values is null || values.Length != n.Shape.StaticSize)
            throw new OnnxExportException($"parameter '{name}' {n.Shape} needs {n.Shape.StaticSize} values, got {values?.Length ?? 0}", null, n.Label);
        Reserve(name, n);
        var dims = n.Shape.Dims.Select(d => (long)d).ToArray();
        _g.Initializers.Add(n.DType switch
        {
            DType.F32 => OnnxTensor.Floats(name, dims, values),
            DType.F64 => OnnxTensor.Doubles(name, dims, values.Select(v => (double)v).ToArray()),
            _ => throw Unsupported(n, $"parameter '{name}' is {n.DType.ShortName()}; parameters are float"),
        });
        return name;
    }

    private string EmitConst(Node n)
    {
        var data = n.Attrs.Data;
        if (data is null) return Scalar(n.Attrs.Value, n.DType);
        return Initializer(n.DType, n.Shape.Dims.Select(d => (long)d).ToArray(), data);
    }

    // ---- shapes ----

    private string Reshape(string x, Shape target)
    {
        bool zero = target.Dims.Any(d => d == 0);
        if (!zero && target.BatchCount <= 1)
            return Add("Reshape", new[] { x, Int64s(target.Dims.Select(d => d == Shape.Batch ? -1L : d).ToArray()) });
        return Add("Reshape", new[] { x, ShapeTensor(target, null) }, OnnxAttribute.Int("allowzero", 1));
    }

    /// <summary>A 1-D int64 tensor holding <paramref name="s"/>, the batch dimension read from the batch input at run time.</summary>
    private string ShapeTensor(Shape s, Node? at)
    {
        if (!s.HasBatch) return Int64s(s.Dims.Select(d => (long)d).ToArray());
        var parts = new List<string>();
        var run = new List<long>();
        foreach (var d in s.Dims)
        {
            if (d != Shape.Batch) { run.Add(d); continue; }
            if (run.Count > 0) { parts.Add(Int64s(run.ToArray())); run.Clear(); }
            parts.Add(BatchDim(at));
        }
        if (run.Count > 0) parts.Add(Int64s(run.ToArray()));
        return parts.Count == 1 ? parts[0] : Add("Concat", parts.ToArray(), OnnxAttribute.Int("axis", 0));
    }

    private string BatchDim(Node? at)
    {
        if (_batchDim is not null) return _batchDim;
        var (input, axis) = _batchSource ?? throw new OnnxExportException($"{(at is null ? "a shape" : at.Describe())} needs the batch size, but no input has the batch dimension", at?.Op.Name, at?.Label);
        return _batchDim = Add("Shape", new[] { input }, OnnxAttribute.Int("start", axis), OnnxAttribute.Int("end", axis + 1));
    }

    private string ShapeOfBatchInput(Node at)
    {
        var (input, _) = _batchSource ?? throw Unsupported(at, "the batch size is read, but no input has the batch dimension");
        return Add("Shape", new[] { input });
    }

    private int BatchAxis(Node at) => (_batchSource ?? throw Unsupported(at, "no input has the batch dimension")).Axis;

    private static long?[] Dims(Shape s) => s.Dims.Select(d => d == Shape.Batch ? (long?)null : d).ToArray();

    // ---- values ----

    private string[] Values(Node n) => n.Inputs.Select(i => _value[i]).ToArray();

    private string Add(string opType, string[] inputs, params OnnxAttribute[] attrs) => Add(opType, inputs, attrs, Fresh(opType));

    private string Add(string opType, string[] inputs, OnnxAttribute[] attrs, string output)
    {
        _g.Nodes.Add(new OnnxNode(opType, inputs, new[] { output }, attrs, output));
        return output;
    }

    private string Fresh(string hint)
    {
        string name;
        do name = $"{hint}_{_counter++.ToString(CultureInfo.InvariantCulture)}"; while (!_names.Add(name));
        return name;
    }

    private void Reserve(string name, Node n)
    {
        if (!_names.Add(name))
            throw new OnnxExportException($"the name '{name}' ({n.Describe()}) is used twice in the ONNX graph (an input, parameter or output name repeated)", null, n.Label);
    }

    private string Int64s(long[] values) => Add(OnnxTensor.Int64s(Fresh("i64"), new long[] { values.Length }, values));
    private string Int64Scalar(long value) => Add(OnnxTensor.Int64s(Fresh("i64"), Array.Empty<long>(), new[] { value }));
    private string Scalar(double value, DType type) => Initializer(type, Array.Empty<long>(), new[] { value });

    private string Initializer(DType type, long[] dims, double[] values)
    {
        var name = Fresh("const");
        return Add(type switch
        {
            DType.F32 => OnnxTensor.Floats(name, dims, values.Select(v => (float)v).ToArray()),
            DType.F64 => OnnxTensor.Doubles(name, dims, values),
            _ => OnnxTensor.Int32s(name, dims, values.Select(v => checked((int)v)).ToArray()),
        });
    }

    private string Add(OnnxTensor t) { _g.Initializers.Add(t); return t.Name; }

    private static OnnxAttribute To(DType t) => OnnxAttribute.Int("to", (int)OnnxTypeOf(t));
    private static OnnxType TypeOf(Node n) => OnnxTypeOf(n.DType);
    internal static OnnxType OnnxTypeOf(DType t) => t switch { DType.F32 => OnnxType.Float, DType.F64 => OnnxType.Double, _ => OnnxType.Int32 };
}
