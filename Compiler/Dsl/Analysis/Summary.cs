using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Nabla.Ir;

namespace Nabla.Analysis;

/// <summary>One module call in a trace: where it sits, what it is, its shapes and parameter counts.</summary>
/// <param name="Path">The module's path (<c>2</c>, <c>features.0</c>; "" for the whole network).</param>
/// <param name="Kind">Its type, e.g. <c>Dense</c>.</param>
/// <param name="Description">Its description, e.g. <c>Dense 40→100</c>.</param>
/// <param name="Depth">Nesting depth (the network itself is 0).</param>
/// <param name="InputShapes">Input shapes.</param>
/// <param name="OutputShapes">Output shapes.</param>
/// <param name="Parameters">Scalars in the parameters this module declares itself, counted at their first use.</param>
/// <param name="TotalParameters">The same, including everything called inside it.</param>
/// <param name="IsContainer">True when the module has children.</param>
/// <param name="Repeated">True when this is a second call of a shared module (its parameters were counted before).</param>
public sealed record SummaryRow(string Path, string Kind, string Description, int Depth, IReadOnlyList<Shape> InputShapes,
    IReadOnlyList<Shape> OutputShapes, long Parameters, long TotalParameters, bool IsContainer, bool Repeated)
{
    internal Module? Module { get; init; }
}

/// <summary>
/// The model summary: one row per module call (output shapes and parameter counts) and the totals. Available
/// as data (<see cref="Rows"/>, <see cref="TotalParameters"/>) and as a text table (<see cref="ToString"/>).
/// </summary>
public sealed class Summary
{
    internal Summary(IReadOnlyList<InputSpec> inputs, IReadOnlyList<SummaryRow> rows, IReadOnlyList<Parameter> parameters)
    {
        Inputs = inputs;
        Rows = rows.ToArray();
        TotalParameters = parameters.Where(p => !p.IsBuffer).Sum(p => (long)p.Size); // buffers are state, not parameters (as PyTorch counts)
        TrainableParameters = parameters.Where(p => p.Trainable).Sum(p => (long)p.Size);
    }

    /// <summary>The network's inputs.</summary>
    public IReadOnlyList<InputSpec> Inputs { get; }
    /// <summary>Every module call, in call order (containers before their children); row 0 is the whole network.</summary>
    public IReadOnlyList<SummaryRow> Rows { get; }
    /// <summary>The rows of layers: calls of modules without children (activations included).</summary>
    public IReadOnlyList<SummaryRow> Layers => Rows.Where(r => !r.IsContainer).ToArray();
    /// <summary>Total number of scalar parameters (shared parameters counted once; buffers such as running statistics are not parameters).</summary>
    public long TotalParameters { get; }
    /// <summary>Number of trainable scalar parameters.</summary>
    public long TrainableParameters { get; }
    /// <summary>Number of frozen scalar parameters.</summary>
    public long FrozenParameters => TotalParameters - TrainableParameters;

    /// <summary>The table: layer path and description, output shape, parameter count; then the totals.</summary>
    public override string ToString()
    {
        var lines = new List<(string Layer, string Shape, string Count)>();
        foreach (var i in Inputs) lines.Add(($"{i.Name} (input)", i.Shape.ToString(), ""));
        bool rootOnly = Rows.Count == 1;
        foreach (var r in Rows)
        {
            if (r.Depth == 0 && !rootOnly) continue;
            var indent = new string(' ', 2 * Math.Max(0, r.Depth - 1));
            var name = r.Path.Length == 0 ? r.Description : $"{r.Path}  {r.Description}";
            var shapes = string.Join(", ", r.OutputShapes.Select(s => s.ToString()));
            var count = r.Repeated ? "(shared)" : r.IsContainer && r.Parameters == 0 ? "" : Number(r.Parameters);
            lines.Add((indent + name, shapes, count));
        }
        int w0 = Math.Max(5, lines.Max(l => l.Layer.Length)), w1 = Math.Max(12, lines.Max(l => l.Shape.Length)), w2 = Math.Max(7, lines.Max(l => l.Count.Length));
        var sb = new StringBuilder();
        string Row(string a, string b, string c) => $"{a.PadRight(w0)}  {b.PadRight(w1)}  {c.PadLeft(w2)}".TrimEnd();
        var rule = new string('─', w0 + w1 + w2 + 4);
        sb.AppendLine(Row("Layer", "Output shape", "Param #")).AppendLine(rule);
        foreach (var l in lines) sb.AppendLine(Row(l.Layer, l.Shape, l.Count));
        sb.AppendLine(rule);
        sb.AppendLine($"Total parameters: {Number(TotalParameters)}");
        sb.Append($"Trainable: {Number(TrainableParameters)}   Frozen: {Number(FrozenParameters)}");
        return sb.ToString();
    }

    private static string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
