using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Buffer = Nabla.Rewrites.Schedule.Buffer;

namespace Nabla.Backends.CSharp;

/// <summary>
/// Writes one schedule as two methods: the public typed entry (checks, then runs) and the kernels method, which
/// binds every buffer to an array (input, output, parameter, constant or memory slot) and runs the kernels in order.
/// The per-kind kernel writers are the other parts of this class.
/// </summary>
internal sealed partial class MethodEmitter
{
    // Names used inside kernel blocks; user-derived names avoid them.
    private static readonly Regex Internal = new(@"^(batch|slots|vec|r|c|i|o|l|row|at|n|rows|cols|outer|len|inner|acc|scale|alpha|src|dst|e|(t|in|out|s|col|v|j|d|acc|slot|st|tick)\d+)$");

    // Members and types the emitted code names: a local must not hide them.
    private static readonly string[] Members =
    {
        "Parameters", "Spec", "VectorsEnabled", "CheckNumerics", "Slots", "Prepare", "ThrowBadArray", "CheckFinite", "Run", "Execute",
        "Gemm", "Emitted", "Vector256", "Vector128", "Unsafe", "MemoryMarshal", "BiasMode", "Activation", "Array", "Math", "MathF",
        "ModelSpec", "MethodSpec", "TensorSpec", "SlotSpec", "KernelTicks", "ArgumentOutOfRangeException", "System", "Nabla",
    };

    private readonly ModelEmitter _model;
    private readonly ModelPlan _plan;
    private readonly Schedule _s;
    private readonly EmitOptions _o;
    private readonly DType _type;
    private readonly StorageLayout _layout;
    private readonly List<(Buffer Buffer, string Name)> _inputs = new();
    private readonly List<(string Name, Buffer Buffer, string Id)> _outputs = new();
    private readonly List<(Buffer Buffer, string Local, int Index)> _params = new();
    private readonly Dictionary<int, string> _paramLocal = new(); // model parameter index → local
    private readonly List<(Buffer Buffer, string Field)> _consts = new();

    public MethodEmitter(ModelEmitter model, ModelPlan plan, int index, string name, Schedule s, EmitOptions o)
    {
        _model = model; _plan = plan; Index = index; Name = name; _s = s; _o = o; _type = s.DType;
        var reserved = Members.Concat(plan.Methods.SelectMany(m => new[] { m.Method, m.Method + "Kernels" }));
        // The kernels methods, cut into parts, are named NAMEKernels_0, NAMEKernels_1, …: no array may take those names.
        var parts = plan.Methods.Select(m => m.Method + "Kernels_").ToArray();
        var names = new NameTable(reserved, n => Internal.IsMatch(n) || n.StartsWith("s_const", StringComparison.Ordinal)
            || parts.Any(p => n.StartsWith(p, StringComparison.Ordinal) && n.Length > p.Length && n.Substring(p.Length).All(char.IsDigit)));
        // Where each buffer lives comes from the lowered layer; this only names the arrays.
        _layout = new StorageLayout(s, o.InputOrder, plan);
        foreach (var b in _layout.Inputs) _inputs.Add((b, names.Take(b.Name!)));
        foreach (var (oname, b) in s.Outputs) _outputs.Add((oname, b, names.Take(oname)));
        foreach (var b in _layout.Parameters)
        {
            var local = names.Take(b.Name!);
            int p = _layout.Locate(b).Index;
            _params.Add((b, local, p));
            _paramLocal[p] = local;
        }
        foreach (var b in _layout.Constants) _consts.Add((b, $"s_const{index}_{b.Ref}"));
    }

    /// <summary>The method's index in the model.</summary>
    public int Index { get; }
    /// <summary>The method's name.</summary>
    public string Name { get; }
    private string T => _model.T;
    private string KernelsName => Name + "Kernels";

    /// <summary><c>TrainStep(x[B,40], t[B,10], lr[]) → loss[], logits[B,10]; updates 0.weight, ...</c>.</summary>
    public string Signature =>
        $"{Name}({string.Join(", ", _inputs.Select(i => i.Buffer.Name + i.Buffer.Shape))}) → {string.Join(", ", _outputs.Select(x => x.Name + x.Buffer.Shape))}"
        + (_s.Updates.Count > 0 ? $"; updates {string.Join(", ", _s.Updates.Select(u => u.Name))}" : "");

    /// <summary>The array holding a buffer's storage, named from where the layout puts it.</summary>
    private string Arr(Buffer b)
    {
        var at = _layout.Locate(b);
        return at.Kind switch
        {
            StorageKind.Input => _inputs[at.Index].Name,
            StorageKind.Output => _outputs[at.Index].Id,
            StorageKind.Parameter => _paramLocal[at.Index],
            StorageKind.Constant => _consts[at.Index].Field,
            _ => "slot" + at.Index,
        };
    }

