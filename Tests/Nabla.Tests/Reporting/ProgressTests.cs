using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Nabla.Reporting;
using Xunit;

namespace Nabla.Tests.Reporting;

public class ProgressTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars)
    {
        var d = vars.ToDictionary(v => v.Key, v => v.Value);
        return k => d.TryGetValue(k, out var v) ? v : null;
    }

    [Fact]
    public void LiveOnlyOnAnInteractiveTerminal()
    {
        Assert.True(ConsoleProgress.ShouldBeLive(false, Env()));
        Assert.False(ConsoleProgress.ShouldBeLive(true, Env()));
        Assert.False(ConsoleProgress.ShouldBeLive(false, Env(("NO_COLOR", "1"))));
        Assert.False(ConsoleProgress.ShouldBeLive(false, Env(("TERM", "dumb"))));
        Assert.False(ConsoleProgress.ShouldBeLive(false, Env(("CI", "true"))));
        Assert.True(ConsoleProgress.ShouldBeLive(false, Env(("CI", "false"), ("NO_COLOR", ""))));
    }

    [Fact]
    public void ARedirectedWriterGetsPlainLines()
    {
        var w = new StringWriter();
        using var p = ConsoleProgress.Create(w);
        Assert.False(p.IsLive);
        Simulate(p, epochs: 3, stepsPerEpoch: 4);
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.StartsWith("training: 40 examples, batch 10, 4 steps/epoch, 3 epochs, validation 5 examples, model mlp", lines[0]);
        Assert.Contains("parameters=15210", lines[0]);
        Assert.Equal(new[] { "epoch 1/3 step=4/12", "epoch 2/3 step=8/12", "epoch 3/3 step=12/12" },
            lines.Skip(1).Take(3).Select(l => string.Join(' ', l.Split(' ').Take(3))));
        Assert.Contains("loss=0.5 accuracy=0.7500 val_loss=0.25 val_accuracy=0.8000", lines[3]);
        Assert.StartsWith("finished: 3 epochs, 12 steps in ", lines[4]);
        Assert.Equal(5, lines.Length);
        Assert.DoesNotContain('\u001b', w.ToString());   // no escape sequences
    }

    [Fact]
    public void ManyEpochsArePrintedSparselyButFirstAndLastAlways()
    {
        var w = new StringWriter();
        var p = new PlainProgress(w, maxEpochLines: 10);
        Simulate(p, epochs: 95, stepsPerEpoch: 1);
        var epochs = w.ToString().Split('\n').Where(l => l.StartsWith("epoch ")).Select(l => int.Parse(l.Split(' ')[1].Split('/')[0])).ToArray();
        Assert.Equal(1, epochs.First());
        Assert.Equal(95, epochs.Last());
        Assert.InRange(epochs.Length, 2, 12);
    }

    private static void Simulate(IProgressReporter p, int epochs, int stepsPerEpoch)
    {
        p.Started(new TrainingInfo
        {
            Epochs = epochs, StepsPerEpoch = stepsPerEpoch, TrainExamples = 40, BatchSize = 10, ValidationExamples = 5,
            Parameters = 15210, Model = "mlp", Optimizer = "adam lr=0.01",
        });
        long step = 0;
        for (int e = 1; e <= epochs; e++)
        {
            for (int s = 1; s <= stepsPerEpoch; s++)
                p.Step(new StepInfo { Epoch = e, Step = ++step, StepInEpoch = s, StepsPerEpoch = stepsPerEpoch, Loss = 1.0 / e, SamplesPerSecond = 1000 });
            p.Epoch(new EpochInfo
            {
                Epoch = e, Epochs = epochs, Step = step, TrainLoss = e == 3 ? 0.5 : 1.0 / e, TrainAccuracy = 0.75,
                ValidationLoss = 0.25, ValidationAccuracy = 0.8, Elapsed = TimeSpan.FromSeconds(e),
            });
        }
        p.Finished(new FinishedInfo { Epochs = epochs, Steps = step, Elapsed = TimeSpan.FromSeconds(epochs), TrainLoss = 0.5 });
    }
}
