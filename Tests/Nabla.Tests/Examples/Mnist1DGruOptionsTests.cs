using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Mnist1D;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>The MNIST-1D example's --model, --schedule and --validation options (the GRU itself is trained by the example, not here).</summary>
public class Mnist1DGruOptionsTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => ExampleRun.Run(Program.Run, args);

    [Theory]
    [InlineData("--model rnn", "--model: unknown model 'rnn'; use mlp, gru, logistic or cnn.")]
    [InlineData("--model logistic --hidden 5", "--hidden: --model logistic has no hidden layer (it is one Linear(40, 10)).")]
    [InlineData("--model logistic --figure-20-2", "--figure-20-2 trains MLPs; it cannot be combined with --model logistic.")]
    [InlineData("--model gru --hidden 6,6", "--hidden: --model gru takes one hidden size, got 2 widths.")]
    [InlineData("--model gru --figure-20-2", "--figure-20-2 trains MLPs; it cannot be combined with --model gru.")]
    [InlineData("--schedule linear", "--schedule: unknown schedule 'linear'; use constant or cosine.")]
    [InlineData("--validation -1", "--validation: the number of held-out examples must be >= 0, got -1.")]
    [InlineData("--validation 4000", "--validation: 4000 held-out examples leave none of the 4000 training examples to train on.")]
    public void Bad_options_give_one_line_and_exit_code_2(string args, string expected)
    {
        Assert.Equal(expected, ExampleRun.BadOptions(Program.Run, args, "test_accuracy"));
    }

    [Fact]
    public void The_defaults_per_model()
    {
        var mlp = Options.Parse(Array.Empty<string>());
        Assert.Equal("mlp", mlp.Model);
        Assert.Equal(new[] { 100, 100 }, mlp.Hidden);
        Assert.Equal(0.2, mlp.Dropout);
        Assert.Equal("constant", mlp.Schedule);
        var gru = Options.Parse(new[] { "--model", "gru" });
        Assert.Equal(new[] { Grus.DefaultHidden }, gru.Hidden);
        Assert.Equal(Grus.DefaultDropout, gru.Dropout);
        Assert.Equal(Grus.DefaultSchedule, gru.Schedule);
        Assert.Equal(6000, gru.Steps);
        Assert.Equal(0.01, gru.LearningRate);
        Assert.Equal(100, gru.Batch);
        var given = Options.Parse(new[] { "--model", "gru", "--hidden", "8", "--dropout", "0", "--schedule", "constant" });
        Assert.Equal(new[] { 8 }, given.Hidden);
        Assert.Equal(0.0, given.Dropout);
        Assert.Equal("constant", given.Schedule);
        Assert.Contains("--model", Options.Usage);
        Assert.Contains("--validation", Options.Usage);
    }

    [Fact]
    public void The_logistic_model_is_one_linear_layer_of_410_parameters_and_learns_above_chance()
    {
        Assert.Empty(Options.Parse(new[] { "--model", "logistic" }).Hidden);
        var (code, output, err) = Run("--model", "logistic", "--steps", "400", "--backend", "expressions", "--plot", Path.Combine(Path.GetTempPath(), $"nabla-logistic-{Guid.NewGuid():N}.svg"));
        Assert.True(code == 0, err);
        Assert.Contains("parameters=410", output);
        var line = output.Split('\n').Select(l => l.Trim()).Last(l => l.StartsWith("test_accuracy=", StringComparison.Ordinal));
        double acc = double.Parse(line.Substring("test_accuracy=".Length), CultureInfo.InvariantCulture);
        Assert.InRange(acc, 0.2, 0.45); // chance is 0.1; the paper's logistic regression reaches 32 %
    }

    [Fact]
    public void The_GRU_model_is_the_notebooks_with_PyTorchs_names_and_5134_parameters()
    {
        var m = Model.Build(Grus.Build(40, 6, 10), 40);
        Assert.Equal(5134, m.ParameterCount);
        Assert.Equal(new[]
        {
            "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
            "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0_reverse", "rnn.bias_hh_l0_reverse",
            "linear.weight", "linear.bias",
        }, m.Parameters.Names);
        Assert.Equal(new[] { 480, 10 }.Reverse(), m.Parameters["linear.weight"].Shape.ToArray());
        // Dropout adds no parameter and keeps the names.
        Assert.Equal(m.Parameters.Names, Model.Build(Grus.Build(40, 6, 10, dropout: 0.2), 40).Parameters.Names);
    }

    [Fact]
    public void Validation_holds_out_training_examples_and_is_what_the_plot_watches()
    {
        using var dir = new TempDir();
        string plot = dir.File("plot.svg");
        var (code, output, err) = Run("--hidden", "8", "--steps", "3", "--validation", "500", "--schedule", "cosine", "--backend", "expressions", "--plot", plot);
        Assert.True(code == 0, err);
        Assert.Contains("MNIST-1D: 3500 training and 1000 test examples of 40 values, 10 classes, 500 more held out for validation", output);
        Assert.Contains("validation 500 examples", output);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
        Assert.Matches(@"^train_accuracy=0\.\d{4}$", lines[^3]);
        Assert.Matches(@"^validation_accuracy=0\.\d{4}$", lines[^2]);
        Assert.Matches(@"^test_accuracy=0\.\d{4}$", lines[^1]);
        var svg = XDocument.Load(plot).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(new[] { "train loss", "validation loss", "train accuracy", "validation accuracy" },
            svg.Descendants(ns + "polyline").Select(p => p.Attribute("data-series")!.Value));
    }
}
