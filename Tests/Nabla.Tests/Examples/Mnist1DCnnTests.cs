using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Mnist1D;
using Nabla.Data;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>
/// The MNIST-1D example's --model cnn (the paper's CNN, 5,210 parameters) and its --shift/--noise augmentation options:
/// the architecture and PyTorch's parameter names, the per-model defaults, a short in-process run, and bad options.
/// The full-length numbers (seeds 1–5) are in docs/notes/cnn.md, not asserted here.
/// </summary>
[Collection("Jit")]
public class Mnist1DCnnTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void The_CNN_is_the_papers_with_PyTorchs_names_shapes_and_5210_parameters()
    {
        var m = Model.Build(Cnns.Build(40, 10), 40);
        Assert.Equal(5210, m.ParameterCount);
        Assert.Equal(Cnns.ParameterCount, m.ParameterCount);
        Assert.Equal(new[]
        {
            "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias", "linear.weight", "linear.bias",
        }, m.Parameters.Names);
        Assert.Equal(new[] { 25, 1, 5 }, m.Parameters["conv1.weight"].Shape.ToArray());
        Assert.Equal(new[] { 25, 25, 3 }, m.Parameters["conv2.weight"].Shape.ToArray());
        Assert.Equal(new[] { 25, 25, 3 }, m.Parameters["conv3.weight"].Shape.ToArray());
        Assert.Equal(new[] { 25 }, m.Parameters["conv3.bias"].Shape.ToArray());
        Assert.Equal(new[] { 10, 125 }, m.Parameters["linear.weight"].Shape.ToArray()); // 25 channels × length 5, flattened
        // Dropout adds no parameter and keeps the names.
        Assert.Equal(m.Parameters.Names, Model.Build(Cnns.Build(40, 10, dropout: 0.1), 40).Parameters.Names);
    }

    [Fact]
    public void The_CNN_defaults_apply_only_to_the_CNN()
    {
        var cnn = Options.Parse(new[] { "--model", "cnn" });
        Assert.Empty(cnn.Hidden);
        Assert.Equal(Cnns.DefaultDropout, cnn.Dropout);
        Assert.Equal(Cnns.DefaultSchedule, cnn.Schedule);
        Assert.Equal(Cnns.DefaultShift, cnn.Shift);
        Assert.Equal(0.0, cnn.Noise);
        // The paper's recipe otherwise: Adam, lr 0.01, batch 100, 6000 steps.
        Assert.Equal("adam", cnn.Optimizer);
        Assert.Equal(0.01, cnn.LearningRate);
        Assert.Equal(100, cnn.Batch);
        Assert.Equal(6000, cnn.Steps);
        var given = Options.Parse(new[] { "--model", "cnn", "--shift", "0", "--dropout", "0", "--schedule", "constant", "--noise", "0.1" });
        Assert.Equal(0, given.Shift);
        Assert.Equal(0.0, given.Dropout);
        Assert.Equal("constant", given.Schedule);
        Assert.Equal(0.1, given.Noise);
        // The other models keep theirs: no augmentation unless asked for.
        foreach (var model in new[] { "mlp", "gru", "logistic" })
        {
            var o = Options.Parse(new[] { "--model", model });
            Assert.Equal(0, o.Shift);
            Assert.Equal(0.0, o.Noise);
        }
        Assert.Equal(0.2, Options.Parse(Array.Empty<string>()).Dropout);
        Assert.Equal("constant", Options.Parse(Array.Empty<string>()).Schedule);
        Assert.Contains("--model NAME            mlp | gru | logistic | cnn", Options.Usage);
        Assert.Contains("--shift N", Options.Usage);
        Assert.Contains("--noise S", Options.Usage);
    }

    [Fact]
    public void A_short_CNN_run_prints_the_parameter_count_and_the_final_lines_and_beats_chance()
    {
        using var dir = new TempDir();
        string plot = dir.File("cnn.svg");
        var (code, output, err) = Run("--model", "cnn", "--steps", "200", "--shift", "2", "--noise", "0.05", "--backend", "expressions", "--plot", plot);
        Assert.True(code == 0, err);
        Assert.Empty(err);
        Assert.Contains("parameters=5210", output);
        Assert.Contains("augmentation of the training inputs per step: random shift ±2 (edge-filled), gaussian noise σ=0.05", output);
        Assert.Contains("model Mnist1dCnn", output);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
        Assert.Matches(@"^train_time_s=\d+\.\d\d steps=200 test_loss=\d+\.\d{4}$", lines[^3]);
        Assert.Matches(@"^train_accuracy=[01]\.\d{4}$", lines[^2]);
        Assert.Matches(@"^test_accuracy=[01]\.\d{4}$", lines[^1]);
        double train = double.Parse(lines[^2].Substring("train_accuracy=".Length), CultureInfo.InvariantCulture);
        double test = double.Parse(lines[^1].Substring("test_accuracy=".Length), CultureInfo.InvariantCulture);
        // Chance is 0.1; the logistic regression's ceiling is about 0.33 and 200 steps of the CNN pass it (0.7 or so here).
        Assert.InRange(train, 0.4, 1.0);
        Assert.InRange(test, 0.4, 1.0);
        var svg = XDocument.Load(plot).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(new[] { "train loss", "test loss", "train accuracy", "test accuracy" },
            svg.Descendants(ns + "polyline").Select(p => p.Attribute("data-series")!.Value));
        Assert.Contains("cnn 3x conv1d 25", svg.ToString());
    }

    [Fact]
    public void The_augmentation_shifts_then_adds_noise_from_the_loaders_generator()
    {
        var x = Enumerable.Range(0, 3 * 8).Select(i => (float)i).ToArray();
        var want = (float[])x.Clone();
        var rng = new Rng(5);
        new RandomShift(2, ShiftFill.Edge).Apply(want, 3, 8, rng);
        new GaussianNoise(0.1).Apply(want, 3, 8, rng);
        var got = (float[])x.Clone();
        var aug = new TrainingAugmentation(new IAugmentation[] { new RandomShift(2, ShiftFill.Edge), new GaussianNoise(0.1) }, 2, 0.1);
        aug.Apply(got, 3, 8, new Rng(5));
        Assert.Equal(want, got);
        Assert.NotEqual(x, got);
        Assert.Equal("random shift ±2 (edge-filled), gaussian noise σ=0.1", aug.ToString());
    }

    [Theory]
    [InlineData("--model cnn --hidden 5", "--hidden: --model cnn has the paper's fixed layers (three Conv1d of 25 channels, Linear(125, 10)).")]
    [InlineData("--model cnn --figure-20-2", "--figure-20-2 trains MLPs; it cannot be combined with --model cnn.")]
    [InlineData("--model cnn --shift -1", "--shift: the largest shift must be in 0..39 positions, got -1.")]
    [InlineData("--model cnn --shift 40", "--shift: the largest shift must be in 0..39 positions, got 40.")]
    [InlineData("--shift two", "--shift: 'two' is not an integer.")]
    [InlineData("--model cnn --noise -0.5", "--noise: the standard deviation must be >= 0, got -0.5.")]
    [InlineData("--noise nan", "--noise: 'nan' is not a finite number.")]
    [InlineData("--model cnn --optimizer lamb", "--optimizer: unknown optimizer 'lamb'; use one of sgd, momentum, rmsprop, adagrad, adam, adamw.")]
    public void Bad_options_give_one_line_and_exit_code_2(string args, string expected)
    {
        var (code, _, err) = Run(args.Split(' '));
        Assert.Equal(2, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Equal("error: " + expected, lines[0].TrimEnd('\r'));
    }
}
