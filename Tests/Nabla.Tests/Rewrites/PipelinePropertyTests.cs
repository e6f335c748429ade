using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Passes;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace Nabla.Tests.Rewrites;

/// <summary>
/// Properties over random graphs (and their gradients) with random inputs: every pass and the whole pipeline keep the
/// interpreter's results (float64, tolerance 1e-9 relative); the pipeline is idempotent; no two structurally equal
/// nodes survive; every rule set reaches its fixed point in one sweep (checked by the engine in every case).
/// </summary>
public class PipelinePropertyTests
{
    private const int Cases = 200;

    private static Config Quick(int cases) => Config.QuickThrowOnFailure.WithMaxTest(cases);

    [Fact]
    public void Every_pass_alone_keeps_the_results()
    {
        Check.One(Quick(Cases), Prop.ForAll(RandomGraphs.Arb(), c =>
        {
            var f = RewriteChecks.WithGradients(c);
            foreach (var pass in Pipeline.Standard)
            {
                var g = pass.Run(f, RewriteChecks.Strict(), new Nabla.Rewrites.Engine.RewriteReport());
                RewriteChecks.SameResults(f, g, c.Bindings, c.Batch, what: pass.Name);
            }
        }));
    }

    [Fact]
    public void Every_pass_of_the_pipeline_keeps_the_results()
    {
        Check.One(Quick(Cases), Prop.ForAll(RandomGraphs.Arb(), c =>
        {
            var f = RewriteChecks.WithGradients(c);
            var current = f;
            foreach (var pass in Pipeline.Standard)
            {
                current = Pipeline.Run(current, new[] { pass }, RewriteChecks.Strict()).Function;
                RewriteChecks.SameResults(f, current, c.Bindings, c.Batch, what: "after " + pass.Name);
            }
        }));
    }

    [Fact]
    public void Fast_math_pipeline_keeps_finite_results()
    {
        Check.One(Quick(Cases), Prop.ForAll(RandomGraphs.Arb(), c =>
        {
            var f = RewriteChecks.WithGradients(c);
            if (!RewriteChecks.AllFinite(f, c.Bindings, c.Batch)) return;
            var g = Pipeline.Optimize(f, RewriteChecks.Strict(fastMath: true)).Function;
            RewriteChecks.SameResults(f, g, c.Bindings, c.Batch, what: "fast-math pipeline");
        }));
    }

    [Fact]
    public void Pipeline_keeps_float32_results()
    {
        var options = new GraphOptions { DType = DType.F32 };
        Check.One(Quick(Cases / 2), Prop.ForAll(RandomGraphs.Arb(options), c =>
        {
            var f = RewriteChecks.WithGradients(c);
            var g = Pipeline.Optimize(f, RewriteChecks.Strict()).Function;
            RewriteChecks.SameResults(f, g, c.Bindings, c.Batch, tolerance: 1e-4, precision: DType.F32, what: "f32 pipeline");
        }));
    }

    [Fact]
    public void Pipeline_is_idempotent()
    {
        Check.One(Quick(Cases), Prop.ForAll(RandomGraphs.Arb(), c =>
        {
            var once = Pipeline.Optimize(RewriteChecks.WithGradients(c), RewriteChecks.Strict()).Function;
            var twice = Pipeline.Optimize(once, RewriteChecks.Strict()).Function;
            var a = Printer.Print(once); var b = Printer.Print(twice);
            if (a != b) throw new XunitException($"Optimizing again changed the graph.\nOnce:\n{a}\nTwice:\n{b}");
        }));
    }

    [Fact]
    public void No_two_structurally_equal_nodes_survive()
    {
        Check.One(Quick(Cases), Prop.ForAll(RandomGraphs.Arb(), c =>
        {
            var f = RewriteChecks.WithGradients(c);
            var g = Pipeline.Optimize(f, RewriteChecks.Strict()).Function;
            // Duplicates compares a commutative op's operands in sorted order, so values equal up to operand order
            // count as equal too.
            var dup = CommonSubexpressions.Duplicates(g);
            if (dup.Count > 0) throw new XunitException($"{Printer.Line(dup[0].Item1)} and {Printer.Line(dup[0].Item2)} are equal.");
        }));
    }
}

