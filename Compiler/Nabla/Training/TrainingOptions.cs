using System;
using System.Collections.Generic;
using Nabla.Data;
using Nabla.Reporting;

namespace Nabla.Training;

/// <summary>
/// How <see cref="Trainer.Fit"/> trains a <see cref="Network"/>: the length of the run (<see cref="Epochs"/> or
/// <see cref="Steps"/>), the mini-batches (<see cref="BatchSize"/>, shuffling, seed, augmentation), the learning-rate
/// schedule, early stopping, progress and callbacks.
/// <para>
/// The length is the run's total, counted from step 0 of the network: a network loaded from a checkpoint taken at step
/// k continues at epoch ⌊k / stepsPerEpoch⌋, batch k mod stepsPerEpoch, with the same data order, dropout masks and
/// learning rates as an uninterrupted run (bit-identical on one thread).
/// </para>
/// </summary>
public sealed class TrainingOptions
{
    /// <summary>The run's total number of epochs (passes over the training set); used when <see cref="Steps"/> is null. Default 10.</summary>
    public int Epochs { get; set; } = 10;
    /// <summary>The run's total number of optimizer steps (mini-batches), overriding <see cref="Epochs"/>; may end mid-epoch.</summary>
    public long? Steps { get; set; }
    /// <summary>Rows per mini-batch (default 100); a batch size ≥ the training set gives full-batch gradient descent.</summary>
    public int BatchSize { get; set; } = 100;
    /// <summary>
    /// A learning-rate schedule, a function of the step (<see cref="Nabla.LearningRate.Step"/>,
    /// <see cref="Nabla.LearningRate.Cosine"/>, <see cref="Nabla.LearningRate.From"/>), that varies the network's rate per
    /// step. It must start at the network's rate — the optimizer's (<see cref="Optimizer.LearningRate"/>), unless
    /// <see cref="Network.LearningRate"/> was set — so the rate is never given twice: a schedule starting elsewhere is an
    /// <see cref="ArgumentException"/> naming both values. <c>Fit</c> sets it as <see cref="Network.LearningRate"/>.
    /// Null (the default): the network's rate.
    /// </summary>
    public LearningRate? LearningRate { get; set; }
    /// <summary>Whether each epoch visits the examples in a seeded random order (default true).</summary>
    public bool Shuffle { get; set; } = true;
    /// <summary>The seed of the shuffles and of the augmentation (default 0).</summary>
    public long Seed { get; set; }
    /// <summary>Whether a last partial batch of each epoch is skipped (default false: it is a smaller step).</summary>
    public bool DropLast { get; set; }
    /// <summary>An augmentation applied to each training batch's inputs, or null.</summary>
    public IAugmentation? Augmentation { get; set; }
    /// <summary>Rows per batch when evaluating the validation set (default 1000; evaluation only affects speed, not results).</summary>
    public int EvaluationBatchSize { get; set; } = 1000;
    /// <summary>Early stopping on the validation loss, or null (needs a validation set).</summary>
    public EarlyStopping? EarlyStopping { get; set; }
    /// <summary>Where progress goes (default: nowhere; use <see cref="ConsoleProgress.Create"/> for the console).</summary>
    public IProgressReporter Progress { get; set; } = NullProgress.Instance;
    /// <summary>
    /// Data-parallel training over the communicator's ranks (null or one rank: this process alone). Every rank calls
    /// <see cref="Trainer.Fit"/> with the same model, data and options; see <see cref="Trainer"/> for what each does.
    /// </summary>
    public Nabla.Distributed.ICommunicator? Communicator { get; set; }
    /// <summary>Called after every step and every epoch (e.g. <see cref="CheckpointCallback"/>).</summary>
    public IList<ITrainingCallback> Callbacks { get; } = new List<ITrainingCallback>();

    /// <summary>Checks every number; the error names the option.</summary>
    internal void Validate()
    {
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be at least 1.");
        if (EvaluationBatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(EvaluationBatchSize), EvaluationBatchSize, "The evaluation batch size must be at least 1.");
        if (Steps is null && Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "The number of epochs must be at least 1 (or set Steps).");
        if (Steps is <= 0) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "The number of steps must be at least 1.");
        if (Progress is null) throw new ArgumentNullException(nameof(Progress), "Progress is null; use NullProgress.Instance for none.");
    }
}

/// <summary>
/// Stops training when the validation loss has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> epochs in a row, and (with <see cref="RestoreBest"/>) puts back the weights of the epoch with
/// the lowest validation loss when the run ends, early or not.
/// </summary>
public sealed class EarlyStopping
{
    /// <summary>Early stopping with <paramref name="patience"/> ≥ 1 epochs.</summary>
    public EarlyStopping(int patience, double minDelta = 0, bool restoreBest = true)
    {
        if (patience < 1) throw new ArgumentOutOfRangeException(nameof(patience), patience, "The patience must be at least 1 epoch.");
        if (!(minDelta >= 0) || double.IsInfinity(minDelta)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "minDelta must be finite and >= 0.");
        Patience = patience; MinDelta = minDelta; RestoreBest = restoreBest;
    }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }
    /// <summary>The smallest decrease of the validation loss that counts as an improvement.</summary>
    public double MinDelta { get; }
    /// <summary>Whether the best epoch's weights are restored at the end (optimizer state and step count are kept).</summary>
    public bool RestoreBest { get; }
}
