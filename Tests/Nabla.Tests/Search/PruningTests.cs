using System;
using System.IO;
using System.Linq;
using System.Threading;
using Nabla.Search;
using Nabla.Training;
using Xunit;

namespace Nabla.Tests.Search;

/// <summary>Early stopping of hopeless trials: the median rule's arithmetic, and the runner keeping a pruned search reproducible and resumable.</summary>
public sealed class PruningTests : IDisposable
{
    private static readonly SearchSpace Space = SearchSpace.Parse("x=0..1");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nabla-prune-" + Guid.NewGuid().ToString("N"));

    public PruningTests() => Directory.CreateDirectory(_dir);

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static TrialResult Finished(int index, params (long Step, double Value)[] reports) =>
        new(index, 0, Space.Create(new System.Collections.Generic.Dictionary<string, object> { ["x"] = 0.5 }), reports.Last().Value, null, 0,
            reports.Select(r => new TrialReport(r.Step, r.Value)).ToArray());

    private static TrialReport[] Reports(params (long Step, double Value)[] r) => r.Select(x => new TrialReport(x.Step, x.Value)).ToArray();

    [Fact]
    public void Median_is_the_middle_value_or_the_mean_of_the_middle_two()
    {
        Assert.Equal(3, MedianStopping.Median(new double[] { 5, 1, 3 }));
        Assert.Equal(2.5, MedianStopping.Median(new double[] { 4, 1, 3, 2 }));
        Assert.Throws<ArgumentException>(() => MedianStopping.Median(Array.Empty<double>()));
    }

    [Fact]
    public void Median_rule_stops_a_trial_whose_best_so_far_is_below_the_median_at_the_same_step()
    {
        // Earlier trials at step 200: 0.5, 0.6, 0.7 → median 0.6 (a trial without a step-200 report does not count).
        var history = new[]
        {
            Finished(0, (100, 0.4), (200, 0.5)), Finished(1, (100, 0.5), (200, 0.6)),
            Finished(2, (100, 0.6), (200, 0.7)), Finished(3, (100, 0.9), (300, 0.95)),
        };
        var rule = new MedianStopping(minTrials: 3, warmupReports: 1);
        Assert.False(rule.ShouldStop(Reports((100, 0.1)), history, maximize: true));               // warm-up: never at the first report
        Assert.True(rule.ShouldStop(Reports((100, 0.1), (200, 0.59)), history, maximize: true));  // best 0.59 < 0.6
        Assert.False(rule.ShouldStop(Reports((100, 0.1), (200, 0.6)), history, maximize: true)); // equal: not strictly worse
        Assert.False(rule.ShouldStop(Reports((100, 0.65), (200, 0.3)), history, maximize: true)); // its best so far (0.65) counts
        // At step 300 only trial 3 reported: too few to compare with; likewise five needed where three reported.
        Assert.False(rule.ShouldStop(Reports((100, 0.1), (300, 0.0)), history, maximize: true));
        Assert.False(new MedianStopping(minTrials: 5).ShouldStop(Reports((100, 0.1), (200, 0.0)), history, maximize: true));
        // Minimizing (a loss): best so far is the smallest; the median of 0.5, 0.6, 0.7 is still 0.6.
        Assert.True(rule.ShouldStop(Reports((100, 0.9), (200, 0.61)), history, maximize: false));
        Assert.False(rule.ShouldStop(Reports((100, 0.2), (200, 0.9)), history, maximize: false));
        Assert.Equal("median(min_trials=3,warmup=1)", rule.Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MedianStopping(minTrials: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MedianStopping(warmupReports: -1));
    }

    [Fact]
    public void Reports_must_come_at_increasing_steps_and_stopping_is_sticky()
    {
        var history = Enumerable.Range(0, 5).Select(i => Finished(i, (1, 0.5), (2, 0.5))).ToArray();
        var ctx = new TrialContext(5, 0, CancellationToken.None, new MedianStopping(), history, maximize: true);
        Assert.False(ctx.Report(1, 0.1));
        Assert.True(ctx.Report(2, 0.1));
        Assert.Equal("pruned by median(min_trials=5,warmup=1) at step 2", ctx.StopReason);
        Assert.True(ctx.Report(3, 0.9)); // once hopeless, always: the objective was told to stop
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ctx.Report(3, 0.9));
        Assert.Contains("Trial 5", e.Message);
        // A final report is recorded but never prunes (nothing is left to save); ±∞ is recorded as NaN, as the log keeps it.
        var last = new TrialContext(5, 0, CancellationToken.None, new MedianStopping(), history, maximize: true);
        Assert.False(last.Report(1, 0.1));
        Assert.False(last.Report(2, double.PositiveInfinity, final: true));
        Assert.False(last.ShouldStop);
        Assert.True(double.IsNaN(last.Reports[1].Value));
        Assert.False(new TrialContext(0, 0, CancellationToken.None).Report(1, double.NaN)); // no rule: never stops
    }

