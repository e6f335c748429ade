using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Engine;
using Xunit;
using static Nabla.Rewrites.Engine.Patterns;

namespace Nabla.Tests.Rewrites;

/// <summary>The pattern-rule engine: matching, captures, constants, guards, indexing, fixed points and bounds.</summary>
public class EngineTests
{
    private static readonly Capture X = new("x"), Y = new("y"), A = new("a");

    private static (Graph G, Node X, Node Y) Leaves()
    {
        var g = new Graph(DType.F64);
        return (g, g.Input("x", Shape.Of(3)), g.Input("y", Shape.Of(3)));
    }

    private static bool IsZero(Node n) => n.Op == Op.Broadcast ? n.A.IsConstValue(0) : n.IsConstValue(0);

    private static Node Rewrite(Node root, RuleSet rules, RewriteReport? report = null, RewriteOptions? options = null) =>
        Rewriter.Run(new Function(root.Graph, ("r", root)), rules, options, report)["r"];

    [Fact]
    public void Commutative_patterns_match_either_operand_order()
    {
        var (g, x, _) = Leaves();
        var rules = new RuleSet("t") { Rule("x*1 → x", Mul(X, One), m => m[X]) };
        Assert.Same(x, Rewrite(x * 1.0, rules));
        Assert.Same(x, Rewrite(1.0 * x, rules));
        var notOne = x * 2.0;
        Assert.Same(notOne, Rewrite(notOne, rules));
    }

    [Fact]
    public void A_capture_used_twice_requires_the_same_node()
    {
        var (g, x, y) = Leaves();
        var rules = new RuleSet("t") { Rule("x - x → 0", Sub(X, X), m => m.Const(0)) };
        Assert.True(IsZero(Rewrite(x - x, rules)));
        var xy = x - y;
        Assert.Same(xy, Rewrite(xy, rules));
        // Hash-consing makes structurally equal subtrees the same node, so this is structural equality.
        Assert.True(IsZero(Rewrite(F.Sin(x) - F.Sin(x), rules)));
    }

    [Fact]
    public void Matching_backtracks_through_commutative_orders_to_satisfy_shared_captures()
    {
        var (g, x, y) = Leaves();
        var s = g.Input("s", Shape.Scalar);
        var rules = new RuleSet("t") { Rule("x*a - y*a → (x - y)*a", Sub(Mul(X, A), Mul(Y, A)), m => (m[X] - m[Y]) * m[A]) };
        // a is the second operand on the left and the first on the right: the first choice of order fails.
        var r = Rewrite(x * s - s * y, rules);
        Assert.Equal(Op.Mul, r.Op);
        Assert.Same(s, r.B);
        Assert.Equal(Op.Sub, r.A.Op);
        Assert.Same(x, r.A.A);
        Assert.Same(y, r.A.B);
    }

    [Fact]
    public void A_declined_match_lets_the_matcher_try_the_other_order()
    {
        var (g, x, y) = Leaves();
        var rules = new RuleSet("t") { Rule("x + y → y  (y is \"y\")", Add(X, Y), m => m[Y].Name == "y" ? m[Y] : null) };
        Assert.Same(y, Rewrite(y + x, rules));
        Assert.Same(y, Rewrite(x + y, rules));
    }

    [Fact]
    public void Constant_patterns_match_scalars_uniform_tensors_and_broadcasts_by_value()
    {
        var (g, x, _) = Leaves();
        var rules = new RuleSet("t") { Rule("x * c → -x  (c > 0)", Mul(X, Const(c => c > 0)), m => -m[X]) };
        Assert.Equal(Op.Neg, Rewrite(x * 2.0, rules).Op);
        Assert.Equal(Op.Neg, Rewrite(x * g.Const(new[] { 2.0, 2.0, 2.0 }, Shape.Of(3)), rules).Op);
        Assert.Equal(Op.Neg, Rewrite(x * F.Fill(g, 2.0, Shape.Of(3), DType.F64), rules).Op);
        Assert.Equal(Op.Mul, Rewrite(x * -2.0, rules).Op);
        Assert.Equal(Op.Mul, Rewrite(x * g.Const(new[] { 1.0, 2.0, 3.0 }, Shape.Of(3)), rules).Op);
    }

    [Fact]
    public void Attribute_and_shape_guards_restrict_a_pattern()
    {
        var g = new Graph(DType.F64);
        var m3 = g.Input("m", Shape.Of(2, 3, 4));
        var rules = new RuleSet("t")
        {
            Rule("exp(transpose(x, [0,2,1])) → transpose(exp(x))", Exp(Transpose(X).If(n => n.Attrs is PermutationAttrs p && p.Perm.SequenceEqual(new[] { 0, 2, 1 }))),
                m => F.Transpose(F.Exp(m[X]), 0, 2, 1)),
            Rule("abs(x) → relu(x)  (rank 3; a marker)", Abs(X.If(n => n.Shape.Rank == 3)), m => F.Relu(m[X])),
        };
        Assert.Equal(Op.Transpose, Rewrite(F.Exp(F.Transpose(m3, 0, 2, 1)), rules).Op);
        Assert.Equal(Op.Exp, Rewrite(F.Exp(F.Transpose(m3, 1, 0, 2)), rules).Op);
        Assert.Equal(Op.Relu, Rewrite(F.Abs(m3), rules).Op);
        Assert.Equal(Op.Abs, Rewrite(F.Abs(F.Sum(m3, 0)), rules).Op);
    }

