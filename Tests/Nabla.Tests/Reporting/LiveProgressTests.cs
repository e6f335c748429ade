using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Nabla.Reporting;
using Spectre.Console.Testing;
using Xunit;

namespace Nabla.Tests.Reporting;

/// <summary>
/// The live display drawn on Spectre's test console at 80 and 120 columns, its output replayed on a small terminal
/// emulator (carriage return, line feed, erase line, cursor up; a character past the last column wraps): no line may
/// wrap or be longer than the width, no fragment of an earlier frame may stay on screen, and the last frame shows the
/// final values.
/// </summary>
public class LiveProgressTests
{
    [Theory]
    [InlineData(80, false)]
    [InlineData(120, false)]
    [InlineData(80, true)]
    [InlineData(120, true)]
    public void FitsTheWidthLeavesNoStaleFragmentsAndEndsWithTheFinalValues(int width, bool dropout)
    {
        var console = new TestConsole().Width(width).Interactive().EmitAnsiSequences();
        console.Profile.Capabilities.Ansi = true;
        using var p = ConsoleProgress.Live(console, updateInterval: TimeSpan.Zero); // every step redraws
        Assert.True(p.IsLive);
        const int epochs = 12, spe = 7;
        p.Started(new TrainingInfo
        {
            Epochs = epochs, TotalSteps = epochs * spe, StepsPerEpoch = spe, TrainExamples = 700, BatchSize = 100,
            ValidationExamples = 300, Parameters = 15210, Model = "mlp 40-100-100-10", Optimizer = "adam(lr=0.01)", Dropout = dropout,
        });
        long step = 0;
        for (int e = 1; e <= epochs; e++)
        {
            for (int s = 1; s <= spe; s++)
            {
                step++;
                // Values whose printed width changes (long losses early, short later) would leave stale tails on a line
                // that is overwritten without being erased.
                p.Step(new StepInfo
                {
                    Epoch = e, Step = step, TotalSteps = epochs * spe, StepInEpoch = s, StepsPerEpoch = spe,
                    Loss = step == epochs * spe ? 0.125 : 1.0 / (3 * step + 0.123456789), Accuracy = step == epochs * spe ? 0.9375 : 0.5 + step / 1000.0,
                    SamplesPerSecond = step % 2 == 0 ? 123456.7 : 9.2,
                });
            }
            p.Epoch(new EpochInfo
            {
                Epoch = e, Epochs = epochs, Step = step, TrainLoss = 1.0 / (e + 0.123456789), TrainAccuracy = 0.6 + e / 100.0,
                ValidationLoss = 0.25 + 1.0 / (e + 3), ValidationAccuracy = 0.7 + e / 100.0, Elapsed = TimeSpan.FromSeconds(1.1 * e),
                SamplesPerSecond = 5000,
            });
        }
        p.Finished(new FinishedInfo
        {
            Epochs = epochs, Steps = step, Elapsed = TimeSpan.FromSeconds(13.2), TrainLoss = 0.1, TrainAccuracy = 0.72,
            ValidationLoss = 0.3, ValidationAccuracy = 0.82,
        });

        var output = console.Output;
        Assert.Contains("\u001b[2K", output);          // the status line was redrawn in place
        var screen = Terminal.Replay(output, width);
        Assert.All(screen, line => Assert.True(line.Length <= width, $"{line.Length} > {width}: {line}"));

        // The screen: the start line, 12 epoch lines, the last frame, the summary; nothing else (no stale copies).
        string acc = dropout ? "accuracy(dropout)=" : "accuracy=";
        Assert.StartsWith("training: 700 examples", screen[0]);
        var epochLines = screen.Where(l => l.StartsWith("epoch ", StringComparison.Ordinal) && l.Contains(" step=")).ToList();
        Assert.Equal(epochs, epochLines.Count);
        Assert.All(epochLines, l => Assert.Contains(acc, l));
        if (!dropout) Assert.DoesNotContain(screen, l => l.Contains("dropout"));
        var frames = screen.Where(l => l.StartsWith("epoch ", StringComparison.Ordinal) && !l.Contains(" step=")).ToList();
        var last = Assert.Single(frames);
        Assert.StartsWith($"epoch {epochs}/{epochs} [", last);
        Assert.Contains("100%", last);
        Assert.Contains(" loss=0.125 ", last);                 // the final step's loss, not a throttled earlier one
        Assert.Contains((dropout ? " acc(dropout)=" : " acc=") + "0.9375", last);
        // Lines longer than the width (epoch lines, the summary) are wrapped at spaces by Spectre, never by the terminal.
        int finished = screen.FindIndex(l => l.StartsWith("finished: ", StringComparison.Ordinal));
        Assert.StartsWith("finished: 12 epochs, 84 steps in 13.2s", screen[finished]);
        Assert.Contains(" " + acc + "0.7200", " " + string.Join(" ", screen.Skip(finished)));
        Assert.True(screen.IndexOf(last) < finished);
        Assert.Equal(epochs + 1, screen.Count(l => l.StartsWith("epoch", StringComparison.Ordinal)));
        // No two values glued together, as a frame overwritten by a shorter line without erasing would leave them.
        Assert.DoesNotContain(screen, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"\d[a-z_()]+="));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void ThrottledFramesStillEndWithTheFinalStep(int width)
    {
        var console = new TestConsole().Width(width).Interactive().EmitAnsiSequences();
        console.Profile.Capabilities.Ansi = true;
        using var p = ConsoleProgress.Live(console, updateInterval: TimeSpan.FromHours(1)); // only the first step draws
        p.Started(new TrainingInfo { Epochs = 1, TotalSteps = 50, StepsPerEpoch = 50, TrainExamples = 50, BatchSize = 1 });
        for (int s = 1; s <= 50; s++)
            p.Step(new StepInfo { Epoch = 1, Step = s, TotalSteps = 50, StepInEpoch = s, StepsPerEpoch = 50, Loss = s, SamplesPerSecond = 10 });
        p.Finished(new FinishedInfo { Epochs = 1, Steps = 50, Elapsed = TimeSpan.FromSeconds(5), TrainLoss = 25.5 });
        var screen = Terminal.Replay(console.Output, width);
        var frame = Assert.Single(screen, l => l.StartsWith("epoch 1/1 [", StringComparison.Ordinal));
        Assert.Contains(" 100% loss=50 ", frame);
        Assert.DoesNotContain(screen, l => l.Contains("loss=1 "));
    }

