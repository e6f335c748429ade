using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Nabla.Ir;

/// <summary>
/// Renders IR as text: one node per line (<c>%5 = mul(%3, %4) : f32[32,100]</c>), or a node as a
/// conventional infix formula (<c>cos(x1) + x2</c>) for people reading derivatives.
/// </summary>
public static class Printer
{
    /// <summary>Every node reachable from the function's outputs and updates, then the outputs and updates.</summary>
    public static string Print(Function f)
    {
        var sb = new StringBuilder();
        foreach (var n in f.Nodes()) sb.AppendLine(Line(n));
        sb.Append("return ").AppendLine(string.Join(", ", f.Outputs.Select(o => $"{o.Name} = {o.Node}")));
        foreach (var u in f.Updates) sb.Append("update ").Append(u.Name).Append(" <- ").Append(u.Node).AppendLine();
        return sb.ToString();
    }

    /// <summary>Every node reachable from <paramref name="roots"/>, one per line.</summary>
    public static string Print(IEnumerable<Node> roots) => string.Join(Environment.NewLine, Topo.Reachable(roots).Select(Line));

    /// <summary>One node: <c>%id = op(inputs) attrs : type[shape]</c>, with the label as a comment.</summary>
    public static string Line(Node n)
    {
        var sb = new StringBuilder();
        sb.Append('%').Append(n.Id).Append(" = ").Append(n.Op.Name);
        if (n.Op == Op.Const) sb.Append(' ').Append(ConstText(n));
        else if (n.InputArray.Length > 0) sb.Append('(').Append(string.Join(", ", n.InputArray.Select(i => "%" + i.Id))).Append(')');
        if (n.Op != Op.Const && n.Op != Op.Param && n.Op != Op.Input)
        {
            var a = AttrText(n);
            if (a.Length > 0) sb.Append(' ').Append(a);
        }
        else if (n.Name is not null) sb.Append(" \"").Append(n.Name).Append('"');
        sb.Append(" : ").Append(n.DType.ShortName()).Append(n.Shape);
        if (n.Label is not null) sb.Append("  // ").Append(n.Label);
        return sb.ToString();
    }

    // Attributes as printed; target shapes of reshape and broadcast show the batch dimension as B.
    private static string AttrText(Node n) => n.Attrs.ToString();

    private static string ConstText(Node n)
    {
        var d = n.Attrs.Data;
        if (d is null) return Attrs.Format(n.Attrs.Value);
        var shown = string.Join(", ", d.Take(6).Select(Attrs.Format));
        return "{" + shown + (d.Length > 6 ? $", ... ({d.Length} values)" : "") + "}";
    }

    /// <summary>
    /// The node as an infix formula over input and parameter names, e.g. <c>cos(x1) + x2</c>; tensor-only ops appear in
    /// function notation. A subexpression used more than once is written once, as a binding after <c>where</c>:
    /// <c>%2 - %1/%2 where %1 = sin(sin(a)), %2 = exp(%1)</c> — so the text grows with the graph, not with the
    /// number of paths through it. Bindings are numbered in the order they are first completed, reading inputs left to
    /// right, so equal structures print equally whatever their node ids; a shared node whose inputs are all leaves
    /// (<c>x*y</c>, <c>sin(x)</c>) is short and is written out at each use instead. Rendering does not recurse, so any
    /// depth prints.
    /// </summary>
    public static string Infix(Node n)
    {
        var bound = Bindings(n);
        var names = new Dictionary<Node, string>();
        for (int i = 0; i < bound.Count; i++) names[bound[i]] = "%" + (i + 1);
        var sb = new StringBuilder();
        Render(sb, n, names);
        for (int i = 0; i < bound.Count; i++)
        {
            sb.Append(i == 0 ? " where " : ", ").Append(names[bound[i]]).Append(" = ");
            Render(sb, bound[i], names);
        }
        return sb.ToString();
    }

