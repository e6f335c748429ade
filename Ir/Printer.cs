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
    /// The node as an infix formula over input and parameter names, e.g. <c>cos(x1) + x2</c>. Shared
    /// subexpressions are written out at each use; tensor-only ops appear in function notation.
    /// </summary>
    public static string Infix(Node n) => Render(n, out _);

    // Precedence: 1 = additive, 2 = multiplicative, 3 = unary minus, 4 = power, 5 = atom.
    private static string Render(Node n, out int prec)
    {
        prec = 5;
        switch (n.Op.Name)
        {
            case "input": case "param": return n.Name!;
            case "batch_size": return "B";
            case "const":
                if (n.Attrs.Data is not null) return $"const{n.Shape}";
                if (n.Attrs.Value < 0) { prec = 3; }
                return Attrs.Format(n.Attrs.Value);
            case "add": return BinaryText(n, " + ", 1, out prec, rightStrict: false);
            case "sub": return BinaryText(n, " - ", 1, out prec, rightStrict: true);
            case "mul": return BinaryText(n, "*", 2, out prec, rightStrict: false);
            case "div": return BinaryText(n, "/", 2, out prec, rightStrict: true);
            case "pow":
                {
                    var l = Render(n.A, out int pl); var r = Render(n.B, out int pr);
                    prec = 4;
                    return (pl <= 4 ? $"({l})" : l) + "^" + (pr < 4 ? $"({r})" : r); // right-associative: a^b^c = a^(b^c)
                }
            case "neg":
                {
                    var s = Render(n.A, out int p);
                    prec = 3;
                    return "-" + (p <= 3 ? $"({s})" : s);
                }
        }
        var args = n.InputArray.Select(i => Render(i, out _)).ToList();
        var attrs = n.Op.Kind is OpKind.Elementwise or OpKind.MatMul ? "" : AttrText(n);
        if (attrs.Length > 0) args.Add(attrs);
        return $"{n.Op.Name}({string.Join(", ", args)})";
    }

    private static string BinaryText(Node n, string op, int level, out int prec, bool rightStrict)
    {
        var l = Render(n.A, out int pl);
        var r = Render(n.B, out int pr);
        prec = level;
        if (pl < level) l = $"({l})";
        if (pr < level || pr == 3 || (rightStrict && pr == level)) r = $"({r})";
        return l + op + r;
    }
}
