using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Nabla;
using Nabla.Data;
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
        try
        {
            var o = Options.Parse(args);
            if (o.Help) { stdout.WriteLine(Options.Usage); return 0; }
            return Train(o, stdout);
        }
        catch (Exception e) when (e is UsageException or DataException)
        {
            stderr.WriteLine("error: " + e.Message);
            return 2;
        }
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
        if (!Directory.Exists(o.Data)) throw new UsageException($"--data: folder '{o.Data}' not found (it should hold train.csv and test.csv).");
        var train = Csv.LoadClassification(Path.Combine(o.Data, "train.csv"), classes: 10);
        var test = Csv.LoadClassification(Path.Combine(o.Data, "test.csv"), classes: 10);
        if (test.ExampleSize != train.ExampleSize)
            throw new UsageException($"{Path.Combine(o.Data, "test.csv")}: examples have {test.ExampleSize} values but train.csv's have {train.ExampleSize}.");
        if (Directory.Exists(o.Svg)) throw new UsageException($"--svg: '{o.Svg}' is a folder, not a file.");
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
                float loss = network.TrainStep(b.X, b.X, b.Count, o.LearningRate);
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
        int size = test.ExampleSize, cols = Math.Min(2, count), rows = (count + cols - 1) / cols;
        const int w = 460, h = 280;
        var y = network.Predict(test.Features.AsSpan(0, count * size).ToArray(), count);
        XNamespace svg = "http://www.w3.org/2000/svg";
        var root = new XElement(svg + "svg", new XAttribute("width", cols * w), new XAttribute("height", rows * h + 30),
            new XAttribute("viewBox", $"0 0 {cols * w} {rows * h + 30}"), new XAttribute("font-family", "sans-serif"));
        root.Add(new XElement(svg + "rect", new XAttribute("width", cols * w), new XAttribute("height", rows * h + 30), new XAttribute("fill", "white")));
        root.Add(new XElement(svg + "text", new XAttribute("x", cols * w / 2), new XAttribute("y", 20), new XAttribute("text-anchor", "middle"),
            new XAttribute("font-size", 15), new XAttribute("font-weight", "bold"), $"MNIST-1D test signals and their reconstructions through a {bottleneck}-value code"));
        var xs = Enumerable.Range(0, size).Select(i => (double)i).ToArray();
        for (int k = 0; k < count; k++)
        {
            var input = Enumerable.Range(0, size).Select(i => (double)test.Features[k * size + i]).ToArray();
            var output = Enumerable.Range(0, size).Select(i => (double)y[k * size + i]).ToArray();
            double mse = input.Zip(output, (a, b) => (a - b) * (a - b)).Average();
            var plot = new SvgPlot($"test signal {k} (digit {test.Labels![k]}), mse {F(mse, "0.000")}", "position", "value") { Width = w, Height = h };
            plot.Add("input", xs, input).Add("reconstruction", xs, output);
            var panel = XDocument.Parse(plot.ToSvg()).Root!;
            panel.SetAttributeValue("x", k % cols * w);
            panel.SetAttributeValue("y", 30 + k / cols * h);
            root.Add(panel);
        }
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllText(path, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + root + "\n");
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
