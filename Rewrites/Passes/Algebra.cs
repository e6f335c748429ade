using Nabla.Ir;
using Nabla.Rewrites.Engine;

namespace Nabla.Rewrites.Passes;

/// <summary>Small helpers shared by the rule tables: sign forms of a node and shape tests.</summary>
internal static class Algebra
{
    /// <summary>
    /// −n when it costs nothing: n is a constant, <c>-z</c>, <c>c/z</c> or <c>z*c</c> with a constant c
    /// (and, when <paramref name="subtractions"/>, <c>a − b</c>, whose negation is <c>b − a</c>). Null otherwise.
    /// </summary>
    public static Node? Negate(Node n, Facts facts, bool subtractions)
    {
        var g = n.Graph;
        if (facts.Uniform(n, out double v)) return g.Const(-v, n.DType);
        if (n.Op == Op.Neg) return n.A;
        if (n.Op == Op.Div && facts.Uniform(n.A, out double c)) return g.Const(-c, n.DType) / n.B;
        if (n.Op == Op.Mul && facts.Uniform(n.B, out double k)) return n.A * g.Const(-k, n.DType);
        if (n.Op == Op.Mul && facts.Uniform(n.A, out double k2)) return n.B * g.Const(-k2, n.DType);
        if (subtractions && n.Op == Op.Sub) return n.B - n.A;
        return null;
    }

    /// <summary>
    /// True when n is in negative form: a negative constant, <c>-z</c>, or <c>c/z</c> or <c>z*c</c> with a
    /// constant c &lt; 0. A factor in this form is flipped into a neighbouring subtraction: (a−b)·(−k) → (b−a)·k.
    /// </summary>
    public static bool IsNegativeForm(Node n, Facts facts)
    {
        if (facts.Uniform(n, out double v)) return v < 0;
        if (n.Op == Op.Neg) return true;
        if (n.Op == Op.Div) return facts.Uniform(n.A, out double c) && c < 0;
        if (n.Op == Op.Mul) return (facts.Uniform(n.B, out double k) && k < 0) || (facts.Uniform(n.A, out double k2) && k2 < 0);
        return false;
    }

    /// <summary>True for a rank-0 node.</summary>
    public static bool IsScalar(Node n) => n.Shape.Rank == 0;
}
