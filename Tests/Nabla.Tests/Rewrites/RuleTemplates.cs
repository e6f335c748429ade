using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Engine;
using Xunit;

namespace Nabla.Tests.Rewrites;

/// <summary>
/// A small graph made for one rewrite rule that the random graphs do not reach (or reach rarely): the rule's name, the graph (inputs are
/// created by <see cref="Body"/>, the output is <c>y</c>, optionally with its gradient), and the range its input values
/// are drawn from. <see cref="RuleCoverageTests"/> and <see cref="RuleTemplateTests"/> run it through the pipeline.
/// </summary>
public sealed class RuleTemplate
{
    public RuleTemplate(string rule, Func<Graph, Node> body, double lo = -2, double hi = 2, bool gradients = false)
    {
        Rule = rule; Body = body; Lo = lo; Hi = hi; Gradients = gradients;
    }

    /// <summary>The name of the rule the template is for (<see cref="RewriteRule.Name"/>).</summary>
    public string Rule { get; }
    /// <summary>Builds the output from inputs it declares in the graph.</summary>
    public Func<Graph, Node> Body { get; }
    /// <summary>The range of input values (uniform; every input and parameter).</summary>
    public double Lo { get; }
    /// <summary>The upper end of the range of input values.</summary>
    public double Hi { get; }
    /// <summary>Whether the function also outputs the gradient of sum(y) with respect to every input (for rules about backward forms).</summary>
    public bool Gradients { get; }
    /// <summary>The batch size the template runs at.</summary>
    public const int Batch = 2;

    /// <summary>The template's function: <c>y</c>, and with <see cref="Gradients"/> <c>d/dNAME</c> for every input.</summary>
    public Function Function()
    {
        var g = new Graph(DType.F64);
        var y = Body(g);
        var outs = new List<Named> { new("y", y) };
        if (Gradients)
        {
            var vars = Topo.Reachable(new[] { y }).Where(n => n.Op == Op.Input || n.Op == Op.Param).ToArray();
            var grads = Autodiff.Vjp(new[] { y }, new[] { F.Fill(g, 1, y.Shape, y.DType) }, vars);
            outs.AddRange(vars.Select((v, i) => new Named("d/d" + v.Name, grads[i])));
        }
        return new Function(g, outs);
    }

    /// <summary>Values for every input and parameter of <paramref name="f"/>, uniform in [<see cref="Lo"/>, <see cref="Hi"/>] from a fixed seed.</summary>
    public Dictionary<string, Tensor> Bindings(Function f, int seed)
    {
        var rng = new Random(seed);
        var b = new Dictionary<string, Tensor>();
        foreach (var n in f.Nodes().Where(n => n.Op == Op.Input || n.Op == Op.Param).OrderBy(n => n.Id))
        {
            var shape = n.Shape.ToArray().Select(d => d == Shape.Batch ? Batch : d).ToArray();
            var data = new double[shape.Aggregate(1, (p, d) => p * d)];
            for (int i = 0; i < data.Length; i++) data[i] = Lo + (Hi - Lo) * rng.NextDouble();
            b[n.Name!] = new Tensor(shape, data);
        }
        return b;
    }

    /// <summary>The pipeline's options for the template: verification and the one-sweep fixed point on.</summary>
    public RewriteOptions Options => RewriteChecks.Strict();

    /// <summary>Optimizes the template's function (what <see cref="RuleCoverageTests"/> counts).</summary>
    public (Function Before, Function After) Optimize()
    {
        var f = Function();
        return (f, Pipeline.Optimize(f, Options).Function);
    }

    /// <inheritdoc/>
    public override string ToString() => Rule;
}

