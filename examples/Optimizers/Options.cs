using System.IO;
using Nabla.Examples;

namespace Optimizers;

/// <summary>The example's command line, parsed and checked (every value is valid once <see cref="Parse"/> returns).</summary>
public sealed class Options
{
    /// <summary>The test function: <c>rosenbrock</c> (default) or <c>beale</c>.</summary>
    public string Function { get; private set; } = "rosenbrock";
    /// <summary>The step cap per run (default 20000).</summary>
    public int MaxSteps { get; private set; } = 20000;
    /// <summary>A run has converged when the distance of (x, y) to the minimum is below this (default 1e-3).</summary>
    public double Tolerance { get; private set; } = 1e-3;
    /// <summary>Fixed learning rates by optimizer key (gd, momentum, adagrad, rmsprop, adam); NaN: chosen on the grid.</summary>
    public double[] LearningRates { get; } = { double.NaN, double.NaN, double.NaN, double.NaN, double.NaN };
    /// <summary>The run-time compiler backend: expressions (default) or roslyn.</summary>
    public string Backend { get; private set; } = "expressions";
    /// <summary>Where the SVG goes.</summary>
    public string? Svg { get; private set; }
    /// <summary>Whether to print the usage and stop.</summary>
    public bool Help { get; private set; }

    /// <summary>The SVG path: <see cref="Svg"/> or <c>out/optimizers-{function}.svg</c>.</summary>
    public string SvgPath => Svg ?? Path.Combine("out", $"optimizers-{Function}.svg");

    /// <summary>The usage text.</summary>
    public const string Usage =
        "usage: dotnet run -c Release --project examples/Optimizers [options]\n" +
        "  --function NAME   rosenbrock (default; start (-1.2, 1)) or beale (start (1, 1.5))\n" +
        "  --max-steps N     step cap of each run (default 20000)\n" +
        "  --tolerance X     converged when the distance to the minimum is below X (default 1e-3)\n" +
        "  --lr-gd X, --lr-momentum X, --lr-adagrad X, --lr-rmsprop X, --lr-adam X\n" +
        "                    fix that optimizer's learning rate (default: the best of the grid 1e-4, 2e-4, 5e-4, ..., 5)\n" +
        "  --backend NAME    expressions (default) or roslyn\n" +
        "  --svg FILE        the figure (default out/optimizers-FUNCTION.svg)\n" +
        "output: the last lines are steps_gd= ... steps_adam=, the steps each optimizer took to reach the tolerance;\n" +
        "  an optimizer that never reached it within --max-steps prints the cap and is listed on the line before,\n" +
        "  not_reached=KEY,KEY (empty when all reached it; a run that reaches it at exactly the cap is not listed)";

    /// <summary>Parses <paramref name="args"/>; a bad option or value is a <see cref="UsageException"/> naming it.</summary>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        var a = new OptionReader(args);
        while (a.Next())
            switch (a.Name)
            {
                case "--function": o.Function = a.Choice("rosenbrock", "beale"); break;
                case "--max-steps": o.MaxSteps = a.Int(1, 10_000_000); break;
                case "--tolerance": o.Tolerance = a.Positive(); break;
                case "--lr-gd": o.LearningRates[0] = a.Positive(); break;
                case "--lr-momentum": o.LearningRates[1] = a.Positive(); break;
                case "--lr-adagrad": o.LearningRates[2] = a.Positive(); break;
                case "--lr-rmsprop": o.LearningRates[3] = a.Positive(); break;
                case "--lr-adam": o.LearningRates[4] = a.Positive(); break;
                case "--backend": o.Backend = a.Choice("expressions", "roslyn"); break;
                case "--svg": o.Svg = a.String(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw a.Unknown();
            }
        return o;
    }
}
