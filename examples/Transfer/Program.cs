using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla;
using Nabla.Data;
using Nabla.Examples;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Reporting;
using Nabla.Training;

namespace Transfer;

/// <summary>
/// Transfer learning on MNIST-1D with the MNIST-1D paper's CNN (three Conv1d layers with ReLU, flattened into a Linear
/// layer). The whole CNN is pre-trained on the training signals of digits 0–4. Its lower convolutions (the features;
/// by default conv1 and conv2) are then frozen (<see cref="Module.Freeze"/>) and a new head (a fresh conv3 and Linear
/// for digits 5–9) is trained on a few labelled signals of each of those digits; the same CNN trained from scratch on
/// the same few labels is the comparison. Both are validated on the training signals of digits 5–9 outside the
/// few-shot set (a held-out set: choices such as <c>--frozen-convs</c> are made on it) and tested once on the test set's
/// digits 5–9. Fine-tuning is checked to start from the pre-trained feature values bit for bit. The compiled fine-tuning step
/// computes no gradient of the frozen weights and no backward pass below the head (its kernels, matrix products and
/// multiply-adds are printed beside the full network's), the frozen weights are checked bit for bit after fine-tuning,
/// and both steps are timed at the same batch size. Writes an SVG of test accuracy against the number of labels per
/// digit. Bad input is one line on stderr and exit code 2, before any training.
/// </summary>
public static class Program
{
    /// <summary>Classes of each task (digits 0–4 for pre-training, 5–9 for the transfer task).</summary>
    public const int Classes = 5;

