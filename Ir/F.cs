using System;
using System.Linq;

namespace Nabla.Ir;

/// <summary>
/// The functions that build IR nodes (named as in NumPy where possible). Each call goes through
/// <see cref="Graph.Make"/>: shapes are inferred and checked at once, and identical calls return the same node.
/// </summary>
public static partial class F
{
    // ---- elementwise, unary ----
    /// <summary>−x.</summary>
    public static Node Neg(Node x) => Un(Op.Neg, x);
    /// <summary>eˣ.</summary>
    public static Node Exp(Node x) => Un(Op.Exp, x);
    /// <summary>Natural logarithm.</summary>
    public static Node Log(Node x) => Un(Op.Log, x);
    /// <summary>log(1 + x), accurate near 0.</summary>
    public static Node Log1p(Node x) => Un(Op.Log1p, x);
    /// <summary>eˣ − 1, accurate near 0.</summary>
    public static Node Expm1(Node x) => Un(Op.Expm1, x);
    /// <summary>Square root.</summary>
    public static Node Sqrt(Node x) => Un(Op.Sqrt, x);
    /// <summary>|x|.</summary>
    public static Node Abs(Node x) => Un(Op.Abs, x);
    /// <summary>sin x.</summary>
    public static Node Sin(Node x) => Un(Op.Sin, x);
    /// <summary>cos x.</summary>
    public static Node Cos(Node x) => Un(Op.Cos, x);
    /// <summary>tanh x.</summary>
    public static Node Tanh(Node x) => Un(Op.Tanh, x);
    /// <summary>Logistic sigmoid.</summary>
    public static Node Sigmoid(Node x) => Un(Op.Sigmoid, x);
    /// <summary>max(x, 0).</summary>
    public static Node Relu(Node x) => Un(Op.Relu, x);
    /// <summary>1 where x &gt; 0, else 0.</summary>
    public static Node Step(Node x) => Un(Op.Step, x);
    /// <summary>Sign of x.</summary>
    public static Node Sign(Node x) => Un(Op.Sign, x);
    /// <summary>log(1+eˣ), stable.</summary>
    public static Node Softplus(Node x) => Un(Op.Softplus, x);
    /// <summary>x².</summary>
    public static Node Square(Node x) => x * x;

    // ---- elementwise, binary (NumPy broadcasting) ----
    /// <summary>x + y.</summary>
    public static Node Add(Node x, Node y) => Bin(Op.Add, x, y);
    /// <summary>x − y.</summary>
    public static Node Sub(Node x, Node y) => Bin(Op.Sub, x, y);
    /// <summary>x · y.</summary>
    public static Node Mul(Node x, Node y) => Bin(Op.Mul, x, y);
    /// <summary>x / y.</summary>
    public static Node Div(Node x, Node y) => Bin(Op.Div, x, y);
    /// <summary>xʸ.</summary>
    public static Node Pow(Node x, Node y) => Bin(Op.Pow, x, y);
    /// <summary>xᵖ for a constant exponent.</summary>
    public static Node Pow(Node x, double p) => Bin(Op.Pow, x, x.Graph.Const(p, x.DType));
    /// <summary>Elementwise maximum.</summary>
    public static Node Maximum(Node x, Node y) => Bin(Op.Max, x, y);
    /// <summary>Elementwise minimum.</summary>
    public static Node Minimum(Node x, Node y) => Bin(Op.Min, x, y);
    /// <summary>1 where x &gt; y, else 0.</summary>
    public static Node Greater(Node x, Node y) => Bin(Op.Greater, x, y);
    /// <summary>1 where x ≥ y, else 0.</summary>
    public static Node GreaterEqual(Node x, Node y) => Bin(Op.GreaterEqual, x, y);
    /// <summary>1 where x &lt; y, else 0.</summary>
    public static Node Less(Node x, Node y) => Bin(Op.Greater, y, x);
    /// <summary>1 where x ≤ y, else 0.</summary>
    public static Node LessEqual(Node x, Node y) => Bin(Op.GreaterEqual, y, x);
    /// <summary>1 where x = y, else 0.</summary>
    public static Node Equal(Node x, Node y) => Bin(Op.Equal, x, y);
    /// <summary><paramref name="a"/> where <paramref name="cond"/> ≠ 0, else <paramref name="b"/> (all three broadcast).</summary>
    public static Node Where(Node cond, Node a, Node b) => cond.Graph.Make(Op.Where, Attrs.None, cond, a, b);

