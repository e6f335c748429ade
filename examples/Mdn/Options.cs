using System.IO;
using Nabla.Examples;

namespace Mdn;

/// <summary>The example's command line, parsed and checked (every value is valid once <see cref="Parse"/> returns).</summary>
public sealed class Options
{
    /// <summary>Mixture components K of the mixture density network (default 3).</summary>
    public int Components { get; private set; } = 3;
    /// <summary>Width of each of the two tanh hidden layers, the same in both networks (default 32).</summary>
    public int Hidden { get; private set; } = 32;
    /// <summary>Training epochs over the training set, for each network (default 200).</summary>
    public int Epochs { get; private set; } = 200;
    /// <summary>The mini-batch size (default 100).</summary>
    public int Batch { get; private set; } = 100;
    /// <summary>Adam's learning rate (default 0.003), for both networks.</summary>
    public double LearningRate { get; private set; } = 0.003;
    /// <summary>Training examples (default 4000).</summary>
    public int Train { get; private set; } = 4000;
    /// <summary>Validation examples, generated apart from the training and test samples, watched during training (default 1000).</summary>
    public int Validation { get; private set; } = 1000;
    /// <summary>Held-out test examples (default 2000), used once, for the final figures.</summary>
    public int Test { get; private set; } = 2000;
    /// <summary>Standard deviation of the Gaussian noise on the measured hand position (default 0.005).</summary>
    public double Noise { get; private set; } = 0.005;
    /// <summary>
    /// How the mixture network's output biases start: <c>random</c> (default: the default initialization of every
    /// layer) or <c>kmeans</c> (the k-means mixture of the training targets, as Netlab's mdninit). On validation NLL over
    /// seeds 1–10 the default initialization did as well or better (docs/examples/mdn.md).
    /// </summary>
    public string MdnInit { get; private set; } = "random";
    /// <summary>The seed of the data, the initialization and the shuffling.</summary>
    public long Seed { get; private set; } = 1;
    /// <summary>The run-time compiler backend: roslyn or expressions.</summary>
    public string Backend { get; private set; } = "expressions";
    /// <summary>Where the SVG goes.</summary>
    public string Svg { get; private set; } = Path.Combine("out", "mdn.svg");
    /// <summary>Whether to print the usage and stop.</summary>
    public bool Help { get; private set; }

    /// <summary>The usage text.</summary>
    public const string Usage =
        "usage: dotnet run -c Release --project examples/Mdn [options]\n" +
        "  --components K   mixture components (default 3)\n" +
        "  --hidden N       width of the two tanh hidden layers of both networks (default 32)\n" +
        "  --epochs N       training epochs of each network (default 200)\n" +
        "  --batch N        mini-batch size (default 100)\n" +
        "  --lr X           Adam learning rate (default 0.003)\n" +
        "  --train N        training examples (default 4000)\n" +
        "  --validation N   validation examples, watched during training (default 1000)\n" +
        "  --test N         held-out test examples, used once at the end (default 2000)\n" +
        "  --noise X        standard deviation of the noise on the measured hand position (default 0.005)\n" +
        "  --mdn-init WAY   random (default) or kmeans (output biases at the k-means mixture of the targets)\n" +
        "  --seed N         data, initialization and shuffling seed (default 1)\n" +
        "  --backend NAME   expressions (default) or roslyn\n" +
        "  --svg FILE       the figure (default out/mdn.svg)";

    /// <summary>Parses <paramref name="args"/>; a bad option or value is a <see cref="UsageException"/> naming it.</summary>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        var a = new OptionReader(args);
        while (a.Next())
            switch (a.Name)
            {
                case "--components": o.Components = a.Int(1, 20); break;
                case "--hidden": o.Hidden = a.Int(1, 4096); break;
                case "--epochs": o.Epochs = a.Int(1, 100_000); break;
                case "--batch": o.Batch = a.Int(1, 100_000); break;
                case "--lr": o.LearningRate = a.Positive(); break;
                case "--train": o.Train = a.Int(10, 10_000_000); break;
                case "--validation": o.Validation = a.Int(10, 10_000_000); break;
                case "--test": o.Test = a.Int(10, 10_000_000); break;
                case "--noise": o.Noise = a.Double(0, 0.1); break;
                case "--mdn-init": o.MdnInit = a.Choice("random", "kmeans"); break;
                case "--seed": o.Seed = a.Long(); break;
                case "--backend": o.Backend = a.Choice("expressions", "roslyn"); break;
                case "--svg": o.Svg = a.String(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw a.Unknown();
            }
        return o;
    }
}