    // The nodes written as bindings: used more than once below `root`, not leaves, not ops of leaves only; in the order
    // an iterative post-order walk (inputs left to right) completes them.
    private static List<Node> Bindings(Node root)
    {
        var uses = new Dictionary<Node, int>();
        foreach (var x in Topo.Reachable(new[] { root }))
            foreach (var i in x.InputArray) uses[i] = uses.TryGetValue(i, out var c) ? c + 1 : 1;
        bool Bind(Node x) => !ReferenceEquals(x, root) && !x.IsLeaf && uses.TryGetValue(x, out var u) && u > 1 && !x.InputArray.All(i => i.IsLeaf);
        var order = new List<Node>();
        var done = new HashSet<Node>();
        var stack = new Stack<(Node Node, int Next)>();
        stack.Push((root, 0));
        done.Add(root);
        while (stack.Count > 0)
        {
            var (x, next) = stack.Pop();
            if (next < x.InputArray.Length)
            {
                stack.Push((x, next + 1));
                var i = x.InputArray[next];
                if (done.Add(i)) stack.Push((i, 0));
            }
            else if (Bind(x)) order.Add(x);
        }
        return order;
    }

    // Precedence of a node as written: 1 = additive, 2 = multiplicative, 3 = unary minus (and negative numbers),
    // 4 = power, 5 = atom (names, bindings, calls).
    private static int Precedence(Node n, Dictionary<Node, string> names)
    {
        if (names.ContainsKey(n)) return 5;
        switch (n.Op.Name)
        {
            case "const": return n.Attrs.Data is null && n.Attrs.Value < 0 ? 3 : 5;
            case "add": case "sub": return 1;
            case "mul": case "div": return 2;
            case "neg": return 3;
            case "pow": return 4;
            default: return 5;
        }
    }

    // Writes `top` in infix form, expanding it (even when it has a binding name) and every unnamed node below it. An
    // explicit stack of pieces — text, or a node to expand — replaces recursion.
    private static void Render(StringBuilder sb, Node top, Dictionary<Node, string> names)
    {
        var work = new Stack<(Node? Node, string? Text)>();
        void Text(string s) => work.Push((null, s));
        void Sub(Node x, bool paren) { if (paren) Text(")"); work.Push((x, null)); if (paren) Text("("); }
        bool first = true;
        work.Push((top, null));
        while (work.Count > 0)
        {
            var (n, text) = work.Pop();
            if (n is null) { sb.Append(text); continue; }
            if (!first && names.TryGetValue(n, out var name)) { sb.Append(name); continue; }
            first = false;
            switch (n.Op.Name)
            {
                case "input": case "param": sb.Append(n.Name); continue;
                case "batch_size": sb.Append('B'); continue;
                case "const": sb.Append(n.Attrs.Data is not null ? $"const{n.Shape}" : Attrs.Format(n.Attrs.Value)); continue;
            }
            // Pieces are pushed last first.
            switch (n.Op.Name)
            {
                case "add": case "sub": case "mul": case "div":
                    {
                        int level = n.Op.Name is "add" or "sub" ? 1 : 2;
                        bool rightStrict = n.Op.Name is "sub" or "div";
                        int pl = Precedence(n.A, names), pr = Precedence(n.B, names);
                        Sub(n.B, pr < level || pr == 3 || (rightStrict && pr == level));
                        Text(n.Op.Name switch { "add" => " + ", "sub" => " - ", "mul" => "*", _ => "/" });
                        Sub(n.A, pl < level);
                        continue;
                    }
                case "pow": // right-associative: a^b^c = a^(b^c)
                    Sub(n.B, Precedence(n.B, names) < 4);
                    Text("^");
                    Sub(n.A, Precedence(n.A, names) <= 4);
                    continue;
                case "neg":
                    Sub(n.A, Precedence(n.A, names) <= 3);
                    Text("-");
                    continue;
            }
            var attrs = n.Op.Kind is OpKind.Elementwise or OpKind.MatMul ? "" : AttrText(n);
            Text(attrs.Length > 0 ? (n.InputArray.Length > 0 ? ", " : "") + attrs + ")" : ")");
            for (int i = n.InputArray.Length - 1; i >= 0; i--)
            {
                work.Push((n.InputArray[i], null));
                if (i > 0) Text(", ");
            }
            Text(n.Op.Name + "(");
        }
    }
}
