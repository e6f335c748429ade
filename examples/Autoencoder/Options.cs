using System;
using System.IO;
using Nabla.Examples;

namespace Autoencoder;

/// <summary>The example's command line, parsed and checked (every value is valid once <see cref="Parse"/> returns).</summary>
public sealed class Options
{
    /// <summary>The width of the code between encoder and decoder (default 10).</summary>
    public int Bottleneck { get; private set; } = 10;
    /// <summary>The width of the hidden layer on each side of the bottleneck (default 100).</summary>
    public int Hidden { get; private set; } = 100;
    /// <summary>Training epochs over the 4000 training signals (default 100).</summary>
    public int Epochs { get; private set; } = 100;
    /// <summary>The mini-batch size (default 100).</summary>
    public int Batch { get; private set; } = 100;
    /// <summary>Adam's learning rate (default 0.003).</summary>
    public double LearningRate { get; private set; } = 0.003;
    /// <summary>The seed of initialization and shuffling.</summary>
    public long Seed { get; private set; } = 1;
    /// <summary>How many test signals the figure shows (default 4).</summary>
    public int Examples { get; private set; } = 4;
    /// <summary>The run-time compiler backend: roslyn or expressions.</summary>
    public string Backend { get; private set; } = "expressions";
    /// <summary>The folder with train.csv and test.csv (default: the data linked beside the program).</summary>
    public string Data { get; private set; } = Mnist1DFiles.DefaultFolder;
    /// <summary>Where the SVG goes.</summary>
    public string Svg { get; private set; } = Path.Combine("out", "autoencoder.svg");
    /// <summary>Whether to print the usage and stop.</summary>
    public bool Help { get; private set; }

    /// <summary>The usage text.</summary>
    public const string Usage =
        "usage: dotnet run -c Release --project examples/Autoencoder [options]\n" +
        "  --bottleneck N   code width (default 10)\n" +
        "  --hidden N       hidden width on each side (default 100)\n" +
        "  --epochs N       training epochs (default 100)\n" +
        "  --batch N        mini-batch size (default 100)\n" +
        "  --lr X           Adam learning rate (default 0.003)\n" +
        "  --seed N         initialization and shuffling seed (default 1)\n" +
        "  --examples N     test signals in the figure (default 4, at most 8)\n" +
        "  --backend NAME   expressions (default) or roslyn\n" +
        "  --data DIR       folder with train.csv and test.csv (default: the MNIST-1D files beside the program)\n" +
        "  --svg FILE       the figure (default out/autoencoder.svg)";

    /// <summary>Parses <paramref name="args"/>; a bad option or value is a <see cref="UsageException"/> naming it.</summary>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        var a = new OptionReader(args);
        while (a.Next())
            switch (a.Name)
            {
                case "--bottleneck": o.Bottleneck = a.Int(); break;
                case "--hidden": o.Hidden = a.Int(); break;
                case "--epochs": o.Epochs = a.Int(); break;
                case "--batch": o.Batch = a.Int(); break;
                case "--examples": o.Examples = a.Int(1, 8); break;
                case "--seed": o.Seed = a.Long(); break;
                case "--lr": o.LearningRate = a.Positive(); break;
                case "--backend": o.Backend = a.Choice("expressions", "roslyn"); break;
                case "--data": o.Data = a.String(); break;
                case "--svg": o.Svg = a.String(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw a.Unknown();
            }
        return o;
    }
}
