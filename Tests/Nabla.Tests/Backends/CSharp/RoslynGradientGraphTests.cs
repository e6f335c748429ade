using System;
using System.Linq;
using Nabla.Ir;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Nabla.Tests.Backends.CSharp;

/// <summary>
/// The Roslyn backend on what the expression backend already runs (<c>ExpressionPropertyTests</c>): gradient-descent
/// steps of random graphs — outputs y, L = sum(u·y) and ∂L/∂x for every input x, every parameter w ← w − 0.125·∂L/∂w
/// in place — from the plain
/// and from the optimized schedule, in float64 and float32, vectors on and off, batches up to 33, against the
/// interpreter. All cases go into one compilation.
/// </summary>
[Collection("CSharpBackend")]
public class RoslynGradientGraphTests
{
    private readonly ITestOutputHelper _out;
    public RoslynGradientGraphTests(ITestOutputHelper o) { _out = o; }

    private static GraphOptions Wide(DType type) => new() { DType = type, MaxBatch = 33, MaxElements = 264, MaxDim = 5 };

    private static (Function F, System.Collections.Generic.Dictionary<string, Tensor> Bind) Step(GraphCase c)
    {
        var (loss, bindings) = GradCheck.Projection(c, new Random(GradCheck.Seed(c)));
        var ps = c.Function.Params();
        var xs = c.Function.Inputs();
        var grads = Autodiff.Grad(loss, ps.Concat(xs).ToArray());
        var outputs = new[] { new Named("y", c.Output), new Named("loss", loss) }.Concat(xs.Select((x, i) => new Named("d_" + x.Name, grads[ps.Count + i])));
        var f = new Function(c.Graph, outputs, ps.Select((p, i) => new Named(p.Name!, p - 0.125 * grads[i])));
        return (f, bindings);
    }

    [Fact]
    public void Gradient_steps_of_random_graphs_plain_and_optimized_agree_with_the_interpreter()
    {
        var cases = RandomGraphs.Sample(16, seed: 31, Wide(DType.F64)).Concat(RandomGraphs.Sample(10, seed: 32, Wide(DType.F32))).ToArray();
        var built = cases.Select((c, i) => { var (f, bind) = Step(c); return (c, f, bind, plan: ThreeWay.Plan(f, "Step" + i)); }).ToArray();
        int withUpdates = built.Count(b => b.f.Updates.Count > 0);
        Assert.True(withUpdates >= 5, $"only {withUpdates} of {built.Length} cases have parameters to update");
        var types = ThreeWay.CompileAll(built.Select(b => b.plan).ToArray(), out double ms);
        _out.WriteLine($"{built.Length} gradient steps ({withUpdates} with updates; plain and optimized) compiled in {ms:F0} ms");
        foreach (var (c, f, bind, plan) in built)
        {
            var diff = ThreeWay.Check(f, plan, types(plan.Name), bind, c.Batch, c.Options.DType == DType.F64 ? 1e-10 : 2e-4);
            Assert.True(diff is null, $"{diff}\n{c}");
        }
    }
}
