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
/// Second derivatives: the Hessian-vector product by forward-over-reverse (JVP of the gradient) and by
/// reverse-over-reverse (gradient of ⟨∇L, v⟩) agree with each other and with central differences of the gradient.
/// </summary>
public class SecondOrderPropertyTests
{
    private const double Step = 1e-5;      // differences of a gradient: a slightly larger step balances rounding
    private const double Tolerance = 1e-5;

    internal static void CheckHessian(GraphCase c)
    {
        var rng = new Random(GradCheck.Seed(c));
        var (loss, b) = GradCheck.Projection(c, rng);
        var vars = c.Variables;
        if (vars.Count == 0) return; // a constant graph: nothing to differentiate
        var v = GradCheck.Directions(c, vars, b, rng);
        var grads = Autodiff.Grad(loss, vars);
        var hvpForward = Autodiff.HessianVectorProduct(loss, vars, v);
        // Grad of grad: ∇ₓ ⟨∇L(x), v⟩ = H v.
        var gv = vars.Select((x, i) => F.Sum(grads[i] * v[i])).Aggregate((p, q) => p + q);
        var hvpReverse = Autodiff.Grad(gv, vars);
        var values = Interpreter.Evaluate(hvpForward.Concat(hvpReverse), b, DType.F64, c.Batch);

        // Central difference of the gradient along v.
        var plus = Shifted(b, vars, Step); var minus = Shifted(b, vars, -Step);
        var gp = Interpreter.Evaluate(grads, plus, DType.F64, c.Batch);
        var gm = Interpreter.Evaluate(grads, minus, DType.F64, c.Batch);
        for (int k = 0; k < vars.Count; k++)
        {
            var f = values[hvpForward[k]]; var r = values[hvpReverse[k]];
            for (int i = 0; i < f.Size; i++)
            {
                double fd = (gp[grads[k]].Data[i] - gm[grads[k]].Data[i]) / (2 * Step);
                double e1 = GradCheck.Error(f.Data[i], r.Data[i]), e2 = GradCheck.Error(f.Data[i], fd);
                if (!(e1 <= 1e-9))
                    throw new XunitException($"(Hv) for {vars[k].Name}[{i}]: forward-over-reverse {f.Data[i]:R}, reverse-over-reverse {r.Data[i]:R} (error {e1:E2}).");
                if (!(e2 <= Tolerance))
                    throw new XunitException($"(Hv) for {vars[k].Name}[{i}]: {f.Data[i]:R}, central difference of the gradient {fd:R} (error {e2:E2}).");
            }
        }
    }

    private static Dictionary<string, Tensor> Shifted(Dictionary<string, Tensor> b, IReadOnlyList<Node> vars, double h)
    {
        var r = b.ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var x in vars)
        {
            var t = b[x.Name!]; var d = b["dir_" + x.Name];
            r[x.Name!] = new Tensor(t.Shape, t.Data.Select((val, i) => val + h * d.Data[i]).ToArray());
        }
        return r;
    }

    [Fact]
    public void Hessian_vector_products_agree_both_ways_and_with_differences_of_the_gradient()
    {
        Check.One(PropertyConfig.With(PropertyConfig.Cases), Prop.ForAll(RandomGraphs.Arb(), CheckHessian));
    }

    [Theory]
    [MemberData(nameof(VjpPropertyTests.OpNames), MemberType = typeof(VjpPropertyTests))]
    public void Second_derivatives_of_each_op(string opName)
    {
        var op = GraphOptions.AllOps.Single(o => o.Name == opName);
        Check.One(PropertyConfig.With(PropertyConfig.CasesPerOp),
            Prop.ForAll(RandomGraphs.Arb(new GraphOptions { Ops = new[] { op }, MaxSteps = 3 }), CheckHessian));
    }
}
