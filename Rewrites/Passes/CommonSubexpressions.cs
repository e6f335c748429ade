using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Engine;
using static Nabla.Rewrites.Engine.Patterns;

namespace Nabla.Rewrites.Passes;

/// <summary>
/// Common-subexpression elimination (global value numbering). The graph is hash-consed, so an op applied to
/// the same operands with the same attributes is already one node; what is left to merge is commutative
/// operands in different orders — put into one canonical order here — and nodes that became equal after
/// other rewrites, which merge by themselves when they are rebuilt. The pass rebuilds the function with
/// canonical operand order, then copies it into a fresh graph (dead-code elimination, dense numbering).
/// </summary>
public static class CommonSubexpressions
{
    /// <summary>The ordering rule (also part of canonicalization).</summary>
    public static readonly RuleSet Rules = new("cse")
    {
        Rule("commutative operands in canonical order", Op.All.Where(o => o.IsCommutative).ToArray(), Order),
    };

    /// <summary>The pass: merges equal values of <paramref name="f"/> and drops dead nodes.</summary>
    public static Function Run(Function f, RewriteOptions? options = null, RewriteReport? report = null) =>
        DeadCodeElimination.Run(Rewriter.Run(f, Rules, options, report));

    /// <summary>
    /// Pairs of distinct reachable nodes that compute the same thing structurally: same op, attributes and
    /// type over the same operands (in any order for commutative ops). Empty after this pass.
    /// </summary>
    public static IReadOnlyList<(Node, Node)> Duplicates(Function f)
    {
        var seen = new Dictionary<string, Node>();
        var found = new List<(Node, Node)>();
        // Ops by identity: two kernel or custom ops may share a name and still differ.
        var opIds = new Dictionary<Op, int>();
        foreach (var n in f.Nodes())
        {
            if (!opIds.TryGetValue(n.Op, out var opId)) opIds[n.Op] = opId = opIds.Count;
            var ids = n.Inputs.Select(i => i.Id).ToArray();
            if (n.Op.IsCommutative) System.Array.Sort(ids);
            var attrs = n.Op == Op.Const ? ConstKey(n) : n.Attrs.GetType().Name + "|" + n.Attrs.ToString();
            var key = $"{n.Op.Name}#{opId}|{n.DType}|{n.Shape}|{attrs}|{string.Join(",", ids)}";
            if (seen.TryGetValue(key, out var other)) found.Add((other, n));
            else seen[key] = n;
        }
        return found;
    }

    internal static Node? Order(Node n, RewriteContext ctx) =>
        ctx.Facts.CompareOperands(n.A, n.B) > 0 ? n.Graph.Make(n.Op, n.Attrs, n.B, n.A) : null;

    private static string ConstKey(Node n) =>
        n.Attrs.Data is null ? System.BitConverter.DoubleToInt64Bits(n.Attrs.Value).ToString()
            : string.Join(",", n.Attrs.Data.Select(d => System.BitConverter.DoubleToInt64Bits(d)));
}
