using System.Collections.Generic;
using System.Linq;
using System.Text;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// Draws a schedule as a Graphviz DOT graph: the IR nodes it computes, with every kernel as a cluster around the
/// nodes fused into it, inputs and parameters as ellipses, and data edges between them.
/// </summary>
public static class DotWriter
{
    /// <summary>The DOT text (render with <c>dot -Tsvg</c>).</summary>
    public static string Write(Schedule s)
    {
        var sb = new StringBuilder();
        sb.AppendLine("digraph nabla {");
        sb.AppendLine("  rankdir=TB; compound=true;");
        sb.AppendLine("  node [shape=box, style=rounded, fontname=\"monospace\", fontsize=10];");
        var drawn = new HashSet<Node>();
        foreach (var k in s.Kernels)
        {
            sb.AppendLine($"  subgraph cluster_k{k.Id} {{");
            sb.AppendLine($"    label=\"k{k.Id}: {k.Kind}\"; fontname=\"monospace\"; fontsize=10; style=filled; color=\"{Color(k)}\";");
            foreach (var n in k.Nodes.Where(drawn.Add)) sb.AppendLine($"    {Id(n)} [label=\"{Label(n)}\"];");
            sb.AppendLine("  }");
        }
        var edges = new List<(Node From, Node To)>();
        foreach (var n in drawn.ToList())
            foreach (var i in n.Inputs)
            {
                if (i.Op == Op.Const && i.Attrs.Data is null) continue; // scalar constants are shown inside the label
                edges.Add((i, n));
                if (drawn.Add(i))
                    sb.AppendLine(i.IsLeaf
                        ? $"  {Id(i)} [label=\"{Label(i)}\", shape=ellipse, style=solid];"
                        : $"  {Id(i)} [label=\"{Label(i)}\", style=dashed];");
            }
        foreach (var (from, to) in edges.Distinct()) sb.AppendLine($"  {Id(from)} -> {Id(to)};");
        sb.AppendLine("}");
        return sb.ToString();
    }

    private static string Id(Node n) => "n" + n.Id;

    private static string Label(Node n)
    {
        var head = n.Name ?? $"%{n.Id} {n.Op.Name}";
        var scalars = n.Inputs.Where(i => i.Op == Op.Const && i.Attrs.Data is null).Select(i => Attrs.Format(i.Attrs.Value)).ToArray();
        if (scalars.Length > 0) head += $" ({string.Join(", ", scalars)})";
        return (head + "\\n" + n.DType.ShortName() + n.Shape).Replace("\"", "\\\"");
    }

    private static string Color(Kernel k) => k switch
    {
        GemmKernel => "#dbe9f6",
        ElementwiseKernel => "#e3f3dc",
        ReduceKernel => "#fbeedb",
        NormalizeKernel => "#f3def0",
        _ => "#eeeeee",
    };
}
