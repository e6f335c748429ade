using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Ir;

/// <summary>
/// Reverse-mode rules, one per op: given the node <c>y = op(a, b, …)</c> and the adjoint <c>g = ∂L/∂y</c>,
/// the contribution to each input's adjoint (null when it is zero). Contributions may have y's broadcast
/// shape; <see cref="Autodiff"/> sums them back to each input's shape. Every rule is written in IR ops that
/// have rules themselves, so gradients can be differentiated again.
/// </summary>
public static class VjpRules
{
    /// <summary>The rule for each differentiable op.</summary>
    public static readonly IReadOnlyDictionary<Op, Func<Node, Node, Node?[]>> Table = new Dictionary<Op, Func<Node, Node, Node?[]>>
    {
        [Op.Neg] = (y, g) => new[] { -g },
        [Op.Exp] = (y, g) => new[] { g * y },
        [Op.Log] = (y, g) => new[] { g / y.A },
        [Op.Sqrt] = (y, g) => new[] { g * 0.5 / y },
        [Op.Abs] = (y, g) => new[] { g * F.Sign(y.A) },
        [Op.Sin] = (y, g) => new[] { g * F.Cos(y.A) },
        [Op.Cos] = (y, g) => new[] { -(g * F.Sin(y.A)) },
        [Op.Tanh] = (y, g) => new[] { g * (1.0 - y * y) },
        [Op.Sigmoid] = (y, g) => new[] { g * (y * (1.0 - y)) },
        [Op.Relu] = (y, g) => new[] { g * F.Step(y.A) },
        [Op.Step] = (y, g) => new Node?[] { null },
        [Op.Sign] = (y, g) => new Node?[] { null },
        [Op.Softplus] = (y, g) => new[] { g * F.Sigmoid(y.A) },

        [Op.Add] = (y, g) => new[] { g, g },
        [Op.Sub] = (y, g) => new[] { g, -g },
        [Op.Mul] = (y, g) => new[] { g * y.B, g * y.A },
        [Op.Div] = (y, g) => new[] { g / y.B, -(g * y / y.B) },
        [Op.Pow] = (y, g) => new[] { g * (y.B * F.Pow(y.A, y.B - 1.0)), g * (y * F.Log(y.A)) },
        [Op.Max] = (y, g) => new[] { F.Where(F.GreaterEqual(y.A, y.B), g, Zero(g)), F.Where(F.GreaterEqual(y.A, y.B), Zero(g), g) },
        [Op.Min] = (y, g) => new[] { F.Where(F.LessEqual(y.A, y.B), g, Zero(g)), F.Where(F.LessEqual(y.A, y.B), Zero(g), g) },
        [Op.Greater] = (y, g) => new Node?[] { null, null },
        [Op.GreaterEqual] = (y, g) => new Node?[] { null, null },
        [Op.Equal] = (y, g) => new Node?[] { null, null },
        [Op.Where] = (y, g) => new Node?[] { null, F.Where(y.A, g, Zero(g)), F.Where(y.A, Zero(g), g) },

        [Op.Sum] = (y, g) => new[] { F.BroadcastTo(Unreduce(g, y), y.A.Shape) },
        [Op.Mean] = (y, g) => new[] { F.BroadcastTo(Unreduce(g, y) / F.Count(y.A, y.Attrs.Ints), y.A.Shape) },
        [Op.ReduceMax] = (y, g) => new[] { MaxShare(y) * Unreduce(g, y) },

        [Op.Reshape] = (y, g) => new[] { F.Reshape(g, y.A.Shape) },
        [Op.Transpose] = (y, g) => new[] { F.Transpose(g, Inverse(y.Attrs.Ints)) },
        [Op.Broadcast] = (y, g) => new[] { F.SumTo(g, y.A.Shape) },

        [Op.MatMul] = (y, g) => new[] { F.MatMul(g, F.T(y.B)), F.MatMul(F.T(y.A), g) },

        [Op.Softmax] = (y, g) => new[] { y * (g - F.Sum(g * y, y.Attrs.Ints, true)) },
        [Op.LogSoftmax] = (y, g) => new[] { g - F.Softmax(y.A, y.Attrs.Ints[0]) * F.Sum(g, y.Attrs.Ints, true) },
        [Op.LogSumExp] = (y, g) => new[] { Unreduce(g, y) * F.Softmax(y.A, y.Attrs.Ints[0]) },

        [Op.Im2Col] = (y, g) => new[] { Col2ImOf(g, y) },
        [Op.Col2Im] = (y, g) => new[] { Im2ColOf(g, y.Attrs.Ints) },
    };

    /// <summary>A scalar zero of <paramref name="like"/>'s type.</summary>
    internal static Node Zero(Node like) => like.Graph.Const(0, like.DType);

    /// <summary>Re-inserts the reduced axes of <paramref name="y"/> as size 1 into <paramref name="g"/> (a no-op when y kept them).</summary>
    internal static Node Unreduce(Node g, Node y) =>
        y.Attrs.Flag ? g : F.Reshape(g, ShapeRules.Reduced(y.A.Shape, y.Attrs.Ints, true));

    // The maximum's derivative shared equally among the elements that attain it.
    internal static Node MaxShare(Node y)
    {
        var mask = F.Equal(y.A, Unreduce(y, y));
        return mask / F.Sum(mask, y.Attrs.Ints, true);
    }

    internal static int[] Inverse(int[] perm)
    {
        var inv = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inv[perm[i]] = i;
        return inv;
    }

    internal static Node Im2ColOf(Node x, int[] p) => F.Im2Col(x, p[0], p[1], p[2], p[3], p[4], p[5]);

    internal static Node Col2ImOf(Node cols, Node im2col)
    {
        var p = im2col.Attrs.Ints; var s = im2col.A.Shape;
        return F.Col2Im(cols, s[1], s[2], s[3], p[0], p[1], p[2], p[3], p[4], p[5]);
    }

    /// <summary>Ops without a rule (leaves are not differentiated through).</summary>
    public static IEnumerable<Op> Missing => Op.All.Where(o => o.Kind != OpKind.Leaf && !Table.ContainsKey(o));
}