    // ---- reductions ----
    /// <summary>Sum over <paramref name="axes"/> (all axes when none are given); reduced axes are dropped.</summary>
    public static Node Sum(Node x, params int[] axes) => Reduce(Op.Sum, x, axes, false);
    /// <summary>Sum over <paramref name="axes"/>, keeping them as size 1 when <paramref name="keepDims"/>.</summary>
    public static Node Sum(Node x, int[] axes, bool keepDims) => Reduce(Op.Sum, x, axes, keepDims);
    /// <summary>Mean over <paramref name="axes"/> (all axes when none are given).</summary>
    public static Node Mean(Node x, params int[] axes) => Reduce(Op.Mean, x, axes, false);
    /// <summary>Mean over <paramref name="axes"/>, keeping them when <paramref name="keepDims"/>.</summary>
    public static Node Mean(Node x, int[] axes, bool keepDims) => Reduce(Op.Mean, x, axes, keepDims);
    /// <summary>Maximum over <paramref name="axes"/> (all axes when none are given).</summary>
    public static Node ReduceMax(Node x, params int[] axes) => Reduce(Op.ReduceMax, x, axes, false);
    /// <summary>Maximum over <paramref name="axes"/>, keeping them when <paramref name="keepDims"/>.</summary>
    public static Node ReduceMax(Node x, int[] axes, bool keepDims) => Reduce(Op.ReduceMax, x, axes, keepDims);

    /// <summary>
    /// The number of elements a reduction over <paramref name="axes"/> of <paramref name="x"/> combines, as a
    /// scalar node (a constant, times the batch size for every batch axis among them).
    /// </summary>
    public static Node Count(Node x, int[] axes)
    {
        double c = 1; int batches = 0;
        foreach (var a in axes.Select(a => Axis(Op.Mean, x, a)).Distinct())
        {
            if (x.Shape[a] == Shape.Batch) batches++; else c *= x.Shape[a];
        }
        var g = x.Graph;
        Node n = g.Const(c, x.DType);
        for (int i = 0; i < batches; i++) n = n * g.BatchSize(x.DType);
        return n;
    }

    // ---- layout ----
    /// <summary>Reinterprets <paramref name="x"/> with <paramref name="shape"/> (same number of elements).</summary>
    public static Node Reshape(Node x, Shape shape) => x.Shape.Equals(shape) ? x : x.Graph.Make(Op.Reshape, new ShapeAttrs(shape), x);
    /// <summary>Permutes the axes: output axis i is input axis <paramref name="perm"/>[i].</summary>
    public static Node Transpose(Node x, params int[] perm) =>
        perm.Select((p, i) => p == i).All(b => b) && perm.Length == x.Shape.Rank ? x : x.Graph.Make(Op.Transpose, new PermutationAttrs(perm), x);
    /// <summary>Swaps the last two axes (the matrix transpose).</summary>
    public static Node T(Node x)
    {
        int r = x.Shape.Rank;
        if (r < 2) throw new ShapeException($"transpose: {x.Describe()} has rank {r}; the matrix transpose needs rank >= 2.");
        var perm = Enumerable.Range(0, r).ToArray();
        perm[r - 2] = r - 1; perm[r - 1] = r - 2;
        return Transpose(x, perm);
    }
    /// <summary>Broadcasts <paramref name="x"/> to <paramref name="shape"/> by NumPy rules.</summary>
    public static Node BroadcastTo(Node x, Shape shape) => x.Shape.Equals(shape) ? x : x.Graph.Make(Op.Broadcast, new ShapeAttrs(shape), x);

