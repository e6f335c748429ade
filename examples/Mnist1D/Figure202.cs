using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla;
using Nabla.Data;
using Nabla.Reporting;

namespace Mnist1D;

/// <summary>
/// The lecture's figure 20.2 (Understanding Deep Learning): MLPs of about 15,200 parameters and 1 to 4 hidden layers
/// ([298], [100,100], [75,75,75], [63,63,63,63]) fit the 4000 MNIST-1D training examples with random labels by
/// full-batch gradient descent (He initialization, learning rate 0.0025, no momentum). Reports, per model, the steps
/// until every training example is classified as its (random) label, and plots the training error against steps.
/// </summary>
public static class Figure202
{
    /// <summary>The lecture's four models.</summary>
    public static readonly int[][] Models = { new[] { 298 }, new[] { 100, 100 }, new[] { 75, 75, 75 }, new[] { 63, 63, 63, 63 } };

    /// <summary>Runs the experiment with the options' data, seed, backend, learning rate and step cap; returns the exit code.</summary>
    public static int Run(Options o, TextWriter stdout)
    {
        var (train, _) = Program.LoadData(o.Data);
        if (o.Normalize) train = Normalizer.Fit(train).Apply(train);
        train = train.WithRandomLabels(o.Seed);
        var models = o.HiddenGiven ? new[] { o.Hidden } : Models;
        var prepared = models.Select(h => Model.Build(Networks.Mlp(train.ExampleSize, h, Program.Classes), train.ExampleSize, o.Seed, InitScheme.He)).ToArray();
        Plot(o.Plot, Array.Empty<(string, List<double>, List<double>)>(), dryRun: true);
        stdout.WriteLine($"figure 20.2: {train.Count} MNIST-1D training examples with random labels, full-batch gradient descent, " +
                         $"He initialization, lr={o.FigureLearningRate.ToString("R", CultureInfo.InvariantCulture)}, no momentum, at most {o.MaxSteps} steps per model");

        var targets = train.OneHot();
        var labels = train.Labels!;
        var curves = new List<(string Name, List<double> Steps, List<double> Error)>();
        var results = new List<string>();
        int every = (int)Math.Max(1, o.MaxSteps / 3000);
        for (int m = 0; m < models.Length; m++)
        {
            string name = "[" + string.Join(",", models[m]) + "]";
            var model = prepared[m];
            var network = model.Compile(TrainingSetup.Classification(Optimizer.Sgd(o.FigureLearningRate)), Jit.ParseBackend(o.Backend), o.Seed);
            stdout.WriteLine($"{name}: {Mlps.Describe(train.ExampleSize, models[m], Program.Classes, false, 0)}, parameters={model.ParameterCount.ToString(CultureInfo.InvariantCulture)}");
            var steps = new List<double>();
            var error = new List<double>();
            long fitAt = -1;
            var clock = Stopwatch.StartNew();
            long lastLine = 0;
            for (long step = 1; step <= o.MaxSteps + 1; step++)
            {
                // The outputs of step k are computed before its update: they are the network after k−1 updates.
                float loss = network.TrainStep(train.Features, targets, train.Count);   // at the optimizer's rate, Sgd(o.FigureLearningRate)
                int correct = Correct(network.Output(), labels, train.Count, Program.Classes);
                long updates = step - 1;
                double err = 1 - correct / (double)train.Count;
                if (updates % every == 0 || correct == train.Count) { steps.Add(updates); error.Add(err); }
                if (correct == train.Count) { fitAt = updates; break; }
                if (clock.ElapsedMilliseconds - lastLine >= 5000)
                {
                    lastLine = clock.ElapsedMilliseconds;
                    stdout.WriteLine($"  step {updates.ToString(CultureInfo.InvariantCulture)} loss={loss.ToString("G5", CultureInfo.InvariantCulture)} " +
                                     $"train_error={err.ToString("0.0000", CultureInfo.InvariantCulture)} elapsed={clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s");
                }
                if (updates == o.MaxSteps) break;
            }
            string secs = clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
            string line = fitAt >= 0
                ? $"{name}: 100% training accuracy after {fitAt.ToString(CultureInfo.InvariantCulture)} steps ({secs}s)"
                : $"{name}: not fitted within {o.MaxSteps.ToString(CultureInfo.InvariantCulture)} steps: training error {error[^1].ToString("0.0000", CultureInfo.InvariantCulture)} ({secs}s)";
            stdout.WriteLine(line);
            results.Add($"steps_to_fit{name}=" + (fitAt >= 0 ? fitAt.ToString(CultureInfo.InvariantCulture) : ">" + o.MaxSteps.ToString(CultureInfo.InvariantCulture)));
            curves.Add((name, steps, error));
        }
        Plot(o.Plot, curves, dryRun: false);
        stdout.WriteLine($"plot written to {o.Plot}");
        foreach (var r in results) stdout.WriteLine(r);
        return 0;
    }

    /// <summary>How many of the first <paramref name="count"/> rows of <paramref name="logits"/> have their largest entry at the label.</summary>
    public static int Correct(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int count, int classes)
    {
        int correct = 0;
        for (int r = 0; r < count; r++)
        {
            var row = logits.Slice(r * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            if (best == labels[r]) correct++;
        }
        return correct;
    }

    private static void Plot(string path, IReadOnlyList<(string Name, List<double> Steps, List<double> Error)> curves, bool dryRun)
    {
        if (dryRun)
        {
            Program.CheckWritable(path, "--plot");   // a folder, a device, a FIFO, a folder that takes no file: now, not after the run
            return;
        }
        var plot = new SvgPlot("Figure 20.2: MNIST-1D with random labels, full-batch gradient descent", "step", "training error") { Width = 800, Height = 480 };
        foreach (var c in curves) plot.Add(c.Name, c.Steps, c.Error);
        plot.Save(path);
    }
}