    /// <summary>The process entry point.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the example with <paramref name="args"/>, writing to <paramref name="stdout"/> and <paramref name="stderr"/>; returns the exit code (0, or 2 for bad input).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return ExampleHost.Run(stderr, () =>
        {
            var o = Options.Parse(args);
            if (o.Help) { stdout.WriteLine(Options.Usage); return 0; }
            return Transfer(o, stdout);
        });
    }

    /// <summary>
    /// The first <paramref name="convs"/> convolutions of the MNIST-1D paper's CNN (the library's
    /// <see cref="Networks.Mnist1dCnn"/>), the part that is pre-trained and then frozen: the signal [B, L] viewed as
    /// [B, 1, L], then Conv1d(1→C, k5, s2, p1), ReLU, Conv1d(C→C, k3, s2, p1), ReLU, Conv1d(C→C, k3, s2, p1), ReLU
    /// (C = <paramref name="channels"/>; the paper's 25), as many of them as asked.
    /// </summary>
    public static Sequential Features(int length = 40, int channels = 25, int convs = 3) => Split(length, channels, convs).Features;

    /// <summary>
    /// The rest of the MNIST-1D paper's CNN (<see cref="Networks.Mnist1dCnn"/>) after <see cref="Features"/> with
    /// <paramref name="convs"/> convolutions: the remaining convolutions (new, trainable), the flattening and
    /// Linear(C·5, 5).
    /// </summary>
    public static Sequential Head(int length = 40, int channels = 25, int convs = 3) => Split(length, channels, convs).Head;

    /// <summary>A fresh <see cref="Networks.Mnist1dCnn"/> with <see cref="Classes"/> outputs cut after its <paramref name="convs"/>-th convolution's ReLU (layer names kept: view, conv1, relu1, …, flatten, linear).</summary>
    private static (Sequential Features, Sequential Head) Split(int length, int channels, int convs)
    {
        if (length < 8) throw new ArgumentOutOfRangeException(nameof(length), length, "The signals must have at least 8 values for three stride-2 convolutions.");
        if (convs < 1 || convs > 3) throw new ArgumentOutOfRangeException(nameof(convs), convs, "The CNN has three convolutions.");
        var layers = Networks.Mnist1dCnn(length, channels, Classes).Children.Select(c => (c.Key, c.Value)).ToArray();
        int cut = 1 + 2 * convs; // "view", then a Conv1d and a ReLU per convolution
        if (layers[cut - 1].Key != $"relu{convs}") throw new InvalidOperationException($"Networks.Mnist1dCnn's layers changed: expected relu{convs} at position {cut - 1}, found {layers[cut - 1].Key}.");
        return (new Sequential(layers.Take(cut).ToArray()), new Sequential(layers.Skip(cut).ToArray()));
    }

    /// <summary>The width of the last convolution's output, flattened: the input width of <see cref="Networks.Mnist1dCnn"/>'s Linear layer (C·5 for signals of 40 values; 125 for C = 25).</summary>
    public static int FeatureWidth(int length = 40, int channels = 25) =>
        Head(length, channels, 3).Layers.OfType<Dense>().Single().In ?? throw new InvalidOperationException("Networks.Mnist1dCnn's Linear layer has no input width.");

    /// <summary>A network of <paramref name="features"/> followed by <paramref name="head"/> (parameters <c>features.conv1.weight</c> … <c>head.bias</c>).</summary>
    public static Sequential Build(Module features, Module head) => new(("features", features), ("head", head));

    /// <summary>The examples of <paramref name="data"/> labelled <paramref name="first"/> … <paramref name="first"/>+4, relabelled 0 … 4 (five classes).</summary>
    public static Dataset Digits(Dataset data, int first)
    {
        var labels = data.Labels ?? throw new UsageException("the MNIST-1D data has no labels.");
        var picked = Enumerable.Range(0, data.Count).Where(i => labels[i] >= first && labels[i] < first + Classes).ToArray();
        var subset = data.Subset(picked);
        return new Dataset(subset.Features, subset.ExampleShape, subset.Labels!.Select(l => l - first).ToArray(), Classes);
    }

    /// <summary>
    /// <paramref name="shots"/> examples of each class of <paramref name="data"/>: the first ones of a shuffle drawn from
    /// <c>Rng.ForName(seed, "few-shot")</c>, so the sets for more shots contain those for fewer. A class with fewer
    /// examples is a <see cref="UsageException"/> naming <paramref name="option"/>, the option the number came from.
    /// </summary>
    public static Dataset FewShot(Dataset data, int shots, long seed, string option = "--shots") => data.Subset(FewShotIndices(data, shots, seed, option));

    /// <summary>The indices into <paramref name="data"/> (ascending) of the examples <see cref="FewShot"/> picks.</summary>
    public static int[] FewShotIndices(Dataset data, int shots, long seed, string option = "--shots")
    {
        var labels = data.Labels ?? throw new UsageException("the MNIST-1D data has no labels.");
        var order = Enumerable.Range(0, data.Count).ToArray();
        var rng = Rng.ForName(seed, "few-shot");
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)(((rng.NextUInt64() >> 32) * (ulong)(i + 1)) >> 32); // uniform in 0..i (Lemire's multiply-shift)
            (order[i], order[j]) = (order[j], order[i]);
        }
        var picked = new List<int>();
        for (int c = 0; c < data.Classes; c++)
        {
            var ofClass = order.Where(i => labels[i] == c).Take(shots).ToArray();
            if (ofClass.Length < shots) throw new UsageException($"{option}: class {c} has only {ofClass.Length} training signals, {shots} were asked for.");
            picked.AddRange(ofClass);
        }
        picked.Sort();
        return picked.ToArray();
    }

    /// <summary>The examples of <paramref name="data"/> that are not at <paramref name="excluded"/> (the validation set: the training signals outside the few-shot set).</summary>
    public static Dataset Complement(Dataset data, IEnumerable<int> excluded)
    {
        var skip = new HashSet<int>(excluded);
        return data.Subset(Enumerable.Range(0, data.Count).Where(i => !skip.Contains(i)).ToArray());
    }

    /// <summary>Softmax cross-entropy on class indices, Adam with <paramref name="lr"/>.</summary>
    public static TrainingSetup Setup(double lr, string name) => new(Loss.SoftmaxCrossEntropy(ClassTargets.Indices), Optimizer.Adam(lr)) { ModelName = name };

    /// <summary>
    /// <paramref name="steps"/> Adam steps on shuffled mini-batches of <paramref name="data"/> (epoch after epoch, the
    /// last batch of an epoch partial); returns the mean loss of the last epoch's steps. A non-finite loss is an error.
    /// <paramref name="afterStep"/>, if given, is called with the number of steps done after each step.
    /// </summary>
    public static double TrainSteps(Network network, Dataset data, int steps, int batch, long seed, Action<int>? afterStep = null)
    {
        var loader = new BatchLoader(data, batch, shuffle: true, seed: seed);
        double sum = 0; int seen = 0;
        for (int epoch = 0, done = 0; done < steps; epoch++)
        {
            loader.Reset(epoch);
            sum = 0; seen = 0;
            while (done < steps && loader.Next(out var b))
            {
                float loss = network.TrainStep(b.X, b.Labels, b.Count);   // at the optimizer's rate (Setup)
                if (!float.IsFinite(loss)) throw new UsageException($"the training loss became {loss} at step {done + 1}; lower --lr.");
                sum += (double)loss * b.Count; seen += b.Count; done++;
                afterStep?.Invoke(done);
            }
        }
        return sum / Math.Max(1, seen);
    }

    /// <summary>The share of <paramref name="data"/> whose largest output is at the label.</summary>
    public static double Accuracy(Network network, Dataset data) => network.Evaluate(data).Accuracy ?? 0;

    /// <summary>The work of one compiled training step at a batch size: kernels, matrix products, col2im kernels (the input gradient of a convolution), multiply-adds of the matrix products.</summary>
    /// <param name="Kernels">Kernels of the scheduled step.</param>
    /// <param name="MatMuls">Matrix products among the kernels' nodes.</param>
    /// <param name="Col2Ims">col2im nodes (a convolution's backward to its input).</param>
    /// <param name="MultiplyAdds">Multiply-adds of all matrix products at the batch size.</param>
    public sealed record StepCost(int Kernels, int MatMuls, int Col2Ims, long MultiplyAdds);

    /// <summary>The work of <paramref name="lowered"/>'s <c>TrainStep</c> schedule at <paramref name="batch"/> (see <see cref="StepCost"/>).</summary>
    public static StepCost Cost(LoweredModel lowered, int batch)
    {
        var schedule = lowered.Schedule(TrainingSignature.TrainStepMethod);
        var nodes = schedule.Kernels.SelectMany(k => k.Nodes).Distinct().ToArray();
        long macs = 0;
        foreach (var n in nodes.Where(n => n.Op == Op.MatMul))
        {
            int k = n.A.Shape[n.A.Shape.Rank - 1];
            macs += n.Shape.Size(batch) * (k == Shape.Batch ? batch : k);
        }
        return new StepCost(schedule.Kernels.Count, nodes.Count(n => n.Op == Op.MatMul), nodes.Count(n => n.Op == Op.Col2Im), macs);
    }

    /// <summary>
    /// The median time of one training step in microseconds for each of <paramref name="networks"/>, all fed the same
    /// batch of <paramref name="batch"/> examples (taken round-robin from <paramref name="data"/>), timed in turns after
    /// <paramref name="warmup"/> untimed steps each so that the machine's load falls on all alike.
    /// </summary>
    public static double[] MedianStepMicroseconds(IReadOnlyList<Network> networks, Dataset data, int batch, int steps, int warmup = 20)
    {
        int size = data.ExampleSize;
        var x = new float[batch * size];
        var labels = new int[batch];
        for (int i = 0; i < batch; i++)
        {
            int k = i % data.Count;
            Array.Copy(data.Features, k * size, x, i * size, size);
            labels[i] = data.Labels![k];
        }
        var times = networks.Select(_ => new double[steps]).ToArray();
        for (int w = 0; w < warmup; w++) foreach (var n in networks) n.TrainStep(x, labels, batch);
        var clock = new Stopwatch();
        for (int s = 0; s < steps; s++)
            for (int j = 0; j < networks.Count; j++)
            {
                clock.Restart();
                networks[j].TrainStep(x, labels, batch);
                times[j][s] = clock.Elapsed.TotalMilliseconds * 1000;
            }
        return times.Select(Median).ToArray();
    }

    private static double Median(double[] v)
    {
        var s = v.OrderBy(t => t).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static int Transfer(Options o, TextWriter stdout)
    {
        // 1. Everything that can be wrong, before any work.
        var (train, test) = Mnist1DFiles.Load(o.Data);
        ExampleHost.CheckOutputFile("--svg", o.Svg);
        int length = train.ExampleSize;
        if (length < 8) throw new UsageException($"--data: the signals have {length} values; the CNN needs at least 8.");
        var source = Digits(train, 0);
        var sourceTest = Digits(test, 0);
        var target = Digits(train, Classes);
        var targetTest = Digits(test, Classes);
        var shotCounts = o.CurveShots.Append(o.Shots).Distinct().OrderBy(s => s).ToArray();
        // Every class must have enough signals (the error names the option the number came from: --shots first).
        var picked = new Dictionary<int, int[]> { [o.Shots] = FewShotIndices(target, o.Shots, o.Seed, "--shots") };
        foreach (int s in shotCounts.Where(s => s != o.Shots)) picked[s] = FewShotIndices(target, s, o.Seed, "--curve-shots");
        var fewShot = picked.ToDictionary(p => p.Key, p => target.Subset(p.Value));
        // The validation set of each few-shot set: the training signals of digits 5-9 not in it (held out, never trained on).
        var validation = picked.ToDictionary(p => p.Key, p => Complement(target, p.Value));
        foreach (var (s, v) in validation)
            if (v.Count == 0) throw new UsageException($"{(s == o.Shots ? "--shots" : "--curve-shots")}: {s} per digit takes every training signal of digits 5-9; none is left for validation.");
        int setSize = fewShot[o.Shots].Count;
        if (o.Batch > setSize)
            throw new UsageException($"--batch: {o.Batch} is larger than the few-shot set ({setSize} signals: --shots {o.Shots} for each of {Classes} digits); use at most {setSize}.");
        var backend = Jit.ParseBackend(o.Backend);

        // 2. Pre-train features + head on digits 0-4.
        var features = Features(length, o.Channels, o.FrozenConvs);
        var pretrainModel = Model.Build(Build(features, Head(length, o.Channels, o.FrozenConvs)), length, o.Seed);
        stdout.WriteLine($"MNIST-1D transfer: pre-train the paper's CNN on digits 0-4 ({source.Count} training signals), then a new head for digits 5-9 " +
                         $"from {o.Shots} labels per digit ({fewShot[o.Shots].Count} signals); Adam lr {F(o.LearningRate, "G")}, batch {o.Batch}, seed {o.Seed}, {o.Backend}");
        stdout.WriteLine(pretrainModel.Summary);
        var clock = Stopwatch.StartNew();
        var pretrain = pretrainModel.Compile(Setup(o.LearningRate, "TransferPretrain"), backend);
        int stepsPerEpoch = (source.Count + o.Batch - 1) / o.Batch;
        for (int epoch = 0; epoch < o.PretrainEpochs; epoch++)
        {
            double loss = TrainSteps(pretrain, source, stepsPerEpoch, o.Batch, o.Seed * 1000 + epoch);
            if ((epoch + 1) % Math.Max(1, o.PretrainEpochs / 5) == 0 || epoch + 1 == o.PretrainEpochs)
                stdout.WriteLine($"pre-training epoch {epoch + 1,3}: train loss {F(loss)}, test accuracy on digits 0-4 {F(Accuracy(pretrain, sourceTest))}");
        }
        double pretrainAccuracy = Accuracy(pretrain, sourceTest);
        stdout.WriteLine($"pre-trained in {F(clock.Elapsed.TotalSeconds, "0.0")} s: test accuracy on digits 0-4 {F(pretrainAccuracy)}");
        pretrain.CopyParametersTo(pretrainModel.Parameters); // the feature layers' parameters now hold the trained weights

        // 3. Freeze the features and put a new head on them; the same architecture from scratch for comparison.
        features.Freeze();
        var finetuneModel = Model.Build(Build(features, Head(length, o.Channels, o.FrozenConvs)), length, o.Seed + 1);
        var scratchModel = Model.Build(Build(Features(length, o.Channels, o.FrozenConvs), Head(length, o.Channels, o.FrozenConvs)), length, o.Seed + 1);
        stdout.WriteLine($"fine-tune: {finetuneModel.Parameters.TrainableSize} trainable of {finetuneModel.ParameterCount} parameters (features frozen); " +
                         $"scratch: {scratchModel.Parameters.TrainableSize} trainable");
        var finetuneLowered = Lowerer.Lower(finetuneModel, Setup(o.LearningRate, "TransferFinetune"));
        var scratchLowered = Lowerer.Lower(scratchModel, Setup(o.LearningRate, "TransferScratch"));
        var ftCost = Cost(finetuneLowered, o.Batch);
        var scCost = Cost(scratchLowered, o.Batch);
        stdout.WriteLine($"training step at batch {o.Batch}: fine-tune {ftCost.Kernels} kernels, {ftCost.MatMuls} matmuls, {ftCost.Col2Ims} col2im, {ftCost.MultiplyAdds} multiply-adds; " +
                         $"scratch {scCost.Kernels} kernels, {scCost.MatMuls} matmuls, {scCost.Col2Ims} col2im, {scCost.MultiplyAdds} multiply-adds");
        var finetune = finetuneLowered.Compile(backend);
        var scratch = scratchLowered.Compile(backend);
        // Fine-tuning starts from the pre-trained features: the fine-tune network's copies of them are the pre-trained values, bit for bit.
        var featureNames = finetuneModel.Parameters.Names.Where(n => n.StartsWith("features.", StringComparison.Ordinal)).ToArray();
        if (featureNames.Length != 2 * o.FrozenConvs) throw new InvalidOperationException($"expected {2 * o.FrozenConvs} feature tensors in the fine-tune network, found {featureNames.Length}.");
        foreach (var n in featureNames)
            if (!finetune.ParameterValues(n).AsSpan().SequenceEqual(pretrain.ParameterValues(n)))
                throw new InvalidOperationException($"the fine-tune network's {n} is not the pre-trained one: fine-tuning would not start from the pre-trained features.");
        stdout.WriteLine($"fine-tuning starts from the pre-trained features: {featureNames.Length} tensors equal bit for bit");
        var finetuneStart = finetune.SnapshotParameters();
        var scratchStart = scratch.SnapshotParameters();

        // 4. Few-shot training of both, for every number of shots of the figure (and --shots); validation accuracy on the
        //    training signals of digits 5-9 outside the few-shot set (during training for --shots), test accuracy at the end.
        var ftAccuracy = new Dictionary<int, double>();
        var scAccuracy = new Dictionary<int, double>();
        var ftValidation = new Dictionary<int, double>();
        var scValidation = new Dictionary<int, double>();
        foreach (int shots in shotCounts)
        {
            var data = fewShot[shots];
            var val = validation[shots];
            Action<int>? Progress(Network network, string name, int steps) => shots != o.Shots ? null : done =>
            {
                if (done < steps && done % Math.Max(1, steps / 5) == 0)
                    stdout.WriteLine($"  {name} step {done,5}: validation accuracy {F(Accuracy(network, val))}");
            };
            finetune.RestoreParameters(finetuneStart); finetune.ResetOptimizer();
            scratch.RestoreParameters(scratchStart); scratch.ResetOptimizer();
            if (shots == o.Shots) stdout.WriteLine($"{shots,3} shots per digit (--shots): validation accuracy during training");
            double ftLoss = TrainSteps(finetune, data, o.FinetuneSteps, o.Batch, o.Seed, Progress(finetune, "fine-tune", o.FinetuneSteps));
            double scLoss = TrainSteps(scratch, data, o.ScratchStepCount, o.Batch, o.Seed, Progress(scratch, "scratch  ", o.ScratchStepCount));
            ftValidation[shots] = Accuracy(finetune, val);
            scValidation[shots] = Accuracy(scratch, val);
            ftAccuracy[shots] = Accuracy(finetune, targetTest);
            scAccuracy[shots] = Accuracy(scratch, targetTest);
            stdout.WriteLine($"{shots,3} shots per digit ({data.Count} signals; {val.Count} for validation): " +
                             $"fine-tune train loss {F(ftLoss)}, validation accuracy {F(ftValidation[shots])}, test accuracy {F(ftAccuracy[shots])}; " +
                             $"scratch train loss {F(scLoss)}, validation accuracy {F(scValidation[shots])}, test accuracy {F(scAccuracy[shots])}");
        }
        // The frozen features never moved (the fine-tuning network's copies of them: bit for bit).
        var frozenNames = finetuneModel.Parameters.Frozen.Select(p => p.Name).ToArray();
        bool unchanged = frozenNames.All(n => finetune.ParameterValues(n).AsSpan().SequenceEqual(finetuneStart[n]));
        if (!unchanged) throw new InvalidOperationException("A frozen feature weight changed during fine-tuning.");
        stdout.WriteLine($"frozen weights unchanged after fine-tuning: {frozenNames.Length} tensors, bit for bit");

        // 5. Step time at the same batch, fine-tune vs scratch.
        var micros = MedianStepMicroseconds(new[] { finetune, scratch }, fewShot[o.Shots], o.Batch, o.TimingSteps);
        stdout.WriteLine($"median training step at batch {o.Batch} over {o.TimingSteps} steps: fine-tune {F(micros[0], "0.0")} us, scratch {F(micros[1], "0.0")} us " +
                         $"({F(micros[1] / micros[0], "0.0")}x; timings on a shared machine are noisy)");

        WriteFigure(o.Svg, shotCounts, ftAccuracy, scAccuracy, o);
        stdout.WriteLine($"figure written to {o.Svg}");
        stdout.WriteLine($"pretrain_test_accuracy={F(pretrainAccuracy)} finetune_validation_accuracy={F(ftValidation[o.Shots])} scratch_validation_accuracy={F(scValidation[o.Shots])} finetune_kernels={ftCost.Kernels} scratch_kernels={scCost.Kernels} " +
                         $"finetune_multiply_adds={ftCost.MultiplyAdds} scratch_multiply_adds={scCost.MultiplyAdds}");
        ExampleHost.Result(stdout, "finetune_test_accuracy", ftAccuracy[o.Shots]);
        ExampleHost.Result(stdout, "scratch_test_accuracy", scAccuracy[o.Shots]);
        ExampleHost.Result(stdout, "finetune_step_us", micros[0], "0.0");
        ExampleHost.Result(stdout, "scratch_step_us", micros[1], "0.0");
        return 0;
    }

    /// <summary>Test accuracy on digits 5–9 against labels per digit, fine-tuned (frozen pre-trained features) and from scratch, with chance (0.2) dashed.</summary>
    public static void WriteFigure(string path, IReadOnlyList<int> shots, IReadOnlyDictionary<int, double> finetune, IReadOnlyDictionary<int, double> scratch, Options o)
    {
        var xs = shots.Select(s => (double)s).ToArray();
        var plot = new SvgPlot($"MNIST-1D digits 5-9 from few labels (seed {o.Seed}; {o.FinetuneSteps} fine-tune / {o.ScratchStepCount} scratch steps)",
                               "labelled training signals per digit", "test accuracy on digits 5-9") { YRange = (0, 1) };
        plot.Add("fine-tuned head on frozen features (pre-trained on 0-4)", xs, shots.Select(s => finetune[s]).ToArray());
        plot.Add("same CNN from scratch", xs, shots.Select(s => scratch[s]).ToArray());
        plot.Add("chance", new[] { xs.First(), xs.Last() }, new[] { 1.0 / Classes, 1.0 / Classes }, "#888888", dashed: true);
        plot.Save(path);
    }

    private static string F(double v, string format = "0.0000") => ExampleHost.F(v, format);
}
