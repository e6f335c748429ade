using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using Nabla.Search;
using Xunit;

namespace Nabla.Tests.Search;

/// <summary>The parallel trial runner: reproducible for a seed and worker count, failures logged, resume equals uninterrupted, foreign files refused.</summary>
public sealed class SearchRunnerTests : IDisposable
{
    private static readonly SearchSpace Space = SearchSpace.Parse(SearchSpaceTests.Spec);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nabla-search-" + Guid.NewGuid().ToString("N"));

    public SearchRunnerTests() => Directory.CreateDirectory(_dir);

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    // A deterministic objective of the configuration and the trial seed, failing on trial 3; trials sleep a little,
    // differently for each index, so that with two workers they finish out of order.
    private static double Objective(Configuration c, TrialContext ctx)
    {
        Thread.Sleep((int)((ctx.Index * 7) % 5));
        if (ctx.Index == 3) throw new InvalidOperationException("diverged");
        double lr = Math.Log10(c.GetDouble("lr")), d = c.GetDouble("dropout");
        double v = 1 - 0.1 * (lr + 2.5) * (lr + 2.5) - (d - 0.2) * (d - 0.2) + ((string)c["optimizer"] == "adam" ? 0.05 : 0)
                   + c.GetInt("hidden") / 1e4 - Math.Abs(Math.Log2(c.GetInt("batch")) - 6) / 100 + (ctx.Seed % 1000) * 1e-9;
        ctx.Report(1, v / 2); ctx.Report(2, v);
        return v;
    }

    private static string Key(TrialResult t) =>
        $"{t.Index}|{t.Seed}|{t.Configuration}|{BitConverter.DoubleToInt64Bits(t.Value):X}|{t.Error}|{string.Join(",", t.Reports.Select(r => $"{r.Step}:{r.Value:R}"))}";

    private static string[] Keys(SearchResult r) => r.Trials.Select(Key).ToArray();

    private SearchResult Run(ISearchStrategy s, int workers, string? log = null, int trials = 16, long seed = 11,
        Action<SearchProgress>? progress = null, CancellationToken cancel = default, Func<Configuration, TrialContext, double>? objective = null) =>
        SearchRunner.Run(Space, s, objective ?? Objective,
            new SearchOptions { Trials = trials, Workers = workers, Seed = seed, LogPath = log, Progress = progress, Cancellation = cancel });

    [Fact]
    public void Random_search_gives_the_same_trials_with_one_and_two_workers()
    {
        var one = Run(new RandomSearch(), 1);
        var two = Run(new RandomSearch(), 2);
        Assert.True(one.Completed); Assert.True(two.Completed);
        Assert.Equal(16, one.Trials.Count);
        Assert.Equal(Keys(one), Keys(two));
        Assert.Equal(Enumerable.Range(0, 16), one.Trials.Select(t => t.Index));
        Assert.NotEqual(Keys(one), Keys(Run(new RandomSearch(), 2, seed: 12)));
    }

