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
/// Random graphs over the wide domains of <see cref="GraphOptions.WideDomains"/>: log/sqrt/pow bases and divisors down
/// to 1e-3, exp arguments up to 80, pow of negative bases with integer exponents, −∞ into max/min/reduce_max. The VJP
/// agrees with central differences in float64 (valid: kinks keep their margin, −∞ entries are constants), every
/// gradient is finite, and both backends agree with the interpreter: in float64 tightly, in float32 with a relative
/// tolerance for float32 arithmetic (below).
/// </summary>
[Collection("CSharpBackend")] // ThreeWay switches CompiledModel<T>.VectorsEnabled, which is process-wide
public class WideDomainPropertyTests
{
    private readonly ITestOutputHelper _out;
    public WideDomainPropertyTests(ITestOutputHelper o) { _out = o; }

    private static GraphOptions Wide(DType type, double expLimit = 80) =>
        new() { DType = type, WideDomains = true, MaxBatch = 9, MaxElements = 128, MaxDim = 4, ExpLimit = expLimit };

    // Float32 against the interpreter rounding every op to float32: the two differ by the runtime's float32 functions
    // (a few ulps, ~1e-7 relative) amplified by the conditioning of what follows — e^x has condition number |x| ≤ 80 — so
    // 80 · 1e-7 per exp, through up to 8 ops: 1e-3 relative. Float64: the same at 1e-16.
    private static double Tolerance(DType type) => type == DType.F64 ? 1e-9 : 1e-3;

    // The optimized schedule reassociates scalar factors (canonicalization). Its guards (no folded constant outside the
    // element type's normal range, no range scale beyond 2^±20 moved) keep that to rounding, so float32 is checked with
    // exp arguments up to 80 on the optimized schedules too: before the guards, e⁸⁰·2⁻¹¹² written became (e⁸⁰·e⁸⁰)·2⁻²²⁴
    // — ∞ times a scale folded to 0 — and a VJP's 2⁻⁵³·2⁻⁵⁴·2⁻³ folded to 0 in float32 (ReassociationRangeTests).

    [Fact]
    public void Vjp_agrees_with_central_differences_and_gradients_are_finite()
    {
        Check.One(PropertyConfig.With(PropertyConfig.Cases / 2), Prop.ForAll(RandomGraphs.Arb(Wide(DType.F64)), c =>
        {
            VjpPropertyTests.CheckVjp(c);
            var (f, bind) = KinkPropertyTests.WithGradients(c);
            var r = Interpreter.Run(f, bind, DType.F64, c.Batch);
            foreach (var (name, t) in r.Outputs)
                if (t.Data.Any(x => !double.IsFinite(x))) throw new XunitException($"{name} is not finite: {string.Join(", ", t.Data)}{c}");
        }));
    }

    private static void Agree(GraphCase c, Type? roslyn = null, string name = "Wide")
    {
        var (f, bind) = KinkPropertyTests.WithGradients(c);
        var diff = ThreeWay.Check(f, ThreeWay.Plan(f, name), roslyn, bind, c.Batch, Tolerance(c.Options.DType));
        if (diff is not null) throw new XunitException($"{diff}\n{Printer.Print(f)}{c}");
    }

    [Theory]
    [InlineData(DType.F64, 20, 80)] // percent of PropertyConfig.Cases: 60 cases
    [InlineData(DType.F32, 20, 80)]
    [InlineData(DType.F32, 20, 40)]
    public void The_expression_backend_agrees_with_the_interpreter_on_wide_domains(DType type, int percent, double expLimit)
    {
        Check.One(PropertyConfig.With(PropertyConfig.Cases * percent / 100), Prop.ForAll(RandomGraphs.Arb(Wide(type, expLimit)), c => Agree(c)));
    }

    [Fact]
    public void Roslyn_agrees_with_the_interpreter_on_wide_domains()
    {
        var cases = RandomGraphs.Sample(14, seed: 23, Wide(DType.F64)).Concat(RandomGraphs.Sample(10, seed: 24, Wide(DType.F32))).ToArray();
        var built = cases.Select((c, i) => { var (f, bind) = KinkPropertyTests.WithGradients(c); return (c, f, bind, plan: ThreeWay.Plan(f, "Wide" + i)); }).ToArray();
        var types = ThreeWay.CompileAll(built.Select(b => b.plan).ToArray(), out double ms);
        _out.WriteLine($"{built.Length} wide-domain cases (plain and optimized) compiled in {ms:F0} ms");
        foreach (var (c, f, bind, plan) in built)
        {
            var diff = ThreeWay.Check(f, plan, types(plan.Name), bind, c.Batch, Tolerance(c.Options.DType));
            Assert.True(diff is null, $"{diff}\n{Printer.Print(f)}{c}");
        }
    }

    [Fact]
    public void The_wide_generator_reaches_the_edges_it_promises()
    {
        var hits = new Dictionary<string, int>();
        foreach (var c in RandomGraphs.Sample(600, seed: 9, Wide(DType.F64)))
        {
            var v = Interpreter.Evaluate(c.Function.Roots, c.Bindings, DType.F64, c.Batch);
            var seen = new HashSet<string>();
            foreach (var n in c.Function.Nodes())
            {
                var a = n.Op.Arity != 0 && !n.IsLeaf ? v[n.A].Data : Array.Empty<double>();
                if ((n.Op == Op.Log || n.Op == Op.Sqrt) && a.Any(x => x < 0.01)) seen.Add("log/sqrt argument < 0.01");
                if (n.Op == Op.Pow && a.Any(x => x > 0 && x < 0.01)) seen.Add("pow base in (0, 0.01)");
                if (n.Op == Op.Pow && a.Any(x => x < 0)) seen.Add("pow of a negative base");
                if (n.Op == Op.Div && v[n.B].Data.Any(x => Math.Abs(x) < 0.01)) seen.Add("divisor < 0.01");
                if ((n.Op == Op.Exp || n.Op == Op.Expm1) && a.Any(x => x > 40)) seen.Add("exp argument > 40");
                if ((n.Op == Op.Max || n.Op == Op.Min || n.Op == Op.ReduceMax) && (a.Any(double.IsInfinity) || (n.Op.Arity == 2 && v[n.B].Data.Any(double.IsInfinity))))
                    seen.Add(n.Op.Name + " of an infinity");
            }
            foreach (var s in seen) hits[s] = hits.TryGetValue(s, out var k) ? k + 1 : 1;
        }
        _out.WriteLine(string.Join(", ", hits.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}")));
        foreach (var what in new[] { "log/sqrt argument < 0.01", "pow base in (0, 0.01)", "pow of a negative base", "divisor < 0.01", "exp argument > 40",
                     "max of an infinity", "min of an infinity", "reduce_max of an infinity" })
            Assert.True(hits.TryGetValue(what, out var n) && n >= 4, $"{what}: {(hits.TryGetValue(what, out var m) ? m : 0)} of 600 cases");
    }
}
