using System;
using System.Diagnostics;
using System.Text;
using Spectre.Console;

namespace Nabla.Reporting;

/// <summary>
/// The interactive display: one status line (epoch, bar, percentage, loss, training accuracy, validation, samples/s,
/// elapsed and remaining time) redrawn in place on a Spectre.Console <see cref="IAnsiConsole"/>, with the epoch lines
/// of <see cref="PlainProgress"/> printed above it.
/// <para>
/// Everything is drawn on the training thread (no refresh thread writes concurrently with the epoch lines), every
/// redraw first returns to column 0 and erases the line (<c>CR</c>, <c>ESC[2K</c>), and the status line is cut to
/// fit one column short of the console's width, so it never wraps and never leaves stale fragments. The values of
/// the latest step are always kept, so the last frame — drawn by <see cref="Finished"/> and left on screen — shows
/// the final step, loss and accuracy. <see cref="Step"/> redraws at most every update interval and otherwise only
/// reads a timestamp.
/// </para>
/// </summary>
internal sealed class LiveProgress : IProgressReporter, IDisposable
{
    /// <summary>The default time between redraws.</summary>
    public static readonly TimeSpan DefaultUpdateInterval = TimeSpan.FromMilliseconds(100);

    private const string EraseLine = "\r\u001b[2K";
    private readonly IAnsiConsole _console;
    private readonly long _updateTicks;
    private readonly Stopwatch _clock = new();
    private long _lastUpdate;
    private int _every = 1, _planned;
    private long? _totalSteps;
    private double? _rate;
    private bool _dropout, _drawn, _running, _hasStep;
    private StepInfo _last;
    private EpochInfo? _lastEpoch;
    private bool _lastEpochPrinted;

    public LiveProgress(IAnsiConsole console, TimeSpan? updateInterval = null)
    {
        _console = console ?? throw new ArgumentNullException(nameof(console));
        var interval = updateInterval ?? DefaultUpdateInterval;
        if (interval < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(updateInterval), interval, "The update interval must be ≥ 0.");
        _updateTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
    }

    public void Started(TrainingInfo info)
    {
        if (info is null) throw new ArgumentNullException(nameof(info));
        Clear();
        _planned = ProgressText.PlannedEpochs(info);
        _every = _planned > 0 ? Math.Max(1, (_planned + 49) / 50) : 1;
        _totalSteps = info.TotalSteps ?? (info.Epochs > 0 && info.StepsPerEpoch > 0 ? (long)info.Epochs * info.StepsPerEpoch : null);
        _dropout = info.Dropout;
        _lastEpoch = null;
        _rate = null;
        _hasStep = false;
        _last = default;
        _lastUpdate = 0;
        _running = true;
        _clock.Restart();
        _console.WriteLine(ProgressText.Started(info));
    }

    public void Step(StepInfo info)
    {
        _rate = info.SamplesPerSecond;
        _last = info;
        _hasStep = true;
        if (!_running) return;
        long now = Stopwatch.GetTimestamp();
        if (_lastUpdate != 0 && now - _lastUpdate < _updateTicks) return;
        _lastUpdate = now;
        Draw();
    }

    public void Epoch(EpochInfo info)
    {
        if (info is null) throw new ArgumentNullException(nameof(info));
        _lastEpoch = info;
        _lastEpochPrinted = info.Epoch == 1 || info.Epoch % _every == 0 || (_planned > 0 && info.Epoch >= _planned);
        if (_lastEpochPrinted)
        {
            Clear();
            _console.WriteLine(ProgressText.Epoch(info, _totalSteps, _rate, _dropout));
            if (_running && _hasStep) Draw();
        }
    }

    public void Finished(FinishedInfo info)
    {
        if (info is null) throw new ArgumentNullException(nameof(info));
        Clear();
        if (_lastEpoch is not null && !_lastEpochPrinted) _console.WriteLine(ProgressText.Epoch(_lastEpoch, _totalSteps, _rate, _dropout));
        if (_running && _hasStep)
        {
            // The last frame, with the final step's values, stays on screen above the summary.
            _console.WriteAnsi(EraseLine + Status(Width, finalSteps: info.Steps));
            _console.WriteLine();
        }
        _running = false;
        _console.WriteLine(ProgressText.Finished(info, _dropout));
    }