    // A learning curve: value(step) = q·step/1000, q = 1 − (x − 0.3)²; reported every 100 steps for 1000 steps, stopping when told.
    private static double Curve(Configuration c, TrialContext ctx)
    {
        Thread.Sleep(ctx.Index % 3); // finish out of order with two workers
        double q = 1 - Math.Pow(c.GetDouble("x") - 0.3, 2), last = double.NaN;
        for (long s = 100; s <= 1000; s += 100)
        {
            last = q * s / 1000;
            if (ctx.Report(s, last)) break;
        }
        return last;
    }

    private SearchResult Run(int workers, IPruningRule? pruning, string? log = null, CancellationToken cancel = default, Action<SearchProgress>? progress = null) =>
        SearchRunner.Run(Space, new RandomSearch(), Curve,
            new SearchOptions { Trials = 24, Workers = workers, Seed = 3, Pruning = pruning, LogPath = log, Cancellation = cancel, Progress = progress });

    private static string Key(TrialResult t) =>
        $"{t.Index}|{t.Configuration}|{t.Value:R}|{t.Pruned}|{string.Join(",", t.Reports.Select(r => $"{r.Step}:{r.Value:R}"))}";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Pruned_search_saves_steps_keeps_the_best_and_is_reproducible(int workers)
    {
        var full = Run(workers, null);
        var pruned = Run(workers, new MedianStopping());
        Assert.DoesNotContain(full.Trials, t => t.Pruned);
        int stopped = pruned.Trials.Count(t => t.Pruned);
        Assert.InRange(stopped, 5, 18);
        Assert.All(pruned.Trials.Where(t => t.Pruned), t => Assert.True(t.Reports.Count < 10 && t.Reports.Count >= 2, Key(t)));
        Assert.All(pruned.Trials.Take(5), t => Assert.False(t.Pruned)); // fewer than 5 finished trials to compare with
        // Every pruned trial's true final value is below the best: pruning lost nothing here.
        Assert.Equal(full.Best!.Index, pruned.Best!.Index);
        Assert.Equal(full.Best.Value, pruned.Best.Value);
        int steps(SearchResult r) => r.Trials.Sum(t => t.Reports.Count);
        Assert.True(steps(pruned) < 0.8 * steps(full), $"{steps(pruned)} vs {steps(full)} reports");
        // Bit-reproducible for the seed and worker count, whatever the finishing order.
        Assert.Equal(pruned.Trials.Select(Key), Run(workers, new MedianStopping()).Trials.Select(Key));
    }

