using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Passes;

/// <summary>
/// Dead-code elimination by copying: the nodes a <see cref="Function"/> reaches from its outputs and updates
/// are rebuilt, in depth-first post-order (operands in order, outputs then updates in order), into a fresh
/// <see cref="Graph"/>. Everything unreachable — including what earlier rewrites left behind in the old
/// graph — is gone, ids become dense, and because the numbering follows the structure alone, two
/// structurally equal functions print identically (which is what the idempotence test compares).
/// Rebuilding goes through the hash-consing builder, so the copy also merges any duplicates (CSE).
/// </summary>
public static class DeadCodeElimination
{
    /// <summary>The reachable part of <paramref name="f"/>, copied into a fresh graph with structural numbering.</summary>
    public static Function Run(Function f)
    {
        var g = new Graph(f.Graph.DefaultType);
        var copy = new Dictionary<Node, Node>();
        var stack = new Stack<(Node Node, int Next)>();
        foreach (var root in f.Roots)
        {
            if (copy.ContainsKey(root)) continue;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (n, next) = stack.Pop();
                if (copy.ContainsKey(n)) continue;
                // Descend into the first operand not yet copied; come back to n afterwards.
                while (next < n.Inputs.Count && copy.ContainsKey(n.Inputs[next])) next++;
                if (next < n.Inputs.Count)
                {
                    stack.Push((n, next + 1));
                    stack.Push((n.Inputs[next], 0));
                    continue;
                }
                copy[n] = Copy(g, n, copy);
            }
        }
        // A parameter that is updated but never read still has to exist in the new graph.
        foreach (var u in f.Updates)
        {
            var p = f.Graph.Find(u.Name)!;
            if (!copy.ContainsKey(p)) copy[p] = Copy(g, p, copy);
        }
        return new Function(g,
            f.Outputs.Select(o => new Named(o.Name, copy[o.Node])),
            f.Updates.Select(u => new Named(u.Name, copy[u.Node])));
    }

    /// <summary>Rebuilds <paramref name="n"/> in <paramref name="g"/> from the copies of its operands.</summary>
    internal static Node Copy(Graph g, Node n, IReadOnlyDictionary<Node, Node> copy)
    {
        Node c;
        if (n.Op == Op.Input) c = g.Input(n.Name!, n.Shape, n.DType);
        else if (n.Op == Op.Param) c = g.Param(n.Name!, n.Shape, n.DType);
        else if (n.Op == Op.BatchSize) c = g.BatchSize(n.DType);
        else if (n.Op == Op.Const) c = n.Attrs.Data is null ? g.Const(n.Attrs.Value, n.DType) : g.Const(n.Attrs.Data, n.Shape, n.DType);
        else
        {
            var inputs = new Node[n.Inputs.Count];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = copy[n.Inputs[i]];
            c = g.Make(n.Op, n.Attrs, inputs);
        }
        if (c.Label is null) c.Label = n.Label;
        return c;
    }
}
