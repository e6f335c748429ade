using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Ir;

/// <summary>The values a <see cref="Function"/> computed: its outputs and the new values of the parameters it updates.</summary>
public sealed class RunResult
{
    /// <summary>Creates a result from output and update values (executors other than the interpreter build these too).</summary>
    public RunResult(Dictionary<string, Tensor> outputs, Dictionary<string, Tensor> updates) { Outputs = outputs; Updates = updates; }
    /// <summary>Output name → value.</summary>
    public IReadOnlyDictionary<string, Tensor> Outputs { get; }
    /// <summary>Parameter name → new value.</summary>
    public IReadOnlyDictionary<string, Tensor> Updates { get; }
    /// <summary>The output called <paramref name="name"/>.</summary>
    public Tensor this[string name] => Outputs[name];
}

/// <summary>
/// The reference interpreter: evaluates any graph on plain arrays, one node at a time, in float64 — or
/// in float32, rounding every input, constant and result to the nearest float. It is the semantic oracle
/// that every rewrite and backend is tested against, so it favours obviousness over speed.
/// </summary>
public static partial class Interpreter
{
    /// <summary>
    /// Runs <paramref name="f"/> with <paramref name="bindings"/> (input and parameter name → value).
    /// The batch size is read from the bound tensors (or given by <paramref name="batch"/>).
    /// </summary>
    public static RunResult Run(Function f, IReadOnlyDictionary<string, Tensor> bindings, DType precision = DType.F64, int? batch = null)
    {
        var values = Evaluate(f.Roots, bindings, precision, batch);
        return new RunResult(
            f.Outputs.ToDictionary(o => o.Name, o => values[o.Node]),
            f.Updates.ToDictionary(u => u.Name, u => values[u.Node]));
    }

    /// <summary>Evaluates every node reachable from <paramref name="roots"/>; returns the value of each.</summary>
    public static Dictionary<Node, Tensor> Evaluate(IEnumerable<Node> roots, IReadOnlyDictionary<string, Tensor> bindings, DType precision = DType.F64, int? batch = null)
    {
        var nodes = Topo.Reachable(roots);
        int b = BatchOf(nodes, bindings, batch);
        bool f32 = precision == DType.F32;
        var values = new Dictionary<Node, Tensor>();
        foreach (var n in nodes)
        {
            Tensor t;
            try { t = Eval(n, values, bindings, b); }
            catch (Exception e) when (e is not ArgumentException)
            {
                throw new InvalidOperationException($"Interpreter failed at {n.Describe()} ({Printer.Line(n)}): {e.Message}", e);
            }
            if (f32)
            {
                var d = t.Data;
                for (int i = 0; i < d.Length; i++) d[i] = (float)d[i];
            }
            values[n] = t;
        }
        return values;
    }

    /// <summary>
    /// Evaluates the single non-leaf node <paramref name="n"/> on given input values (used by executors of
    /// lowered code that reuse the reference semantics of one op).
    /// </summary>
    public static Tensor EvalNode(Node n, IReadOnlyList<Tensor> inputs, int batch)
    {
        if (n.IsLeaf) throw new ArgumentException($"EvalNode needs an op with inputs, not the leaf {n.Describe()}.");
        if (inputs.Count != n.Inputs.Count) throw new ArgumentException($"{n.Describe()} takes {n.Inputs.Count} inputs, got {inputs.Count}.");
        var values = new Dictionary<Node, Tensor>();
        for (int i = 0; i < inputs.Count; i++) values[n.InputArray[i]] = inputs[i];
        return Eval(n, values, new Dictionary<string, Tensor>(), batch);
    }

    private static int BatchOf(IReadOnlyList<Node> nodes, IReadOnlyDictionary<string, Tensor> bindings, int? given)
    {
        int? batch = given;
        string? from = given.HasValue ? "the batch argument" : null;
        foreach (var n in nodes)
        {
            if (n.Op != Op.Input && n.Op != Op.Param) continue;
            if (!bindings.TryGetValue(n.Name!, out var t))
                throw new ArgumentException($"No value bound for {n.Op.Name} \"{n.Name}\" ({n.DType.ShortName()}{n.Shape}).");
            if (t.Rank != n.Shape.Rank) throw Mismatch(n, t);
            for (int i = 0; i < t.Rank; i++)
            {
                if (n.Shape[i] == Shape.Batch)
                {
                    if (batch is null) { batch = t.Shape[i]; from = $"\"{n.Name}\""; }
                    else if (batch != t.Shape[i])
                        throw new ArgumentException($"Batch size disagreement: {from} gives {batch}, \"{n.Name}\" has shape [{string.Join(",", t.Shape)}] for {n.Shape}.");
                }
                else if (n.Shape[i] != t.Shape[i]) throw Mismatch(n, t);
            }
        }
        return batch ?? 1;
    }

    private static ArgumentException Mismatch(Node n, Tensor t) =>
        new($"{n.Op.Name} \"{n.Name}\" expects shape {n.Shape}, got [{string.Join(",", t.Shape)}].");

    private static Tensor Eval(Node n, Dictionary<Node, Tensor> v, IReadOnlyDictionary<string, Tensor> bindings, int batch)
    {
        var outShape = n.Shape.Concrete(batch);
        if (n.Op.Kind != OpKind.Leaf)
        {
            var kernel = n.Op.Reference ?? throw new InvalidOperationException($"The op registry has no reference kernel for {n.Op.Name}.");
            return kernel(n, n.InputArray.Select(i => v[i]).ToArray(), outShape);
        }
        if (n.Op == Op.Const)
            return n.Attrs.Data is null ? Tensor.Scalar(n.Attrs.Value) : new Tensor(outShape, (double[])n.Attrs.Data.Clone());
        if (n.Op == Op.BatchSize) return Tensor.Scalar(batch);
        // A copy: results never alias the caller's arrays (an output may be an input, or a reshape of one).
        var bound = bindings[n.Name!];
        return new Tensor((int[])bound.Shape.Clone(), (double[])bound.Data.Clone());
    }
}
