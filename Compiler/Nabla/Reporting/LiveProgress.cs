using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;

namespace Nabla.Reporting;

/// <summary>
/// The interactive display: a Spectre.Console progress bar (description with epoch, step, loss, accuracy and
/// samples/s; bar; percentage; elapsed and remaining time) redrawn by Spectre's refresh thread, with the epoch lines
/// of <see cref="PlainProgress"/> printed above it. <see cref="Step"/> updates the bar at most every
/// <see cref="UpdateInterval"/> and otherwise only reads a timestamp.
/// </summary>
internal sealed class LiveProgress : IProgressReporter, IDisposable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly TimeSpan UpdateInterval = TimeSpan.FromMilliseconds(100);

    private readonly IAnsiConsole _console;
    private readonly long _updateTicks = (long)(UpdateInterval.TotalSeconds * Stopwatch.Frequency);
    private ManualResetEventSlim? _done;
    private Task? _render;
    private ProgressTask? _task;
    private long _lastUpdate;
    private int _every = 1, _planned;
    private long? _totalSteps;
    private double? _rate;
    private EpochInfo? _lastEpoch;
    private bool _lastEpochPrinted;
    private string _epochPart = "", _validationPart = "";

    public LiveProgress(IAnsiConsole console) { _console = console; }

    public void Started(TrainingInfo info)
    {
        if (info is null) throw new ArgumentNullException(nameof(info));
        Stop();
        _planned = ProgressText.PlannedEpochs(info);
        _every = _planned > 0 ? Math.Max(1, (_planned + 49) / 50) : 1;
        _totalSteps = info.TotalSteps ?? (info.Epochs > 0 && info.StepsPerEpoch > 0 ? (long)info.Epochs * info.StepsPerEpoch : null);
        _lastEpoch = null;
        _rate = null;
        _epochPart = _planned > 0 ? $"epoch 1/{_planned}" : "epoch 1";
        _validationPart = "";
        _console.WriteLine(ProgressText.Started(info));

        var progress = _console.Progress()
            .AutoRefresh(true).AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn());
        var ready = new ManualResetEventSlim();
        var done = new ManualResetEventSlim();
        _done = done;
        _render = Task.Run(() => progress.Start(ctx =>
        {
            var task = ctx.AddTask(Markup.Escape(_epochPart), autoStart: true, maxValue: _totalSteps is long t && t > 0 ? t : 1);
            task.IsIndeterminate = _totalSteps is null;
            _task = task;
            ready.Set();
            done.Wait();
            ctx.Refresh();
        }));
        // Wait for the display to start (or to fail: then the render task has faulted and the bar stays off).
        while (!ready.Wait(50) && !_render.IsCompleted) { }
    }

    public void Step(StepInfo info)
    {
        _rate = info.SamplesPerSecond;
        long now = Stopwatch.GetTimestamp();
        if (now - _lastUpdate < _updateTicks) return;
        _lastUpdate = now;
        var task = _task;
        if (task is null) return;
        _epochPart = info.StepsPerEpoch > 0 && _planned > 0 ? $"epoch {info.Epoch}/{_planned}" : $"epoch {info.Epoch}";
        string acc = info.Accuracy is double a ? " acc=" + ProgressText.Accuracy(a) : "";
        // Most important first (the bar shows the step): the description is cut to the console's width.
        string text = $"{_epochPart} loss={ProgressText.Loss(info.Loss)}{acc} {ProgressText.Rate(info.SamplesPerSecond)} samples/s{_validationPart}";
        // The bar, percentage and times need about 52 columns; a longer description would wrap and garble the display.
        int room = Math.Max(16, _console.Profile.Width - 52);
        if (text.Length > room) text = text.Substring(0, room - 1) + "…";
        task.Description = Markup.Escape(text);
        task.Value = info.Step;
    }

    public void Epoch(EpochInfo info)
    {
        if (info is null) throw new ArgumentNullException(nameof(info));
        _lastEpoch = info;
        _validationPart = (info.ValidationLoss is double vl ? " val_loss=" + ProgressText.Loss(vl) : "") +
                          (info.ValidationAccuracy is double va ? " val_accuracy=" + ProgressText.Accuracy(va) : "");
        if (_task is ProgressTask t) t.Value = info.Step;
        _lastEpochPrinted = info.Epoch == 1 || info.Epoch % _every == 0 || (_planned > 0 && info.Epoch >= _planned);
        if (_lastEpochPrinted) _console.WriteLine(ProgressText.Epoch(info, _totalSteps, _rate));
    }

    public void Finished(FinishedInfo info)
    {
        if (info is null) throw new ArgumentNullException(nameof(info));
        if (_task is ProgressTask t)
        {
            if (t.IsIndeterminate) { t.IsIndeterminate = false; t.MaxValue = Math.Max(1, info.Steps); }
            t.Value = t.MaxValue;
        }
        if (_lastEpoch is not null && !_lastEpochPrinted) _console.WriteLine(ProgressText.Epoch(_lastEpoch, _totalSteps, _rate));
        Stop();
        _console.WriteLine(ProgressText.Finished(info));
    }

    public void Dispose() => Stop();

    private void Stop()
    {
        var done = _done;
        var render = _render;
        _done = null;
        _render = null;
        _task = null;
        if (done is null || render is null) return;
        done.Set();
        try { render.Wait(); }
        catch (AggregateException) { /* the display failed to draw; progress lines were already written */ }
        done.Dispose();
    }
}
