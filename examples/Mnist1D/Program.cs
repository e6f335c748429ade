using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla;
using Nabla.Checkpoints;
using Nabla.Data;
using Nabla.Distributed;
using Nabla.IO;
using Nabla.Reporting;
using Nabla.Runtime;
using Nabla.Training;

namespace Mnist1D;

/// <summary>
/// Trains an MLP (or, with <c>--model gru</c>, a bidirectional GRU; with <c>--model cnn</c>, the paper's CNN) on MNIST-1D: loads the CSVs, builds and compiles the network (the training step, optimizer update
/// included, is generated code), trains with a progress display, writes a loss/accuracy plot, and prints
/// <c>train_accuracy=…</c> and <c>test_accuracy=…</c>. Bad input is one line on stderr and exit code 2, with nothing
/// written: everything is read and checked before training starts, and files are written only at the end.
/// </summary>
public static class Program
{
    /// <summary>The number of MNIST-1D classes.</summary>
    public const int Classes = 10;

    /// <summary>The process entry point.</summary>
    public static int Main(string[] args)
    {
        // Under mpirun each rank's output is a pseudo-terminal that mpirun forwards: .NET would switch that "terminal"
        // to keypad mode (an escape sequence at the top of the output) and the live progress would redraw in a stream
        // of lines. Plain output suits it.
        if (Communicator.LaunchedByMpi) Environment.SetEnvironmentVariable("TERM", "dumb");
        return Run(args, Console.Out, Console.Error);
    }

