using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>The MNIST-1D autoencoder example called in-process through its entry point (a short run: seconds).</summary>
[Collection("Jit")]
public class AutoencoderExampleTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => ExampleRun.Run(Autoencoder.Program.Run, args);

    private static double Value(string output, string name) => ExampleRun.Value(output, name);

    [Fact]
    public void A_short_run_learns_to_reconstruct_and_draws_inputs_beside_reconstructions()
    {
        string? data = Mnist1DData.Find();
        Assert.True(data is not null, "examples/Mnist1D/data not found");
        using var dir = new TempDir();
        string svg = dir.File("ae.svg");
        var (code, output, err) = Run("--epochs", "3", "--examples", "3", "--data", data!, "--svg", svg);
        Assert.True(code == 0, err);
        var last = output.TrimEnd().Split('\n').TakeLast(2).ToArray();
        Assert.StartsWith("train_reconstruction_mse=", last[0]);
        Assert.StartsWith("test_reconstruction_mse=", last[1]);
        // Three epochs already beat always answering the mean signal by a wide margin (1.02 on the test set).
        double test = Value(output, "test_reconstruction_mse"), baseline = Value(output, "mean_signal_test_mse");
        Assert.InRange(baseline, 0.9, 1.1);
        Assert.True(test < 0.6 * baseline, $"test reconstruction mse {test} vs mean-signal mse {baseline}");
        Assert.InRange(Value(output, "train_reconstruction_mse"), 0, 0.6 * baseline);
        Assert.Contains(" steps=120 ", output); // 3 epochs of 4000 signals in batches of 100
        // One panel per signal, each with its input and its reconstruction as 40-point lines.
        XNamespace ns = "http://www.w3.org/2000/svg";
        var panels = XDocument.Load(svg).Root!.Elements(ns + "svg").ToArray();
        Assert.Equal(3, panels.Length);
        foreach (var p in panels)
        {
            var lines = p.Descendants(ns + "polyline").ToDictionary(l => (string)l.Attribute("data-series")!, l => ((string)l.Attribute("points")!).Split(' ').Length);
            Assert.Equal(40, lines["input"]);
            Assert.Equal(40, lines["reconstruction"]);
        }
    }

    [Theory]
    [InlineData("--bottleneck 0", "--bottleneck: must be in 1..")]
    [InlineData("--lr -1", "--lr: must be positive, got -1.")]
    [InlineData("--backend llvm", "--backend: unknown backend 'llvm'")]
    [InlineData("--examples 9", "--examples: must be in 1..8, got 9.")]
    [InlineData("--frobnicate", "unknown option '--frobnicate'")]
    [InlineData("--data /nonexistent-nabla-folder", "--data: folder '/nonexistent-nabla-folder' not found")]
    public void Bad_options_give_one_line_and_exit_code_2(string args, string expected)
    {
        Assert.Contains(expected, ExampleRun.BadOptions(Autoencoder.Program.Run, args, "test_reconstruction_mse"));
    }
}