/// <summary>
/// The templates, one or more per rule that the random graphs of the property suites do not reach (measured by
/// <see cref="RuleCoverageTests"/>: 96 of the 110 rules fire on those graphs, 14 do not), and one for each of 10 rules
/// those graphs reach only a few times per run. Each is the smallest natural graph the rule is written for; the one that
/// only a graph built with <see cref="Graph.Make"/> reaches says so.
/// </summary>
public static class RuleTemplates
{
    private static Node X(Graph g) => g.Input("x", Shape.Of(Shape.Batch, 3));
    private static Node Y(Graph g) => g.Input("y", Shape.Of(Shape.Batch, 3));
    private static Node T(Graph g) => g.Input("t", Shape.Of(Shape.Batch, 3));
    private static Node C(Graph g, double v) => g.Const(v, DType.F64);

    /// <summary>Every template.</summary>
    public static readonly IReadOnlyList<RuleTemplate> All = new RuleTemplate[]
    {
        // ---- stabilization: binary cross-entropy with logits, in the three canonical spellings ----
        // The random graphs reach these forms only with a scaled logit (4·tanh a), whose negation canonicalizes to a
        // product by −4, so softplus(−z) no longer matches softplus(neg x): the rules need the bare logit.
        new("t·softplus(-x) + (1-t)·softplus(x) → softplus(x) - t·x",
            g => { var (x, t) = (X(g), T(g)); return t * F.Softplus(-x) + (C(g, 1) - t) * F.Softplus(x); }, gradients: true),
        new("t·softplus(-x) - (t-1)·softplus(x) → softplus(x) - t·x",
            g => { var (x, t) = (X(g), T(g)); return t * F.Softplus(-x) - (t - C(g, 1)) * F.Softplus(x); }, gradients: true),
        // −[t·log σ(x) + (1−t)·log(1−σ(x))], the loss as written: the log-sigmoid rules and the sign rules bring it here.
        new("(t-1)·softplus(x) - t·softplus(-x) → t·x - softplus(x)",
            g => { var (x, t) = (X(g), T(g)); return -(t * F.Log(F.Sigmoid(x)) + (C(g, 1) - t) * F.Log(C(g, 1) - F.Sigmoid(x))); }, gradients: true),

        // ---- signs and identities ----
        new("-a / -b → a / b", g => -X(g) / -Y(g), lo: 0.5, hi: 2, gradients: true),
        new("a - x*k → a + x*(-k)  (k negative)", g => X(g) - Y(g) * C(g, -2), gradients: true),
        new("a - x*k → a + x*(-k)  (k negative)", g => X(g) - Y(g) * (C(g, -2) / T(g)), lo: 0.5, hi: 2, gradients: true),
        new("abs(abs x) → abs x", g => F.Abs(F.Abs(X(g)))),
        new("relu(relu x) → relu x", g => F.Relu(F.Relu(X(g)))),

        // ---- selections ----
        new("where(c, a, where(c, b, d)) → where(c, a, d)",
            g => { var (x, y) = (X(g), Y(g)); var c = F.Greater(x, y); return F.Where(c, F.Sin(x), F.Where(c, F.Cos(y), T(g))); }, gradients: true),
        new("where(c, where(c, a, b), d) → where(c, a, d)",
            g => { var (x, y) = (X(g), Y(g)); var c = F.Greater(x, y); return F.Where(c, F.Where(c, F.Cos(y), T(g)), F.Sin(x)); }, gradients: true),

        // ---- layout ----
        new("reduce_max(broadcast(x)) → x",
            g => F.ReduceMax(F.BroadcastTo(F.Sin(g.Input("v", Shape.Of(3))), Shape.Of(2, 3)), 0), gradients: true),

        // ---- movement: what F.Slice, F.Concat and F.Pad simplify when they build a node, met again after a rewrite ----
        // slice(−(−slice(v))): once −−x → x, a slice of a slice.
        new("slice: whole → x; slice(slice) → slice; slice inside a concat part or a pad's input → slice of it",
            g => F.Slice(-(-F.Slice(g.Input("v", Shape.Of(Shape.Batch, 6)), 1, 1, 6)), 1, 1, 4), gradients: true),
        // concat(−(−concat(x, y)), t): once −−x → x, nested concats along one axis.
        new("concat: one part → part; nested → flat; adjacent slices of one tensor → one slice",
            g => F.Concat(1, -(-F.Concat(1, X(g), Y(g))), T(g)), gradients: true),
        // F.Pad never builds a pad that adds nothing, and rewrites keep a node's attributes: only a graph built with
        // Graph.Make (by hand, or by a reader of saved graphs) has one.
        new("pad adding nothing → x", g => g.Make(Op.Pad, new PadAttrs(new[] { 0, 0 }, new[] { 0, 0 }), F.Sin(X(g)))),
        // The sum of zero pads of disjoint regions, as written and as the gradient of two slices of one tensor is.
        new("pad(a) + pad(b), zero pads of disjoint regions along one axis → pad(concat(a, 0, b))",
            g => F.Pad(X(g), 1, 0, 4) + F.Pad(Y(g), 1, 4, 0)),
        new("pad(a) + pad(b), zero pads of disjoint regions along one axis → pad(concat(a, 0, b))",
            g => { var v = g.Input("v", Shape.Of(Shape.Batch, 7)); return F.Sin(F.Slice(v, 1, 0, 3)) * F.Cos(F.Slice(v, 1, 4, 7)); }, gradients: true),

        // ---- rules the random graphs reach only a few times per run (under 10 firings; most of them only through
        // Support/RandomGraphs, which other work changes): a template keeps each covered whatever the generators draw ----
        new("abs(-x) → abs x", g => F.Abs(-X(g)), gradients: true),
        new("-a * -b → a * b", g => -X(g) * -Y(g), gradients: true),
        new("x ^ 1 → x", g => F.Pow(X(g), 1.0), lo: 0.5, hi: 2, gradients: true),
        new("x ^ 2 → x * x", g => F.Pow(X(g), 2.0), lo: 0.5, hi: 2, gradients: true),
        new("min(x, x) → x", g => F.Minimum(F.Sin(X(g)), F.Sin(X(g)))),
        new("where(nonzero, a, b) → a", g => F.Where(C(g, 2), X(g), Y(g)), gradients: true),
        new("reduce_max over size-1 axes → reshape", g => F.ReduceMax(g.Input("v", Shape.Of(Shape.Batch, 1, 3)), 1), gradients: true),
        new("mean(broadcast(x)) → x", g => F.Mean(F.BroadcastTo(F.Sin(g.Input("v", Shape.Of(3))), Shape.Of(4, 3)), 0), gradients: true),
        new("mean(-x) → -mean(x)", g => F.Mean(-X(g), 1), gradients: true),
        new("mean(x*s) → mean(x)*s", g => F.Mean(X(g) * g.Input("s", Shape.Scalar), 1), gradients: true),
    };
}

