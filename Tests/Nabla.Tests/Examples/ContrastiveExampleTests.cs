using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Nabla.Data;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>The MNIST-1D contrastive example called in-process through its entry point (a short run: seconds).</summary>
[Collection("Jit")]
public class ContrastiveExampleTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => ExampleRun.Run(Contrastive.Program.Run, args);

    private static double Value(string output, string name) => ExampleRun.Value(output, name);

    [Fact]
    public void A_short_run_pretrains_without_labels_and_its_probe_beats_the_untrained_encoders()
    {
        string? data = Mnist1DData.Find();
        Assert.True(data is not null, "examples/Mnist1D/data not found");
        using var dir = new TempDir();
        string svg = dir.File("contrastive.svg");
        var (code, output, err) = Run("--epochs", "3", "--probe-epochs", "5", "--data", data!, "--svg", svg);
        Assert.True(code == 0, err);
        var last = output.TrimEnd().Split('\n').TakeLast(2).ToArray();
        Assert.StartsWith("probe_test_accuracy=", last[0]);
        Assert.StartsWith("random_probe_test_accuracy=", last[1]);
        Assert.Contains(" steps=51 ", output); // 3 epochs of the 4000 − 500 training signals not held out, in full batches of 200
        Assert.Contains("3500 training signals (labels unused), 500 held out for validation", output);

        // The InfoNCE loss starts below chance (log 200 ≈ 5.30) after one epoch and falls.
        var infonce = output.Split('\n').Where(l => l.StartsWith("epoch ") && l.Contains("InfoNCE"))
            .Select(l => double.Parse(l.Split("InfoNCE ")[1].Split(' ')[0], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(3, infonce.Length);
        // Pre-training is watched on the validation signals only: no test accuracy before the final one.
        var epochLines = output.Split('\n').Where(l => l.StartsWith("epoch ")).ToArray();
        Assert.Equal(4, epochLines.Length);
        Assert.All(epochLines, l => { Assert.Contains("10-NN validation accuracy", l); Assert.DoesNotContain("test", l); });
        int firstTest = output.IndexOf("test accuracy", StringComparison.Ordinal);
        Assert.True(firstTest > output.LastIndexOf("\nepoch ", StringComparison.Ordinal), "a test accuracy was printed during pre-training");
        Assert.True(infonce[2] < infonce[0] && infonce[0] < Math.Log(200), string.Join(", ", infonce));

        // Every accuracy is a fraction above chance (0.1); three epochs already put the probe on the pre-trained
        // encoder well above the same probe on the untrained one (measured 0.365 vs 0.256 at this length, seed 1).
        double probe = Value(output, "probe_test_accuracy"), random = Value(output, "random_probe_test_accuracy");
        double knn = Value(output, "knn_test_accuracy"), knnValidation = Value(output, "knn_validation_accuracy");
        double logistic = Value(output, "raw_logistic_test_accuracy");
        foreach (var a in new[] { probe, random, knn, knnValidation, logistic }) Assert.InRange(a, 0.15, 1);
        Assert.True(probe > random + 0.05, $"probe {probe} vs untrained {random}");
        Assert.True(knn > 0.25 && knnValidation > 0.25, $"k-NN test {knn}, validation {knnValidation}");
        // The last monitor point is the final validation accuracy (the monitor is not the test set).
        var lastEpoch = output.Split('\n').Last(l => l.StartsWith("epoch "));
        Assert.Contains($"10-NN validation accuracy {knnValidation.ToString("0.0000", CultureInfo.InvariantCulture)}", lastEpoch);

        // Two panels: the loss per epoch (3 points) and the k-NN monitor (epoch 0 plus one point per epoch) beside the levels.
        XNamespace ns = "http://www.w3.org/2000/svg";
        var panels = XDocument.Load(svg).Root!.Elements(ns + "svg").ToArray();
        Assert.Equal(2, panels.Length);
        int Points(XElement panel, string prefix) => ((string)panel.Descendants(ns + "polyline").Single(l => ((string)l.Attribute("data-series")!).StartsWith(prefix)).Attribute("points")!).Split(' ').Length;
        Assert.Equal(3, Points(panels[0], "training loss"));
        Assert.Equal(4, Points(panels[1], "10-NN on the embeddings (validation)"));
        Assert.Equal(2, Points(panels[1], "linear probe, pre-trained"));
        Assert.Equal(2, Points(panels[1], "linear probe, untrained"));
    }

    [Fact]
    public void The_probe_model_freezes_the_encoder_and_names_its_parameters_as_the_siamese_model_does()
    {
        var encoder = Contrastive.Program.BuildEncoder("mlp", 40, 8, 4);
        var siamese = Contrastive.Program.BuildContrastive(encoder, 40, seed: 5);
        var probe = Contrastive.Program.BuildProbe(Contrastive.Program.BuildEncoder("mlp", 40, 8, 4), 40, 4, seed: 5);
        var encoderNames = siamese.Parameters.Names.ToArray();
        Assert.All(encoderNames, n => Assert.StartsWith("encoder.", n));
        Assert.Equal(encoderNames, probe.Parameters.Frozen.Select(p => p.Name));
        Assert.Equal(new[] { "probe.weight", "probe.bias" }, probe.Parameters.Trainable.Select(p => p.Name));
        // The same seed gives the probe's encoder exactly the siamese encoder's initial weights: the untrained baseline.
        foreach (var n in encoderNames) Assert.Equal(siamese.Parameters[n].Data, probe.Parameters[n].Data);
    }

    [Fact]
    public void The_two_views_of_a_signal_differ_and_reduce_to_the_signal_without_augmentation()
    {
        var signals = Enumerable.Range(0, 3 * 40).Select(i => (float)Math.Sin(i * 0.3)).ToArray();
        var pairs = Dataset.Zip(new Dataset(signals, new[] { 40 }), new Dataset(signals, new[] { 40 })).Features;
        var a = (float[])pairs.Clone();
        Contrastive.Program.Views(4, 0.2, 0.1, 40).Apply(a, 3, 80, new Rng(7));
        for (int e = 0; e < 3; e++) Assert.NotEqual(a.Skip(e * 80).Take(40), a.Skip(e * 80 + 40).Take(40));
        var b = (float[])pairs.Clone();
        Contrastive.Program.Views(0, 0, 0, 40).Apply(b, 3, 80, new Rng(7));
        Assert.Equal(pairs, b);
    }

    [Theory]
    [InlineData("--tau 0", "--tau: must be positive, got 0.")]
    [InlineData("--batch 1", "--batch: must be in 2..4000, got 1.")]
    [InlineData("--epochs x", "--epochs: 'x' is not an integer.")]
    [InlineData("--lr -1", "--lr: must be positive, got -1.")]
    [InlineData("--scale 1", "--scale: must be in [0, 0.99], got 1.")]
    [InlineData("--encoder rnn", "--encoder: unknown encoder 'rnn' (cnn, mlp).")]
    [InlineData("--backend llvm", "--backend: unknown backend 'llvm'")]
    [InlineData("--seed", "--seed needs a value.")]
    [InlineData("--validation 0", "--validation: must be in 1..")]
    [InlineData("--frobnicate", "unknown option '--frobnicate'")]
    [InlineData("--data /nonexistent-nabla-folder", "--data: folder '/nonexistent-nabla-folder' not found")]
    public void Bad_options_give_one_line_and_exit_code_2(string args, string expected)
    {
        Assert.Contains(expected, ExampleRun.BadOptions(Contrastive.Program.Run, args, "probe_test_accuracy"));
    }

    [Fact]
    public void A_validation_split_that_leaves_less_than_a_batch_is_one_line_and_exit_code_2()
    {
        string? data = Mnist1DData.Find();
        Assert.True(data is not null, "examples/Mnist1D/data not found");
        var (code, output, err) = Run("--validation", "3900", "--data", data!);
        Assert.Equal(2, code);
        Assert.Equal("error: --validation: holding out 3900 of the 4000 training signals leaves 100, fewer than one batch (--batch 200) " +
                     "or the 10 neighbours of the k-NN monitor.", err.Trim());
        Assert.DoesNotContain("epoch", output);
    }

    [Fact]
    public void Help_prints_the_usage_with_every_option()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--tau", "--epochs", "--batch", "--seed", "--lr", "--svg", "--backend", "--probe-epochs", "--validation" })
            Assert.Contains(option, output);
    }
}
