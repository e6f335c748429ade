using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla;
using Nabla.Data;
using Nabla.Examples;
using Nabla.Reporting;
using Nabla.Training;

namespace Contrastive;

/// <summary>
/// Contrastive pre-training on MNIST-1D without labels, then a linear probe. One encoder (the MNIST-1D paper's CNN
/// with a Linear to a small embedding, or an MLP) with shared weights (<see cref="Siamese"/>) embeds two random views
/// of each training signal (shift, amplitude scale, Gaussian noise); in-batch InfoNCE
/// (<see cref="Loss.InfoNceInBatch"/> between the two outputs) pulls the views of one signal together and pushes the
/// other signals of the batch apart. The labels are then used only to train a Linear(embedding, 10) on top of the
/// frozen encoder (<see cref="Module.Freeze"/>); its test accuracy is compared with the same probe on a frozen encoder
/// of the same architecture that was never trained (the contrastive encoder's own initial weights) and with logistic
/// regression on the raw signal. Bad input is one line on stderr and exit code 2, before any training.
/// </summary>
public static class Program
{
    private const int Classes = 10;
    private const int ProbeBatch = 100;

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

    /// <summary>
    /// The encoder, 40 values → <paramref name="embedding"/> values. <c>cnn</c>: the input viewed as [1, 40], three
    /// Conv1d of <paramref name="hidden"/> channels (kernels 5, 3, 3, stride 2, padding 1) with ReLU, flattened into a
    /// Linear to the embedding (the MNIST-1D paper's CNN with the embedding in place of the 10 classes). <c>mlp</c>:
    /// Dense(40→hidden), ReLU, Dense(hidden→hidden), ReLU, Dense(hidden→embedding).
    /// </summary>
    public static Sequential BuildEncoder(string kind, int size, int hidden, int embedding) => kind switch
    {
        "cnn" => Networks.Mnist1dCnn(size, hidden, embedding),
        "mlp" => new Sequential(new Dense(size, hidden), new ReLU(), new Dense(hidden, hidden), new ReLU(), new Dense(hidden, embedding)),
        _ => throw new UsageException($"--encoder: unknown encoder '{kind}' (cnn, mlp)."),
    };

    /// <summary>The pre-training model: the encoder with shared weights on two inputs <c>x1</c>, <c>x2</c> (the views), outputs <c>q</c>, <c>k</c>.</summary>
    public static Model BuildContrastive(Sequential encoder, int size, long seed) =>
        Model.Build(new Siamese(encoder), new[] { InputSpec.Batched("x1", size), InputSpec.Batched("x2", size) }, new[] { "q", "k" }, seed);

    /// <summary>
    /// The probe model: the encoder, frozen, under the child name <c>encoder</c> (so its parameters are named
    /// <c>encoder.…</c> as in the <see cref="Siamese"/> pre-training model) followed by the trainable <c>probe</c>, a
    /// Linear(embedding, 10).
    /// </summary>
    public static Model BuildProbe(Sequential encoder, int size, int embedding, long seed) =>
        Model.Build(new Sequential(("encoder", encoder.Freeze()), ("probe", new Dense(embedding, Classes))), size, seed);

