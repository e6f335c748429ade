using System;
using System.IO;
using System.Linq;
using Nabla.Search;
using Nabla.Tests.Search;
using Xunit;

namespace Nabla.Tests.Distributed;

/// <summary>
/// The search over ranks (<see cref="SearchOptions.Communicator"/>), ranks on threads of this process: the trials, the
/// log and the resumption are those of a one-process search with as many workers as ranks; only rank 0 writes the log.
/// </summary>
public sealed class DistributedSearchTests : IDisposable
{
    private static readonly SearchSpace Space = SearchSpace.Parse(SearchSpaceTests.Spec);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nabla-dsearch-" + Guid.NewGuid().ToString("N"));

    public DistributedSearchTests() => Directory.CreateDirectory(_dir);

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    // Deterministic in the configuration and seed, with intermediate reports (so median stopping prunes some trials) and a failure.
    private static double Objective(Configuration c, TrialContext ctx)
    {
        if (ctx.Index == 4) throw new InvalidOperationException("diverged");
        double lr = Math.Log10(c.GetDouble("lr")), d = c.GetDouble("dropout");
        double v = 1 - 0.1 * (lr + 2.5) * (lr + 2.5) - (d - 0.2) * (d - 0.2) + c.GetInt("hidden") / 1e4 + (ctx.Seed % 1000) * 1e-9;
        for (int step = 1; step <= 4; step++)
            if (ctx.Report(step, v * step / 4)) return v * step / 4;
        return v;
    }

    private static string Key(TrialResult t) =>
        $"{t.Index}|{t.Seed}|{t.Configuration}|{BitConverter.DoubleToInt64Bits(t.Value):X}|{t.Error}|{t.Pruned}|{string.Join(",", t.Reports.Select(r => $"{r.Step}:{r.Value:R}"))}";

    private static SearchOptions Options(int workers, string? log, Nabla.Distributed.ICommunicator? comm = null, int trials = 14) =>
        new() { Trials = trials, Workers = workers, Seed = 5, LogPath = log, Pruning = new MedianStopping(), Objective = "test", Communicator = comm };

    private static string[] Lines(string path) => File.ReadAllLines(path).Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"seconds\":[0-9.eE+-]+", "")).ToArray();

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Ranks_run_the_search_of_as_many_workers(int ranks)
    {
        string oneLog = Path.Combine(_dir, "one.jsonl"), rankLog = Path.Combine(_dir, "ranks.jsonl");
        var one = SearchRunner.Run(Space, new BayesianOptimization(initialTrials: 4), Objective, Options(ranks, oneLog));
        var runs = ThreadGroup.Run(ranks, comm =>
            SearchRunner.Run(Space, new BayesianOptimization(initialTrials: 4), Objective, Options(1, comm.Rank == 0 ? rankLog : Path.Combine(_dir, "never.jsonl"), comm)));
        Assert.All(runs, r => Assert.Null(r.Error));
        var want = one.Trials.Select(Key).ToArray();
        Assert.Contains(one.Trials, t => t.Pruned);
        Assert.Contains(one.Trials, t => !t.Succeeded);
        foreach (var (result, _) in runs) Assert.Equal(want, result!.Trials.Select(Key).ToArray());
        Assert.Equal(Lines(oneLog).OrderBy(l => l), Lines(rankLog).OrderBy(l => l)); // same lines; the threads' order of finishing may differ
        Assert.False(File.Exists(Path.Combine(_dir, "never.jsonl")));
    }

    [Fact]
    public void A_search_resumed_over_ranks_from_a_partial_log_finishes_as_the_uninterrupted_one()
    {
        string full = Path.Combine(_dir, "full.jsonl"), part = Path.Combine(_dir, "part.jsonl");
        var whole = SearchRunner.Run(Space, new BayesianOptimization(initialTrials: 4), Objective, Options(2, full));
        // The log of the first 7 trials (with a gap: trial 5 is missing), as a crash might leave it.
        var lines = File.ReadAllLines(full);
        File.WriteAllLines(part, lines.Take(1).Concat(lines.Skip(1).Where(l => !l.Contains("\"trial\":5,")).Take(6)));
        var runs = ThreadGroup.Run(2, comm => SearchRunner.Run(Space, new BayesianOptimization(initialTrials: 4), Objective, Options(1, comm.Rank == 0 ? part : null, comm)));
        Assert.All(runs, r => Assert.Null(r.Error));
        Assert.Equal(6, runs[0].Value!.Resumed);
        Assert.Equal(6, runs[1].Value!.Resumed);
        Assert.Equal(whole.Trials.Select(Key), runs[1].Value!.Trials.Select(Key));
    }

    [Fact]
    public void A_log_rank_0_cannot_use_stops_every_rank_with_its_reason()
    {
        string foreign = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(foreign, "my notes\n");
        var runs = ThreadGroup.Run(2, comm => SearchRunner.Run(Space, new RandomSearch(), Objective, Options(1, comm.Rank == 0 ? foreign : null, comm)));
        Assert.All(runs, r => Assert.Contains("not a Nabla search log", Assert.IsType<InvalidDataException>(r.Error).Message));
        Assert.Equal("my notes\n", File.ReadAllText(foreign));
    }

    private sealed class FailsAt(int trial) : ISearchStrategy
    {
        private readonly RandomSearch _inner = new();
        public string Name => "fails-at-" + trial;
        public bool UsesHistory => false;
        public Configuration Propose(ProposalContext context) =>
            context.TrialIndex == trial ? throw new InvalidOperationException("the surrogate could not be fitted") : _inner.Propose(context);
    }

    [Fact]
    public void A_strategy_error_on_one_rank_is_thrown_on_every_rank_and_the_finished_trials_are_logged()
    {
        string log = Path.Combine(_dir, "fails.jsonl");
        var runs = ThreadGroup.Run(2, comm => SearchRunner.Run(Space, new FailsAt(3), Objective, Options(1, comm.Rank == 0 ? log : null, comm)));
        Assert.Equal("the surrogate could not be fitted", Assert.IsType<InvalidOperationException>(runs[1].Error).Message);
        Assert.Contains("rank 1 failed: trial 3: InvalidOperationException: the surrogate could not be fitted", Assert.IsType<InvalidOperationException>(runs[0].Error).Message);
        Assert.Equal(3, File.ReadAllLines(log).Length); // the header and trials 0 and 1; the round of trials 2 and 3 failed
    }
}