    [Fact]
    public void Rules_are_only_tried_on_nodes_of_their_root_op()
    {
        var (g, x, y) = Leaves();
        int tried = 0;
        var rules = new RuleSet("t");
        for (int i = 0; i < 50; i++) rules.Add(Rule($"add rule {i}", Add(X, Y), m => { tried++; return null; }));
        Node n = x;
        for (int i = 0; i < 100; i++) n = F.Sin(n * y);
        Rewrite(n, rules);
        Assert.Equal(0, tried);
        Rewrite(x + y, rules);
        Assert.Equal(100, tried); // 50 rules, each declining both operand orders
    }

    [Fact]
    public void Rewriting_reaches_a_fixed_point_merges_equal_nodes_and_reports_firings()
    {
        var (g, x, y) = Leaves();
        var rules = new RuleSet("t")
        {
            Rule("x*1 → x", Mul(X, One), m => m[X]),
            Rule("x + 0 → x", Add(X, Zero), m => m[X]),
        };
        // ((x*1)+0)*1 needs a rewrite at each level; (x*1)*y and x*y become one node.
        var a = ((x * 1.0) + 0.0) * 1.0;
        var b = (x * 1.0) * y;
        var report = new RewriteReport();
        var f = Rewriter.Run(new Function(g, ("a", a), ("b", b), ("c", x * y)), rules, new RewriteOptions { CheckFixpoint = true }, report);
        Assert.Same(x, f["a"]);
        Assert.Same(f["b"], f["c"]);
        // Memoized: x*1 is rewritten once, though three nodes reach it; (x+0)*1 rebuilds to the x*1 node already done.
        Assert.Equal(1, report.Fired["x*1 → x"]);
        Assert.Equal(1, report.Fired["x + 0 → x"]);
        Assert.Equal(2, report.Steps);
        Assert.Contains("x*1 → x", report.ToString());
    }

    [Fact]
    public void A_rule_cycle_is_reported_and_the_result_stays_correct()
    {
        var (g, x, _) = Leaves();
        var rules = new RuleSet("t")
        {
            Rule("a + b → b + a  (always)", Add(X, Y), m => F.Add(m[Y], m[X])),
        };
        var report = new RewriteReport();
        var r = Rewrite(x + F.Sin(x), rules, report);
        Assert.NotEmpty(report.Warnings);
        Assert.Equal(Op.Add, r.Op);
    }

    [Fact]
    public void The_step_bound_stops_rewriting_and_is_reported()
    {
        var g = new Graph(DType.F64);
        var rules = new RuleSet("t") { Rule("x*1 → x", Mul(X, One), m => m[X]) };
        Node n = g.Input("x0", Shape.Of(3)) * 1.0;
        for (int i = 1; i < 10; i++) n = n + g.Input("x" + i, Shape.Of(3)) * 1.0;
        var report = new RewriteReport();
        var r = Rewrite(n, rules, report, new RewriteOptions { MaxSteps = 3 });
        Assert.True(report.StepBoundHit);
        Assert.Equal(3, report.Steps);
        Assert.Equal(7, Topo.Reachable(new[] { r }).Count(m => m.Op == Op.Mul));
        var full = Rewrite(n, rules);
        Assert.DoesNotContain(Topo.Reachable(new[] { full }), m => m.Op == Op.Mul);
    }

    [Fact]
    public void A_rule_that_changes_the_shape_is_an_error_naming_it()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(2, 3));
        var rules = new RuleSet("t") { Rule("bad: exp(x) → sum(x)", Exp(X), m => F.Sum(m[X], 1)) };
        var e = Assert.Throws<InvalidOperationException>(() => Rewrite(F.Exp(x), rules));
        Assert.Contains("bad: exp(x) → sum(x)", e.Message);
        Assert.Contains("shape", e.Message);
    }

    [Fact]
    public void A_smaller_result_is_broadcast_back_to_the_node_shape()
    {
        var (g, x, _) = Leaves();
        var s = g.Input("s", Shape.Scalar);
        var rules = new RuleSet("t") { Rule("x * 0 → 0", Mul(X, Zero), m => m.Const(0)) };
        var r = Rewrite(x * 0.0, rules);
        Assert.Equal(Op.Broadcast, r.Op);
        Assert.Equal(x.Shape, r.Shape);
        Assert.True(r.A.IsConstValue(0));
    }

    [Fact]
    public void Patterns_reject_a_rule_without_an_op_at_the_root()
    {
        Assert.Throws<ArgumentException>(() => Rule("x → x", X, m => m[X]));
        var set = new RuleSet("t") { Rule("x*1 → x", Mul(X, One), m => m[X]) };
        Assert.Throws<ArgumentException>(() => set.Add(Rule("x*1 → x", Mul(One, X), m => m[X])));
    }
}