    public void WriteSpec(CodeWriter w, string pad)
    {
        string Tensors(IEnumerable<(string Name, Shape Shape)> ts) =>
            "new TensorSpec[] { " + string.Join(", ", ts.Select(t => $"new TensorSpec({Names.Quote(t.Name)}, {Names.Dims(t.Shape)}{(_s.HoldsIntegers(t.Name) ? ", true" : "")})")) + " }";
        var slots = _s.Slots.Select(sizes =>
            $"new SlotSpec(new long[] {{ {string.Join(", ", sizes.Select(d => d.Factor + "L"))} }}, new int[] {{ {string.Join(", ", sizes.Select(d => d.Power))} }})");
        w.Line($"{pad}new MethodSpec({Names.Quote(Name)},");
        w.Line($"{pad}    {Tensors(_inputs.Select(i => (i.Buffer.Name!, i.Buffer.Shape)))},");
        w.Line($"{pad}    {Tensors(_outputs.Select(x => (x.Name, x.Buffer.Shape)))},");
        w.Line($"{pad}    new string[] {{ {string.Join(", ", _s.Updates.Select(u => Names.Quote(u.Name)))} }},");
        w.Line($"{pad}    new SlotSpec[] {{ {string.Join(", ", slots)} }}),");
    }

    /// <summary>The number of kernels (the length of this method's row of <c>KernelTicks</c> in profiling builds).</summary>
    public int KernelCount => _s.Kernels.Count;

    public void WriteConstants(CodeWriter w)
    {
        foreach (var (b, field) in _consts)
            w.Line($"private static readonly {T}[] {field} = new {T}[] {{ {string.Join(", ", b.Data!.Select(v => Names.Literal(v, _type)))} }};");
        if (_consts.Count > 0) w.Line();
    }

    /// <summary>The call of the kernels method from <c>Execute</c>.</summary>
    public string CoreCall(string inputs, string outputs)
    {
        var args = new List<string> { "batch" };
        args.AddRange(_inputs.Select((_, i) => $"{inputs}[{i}]"));
        args.AddRange(_outputs.Select((_, i) => $"{outputs}[{i}]"));
        args.Add($"Slots({Index})");
        return $"{KernelsName}({string.Join(", ", args)})";
    }

    public void WriteTyped(CodeWriter w)
    {
        var ps = new List<string> { "int batch" };
        ps.AddRange(_inputs.Select(i => $"{T}[] {i.Name}"));
        ps.AddRange(_outputs.Select(x => $"{T}[] {x.Id}"));
        w.Line($"/// <summary>");
        w.Line($"/// {ModelEmitter.Xml(Signature)}.");
        w.Line($"/// Arrays hold at least their shape's size at <paramref name=\"batch\"/> (B); outputs are overwritten.");
        w.Line($"/// </summary>");
        using (w.Block($"public void {Name}({string.Join(", ", ps)})"))
        {
            w.Line($"{T}[][] slots = Prepare({Index}, batch);");
            for (int i = 0; i < _inputs.Count; i++)
                w.Line($"if ({_inputs[i].Name} is null || {_inputs[i].Name}.Length < {Names.LongSize(_inputs[i].Buffer.Size)}) ThrowBadArray({Index}, false, {i}, {_inputs[i].Name}, batch);");
            for (int i = 0; i < _outputs.Count; i++)
                w.Line($"if ({_outputs[i].Id} is null || {_outputs[i].Id}.Length < {Names.LongSize(_outputs[i].Buffer.Size)}) ThrowBadArray({Index}, true, {i}, {_outputs[i].Id}, batch);");
            w.Line($"{KernelsName}({KernelArgs()});");
            w.Line($"if (CheckNumerics) CheckFinite({Index}, batch, new {T}[][] {{ {string.Join(", ", _outputs.Select(x => x.Id))} }});");
        }
    }

    /// <summary>
    /// The kernels in parts of about <see cref="EmitOptions.MethodBudget"/> instructions: one part (the common case) is the kernels
    /// method itself; more become private methods it calls in order, so no method outgrows what the compilers handle
    /// well (a method may hold 65,534 locals, and Roslyn's flow analysis grows faster than a method's length).
    /// </summary>
    private List<List<Kernel>> Parts()
    {
        var parts = new List<List<Kernel>> { new() };
        int weight = 0;
        foreach (var k in _s.Kernels)
        {
            int w = k is ElementwiseKernel e ? e.Body.Instrs.Count : 16;
            if (weight > 0 && weight + w > _o.MethodBudget) { parts.Add(new List<Kernel>()); weight = 0; }
            parts[parts.Count - 1].Add(k);
            weight += w;
        }
        return parts;
    }

