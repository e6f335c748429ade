using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;

namespace Nabla.Tests.Rewrites;

/// <summary>A random graph aimed at the rewrite rules, with its bindings and batch size.</summary>
public sealed class AlgebraCase
{
    internal AlgebraCase(int[] recipe, Function f, Dictionary<string, Tensor> bindings, int batch)
    {
        Recipe = recipe; Function = f; Bindings = bindings; Batch = batch;
    }

    /// <summary>The choices it was built from.</summary>
    public int[] Recipe { get; }
    /// <summary>Output <c>y</c> plus the gradient of sum(y) with respect to every leaf.</summary>
    public Function Function { get; }
    /// <summary>Values of the inputs and parameters.</summary>
    public Dictionary<string, Tensor> Bindings { get; }
    /// <summary>The batch size.</summary>
    public int Batch { get; }

    /// <inheritdoc/>
    public override string ToString() => $"\n{Printer.Print(Function)}batch = {Batch}\nrecipe = [{string.Join(",", Recipe)}]";
}

/// <summary>
/// Random graphs built to hit the rewrite rules: the support generator (<c>Support/RandomGraphs</c>) keeps values
/// away from domain edges for gradient checks and so rarely builds <c>x*1</c>, <c>x − x</c>, <c>log(1 + eˣ)</c> or a
/// transpose of a transpose. This one draws from templates of exactly those shapes, over shapes that always
/// broadcast together (<c>[]</c>, <c>[3]</c>, <c>[1,3]</c>, <c>[B,1]</c>, <c>[B,3]</c>), and differentiates the result.
/// Values may leave the domain (log of a negative): the checks skip elements that are not finite before rewriting.
/// </summary>
public static class AlgebraGraphs
{
    /// <summary>Cases that shrink through their recipe.</summary>
    public static Arbitrary<AlgebraCase> Arb() =>
        FsCheck.Fluent.Arb.From(Gen.Choose(0, 9999).ArrayOf(48), r => ArbMap.Default.ArbFor<int[]>().Shrinker(r)).Convert(Build, c => c.Recipe);

    /// <summary>Builds the case a recipe describes (any list of integers is a valid recipe).</summary>
    public static AlgebraCase Build(int[] recipe)
    {
        int k = 0;
        int Next(int n) => n <= 1 ? 0 : (k < recipe.Length ? Math.Abs(recipe[k++]) : 0) % n;
        var g = new Graph(DType.F64);
        int batch = 1 + Next(3);
        var rng = new Random(Next(1000));
        var x = g.Input("x", Shape.Of(Shape.Batch, 3));
        var t = g.Input("t", Shape.Of(Shape.Batch, 3));
        var w = g.Param("w", Shape.Of(3));
        var s = g.Input("s", Shape.Scalar);
        var col = g.Input("c", Shape.Of(Shape.Batch, 1));
        var m = g.Param("m", Shape.Of(3, 3));
        Tensor Rand(params int[] shape)
        {
            var data = new double[shape.Aggregate(1, (p, d) => p * d)];
            for (int i = 0; i < data.Length; i++) data[i] = Math.Round(rng.NextDouble() * 4 - 2, 3);
            return new Tensor(shape, data);
        }
        var bindings = new Dictionary<string, Tensor>
        {
            ["x"] = Rand(batch, 3), ["t"] = Rand(batch, 3), ["w"] = Rand(3), ["s"] = Rand(), ["c"] = Rand(batch, 1), ["m"] = Rand(3, 3),
        };
        var values = new Dictionary<Node, Tensor>();
        Tensor Value(Node n)
        {
            if (!values.TryGetValue(n, out var v))
                foreach (var kv in Interpreter.Evaluate(new[] { n }, bindings, DType.F64, batch)) values[kv.Key] = v = kv.Value;
            return values[n];
        }
        // Keep the arguments of jumps (comparisons, step, sign, where's condition) away from the jump, so that
        // rewrites that round differently cannot flip them: b, or b + 0.5 when some element of a − b is within 1e-6 of 0.
        Node Apart(Node a, Node b)
        {
            if (ReferenceEquals(a, b)) return b;
            var d = Value(a - b).Data;
            return d.Any(v => Math.Abs(v) < 1e-6) ? b + 0.5 : b;
        }
        Node Cmp(Op op, Node a, Node b) => g.Make(op, Attrs.None, a, Apart(a, b));
        Node Un(Op op, Node a) => op == Op.Step || op == Op.Sign ? g.Make(op, Attrs.None, Apart(g.Const(0), a)) : g.Make(op, Attrs.None, a);
        Node Bin(Op op, Node a, Node b) => op.IsComparison ? Cmp(op, a, b) : g.Make(op, Attrs.None, a, b);
        Node Where(Node c, Node a, Node b) => F.Where(Apart(g.Const(0), c), a, b);
        var pool = new List<Node> { x, t, w, s, col };
        double[] consts = { 0, 1, -1, 2, 0.5, -3 };
        Node Pick() => pool[pool.Count - 1 - Next(Math.Min(pool.Count, 4))];
        Node Any() => pool[Next(pool.Count)];
        Node Const() => Next(3) == 0 ? F.Fill(g, consts[Next(consts.Length)], Shape.Of(Shape.Batch, 3), DType.F64) : g.Const(consts[Next(consts.Length)]);
        Node Full(Node a) => a.Shape.Rank == 2 && a.Shape[1] == 3 && a.Shape[0] == Shape.Batch ? a : a + x;
        Op[] unary = { Op.Neg, Op.Exp, Op.Log, Op.Sqrt, Op.Abs, Op.Sin, Op.Cos, Op.Tanh, Op.Sigmoid, Op.Relu, Op.Step, Op.Sign, Op.Softplus };
        Op[] binary = { Op.Add, Op.Sub, Op.Mul, Op.Div, Op.Max, Op.Min, Op.Greater, Op.GreaterEqual, Op.Equal, Op.Pow };

        int steps = 3 + Next(10);
        for (int i = 0; i < steps; i++)
        {
            Node a = Pick(), b = Any();
            Node n = Next(12) switch
            {
                0 => Un(unary[Next(unary.Length)], a),
                1 => Bin(binary[Next(binary.Length)], a, b),
                2 => Next(2) == 0 ? g.Make(binary[Next(4)], Attrs.None, a, Const()) : g.Make(binary[Next(4)], Attrs.None, Const(), a),
                3 => Template(Next(16), a, Apart(a, b), t, Const),
                4 => Reduce(Next(9), Full(a)),
                5 => Layout(Next(4), Full(a)),
                6 => Normalize(Next(6), Full(a)),
                7 => Where(Next(2) == 0 ? Cmp(Op.Greater, a, b) : Cmp(Op.GreaterEqual, b, a), Pick(), Next(2) == 0 ? g.Const(0) : Any()),
                8 => F.MatMul(Full(a), Next(2) == 0 ? m : F.T(m)),
                9 => Cmp(Op.Greater, a, b) is var cond ? F.Where(cond, Pick(), g.Const(0)) + F.Where(cond, g.Const(0), Any()) : a,
                10 => a * g.BatchSize(DType.F64) / g.BatchSize(DType.F64) - (b - b),
                _ => a * Const() + b * Const(),
            };
            pool.Add(n);
        }
        var y = pool[pool.Count - 1];
        var leaves = new[] { x, t, w, s, col, m };
        var grads = Autodiff.Grad(F.Sum(y), leaves);
        var outs = new List<Named> { new("y", y) };
        outs.AddRange(leaves.Select((l, i) => new Named("d/d" + l.Name, grads[i])));
        var f = new Function(g, outs);

        return new AlgebraCase(recipe, f, bindings, batch);
    }

