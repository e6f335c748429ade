using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Engine;
using Nabla.Rewrites.Passes;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Nabla.Tests.Rewrites;

/// <summary>
/// Every rewrite rule fires somewhere: on the random graphs the property suites draw (<see cref="RandomGraphs"/> with
/// the options the pipeline properties use, and <see cref="AlgebraGraphs"/>), run through the pipeline with a
/// <see cref="RuleFirings"/> tally listening, or else on a committed template graph made for it
/// (<see cref="RuleTemplates"/>), whose rewrite is checked against the interpreter. A rule that fires nowhere is named.
/// </summary>
public class RuleCoverageTests
{
    private readonly ITestOutputHelper _out;

    public RuleCoverageTests(ITestOutputHelper output) { _out = output; }

    /// <summary>Every rule of every rule set of the passes (the public static <see cref="RuleSet"/> fields of Nabla.Rewrites.Passes), by name.</summary>
    public static IReadOnlyList<string> AllRules() =>
        typeof(Pipeline).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Canonicalization).Namespace)
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(RuleSet)))
            .SelectMany(f => (RuleSet)f.GetValue(null)!).Select(r => r.Name).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray();

    // The random graphs: as many as the pipeline properties draw per run, with fixed seeds so the result is the same every run.
    private static RuleFirings RandomFirings()
    {
        var firings = new RuleFirings();
        using (firings.Listen())
        {
            foreach (var c in RandomGraphs.Sample(200, seed: 17))
            {
                var f = RewriteChecks.WithGradients(c);
                Pipeline.Optimize(f);
                Pipeline.Optimize(f, new RewriteOptions { FastMath = true });
                Pipeline.Simplify(f);
            }
            foreach (var c in RandomGraphs.Sample(100, seed: 18, new GraphOptions { DType = DType.F32 }))
                Pipeline.Optimize(RewriteChecks.WithGradients(c));
            var rng = new Random(19);
            for (int i = 0; i < 300; i++)
            {
                var c = AlgebraGraphs.Build(Enumerable.Range(0, 48).Select(_ => rng.Next(0, 10000)).ToArray());
                Pipeline.Optimize(c.Function);
                Pipeline.Optimize(c.Function, new RewriteOptions { FastMath = true });
                Pipeline.Simplify(c.Function);
            }
        }
        return firings;
    }

    [Fact]
    public void Every_rule_fires_on_random_graphs_or_on_a_template()
    {
        var random = RandomFirings();
        var templates = new RuleFirings();
        using (templates.Listen())
            foreach (var t in RuleTemplates.All) t.Optimize();
        var all = AllRules();
        var fromRandom = all.Where(r => random.Count(r) > 0).ToArray();
        var onlyTemplates = all.Where(r => random.Count(r) == 0 && templates.Count(r) > 0).ToArray();
        var never = all.Where(r => random.Count(r) == 0 && templates.Count(r) == 0).ToArray();
        _out.WriteLine($"{all.Count} rules: {fromRandom.Length} fire on random graphs, {onlyTemplates.Length} only on templates, {never.Length} never.");
        foreach (var r in onlyTemplates) _out.WriteLine("template only: " + r);
        foreach (var r in never) _out.WriteLine("never: " + r);
        _out.WriteLine(random.ToString());
        Assert.True(never.Length == 0, $"{never.Length} of {all.Count} rewrite rules never fired, on random graphs or on a template:\n  " + string.Join("\n  ", never));
    }
}
