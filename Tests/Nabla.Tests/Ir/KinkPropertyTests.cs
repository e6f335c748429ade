using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Tests.Backends;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Nabla.Tests.Ir;

/// <summary>
/// Random graphs whose values sit ON the kinks and ties (leaves from <see cref="GraphOptions.KinkGrid"/>, margin 0:
/// relu/abs/step/sign of 0, max/min/comparison ties, reduce_max slices with several maxima, mixed eq masks, where on
/// conditions holding 0): finite differences are invalid there, so the interpreter, the expression backend and the
/// Roslyn backend must agree — forward and gradient, plain and optimized schedules, vectors on and off, in float64 and
/// float32. The ops are <see cref="GraphOptions.ExactOps"/>, exact on the grid, so every implementation takes the same
/// branch at every tie: with transcendentals a tie reached by two paths can hold in one implementation's rounding and
/// not in another's (this property found log_softmax over a column shifted by a constant: equal values in the
/// interpreter, one ulp apart in a backend, so reduce_max's split differed), which is not a disagreement about the
/// convention. <see cref="KinkFixtureTests"/> pins the values themselves to PyTorch's.
/// </summary>
[Collection("CSharpBackend")] // ThreeWay switches CompiledModel<T>.VectorsEnabled, which is process-wide
public class KinkPropertyTests
{
    private readonly ITestOutputHelper _out;
    public KinkPropertyTests(ITestOutputHelper o) { _out = o; }

    private static readonly double[] Weights = { -1, 0.5, 1, 2 };

    /// <summary>
    /// The case as one function: y, and "d_" + name = ∂ sum(u·y)/∂name for every variable, with u drawn from small
    /// nonzero dyadic weights (so gradients are exact sums too).
    /// </summary>
    internal static (Function F, Dictionary<string, Tensor> Bind) WithGradients(GraphCase c)
    {
        var rng = new Random(GradCheck.Seed(c));
        var y = c.Output;
        var u = c.Graph.Input("proj_u", y.Shape, y.DType);
        var bind = c.CopyBindings();
        var shape = y.Shape.Concrete(c.Batch);
        bind["proj_u"] = new Tensor(shape, Enumerable.Range(0, (int)y.Shape.Size(c.Batch)).Select(_ => Weights[rng.Next(Weights.Length)]).ToArray());
        var vars = c.Variables;
        var grads = vars.Count == 0 ? Array.Empty<Node>() : Autodiff.Grad(F.Sum(u * y), vars);
        var outputs = new List<Named> { new("y", y) };
        for (int i = 0; i < vars.Count; i++) outputs.Add(new Named("d_" + vars[i].Name, grads[i]));
        return (new Function(c.Graph, outputs), bind);
    }

    private static GraphOptions Options(DType type) => GraphOptions.OnKinks(type, GraphOptions.ExactOps);

    // Exact arithmetic on the grid except the 1/k of a tie split.
    private static double Tolerance(DType type) => type == DType.F64 ? 1e-12 : 1e-6;

    private static void Agree(GraphCase c, Type? roslyn = null, string name = "Kink")
    {
        var (f, bind) = WithGradients(c);
        var diff = ThreeWay.Check(f, ThreeWay.Plan(f, name), roslyn, bind, c.Batch, Tolerance(c.Options.DType));
        if (diff is not null) throw new XunitException($"{diff}\n{Printer.Print(f)}{c}");
    }

    [Theory]
    [InlineData(DType.F64, 40)] // percent of PropertyConfig.Cases: 120 cases
    [InlineData(DType.F32, 25)]
    public void The_interpreter_and_the_expression_backend_agree_on_the_kinks(DType type, int percent)
    {
        Check.One(PropertyConfig.With(PropertyConfig.Cases * percent / 100), Prop.ForAll(RandomGraphs.Arb(Options(type)), c => Agree(c)));
    }

    [Fact]
    public void Roslyn_agrees_with_the_interpreter_on_the_kinks()
    {
        // One compilation for every case of both types (a Roslyn compile costs seconds).
        var cases = RandomGraphs.Sample(24, seed: 17, Options(DType.F64)).Concat(RandomGraphs.Sample(16, seed: 18, Options(DType.F32))).ToArray();
        var built = cases.Select((c, i) => { var (f, bind) = WithGradients(c); return (c, f, bind, plan: ThreeWay.Plan(f, "Kink" + i)); }).ToArray();
        var types = ThreeWay.CompileAll(built.Select(b => b.plan).ToArray(), out double ms);
        _out.WriteLine($"{built.Length} kink cases (plain and optimized) compiled in {ms:F0} ms");
        foreach (var (c, f, bind, plan) in built)
        {
            var diff = ThreeWay.Check(f, plan, types(plan.Name), bind, c.Batch, Tolerance(c.Options.DType));
            Assert.True(diff is null, $"{diff}\n{Printer.Print(f)}{c}");
        }
    }

    /// <summary>What a sample of the kink generator hits: each kind of kink or tie, counted over cases.</summary>
    internal static Dictionary<string, int> Coverage(IEnumerable<GraphCase> cases)
    {
        var hits = new Dictionary<string, int>();
        void Hit(string what) => hits[what] = hits.TryGetValue(what, out var n) ? n + 1 : 1;
        foreach (var c in cases)
        {
            var v = Interpreter.Evaluate(c.Function.Roots, c.Bindings, DType.F64, c.Batch);
            var seen = new HashSet<string>();
            double[] At(Node n, Node like) => GraphBuilder.Broadcast(v[n], like.Shape.Concrete(c.Batch));
            foreach (var n in c.Function.Nodes())
            {
                var op = n.Op;
                if ((op == Op.Relu || op == Op.Abs || op == Op.Step || op == Op.Sign) && v[n.A].Data.Contains(0)) seen.Add(op.Name + " at 0");
                if (op == Op.Max || op == Op.Min)
                    if (At(n.A, n).Zip(At(n.B, n), (a, b) => a == b).Any(t => t)) seen.Add(op.Name + " tie");
                if (op == Op.ReduceMax && GraphBuilder.TopGap(v[n.A], n.Attr<AxesAttrs>().Axes) == 0) seen.Add("reduce_max tie");
                if (op == Op.Equal && v[n].Data.Contains(0) && v[n].Data.Contains(1)) seen.Add("eq mixed");
                if (op == Op.Where && !n.A.Op.IsComparison)
                {
                    var cond = At(n.A, n);
                    if (cond.Contains(0) && cond.Any(x => x != 0)) seen.Add("where both branches");
                }
            }
            foreach (var s in seen) Hit(s);
        }
        return hits;
    }

    [Fact]
    public void The_kink_generator_really_lands_on_kinks_and_ties()
    {
        var hits = Coverage(RandomGraphs.Sample(600, seed: 5, Options(DType.F64)));
        _out.WriteLine(string.Join(", ", hits.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}")));
        foreach (var what in new[] { "relu at 0", "abs at 0", "step at 0", "sign at 0", "max tie", "min tie", "reduce_max tie", "eq mixed", "where both branches" })
            Assert.True(hits.TryGetValue(what, out var n) && n >= 4, $"{what}: {(hits.TryGetValue(what, out var m) ? m : 0)} of 600 cases");
    }
}