    private static int Train(Options o, TextWriter stdout)
    {
        // 1. Everything that can be wrong, before any work.
        var (train, test) = Mnist1DFiles.Load(o.Data);
        ExampleHost.CheckOutputFile("--svg", o.Svg);
        if (o.Batch > train.Count) throw new UsageException($"--batch: {o.Batch} is larger than the {train.Count} training signals.");
        int size = train.ExampleSize;
        var backend = Jit.ParseBackend(o.Backend);

        var model = BuildContrastive(BuildEncoder(o.Encoder, size, o.Hidden, o.Embedding), size, o.Seed);
        stdout.WriteLine($"MNIST-1D contrastive pre-training: {train.Count} training signals (labels unused), {test.Count} test signals of {size} values; " +
                         $"{o.Encoder} encoder {size} → {o.Embedding}, two views per signal (shift ±{o.Shift}, scale ±{F(o.Scale, "0.##")}, noise σ {F(o.Noise, "0.###")}), " +
                         $"in-batch InfoNCE τ {F(o.Tau, "G")}, batch {o.Batch}, Adam lr {F(o.LearningRate, "G")}, {o.Epochs} epochs");
        stdout.WriteLine(model.Summary);
        stdout.WriteLine($"encoder_parameters={model.ParameterCount.ToString(CultureInfo.InvariantCulture)}");

        // 2. Compile the two-view step: both views through the one encoder, the [B, B] similarities, InfoNCE, Adam.
        var clock = Stopwatch.StartNew();
        var setup = new TrainingSetup(new[] { LossTerm.Between("q", "k", Loss.InfoNceInBatch(o.Tau)) }, Optimizer.Adam(o.LearningRate)) { ModelName = "Mnist1dContrastive" };
        var network = model.Compile(setup, backend);
        var initial = network.SnapshotParameters();   // the untrained encoder: the random-features baseline
        stdout.WriteLine($"compiled with {o.Backend} in {F(clock.Elapsed.TotalMilliseconds, "0")} ms");

        // 3. Pre-train: each batch's signals are augmented twice, independently, into the two inputs.
        clock.Restart();
        var views = new ViewPair(o.Shift, o.Scale, o.Noise, o.Seed);
        var loader = new BatchLoader(train, o.Batch, shuffle: true, seed: o.Seed, dropLast: true);
        var x1 = new float[o.Batch * size];
        var x2 = new float[o.Batch * size];
        var inputs = new[] { x1, x2 };
        var losses = new List<double>();
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            loader.Reset(epoch);
            double sum = 0; int seen = 0;
            while (loader.Next(out var b))
            {
                views.Make(b.X, b.Count, size, network.Step, x1, x2);
                float loss = network.TrainStep(inputs, Array.Empty<float[]>(), b.Count, o.LearningRate);
                if (!float.IsFinite(loss)) throw new UsageException($"the InfoNCE loss became {loss} in epoch {epoch + 1}; lower --lr or raise --tau.");
                sum += (double)loss * b.Count; seen += b.Count;
            }
            losses.Add(sum / seen);
            if ((epoch + 1) % Math.Max(1, o.Epochs / 10) == 0 || epoch + 1 == o.Epochs)
                stdout.WriteLine($"epoch {epoch + 1,4}: InfoNCE {F(sum / seen, "0.0000")} (chance log {o.Batch} = {F(Math.Log(o.Batch), "0.0000")})");
        }
        double pretrainSeconds = clock.Elapsed.TotalSeconds;
        var trained = network.SnapshotParameters();

        // 4. Linear probes on the frozen encoders (trained and untrained) and logistic regression on the raw signal.
        clock.Restart();
        var probeOptions = new TrainingOptions
        {
            Epochs = o.ProbeEpochs, BatchSize = ProbeBatch, Shuffle = true, Seed = o.Seed,
            LearningRate = LearningRate.Constant(o.ProbeLearningRate), EvaluationBatchSize = 1000,
        };
        TrainingSetup ProbeSetup(string name) => new(Loss.SoftmaxCrossEntropy(), Optimizer.Adam(o.ProbeLearningRate)) { ModelName = name };
        var probe = Probe(o, size, trained, ProbeSetup("Mnist1dProbe"), probeOptions, backend, train, test);
        stdout.WriteLine($"linear probe on the contrastive encoder: train accuracy {F(probe.Train)}, test accuracy {F(probe.Test)}");
        var random = Probe(o, size, initial, ProbeSetup("Mnist1dRandomProbe"), probeOptions, backend, train, test);
        stdout.WriteLine($"linear probe on the untrained encoder:   train accuracy {F(random.Train)}, test accuracy {F(random.Test)}");
        var logistic = Model.Build(new Dense(size, Classes), size, o.Seed).Compile(ProbeSetup("Mnist1dLogistic"), backend);
        logistic.Fit(train, probeOptions);
        double logisticTest = logistic.Evaluate(test).Accuracy ?? 0;
        stdout.WriteLine($"logistic regression on the raw signal:    train accuracy {F(logistic.Evaluate(train).Accuracy ?? 0)}, test accuracy {F(logisticTest)}");
        double probeSeconds = clock.Elapsed.TotalSeconds;

