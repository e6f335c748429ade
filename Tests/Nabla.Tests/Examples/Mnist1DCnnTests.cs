using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Xml.Linq;
using Mnist1D;
using Nabla.Data;
using Nabla.Ir;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>
/// The MNIST-1D example's --model cnn (the paper's CNN, 5,210 parameters) and its --shift/--noise augmentation options:
/// the architecture and PyTorch's parameter names, the per-model defaults, a short in-process run, and bad options.
/// The full-length numbers (seeds 1–5) are in docs/examples/cnn.md, not asserted here.
/// </summary>
[Collection("Jit")]
public class Mnist1DCnnTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => ExampleRun.Run(Program.Run, args);

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

    /// <summary>
    /// The CNN's logits and cross-entropy gradients (input and every parameter) equal PyTorch's for PyTorch's parameters
    /// (Fixtures/mnist1d_cnn.json, made by the script beside it), in float64: the names, shapes, the flatten order of the
    /// [25, 5] features and the strided, padded convolutions all match, so checkpoints move between the two.
    /// </summary>
    [Fact]
    public void The_CNN_computes_PyTorchs_logits_and_gradients_from_PyTorchs_parameters()
    {
        string? path = null;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null && path is null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "Tests", "Nabla.Tests", "Fixtures", "mnist1d_cnn.json");
            if (File.Exists(p)) path = p;
        }
        Assert.True(path is not null, "Tests/Nabla.Tests/Fixtures/mnist1d_cnn.json not found above the test folder");
        using var doc = JsonDocument.Parse(File.ReadAllText(path!));
        var root = doc.RootElement;
        static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        double[] x = Doubles(root.GetProperty("x")), y = Doubles(root.GetProperty("y"));
        int[] labels = root.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        int n = labels.Length;

        var t = Model.Build(Cnns.Build(40, 10), 40).Trace(DType.F64);
        var logits = t.Outputs[0].Node;
        // ∂ mean CE / ∂ logits = (softmax(y) − onehot) / n, a constant cotangent u; then ∂ sum(u·logits) is the CE gradient.
        var u = new double[n * 10];
        for (int r = 0; r < n; r++)
        {
            double max = y.Skip(r * 10).Take(10).Max(), z = 0;
            for (int c = 0; c < 10; c++) z += Math.Exp(y[r * 10 + c] - max);
            for (int c = 0; c < 10; c++) u[r * 10 + c] = (Math.Exp(y[r * 10 + c] - max) / z - (c == labels[r] ? 1 : 0)) / n;
        }
        var uNode = t.Graph.Input("u", logits.Shape);
        var wrt = new[] { t.Inputs[0] }.Concat(t.Parameters.Select(p => p.Node)).ToArray();
        var grads = Autodiff.Grad(F.Sum(logits * uNode), wrt);
        var outputs = new List<Named> { new("y", logits), new("grad_x", grads[0]) };
        for (int i = 0; i < t.Parameters.Count; i++) outputs.Add(new Named("grad_" + t.Parameters[i].Name, grads[i + 1]));
        var bind = new Dictionary<string, Tensor> { [t.Inputs[0].Name!] = new Tensor(new[] { n, 40 }, x), ["u"] = new Tensor(new[] { n, 10 }, u) };
        var ps = root.GetProperty("params");
        Assert.Equal(ps.EnumerateObject().Select(p => p.Name), t.Parameters.Select(p => p.Name)); // PyTorch's names, in its order
        foreach (var p in ps.EnumerateObject())
        {
            int[] shape = p.Value.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            Assert.Equal(shape, t.Parameters.Single(q => q.Name == p.Name).Node.Shape.ToArray());
            bind[p.Name] = new Tensor(shape, Doubles(p.Value.GetProperty("value")));
        }
        var r2 = Interpreter.Run(new Function(t.Graph, outputs), bind, batch: n);

        static void Close(double[] want, double[] got, string what)
        {
            Assert.Equal(want.Length, got.Length);
            for (int i = 0; i < want.Length; i++)
                Assert.True(Math.Abs(want[i] - got[i]) <= 1e-12 * (1 + Math.Abs(want[i])), $"{what}[{i}]: PyTorch {want[i]:R}, Nabla {got[i]:R}");
        }
        Close(y, r2["y"].Data, "logits");
        Close(Doubles(root.GetProperty("grad_x")), r2["grad_x"].Data, "grad_x");
        foreach (var p in ps.EnumerateObject()) Close(Doubles(p.Value.GetProperty("grad")), r2["grad_" + p.Name].Data, "grad_" + p.Name);
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
        var (aug, text) = Mnist1D.Program.AugmentationOf(Mnist1D.Options.Parse(new[] { "--shift", "2", "--noise", "0.1" }));
        aug!.Apply(got, 3, 8, new Rng(5));
        Assert.Equal(want, got);
        Assert.NotEqual(x, got);
        Assert.Equal("random shift ±2 (edge-filled), gaussian noise σ=0.1", text);
        Assert.Null(Mnist1D.Program.AugmentationOf(Mnist1D.Options.Parse(new[] { "--model", "cnn", "--shift", "0" })).Augmentation);
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
        Assert.Equal(expected, ExampleRun.BadOptions(Program.Run, args, "test_accuracy"));
    }
}
