using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
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
    /// used) and reports progress; the result is returned on every rank. A round lasts as long as its slowest trial.
    /// </summary>
    private static SearchResult RunOnRanks(SearchSpace space, ISearchStrategy strategy, Func<Configuration, TrialContext, double> objective,
        SearchOptions options, ICommunicator comm)
    {
        int n = options.Trials, w = comm.Size, rank = comm.Rank;
        comm.CheckSame("Distributed search", new[]
        {
            Fact("space", space.ToString()), Fact("strategy", strategy.Name),
            Fact("seed", options.Seed.ToString(CultureInfo.InvariantCulture)), Fact("trials", n.ToString(CultureInfo.InvariantCulture)),
            Fact("goal", options.Maximize ? "maximize" : "minimize"), Fact("pruning", options.Pruning?.Name ?? "none"),
            Fact("objective", options.Objective ?? ""),
        });

        // Rank 0 opens (or resumes) the log and sends the trials it holds, or the reason it could not, to every rank.
        SearchLog? log = null;
        byte[] payload = Array.Empty<byte>();
        if (rank == 0)
        {
            try
            {
                log = options.LogPath is null ? null : SearchLog.Open(options.LogPath, space, strategy, options.Seed, w, options.Maximize, n, options.Pruning, options.Objective);
                payload = Encoding.UTF8.GetBytes("T" + string.Join("\n", (log?.Trials ?? Array.Empty<TrialResult>()).Select(t => Encoding.UTF8.GetString(SearchLog.Encode(t, space)))));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                payload = Encoding.UTF8.GetBytes("E" + e.Message);
            }
        }
        var sent = Encoding.UTF8.GetString(comm.AllGather(payload)[0]);
        if (sent.StartsWith("E", StringComparison.Ordinal)) throw new InvalidDataException(sent.Substring(1));

        using (log)
        {
            var results = new TrialResult?[n];
            foreach (var line in sent.Substring(1).Split('\n', StringSplitOptions.RemoveEmptyEntries))
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
                byte[] mine = Array.Empty<byte>();
                if (rank < round.Count)
                {
                    int k = round[rank];
                    var history = results.Take(Needs(strategy, options, k, w)).Select(r => r!).ToArray();
                    var result = Trial(space, strategy, objective, options, k, w, history, CancellationToken.None)!;
                    mine = SearchLog.Encode(result, space);
                }
                var all = comm.AllGather(mine);
                for (int r = 0; r < round.Count; r++)
                {
                    var t = SearchLog.Decode(all[r], space, n, $"rank {r}'s trial");
                    results[t.Index] = t;
                    finished++;
                    log?.Append(t);
                    if (t.Succeeded && (best == null || Better(t, best, options.Maximize))) best = t;
                    if (rank == 0) options.Progress?.Invoke(new SearchProgress(t, finished, n, best));
                }
                AdvancePrefix();
                next += round.Count;
            }
            var done = results.Where(r => r != null).Select(r => r!).ToArray();
            return new SearchResult(done, Best(results, options.Maximize), resumed, n);
        }
    }

    private static KeyValuePair<string, string> Fact(string name, string value) => new(name, value);
}
