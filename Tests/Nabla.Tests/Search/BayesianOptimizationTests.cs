using System;
using System.Linq;
using Nabla.Search;
using Xunit;

namespace Nabla.Tests.Search;

/// <summary>The Bayesian strategy on the GP and EI: it finds a smooth optimum far better than random search on the same budget, reproducibly.</summary>
public class BayesianOptimizationTests
{
    private static readonly SearchSpace Space = SearchSpace.Parse("a=0..1; b=0..1");

    /// <summary>A smooth bowl with its peak (0) at a = 0.37, b = 0.71.</summary>
    private static double Bowl(Configuration c, TrialContext _) =>
        -(Math.Pow(c.GetDouble("a") - 0.37, 2) + Math.Pow(c.GetDouble("b") - 0.71, 2));

    private static SearchResult Run(ISearchStrategy s, long seed, int workers = 1, bool minimize = false) =>
        SearchRunner.Run(Space, s, minimize ? (c, t) => -Bowl(c, t) : Bowl,
            new SearchOptions { Trials = 20, Workers = workers, Seed = seed, Maximize = !minimize });

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void It_finds_the_peak_of_a_smooth_bowl_far_better_than_random_search_on_the_same_budget(long seed)
    {
        double bayes = Run(new BayesianOptimization(), seed).Best!.Value;
        double random = Run(new RandomSearch(), seed).Best!.Value;
        // 5 trials of a Latin hypercube, then 15 proposals by EI: measured best −2.0e-7, −6.9e-8, −5.1e-7 for seeds 1–3 (the
        // test asks for −1e-3); 20 random trials reach only −0.013, −0.033, −0.0022.
        Assert.True(bayes > -1e-3, $"seed {seed}: bayes best {bayes}");
        Assert.True(bayes > random, $"seed {seed}: bayes {bayes} vs random {random}");
        // Minimizing the negated bowl is the same search.
        Assert.Equal(-bayes, Run(new BayesianOptimization(), seed, minimize: true).Best!.Value);
    }

    [Fact]
    public void Its_first_trials_are_a_latin_hypercube_or_random_search_and_the_run_is_reproducible_for_a_seed_and_worker_count()
    {
        // The default design: the first five trials put one point in each fifth of every coordinate.
        var lhs = Run(new BayesianOptimization(initialTrials: 5), 7, workers: 2);
        foreach (var name in new[] { "a", "b" })
            Assert.Equal(new[] { 0, 1, 2, 3, 4 }, lhs.Trials.Take(5).Select(t => (int)(t.Configuration.GetDouble(name) * 5)).OrderBy(i => i));
        // A 3-way choice in a 5-point design: every value appears (random starts miss one value with probability 0.38).
        var choice = SearchSpace.Parse("opt={sgd,momentum,adam}; lr=1e-4..1e-1:log");
        for (long seed = 1; seed <= 20; seed++)
        {
            var r = SearchRunner.Run(choice, new BayesianOptimization(), (c, t) => 0.5, new SearchOptions { Trials = 5, Seed = seed });
            Assert.Equal(3, r.Trials.Select(t => t.Configuration.GetString("opt")).Distinct().Count());
        }
        // The random design equals random search.
        var bayes = Run(new BayesianOptimization(initialTrials: 5, design: InitialDesign.Random), 7, workers: 2);
        var random = Run(new RandomSearch(), 7, workers: 2);
        for (int k = 0; k < 5; k++) Assert.Equal(random.Trials[k].Configuration, bayes.Trials[k].Configuration);
        Assert.NotEqual(random.Trials[10].Configuration, bayes.Trials[10].Configuration);
        var again = Run(new BayesianOptimization(initialTrials: 5), 7, workers: 2);
        Assert.Equal(lhs.Trials.Select(t => t.Value), again.Trials.Select(t => t.Value));
        Assert.Equal("bayes(initial=5,design=lhs,kernel=Matern52,lengthscale_prior=lognormal(0.5,1),xi=0)", new BayesianOptimization().Name);
        Assert.Equal("bayes(initial=5,kernel=Matern52,lengthscale_prior=lognormal(0.5,1),xi=0)", new BayesianOptimization(design: InitialDesign.Random).Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BayesianOptimization(initialTrials: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BayesianOptimization(xi: -1));
    }
}
