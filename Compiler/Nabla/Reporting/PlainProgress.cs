using System;
using System.Diagnostics;
using System.IO;

namespace Nabla.Reporting;

/// <summary>
/// Progress as plain, greppable lines (no colours, no cursor movement) for logs, pipes, CI and dumb terminals:
/// <list type="bullet">
/// <item><c>training: 4000 examples, batch 100, 40 steps/epoch, 150 epochs, 6000 steps, …</c> at the start;</item>
/// <item><c>epoch 3/150 step=120/6000 loss=0.81234 accuracy=0.7012 val_loss=… val_accuracy=… samples/s=… elapsed=1.2s</c>
/// (<c>accuracy(dropout)=</c> when the model has dropout: the training accuracy is measured with it active)
/// for the first and the last epoch and every k-th, k chosen so there are at most <see cref="MaxEpochLines"/> of them
/// (when the number of epochs is unknown: at most one per second);</item>
/// <item><c>step 1234/6000 epoch=3 loss=… samples/s=…</c> when an epoch runs longer than the step interval without a line;</item>
/// <item><c>finished: 150 epochs, 6000 steps in 12.3s loss=… accuracy=…</c> at the end.</item>
/// </list>
/// Numbers use the invariant culture. <see cref="Step"/> costs one timestamp read unless a line is due.
/// </summary>
public sealed class PlainProgress : IProgressReporter
{
    private readonly TextWriter _out;
    private readonly long _stepTicks, _unknownEpochTicks;
    private int _every = 1, _planned;
    private long? _totalSteps;
    private long _lastLine;
    private double? _rate;
    private EpochInfo? _lastEpoch;
    private bool _lastEpochPrinted, _dropout;

    /// <summary>The most epoch lines a run with a known number of epochs prints (the first and last included, roughly).</summary>
    public int MaxEpochLines { get; }

    /// <summary>How long a run may go without a line before a step line is printed.</summary>
    public TimeSpan StepInterval { get; }

    /// <summary>
    /// Lines to <paramref name="writer"/>: at most about <paramref name="maxEpochLines"/> epoch lines (≥ 1), and a step
    /// line after <paramref name="stepInterval"/> (default 10 s) without output.
    /// </summary>
    public PlainProgress(TextWriter writer, int maxEpochLines = 50, TimeSpan? stepInterval = null)
    {
        _out = writer ?? throw new ArgumentNullException(nameof(writer));
        if (maxEpochLines < 1) throw new ArgumentOutOfRangeException(nameof(maxEpochLines), maxEpochLines, "At least one epoch line.");
        var step = stepInterval ?? TimeSpan.FromSeconds(10);
        if (step < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(stepInterval), step, "The step interval must be ≥ 0.");
        MaxEpochLines = maxEpochLines;
        StepInterval = step;
        _stepTicks = (long)(step.TotalSeconds * Stopwatch.Frequency);
        _unknownEpochTicks = Stopwatch.Frequency;
    }

    /// <inheritdoc/>
    public void Started(TrainingInfo info)
    {
        if (info is null) throw new ArgumentNullException(nameof(info));
        _planned = ProgressText.PlannedEpochs(info);
        _every = _planned > 0 ? Math.Max(1, (_planned + MaxEpochLines - 1) / MaxEpochLines) : 1;
        _totalSteps = info.TotalSteps ?? (info.Epochs > 0 && info.StepsPerEpoch > 0 ? (long)info.Epochs * info.StepsPerEpoch : null);
        _lastEpoch = null;
        _rate = null;
        _dropout = info.Dropout;
        Line(ProgressText.Started(info));
    }

    /// <inheritdoc/>
    public void Step(StepInfo info)
    {
        _rate = info.SamplesPerSecond;
        long now = Stopwatch.GetTimestamp();
        if (now - _lastLine < _stepTicks) return;
        Line(ProgressText.Step(info, _dropout), now);
    }

    /// <inheritdoc/>
    public void Epoch(EpochInfo info)
    {
        if (info is null) throw new ArgumentNullException(nameof(info));
        _lastEpoch = info;
        long now = Stopwatch.GetTimestamp();
        bool due = _planned > 0
            ? info.Epoch == 1 || info.Epoch % _every == 0 || info.Epoch >= _planned
            : info.Epoch == 1 || now - _lastLine >= _unknownEpochTicks;
        _lastEpochPrinted = due;
        if (due) Line(ProgressText.Epoch(info, _totalSteps, _rate, _dropout), now);
    }

    /// <inheritdoc/>
    public void Finished(FinishedInfo info)
    {
        if (info is null) throw new ArgumentNullException(nameof(info));
        if (_lastEpoch is not null && !_lastEpochPrinted) Line(ProgressText.Epoch(_lastEpoch, _totalSteps, _rate, _dropout));
        Line(ProgressText.Finished(info, _dropout));
    }

    private void Line(string text, long now = 0)
    {
        _out.WriteLine(text);
        _out.Flush();
        _lastLine = now != 0 ? now : Stopwatch.GetTimestamp();
    }
}
