using System.IO;
using Nabla.Ir;
using Nabla.Testing;
using Nabla.Tests.Backends.CSharp;
using Xunit;

namespace Nabla.Tests.Testing;

/// <summary>
/// The README's "Checking gradients" section, line for line: its calls run here (seed 7), and every report it shows is
/// the one these calls print, found verbatim in README.md.
/// </summary>
public class ReadmeGradCheckTests
{
    private static readonly GradCheckOptions Seven = new() { Seed = 7 };

    private static string Readme() => File.ReadAllText(Path.Combine(SampleTests.RepoRoot(), "README.md")).Replace("\r\n", "\n");

    [Fact]
    public void The_README_shows_the_reports_its_examples_print()
    {
        // The README's examples.
        var softplus = Op.Define("stable_softplus", x => F.Relu(x) + F.Log1p(F.Exp(-F.Abs(x))),
            vjp: (y, g) => new[] { g * F.Sigmoid(y.A) },
            jvp: (y, t) => t[0]! * F.Sigmoid(y.A));
        var passed = GradCheck.Op(softplus, Seven);
        var forgot = Op.Define("softplus_forgot_sigma", x => F.Relu(x) + F.Log1p(F.Exp(-F.Abs(x))),
            vjp: (y, g) => new[] { g },
            jvp: (y, t) => t[0]!);
        var missing = GradCheck.Op(forgot, Seven);
        var ste = Op.Define("ste_step", F.Step, vjp: (y, g) => new[] { g });
        var straight = GradCheck.Op(ste, Seven, null, Shape.Of(Shape.Batch, 3));

        Assert.True(passed.Passed);
        Assert.False(missing.Passed);
        Assert.Equal(GradCheckKind.FiniteDifferences, missing.Failure!.Check);
        Assert.False(straight.Passed);
        var readme = Readme();
        foreach (var report in new[] { passed, missing, straight })
            Assert.True(readme.Contains(report.ToString().Replace("\r\n", "\n")), $"README.md does not show this report:\n{report}");
    }
}
