using System;

namespace Nabla.Reporting;

/// <summary>What a training run is about to do; passed once to <see cref="IProgressReporter.Started"/>.</summary>
public sealed record TrainingInfo
{
    /// <summary>The planned number of epochs (0 when the run is bounded by <see cref="TotalSteps"/> only).</summary>
    public int Epochs { get; init; }

    /// <summary>The planned number of optimizer steps, if known.</summary>
    public long? TotalSteps { get; init; }

    /// <summary>Optimizer steps (mini-batches) per epoch.</summary>
    public int StepsPerEpoch { get; init; }

    /// <summary>The number of training examples.</summary>
    public int TrainExamples { get; init; }

    /// <summary>The number of validation examples, if there is a validation set.</summary>
    public int? ValidationExamples { get; init; }

    /// <summary>The rows per mini-batch.</summary>
    public int BatchSize { get; init; }

    /// <summary>The number of trainable parameters, if known.</summary>
    public long? Parameters { get; init; }

    /// <summary>A short description of the model (e.g. "mlp 40-100-100-10"), if any.</summary>
    public string? Model { get; init; }

    /// <summary>A short description of the optimizer (e.g. "adam lr=0.01"), if any.</summary>
    public string? Optimizer { get; init; }

    /// <summary>
    /// Whether the training step applies dropout. Then the training accuracy of <see cref="StepInfo"/> and
    /// <see cref="EpochInfo"/> is measured with dropout active, and the displays label it <c>accuracy(dropout)</c>:
    /// it reads lower than the accuracy of the same weights evaluated with dropout off (<c>network.Evaluate(train)</c>).
    /// </summary>
    public bool Dropout { get; init; }
}

/// <summary>
/// One optimizer step; passed to <see cref="IProgressReporter.Step"/> after every step. A struct, so reporting a step
/// allocates nothing.
/// </summary>
public readonly record struct StepInfo
{
    /// <summary>The 1-based number of the epoch this step belongs to.</summary>
    public int Epoch { get; init; }

    /// <summary>The 1-based number of this step, counted over the whole run.</summary>
    public long Step { get; init; }

    /// <summary>The planned number of steps of the run, if known.</summary>
    public long? TotalSteps { get; init; }

    /// <summary>The 1-based number of this step within its epoch.</summary>
    public int StepInEpoch { get; init; }

    /// <summary>Steps per epoch.</summary>
    public int StepsPerEpoch { get; init; }

    /// <summary>The mini-batch loss of this step (or a running mean, as the trainer chooses).</summary>
    public double Loss { get; init; }

    /// <summary>The mini-batch accuracy of this step (or a running mean), if computed.</summary>
    public double? Accuracy { get; init; }

    /// <summary>Training throughput in examples per second, as measured by the trainer.</summary>
    public double SamplesPerSecond { get; init; }
}

/// <summary>The end of one epoch; passed to <see cref="IProgressReporter.Epoch"/>.</summary>
public sealed record EpochInfo
{
    /// <summary>The 1-based number of the epoch that ended.</summary>
    public int Epoch { get; init; }

    /// <summary>The planned number of epochs (0 if unknown).</summary>
    public int Epochs { get; init; }

    /// <summary>Steps done so far over the whole run.</summary>
    public long Step { get; init; }

    /// <summary>The mean training loss over the epoch.</summary>
    public double TrainLoss { get; init; }

    /// <summary>The training accuracy over the epoch, if computed.</summary>
    public double? TrainAccuracy { get; init; }

    /// <summary>The validation loss after the epoch, if there is a validation set.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>The validation accuracy after the epoch, if there is a validation set.</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>Time since training started.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Training throughput over the epoch in examples per second, if measured.</summary>
    public double? SamplesPerSecond { get; init; }
}

/// <summary>The end of a training run; passed once to <see cref="IProgressReporter.Finished"/>.</summary>
public sealed record FinishedInfo
{
    /// <summary>Epochs completed.</summary>
    public int Epochs { get; init; }

    /// <summary>Optimizer steps done.</summary>
    public long Steps { get; init; }

    /// <summary>Total training time.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The final (or restored best) training loss, if known.</summary>
    public double? TrainLoss { get; init; }

    /// <summary>The final (or restored best) training accuracy, if known.</summary>
    public double? TrainAccuracy { get; init; }

    /// <summary>The final (or restored best) validation loss, if there is a validation set.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>The final (or restored best) validation accuracy, if there is a validation set.</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>Why training stopped before its plan (e.g. "early stopping: best epoch 27 restored"), or null.</summary>
    public string? StoppedEarly { get; init; }
}