    [Fact]
    public void TheStatusLineDropsWhatDoesNotFitButNeverTheEpochOrPercentage()
    {
        foreach (int width in new[] { 20, 40, 80, 120, 200 })
        {
            var console = new TestConsole().Width(width).Interactive().EmitAnsiSequences();
            console.Profile.Capabilities.Ansi = true;
            using var p = ConsoleProgress.Live(console, updateInterval: TimeSpan.Zero);
            p.Started(new TrainingInfo { Epochs = 150, TotalSteps = 6000, StepsPerEpoch = 40, TrainExamples = 4000, BatchSize = 100 });
            p.Step(new StepInfo { Epoch = 75, Step = 3000, TotalSteps = 6000, StepInEpoch = 1, StepsPerEpoch = 40, Loss = 0.69723912345, Accuracy = 0.8298, SamplesPerSecond = 123456 });
            var screen = Terminal.Replay(console.Output, width);
            var frame = Assert.Single(screen, l => l.StartsWith("epoch 75/150", StringComparison.Ordinal));
            Assert.True(frame.Length < width, $"{frame.Length} ≥ {width}: {frame}");
            Assert.Contains("50%", frame);
            if (width >= 80) Assert.Contains("loss=0.697239 acc=0.8298", frame);
        }
    }

    [Fact]
    public void AnEtaBeyondAnyClockAndAConsoleNarrowerThanTheHeadStillGiveOneLine()
    {
        // The first step of 10¹³: the remaining time overflowed TimeSpan and the exception reached the training loop.
        foreach (int width in new[] { 8, 120 })
        {
            var console = new TestConsole().Width(width).Interactive().EmitAnsiSequences();
            console.Profile.Capabilities.Ansi = true;
            using var p = ConsoleProgress.Live(console, updateInterval: TimeSpan.Zero);
            p.Started(new TrainingInfo { Epochs = 1, TotalSteps = 10_000_000_000_000, StepsPerEpoch = 1_000_000, TrainExamples = 1, BatchSize = 1 });
            System.Threading.Thread.Sleep(20);
            p.Step(new StepInfo { Epoch = 1, Step = 1, TotalSteps = 10_000_000_000_000, StepInEpoch = 1, StepsPerEpoch = 1_000_000, Loss = 1, SamplesPerSecond = 1 });
            var screen = Terminal.Replay(console.Output, width);
            // The status line is the last one on the screen (the header above it wraps as any long text does).
            var frame = screen.Last(l => l.Length > 0);
            Assert.True(frame.Length < width, $"{frame.Length} ≥ {width}: {frame}");
            Assert.StartsWith("epoch 1", frame);
            if (width >= 120) Assert.Contains("eta >99d", frame);
        }
    }

