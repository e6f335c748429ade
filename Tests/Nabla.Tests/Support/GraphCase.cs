using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Nabla.Ir;

namespace Nabla.Tests.Support;

/// <summary>
/// One generated test case: a <see cref="Ir.Function"/> with one output <c>y</c>, values for every input and
/// parameter it reads, and the run-time batch size. <see cref="ToString"/> shows the graph in printer form and every
/// bound value, so a failing FsCheck property prints the shrunk case in full.
/// </summary>
public sealed class GraphCase
{
    internal GraphCase(int[] recipe, GraphOptions options, Function function, Dictionary<string, Tensor> bindings, int batch)
    {
        Recipe = recipe; Options = options; Function = function; Bindings = bindings; Batch = batch;
    }

    /// <summary>The recipe the case was built from (FsCheck shrinks this).</summary>
    public int[] Recipe { get; }

    /// <summary>The options it was built with.</summary>
    public GraphOptions Options { get; }

    /// <summary>The function; its only output is <c>y</c>.</summary>
    public Function Function { get; }

    /// <summary>The graph holding the function's nodes.</summary>
    public Graph Graph => Function.Graph;

    /// <summary>The output node <c>y</c>.</summary>
    public Node Output => Function["y"];

    /// <summary>Values for every input and parameter of <see cref="Function"/> (name → tensor at <see cref="Batch"/>).</summary>
    public Dictionary<string, Tensor> Bindings { get; }

    /// <summary>The run-time size of the batch dimension <c>B</c>.</summary>
    public int Batch { get; }

    /// <summary>The inputs and parameters the output reads, in id order: the variables to differentiate with respect to.</summary>
    public IReadOnlyList<Node> Variables => Function.Nodes().Where(n => n.Op == Op.Input || n.Op == Op.Param).ToArray();

    /// <summary>The distinct non-leaf ops on the output's graph.</summary>
    public IReadOnlyList<Op> OpsUsed => Function.Nodes().Where(n => !n.IsLeaf).Select(n => n.Op).Distinct().ToArray();

    /// <summary>A copy of the bindings (the interpreter never writes to them, but a test that perturbs values may).</summary>
    public Dictionary<string, Tensor> CopyBindings() =>
        Bindings.ToDictionary(kv => kv.Key, kv => new Tensor((int[])kv.Value.Shape.Clone(), (double[])kv.Value.Data.Clone()));

    /// <summary>The graph in printer form, the batch size, and every bound value in full (round-trip precision).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.Append(Printer.Print(Function));
        sb.Append("batch = ").Append(Batch).AppendLine();
        foreach (var kv in Bindings.OrderBy(kv => kv.Key, System.StringComparer.Ordinal))
        {
            sb.Append(kv.Key).Append(" = [").Append(string.Join(",", kv.Value.Shape)).Append("] {");
            sb.Append(string.Join(", ", kv.Value.Data.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            sb.AppendLine("}");
        }
        sb.Append("recipe = [").Append(string.Join(",", Recipe)).Append(']');
        return sb.ToString();
    }
}
