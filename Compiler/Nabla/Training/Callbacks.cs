using System;
using Nabla.Reporting;

namespace Nabla.Training;

/// <summary>
/// Hooks into a training run (<see cref="TrainingOptions.Callbacks"/>): called on the training thread after every
/// optimizer step and after every epoch (after validation and early stopping's bookkeeping). Stop the run with
/// <see cref="TrainingControl.Stop"/>.
/// </summary>
public interface ITrainingCallback
{
    /// <summary>After each step. <paramref name="step"/> is what the progress reporter gets. Keep it cheap.</summary>
    void OnStep(Network network, in StepInfo step, TrainingControl control) { }

    /// <summary>After each epoch, with its record (already added to the history).</summary>
    void OnEpoch(Network network, EpochRecord epoch, TrainingControl control) { }
}

/// <summary>Lets a callback end the run after the current step or epoch.</summary>
public sealed class TrainingControl
{
    /// <summary>
    /// The rank this callback runs on in data-parallel training (0 otherwise). Callbacks run on every rank and see the
    /// same values there (losses and accuracies summed over the ranks); only rank 0 should write files.
    /// </summary>
    public int Rank { get; internal set; }

    /// <summary>Why the run was asked to stop, or null.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Ends the run after the current step; <paramref name="reason"/> is recorded in <see cref="TrainingHistory.StoppedEarly"/>.</summary>
    public void Stop(string reason) => StopReason = string.IsNullOrWhiteSpace(reason) ? "stopped by a callback" : reason;
}

/// <summary>
/// Saves a checkpoint (parameters, optimizer state and step count, see <see cref="Checkpoint.Save"/>) every
/// <see cref="EveryEpochs"/> epochs, atomically, over the same file (in data-parallel training, by rank 0 only).
/// </summary>
public sealed class CheckpointCallback : ITrainingCallback
{
    /// <summary>Saves to <paramref name="path"/> after every <paramref name="everyEpochs"/>-th epoch.</summary>
    public CheckpointCallback(string path, int everyEpochs = 1)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("The checkpoint path is empty.", nameof(path));
        if (everyEpochs < 1) throw new ArgumentOutOfRangeException(nameof(everyEpochs), everyEpochs, "Save at least every epoch count ≥ 1.");
        Path = path; EveryEpochs = everyEpochs;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }
    /// <summary>The interval in epochs.</summary>
    public int EveryEpochs { get; }

    /// <inheritdoc/>
    public void OnEpoch(Network network, EpochRecord epoch, TrainingControl control)
    {
        if (epoch.Epoch % EveryEpochs == 0 && control.Rank == 0) network.Save(Path);
    }
}
