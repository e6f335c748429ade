using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Reporting;

namespace Nabla.Training;

/// <summary>One epoch of a training run.</summary>
/// <param name="Epoch">The 1-based epoch number (counted from the network's step 0, so a resumed run continues the numbering).</param>
/// <param name="Step">The network's step count at the end of the epoch.</param>
/// <param name="TrainLoss">The per-example mean of the training loss over the epoch's batches (in training mode, before each update; for a sum-reduced loss the batch sums divided by the examples).</param>
/// <param name="TrainAccuracy">The fraction of training examples whose largest output was the label (computed during the steps, before each update), or null when the outputs are not class scores.</param>
/// <param name="ValidationLoss">The validation loss after the epoch (evaluation mode), or null without a validation set.</param>
/// <param name="ValidationAccuracy">The validation accuracy after the epoch, or null.</param>
/// <param name="LearningRate">The learning rate of the epoch's last step.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Examples">The number of training examples seen in the epoch (fewer than the set when the run resumed or ended mid-epoch).</param>
public sealed record EpochRecord(int Epoch, long Step, double TrainLoss, double? TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy,
    double LearningRate, TimeSpan Elapsed, int Examples);

/// <summary>
/// What <see cref="Trainer.Fit"/> returns: one <see cref="EpochRecord"/> per epoch (train and validation loss and
/// accuracy), the best epoch when early stopping ran, and why the run stopped early. <see cref="LossPlot"/> and
/// <see cref="AccuracyPlot"/> draw the curves.
/// </summary>
public sealed class TrainingHistory
{
    private readonly List<EpochRecord> _epochs = new();

    /// <summary>The epochs of this run, in order.</summary>
    public IReadOnlyList<EpochRecord> Epochs => _epochs;
    /// <summary>The network's step count when the run ended.</summary>
    public long Steps { get; internal set; }
    /// <summary>The epoch whose weights were restored by early stopping, or null.</summary>
    public int? RestoredEpoch { get; internal set; }
    /// <summary>Why the run stopped before its planned length (early stopping, a callback, a non-finite loss), or null.</summary>
    public string? StoppedEarly { get; internal set; }
    /// <summary>
    /// In data-parallel training, the time this rank spent in the per-step allreduce of gradients (waiting for the
    /// other ranks included) over the whole run; null otherwise. Against the run's elapsed time it is the share of the
    /// step the communication costs.
    /// </summary>
    public TimeSpan? AllReduceTime { get; internal set; }
    /// <summary>The last epoch, or null when no epoch ran.</summary>
    public EpochRecord? Last => _epochs.Count == 0 ? null : _epochs[_epochs.Count - 1];

    internal void Add(EpochRecord r) => _epochs.Add(r);

    /// <summary>Train (and validation) loss against the epoch number.</summary>
    public SvgPlot LossPlot(string title = "Loss")
    {
        var plot = new SvgPlot(title, "epoch", "loss");
        var x = _epochs.Select(e => (double)e.Epoch).ToArray();
        plot.Add("train", x, _epochs.Select(e => e.TrainLoss).ToArray());
        if (_epochs.Any(e => e.ValidationLoss is not null))
            plot.Add("validation", x, _epochs.Select(e => e.ValidationLoss ?? double.NaN).ToArray());
        return plot;
    }

    /// <summary>Train (and validation) accuracy against the epoch number.</summary>
    public SvgPlot AccuracyPlot(string title = "Accuracy")
    {
        var plot = new SvgPlot(title, "epoch", "accuracy");
        var x = _epochs.Select(e => (double)e.Epoch).ToArray();
        if (_epochs.Any(e => e.TrainAccuracy is not null))
            plot.Add("train", x, _epochs.Select(e => e.TrainAccuracy ?? double.NaN).ToArray());
        if (_epochs.Any(e => e.ValidationAccuracy is not null))
            plot.Add("validation", x, _epochs.Select(e => e.ValidationAccuracy ?? double.NaN).ToArray());
        return plot;
    }
}

/// <summary>The loss and accuracy of a network on a dataset (see <see cref="Trainer.Evaluate"/>).</summary>
/// <param name="Loss">The per-example mean loss over the examples (evaluation mode), whatever the batch size.</param>
/// <param name="Accuracy">The fraction of examples whose largest output is the label, or null when the outputs are not class scores.</param>
/// <param name="Examples">The number of examples.</param>
public sealed record Metrics(double Loss, double? Accuracy, int Examples);