    public void WriteKernels(CodeWriter w)
    {
        var ps = new List<string> { "int batch" };
        ps.AddRange(_inputs.Select(i => $"{T}[] {i.Name}"));
        ps.AddRange(_outputs.Select(x => $"{T}[] {x.Id}"));
        ps.Add($"{T}[][] slots");
        var parts = Parts();
        w.Line($"/// <summary>The {_s.Kernels.Count} kernels of {Name}; arrays are checked by the caller.</summary>");
        if (parts.Count == 1) { WritePart(w, KernelsName, ps, parts[0], listing: true); return; }
        using (w.Block($"private void {KernelsName}({string.Join(", ", ps)})"))
        {
            WriteListing(w);
            WriteBufferMap(w);
            for (int i = 0; i < parts.Count; i++) w.Line($"{KernelsName}_{i}({KernelArgs()});");
        }
        for (int i = 0; i < parts.Count; i++)
        {
            w.Line();
            w.Line($"/// <summary>Kernels k{parts[i][0].Id}–k{parts[i][parts[i].Count - 1].Id} of {Name} (part {i + 1} of {parts.Count}).</summary>");
            WritePart(w, $"{KernelsName}_{i}", ps, parts[i], listing: false);
        }
    }

    // The whole IR the schedule came from, when asked (EmitOptions.IrListing).
    private void WriteListing(CodeWriter w)
    {
        if (_o.IrListing) w.Comment($"IR of {Name} (the %N of the kernel comments below):\n" + Printer.Print(_s.Source).TrimEnd());
    }

    private void WriteBufferMap(CodeWriter w) => w.Comment("Buffers:\n" + string.Join("\n", _s.Buffers.Select(b => $"  {b} -> {Arr(b)}")));

    // The arguments of a call of the kernels method (or of one of its parts) from a method that holds them by name.
    private string KernelArgs() => string.Join(", ", new[] { "batch" }.Concat(_inputs.Select(i => i.Name)).Concat(_outputs.Select(x => x.Id)).Append("slots"));

    private void WritePart(CodeWriter w, string name, List<string> ps, List<Kernel> kernels, bool listing)
    {
        // Optimized at the first call: a training step calls each part once, so tiering would run it unoptimized for
        // its first 30 steps and then recompile it on a background thread that competes with the step's own threads.
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block($"private void {name}({string.Join(", ", ps)})"))
        {
            if (listing) WriteListing(w);
            w.Line("bool vec = VectorsEnabled;");
            foreach (var (b, local, idx) in _params) w.Line($"{T}[] {local} = Parameters[{idx}]; // {b}");
            for (int i = 0; i < _s.Slots.Count; i++) w.Line($"{T}[] slot{i} = slots[{i}]; // holds {string.Join(" | ", _s.Slots[i])} elements");
            if (listing) WriteBufferMap(w);
            foreach (var k in kernels)
            {
                w.Line();
                w.Line($"// k{k.Id}: {k}");
                if (_o.IrComments) foreach (var n in k.Nodes) w.Line("//   " + Printer.Line(n));
                if (_o.ProfileKernels) w.Line($"long tick{k.Id} = System.Diagnostics.Stopwatch.GetTimestamp();");
                switch (k)
                {
                    case ElementwiseKernel e: Loop(w, e); break;
                    case ReduceKernel r: Reduce(w, r); break;
                    case GemmKernel g: Gemm(w, g); break;
                    case DenseBackwardKernel d: DenseBackward(w, d); break;
                    case ProductCol2ImKernel pc: ProductCol2Im(w, pc); break;
                    case WindowProductKernel wp: WindowProduct(w, wp); break;
                    case NormalizeKernel n: Normalize(w, n); break;
                    case CopyKernel c: Copy(w, c); break;
                    case WindowKernel wk: Window(w, wk); break;
                    case MoveKernel mk: Move(w, mk); break;
                    case IndexKernel ik: IndexOp(w, ik); break;
                    case PoolKernel pk: Pool(w, pk); break;
                    default: throw new NotSupportedException($"The C# emitter has no rule for kernel {k.GetType().Name} ({k}).");
                }
                if (_o.ProfileKernels) w.Line($"KernelTicks[{Index}][{k.Id}] += System.Diagnostics.Stopwatch.GetTimestamp() - tick{k.Id};");
            }
        }
    }

    /// <summary>A scalar term computed in double and rounded to the element type: <c>(float)(-1d * lr[0] / batch)</c>.</summary>
    private string Term(ScalarTerm t)
    {
        var s = Names.Double(t.Constant);
        for (int i = 0; i < t.BatchPower; i++) s += " * batch";
        for (int i = 0; i > t.BatchPower; i--) s += " / batch";
        foreach (var f in t.Factors) s += $" * {Arr(f)}[0]";
        return $"({T})({s})";
    }

    private string Lit(double v) => Names.Literal(v, _type);
}
