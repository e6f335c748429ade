using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace Nabla.Tests.Ir;

/// <summary>
/// Forward mode agrees with reverse mode and with finite differences: for random u and v, ⟨u, J·v⟩ computed by a JVP
/// equals ⟨uᵀJ, v⟩ computed by a VJP, and J·v equals the central difference of f along v.
/// </summary>
public class JvpPropertyTests
{
    internal static void CheckJvp(GraphCase c)
    {
        var rng = new Random(GradCheck.Seed(c));
        var (loss, b) = GradCheck.Projection(c, rng);
        var vars = c.Variables;
        var dirs = GradCheck.Directions(c, vars, b, rng);
        var jv = Autodiff.Jvp(new[] { c.Output }, vars, dirs)[0];
        var grads = Autodiff.Grad(loss, vars);
        var values = Interpreter.Evaluate(grads.Append(jv), b, DType.F64, c.Batch);

        // Forward: ⟨u, J v⟩. Reverse: Σᵢ ⟨∂L/∂xᵢ, vᵢ⟩.
        double forward = GradCheck.Dot(b["proj_u"], values[jv]);
        double reverse = vars.Select((x, i) => GradCheck.Dot(values[grads[i]], b["dir_" + x.Name])).Sum();
        double err = GradCheck.Error(forward, reverse);
        if (!(err <= 1e-10)) throw new XunitException($"⟨u, Jv⟩ = {forward:R} by JVP but {reverse:R} by VJP (error {err:E2}).");

        // J v against the central difference of f along v, element by element.
        var plus = Shifted(b, vars, PropertyConfig.Step); var minus = Shifted(b, vars, -PropertyConfig.Step);
        var yp = Interpreter.Evaluate(new[] { c.Output }, plus, DType.F64, c.Batch)[c.Output];
        var ym = Interpreter.Evaluate(new[] { c.Output }, minus, DType.F64, c.Batch)[c.Output];
        for (int i = 0; i < yp.Size; i++)
        {
            double fd = (yp.Data[i] - ym.Data[i]) / (2 * PropertyConfig.Step);
            double e = GradCheck.Error(fd, values[jv].Data[i]);
            if (!(e <= PropertyConfig.Tolerance))
                throw new XunitException($"(J v)[{i}] = {values[jv].Data[i]:R} by JVP, {fd:R} by central difference (error {e:E2}).");
        }
    }

    // The bindings with every variable x moved to x + h·dir_x.
    private static System.Collections.Generic.Dictionary<string, Tensor> Shifted(
        System.Collections.Generic.Dictionary<string, Tensor> b, System.Collections.Generic.IReadOnlyList<Node> vars, double h)
    {
        var r = b.ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var x in vars)
        {
            var t = b[x.Name!]; var d = b["dir_" + x.Name];
            r[x.Name!] = new Tensor(t.Shape, t.Data.Select((v, i) => v + h * d.Data[i]).ToArray());
        }
        return r;
    }

    [Fact]
    public void Jvp_agrees_with_vjp_and_central_differences_on_random_graphs()
    {
        Check.One(PropertyConfig.With(PropertyConfig.Cases), Prop.ForAll(RandomGraphs.Arb(), CheckJvp));
    }

    [Theory]
    [MemberData(nameof(VjpPropertyTests.OpNames), MemberType = typeof(VjpPropertyTests))]
    public void Jvp_of_each_op_agrees_with_vjp(string opName)
    {
        var op = GraphOptions.AllOps.Single(o => o.Name == opName);
        Check.One(PropertyConfig.With(PropertyConfig.CasesPerOp),
            Prop.ForAll(RandomGraphs.Arb(new GraphOptions { Ops = new[] { op }, MaxSteps = 3 }), CheckJvp));
    }
}