    // Shapes the rules were written for.
    private static Node Template(int which, Node a, Node b, Node t, Func<Node> c)
    {
        var g = a.Graph;
        // Arguments of sigmoid and softplus templates stay within ±4: beyond, the unstable original loses digits to
        // cancellation (1 − σ(17) keeps 8 of 16), and the test would measure the original's error, not the rewrite's.
        var z = F.Tanh(a) * 4.0;
        return which switch
        {
            0 => F.Log(F.Softmax(a + t, -1)),
            1 => F.Log(1.0 + F.Exp(z)),
            2 => F.Log(F.Sigmoid(z)),
            3 => F.Log(1.0 - F.Sigmoid(z)),
            4 => F.Exp(F.Log(F.Abs(a))) + F.Log(F.Exp(b)),
            5 => a - a + a / a * (a * g.Const(0)),
            6 => -(-a) + -(a - b) + 0.0 * b + 1.0 * a,
            7 => 2.0 * (3.0 * a) - (a - 4.0) / 2.0,
            8 => -(F.Sigmoid(t) * F.Log(F.Sigmoid(z)) + (1.0 - F.Sigmoid(t)) * F.Log(1.0 - F.Sigmoid(z))),
            9 => -F.Sum(t * F.LogSoftmax(a + t, -1), new[] { 1 }, true) / g.BatchSize(DType.F64),
            10 => F.Log(F.Sum(F.Exp(a + t), new[] { 1 }, true)),
            11 => F.Exp(a + t) / F.Sum(F.Exp(a + t), new[] { 1 }, true),
            12 => F.Sum(F.BroadcastTo(b * c(), Shape.Of(Shape.Batch, 3)), 0, 1) * a,
            13 => F.Mean(-(a * c()) * g.BatchSize(DType.F64) + t, 0),
            14 => F.Where(F.Greater(a, b), a, a) + F.Maximum(b, b) - F.Minimum(a, F.Abs(a)),
            _ => F.Softplus(-z) * t + (1.0 - t) * F.Softplus(z),
        };
    }

    private static Node Reduce(int which, Node a) => which switch
    {
        0 => F.Sum(a, 0), 1 => F.Sum(a, new[] { 1 }, true), 2 => F.Sum(a), 3 => F.Mean(a, 0), 4 => F.Mean(a, new[] { 1 }, true),
        5 => F.ReduceMax(a, new[] { 1 }, true), 6 => F.ReduceMax(a, new[] { 0 }, true), 7 => F.Sum(-a * 2.0, 0),
        _ => F.Sum(F.Reshape(a, Shape.Of(Shape.Batch, 3, 1)), new[] { 2 }, false),
    };

    private static Node Layout(int which, Node a) => which switch
    {
        0 => F.T(F.T(a) * 2.0),
        1 => F.Reshape(-F.Reshape(a, Shape.Of(Shape.Batch, 3, 1)), Shape.Of(Shape.Batch, 3)),
        2 => F.MatMul(a, F.T(F.MatMul(F.T(a), a))),
        _ => F.Reshape(F.Reshape(a, Shape.Of(Shape.Batch, 1, 3)), Shape.Of(Shape.Batch, 3)) + F.T(F.T(a)),
    };

    private static Node Normalize(int which, Node a) => which switch
    {
        0 => F.Softmax(a), 1 => F.LogSoftmax(a), 2 => F.LogSumExp(a, -1, true), 3 => F.Log(F.Softmax(a)),
        4 => F.Exp(F.LogSoftmax(a)), _ => a - F.LogSumExp(a, -1, true),
    };
}
