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
/// regression on the raw signal. A validation split held out of the training signals (<c>--validation</c>) is what
/// pre-training is watched on (k-nearest-neighbour accuracy on the embeddings); pre-training and the probes use the
/// rest, and the test set is used once, for the final accuracies. Bad input is one line on stderr and exit code 2,
/// before any training.
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

    /// <summary>
    /// The augmentation that turns a batch of <see cref="Dataset.Zip"/>(signals, signals) into two views per signal:
    /// each copy on its own (<see cref="PerInputAugmentation"/>) is shifted by up to ±<paramref name="shift"/>
    /// positions (edge fill), scaled by a factor in [1 − <paramref name="scale"/>, 1 + <paramref name="scale"/>] and
    /// jittered with Gaussian noise of std <paramref name="noise"/>.
    /// </summary>
    public static IAugmentation Views(int shift, double scale, double noise, int size) =>
        new PerInputAugmentation(new ComposedAugmentation(new RandomShift(shift, ShiftFill.Edge), new RandomScale(scale), new GaussianNoise(noise)), size, size);

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
        var (all, test) = Mnist1DFiles.Load(o.Data);
        ExampleHost.CheckOutputFile("--svg", o.Svg);
        if (o.Batch > all.Count) throw new UsageException($"--batch: {o.Batch} is larger than the {all.Count} training signals.");
        int remaining = all.Count - o.Validation;
        if (remaining < Math.Max(o.Batch, Knn))
            throw new UsageException($"--validation: holding out {o.Validation} of the {all.Count} training signals leaves {Math.Max(remaining, 0)}, " +
                                     $"fewer than one batch (--batch {o.Batch}) or the {Knn} neighbours of the k-NN monitor.");
        // A seeded split: the validation signals are held out of pre-training, of the k-NN reference set and of the probes.
        var (train, validation) = all.Split((double)remaining / all.Count, o.Seed);
        if (validation.Count != o.Validation) throw new InvalidOperationException($"the split held out {validation.Count} signals, not {o.Validation}.");
        int size = train.ExampleSize;
        var backend = Jit.ParseBackend(o.Backend);

        var model = BuildContrastive(BuildEncoder(o.Encoder, size, o.Hidden, o.Embedding), size, o.Seed);
        stdout.WriteLine($"MNIST-1D contrastive pre-training: {train.Count} training signals (labels unused), {validation.Count} held out for validation " +
                         $"(seed {o.Seed}), {test.Count} test signals of {size} values; " +
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

        // 3. Pre-train with Trainer.Fit on the training signals zipped with themselves (no labels): each batch's two
        //    copies of a signal are augmented independently (PerInputAugmentation) into the two inputs x1 and x2.
        clock.Restart();
        var unlabeled = new Dataset(train.Features, new[] { size });
        var losses = new List<double>();
        // The monitor: k-NN accuracy of the held-out validation signals against the training signals' embeddings.
        var monitor = new List<(double Epoch, double Accuracy)> { (0, KnnAccuracy(network, train, validation, o.Embedding)) };
        int every = Math.Max(1, o.Epochs / 20);
        stdout.WriteLine($"epoch    0: {Knn}-NN validation accuracy on the embeddings {F(monitor[0].Accuracy)} (untrained encoder)");
        var options = new TrainingOptions
        {
            Epochs = o.Epochs, BatchSize = o.Batch, Shuffle = true, Seed = o.Seed, DropLast = true,   // every batch has B − 1 negatives
            Augmentation = Views(o.Shift, o.Scale, o.Noise, size), LearningRate = LearningRate.Constant(o.LearningRate),
            Callbacks =
            {
                new EpochCallback(e =>
                {
                    if (!double.IsFinite(e.TrainLoss)) throw new UsageException($"the InfoNCE loss became {e.TrainLoss} in epoch {e.Epoch}; lower --lr or raise --tau.");
                    losses.Add(e.TrainLoss);
                    if (e.Epoch % every != 0 && e.Epoch != o.Epochs) return;
                    monitor.Add((e.Epoch, KnnAccuracy(network, train, validation, o.Embedding)));
                    stdout.WriteLine($"epoch {e.Epoch,4}: InfoNCE {F(e.TrainLoss)} (chance log {o.Batch} = {F(Math.Log(o.Batch))}), {Knn}-NN validation accuracy {F(monitor[^1].Accuracy)}");
                }),
            },
        };
        network.Fit(Dataset.Zip(unlabeled, unlabeled), options);
        double pretrainSeconds = clock.Elapsed.TotalSeconds;
        var trained = network.SnapshotParameters();

        // 4. The test set, used once from here on: the final k-NN, linear probes on the frozen encoders (trained and
        //    untrained; trained on the training signals without the validation ones) and logistic regression on the raw signal.
        double knnTest = KnnAccuracy(network, train, test, o.Embedding);
        stdout.WriteLine($"{Knn}-NN on the final embeddings: validation accuracy {F(monitor[^1].Accuracy)}, test accuracy {F(knnTest)}");
        // Linear probes on the frozen encoders (trained and untrained) and logistic regression on the raw signal.
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
        WriteFigure(o.Svg, losses, o.Batch, monitor, probe.Test, random.Test, logisticTest);
        stdout.WriteLine($"figure written to {o.Svg}");
        stdout.WriteLine($"pretrain_time_s={F(pretrainSeconds, "0.00")} probe_time_s={F(probeSeconds, "0.00")} steps={network.Step.ToString(CultureInfo.InvariantCulture)} " +
                         $"final_infonce={F(losses[^1])} knn_validation_accuracy={F(monitor[^1].Accuracy)} knn_test_accuracy={F(knnTest)} raw_logistic_test_accuracy={F(logisticTest)}");
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

    /// <summary>The k of the k-nearest-neighbour monitor.</summary>
    public const int Knn = 10;

    /// <summary>
    /// Two panels: the InfoNCE training loss per epoch (with chance, log B); and during pre-training the validation
    /// accuracy of a <see cref="Knn"/>-nearest-neighbour classifier on the embeddings (cosine similarity to the training
    /// signals' embeddings, no training), with the final linear probes' and logistic regression's test accuracies as levels.
    /// </summary>
    public static void WriteFigure(string path, IReadOnlyList<double> losses, int batch, IReadOnlyList<(double Epoch, double Accuracy)> monitor,
        double probeAccuracy, double randomAccuracy, double logisticAccuracy)
    {
        var lossPanel = new SvgPlot("contrastive pre-training (no labels)", "epoch", "InfoNCE (in-batch)") { Width = 520, Height = 360 };
        var epochs = Enumerable.Range(1, losses.Count).Select(e => (double)e).ToArray();
        double last = Math.Max(2, losses.Count);
        lossPanel.Add("training loss", epochs, losses.ToArray());
        lossPanel.Add($"chance: log {batch}", new[] { 1.0, last }, new[] { Math.Log(batch), Math.Log(batch) }, "#888888", dashed: true);
        lossPanel.YRange = (0, Math.Log(batch) * 1.1);

        var accuracy = new SvgPlot("what the embedding knows about the digit", "pre-training epoch", "accuracy") { Width = 520, Height = 360 };
        accuracy.Add($"{Knn}-NN on the embeddings (validation)", monitor.Select(m => m.Epoch).ToArray(), monitor.Select(m => m.Accuracy).ToArray());
        accuracy.Add($"linear probe, pre-trained (test {F(probeAccuracy, "0.000")})", new[] { 0.0, last }, new[] { probeAccuracy, probeAccuracy }, "#d62728", dashed: true);
        accuracy.Add($"linear probe, untrained (test {F(randomAccuracy, "0.000")})", new[] { 0.0, last }, new[] { randomAccuracy, randomAccuracy }, "#7f7f7f", dashed: true);
        accuracy.Add($"logistic, raw signal (test {F(logisticAccuracy, "0.000")})", new[] { 0.0, last }, new[] { logisticAccuracy, logisticAccuracy }, "#2ca02c", dashed: true);
        accuracy.Add("chance (0.1)", new[] { 0.0, last }, new[] { 0.1, 0.1 }, "#bbbbbb", dashed: true);
        accuracy.YRange = (0, 1.25);   // room for the legend above the curves
        SvgPlot.SaveGrid(path, "MNIST-1D: contrastive pre-training with InfoNCE, then a linear probe", new[] { lossPanel, accuracy }, columns: 2);
    }

    /// <summary>The encoder's embeddings of <paramref name="data"/> (output <c>q</c> for input <c>x1</c>), L2-normalized per row: [count, embedding].</summary>
    public static float[] Embed(Network contrastive, Dataset data, int embedding)
    {
        var q = new float[data.Count * embedding];
        var k = new float[data.Count * embedding];
        contrastive.Predict(new[] { data.Features, data.Features }, data.Count, new[] { q, k });
        for (int i = 0; i < data.Count; i++)
        {
            var row = q.AsSpan(i * embedding, embedding);
            double norm = 0;
            foreach (float v in row) norm += (double)v * v;
            float inv = (float)(1 / Math.Sqrt(norm + 1e-12));
            for (int j = 0; j < embedding; j++) row[j] *= inv;
        }
        return q;
    }

    /// <summary>
    /// The accuracy on <paramref name="test"/> (the validation or the test signals) of <see cref="Knn"/>-nearest-neighbour
    /// classification on the normalized embeddings: each signal takes the most frequent label among the
    /// <paramref name="train"/> signals with the most similar embeddings (cosine; a tie goes to the class with the larger
    /// summed similarity).
    /// </summary>
    public static double KnnAccuracy(Network contrastive, Dataset train, Dataset test, int embedding)
    {
        var a = Embed(contrastive, train, embedding);
        var b = Embed(contrastive, test, embedding);
        var bestSim = new float[Knn];
        var bestLabel = new int[Knn];
        var votes = new int[Classes];
        var weight = new double[Classes];
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            var qi = b.AsSpan(i * embedding, embedding);
            Array.Fill(bestSim, float.NegativeInfinity);
            for (int j = 0; j < train.Count; j++)
            {
                var kj = a.AsSpan(j * embedding, embedding);
                float sim = 0;
                for (int d = 0; d < embedding; d++) sim += qi[d] * kj[d];
                if (sim <= bestSim[Knn - 1]) continue;
                int p = Knn - 1;
                while (p > 0 && bestSim[p - 1] < sim) { bestSim[p] = bestSim[p - 1]; bestLabel[p] = bestLabel[p - 1]; p--; }
                bestSim[p] = sim; bestLabel[p] = train.Labels![j];
            }
            Array.Clear(votes); Array.Clear(weight);
            for (int r = 0; r < Knn; r++) { votes[bestLabel[r]]++; weight[bestLabel[r]] += bestSim[r]; }
            int best = 0;
            for (int c = 1; c < Classes; c++)
                if (votes[c] > votes[best] || (votes[c] == votes[best] && weight[c] > weight[best])) best = c;
            if (best == test.Labels![i]) correct++;
        }
        return (double)correct / test.Count;
    }

    /// <summary>Runs an action after every epoch of <see cref="Trainer.Fit"/> (the library has no such adapter; kept private here).</summary>
    private sealed class EpochCallback(Action<EpochRecord> onEpoch) : ITrainingCallback
    {
        public void OnEpoch(Network network, EpochRecord epoch, TrainingControl control) => onEpoch(epoch);
    }

    private static string F(double v, string format = "0.0000") => ExampleHost.F(v, format);
}
