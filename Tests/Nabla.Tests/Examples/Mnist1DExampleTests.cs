using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml.Linq;
using Mnist1D;
using Nabla.Checkpoints;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>The MNIST-1D example called in-process through its entry point: exit codes, error lines, files written or not.</summary>
public class Mnist1DExampleTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => ExampleRun.Run(Program.Run, args);

    private static void AssertOneErrorLine(string err, string expected)
    {
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }

    [Theory]
    [InlineData("--lr 0", "--lr: the learning rate must be positive, got 0.")]
    [InlineData("--lr -0.5", "must be positive, got -0.5")]
    [InlineData("--lr abc", "--lr: 'abc' is not a finite number.")]
    [InlineData("--batch 0", "--batch: the batch size must be positive, got 0.")]
    [InlineData("--batch -3", "the batch size must be positive, got -3")]
    [InlineData("--optimizer lbfgs", "unknown optimizer 'lbfgs'")]
    [InlineData("--backend llvm", "unknown backend 'llvm'")]
    [InlineData("--hidden 100,0", "'0' (layer 2) is not a positive width")]
    [InlineData("--epochs 2 --steps 10", "either --epochs or --steps")]
    [InlineData("--dropout 1", "[0, 1)")]
    [InlineData("--frobnicate", "unknown option '--frobnicate'")]
    [InlineData("--seed", "--seed needs a value.")]
    [InlineData("--normalize --no-normalize", "either --normalize or --no-normalize")]
    // Issue 17: a path option followed by another option used to save to a file named "--no-shuffle" and train with shuffle on.
    [InlineData("--steps 20 --save --no-shuffle", "--save needs a value, but the next argument '--no-shuffle' is an option (write --save=VALUE")]
    [InlineData("--steps 20 --plot /proc/x.svg", "--plot: cannot write '/proc/x.svg': the folder '/proc' takes no new file")]
    [InlineData("--compare-single", "--compare-single checks a --distributed run against one process; add --distributed.")]
    [InlineData("--distributed --figure-20-2", "--distributed: --figure-20-2 runs in one process.")]
    public void BadOptionsGiveOneLineAndExitCode2(string args, string expected)
    {
        var (code, _, err) = Run(args.Split(' '));
        Assert.Equal(2, code);
        AssertOneErrorLine(err, expected);
    }

    [Fact]
    public void HelpListsTheOptions()
    {
        var (code, output, err) = Run("--help");
        Assert.Equal(0, code);
        Assert.Empty(err);
        foreach (var option in new[] { "--hidden", "--optimizer", "--lr", "--batch", "--epochs", "--steps", "--seed", "--threads", "--dropout",
                                       "--weight-decay", "--load", "--save", "--normalize", "--no-normalize", "--random-labels", "--backend",
                                       "--data", "--plot", "--figure-20-2" })
            Assert.Contains(option, output);
    }

    [Fact]
    public void TheDefaultModelIsThePapersMlpWith15210Parameters()
    {
        Assert.Equal(15210, Model.Build(Mlps.Build(40, new[] { 100, 100 }, 10, residual: true, dropout: 0.2), 40).ParameterCount);
        int[] expected = { 15208, 15210, 15235, 15319 };
        for (int i = 0; i < Figure202.Models.Length; i++)
            Assert.Equal(expected[i], Model.Build(Mlps.Build(40, Figure202.Models[i], 10, residual: false, dropout: 0), 40).ParameterCount);
    }

    /// <summary>A data folder with a copy of the shipped test.csv and the given train.csv text.</summary>
    private static TempDir DataWith(string trainCsv)
    {
        var dir = new TempDir();
        File.Copy(Path.Combine(Mnist1DData.Find()!, "test.csv"), dir.File("test.csv"));
        File.WriteAllText(dir.File("train.csv"), trainCsv);
        return dir;
    }

    private static string Header => string.Join(",", Enumerable.Range(0, 40).Select(i => "x" + i)) + ",label\n";
    private static string Row(int label, int values = 40) => string.Join(",", Enumerable.Repeat("0.5", values)) + "," + label.ToString(CultureInfo.InvariantCulture) + "\n";

    // Issue 17: a run that diverged wrote its plot and then failed to save (exit 2). Now it writes nothing.
    [Fact]
    public void ARunThatDivergesSaysSoWithExitCode2AndWritesNothing()
    {
        using var dir = new TempDir();
        string plot = dir.File("p.svg"), save = dir.File("c.safetensors");
        var (code, _, err) = Run("--optimizer", "sgd", "--lr", "1e6", "--steps", "50", "--threads", "1", "--plot", plot, "--save", save);
        Assert.Equal(2, code);
        AssertOneErrorLine(err, "the run diverged; nothing was written (try a smaller --lr).");
        Assert.False(File.Exists(plot));
        Assert.False(File.Exists(save));
    }

    [Fact]
    public void MissingDataGivesExitCode2AndWritesNothing()
    {
        using var dir = new TempDir();
        string plot = dir.File("p.svg"), save = dir.File("c.safetensors");
        var (code, _, err) = Run("--data", dir.Path, "--plot", plot, "--save", save);
        Assert.Equal(2, code);
        AssertOneErrorLine(err, Path.Combine(dir.Path, "train.csv") + ": file not found.");
        Assert.False(File.Exists(plot));
        Assert.False(File.Exists(save));
        (code, _, err) = Run("--data", dir.File("nowhere"));
        Assert.Equal(2, code);
        AssertOneErrorLine(err, "not found");
    }

    [Fact]
    public void AWrongColumnCountNamesTheLine()
    {
        using var dir = DataWith(Header + Row(1) + Row(2) + Row(3, values: 39));
        string plot = dir.File("p.svg");
        var (code, _, err) = Run("--data", dir.Path, "--plot", plot);
        Assert.Equal(2, code);
        AssertOneErrorLine(err, "train.csv, line 4: 40 values, expected 41");
        Assert.False(File.Exists(plot));
    }

    [Fact]
    public void ALabelOutOfRangeNamesTheLine()
    {
        using var dir = DataWith(Header + Row(1) + Row(10));
        var (code, _, err) = Run("--data", dir.Path, "--plot", dir.File("p.svg"));
        Assert.Equal(2, code);
        AssertOneErrorLine(err, "train.csv, line 3, column 41 ('label'): the label 10 is outside [0, 10)");
    }

    [Fact]
    public void ACheckpointWithOtherShapesIsRejectedBeforeAnythingIsWritten()
    {
        using var dir = new TempDir();
        string ckpt = dir.File("small.safetensors"), plot = dir.File("p.svg"), save = dir.File("out.safetensors");
        SafeTensors.Save(ckpt, new[]
        {
            new SafeTensor("0.weight", new[] { 50, 40 }, new float[2000]), new SafeTensor("0.bias", new[] { 50 }, new float[50]),
        });
        File.WriteAllText(save, "previous");
        var (code, _, err) = Run("--load", ckpt, "--save", save, "--plot", plot);
        Assert.Equal(2, code);
        AssertOneErrorLine(err, $"{ckpt}: tensor '0.weight' has shape [50, 40], but the model expects [100, 40]");
        Assert.False(File.Exists(plot));
        Assert.Equal("previous", File.ReadAllText(save));

        File.WriteAllBytes(ckpt, File.ReadAllBytes(ckpt).Take(100).ToArray());   // truncated
        (code, _, err) = Run("--load", ckpt, "--save", save, "--plot", plot);
        Assert.Equal(2, code);
        AssertOneErrorLine(err, ckpt + ": ");
        Assert.Equal("previous", File.ReadAllText(save));
    }

    [Fact]
    public void TrainsSavesAndResumesExactly()
    {
        using var dir = new TempDir();
        string[] common = { "--hidden", "16,16", "--batch", "64", "--backend", "expressions", "--seed", "3", "--dropout", "0.1" };
        string a = dir.File("a.safetensors"), b = dir.File("b.safetensors"), whole = dir.File("whole.safetensors"), plot = dir.File("plot.svg");

        var (code, output, err) = Run(common.Concat(new[] { "--steps", "70", "--save", a, "--plot", plot }).ToArray());
        Assert.True(code == 0, err);
        Assert.Contains("parameters=1098", output);   // 40·16+16 + 16·16+16 + 16·10+10
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
        Assert.Matches(@"^train_accuracy=0\.\d{4}$", lines[^2]);
        Assert.Matches(@"^test_accuracy=0\.\d{4}$", lines[^1]);
        double trainAcc = double.Parse(lines[^2].Split('=')[1], CultureInfo.InvariantCulture);
        Assert.True(trainAcc > 0.2, output);   // well above chance (0.1) after 70 steps

        var svg = XDocument.Load(plot).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(new[] { "train loss", "test loss", "train accuracy", "test accuracy" },
            svg.Descendants(ns + "polyline").Select(p => p.Attribute("data-series")!.Value));

        // 70 steps, then from the checkpoint (optimizer state, step count, batch position) on to 120, equal 120 uninterrupted steps.
        (code, output, err) = Run(common.Concat(new[] { "--steps", "120", "--load", a, "--save", b, "--plot", plot }).ToArray());
        Assert.True(code == 0, err);
        Assert.Contains("state at step 70", output);
        (code, _, err) = Run(common.Concat(new[] { "--steps", "120", "--save", whole, "--plot", plot }).ToArray());
        Assert.True(code == 0, err);
        var resumed = SafeTensors.Load(b);
        var straight = SafeTensors.Load(whole);
        Assert.Equal("120", resumed.Metadata["nabla.step"]);
        Assert.Equal(straight.Names, resumed.Names);
        foreach (var t in straight.Tensors)
            Assert.True(t.ToSingle().SequenceEqual(resumed[t.Name].ToSingle()), $"tensor {t.Name} differs after resuming");
        Assert.Equal(new[] { 16, 40 }, straight["0.weight"].Shape);
    }

    [Fact]
    public void Figure202ModeReportsStepsToFitAndPlotsTheError()
    {
        using var dir = new TempDir();
        string plot = dir.File("fig.svg");
        var (code, output, err) = Run("--figure-20-2", "--hidden", "8", "--max-steps", "4", "--backend", "expressions", "--plot", plot);
        Assert.True(code == 0, err);
        Assert.Contains("random labels", output);
        Assert.Contains("steps_to_fit[8]=>4", output);
        var svg = XDocument.Load(plot).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal("[8]", svg.Descendants(ns + "polyline").Single().Attribute("data-series")!.Value);
    }
}
