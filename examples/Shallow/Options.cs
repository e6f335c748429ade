using System.IO;
using Nabla.Examples;

namespace Shallow;

/// <summary>The example's command line, parsed and checked (every value is valid once <see cref="Parse"/> returns).</summary>
public sealed class Options
{
    /// <summary>Full-batch Adam steps per fit (default 3000).</summary>
    public int Steps { get; private set; } = 3000;
    /// <summary>Adam's learning rate (default 0.01).</summary>
    public double LearningRate { get; private set; } = 0.01;
    /// <summary>The seed of the networks' initial weights (He normal weights, zero biases; default 1).</summary>
    public long Seed { get; private set; } = 1;
    /// <summary>The seed of the generated data set (default 0: the data set the notes describe).</summary>
    public long DataSeed { get; private set; }
    /// <summary>The number of training points (default 100).</summary>
    public int Points { get; private set; } = 100;
    /// <summary>The standard deviation of the Gaussian noise added to the targets (default 0.3, the notebook's σ_y).</summary>
    public double Noise { get; private set; } = 0.3;
    /// <summary>The run-time compiler backend: expressions or roslyn.</summary>
    public string Backend { get; private set; } = "expressions";
    /// <summary>Where the SVG goes.</summary>
    public string Svg { get; private set; } = Path.Combine("out", "shallow.svg");
    /// <summary>Whether to print the usage and stop.</summary>
    public bool Help { get; private set; }

    /// <summary>The usage text.</summary>
    public const string Usage =
        "usage: dotnet run -c Release --project examples/Shallow [options]\n" +
        "  --steps N        full-batch Adam steps per fit (default 3000)\n" +
        "  --lr X           Adam learning rate (default 0.01)\n" +
        "  --seed N         initialization seed (default 1)\n" +
        "  --data-seed N    seed of the generated data (default 0)\n" +
        "  --points N       training points (default 100, at most 100000)\n" +
        "  --noise X        standard deviation of the target noise (default 0.3, in [0, 10])\n" +
        "  --backend NAME   expressions (default) or roslyn\n" +
        "  --svg FILE       the figure (default out/shallow.svg)";

    /// <summary>Parses <paramref name="args"/>; a bad option or value is a <see cref="UsageException"/> naming it.</summary>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        var a = new OptionReader(args);
        while (a.Next())
            switch (a.Name)
            {
                case "--steps": o.Steps = a.Int(1, 10_000_000); break;
                case "--lr": o.LearningRate = a.Positive(); break;
                case "--seed": o.Seed = a.Long(); break;
                case "--data-seed": o.DataSeed = a.Long(); break;
                case "--points": o.Points = a.Int(2, 100_000); break;
                case "--noise": o.Noise = a.Double(0, 10); break;
                case "--backend": o.Backend = a.Choice("expressions", "roslyn"); break;
                case "--svg": o.Svg = a.String(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw a.Unknown();
            }
        return o;
    }
}
