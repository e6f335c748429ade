using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Nabla.Search;

/// <summary>The settings of a search run by <see cref="SearchRunner.Run"/>.</summary>
public sealed class SearchOptions
{
    /// <summary>The number of trials N (≥ 1).</summary>
    public int Trials { get; init; } = 20;

    /// <summary>The number of worker threads W (≥ 1), each running one trial at a time.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>The seed of the search (proposals and trial seeds).</summary>
    public long Seed { get; init; } = 1;

    /// <summary>True (the default) when larger objective values are better, as for a validation accuracy; false to minimize (a loss or an error).</summary>
    public bool Maximize { get; init; } = true;

    /// <summary>The JSON-lines log (see <see cref="SearchLog"/>); when it exists, the search resumes from it. Null for no log.</summary>
    public string? LogPath { get; init; }

    /// <summary>Called after each trial finishes (on a worker thread, one call at a time, in finishing order), e.g. to refresh a live table.</summary>
    public Action<SearchProgress>? Progress { get; init; }

    /// <summary>
    /// A description of the objective that changes whenever its results would (the model, the data split, the
    /// training budget, …), recorded in the log's header, so a log is never resumed by a search whose trials would
    /// mean something else. Null (the default) records nothing.
    /// </summary>
    public string? Objective { get; init; }

    /// <summary>
    /// Early stopping of hopeless trials (e.g. <see cref="MedianStopping"/>), consulted by <see cref="TrialContext.Report"/>;
    /// null (the default) for none. Recorded in the log's header.
    /// </summary>
    public IPruningRule? Pruning { get; init; }

    /// <summary>Stops the search: no new trial starts, running trials see it in <see cref="TrialContext.Cancellation"/>.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Runs the trials on the communicator's ranks (one at a time on each, <see cref="Workers"/> is then the number of
    /// ranks) instead of on threads; null or one rank: threads in this process. See <see cref="SearchRunner"/>.
    /// </summary>
    public Nabla.Distributed.ICommunicator? Communicator { get; init; }
}

/// <summary>The state of a search after a trial finished.</summary>
/// <param name="Trial">The trial that just finished.</param>
/// <param name="Finished">The number of finished trials (including those resumed from the log).</param>
/// <param name="Total">The number of trials N.</param>
/// <param name="Best">The best successful trial so far (ties: lower index), or null.</param>
public sealed record SearchProgress(TrialResult Trial, int Finished, int Total, TrialResult? Best);

/// <summary>The outcome of a search.</summary>
public sealed class SearchResult
{
    internal SearchResult(IReadOnlyList<TrialResult> trials, TrialResult? best, int resumed, int total)
    {
        Trials = trials; Best = best; Resumed = resumed; Completed = trials.Count == total;
    }

    /// <summary>The finished trials (successful and failed), in trial-index order.</summary>
    public IReadOnlyList<TrialResult> Trials { get; }

    /// <summary>The best successful trial (ties: lower index), or null when none succeeded.</summary>
    public TrialResult? Best { get; }

    /// <summary>How many trials were read from the log rather than run.</summary>
    public int Resumed { get; }

    /// <summary>True when all N trials finished (false after a cancellation).</summary>
    public bool Completed { get; }
}

