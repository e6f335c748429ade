using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla;
using Nabla.Data;
using Nabla.Examples;
using Nabla.Reporting;

namespace Autoencoder;

/// <summary>
/// An autoencoder on MNIST-1D: the 40-value signals pass through an encoder 40 → hidden → bottleneck and a decoder
/// bottleneck → hidden → 40 (ReLU after each hidden layer, a linear code), trained with MSE between the output and
/// the input itself and Adam, by a run-time compiled training step. Prints the reconstruction error on the training
/// and the test set (mean squared error per value) beside the error of always predicting the training set's mean
/// signal, and writes an SVG of a few test signals beside their reconstructions. Bad input is one line on stderr and
/// exit code 2, before any training.
/// </summary>
public static class Program
{
    /// <summary>The process entry point.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the example with <paramref name="args"/>, writing to <paramref name="stdout"/> and <paramref name="stderr"/>; returns the exit code (0, or 2 for bad input).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return ExampleHost.Run(stderr, () =>
        {
            var o = Options.Parse(args);
            if (o.Help) { stdout.WriteLine(Options.Usage); return 0; }
            return Train(o, stdout);
        });
    }

    /// <summary>The autoencoder: Dense(40→hidden), ReLU, Dense(hidden→bottleneck), Dense(bottleneck→hidden), ReLU, Dense(hidden→40).</summary>
    public static Sequential Build(int size, int hidden, int bottleneck) => new(
        ("encoder", new Sequential(new Dense(size, hidden), new ReLU(), new Dense(hidden, bottleneck))),
        ("decoder", new Sequential(new Dense(bottleneck, hidden), new ReLU(), new Dense(hidden, size))));

    /// <summary>The mean squared error per value between <paramref name="network"/>'s reconstructions of <paramref name="data"/> and the signals themselves.</summary>
    public static double ReconstructionMse(Network network, Dataset data)
    {
        var y = network.Predict(data.Features, data.Count);
        double sum = 0;
        for (int i = 0; i < data.Features.Length; i++) { double d = y[i] - data.Features[i]; sum += d * d; }
        return sum / data.Features.Length;
    }

    /// <summary>The mean squared error per value of always answering <paramref name="train"/>'s mean signal, on <paramref name="data"/>.</summary>
    public static double MeanSignalMse(Dataset train, Dataset data)
    {
        int size = train.ExampleSize;
        var mean = new double[size];
        for (int i = 0; i < train.Features.Length; i++) mean[i % size] += train.Features[i] / (double)train.Count;
        double sum = 0;
        for (int i = 0; i < data.Features.Length; i++) { double d = data.Features[i] - mean[i % size]; sum += d * d; }
        return sum / data.Features.Length;
    }

    private static int Train(Options o, TextWriter stdout)
    {
        // 1. Everything that can be wrong, before any work.
        var (train, test) = Mnist1DFiles.Load(o.Data);
        ExampleHost.CheckOutputFile("--svg", o.Svg);
        int size = train.ExampleSize;

        var model = Model.Build(Build(size, o.Hidden, o.Bottleneck), size, o.Seed);
        stdout.WriteLine($"MNIST-1D autoencoder: {train.Count} training and {test.Count} test signals of {size} values; " +
                         $"{size} → {o.Hidden} → {o.Bottleneck} → {o.Hidden} → {size}, MSE, Adam lr {F(o.LearningRate, "G")}, batch {o.Batch}, {o.Epochs} epochs");
        stdout.WriteLine(model.Summary);
        stdout.WriteLine($"parameters={model.ParameterCount.ToString(CultureInfo.InvariantCulture)}");

        // 2. Compile the training step (forward, MSE, backward and the Adam update in one generated method).
        var clock = Stopwatch.StartNew();
        var network = model.Compile(new TrainingSetup(Loss.Mse(), Optimizer.Adam(o.LearningRate)) { ModelName = "Mnist1dAutoencoder" }, Jit.ParseBackend(o.Backend));
        stdout.WriteLine($"compiled with {o.Backend} in {F(clock.Elapsed.TotalMilliseconds, "0")} ms");

        // 3. Train: the target of each batch is its input.
        clock.Restart();
        var loader = new BatchLoader(train, o.Batch, shuffle: true, seed: o.Seed);
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            loader.Reset(epoch);
            double sum = 0; int seen = 0;
            while (loader.Next(out var b))
            {
                float loss = network.TrainStep(b.X, b.X, b.Count);   // at the optimizer's rate, Adam(o.LearningRate)
                if (!float.IsFinite(loss)) throw new UsageException($"the training loss became {loss} in epoch {epoch + 1}; lower --lr.");
                sum += (double)loss * b.Count; seen += b.Count;
            }
            if ((epoch + 1) % Math.Max(1, o.Epochs / 10) == 0 || epoch + 1 == o.Epochs)
                stdout.WriteLine($"epoch {epoch + 1,4}: train loss {F(sum / seen, "0.0000")}, test reconstruction mse {F(ReconstructionMse(network, test), "0.0000")}");
        }
        double seconds = clock.Elapsed.TotalSeconds;

        // 4. The numbers and the figure.
        double trainMse = ReconstructionMse(network, train), testMse = ReconstructionMse(network, test);
        WriteFigure(o.Svg, network, test, o.Examples, o.Bottleneck);
        stdout.WriteLine($"figure written to {o.Svg}");
        stdout.WriteLine($"train_time_s={F(seconds, "0.00")} steps={network.Step.ToString(CultureInfo.InvariantCulture)} " +
                         $"mean_signal_test_mse={F(MeanSignalMse(train, test), "0.0000")}");
        stdout.WriteLine($"train_reconstruction_mse={F(trainMse, "0.0000")}");
        stdout.WriteLine($"test_reconstruction_mse={F(testMse, "0.0000")}");
        return 0;
    }

    /// <summary>
    /// The first <paramref name="count"/> test signals, each in its own panel beside (drawn over) its reconstruction,
    /// two panels a row: one <see cref="SvgPlot"/> per signal, placed in one SVG document.
    /// </summary>
    public static void WriteFigure(string path, Network network, Dataset test, int count, int bottleneck)
    {
        count = Math.Min(count, test.Count);
        int size = test.ExampleSize;
        var y = network.Predict(test.Features.AsSpan(0, count * size).ToArray(), count);
        var xs = Enumerable.Range(0, size).Select(i => (double)i).ToArray();
        var panels = new SvgPlot[count];
        for (int k = 0; k < count; k++)
        {
            var input = Enumerable.Range(0, size).Select(i => (double)test.Features[k * size + i]).ToArray();
            var output = Enumerable.Range(0, size).Select(i => (double)y[k * size + i]).ToArray();
            double mse = input.Zip(output, (a, b) => (a - b) * (a - b)).Average();
            panels[k] = new SvgPlot($"test signal {k} (digit {test.Labels![k]}), mse {F(mse, "0.000")}", "position", "value") { Width = 460, Height = 280 };
            panels[k].Add("input", xs, input).Add("reconstruction", xs, output);
        }
        SvgPlot.SaveGrid(path, $"MNIST-1D test signals and their reconstructions through a {bottleneck}-value code", panels, columns: 2);
    }

    private static string F(double v, string format) => ExampleHost.F(v, format);
}
