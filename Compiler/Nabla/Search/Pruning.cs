using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Search;

/// <summary>
/// Early stopping of hopeless trials (<see cref="SearchOptions.Pruning"/>): decides, each time a trial reports an
/// intermediate value (<see cref="TrialContext.Report"/>), whether it should stop. To keep a search reproducible the
/// decision may depend only on the trial's own reports and on the finished trials it is given — the same trials
/// 0 … k − W a strategy sees for trial k — never on trials still running.
/// </summary>
public interface IPruningRule
{
    /// <summary>A name that identifies the rule and its settings (recorded in the search log; a resumed search must use the same).</summary>
    string Name { get; }

    /// <summary>
    /// True when the trial whose reports so far are <paramref name="reports"/> (the latest last) should stop, given the
    /// finished trials <paramref name="history"/> (index order) and the goal.
    /// </summary>
    bool ShouldStop(IReadOnlyList<TrialReport> reports, IReadOnlyList<TrialResult> history, bool maximize);
}

/// <summary>
/// A median stopping rule, after Golovin et al. ("Google Vizier", 2017), who compare with the running averages of
/// completed trials; this variant compares values at the same step: at a report at step s, a trial stops when the
/// best value it has reported up to s is strictly worse than the median of the values that the earlier finished
/// trials (pruned and failed ones included, as far as they got) reported at step s. Trials should therefore report at the same steps (e.g. every 250 steps); earlier trials without
/// a report at s do not count. The rule waits until at least <see cref="MinTrials"/> earlier trials reported at s, and
/// never stops a trial at its first <see cref="WarmupReports"/> reports. A stopped trial still returns a value (its
/// last measurement), logged with <see cref="TrialResult.Pruned"/> set; it competes for "best" like any other.
/// </summary>
public sealed class MedianStopping : IPruningRule
{
    /// <summary>Creates the rule (see the class summary).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minTrials"/> &lt; 1 or <paramref name="warmupReports"/> &lt; 0.</exception>
    public MedianStopping(int minTrials = 5, int warmupReports = 1)
    {
        if (minTrials < 1) throw new ArgumentOutOfRangeException(nameof(minTrials), minTrials, "The median needs at least one earlier trial.");
        if (warmupReports < 0) throw new ArgumentOutOfRangeException(nameof(warmupReports), warmupReports, "The warm-up must be ≥ 0 reports.");
        MinTrials = minTrials; WarmupReports = warmupReports;
    }

    /// <summary>How many earlier trials must have reported at the same step before the rule stops anything (default 5).</summary>
    public int MinTrials { get; }

    /// <summary>How many reports a trial makes before the rule may stop it (default 1: never at its first report).</summary>
    public int WarmupReports { get; }

    /// <inheritdoc/>
    public string Name => FormattableString.Invariant($"median(min_trials={MinTrials},warmup={WarmupReports})");

    /// <inheritdoc/>
    public bool ShouldStop(IReadOnlyList<TrialReport> reports, IReadOnlyList<TrialResult> history, bool maximize)
    {
        if (reports is null) throw new ArgumentNullException(nameof(reports));
        if (history is null) throw new ArgumentNullException(nameof(history));
        if (reports.Count <= WarmupReports) return false;
        long step = reports[reports.Count - 1].Step;
        double own = Best(reports.Where(r => r.Step <= step).Select(r => r.Value), maximize);
        if (double.IsNaN(own)) return true; // only NaN measurements: nothing to hope for
        var others = new List<double>();
        foreach (var t in history)
            foreach (var r in t.Reports)
                if (r.Step == step && !double.IsNaN(r.Value)) { others.Add(r.Value); break; }
        if (others.Count < MinTrials) return false;
        double median = Median(others);
        return maximize ? own < median : own > median;
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values is null || values.Count == 0) throw new ArgumentException("The median of no values is undefined.", nameof(values));
        var v = values.OrderBy(x => x).ToArray();
        int m = v.Length / 2;
        return v.Length % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static double Best(IEnumerable<double> values, bool maximize)
    {
        double best = double.NaN;
        foreach (var v in values)
            if (!double.IsNaN(v) && (double.IsNaN(best) || (maximize ? v > best : v < best))) best = v;
        return best;
    }
}
