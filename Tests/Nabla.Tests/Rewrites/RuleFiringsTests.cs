using System.Linq;
using System.Threading;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Engine;
using Xunit;

namespace Nabla.Tests.Rewrites;

/// <summary>The opt-in tally of rule firings: what it counts, its scope, nesting and isolation between parallel callers.</summary>
public class RuleFiringsTests
{
    // x*1 + 0 with x an input: "x * 1 → x" and "x + 0 → x" fire once each.
    private static Function Identities()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(3));
        return new Function(g, ("y", x * 1.0 + 0.0));
    }

    [Fact]
    public void A_listening_tally_counts_what_the_reports_of_the_runs_count()
    {
        var firings = new RuleFirings();
        PassReport report;
        using (firings.Listen()) report = Pipeline.Optimize(Identities()).Report;
        Assert.Equal(1, firings.Count("x * 1 → x"));
        Assert.Equal(1, firings.Count("x + 0 → x"));
        var fromReports = report.Passes.SelectMany(p => p.Rules.Fired).GroupBy(kv => kv.Key).ToDictionary(gr => gr.Key, gr => (long)gr.Sum(kv => kv.Value));
        Assert.Equal(fromReports.OrderBy(kv => kv.Key), firings.Snapshot().OrderBy(kv => kv.Key));
        Assert.Equal(fromReports.Values.Sum(), firings.Total);
        Assert.Null(RuleFirings.Current);
    }

    [Fact]
    public void Nothing_is_counted_outside_the_scope_and_an_inner_scope_counts_alone()
    {
        var outer = new RuleFirings();
        var inner = new RuleFirings();
        Pipeline.Optimize(Identities()); // nobody listening
        using (outer.Listen())
        {
            Pipeline.Optimize(Identities());
            using (inner.Listen())
            {
                Assert.Same(inner, RuleFirings.Current);
                Pipeline.Optimize(Identities());
                Pipeline.Optimize(Identities());
            }
            Assert.Same(outer, RuleFirings.Current);
            Pipeline.Optimize(Identities());
        }
        Pipeline.Optimize(Identities());
        Assert.Equal(2, outer.Count("x * 1 → x"));
        Assert.Equal(2, inner.Count("x * 1 → x"));
        Assert.Equal(0, outer.Count("no such rule"));
    }

    [Fact]
    public void Parallel_callers_each_count_their_own_runs()
    {
        var tallies = Enumerable.Range(1, 4).Select(_ => new RuleFirings()).ToArray();
        using var start = new Barrier(tallies.Length);
        // Dedicated threads, not pool tasks: four waiting at a barrier must not depend on the pool growing.
        var errors = new System.Collections.Concurrent.ConcurrentQueue<System.Exception>();
        var threads = tallies.Select((t, i) => new Thread(() =>
        {
            try
            {
                using (t.Listen())
                {
                    start.SignalAndWait();
                    for (int k = 0; k <= i; k++) Pipeline.Optimize(Identities());
                }
            }
            catch (System.Exception e) { errors.Enqueue(e); }
        })).ToArray();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        Assert.Empty(errors);
        for (int i = 0; i < tallies.Length; i++) Assert.Equal(i + 1, tallies[i].Count("x * 1 → x"));
        // A tally also sums others (e.g. one per test class).
        var sum = new RuleFirings();
        foreach (var t in tallies) sum.Add(t);
        Assert.Equal(10, sum.Count("x + 0 → x"));
    }
}