    /// <summary>
    /// Runs the example with <paramref name="args"/>, writing to <paramref name="stdout"/> and <paramref name="stderr"/>;
    /// returns the exit code (0, or 2 for bad input). With <c>--distributed</c> under <c>mpirun</c>, only rank 0 writes to
    /// <paramref name="stdout"/>, and an error on any rank ends every rank (no rank is left waiting for it).
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ICommunicator? comm = null;
        try
        {
            var o = Options.Parse(args);
            if (o.Help) { stdout.WriteLine(Options.Usage); return 0; }
            if (o.Threads is int t) Parallelism.MaxThreads = t;
            if (o.Distributed)
            {
                comm = Communicator.FromEnvironment();
                // The ranks on one machine share its cores (unless --threads says otherwise).
                if (o.Threads is null) Parallelism.MaxThreads = Math.Max(1, Environment.ProcessorCount / Communicator.LocalRanks);
            }
            var output = comm is { Rank: > 0 } ? TextWriter.Null : stdout;
            int code = o.Figure202 ? Figure202.Run(o, output)
                : o.Search is not null ? HyperparameterSearch.Run(o, output, comm ?? SingleProcessCommunicator.Instance)
                : Train(o, output, comm ?? SingleProcessCommunicator.Instance);
            if (comm is { Size: > 1 })
                using (comm.WithoutTimeout()) comm.Barrier(); // the other ranks wait, however long, while rank 0 evaluates and writes
            comm?.Dispose();
            return code;
        }
        catch (DistributedMismatchException e)
        {
            // Every rank found the same difference at the same point: each ends on its own, rank 0 says why.
            if (comm is not { Rank: > 0 }) stderr.WriteLine("error: " + OneLine(e.Message));
            comm?.Dispose();
            return 2;
        }
        catch (Exception e) when (comm is { Size: > 1 })
        {
            // One rank's error: the others would wait for it in the next collective, so the whole job ends here.
            comm.Abort("error: " + (IsUsage(e) ? OneLine(e.Message) : e.ToString()), 2);
            return 2;
        }
        catch (Exception e) when (IsUsage(e))
        {
            stderr.WriteLine("error: " + OneLine(e.Message));
            comm?.Dispose();
            return 2;
        }
    }

    /// <summary>An error message on one line: a line break in it (from a path or a value given on the command line) is shown as \n or \r.</summary>
    public static string OneLine(string message) => Nabla.IO.OneLine.Of(message);

    private static bool IsUsage(Exception e) =>
        e is UsageException or DataException or CheckpointException or InvalidDataException or InsufficientMemoryException or Nabla.Ir.ShapeException or LayerException;

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

    private static int Train(Options o, TextWriter stdout, ICommunicator comm)
    {
        bool distributed = comm.Size > 1, writer = comm.Rank == 0;
        // 1. Read and check everything that can be wrong before any work or any output file.
        var (train, test) = LoadData(o.Data);
        Dataset? validation = null;
        if (o.Validation > 0)
        {
            if (o.Validation >= train.Count)
                throw new UsageException($"--validation: {o.Validation} held-out examples leave none of the {train.Count} training examples to train on.");
            (train, validation) = train.Split((train.Count - o.Validation) / (double)train.Count, ValidationSplitSeed);
        }
        if (o.Normalize)
        {
            var norm = Normalizer.Fit(train);
            train = norm.Apply(train);
            test = norm.Apply(test);
            if (validation is not null) validation = norm.Apply(validation);
        }
        if (o.RandomLabels) train = train.WithRandomLabels(o.Seed);
        bool gru = o.Model == "gru", cnn = o.Model == "cnn";
        var model = ModelOf(o, train.ExampleSize, o.Seed);
        // Rank 0 loads the checkpoint and writes the files; the trainer copies its weights and step to the other ranks.
        if (o.Load is not null && writer) SafeTensors.Load(o.Load);   // a missing or corrupt file fails before the compile
        if (writer) CheckWritable(o.Plot, "--plot");
        if (o.Save is not null && writer) CheckWritable(o.Save, "--save");

        string description = gru ? Grus.Describe(o.Hidden[0], o.Dropout)
            : cnn ? Cnns.Describe(o.Dropout, o.Shift)
            : o.Model == "logistic" ? $"logistic regression {train.ExampleSize}-{Classes}"
            : Mlps.Describe(train.ExampleSize, o.Hidden, Classes, o.Residual, o.Dropout);
        stdout.WriteLine($"MNIST-1D: {train.Count} training and {test.Count} test examples of {train.ExampleSize} values, {Classes} classes" +
                         (validation is not null ? $", {validation.Count} more held out for validation" : "") +
                         (o.Normalize ? ", standardized with the training set's mean and std" : ", not normalized") +
                         (o.RandomLabels ? ", RANDOM training labels" : ""));
        var (augmentation, augmentationText) = AugmentationOf(o);
        if (augmentation is not null) stdout.WriteLine("augmentation of the training inputs per step: " + augmentationText);
        stdout.WriteLine(model.Summary);
        stdout.WriteLine($"parameters={model.ParameterCount.ToString(CultureInfo.InvariantCulture)}");

        // 2. Compile the training step (forward, backward and optimizer update in one generated method) and bind it.
        var compileClock = Stopwatch.StartNew();
        var network = Compile(model, o, o.Seed, splitStep: distributed);
        stdout.WriteLine($"compiled with {o.Backend} in {compileClock.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms; " +
                         $"threads={Parallelism.MaxThreads.ToString(CultureInfo.InvariantCulture)}");
        if (distributed)
            stdout.WriteLine($"distributed: {comm.Size} ranks ({comm.Description}); each computes its share of every batch of {o.Batch} " +
                             $"({o.Batch / comm.Size}–{(o.Batch + comm.Size - 1) / comm.Size} rows), one allreduce of {network.Signature.GradientLength + 3} floats per step");
        if (o.Load is not null && writer)
        {
            network.Load(o.Load);   // checks every tensor against the model before writing any
            bool withState = network.Step > 0 || SafeTensors.Load(o.Load).Names.Any(n => n.StartsWith(Checkpoint.OptimizerPrefix, StringComparison.Ordinal));
            stdout.WriteLine($"loaded {o.Load}: " + (withState
                ? $"parameters and {o.Optimizer} state at step {network.Step.ToString(CultureInfo.InvariantCulture)}"
                : "parameters (the optimizer starts fresh)"));
        }

        // 3. Train: --steps/--epochs count from step 0, so a run resumed at step k trains the remaining steps.
        var clock = Stopwatch.StartNew();
        TrainingHistory history;
        using (var progress = ConsoleProgress.Create(ReferenceEquals(stdout, Console.Out) ? null : stdout))
        {
            var options = TrainingOptionsOf(o, train.Count, o.Seed, progress);
            options.Communicator = comm;
            history = network.Fit(train, options, validation: validation ?? test);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        if (!writer) return 0;
        if (history.AllReduceTime is { } allReduce)
            stdout.WriteLine($"allreduce: {allReduce.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s of the {seconds.ToString("0.000", CultureInfo.InvariantCulture)} s of training " +
                             $"({(100 * allReduce.TotalSeconds / seconds).ToString("0.0", CultureInfo.InvariantCulture)} %, waiting for the other ranks included)");

        // 4. Final numbers, checkpoint, plot: a run that diverged writes nothing, and the checkpoint (which refuses
        // non-finite weights) goes first, so a failure leaves no plot of a run that then exits with an error.
        if (history.StoppedEarly is { } why && why.Contains("diverged", StringComparison.Ordinal))
            throw new UsageException($"{why}; nothing was written (try a smaller --lr).");
        var trainMetrics = network.Evaluate(train);
        var testMetrics = network.Evaluate(test);
        if (o.Save is not null)
        {
            network.Save(o.Save);
            stdout.WriteLine($"checkpoint written to {o.Save} (step {network.Step.ToString(CultureInfo.InvariantCulture)})");
        }
        WritePlot(o.Plot, history, description, o.RandomLabels, validation is not null ? "validation" : "test");
        stdout.WriteLine($"plot written to {o.Plot}");
        stdout.WriteLine($"train_time_s={seconds.ToString("0.00", CultureInfo.InvariantCulture)} steps={network.Step.ToString(CultureInfo.InvariantCulture)} " +
                         $"test_loss={testMetrics.Loss.ToString("0.0000", CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"train_accuracy={(trainMetrics.Accuracy ?? 0).ToString("0.0000", CultureInfo.InvariantCulture)}");
        if (validation is not null)
            stdout.WriteLine($"validation_accuracy={(network.Evaluate(validation).Accuracy ?? 0).ToString("0.0000", CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"test_accuracy={(testMetrics.Accuracy ?? 0).ToString("0.0000", CultureInfo.InvariantCulture)}");
        if (o.CompareSingle) stdout.WriteLine($"max_rel_diff={CompareSingle(o, train, validation ?? test, test, network, stdout).ToString("G3", CultureInfo.InvariantCulture)}");
        return 0;
    }

    /// <summary>
    /// Trains the run of <paramref name="o"/> again in this one process, from the same initial weights and seeds with the
    /// fused training step, and returns the largest difference of a weight from <paramref name="distributed"/>'s, relative
    /// to the largest magnitude in its tensor (it also prints the single run's time and test accuracy).
    /// </summary>
    private static double CompareSingle(Options o, Dataset train, Dataset watched, Dataset test, Network distributed, TextWriter stdout)
    {
        var single = Compile(ModelOf(o, train.ExampleSize, o.Seed), o, o.Seed);
        if (o.Load is not null) single.Load(o.Load);
        var clock = Stopwatch.StartNew();
        single.Fit(train, TrainingOptionsOf(o, train.Count, o.Seed), validation: watched);
        stdout.WriteLine($"single_process_train_time_s={clock.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} " +
                         $"single_process_test_accuracy={(single.Evaluate(test).Accuracy ?? 0).ToString("0.0000", CultureInfo.InvariantCulture)}");
        double worst = 0;
        foreach (var p in single.Signature.Parameters)
        {
            var a = single.ParameterValues(p.Name);
            var b = distributed.ParameterValues(p.Name);
            double scale = 0, diff = 0;
            for (int i = 0; i < a.Length; i++) { scale = Math.Max(scale, Math.Abs(a[i])); diff = Math.Max(diff, Math.Abs(a[i] - b[i])); }
            if (scale > 0) worst = Math.Max(worst, diff / scale);
        }
        return worst;
    }

    /// <summary>The model of <paramref name="o"/> (MLP, GRU, CNN or logistic regression) for inputs of <paramref name="inputSize"/> values, initialized from <paramref name="seed"/>.</summary>
    public static Model ModelOf(Options o, int inputSize, long seed)
    {
        Options.CheckModelSize(o, inputSize); // sizes before anything is allocated (the data may have more than 40 values)
        var net = o.Model == "gru" ? Grus.Build(inputSize, o.Hidden[0], Classes, o.Dropout)
            : o.Model == "cnn" ? Cnns.Build(inputSize, Classes, o.Dropout)
            : Mlps.Build(inputSize, o.Hidden, Classes, o.Residual, o.Dropout);
        return Model.Build(net, inputSize, seed, InitSchemeOf(o.Init));
    }

    /// <summary>Compiles <paramref name="model"/>'s training step (softmax cross-entropy, the optimizer of <paramref name="o"/>) with <paramref name="o"/>'s backend; dropout masks from <paramref name="seed"/>.</summary>
    public static Network Compile(Model model, Options o, long seed, bool splitStep = false)
    {
        var optimizer = Optimizer.FromName(o.Optimizer, o.LearningRate, o.WeightDecay);
        var setup = new TrainingSetup(Loss.SoftmaxCrossEntropy(), optimizer)
        {
            ModelName = o.Model == "gru" ? "Mnist1dGru" : o.Model == "cnn" ? "Mnist1dCnn" : o.Model == "logistic" ? "Mnist1dLogistic" : "Mnist1dMlp",
            SplitStep = splitStep,
        };
        return model.Compile(setup, Jit.ParseBackend(o.Backend), dropoutSeed: seed);
    }

    /// <summary>The training options of <paramref name="o"/> (batch, length, schedule, augmentation) for <paramref name="trainCount"/> examples, shuffling and augmenting from <paramref name="seed"/>.</summary>
    public static TrainingOptions TrainingOptionsOf(Options o, int trainCount, long seed, IProgressReporter? progress = null)
    {
        var options = new TrainingOptions
        {
            BatchSize = o.Batch, Shuffle = o.Shuffle, Seed = seed, LearningRate = ScheduleOf(o, trainCount),
            EvaluationBatchSize = 1000, Augmentation = AugmentationOf(o).Augmentation,
        };
        if (progress is not null) options.Progress = progress;
        if (o.Steps is long steps) options.Steps = steps;
        else options.Epochs = o.Epochs!.Value;
        return options;
    }

    /// <summary>
    /// The augmentation of <c>--shift</c> and <c>--noise</c> (shift first, then noise, from the loader's generator) and
    /// its description for the progress lines, or (null, "") when both are 0.
    /// </summary>
    public static (IAugmentation? Augmentation, string Description) AugmentationOf(Options o)
    {
        var steps = new List<IAugmentation>();
        var parts = new List<string>();
        if (o.Shift > 0)
        {
            steps.Add(new RandomShift(o.Shift, ShiftFill.Edge));
            parts.Add("random shift ±" + o.Shift.ToString(CultureInfo.InvariantCulture) + " (edge-filled)");
        }
        if (o.Noise > 0)
        {
            steps.Add(new GaussianNoise(o.Noise));
            parts.Add("gaussian noise σ=" + o.Noise.ToString(CultureInfo.InvariantCulture));
        }
        return steps.Count == 0 ? (null, "") : (new ComposedAugmentation(steps.ToArray()), string.Join(", ", parts));
    }

    /// <summary>The seed of the <c>--validation</c> split: the same held-out examples whatever <c>--seed</c> is, so runs compare.</summary>
    public const long ValidationSplitSeed = 0;

    /// <summary>The learning-rate schedule of <c>--schedule</c> over the run's steps.</summary>
    private static LearningRate ScheduleOf(Options o, int trainCount)
    {
        if (o.Schedule != "cosine") return LearningRate.Constant(o.LearningRate);
        long perEpoch = (trainCount + o.Batch - 1) / o.Batch;
        long total = o.Steps ?? perEpoch * o.Epochs!.Value;
        return LearningRate.Cosine(o.LearningRate, total);
    }

    /// <summary>The initialization scheme called <paramref name="name"/> (pytorch, he, glorot).</summary>
    public static InitScheme InitSchemeOf(string name) => name switch
    {
        "he" => InitScheme.He,
        "glorot" => InitScheme.Glorot,
        _ => InitScheme.PyTorch,
    };

    private static void WritePlot(string path, TrainingHistory h, string description, bool randomLabels, string watched)
    {
        var steps = h.Epochs.Select(e => (double)e.Step).ToArray();
        var plot = new SvgPlot($"MNIST-1D, {description}{(randomLabels ? ", random labels" : "")}", "step", "loss / accuracy") { Width = 800, Height = 480 };
        plot.Add("train loss", steps, h.Epochs.Select(e => e.TrainLoss).ToArray())
            .Add(watched + " loss", steps, h.Epochs.Select(e => e.ValidationLoss ?? double.NaN).ToArray())
            .Add("train accuracy", steps, h.Epochs.Select(e => e.TrainAccuracy ?? double.NaN).ToArray())
            .Add(watched + " accuracy", steps, h.Epochs.Select(e => e.ValidationAccuracy ?? double.NaN).ToArray());
        plot.Save(path);
    }

    /// <summary>
    /// Fails early (before training) when <paramref name="path"/> cannot be written: its folder is a file or takes no
    /// file, or the path is a folder, a device, a FIFO or a socket, or a symbolic link to one (see <see cref="AtomicFile"/>:
    /// a link to a regular file or to a new path is written through).
    /// </summary>
    internal static void CheckWritable(string path, string option)
    {
        if (Directory.Exists(Path.GetFullPath(path))) throw new UsageException($"{option}: '{path}' is a folder, not a file.");
        string full;
        try { full = AtomicFile.Target(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new UsageException($"{option}: {e.Message}");
        }
        for (var d = Path.GetDirectoryName(full); !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d))
        {
            if (!Directory.Exists(d)) continue;
            // The folder exists: write (and delete) a temporary where the output's temporary will go, so a folder that
            // takes no files (/proc, read-only, no permission) fails now, not after the training.
            try
            {
                using var probe = new FileStream(Path.Combine(d, ".nabla-probe." + Guid.NewGuid().ToString("N") + ".tmp"),
                    FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"{option}: cannot write '{path}': the folder '{d}' takes no new file ({e.GetType().Name}).");
            }
            break;
        }
    }
}