    /// <summary>
    /// The adjoint of broadcasting: sums <paramref name="x"/> over the axes that broadcasting to its shape
    /// from <paramref name="shape"/> created or stretched, giving a tensor of <paramref name="shape"/>.
    /// </summary>
    public static Node SumTo(Node x, Shape shape)
    {
        if (x.Shape.Equals(shape)) return x;
        if (!shape.BroadcastsTo(x.Shape)) throw new ShapeException($"sum_to: {shape} does not broadcast to {x.Describe()}.");
        int extra = x.Shape.Rank - shape.Rank;
        var y = extra > 0 ? Sum(x, Enumerable.Range(0, extra).ToArray(), false) : x;
        var stretched = Enumerable.Range(0, shape.Rank).Where(i => shape[i] == 1 && y.Shape[i] != 1).ToArray();
        return stretched.Length > 0 ? Sum(y, stretched, true) : y;
    }

    // ---- contraction and normalizers ----
    /// <summary>Batched matrix product [..., m, k] · [..., k, n].</summary>
    public static Node MatMul(Node a, Node b) => a.Graph.Make(Op.MatMul, Attrs.None, a, b);
    /// <summary>Softmax along <paramref name="axis"/> (default: last).</summary>
    public static Node Softmax(Node x, int axis = -1) => x.Graph.Make(Op.Softmax, new AxisAttrs(Axis(Op.Softmax, x, axis)), x);
    /// <summary>Log-softmax along <paramref name="axis"/> (default: last).</summary>
    public static Node LogSoftmax(Node x, int axis = -1) => x.Graph.Make(Op.LogSoftmax, new AxisAttrs(Axis(Op.LogSoftmax, x, axis)), x);
    /// <summary>log Σ exp along <paramref name="axis"/> (default: last).</summary>
    public static Node LogSumExp(Node x, int axis = -1, bool keepDims = false) =>
        x.Graph.Make(Op.LogSumExp, new AxisAttrs(Axis(Op.LogSumExp, x, axis), keepDims), x);

    // ---- windows ----
    /// <summary>Sliding windows of an [N,C,H,W] tensor as [N, C·kh·kw, OH·OW] (zero padding).</summary>
    public static Node Im2Col(Node x, int kh, int kw, int strideH = 1, int strideW = 1, int padH = 0, int padW = 0) =>
        x.Graph.Make(Op.Im2Col, new WindowAttrs(kh, kw, strideH, strideW, padH, padW), x);
    /// <summary>The adjoint of <see cref="Im2Col"/> back to [N, C, H, W].</summary>
    public static Node Col2Im(Node cols, int c, int h, int w, int kh, int kw, int strideH = 1, int strideW = 1, int padH = 0, int padW = 0) =>
        cols.Graph.Make(Op.Col2Im, new WindowAttrs(kh, kw, strideH, strideW, padH, padW, c, h, w), cols);

    // ---- constants ----
    /// <summary>A tensor of zeros of <paramref name="shape"/> (a broadcast scalar).</summary>
    public static Node Zeros(Graph g, Shape shape, DType type) => Fill(g, 0, shape, type);
    /// <summary>A tensor filled with <paramref name="value"/> (a broadcast scalar).</summary>
    public static Node Fill(Graph g, double value, Shape shape, DType type) => BroadcastTo(g.Const(value, type), shape);

    // A possibly negative axis (−1 = last) of x, checked; the error names the op and the node.
    private static int Axis(Op op, Node x, int axis)
    {
        int a = axis < 0 ? axis + x.Shape.Rank : axis;
        if (a < 0 || a >= x.Shape.Rank)
            throw new ShapeException($"{op.Name}({x.Describe()}): axis {axis} is out of range for rank {x.Shape.Rank}.");
        return a;
    }

    private static Node Un(Op op, Node x) => x.Graph.Make(op, Attrs.None, x);
    private static Node Bin(Op op, Node x, Node y) => x.Graph.Make(op, Attrs.None, x, y);

    private static Node Reduce(Op op, Node x, int[] axes, bool keep)
    {
        int[] norm = axes.Length == 0
            ? Enumerable.Range(0, x.Shape.Rank).ToArray()
            : axes.Select(a => Axis(op, x, a)).Distinct().OrderBy(a => a).ToArray();
        if (norm.Length == 0) return x;
        return x.Graph.Make(op, new AxesAttrs(norm, keep), x);
    }
}
