using System;
using System.Collections.Generic;
using System.Threading;

namespace Nabla.Search;

/// <summary>An intermediate value a trial reported (e.g. the validation accuracy after some steps).</summary>
/// <param name="Step">The step (or epoch) at which the value was measured.</param>
/// <param name="Value">The value.</param>
public readonly record struct TrialReport(long Step, double Value);

/// <summary>What the objective receives besides the configuration: its trial index, its seed, cancellation and reporting.</summary>
public sealed class TrialContext
{
    private readonly List<TrialReport> _reports = new();

    private readonly IPruningRule? _pruning;
    private readonly IReadOnlyList<TrialResult> _history;
    private readonly bool _maximize;
    private volatile string? _stopReason;

    /// <summary>Creates the context of one trial without early stopping (for running an objective alone, e.g. in a test).</summary>
    public TrialContext(int index, long seed, CancellationToken cancellation) : this(index, seed, cancellation, null, null, true) { }

    /// <summary>
    /// Creates the context of one trial (the runner does this) whose <see cref="Report"/> asks <paramref name="pruning"/>
    /// (when not null) whether to stop, given the finished trials <paramref name="history"/>.
    /// </summary>
    public TrialContext(int index, long seed, CancellationToken cancellation, IPruningRule? pruning, IReadOnlyList<TrialResult>? history, bool maximize)
    {
        Index = index; Seed = seed; Cancellation = cancellation;
        _pruning = pruning; _history = history ?? Array.Empty<TrialResult>(); _maximize = maximize;
    }

    /// <summary>The trial's index (0-based).</summary>
    public int Index { get; }

    /// <summary>
    /// A seed for the trial's own randomness (initialization, shuffling): <c>Rng.ForName(searchSeed, "trial:" + index)</c>'s
    /// first 63 bits, so it depends only on the search seed and the trial index.
    /// </summary>
    public long Seed { get; }

    /// <summary>Signalled when the search is cancelled; a long objective should stop (throwing <see cref="OperationCanceledException"/>), and the trial is then not logged, so a resumed search reruns it.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>
    /// Records an intermediate value (logged with the trial, for learning curves) and returns true when the search's
    /// pruning rule (<see cref="SearchOptions.Pruning"/>) says the trial is hopeless: the objective should then stop
    /// and return its latest measurement, and the trial is logged as pruned. Once true, it stays true. Report at the
    /// same steps in every trial (e.g. every 250 steps), so the rule compares like with like. A non-finite value is
    /// recorded as NaN (as the log stores it, so a resumed search decides alike). A <paramref name="final"/> report (the
    /// trial's last measurement) is recorded but never stops the trial: there is nothing left to save. Thread-safe.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is not larger than the previous report's.</exception>
    public bool Report(long step, double value, bool final = false)
    {
        if (!double.IsFinite(value)) value = double.NaN;
        lock (_reports)
        {
            if (_reports.Count > 0 && step <= _reports[_reports.Count - 1].Step)
                throw new ArgumentOutOfRangeException(nameof(step), step, $"Trial {Index}: reports must come at increasing steps; the previous one was at step {_reports[_reports.Count - 1].Step}.");
            _reports.Add(new TrialReport(step, value));
            if (_stopReason == null && !final && _pruning != null && _pruning.ShouldStop(_reports, _history, _maximize))
                _stopReason = $"pruned by {_pruning.Name} at step {step.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            return _stopReason != null;
        }
    }

    /// <summary>True once <see cref="Report"/> has said the trial should stop.</summary>
    public bool ShouldStop => _stopReason != null;

    /// <summary>Why the trial should stop (the rule and the step), or null.</summary>
    public string? StopReason => _stopReason;

    /// <summary>The values reported so far, in order.</summary>
    public IReadOnlyList<TrialReport> Reports { get { lock (_reports) return _reports.ToArray(); } }

    internal static long SeedFor(long searchSeed, int index) =>
        (long)(Rng.ForName(searchSeed, "trial:" + index.ToString(System.Globalization.CultureInfo.InvariantCulture)).NextUInt64() >> 1);
}

/// <summary>One finished trial: its configuration and objective value, or the error that ended it.</summary>
public sealed class TrialResult
{
    /// <summary>Creates a result (the runner does this, and the log reader).</summary>
    public TrialResult(int index, long seed, Configuration configuration, double value, string? error, double seconds, IReadOnlyList<TrialReport>? reports = null, bool pruned = false)
    {
        Pruned = pruned && error == null;
        Index = index; Seed = seed; Configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        Value = error == null ? value : double.NaN; Error = error; Seconds = seconds;
        Reports = reports ?? Array.Empty<TrialReport>();
    }

    /// <summary>The trial's index (0-based).</summary>
    public int Index { get; }

    /// <summary>The trial's seed (see <see cref="TrialContext.Seed"/>).</summary>
    public long Seed { get; }

    /// <summary>The configuration tried.</summary>
    public Configuration Configuration { get; }

    /// <summary>The objective value; NaN when the trial failed.</summary>
    public double Value { get; }

    /// <summary>The error (exception type and message) when the objective threw or returned a non-finite value; otherwise null.</summary>
    public string? Error { get; }

    /// <summary>True when the trial produced a finite objective value.</summary>
    public bool Succeeded => Error == null;

    /// <summary>The wall time of the trial in seconds (not part of the reproducible result).</summary>
    public double Seconds { get; }

    /// <summary>The intermediate values the trial reported.</summary>
    public IReadOnlyList<TrialReport> Reports { get; }

    /// <summary>True when the pruning rule stopped the trial early (its <see cref="Value"/> is its last measurement).</summary>
    public bool Pruned { get; }

    /// <summary><c>#k value config</c>, <c>#k value (pruned) config</c> or <c>#k failed (error) config</c>.</summary>
    public override string ToString() =>
        $"#{Index} " + (Succeeded ? Hyperparameter.Format(Value) + (Pruned ? " (pruned)" : "") : $"failed ({Error})") + " " + Configuration;
}
