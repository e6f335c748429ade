using System;
using System.Collections.Generic;
using Nabla.Ir;

namespace Nabla.Rewrites.Engine;

/// <summary>
/// The rule language. With <c>using static Nabla.Rewrites.Engine.Patterns;</c> a rule reads like the
/// algebra it encodes: <c>Rule("x*1 → x", Mul(X, One), m => m[X])</c>. Op patterns mirror the IR's
/// ops; <see cref="Const(double)"/> matches scalar or all-equal tensor constants (and broadcasts of them).
/// </summary>
public static class Patterns
{
    /// <summary>A rule: <paramref name="pattern"/> (rooted at an op) rewritten by <paramref name="rewrite"/> (null = decline).</summary>
    public static RewriteRule Rule(string name, Pattern pattern, Func<Match, Node?> rewrite) => new(name, pattern, rewrite);

    /// <summary>A procedural rule tried on every node whose op is in <paramref name="roots"/>.</summary>
    public static RewriteRule Rule(string name, IEnumerable<Op> roots, Func<Node, RewriteContext, Node?> rewrite) => new(name, roots, rewrite);

    // ---- constants ----
    /// <summary>A uniform constant equal to <paramref name="value"/>.</summary>
    public static Pattern Const(double value) =>
        new ConstPattern(v => v == value || (double.IsNaN(value) && double.IsNaN(v)), Attrs.Format(value));
    /// <summary>A uniform constant whose value satisfies <paramref name="accept"/>, e.g. <c>Const(c =&gt; c &gt; 0)</c>.</summary>
    public static Pattern Const(Func<double, bool> accept) => new ConstPattern(accept, "c?");
    /// <summary>Any uniform constant.</summary>
    public static readonly Pattern AnyConst = new ConstPattern(_ => true, "c");
    /// <summary>The constant 0.</summary>
    public static readonly Pattern Zero = Const(0.0);
    /// <summary>The constant 1.</summary>
    public static readonly Pattern One = Const(1.0);

    /// <summary><paramref name="c"/>, restricted to nodes of rank 0 (scalars: constants, the batch size, full reductions).</summary>
    public static Pattern ScalarOf(Capture c) => c.If(n => n.Shape.Rank == 0);
    /// <summary><paramref name="c"/>, restricted to nodes of rank 1 or more.</summary>
    public static Pattern TensorOf(Capture c) => c.If(n => n.Shape.Rank > 0);

    // ---- any op ----
    /// <summary><paramref name="op"/> applied to sub-patterns.</summary>
    public static Pattern Of(Op op, params Pattern[] inputs) => new OpPattern(op, inputs);

    // ---- unary ----
#pragma warning disable CS1591 // each pattern is named after the op it matches
    public static Pattern Neg(Pattern x) => Of(Op.Neg, x);
    public static Pattern Exp(Pattern x) => Of(Op.Exp, x);
    public static Pattern Log(Pattern x) => Of(Op.Log, x);
    public static Pattern Sqrt(Pattern x) => Of(Op.Sqrt, x);
    public static Pattern Abs(Pattern x) => Of(Op.Abs, x);
    public static Pattern Sin(Pattern x) => Of(Op.Sin, x);
    public static Pattern Cos(Pattern x) => Of(Op.Cos, x);
    public static Pattern Tanh(Pattern x) => Of(Op.Tanh, x);
    public static Pattern Sigmoid(Pattern x) => Of(Op.Sigmoid, x);
    public static Pattern Relu(Pattern x) => Of(Op.Relu, x);
    public static Pattern Step(Pattern x) => Of(Op.Step, x);
    public static Pattern Sign(Pattern x) => Of(Op.Sign, x);
    public static Pattern Softplus(Pattern x) => Of(Op.Softplus, x);

    // ---- binary and ternary (add, mul, max, min, eq match in either operand order) ----
    public static Pattern Add(Pattern x, Pattern y) => Of(Op.Add, x, y);
    public static Pattern Sub(Pattern x, Pattern y) => Of(Op.Sub, x, y);
    public static Pattern Mul(Pattern x, Pattern y) => Of(Op.Mul, x, y);
    public static Pattern Div(Pattern x, Pattern y) => Of(Op.Div, x, y);
    public static Pattern Pow(Pattern x, Pattern y) => Of(Op.Pow, x, y);
    public static Pattern Max(Pattern x, Pattern y) => Of(Op.Max, x, y);
    public static Pattern Min(Pattern x, Pattern y) => Of(Op.Min, x, y);
    public static Pattern Gt(Pattern x, Pattern y) => Of(Op.Greater, x, y);
    public static Pattern Ge(Pattern x, Pattern y) => Of(Op.GreaterEqual, x, y);
    public static Pattern Eq(Pattern x, Pattern y) => Of(Op.Equal, x, y);
    public static Pattern Where(Pattern c, Pattern x, Pattern y) => Of(Op.Where, c, x, y);

    // ---- tensor ops (attributes are read with .If(n => ...) guards or from the match) ----
    public static Pattern Sum(Pattern x) => Of(Op.Sum, x);
    public static Pattern Mean(Pattern x) => Of(Op.Mean, x);
    public static Pattern ReduceMax(Pattern x) => Of(Op.ReduceMax, x);
    public static Pattern Reshape(Pattern x) => Of(Op.Reshape, x);
    public static Pattern Transpose(Pattern x) => Of(Op.Transpose, x);
    public static Pattern Broadcast(Pattern x) => Of(Op.Broadcast, x);
    public static Pattern MatMul(Pattern x, Pattern y) => Of(Op.MatMul, x, y);
    public static Pattern Softmax(Pattern x) => Of(Op.Softmax, x);
    public static Pattern LogSoftmax(Pattern x) => Of(Op.LogSoftmax, x);
    public static Pattern LogSumExp(Pattern x) => Of(Op.LogSumExp, x);
#pragma warning restore CS1591
}
