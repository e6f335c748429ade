using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

/// <summary>C# spellings: identifiers made from user names, literals, sizes.</summary>
internal static class Names
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
        "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
        "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
        "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>A valid C# identifier resembling <paramref name="name"/> (<c>0.weight</c> → <c>_0_weight</c>).</summary>
    public static string Identifier(string name)
    {
        var sb = new StringBuilder();
        foreach (var ch in name) sb.Append(char.IsLetterOrDigit(ch) && ch < 128 || ch == '_' ? ch : '_');
        if (sb.Length == 0 || char.IsDigit(sb[0])) sb.Insert(0, '_');
        var s = sb.ToString();
        return Keywords.Contains(s) ? s + "_" : s;
    }

    /// <summary>A C# string literal.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var ch in s)
        {
            if (ch == '"' || ch == '\\') sb.Append('\\').Append(ch);
            else if (ch < 32 || ch > 126) sb.Append("\\u").Append(((int)ch).ToString("x4"));
            else sb.Append(ch);
        }
        return sb.Append('"').ToString();
    }

    /// <summary>A literal of the element type: <c>1.5f</c>, <c>-2d</c> (parenthesized when negative), <c>float.NaN</c>.</summary>
    public static string Literal(double v, DType t)
    {
        string type = t == DType.F32 ? "float" : "double";
        if (double.IsNaN(v)) return type + ".NaN";
        if (double.IsPositiveInfinity(v)) return type + ".PositiveInfinity";
        if (double.IsNegativeInfinity(v)) return type + ".NegativeInfinity";
        string s = t == DType.F32 ? ((float)v).ToString("R", CultureInfo.InvariantCulture) + "f" : v.ToString("R", CultureInfo.InvariantCulture) + "d";
        if (v == 0 && BitConverter.DoubleToInt64Bits(v) < 0) s = t == DType.F32 ? "-0f" : "-0d";
        return s[0] == '-' ? "(" + s + ")" : s;
    }

    /// <summary>A double literal (for scalar terms computed in double).</summary>
    public static string Double(double v) => Literal(v, DType.F64);

    /// <summary>An int expression for a size: <c>100</c>, <c>batch</c>, <c>40 * batch</c>, <c>batch * batch</c>.</summary>
    public static string Size(Dim d)
    {
        if (d.Factor == 0 || d.Power == 0) return d.Factor.ToString(CultureInfo.InvariantCulture);
        var parts = new List<string>();
        if (d.Factor != 1) parts.Add(d.Factor.ToString(CultureInfo.InvariantCulture));
        for (int i = 0; i < d.Power; i++) parts.Add("batch");
        return string.Join(" * ", parts);
    }

    /// <summary>A long expression for a size (for length checks that must not overflow): <c>40L * batch</c>.</summary>
    public static string LongSize(Dim d)
    {
        if (d.Factor == 0 || d.Power == 0) return d.Factor.ToString(CultureInfo.InvariantCulture) + "L";
        var parts = new List<string> { d.Factor.ToString(CultureInfo.InvariantCulture) + "L" };
        for (int i = 0; i < d.Power; i++) parts.Add("batch");
        return string.Join(" * ", parts);
    }

    /// <summary>The dimensions of a shape as a C# int array: <c>new int[] { -1, 40 }</c>.</summary>
    public static string Dims(Shape s)
    {
        var dims = new List<string>();
        for (int i = 0; i < s.Rank; i++) dims.Add(s[i].ToString(CultureInfo.InvariantCulture));
        return dims.Count == 0 ? "new int[0]" : "new int[] { " + string.Join(", ", dims) + " }";
    }

    /// <summary><c>[B,40]</c>.</summary>
    public static string ShapeText(Shape s) => s.ToString();
}

/// <summary>Hands out unique identifiers: user names first (kept as close as possible), then generated ones.</summary>
internal sealed class NameTable
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly Func<string, bool> _reserved;

    /// <summary>Creates a table; names in <paramref name="reserved"/> or matching <paramref name="isReserved"/> are never handed out.</summary>
    public NameTable(IEnumerable<string> reserved, Func<string, bool> isReserved)
    {
        foreach (var r in reserved) _used.Add(r);
        _reserved = isReserved;
    }

    /// <summary>A unique identifier based on <paramref name="name"/>.</summary>
    public string Take(string name)
    {
        var id = Names.Identifier(name);
        var candidate = id;
        for (int i = 2; _reserved(candidate) || !_used.Add(candidate); i++) candidate = id + "_" + i.ToString(CultureInfo.InvariantCulture);
        return candidate;
    }
}
