using System.IO;
using System.Linq;
using Xunit;
using static Nabla.Tests.Cli.CliRun;

namespace Nabla.Tests.Cli;

/// <summary><c>nabla ir --f32</c> builds the formula in float32, and <c>nabla ir mlp:…</c> shows a spec's training step.</summary>
public class IrF32AndSpecTests
{
    private static string[] GraphLines(string stdout) =>
        stdout.Substring(0, stdout.IndexOf("passes:")).Split('\n').Where(l => l.TrimStart().StartsWith("%")).ToArray();

    [Fact]
    public void F32BuildsEveryNodeOfTheFormulaInFloat32()
    {
        var (code, f32, err) = Run("ir", "exp(x*y) + 2.5*sin(x)", "--grad", "--f32");
        Assert.True(code == 0, err);
        var lines = GraphLines(f32);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Contains(" : f32", l));
        Assert.DoesNotContain("f64", f32);

        var (code64, f64, _) = Run("ir", "exp(x*y) + 2.5*sin(x)", "--grad");
        Assert.Equal(0, code64);
        Assert.All(GraphLines(f64), l => Assert.Contains(" : f64", l));
        Assert.DoesNotContain("f32", f64);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnMlpSpecShowsItsTrainingStepInTheAskedType(bool f32)
    {
        var args = f32 ? new[] { "ir", "mlp:40,100,100,10", "--f32", "--batch", "100" } : new[] { "ir", "mlp:40,100,100,10", "--batch", "100" };
        var (code, stdout, err) = Run(args);
        Assert.True(code == 0, err);
        var lines = GraphLines(stdout);
        string t = f32 ? "f32" : "f64", other = f32 ? "f64" : "f32";
        // The parameters of the three dense layers, the matrix products of forward and backward, and the loss.
        foreach (var (a, b) in new[] { (40, 100), (100, 100), (100, 10) })
            Assert.Contains(lines, l => l.Contains($" : {t}[{a},{b}]") || l.Contains($" : {t}[{b},{a}]"));
        Assert.Contains(lines, l => l.Contains("matmul"));
        Assert.DoesNotContain(lines, l => l.Contains(other));
        Assert.Contains("temporaries at batch 100:", stdout);
        Assert.Matches(@"kernels: \d+ unoptimized -> \d+", stdout);
    }

    [Theory]
    [InlineData(new[] { "ir", "mlp:40,x,10" }, "error: bad width 'x' in model 'mlp:40,x,10': widths are whole numbers >= 1")]
    [InlineData(new[] { "ir", "mlp:40" }, "error: model 'mlp:40' needs at least an input and an output width, e.g. mlp:40,10")]
    [InlineData(new[] { "ir", "mlp:40,10", "--grad" }, "error: --grad is for formulas: the training step of a model already holds its gradients")]
    public void BadSpecsAreOneClearLine(string[] args, string message)
    {
        var (code, stdout, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(err.Split('\n', System.StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(message, line);
    }
}