    /// <summary>Erases the status line if one is drawn (when training threw, the display ends without a summary).</summary>
    public void Dispose()
    {
        Clear();
        _running = false;
    }

    /// <summary>The console's width in columns (at least 2, so the line has room for one character).</summary>
    private int Width => Math.Max(2, _console.Profile.Width);

    private void Draw()
    {
        _console.WriteAnsi(EraseLine + Status(Width));
        _drawn = true;
    }

    private void Clear()
    {
        if (!_drawn) return;
        _console.WriteAnsi(EraseLine);
        _drawn = false;
    }

    /// <summary>
    /// The status line for a console <paramref name="width"/> columns wide: at most width − 1 characters (a line
    /// exactly as wide as the terminal can wrap on some terminals). The epoch and the percentage always show; then loss
    /// and accuracy; then a bar of at least 10 cells when there is room for it; then, in order, whatever of validation,
    /// rate, elapsed and remaining time fits; the bar grows into the room that is left (up to 30 cells).
    /// </summary>
    internal string Status(int width, long? finalSteps = null)
    {
        int room = Math.Max(1, width - 1);
        var s = _last;
        long step = finalSteps ?? s.Step;
        long? total = finalSteps is long f && (_totalSteps is null || f > _totalSteps) ? f : _totalSteps;
        string head = _planned > 0 ? $"epoch {s.Epoch}/{_planned}" : $"epoch {s.Epoch}";
        double? fraction = total is long t && t > 0 ? Math.Clamp((double)step / t, 0, 1) : null;
        if (finalSteps is not null) fraction = 1;
        string pct = fraction is double fr ? $" {Math.Floor(fr * 100):0}%" : $" step {step}";
        var elapsed = _clock.Elapsed;
        double etaSeconds = fraction is double q && q > 0 && q < 1 ? elapsed.TotalSeconds * (1 - q) / q : double.NaN;
        // Beyond 99 days (or a first step of a run of 10^13 steps) the time is no number a person reads, and beyond
        // TimeSpan's range it would overflow: it is shown as more than 99 days.
        string? eta = double.IsNaN(etaSeconds) ? null : etaSeconds < 99 * 86400.0 ? " eta " + Clock(TimeSpan.FromSeconds(etaSeconds)) : " eta >99d";
        string? loss = " loss=" + ProgressText.Loss(s.Loss);
        string? acc = s.Accuracy is double a ? (_dropout ? " acc(dropout)=" : " acc=") + ProgressText.Accuracy(a) : null;
        string?[] extras =
        {
            _lastEpoch?.ValidationLoss is double vl ? " val_loss=" + ProgressText.Loss(vl) : null,
            _lastEpoch?.ValidationAccuracy is double va ? " val_acc=" + ProgressText.Accuracy(va) : null,
            " " + ProgressText.Rate(s.SamplesPerSecond) + " samples/s",
            " " + Clock(elapsed),
            eta,
        };
        if (head.Length + pct.Length > room) return (head + pct).Substring(0, room);
        var tail = new StringBuilder(pct);
        int used = head.Length + pct.Length;
        // Loss and accuracy first; then a bar of at least MinCells is kept; then whatever else fits, in order.
        const int MinCells = 10, MaxCells = 30, BarFrame = 3; // " [" + cells + "]"
        foreach (var p in new[] { loss, acc })
            if (p is not null && used + p.Length <= room) { tail.Append(p); used += p.Length; }
        int reserve = fraction is not null && room - used >= MinCells + BarFrame ? MinCells + BarFrame : 0;
        foreach (var p in extras)
            if (p is not null && used + p.Length + reserve <= room) { tail.Append(p); used += p.Length; }
        int cells = Math.Min(MaxCells, room - used - BarFrame);
        if (fraction is double b && cells >= 5)
        {
            bool unicode = _console.Profile.Capabilities.Unicode;
            int done = (int)Math.Round(b * cells);
            var bar = new StringBuilder(" [", cells + BarFrame);
            bar.Append(unicode ? '━' : '#', done).Append(unicode ? '─' : '-', cells - done).Append(']');
            return head + bar + tail;
        }
        return head + tail;
    }

    /// <summary>A duration as m:ss (h:mm:ss from an hour on).</summary>
    private static string Clock(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{(int)t.TotalMinutes}:{t.Seconds:00}";
}
