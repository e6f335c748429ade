using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Search;
using Xunit;

namespace Nabla.Tests.Search;

/// <summary>Random and coarse-to-fine proposals: reproducible, inside the space, and (coarse-to-fine) concentrating near the best trials.</summary>
public class StrategyTests
{
    private static readonly SearchSpace Space = SearchSpace.Parse(SearchSpaceTests.Spec);

    private static ProposalContext Ctx(int k, long seed, IReadOnlyList<TrialResult>? history = null, int total = 40, bool maximize = true) =>
        new(Space, k, total, seed, maximize, history ?? Array.Empty<TrialResult>());

    [Fact]
    public void Random_search_depends_only_on_seed_and_trial_index()
    {
        var r = new RandomSearch();
        var a = Enumerable.Range(0, 30).Select(k => r.Propose(Ctx(k, 7))).ToArray();
        var b = Enumerable.Range(0, 30).Reverse().Select(k => r.Propose(Ctx(k, 7))).Reverse().ToArray();
        Assert.Equal(a, b); // order of proposing does not matter
        var c = Enumerable.Range(0, 30).Select(k => r.Propose(Ctx(k, 8))).ToArray();
        Assert.True(a.Zip(c).Count(p => p.First.Equals(p.Second)) == 0);
        Assert.Equal(30, a.Distinct().Count());
        // Pinned: the first proposal for seed 7 (guards the stream naming and the unit mapping against silent change).
        var rng = Rng.ForName(7, "propose:0");
        var u = Enumerable.Range(0, Space.Dimension).Select(_ => rng.NextDouble()).ToArray();
        Assert.Equal(Space.FromUnit(u), a[0]);
    }

    [Fact]
    public void Random_search_covers_each_scale_evenly()
    {
        var r = new RandomSearch();
        var all = Enumerable.Range(0, 3000).Select(k => r.Propose(Ctx(k, 3, total: 3000))).ToArray();
        // Log scale: each decade of lr in [1e-4, 1e-1] gets about a third of the draws.
        int[] decades = new int[3];
        foreach (var c in all) decades[Math.Min(2, (int)Math.Floor(Math.Log10(c.GetDouble("lr")) + 4))]++;
        Assert.All(decades, n => Assert.InRange(n, 850, 1150));
        // Choices equally likely.
        foreach (var opt in new[] { "sgd", "momentum", "adam" })
            Assert.InRange(all.Count(c => (string)c["optimizer"] == opt), 850, 1150);
        Assert.All(all, c => Assert.InRange(c.GetInt("batch"), 16, 256));
    }

    private static TrialResult Trial(int k, Configuration c, double v) => new(k, 0, c, v, null, 0);

    [Fact]
    public void Coarse_to_fine_is_random_first_then_samples_the_box_around_the_best()
    {
        var s = new CoarseToFine(coarseFraction: 0.5, topFraction: 0.2);
        Assert.Equal(20, s.CoarseTrials(40));
        var random = new RandomSearch();
        var history = Enumerable.Range(0, 25).Select(k => random.Propose(Ctx(k, 5))).ToArray();
        // Score: closeness to a target point of the cube.
        double[] target = { 0.3, 0.6, 0.8, 0.2, 0.5 };
        double Score(Configuration c) => -Space.ToUnit(c).Zip(target, (a, b) => (a - b) * (a - b)).Sum();
        var trials = history.Select((c, k) => Trial(k, c, Score(c))).ToArray();

        Assert.Equal(random.Propose(Ctx(10, 5, trials.Take(10).ToArray())), s.Propose(Ctx(10, 5, trials.Take(10).ToArray())));
        Assert.Null(s.Box(Ctx(10, 5, trials.Take(10).ToArray())));

        var ctx = Ctx(30, 5, trials);
        var box = s.Box(ctx)!.Value;
        var top = trials.OrderByDescending(t => t.Value).Take(5).Select(t => Space.ToUnit(t.Configuration)).ToArray(); // ⌈0.2·25⌉ = 5
        for (int i = 0; i < Space.Dimension; i++)
        {
            Assert.InRange(box.Lo[i], 0, 1); Assert.InRange(box.Hi[i], 0, 1);
            double a = top.Min(p => p[i]), b = top.Max(p => p[i]), w = b - a;
            Assert.Equal(Math.Max(0, a - 0.25 * w), box.Lo[i], 12);
            Assert.Equal(Math.Min(1, b + 0.25 * w), box.Hi[i], 12);
        }
        // Proposals fall inside the box (discrete dimensions: in the same value cells) and inside the space.
        for (int k = 25; k < 40; k++)
        {
            var c = s.Propose(Ctx(k, 5, trials));
            Assert.Equal(c, Space.Create(Space.Parameters.ToDictionary(p => p.Name, p => c[p.Name])));
            var u = Space.ToUnit(c);
            for (int i = 0; i < u.Length; i++)
            {
                var p = Space.Parameters[i];
                if (p.Kind is HyperparameterKind.Uniform or HyperparameterKind.LogUniform)
                    Assert.InRange(u[i], box.Lo[i] - 1e-12, box.Hi[i] + 1e-12);
                else
                {
                    var lo = p.FromUnit(box.Lo[i]); var hi = p.FromUnit(box.Hi[i]);
                    Assert.InRange(p.ToUnit(c[p.Name]), p.ToUnit(lo), p.ToUnit(hi));
                }
            }
        }
    }

