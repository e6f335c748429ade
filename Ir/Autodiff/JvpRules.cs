using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Ir;

/// <summary>
/// Forward-mode rules, one per op: given <c>y = op(a, b, …)</c> and the inputs' tangents (null where an
/// input does not depend on the seeds), y's tangent (null when it is zero). Terms for absent tangents are
/// never built, so a zero tangent can never meet a NaN (e.g. log of a negative base in pow).
/// </summary>
public static class JvpRules
{
    /// <summary>The rule for each differentiable op.</summary>
    public static readonly IReadOnlyDictionary<Op, Func<Node, Node?[], Node?>> Table = new Dictionary<Op, Func<Node, Node?[], Node?>>
    {
        [Op.Neg] = (y, t) => -t[0]!,
        [Op.Exp] = (y, t) => t[0]! * y,
        [Op.Log] = (y, t) => t[0]! / y.A,
        [Op.Sqrt] = (y, t) => t[0]! * 0.5 / y,
        [Op.Abs] = (y, t) => t[0]! * F.Sign(y.A),
        [Op.Sin] = (y, t) => t[0]! * F.Cos(y.A),
        [Op.Cos] = (y, t) => -(t[0]! * F.Sin(y.A)),
        [Op.Tanh] = (y, t) => t[0]! * (1.0 - y * y),
        [Op.Sigmoid] = (y, t) => t[0]! * (y * (1.0 - y)),
        [Op.Relu] = (y, t) => t[0]! * F.Step(y.A),
        [Op.Step] = (y, t) => null,
        [Op.Sign] = (y, t) => null,
        [Op.Softplus] = (y, t) => t[0]! * F.Sigmoid(y.A),

        [Op.Add] = (y, t) => Plus(t[0], t[1]),
        [Op.Sub] = (y, t) => Plus(t[0], On(t[1], d => -d)),
        [Op.Mul] = (y, t) => Plus(On(t[0], d => d * y.B), On(t[1], d => y.A * d)),
        [Op.Div] = (y, t) => Plus(On(t[0], d => d / y.B), On(t[1], d => -(d * y / y.B))),
        [Op.Pow] = (y, t) => Plus(On(t[0], d => d * (y.B * F.Pow(y.A, y.B - 1.0))), On(t[1], d => d * (y * F.Log(y.A)))),
        [Op.Max] = (y, t) => Select(F.GreaterEqual(y.A, y.B), t[0], t[1]),
        [Op.Min] = (y, t) => Select(F.LessEqual(y.A, y.B), t[0], t[1]),
        [Op.Greater] = (y, t) => null,
        [Op.GreaterEqual] = (y, t) => null,
        [Op.Equal] = (y, t) => null,
        [Op.Where] = (y, t) => Select(y.A, t[1], t[2]),

        [Op.Sum] = (y, t) => F.Sum(t[0]!, y.Attrs.Ints, y.Attrs.Flag),
        [Op.Mean] = (y, t) => F.Mean(t[0]!, y.Attrs.Ints, y.Attrs.Flag),
        [Op.ReduceMax] = (y, t) => F.Sum(VjpRules.MaxShare(y) * t[0]!, y.Attrs.Ints, y.Attrs.Flag),

        [Op.Reshape] = (y, t) => F.Reshape(t[0]!, y.Shape),
        [Op.Transpose] = (y, t) => F.Transpose(t[0]!, y.Attrs.Ints),
        [Op.Broadcast] = (y, t) => F.BroadcastTo(t[0]!, y.Shape),

        [Op.MatMul] = (y, t) => Plus(On(t[0], d => F.MatMul(d, y.B)), On(t[1], d => F.MatMul(y.A, d))),

        [Op.Softmax] = (y, t) => y * (t[0]! - F.Sum(t[0]! * y, y.Attrs.Ints, true)),
        [Op.LogSoftmax] = (y, t) => t[0]! - F.Sum(F.Softmax(y.A, y.Attrs.Ints[0]) * t[0]!, y.Attrs.Ints, true),
        [Op.LogSumExp] = (y, t) => F.Sum(F.Softmax(y.A, y.Attrs.Ints[0]) * t[0]!, y.Attrs.Ints, y.Attrs.Flag),

        [Op.Im2Col] = (y, t) => VjpRules.Im2ColOf(t[0]!, y.Attrs.Ints),
        [Op.Col2Im] = (y, t) => F.Col2Im(t[0]!, y.Attrs.Ints[6], y.Attrs.Ints[7], y.Attrs.Ints[8],
            y.Attrs.Ints[0], y.Attrs.Ints[1], y.Attrs.Ints[2], y.Attrs.Ints[3], y.Attrs.Ints[4], y.Attrs.Ints[5]),
    };

    private static Node? On(Node? t, Func<Node, Node> f) => t is null ? null : f(t);
    private static Node? Plus(Node? a, Node? b) => a is null ? b : b is null ? a : a + b;

    // where(c, ta, tb) with an absent tangent read as zero.
    private static Node? Select(Node cond, Node? a, Node? b)
    {
        if (a is null && b is null) return null;
        var like = (a ?? b)!;
        return F.Where(cond, a ?? VjpRules.Zero(like), b ?? VjpRules.Zero(like));
    }

    /// <summary>Ops without a rule.</summary>
    public static IEnumerable<Op> Missing => Op.All.Where(o => o.Kind != OpKind.Leaf && !Table.ContainsKey(o));
}