/// <summary>
/// Each template fires the rule it is for when the pipeline optimizes it (verification and the one-sweep fixed point on),
/// and the rewritten graph agrees with the original in the interpreter (float64, 1e-9 relative) on random inputs.
/// </summary>
public class RuleTemplateTests
{
    public static IEnumerable<object[]> Templates() => RuleTemplates.All.Select((t, i) => new object[] { i, t.Rule });

    [Theory]
    [MemberData(nameof(Templates))]
    public void The_template_fires_its_rule_and_the_rewrite_keeps_the_values(int index, string rule)
    {
        var t = RuleTemplates.All[index];
        Assert.Equal(rule, t.Rule);
        Assert.Contains(rule, RuleCoverageTests.AllRules());
        var firings = new RuleFirings();
        Function before, after;
        using (firings.Listen()) (before, after) = t.Optimize();
        Assert.True(firings.Count(rule) > 0, $"The template for '{rule}' did not fire it; what fired:\n{firings}\n{Printer.Print(before)}");
        int compared = 0;
        for (int seed = 0; seed < 5; seed++)
            compared += RewriteChecks.SameResults(before, after, t.Bindings(before, seed), RuleTemplate.Batch, what: $"template for '{rule}'").Compared;
        Assert.Equal(5 * before.Outputs.Count, compared);
    }
}