    [Fact]
    public void Coarse_to_fine_is_reproducible_for_a_seed_and_worker_count_whatever_the_finishing_order()
    {
        var a = Run(new CoarseToFine(), 2);
        // The same search with a different finishing order (trials sleep differently).
        var b = Run(new CoarseToFine(), 2, objective: (c, ctx) => { Thread.Sleep((int)((ctx.Index * 3) % 4) * 2); return Objective(c, ctx); });
        Assert.Equal(Keys(a), Keys(b));
        var one = Run(new CoarseToFine(), 1);
        Assert.Equal(Keys(one), Keys(Run(new CoarseToFine(), 1)));
        // The fine phase uses the history, and with one worker it sees one more trial: results differ from two workers.
        Assert.Equal(Keys(one).Take(8), Keys(a).Take(8));
        Assert.NotEqual(Keys(one), Keys(a));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Trial_k_sees_exactly_trials_0_to_k_minus_W_and_a_random_search_sees_none(int workers)
    {
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<int, int[]>();
        Run(new Recording(new CoarseToFine(), seen), workers, trials: 20);
        Assert.Equal(20, seen.Count);
        foreach (var (k, history) in seen) Assert.Equal(Enumerable.Range(0, Math.Max(0, k - workers + 1)), history);
        seen.Clear();
        Run(new Recording(new RandomSearch(), seen), workers, trials: 20);
        Assert.All(seen.Values, Assert.Empty);
    }

    private sealed class Recording(ISearchStrategy inner, System.Collections.Concurrent.ConcurrentDictionary<int, int[]> seen) : ISearchStrategy
    {
        public string Name => inner.Name;
        public bool UsesHistory => inner.UsesHistory;
        public Configuration Propose(ProposalContext context)
        {
            seen[context.TrialIndex] = context.History.Select(t => t.Index).ToArray();
            return inner.Propose(context);
        }
    }

    [Fact]
    public void Failed_trial_is_logged_with_its_error_and_the_search_goes_on()
    {
        string log = Path.Combine(_dir, "fail.jsonl");
        var progress = new List<SearchProgress>();
        var r = Run(new RandomSearch(), 2, log, progress: progress.Add);
        Assert.True(r.Completed);
        var failed = Assert.Single(r.Trials, t => !t.Succeeded);
        Assert.Equal(3, failed.Index);
        Assert.Equal("InvalidOperationException: diverged", failed.Error);
        Assert.True(double.IsNaN(failed.Value));
        Assert.Equal(r.Trials.Where(t => t.Succeeded).MaxBy(t => t.Value), r.Best);

        var lines = File.ReadAllLines(log);
        Assert.Equal(17, lines.Length);
        using (var h = JsonDocument.Parse(lines[0]))
        {
            Assert.Equal(SearchLog.FormatVersion, h.RootElement.GetProperty("nabla_search").GetInt32());
            Assert.Equal(2, SearchLog.FormatVersion);
            Assert.Equal(Space.ToString(), h.RootElement.GetProperty("space").GetString());
            Assert.Equal("maximize", h.RootElement.GetProperty("goal").GetString());
        }
        var three = lines.Skip(1).Select(l => JsonDocument.Parse(l).RootElement).Single(e => e.GetProperty("trial").GetInt32() == 3);
        Assert.Equal(JsonValueKind.Null, three.GetProperty("value").ValueKind);
        Assert.Equal("InvalidOperationException: diverged", three.GetProperty("error").GetString());

        Assert.Equal(16, progress.Count);
        Assert.Equal(Enumerable.Range(1, 16), progress.Select(p => p.Finished));
        Assert.Equal(r.Best, progress[^1].Best);
    }

    [Fact]
    public void Non_finite_objective_counts_as_a_failed_trial()
    {
        var r = Run(new RandomSearch(), 1, trials: 3, objective: (c, ctx) => ctx.Index == 1 ? double.NaN : 1.0);
        Assert.Equal("objective returned NaN", r.Trials[1].Error);
        Assert.Equal(0, r.Best!.Index);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 5)]
    [InlineData(2, 9)]
    public void Interrupted_then_resumed_equals_uninterrupted_bit_for_bit(int workers, int stopAfter)
    {
        var full = Run(new CoarseToFine(), workers, Path.Combine(_dir, "full.jsonl"));
        string log = Path.Combine(_dir, $"cut-{workers}-{stopAfter}.jsonl");
        using (var cts = new CancellationTokenSource())
        {
            var cut = Run(new CoarseToFine(), workers, log, progress: p => { if (p.Finished == stopAfter) cts.Cancel(); }, cancel: cts.Token);
            Assert.False(cut.Completed);
            Assert.InRange(cut.Trials.Count, stopAfter, stopAfter + workers - 1);
        }
        int calls = 0;
        int before = File.ReadAllLines(log).Length - 1;
        var resumed = Run(new CoarseToFine(), workers, log, objective: (c, ctx) => { Interlocked.Increment(ref calls); return Objective(c, ctx); });
        Assert.True(resumed.Completed);
        Assert.Equal(before, resumed.Resumed);
        Assert.Equal(16 - before, calls); // finished trials are not rerun
        Assert.Equal(Keys(full), Keys(resumed));
        Assert.Equal(full.Best!.Index, resumed.Best!.Index);
        Assert.Equal(17, File.ReadAllLines(log).Length);
    }