    [Fact]
    public void AConsoleWithoutAnsiIsRefused()
    {
        var console = new TestConsole().Width(80);
        console.Profile.Capabilities.Ansi = false;
        var e = Assert.Throws<ArgumentException>(() => ConsoleProgress.Live(console));
        Assert.Contains("ANSI", e.Message);
    }

    [Fact]
    public void PlainLinesLabelTheTrainingAccuracyWithDropout()
    {
        var w = new StringWriter();
        var p = new PlainProgress(w);
        p.Started(new TrainingInfo { Epochs = 1, StepsPerEpoch = 1, TrainExamples = 10, BatchSize = 10, Dropout = true });
        p.Step(new StepInfo { Epoch = 1, Step = 1, StepsPerEpoch = 1, Loss = 1, Accuracy = 0.5, SamplesPerSecond = 10 });
        p.Epoch(new EpochInfo { Epoch = 1, Epochs = 1, Step = 1, TrainLoss = 0.5, TrainAccuracy = 0.8298, Elapsed = TimeSpan.FromSeconds(1) });
        p.Finished(new FinishedInfo { Epochs = 1, Steps = 1, Elapsed = TimeSpan.FromSeconds(1), TrainLoss = 0.5, TrainAccuracy = 0.8298 });
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("loss=0.5 accuracy(dropout)=0.8298 ", lines[1]);
        Assert.Contains(" accuracy(dropout)=0.8298", lines[2]);
    }

    /// <summary>A minimal terminal: what a screen shows after the given output, one string per row.</summary>
    private static class Terminal
    {
        public static List<string> Replay(string output, int width)
        {
            var rows = new List<StringBuilder> { new() };
            int row = 0, col = 0;
            for (int i = 0; i < output.Length; i++)
            {
                char c = output[i];
                if (c == '\u001b' && i + 1 < output.Length && output[i + 1] == '[')
                {
                    int j = i + 2;
                    while (j < output.Length && (char.IsDigit(output[j]) || output[j] is ';' or '?')) j++;
                    string arg = output.Substring(i + 2, j - i - 2);
                    char op = output[j];
                    if (op == 'K')
                    {
                        var line = rows[row];
                        if (arg == "2") line.Clear();
                        else if (line.Length > col) line.Length = col;
                    }
                    else if (op == 'A') row = Math.Max(0, row - (arg.Length == 0 ? 1 : int.Parse(arg, CultureInfo.InvariantCulture)));
                    else if (op == 'J') throw new InvalidOperationException("the display erased the screen");
                    // 'm' (colours), 'h'/'l' (cursor visibility): nothing on screen.
                    i = j;
                    continue;
                }
                if (c == '\r') { col = 0; continue; }
                if (c == '\n') { row++; col = 0; if (row == rows.Count) rows.Add(new StringBuilder()); continue; }
                if (col >= width) throw new InvalidOperationException($"row {row} wrapped past column {width}: {rows[row]}");
                var r = rows[row];
                while (r.Length < col) r.Append(' ');
                if (col < r.Length) r[col] = c; else r.Append(c);
                col++;
            }
            return rows.Select(r => r.ToString().TrimEnd()).Where((r, i) => i < rows.Count - 1 || r.Length > 0).ToList();
        }
    }
}