/// <summary>
/// Runs a search: N trials on W worker threads, each calling the objective with a proposed configuration.
/// <para>Reproducibility rule: trial k's configuration is proposed from (seed, k, N, the results of trials 0 … k − W
/// in index order) — see <see cref="ProposalContext"/> — and its seed from (seed, k). A worker that takes trial k
/// waits, if the strategy uses the history, until trials 0 … k − W have finished. So for a deterministic objective
/// the results depend only on the seed and W, not on thread timing; and a search resumed from its log (whose header
/// must match seed, W, N, space, strategy, goal, pruning rule and objective description) proposes exactly what the uninterrupted search would have.</para>
/// <para>Trials are taken in index order. A trial whose objective throws (or returns NaN or ±∞) is logged as failed
/// with its error, and the search goes on. A trial cancelled through <see cref="SearchOptions.Cancellation"/> is not
/// logged. With a pruning rule (<see cref="SearchOptions.Pruning"/>) trial k also waits for trials 0 … k − W, whose
/// reports the rule compares its own with. An exception from the strategy or the progress callback stops the search and is rethrown.</para>
/// </summary>
public static partial class SearchRunner
{
    /// <summary>Runs (or resumes) the search; see the class summary.</summary>
    /// <exception cref="ArgumentException">Bad options (N or W &lt; 1).</exception>
    /// <exception cref="System.IO.InvalidDataException">The log is not a search log, or belongs to another search.</exception>
    public static SearchResult Run(SearchSpace space, ISearchStrategy strategy, Func<Configuration, TrialContext, double> objective, SearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(space); ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(objective); ArgumentNullException.ThrowIfNull(options);
        int n = options.Trials, w = options.Workers;
        if (n < 1) throw new ArgumentException($"A search needs at least one trial, got Trials = {n}.", nameof(options));
        if (w < 1) throw new ArgumentException($"A search needs at least one worker, got Workers = {w}.", nameof(options));
        if (options.Communicator is { Size: > 1 } comm) return RunOnRanks(space, strategy, objective, options, comm);

        using var log = options.LogPath == null ? null : SearchLog.Open(options.LogPath, space, strategy, options.Seed, w, options.Maximize, n, options.Pruning, options.Objective);
        var results = new TrialResult?[n];
        if (log != null) foreach (var t in log.Trials) results[t.Index] = t;
        int resumed = results.Count(r => r != null);
        int[] pending = Enumerable.Range(0, n).Where(k => results[k] == null).ToArray();

        var gate = new object();
        int next = 0, prefix = 0, finished = resumed;
        void AdvancePrefix() { while (prefix < n && results[prefix] != null) prefix++; }
        AdvancePrefix();
        TrialResult? best = Best(results, options.Maximize);
        ExceptionDispatchInfo? fatal = null;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(options.Cancellation);
        var token = cts.Token;
        using var wake = token.Register(() => { lock (gate) Monitor.PulseAll(gate); });

        void Worker()
        {
            while (true)
            {
                int k; TrialResult[] history;
                lock (gate)
                {
                    if (token.IsCancellationRequested || next == pending.Length) return;
                    k = pending[next++];
                    int need = Needs(strategy, options, k, w);
                    while (prefix < need && !token.IsCancellationRequested) Monitor.Wait(gate);
                    if (token.IsCancellationRequested) return;
                    history = new TrialResult[need];
                    for (int i = 0; i < need; i++) history[i] = results[i]!;
                }
                try
                {
                    var result = Trial(space, strategy, objective, options, k, w, history, token);
                    if (result is null) return; // cancelled
                    lock (gate)
                    {
                        results[k] = result;
                        finished++;
                        AdvancePrefix();
                        log?.Append(result);
                        if (result.Succeeded && (best == null || Better(result, best, options.Maximize))) best = result;
                        options.Progress?.Invoke(new SearchProgress(result, finished, n, best));
                        Monitor.PulseAll(gate);
                    }
                }
                catch (Exception e)
                {
                    lock (gate) { fatal ??= ExceptionDispatchInfo.Capture(e); }
                    cts.Cancel();
                    return;
                }
            }
        }

        var threads = Enumerable.Range(0, Math.Min(w, Math.Max(1, pending.Length)))
            .Select(i => new Thread(Worker) { IsBackground = true, Name = $"nabla-search-{i}" }).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        fatal?.Throw();
        var done = results.Where(r => r != null).Select(r => r!).ToArray();
        return new SearchResult(done, Best(results, options.Maximize), resumed, n);
    }

    /// <summary>
    /// Runs trial <paramref name="k"/>: proposes its configuration from the history, calls the objective, and returns its
    /// result (a failed one when the objective throws or returns a non-finite value), or null when the search was
    /// cancelled meanwhile. An exception of the strategy propagates.
    /// </summary>
    private static TrialResult? Trial(SearchSpace space, ISearchStrategy strategy, Func<Configuration, TrialContext, double> objective,
        SearchOptions options, int k, int workers, TrialResult[] history, CancellationToken token)
    {
        var config = strategy.Propose(new ProposalContext(space, k, options.Trials, options.Seed, options.Maximize, strategy.UsesHistory ? history : Array.Empty<TrialResult>()));
        space.CheckOwn(config);
        var ctx = new TrialContext(k, TrialContext.SeedFor(options.Seed, k), token, options.Pruning, history, options.Maximize);
        var clock = Stopwatch.StartNew();
        double value = double.NaN; string? error = null;
        try
        {
            value = objective(config, ctx);
            if (!double.IsFinite(value)) error = $"objective returned {Hyperparameter.Format(value)}";
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { return null; }
        catch (Exception e) { error = e.GetType().Name + ": " + e.Message; }
        return new TrialResult(k, ctx.Seed, config, value, error, clock.Elapsed.TotalSeconds, ctx.Reports, ctx.ShouldStop);
    }

    /// <summary>The number of leading trials (0, 1, …) whose history a trial needs: those up to k − W, when the strategy or the pruning rule reads it.</summary>
    private static int Needs(ISearchStrategy strategy, SearchOptions options, int k, int workers) =>
        strategy.UsesHistory || options.Pruning != null ? Math.Max(0, k - workers + 1) : 0;

    private static bool Better(TrialResult a, TrialResult b, bool maximize) =>
        maximize ? a.Value > b.Value || (a.Value == b.Value && a.Index < b.Index)
                 : a.Value < b.Value || (a.Value == b.Value && a.Index < b.Index);

    private static TrialResult? Best(IEnumerable<TrialResult?> results, bool maximize)
    {
        TrialResult? best = null;
        foreach (var r in results)
            if (r != null && r.Succeeded && (best == null || Better(r, best, maximize))) best = r;
        return best;
    }
}
