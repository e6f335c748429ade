using System;
using System.Globalization;
using System.IO;

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
    public string Data { get; private set; } = Path.Combine(AppContext.BaseDirectory, "data");
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
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{name} needs a value.");
            int Positive(int max = int.MaxValue)
            {
                string v = Value();
                if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)) throw new UsageException($"{name}: '{v}' is not an integer.");
                if (n <= 0 || n > max) throw new UsageException($"{name}: must be in 1..{max}, got {n}.");
                return n;
            }
            switch (name)
            {
                case "--bottleneck": o.Bottleneck = Positive(); break;
                case "--hidden": o.Hidden = Positive(); break;
                case "--epochs": o.Epochs = Positive(); break;
                case "--batch": o.Batch = Positive(); break;
                case "--examples": o.Examples = Positive(8); break;
                case "--seed":
                    {
                        string v = Value();
                        o.Seed = long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) ? s : throw new UsageException($"--seed: '{v}' is not an integer.");
                        break;
                    }
                case "--lr":
                    {
                        string v = Value();
                        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double lr) || !double.IsFinite(lr))
                            throw new UsageException($"--lr: '{v}' is not a finite number.");
                        o.LearningRate = lr > 0 ? lr : throw new UsageException($"--lr: the learning rate must be positive, got {v}.");
                        break;
                    }
                case "--backend":
                    {
                        string v = Value().Trim().ToLowerInvariant();
                        o.Backend = v is "roslyn" or "expressions" ? v : throw new UsageException($"--backend: unknown backend '{v}' (roslyn or expressions).");
                        break;
                    }
                case "--data": o.Data = Value(); break;
                case "--svg": o.Svg = Value(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw new UsageException($"unknown option '{name}' (--help lists them).");
            }
        }
        return o;
    }
}

/// <summary>Bad input to the example (an option or a data file): printed as one line on stderr, exit code 2.</summary>
public sealed class UsageException : Exception
{
    /// <summary>A problem described by <paramref name="message"/> (one line).</summary>
    public UsageException(string message) : base(message) { }
}
