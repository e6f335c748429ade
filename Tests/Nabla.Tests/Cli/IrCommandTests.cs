using System.IO;
using Nabla.Cli;
using Xunit;

namespace Nabla.Tests.Cli;

public class IrCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = CommandLine.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void TheLectureExampleAndItsGradientFuseIntoOneLoopWithOneProductAndOneExp()
    {
        var dot = Path.Combine(Path.GetTempPath(), $"nabla-ir-{System.Guid.NewGuid():N}.dot");
        var (code, stdout, _) = Run("ir", "exp(x*y) + exp(x*y)*sin(x*y)", "--grad", "--dot", dot);
        Assert.Equal(0, code);
        var graph = stdout.Substring(0, stdout.IndexOf("passes:"));
        Assert.Single(graph.Split('\n'), l => l.Contains("= mul(%0, %1)") || l.Contains("= mul(%1, %0)"));
        Assert.Single(graph.Split('\n'), l => l.Contains("= exp("));
        Assert.Contains("-> 1 (1 loop)", stdout);
        var drawing = File.ReadAllText(dot);
        File.Delete(dot);
        Assert.StartsWith("digraph nabla {", drawing);
        Assert.Contains("subgraph cluster_k0", drawing);
    }

    [Fact]
    public void PassTableListsEveryPassAndStabilizationShows()
    {
        var (code, stdout, _) = Run("ir", "log(1 + exp(x))");
        Assert.Equal(0, code);
        foreach (var pass in Nabla.Rewrites.Pipeline.Standard) Assert.Contains(pass.Name, stdout);
        Assert.Contains("softplus", stdout);
    }

    [Theory]
    [InlineData(new[] { "ir" }, "missing the expression")]
    [InlineData(new[] { "ir", "x +", "--grad" }, "column")]
    [InlineData(new[] { "ir", "x", "--batch", "0" }, "--batch")]
    [InlineData(new[] { "ir", "x", "--frobnicate" }, "unknown option")]
    public void BadInputIsOneLineAndExitCodeTwo(string[] args, string expected)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(expected, stderr);
    }
}
