using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Nabla.Examples;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>
/// The MNIST-1D transfer-learning example called in-process (a short run: seconds), and the proof that a frozen
/// model's compiled training step does no backward work for its frozen layers.
/// </summary>
[Collection("Jit")]
public class TransferExampleTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper? Output;

    /// <summary>xunit passes the test's output.</summary>
    public TransferExampleTests(Xunit.Abstractions.ITestOutputHelper output) { Output = output; }

    private static (int Code, string Out, string Err) Run(params string[] args) => ExampleRun.Run(Transfer.Program.Run, args);

    private static double Value(string output, string name) => ExampleRun.Value(output, name);

    [Fact]
    public void A_short_run_prints_the_four_results_last_and_plots_both_curves()
    {
        string? data = Mnist1DData.Find();
        Assert.True(data is not null, "examples/Mnist1D/data not found");
        using var dir = new TempDir();
        string svg = dir.File("transfer.svg");
        var (code, output, err) = Run("--pretrain-epochs", "3", "--finetune-steps", "60", "--curve-shots", "10", "--timing-steps", "5",
                                      "--data", data!, "--svg", svg);
        Assert.True(code == 0, err);
        var last = output.TrimEnd().Split('\n').TakeLast(4).Select(l => l.Split('=')[0]).ToArray();
        Assert.Equal(new[] { "finetune_test_accuracy", "scratch_test_accuracy", "finetune_step_us", "scratch_step_us" }, last);
        // Three epochs of pre-training already give features far above chance (0.2) on digits 0-4 and, through a new head
        // trained on 50 labels per digit, on digits 5-9.
        Assert.InRange(Value(output, "pretrain_test_accuracy"), 0.6, 1);
        Assert.InRange(Value(output, "finetune_test_accuracy"), 0.35, 1);
        Assert.InRange(Value(output, "scratch_test_accuracy"), 0.2, 1);
        Assert.True(Value(output, "finetune_step_us") > 0);
        Assert.True(Value(output, "scratch_step_us") > 0);
        // The fine-tuning step does less work than the full one (counted in the schedule, not timed).
        Assert.True(Value(output, "finetune_kernels") < Value(output, "scratch_kernels"));
        Assert.True(Value(output, "finetune_multiply_adds") < Value(output, "scratch_multiply_adds"));
        Assert.Contains("fine-tuning starts from the pre-trained features: 4 tensors equal bit for bit", output);
        Assert.Contains("frozen weights unchanged after fine-tuning: 4 tensors, bit for bit", output);
        // Validation (digits 5-9 of the training file outside the 250 few-shot signals) is printed for both, above chance.
        Assert.Contains("50 shots per digit (250 signals; 1757 for validation)", output);
        Assert.InRange(Value(output, "finetune_validation_accuracy"), 0.35, 1);
        Assert.InRange(Value(output, "scratch_validation_accuracy"), 0.2, 1);
        // Accuracy against shots (10 and the default 50) for both, plus the chance line.
        XNamespace ns = "http://www.w3.org/2000/svg";
        var lines = XDocument.Load(svg).Descendants(ns + "polyline")
            .ToDictionary(l => (string)l.Attribute("data-series")!, l => ((string)l.Attribute("points")!).Split(' ').Length);
        Assert.Equal(2, lines["fine-tuned head on frozen features (pre-trained on 0-4)"]);
        Assert.Equal(2, lines["same CNN from scratch"]);
        Assert.Equal(2, lines["chance"]);
    }

    // ---- the frozen layers' backward pass is not computed ----

    private static readonly string[] Target = { Model.DefaultTarget };

    private static (LoweredModel Frozen, LoweredModel Full, string[] FrozenNames) Lowered(int frozenConvs)
    {
        var features = Transfer.Program.Features(40, 25, frozenConvs);
        var frozenModel = Model.Build(Transfer.Program.Build(features, Transfer.Program.Head(40, 25, frozenConvs)), 40, seed: 1);
        features.Freeze();
        var fullModel = Model.Build(Transfer.Program.Build(Transfer.Program.Features(40, 25, frozenConvs), Transfer.Program.Head(40, 25, frozenConvs)), 40, seed: 1);
        var frozenNames = frozenModel.Parameters.Frozen.Select(p => p.Name).ToArray();
        return (Lowerer.Lower(frozenModel, Transfer.Program.Setup(0.01, "Frozen")), Lowerer.Lower(fullModel, Transfer.Program.Setup(0.01, "Full")), frozenNames);
    }

    private static Node Strip(Node n)
    {
        while (n.Op == Op.Reshape || n.Op == Op.Transpose || n.Op == Op.Broadcast) n = n.A;
        return n;
    }

    /// <summary>
    /// The nodes the scheduled training step computes, and which of them depend on the target (that is: which belong to
    /// the backward pass or the update, since every gradient flows from the loss, and the loss reads the target).
    /// </summary>
    private static (Node[] Nodes, HashSet<Node> Backward) StepNodes(LoweredModel lowered)
    {
        var nodes = lowered.Schedule(TrainingSignature.TrainStepMethod).Kernels.SelectMany(k => k.Nodes).Distinct().ToArray();
        var memo = new Dictionary<Node, bool>();
        bool ReadsTarget(Node n)
        {
            if (memo.TryGetValue(n, out bool v)) return v;
            v = n.Op == Op.Input && Target.Contains(n.Name) || n.Inputs.Any(ReadsTarget);
            memo[n] = v;
            return v;
        }
        return (nodes, nodes.Where(ReadsTarget).ToHashSet());
    }

    /// <summary>Backward nodes that read a frozen weight (a frozen layer's input gradient) or a frozen convolution's input windows (its weight gradient).</summary>
    private static Node[] BackwardThroughFrozenLayers(LoweredModel lowered, IReadOnlyCollection<string> frozenNames)
    {
        var (nodes, backward) = StepNodes(lowered);
        bool IsFrozen(Node n) => Strip(n) is { Op: var op } s && op == Op.Param && frozenNames.Contains(s.Name);
        // The forward products of the frozen layers: weight · windows (a Conv1d is im2col then a matrix product).
        var frozenWindows = nodes.Where(n => n.Op == Op.MatMul && !backward.Contains(n) && (IsFrozen(n.A) || IsFrozen(n.B)))
            .Select(n => Strip(IsFrozen(n.A) ? n.B : n.A)).ToHashSet();
        Assert.Equal(frozenNames.Count / 2, frozenWindows.Count); // one product per frozen conv (weight and bias each)
        return backward.Where(n => n.Inputs.Any(i => IsFrozen(i) || frozenWindows.Contains(Strip(i)))).ToArray();
    }

    [Theory]
    [InlineData(1, 9, 1)]  // conv2, conv3 and linear train: dW3, dX3 (one col2im), dW2, but nothing of conv2's input
    [InlineData(2, 7, 0)]  // the default: conv3 and linear train: dW3 but not conv3's input gradient
    [InlineData(3, 5, 0)]  // linear alone: dW of the head and nothing else
    public void The_frozen_layers_backward_pass_is_not_in_the_compiled_step(int frozenConvs, int matmuls, int col2ims)
    {
        var (frozen, full, frozenNames) = Lowered(frozenConvs);
        Assert.Equal(2 * frozenConvs, frozenNames.Length);
        // No gradient of a frozen weight: the step updates the head's parameters and their Adam moments only.
        var updates = frozen.Schedule(TrainingSignature.TrainStepMethod).Updates.Select(u => u.Name).ToArray();
        Assert.All(updates, u => Assert.True(u.StartsWith("head.", StringComparison.Ordinal) || u == "optimizer.step", u));
        Assert.Equal(frozen.Model.Parameters.Trainable.Count() * 3 + 1, updates.Length); // weight, m, v (+ Adam's step count)
        // No backward node reads a frozen weight or a frozen convolution's windows (so neither a frozen layer's input
        // gradient nor its weight gradient is computed)...
        Assert.Empty(BackwardThroughFrozenLayers(frozen, frozenNames));
        // ...while in the same CNN with everything trainable they do (the check can fail).
        Assert.NotEmpty(BackwardThroughFrozenLayers(full, frozenNames));
        // Forward: 4 products (3 convolutions, linear). Full backward: dW for all 4, dX for conv2, conv3 and linear
        // (not conv1: the input x needs no gradient), and a col2im for conv2's and conv3's input windows.
        var f = Transfer.Program.Cost(frozen, 50);
        var u = Transfer.Program.Cost(full, 50);
        Assert.Equal((11, 2), (u.MatMuls, u.Col2Ims));
        Assert.Equal((matmuls, col2ims), (f.MatMuls, f.Col2Ims));
        Assert.True(f.Kernels < u.Kernels, $"{f.Kernels} kernels frozen vs {u.Kernels} full");
        Assert.True(f.MultiplyAdds < u.MultiplyAdds, $"{f.MultiplyAdds} multiply-adds frozen vs {u.MultiplyAdds} full");
    }

    [Fact]
    public void Fine_tuning_steps_leave_the_frozen_weights_unchanged_bit_for_bit_and_train_the_head()
    {
        string? data = Mnist1DData.Find();
        Assert.True(data is not null, "examples/Mnist1D/data not found");
        var (train, _) = Mnist1DFiles.Load(data!);
        var few = Transfer.Program.FewShot(Transfer.Program.Digits(train, 5), 10, seed: 1);
        Assert.Equal(50, few.Count);
        Assert.Equal(Enumerable.Repeat(10, 5), few.ClassCounts());
        var (frozen, _, frozenNames) = Lowered(2);
        var network = frozen.Compile(Backend.Expressions);
        var before = network.SnapshotParameters();
        double loss0 = network.Evaluate(few.Features, few.Labels!, few.Count);
        Transfer.Program.TrainSteps(network, few, steps: 20, batch: 25, seed: 1);
        foreach (var name in frozenNames) Assert.True(network.ParameterValues(name).AsSpan().SequenceEqual(before[name]), name);
        foreach (var name in network.Model.Parameters.Trainable.Select(p => p.Name))
            Assert.False(network.ParameterValues(name).AsSpan().SequenceEqual(before[name]), name);
        Assert.True(network.Evaluate(few.Features, few.Labels!, few.Count) < 0.5 * loss0);
    }

    /// <summary>
    /// Validation accuracy on digits 5-9 of a new head (conv3 + Linear) trained for <paramref name="steps"/> steps on 50
    /// labels per digit over frozen conv1 + conv2 that are either pre-trained on digits 0-4 for
    /// <paramref name="pretrainEpochs"/> epochs or left at their initial values (the same head initialization, the same
    /// steps and batches).
    /// </summary>
    private static (double Pretrained, double Untrained) FineTuneAccuracies(long seed, int pretrainEpochs, int steps)
    {
        string? data = Mnist1DData.Find();
        Assert.True(data is not null, "examples/Mnist1D/data not found");
        var (train, _) = Mnist1DFiles.Load(data!);
        var source = Transfer.Program.Digits(train, 0);
        var target = Transfer.Program.Digits(train, 5);
        var picked = Transfer.Program.FewShotIndices(target, 50, seed);
        var few = target.Subset(picked);
        var validation = Transfer.Program.Complement(target, picked);
        Assert.Equal(target.Count - 250, validation.Count);

        var pretrainedFeatures = Transfer.Program.Features(40, 25, 2);
        var pretrainModel = Model.Build(Transfer.Program.Build(pretrainedFeatures, Transfer.Program.Head(40, 25, 2)), 40, seed);
        var pretrain = pretrainModel.Compile(Transfer.Program.Setup(0.01, "Pretrain"), Backend.Expressions);
        Transfer.Program.TrainSteps(pretrain, source, pretrainEpochs * ((source.Count + 49) / 50), 50, seed);
        pretrain.CopyParametersTo(pretrainModel.Parameters);

        double FineTune(Sequential features, string name)
        {
            features.Freeze();
            var model = Model.Build(Transfer.Program.Build(features, Transfer.Program.Head(40, 25, 2)), 40, seed + 1);
            var network = model.Compile(Transfer.Program.Setup(0.01, name), Backend.Expressions);
            Transfer.Program.TrainSteps(network, few, steps, 50, seed);
            return Transfer.Program.Accuracy(network, validation);
        }
        return (FineTune(pretrainedFeatures, "Pretrained"), FineTune(Transfer.Program.Features(40, 25, 2), "Untrained"));
    }

    // Measured margins (validation accuracy, pre-trained minus untrained features; seeds 1-5): 3 epochs + 60 steps
    // 0.103 0.017 0.083 0.048 0.126 (not robust); 6 epochs + 100 steps 0.133 0.059 0.109 0.060 0.127; 10 epochs + 150
    // steps 0.117 0.067 0.093 0.104 0.141. The test uses 6 + 100 (about 2 s a seed) and asks for half the smallest margin.
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Fine_tuning_pre_trained_features_beats_the_same_head_on_untrained_frozen_features(long seed)
    {
        var (pretrained, untrained) = FineTuneAccuracies(seed, pretrainEpochs: 6, steps: 100);
        Output?.WriteLine($"seed {seed}: pre-trained features {pretrained:0.0000}, untrained features {untrained:0.0000}");
        Assert.True(pretrained > untrained + 0.03, $"seed {seed}: head on pre-trained features {pretrained:0.0000}, on untrained features {untrained:0.0000}");
    }

    [Theory]
    [InlineData("--shots 0", "--shots: must be in 1..350, got 0.")]
    [InlineData("--shots 351", "--shots: must be in 1..350, got 351.")]
    [InlineData("--frozen-convs 4", "--frozen-convs: must be in 1..3, got 4.")]
    [InlineData("--curve-shots 5,x", "--curve-shots: 'x' is not an integer")]
    [InlineData("--lr 0", "--lr: must be positive, got 0.")]
    [InlineData("--finetune-steps", "--finetune-steps needs a value.")]
    [InlineData("--backend llvm", "--backend: unknown backend 'llvm'")]
    [InlineData("--frobnicate", "unknown option '--frobnicate'")]
    [InlineData("--data /nonexistent-nabla-folder", "--data: folder '/nonexistent-nabla-folder' not found")]
    [InlineData("--batch 251", "--batch: 251 is larger than the few-shot set (250 signals: --shots 50 for each of 5 digits); use at most 250.")]
    [InlineData("--shots 10 --batch 60", "--batch: 60 is larger than the few-shot set (50 signals: --shots 10 for each of 5 digits); use at most 50.")]
    public void Bad_options_give_one_line_and_exit_code_2(string args, string expected)
    {
        Assert.Contains(expected, ExampleRun.BadOptions(Transfer.Program.Run, args, "finetune_test_accuracy"));
    }

    [Theory] // 100 training signals: digit 5 has 6 of them (and 6, 7, 8, 9 have 15, 9, 9, 10)
    [InlineData("--shots 10", "--shots: class 0 has only 6 training signals, 10 were asked for.")]
    [InlineData("--shots 2 --curve-shots 5,10", "--curve-shots: class 0 has only 6 training signals, 10 were asked for.")]
    [InlineData("--shots 2 --curve-shots 2 --batch 11", "--batch: 11 is larger than the few-shot set (10 signals: --shots 2 for each of 5 digits); use at most 10.")]
    public void Too_few_signals_name_the_option_the_number_came_from(string args, string expected)
    {
        string? data = Mnist1DData.Find();
        Assert.True(data is not null, "examples/Mnist1D/data not found");
        using var dir = new TempDir();
        foreach (var file in new[] { "train.csv", "test.csv" })
            File.WriteAllLines(dir.File(file), File.ReadLines(Path.Combine(data!, file)).Take(101));
        var (code, output, err) = Run(args.Split(' ').Concat(new[] { "--data", dir.Path, "--svg", dir.File("t.svg") }).ToArray());
        Assert.Equal(2, code);
        Assert.Equal("error: " + expected, err.Trim());
        Assert.DoesNotContain("pre-training", output);
    }

    [Fact]
    public void Help_lists_the_options()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--shots", "--seed", "--pretrain-epochs", "--finetune-steps", "--scratch-steps", "--lr", "--svg", "--backend" })
            Assert.Contains(option, output);
    }
}