    [Fact]
    public void Coarse_to_fine_minimizing_refines_around_the_smallest_values()
    {
        var s = new CoarseToFine(coarseFraction: 0.25, topFraction: 0.1, margin: 0, minWidth: 0.01);
        var h = Hyperparameter.Uniform("x", 0, 1);
        var space = new SearchSpace(h);
        var hist = new[] { 0.1, 0.5, 0.52, 0.9 }.Select((x, k) => Trial(k, space.FromUnit(new[] { x }), Math.Abs(x - 0.51))).ToArray();
        var ctx = new ProposalContext(space, 8, 10, 1, maximize: false, hist);
        var box = s.Box(ctx)!.Value;
        Assert.Equal(0.5, box.Lo[0], 12); Assert.Equal(0.52, box.Hi[0], 12);
        var ctxMax = new ProposalContext(space, 8, 10, 1, maximize: true, hist);
        var boxMax = s.Box(ctxMax)!.Value;
        Assert.Equal(0.1, boxMax.Lo[0], 12); Assert.Equal(0.9, boxMax.Hi[0], 12);
        // Failed trials are ignored; the minimum width holds.
        var failed = hist.Take(1).Append(new TrialResult(4, 0, space.FromUnit(new[] { 0.3 }), 0, "boom", 0))
            .Append(Trial(5, space.FromUnit(new[] { 0.1 }), 0.41)).ToArray();
        var b2 = s.Box(new ProposalContext(space, 8, 10, 1, false, failed))!.Value;
        Assert.Equal(0.095, b2.Lo[0], 12); Assert.Equal(0.105, b2.Hi[0], 12);
    }

    [Fact]
    public void Coarse_to_fine_concentrates_near_the_optimum_over_a_sequential_search()
    {
        // A sequential search (history = all earlier trials) of a smooth objective peaked at a known point.
        double[] target = { 0.7, 0.4 };
        var space = SearchSpace.Parse("lr=1e-4..1e-1:log; dropout=0..0.5");
        double F(Configuration c) => -space.ToUnit(c).Zip(target, (a, b) => (a - b) * (a - b)).Sum();
        foreach (long seed in new long[] { 1, 2, 3 })
        {
            var s = new CoarseToFine();
            var trials = new List<TrialResult>();
            for (int k = 0; k < 60; k++)
            {
                var c = s.Propose(new ProposalContext(space, k, 60, seed, true, trials.ToArray()));
                trials.Add(Trial(k, c, F(c)));
            }
            double coarse = trials.Take(30).Average(t => -t.Value), fine = trials.Skip(30).Average(t => -t.Value);
            Assert.True(fine < coarse / 4, $"seed {seed}: mean squared distance {fine:R} (fine) vs {coarse:R} (coarse)");
            Assert.True(trials.Max(t => t.Value) > trials.Take(30).Max(t => t.Value), $"seed {seed}: the fine phase did not improve on the best coarse trial");
        }
    }

    [Fact]
    public void Bad_coarse_to_fine_settings_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoarseToFine(coarseFraction: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoarseToFine(topFraction: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoarseToFine(margin: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoarseToFine(minWidth: 0));
        Assert.Equal("coarse-to-fine(coarse=0.5,top=0.2,margin=0.25,min=0.05)", new CoarseToFine().Name);
    }
}