    [Fact]
    public void Resume_fills_holes_and_drops_a_torn_last_line()
    {
        string log = Path.Combine(_dir, "holes.jsonl");
        var full = Run(new CoarseToFine(), 2, log);
        var lines = File.ReadAllLines(log);
        // Keep the header and trials other than 2, 6 and 10 onwards (as if those were running or not started), then a line cut short.
        var kept = lines.Take(1).Concat(lines.Skip(1).Where(l =>
        {
            int k = JsonDocument.Parse(l).RootElement.GetProperty("trial").GetInt32();
            return k != 2 && k != 6 && k < 10;
        })).ToArray();
        string torn = lines.Skip(1).First(l => l.Contains("\"trial\":12,"))[..40];
        File.WriteAllText(log, string.Join("\n", kept) + "\n" + torn);
        var resumed = Run(new CoarseToFine(), 2, log);
        Assert.Equal(kept.Length - 1, resumed.Resumed);
        Assert.Equal(Keys(full), Keys(resumed));
        var after = File.ReadAllLines(log);
        Assert.Equal(17, after.Length);
        Assert.All(after, l => JsonDocument.Parse(l).Dispose());
    }

    [Fact]
    public void Refuses_to_write_to_a_file_that_is_not_a_search_log()
    {
        foreach (var content in new[] { "hello world\n", "{\"other\":1}\n{\"trial\":0}\n", "id,value\n1,2\n", "{\"nabla_search\"" })
        {
            string path = Path.Combine(_dir, "notes.txt");
            File.WriteAllText(path, content);
            var e = Assert.Throws<InvalidDataException>(() => Run(new RandomSearch(), 1, path));
            Assert.Contains(path, e.Message);
            Assert.Contains("not a Nabla search log", e.Message);
            Assert.Equal(content, File.ReadAllText(path)); // untouched
        }
    }

    [Fact]
    public void Refuses_a_log_of_another_search_naming_the_file_and_the_field()
    {
        string log = Path.Combine(_dir, "other.jsonl");
        Run(new RandomSearch(), 1, log, trials: 3);
        string before = File.ReadAllText(log);
        var e = Assert.Throws<InvalidDataException>(() => SearchRunner.Run(SearchSpace.Parse("lr=1e-4..1e-1:log"), new RandomSearch(), (c, t) => 0,
            new SearchOptions { Trials = 3, Workers = 1, Seed = 11, LogPath = log }));
        Assert.Contains(log, e.Message); Assert.Contains("space", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Run(new RandomSearch(), 1, log, trials: 3, seed: 12));
        Assert.Contains("seed", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Run(new CoarseToFine(), 1, log, trials: 3));
        Assert.Contains("strategy", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Run(new RandomSearch(), 2, log, trials: 3));
        Assert.Contains("workers", e.Message);
        e = Assert.Throws<InvalidDataException>(() => SearchRunner.Run(Space, new RandomSearch(), Objective,
            new SearchOptions { Trials = 3, Workers = 1, Seed = 11, LogPath = log, Objective = "mlp steps=1500" }));
        Assert.Contains("objective", e.Message); Assert.Contains("mlp steps=1500", e.Message);
        Assert.Equal(before, File.ReadAllText(log));
        // A malformed trial line is reported with its line number.
        File.WriteAllText(log, before.Split('\n')[0] + "\n{\"trial\":0,\"seed\":1}\n");
        e = Assert.Throws<InvalidDataException>(() => Run(new RandomSearch(), 1, log, trials: 3));
        Assert.Contains("line 2", e.Message);
        // The same search resumes: nothing to run.
        File.WriteAllText(log, before);
        var r = Run(new RandomSearch(), 1, log, trials: 3, objective: (c, t) => throw new Exception("must not run"));
        Assert.Equal(3, r.Resumed);
    }

    [Fact]
    public void Strategy_errors_stop_the_search_and_bad_options_are_rejected()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Run(new Broken(), 2));
        Assert.Equal("broken strategy", e.Message);
        Assert.Contains("Workers = 0", Assert.Throws<ArgumentException>(() => Run(new RandomSearch(), 0)).Message);
        Assert.Contains("Trials = 0", Assert.Throws<ArgumentException>(() => Run(new RandomSearch(), 1, trials: 0)).Message);
    }

    private sealed class Broken : ISearchStrategy
    {
        public string Name => "broken";
        public bool UsesHistory => true;
        public Configuration Propose(ProposalContext context) =>
            context.TrialIndex == 4 ? throw new InvalidOperationException("broken strategy") : new RandomSearch().Propose(context);
    }

    [Fact]
    public void Minimizing_picks_the_smallest_value()
    {
        var r = SearchRunner.Run(Space, new RandomSearch(), (c, t) => c.GetDouble("dropout"),
            new SearchOptions { Trials = 10, Workers = 2, Seed = 3, Maximize = false });
        Assert.Equal(r.Trials.Min(t => t.Value), r.Best!.Value);
    }
}