    [Fact]
    public void Pruned_search_resumes_from_its_log_as_if_uninterrupted_and_the_log_names_the_rule()
    {
        var whole = Run(2, new MedianStopping());
        string log = Path.Combine(_dir, "s.jsonl");
        using (var cts = new CancellationTokenSource())
        {
            int seen = 0;
            var first = Run(2, new MedianStopping(), log, cts.Token, p => { if (++seen == 9) cts.Cancel(); });
            Assert.False(first.Completed);
        }
        var resumed = Run(2, new MedianStopping(), log);
        Assert.True(resumed.Completed);
        Assert.Equal(whole.Trials.Select(Key), resumed.Trials.Select(Key));
        var lines = File.ReadAllLines(log);
        Assert.Contains("\"pruning\":\"median(min_trials=5,warmup=1)\"", lines[0]);
        Assert.Equal(whole.Trials.Count(t => t.Pruned), lines.Count(l => l.Contains("\"pruned\":true")));
        // The same log with another rule (or none) is another search.
        var e = Assert.Throws<InvalidDataException>(() => Run(2, null, log));
        Assert.Contains("pruning", e.Message);
        Assert.Contains(log, e.Message);
    }
}

/// <summary>The training callback that turns a training run into a reporting, prunable trial.</summary>
[Collection("Jit")]
public sealed class ValidationReporterTests
{
    [Fact]
    public void Reports_the_validation_accuracy_every_k_steps_and_at_the_end_and_stops_when_pruned()
    {
        var lowered = Nabla.Tests.Training.TrainerTests.Lowered(Nabla.Optimizer.Adam(0.01));
        var train = Nabla.Tests.Training.TrainerTests.Blobs(90, 1);
        var validation = Nabla.Tests.Training.TrainerTests.Blobs(30, 2);

        var net = Nabla.Tests.Training.TrainerTests.Fresh(lowered);
        var ctx = new TrialContext(0, 0, CancellationToken.None);
        var reporter = new ValidationReporter(ctx, validation, everySteps: 4);
        var options = new Nabla.Training.TrainingOptions { Steps = 18, BatchSize = 16, Seed = 4 };
        options.Callbacks.Add(reporter);
        net.Fit(train, options);
        Assert.Equal(new long[] { 4, 8, 12, 16, 18 }, ctx.Reports.Select(r => r.Step));
        Assert.Equal(18, reporter.LastStep);
        Assert.Equal(Nabla.Training.Trainer.Evaluate(net, validation).Accuracy!.Value, reporter.Last);
        Assert.Equal(reporter.Last, ctx.Reports[^1].Value);

        // Five earlier trials that all reached accuracy 1 at steps 4 and 8: this one is stopped at its second report.
        var space = SearchSpace.Parse("x=0..1");
        var cfg = space.Create(new System.Collections.Generic.Dictionary<string, object> { ["x"] = 0.5 });
        var perfect = Enumerable.Range(0, 5).Select(i => new TrialResult(i, 0, cfg, 1, null, 0, new[] { new TrialReport(4, 1.0), new TrialReport(8, 1.0) })).ToArray();
        var pruned = new TrialContext(5, 0, CancellationToken.None, new MedianStopping(), perfect, maximize: true);
        var net2 = Nabla.Tests.Training.TrainerTests.Fresh(lowered);
        var options2 = new Nabla.Training.TrainingOptions { Steps = 18, BatchSize = 16, Seed = 4 };
        options2.Callbacks.Add(new ValidationReporter(pruned, validation, everySteps: 4));
        var h = net2.Fit(train, options2);
        Assert.Equal(8, net2.Step);
        Assert.Equal(new long[] { 4, 8 }, pruned.Reports.Select(r => r.Step));
        Assert.Contains("pruned by median(min_trials=5,warmup=1) at step 8", h.StoppedEarly);

        // A cancelled search ends the run.
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var options3 = new Nabla.Training.TrainingOptions { Steps = 18, BatchSize = 16, Seed = 4 };
        options3.Callbacks.Add(new ValidationReporter(new TrialContext(0, 0, cts.Token), validation, everySteps: 4));
        Assert.Throws<OperationCanceledException>(() => Nabla.Tests.Training.TrainerTests.Fresh(lowered).Fit(train, options3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationReporter(ctx, validation, everySteps: 0));
    }
}
