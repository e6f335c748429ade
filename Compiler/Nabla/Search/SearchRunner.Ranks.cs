using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading;
using Nabla.Distributed;

namespace Nabla.Search;

public static partial class SearchRunner
{
    /// <summary>
    /// The search over the ranks of <paramref name="comm"/>: the ranks are the workers (W = the number of ranks), and
    /// the trials run in rounds. Each round takes the next pending trials in index order, at most one per rank and
    /// only those whose history (trials 0 … k − W) is complete, runs them at once, and gathers their results on every
    /// rank. So every rank proposes from the same history, and the results are those of a one-process search with W
    /// workers. Rank 0 alone reads and writes the log (the other ranks' <see cref="SearchOptions.LogPath"/> is not
    /// used) and reports progress; the result is returned on every rank. A round lasts as long as its slowest trial,
    /// and the ranks wait for it without the communicator's collective timeout. An error on one rank (the strategy's,
    /// or rank 0's log or progress callback) is thrown on every rank at the next gathering.
    /// <see cref="SearchOptions.Cancellation"/> is not watched over ranks.
    /// </summary>
    private static SearchResult RunOnRanks(SearchSpace space, ISearchStrategy strategy, Func<Configuration, TrialContext, double> objective,
        SearchOptions options, ICommunicator comm)
    {
        int n = options.Trials, w = comm.Size, rank = comm.Rank;
        comm.CheckSame("Distributed search", new[]
        {
            KeyValuePair.Create("space", space.ToString()), KeyValuePair.Create("strategy", strategy.Name),
            KeyValuePair.Create("seed", options.Seed.ToString(CultureInfo.InvariantCulture)), KeyValuePair.Create("trials", n.ToString(CultureInfo.InvariantCulture)),
            KeyValuePair.Create("goal", options.Maximize ? "maximize" : "minimize"), KeyValuePair.Create("pruning", options.Pruning?.Name ?? "none"),
            KeyValuePair.Create("objective", options.Objective ?? ""),
        });

        // Rank 0 opens (or resumes) the log and sends the trials it holds, or the reason it could not, to every rank.
        SearchLog? log = null;
        ExceptionDispatchInfo? failure = null;
        byte[] payload = Array.Empty<byte>();
        if (rank == 0)
        {
            try
            {
                log = options.LogPath is null ? null : SearchLog.Open(options.LogPath, space, strategy, options.Seed, w, options.Maximize, n, options.Pruning, options.Objective);
                payload = Message('T', string.Join("\n", (log?.Trials ?? Array.Empty<TrialResult>()).Select(t => Encoding.UTF8.GetString(SearchLog.Encode(t, space)))));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failure = ExceptionDispatchInfo.Capture(e);
                payload = Message('L', e.Message);
            }
        }
        var resumed0 = comm.AllGather(payload);
        ThrowIfAnyFailed(resumed0, failure);

        using (log)
        {
            var results = new TrialResult?[n];
            foreach (var line in Encoding.UTF8.GetString(resumed0[0], 1, resumed0[0].Length - 1).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var t = SearchLog.Decode(Encoding.UTF8.GetBytes(line), space, n, "rank 0's search log");
                results[t.Index] = t;
            }
            int resumed = results.Count(r => r != null), finished = resumed, prefix = 0;
            void AdvancePrefix() { while (prefix < n && results[prefix] != null) prefix++; }
            AdvancePrefix();
            var best = Best(results, options.Maximize);
            int[] pending = Enumerable.Range(0, n).Where(k => results[k] == null).ToArray();

            for (int next = 0; next < pending.Length;)
            {
                var round = new List<int>();
                while (round.Count < w && next + round.Count < pending.Length && Needs(strategy, options, pending[next + round.Count], w) <= prefix)
                    round.Add(pending[next + round.Count]);
                byte[] mine = Message('N', "");
                if (failure is not null) mine = Message('E', "rank 0 could not record a trial: " + failure.SourceException.Message);
                else if (rank < round.Count)
                {
                    int k = round[rank];
                    try
                    {
                        var history = results.Take(Needs(strategy, options, k, w)).Select(r => r!).ToArray();
                        var result = Trial(space, strategy, objective, options, k, w, history, CancellationToken.None)!;
                        mine = Message('T', Encoding.UTF8.GetString(SearchLog.Encode(result, space)));
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        failure = ExceptionDispatchInfo.Capture(e);
                        mine = Message('E', $"trial {k}: {e.GetType().Name}: {e.Message}");
                    }
                }
                byte[][] all;
                using (comm.WithoutTimeout()) all = comm.AllGather(mine); // waits for the round's slowest trial
                ThrowIfAnyFailed(all, failure);
                for (int r = 0; r < round.Count; r++)
                {
                    var t = SearchLog.Decode(all[r].AsSpan(1), space, n, $"rank {r}'s trial");
                    results[t.Index] = t;
                    finished++;
                    if (t.Succeeded && (best == null || Better(t, best, options.Maximize))) best = t;
                    if (rank != 0 || failure is not null) continue;
                    try
                    {
                        log?.Append(t);
                        options.Progress?.Invoke(new SearchProgress(t, finished, n, best));
                    }
                    catch (Exception e) when (e is not OutOfMemoryException) { failure = ExceptionDispatchInfo.Capture(e); }
                }
                AdvancePrefix();
                next += round.Count;
            }
            // Rank 0's last records may have failed after the last gathering: one more, so every rank learns of it.
            var last = comm.AllGather(failure is null ? Message('N', "") : Message('E', "rank 0 could not record a trial: " + failure.SourceException.Message));
            ThrowIfAnyFailed(last, failure);
            var done = results.Where(r => r != null).Select(r => r!).ToArray();
            return new SearchResult(done, Best(results, options.Maximize), resumed, n);
        }
    }

    private static byte[] Message(char kind, string text) => Encoding.UTF8.GetBytes(kind + text);

    /// <summary>
    /// Throws on every rank when some rank sent an error: its own exception where it failed; elsewhere the same
    /// <see cref="InvalidDataException"/> when rank 0 could not open the log ('L'), else one naming the rank ('E').
    /// </summary>
    private static void ThrowIfAnyFailed(byte[][] all, ExceptionDispatchInfo? own)
    {
        for (int r = 0; r < all.Length; r++)
        {
            if (all[r].Length == 0 || all[r][0] is not ((byte)'E' or (byte)'L')) continue;
            own?.Throw();
            string message = Encoding.UTF8.GetString(all[r], 1, all[r].Length - 1);
            throw all[r][0] == (byte)'L' ? new InvalidDataException(message) : new InvalidOperationException($"Distributed search: rank {r} failed: {message}");
        }
    }
}
