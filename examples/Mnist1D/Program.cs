using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla;
using Nabla.Checkpoints;
using Nabla.Data;
using Nabla.Reporting;
using Nabla.Runtime;

namespace Mnist1D;

/// <summary>
/// Trains an MLP on MNIST-1D: loads the CSVs, builds and compiles the network (the training step, optimizer update
/// included, is generated code), trains with a progress display, writes a loss/accuracy plot, and prints
/// <c>train_accuracy=…</c> and <c>test_accuracy=…</c>. Bad input is one line on stderr and exit code 2, with nothing
/// written: everything is read and checked before training starts, and files are written only at the end.
/// </summary>
public static class Program
{
    /// <summary>The number of MNIST-1D classes.</summary>
    public const int Classes = 10;

    /// <summary>The process entry point.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the example with <paramref name="args"/>, writing to <paramref name="stdout"/> and <paramref name="stderr"/>; returns the exit code (0, or 2 for bad input).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var o = Options.Parse(args);
            if (o.Help) { stdout.WriteLine(Options.Usage); return 0; }
            if (o.Threads is int t) Parallelism.MaxThreads = t;
            return o.Figure202 ? Figure202.Run(o, stdout) : Train(o, stdout);
        }
        catch (Exception e) when (e is UsageException or DataException or CheckpointException)
        {
            stderr.WriteLine("error: " + e.Message);
            return 2;
        }
    }

    /// <summary>Loads train.csv and test.csv from <paramref name="dir"/>, checked against each other.</summary>
    public static (Dataset Train, Dataset Test) LoadData(string dir)
    {
        if (!Directory.Exists(dir)) throw new UsageException($"--data: folder '{dir}' not found (it should hold train.csv and test.csv).");
        var train = Csv.LoadClassification(Path.Combine(dir, "train.csv"), classes: Classes);
        var test = Csv.LoadClassification(Path.Combine(dir, "test.csv"), classes: Classes);
        if (test.ExampleSize != train.ExampleSize)
            throw new UsageException($"{Path.Combine(dir, "test.csv")}: examples have {test.ExampleSize} values but train.csv's have {train.ExampleSize}.");
        return (train, test);
    }

    private static int Train(Options o, TextWriter stdout)
    {
        // 1. Read and check everything that can be wrong before any work or any output file.
        var (train, test) = LoadData(o.Data);
        if (o.Normalize)
        {
            var norm = Normalizer.Fit(train);
            train = norm.Apply(train);
            test = norm.Apply(test);
        }
        if (o.RandomLabels) train = train.WithRandomLabels(o.Seed);
        var net = Mlps.Build(train.ExampleSize, o.Hidden, Classes, o.Residual, o.Dropout);
        var model = Model.Build(net, train.ExampleSize, o.Seed, InitSchemeOf(o.Init));
        var checkpoint = o.Load is null ? null : CheckpointIO.LoadFor(o.Load, model);
        CheckWritable(o.Plot, "--plot");
        if (o.Save is not null) CheckWritable(o.Save, "--save");

        string description = Mlps.Describe(train.ExampleSize, o.Hidden, Classes, o.Residual, o.Dropout);
        stdout.WriteLine($"MNIST-1D: {train.Count} training and {test.Count} test examples of {train.ExampleSize} values, {Classes} classes" +
                         (o.Normalize ? ", standardized with the training set's mean and std" : ", not normalized") +
                         (o.RandomLabels ? ", RANDOM training labels" : ""));
        stdout.WriteLine(model.Summary);
        stdout.WriteLine($"parameters={model.ParameterCount.ToString(CultureInfo.InvariantCulture)}");

        // 2. Compile the training step and bind it.
        var optimizer = Optimizer.FromName(o.Optimizer, o.LearningRate, o.WeightDecay);
        var setup = TrainingSetup.Classification(optimizer);
        var compileClock = Stopwatch.StartNew();
        var network = model.Compile(setup, Jit.ParseBackend(o.Backend), dropoutSeed: o.Seed);
        stdout.WriteLine($"compiled with {o.Backend} in {compileClock.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms; " +
                         $"threads={Parallelism.MaxThreads.ToString(CultureInfo.InvariantCulture)}");
        if (checkpoint is not null)
        {
            bool state = CheckpointIO.Apply(checkpoint, network);
            stdout.WriteLine($"loaded {o.Load}: parameters" + (state ? $" and {o.Optimizer} state at step {network.Step.ToString(CultureInfo.InvariantCulture)}" : " (optimizer state starts fresh)"));
        }

        // 3. Train.
        long steps = o.Steps ?? (long)o.Epochs!.Value * ((train.Count + Math.Min(o.Batch, train.Count) - 1) / Math.Min(o.Batch, train.Count));
        var clock = Stopwatch.StartNew();
        History history;
        using (var progress = ConsoleProgress.Create(ReferenceEquals(stdout, Console.Out) ? null : stdout))
            history = Training.Run(network, train, test, o.Batch, o.Shuffle, steps, o.LearningRate, o.Seed, progress, description,
                                   model.ParameterCount, optimizer.Describe());
        double seconds = clock.Elapsed.TotalSeconds;

        // 4. Final numbers, plot, checkpoint.
        var (_, trainAcc) = new Evaluation(train).Run(network);
        var (testLoss, testAcc) = new Evaluation(test).Run(network);
        WritePlot(o.Plot, history, description, o.RandomLabels);
        stdout.WriteLine($"plot written to {o.Plot}");
        if (o.Save is not null)
        {
            CheckpointIO.Save(o.Save, network, new Dictionary<string, string> { ["nabla.model"] = description });
            stdout.WriteLine($"checkpoint written to {o.Save} (step {network.Step.ToString(CultureInfo.InvariantCulture)})");
        }
        stdout.WriteLine($"train_time_s={seconds.ToString("0.00", CultureInfo.InvariantCulture)} steps={steps.ToString(CultureInfo.InvariantCulture)} test_loss={testLoss.ToString("0.0000", CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"train_accuracy={trainAcc.ToString("0.0000", CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"test_accuracy={testAcc.ToString("0.0000", CultureInfo.InvariantCulture)}");
        return 0;
    }

    /// <summary>The initialization scheme called <paramref name="name"/> (pytorch, he, glorot).</summary>
    public static InitScheme InitSchemeOf(string name) => name switch
    {
        "he" => InitScheme.He,
        "glorot" => InitScheme.Glorot,
        _ => InitScheme.PyTorch,
    };

    private static void WritePlot(string path, History h, string description, bool randomLabels)
    {
        var plot = new SvgPlot($"MNIST-1D, {description}{(randomLabels ? ", random labels" : "")}", "step", "loss / accuracy") { Width = 800, Height = 480 };
        plot.Add("train loss", h.Step, h.TrainLoss)
            .Add("test loss", h.Step, h.TestLoss)
            .Add("train accuracy", h.Step, h.TrainAccuracy)
            .Add("test accuracy", h.Step, h.TestAccuracy);
        plot.Save(path);
    }

    /// <summary>Fails early (before training) when <paramref name="path"/> cannot be written: its folder is a file, or the path is a folder.</summary>
    private static void CheckWritable(string path, string option)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new UsageException($"{option}: '{path}' is a folder, not a file.");
        for (var d = Path.GetDirectoryName(full); !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d))
        {
            if (File.Exists(d)) throw new UsageException($"{option}: cannot write '{path}': '{d}' is a file, not a folder.");
            if (Directory.Exists(d)) break;
        }
    }
}
