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

    /// <summary>Creates the context of one trial (the runner does this).</summary>
    public TrialContext(int index, long seed, CancellationToken cancellation)
    {
        Index = index; Seed = seed; Cancellation = cancellation;
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
    /// Records an intermediate value (logged with the trial, for learning curves and for early stopping of hopeless
    /// trials, which a later version may decide here). Thread-safe.
    /// </summary>
    public void Report(long step, double value) { lock (_reports) _reports.Add(new TrialReport(step, value)); }

    /// <summary>The values reported so far, in order.</summary>
    public IReadOnlyList<TrialReport> Reports { get { lock (_reports) return _reports.ToArray(); } }

    internal static long SeedFor(long searchSeed, int index) =>
        (long)(Rng.ForName(searchSeed, "trial:" + index.ToString(System.Globalization.CultureInfo.InvariantCulture)).NextUInt64() >> 1);
}

/// <summary>One finished trial: its configuration and objective value, or the error that ended it.</summary>
public sealed class TrialResult
{
    /// <summary>Creates a result (the runner does this, and the log reader).</summary>
    public TrialResult(int index, long seed, Configuration configuration, double value, string? error, double seconds, IReadOnlyList<TrialReport>? reports = null)
    {
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

    /// <summary><c>#k value config</c> or <c>#k failed (error) config</c>.</summary>
    public override string ToString() =>
        $"#{Index} " + (Succeeded ? Hyperparameter.Format(Value) : $"failed ({Error})") + " " + Configuration;
}
