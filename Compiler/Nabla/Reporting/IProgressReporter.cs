namespace Nabla.Reporting;

/// <summary>
/// Receives a training run's progress from the trainer: <see cref="Started"/> once, then <see cref="Step"/> after
/// every optimizer step and <see cref="Epoch"/> after every epoch, then <see cref="Finished"/> once. All calls come
/// from the training thread. <see cref="Step"/> is called at full training speed, so an implementation must return
/// at once almost always (throttle any output by time).
/// </summary>
public interface IProgressReporter
{
    /// <summary>The run is about to start.</summary>
    void Started(TrainingInfo info);

    /// <summary>One optimizer step was taken.</summary>
    void Step(StepInfo info);

    /// <summary>One epoch ended (after validation, if any).</summary>
    void Epoch(EpochInfo info);

    /// <summary>The run ended (normally or by early stopping).</summary>
    void Finished(FinishedInfo info);
}