        // 5. The figure and the numbers.
        WriteFigure(o.Svg, losses, o.Batch, network, test, o.Embedding, probe.Test, random.Test);
        stdout.WriteLine($"figure written to {o.Svg}");
        stdout.WriteLine($"pretrain_time_s={F(pretrainSeconds, "0.00")} probe_time_s={F(probeSeconds, "0.00")} steps={network.Step.ToString(CultureInfo.InvariantCulture)} " +
                         $"final_infonce={F(losses[^1])} raw_logistic_test_accuracy={F(logisticTest)}");
        ExampleHost.Result(stdout, "probe_test_accuracy", probe.Test);
        ExampleHost.Result(stdout, "random_probe_test_accuracy", random.Test);
        return 0;
    }

    /// <summary>
    /// Trains a linear probe on the frozen encoder whose weights are <paramref name="encoderWeights"/> (named
    /// <c>encoder.…</c>) and returns its train and test accuracy; checks that the encoder did not move.
    /// </summary>
    private static (double Train, double Test) Probe(Options o, int size, IReadOnlyDictionary<string, float[]> encoderWeights, TrainingSetup setup,
        TrainingOptions options, Nabla.Backend backend, Dataset train, Dataset test)
    {
        var network = BuildProbe(BuildEncoder(o.Encoder, size, o.Hidden, o.Embedding), size, o.Embedding, o.Seed).Compile(setup, backend);
        network.RestoreParameters(encoderWeights);
        network.Fit(train, options);
        foreach (var (name, values) in encoderWeights)
            if (!network.ParameterValues(name).AsSpan().SequenceEqual(values))
                throw new InvalidOperationException($"the frozen encoder's parameter {name} changed while the probe trained.");
        return (network.Evaluate(train).Accuracy ?? 0, network.Evaluate(test).Accuracy ?? 0);
    }

    /// <summary>
    /// Two panels: the InfoNCE training loss per epoch (with chance, log B), and the test signals' embeddings
    /// (L2-normalized, as the loss sees them) projected on their first two principal components, one colour per digit.
    /// </summary>
    public static void WriteFigure(string path, IReadOnlyList<double> losses, int batch, Network contrastive, Dataset test, int embedding, double probeAccuracy, double randomAccuracy)
    {
        var lossPanel = new SvgPlot("contrastive pre-training", "epoch", "InfoNCE (in-batch)") { Width = 520, Height = 360 };
        var epochs = Enumerable.Range(1, losses.Count).Select(e => (double)e).ToArray();
        lossPanel.Add("training loss", epochs, losses.ToArray());
        lossPanel.Add($"chance: log {batch}", new[] { 1.0, Math.Max(2, losses.Count) }, new[] { Math.Log(batch), Math.Log(batch) }, "#888888", dashed: true);

        var z = Embed(contrastive, test, embedding);
        var (px, py) = Pca2(z, test.Count, embedding);
        var scatter = new SvgPlot($"test embeddings, PCA (probe {F(probeAccuracy, "0.000")}, random {F(randomAccuracy, "0.000")})", "PC 1", "PC 2") { Width = 520, Height = 360 };
        for (int digit = 0; digit < Classes; digit++)
        {
            var rows = Enumerable.Range(0, test.Count).Where(i => test.Labels![i] == digit).ToArray();
            scatter.AddPoints($"digit {digit}", rows.Select(i => px[i]).ToArray(), rows.Select(i => py[i]).ToArray(), rows.Select(_ => 2.0).ToArray());
        }
        SvgPlot.SaveGrid(path, "MNIST-1D: contrastive pre-training without labels", new[] { lossPanel, scatter }, columns: 2);
    }

    /// <summary>The trained encoder's embeddings of <paramref name="data"/> (its output <c>q</c> for input <c>x1</c>), L2-normalized per row: [count, embedding].</summary>
    public static double[] Embed(Network contrastive, Dataset data, int embedding)
    {
        var q = new float[data.Count * embedding];
        var k = new float[data.Count * embedding];
        contrastive.Predict(new[] { data.Features, data.Features }, data.Count, new[] { q, k });
        var z = new double[data.Count * embedding];
        for (int i = 0; i < data.Count; i++)
        {
            double norm = 0;
            for (int j = 0; j < embedding; j++) norm += (double)q[i * embedding + j] * q[i * embedding + j];
            norm = Math.Sqrt(norm + 1e-12);
            for (int j = 0; j < embedding; j++) z[i * embedding + j] = q[i * embedding + j] / norm;
        }
        return z;
    }

    /// <summary>The projections of the rows of <paramref name="z"/> [n, d] on its first two principal components (power iteration with deflation).</summary>
    public static (double[] X, double[] Y) Pca2(double[] z, int n, int d)
    {
        var mean = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mean[j] += z[i * d + j] / n;
        var c = new double[d, d];
        for (int i = 0; i < n; i++)
            for (int a = 0; a < d; a++)
            {
                double u = z[i * d + a] - mean[a];
                for (int b = 0; b < d; b++) c[a, b] += u * (z[i * d + b] - mean[b]) / n;
            }
        var v1 = TopEigenvector(c, d);
        double l1 = Rayleigh(c, v1, d);
        for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) c[a, b] -= l1 * v1[a] * v1[b];
        var v2 = TopEigenvector(c, d);
        var x = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) { double u = z[i * d + j] - mean[j]; x[i] += u * v1[j]; y[i] += u * v2[j]; }
        return (x, y);
    }

    private static double[] TopEigenvector(double[,] c, int d)
    {
        var v = Enumerable.Range(0, d).Select(j => 1.0 + 0.01 * j).ToArray();
        for (int iter = 0; iter < 500; iter++)
        {
            var w = new double[d];
            for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) w[a] += c[a, b] * v[b];
            double norm = Math.Sqrt(w.Sum(t => t * t));
            if (norm == 0) return v.Select(t => t / Math.Sqrt(v.Sum(s => s * s))).ToArray();
            v = w.Select(t => t / norm).ToArray();
        }
        return v;
    }

    private static double Rayleigh(double[,] c, double[] v, int d)
    {
        double s = 0;
        for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) s += v[a] * c[a, b] * v[b];
        return s;
    }

    private static string F(double v, string format = "0.0000") => ExampleHost.F(v, format);
}
