using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace Nabla.Tests.Ir;

/// <summary>
/// Every reverse-mode rule agrees with central finite differences of a random projection sum(u · f(x)), element by
/// element, in float64 (Theano's verify_grad recipe) — over mixed random graphs and over graphs of each op alone.
/// </summary>
public class VjpPropertyTests
{
    /// <summary>Throws when some gradient element disagrees with its central difference.</summary>
    internal static void CheckVjp(GraphCase c)
    {
        var rng = new Random(GradCheck.Seed(c));
        var (loss, b) = GradCheck.Projection(c, rng);
        var vars = c.Variables;
        var grads = Autodiff.Grad(loss, vars);
        var values = Interpreter.Evaluate(grads, b, DType.F64, c.Batch);
        for (int v = 0; v < vars.Count; v++)
        {
            var g = values[grads[v]];
            for (int i = 0; i < g.Size; i++)
            {
                double fd = GradCheck.Central(loss, b, c.Batch, vars[v].Name!, i, PropertyConfig.Step);
                double err = GradCheck.Error(fd, g.Data[i]);
                if (!(err <= PropertyConfig.Tolerance))
                    throw new XunitException($"d/d{vars[v].Name}[{i}]: VJP gives {g.Data[i]:R}, the central difference {fd:R} (error {err:E2}).");
            }
        }
    }

    public static IEnumerable<object[]> OpNames => GraphOptions.AllOps.Select(o => new object[] { o.Name });

    [Fact]
    public void Vjp_agrees_with_central_differences_on_random_graphs()
    {
        Check.One(PropertyConfig.With(PropertyConfig.Cases), Prop.ForAll(RandomGraphs.Arb(), CheckVjp));
    }

    [Theory]
    [MemberData(nameof(OpNames))]
    public void Vjp_of_each_op_agrees_with_central_differences(string opName)
    {
        var op = GraphOptions.AllOps.Single(o => o.Name == opName);
        var options = new GraphOptions { Ops = new[] { op }, MaxSteps = 3 };
        Check.One(PropertyConfig.With(PropertyConfig.CasesPerOp), Prop.ForAll(RandomGraphs.Arb(options), CheckVjp));
        // The random draws above need not contain the op (a run drew slice in only 5 of 12): a fixed sample makes sure
        // the op itself is checked, in at least half as many graphs, on every run.
        var withOp = RandomGraphs.Sample(4 * PropertyConfig.CasesPerOp, seed: 17, options).Where(c => c.OpsUsed.Contains(op)).ToList();
        Assert.True(withOp.Count >= PropertyConfig.CasesPerOp / 2, $"only {withOp.Count} of {4 * PropertyConfig.CasesPerOp} fixed graphs contained {opName}");
        foreach (var c in withOp) CheckVjp(c);
    }

    [Fact]
    public void Every_op_has_rules_and_a_generator()
    {
        Assert.Empty(VjpRules.Missing);
        Assert.Empty(JvpRules.Missing);
        // The per-op theory draws its ops from GraphOptions.AllOps; make sure that is every non-leaf op, and that the
        // generator can actually build each one (a new op without generator support fails here).
        Assert.Equal(Op.All.Where(o => o.Kind != OpKind.Leaf), GraphOptions.AllOps);
        var missing = GraphOptions.AllOps.Where(op =>
            !RandomGraphs.Sample(40, seed: 3, new GraphOptions { Ops = new[] { op }, MaxSteps = 3 }).Any(c => c.OpsUsed.Contains(op))).ToArray();
        Assert.True(missing.Length == 0, "the random-graph generator never builds: " + string.Join(", ", missing.Select(o => o.Name)));
    }
}
