namespace Nabla.Reporting;

/// <summary>A reporter that ignores everything (for tests, benchmarks and quiet runs).</summary>
public sealed class NullProgress : IProgressReporter
{
    /// <summary>The one instance.</summary>
    public static readonly NullProgress Instance = new();

    private NullProgress() { }

    /// <inheritdoc/>
    public void Started(TrainingInfo info) { }

    /// <inheritdoc/>
    public void Step(StepInfo info) { }

    /// <inheritdoc/>
    public void Epoch(EpochInfo info) { }

    /// <inheritdoc/>
    public void Finished(FinishedInfo info) { }
}