/// <summary>The same properties over graphs built from the rules' own shapes (see <see cref="AlgebraGraphs"/>).</summary>
public class AlgebraPropertyTests
{
    private const int Cases = 300;

    private static Config Quick(int cases) => Config.QuickThrowOnFailure.WithMaxTest(cases);

    [Fact]
    public void Every_pass_alone_keeps_the_results()
    {
        int compared = 0, skipped = 0;
        Check.One(Quick(Cases), Prop.ForAll(AlgebraGraphs.Arb(), c =>
        {
            foreach (var pass in Pipeline.Standard)
            {
                var g = pass.Run(c.Function, RewriteChecks.Strict(), new Nabla.Rewrites.Engine.RewriteReport());
                var (n, s) = RewriteChecks.SameResults(c.Function, g, c.Bindings, c.Batch, what: pass.Name);
                compared += n; skipped += s;
            }
        }));
        // The comparison skips outputs whose value real arithmetic does not define; that must stay the exception, or the
        // property would pass by comparing nothing.
        Assert.True(skipped <= 0.1 * (compared + skipped), $"{skipped} of {compared + skipped} outputs skipped");
        Assert.True(compared > 5000, $"only {compared} outputs compared"); // about 10,400 compared and 80 skipped per run
    }

    [Fact]
    public void Pipeline_keeps_the_results_after_every_pass()
    {
        Check.One(Quick(Cases), Prop.ForAll(AlgebraGraphs.Arb(), c =>
        {
            var current = c.Function;
            foreach (var pass in Pipeline.Standard)
            {
                current = Pipeline.Run(current, new[] { pass }, RewriteChecks.Strict()).Function;
                RewriteChecks.SameResults(c.Function, current, c.Bindings, c.Batch, what: "after " + pass.Name);
            }
            var simplified = Pipeline.Simplify(c.Function, RewriteChecks.Strict());
            RewriteChecks.SameResults(c.Function, simplified, c.Bindings, c.Batch, what: "Simplify");
        }));
    }

    [Fact]
    public void Fast_math_keeps_finite_results()
    {
        Check.One(Quick(Cases), Prop.ForAll(AlgebraGraphs.Arb(), c =>
        {
            // Fast math assumes no infinity or NaN anywhere: x*0 → 0 may hide a NaN that a comparison then turned
            // into a finite output. Only graphs that are finite throughout are in its contract.
            if (!RewriteChecks.AllFinite(c.Function, c.Bindings, c.Batch)) return;
            var g = Pipeline.Optimize(c.Function, RewriteChecks.Strict(fastMath: true)).Function;
            RewriteChecks.SameResults(c.Function, g, c.Bindings, c.Batch, what: "fast-math pipeline");
        }));
    }

    [Fact]
    public void Pipeline_is_idempotent_and_leaves_no_duplicates()
    {
        Check.One(Quick(Cases), Prop.ForAll(AlgebraGraphs.Arb(), c =>
        {
            var once = Pipeline.Optimize(c.Function, RewriteChecks.Strict()).Function;
            var twice = Pipeline.Optimize(once, RewriteChecks.Strict()).Function;
            var a = Printer.Print(once); var b = Printer.Print(twice);
            if (a != b) throw new XunitException($"Optimizing again changed the graph.\nOnce:\n{a}\nTwice:\n{b}");
            var dup = CommonSubexpressions.Duplicates(once);
            if (dup.Count > 0) throw new XunitException($"{Printer.Line(dup[0].Item1)} and {Printer.Line(dup[0].Item2)} are equal.");
        }));
    }
}
