using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla.Examples;

namespace Transfer;

/// <summary>The example's command line, parsed and checked (every value is valid once <see cref="Parse"/> returns).</summary>
public sealed class Options
{
    /// <summary>Labelled training signals per class of digits 5–9 for fine-tuning and for training from scratch (default 50).</summary>
    public int Shots { get; private set; } = 50;
    /// <summary>Channels of each convolution (default 25, the paper's CNN).</summary>
    public int Channels { get; private set; } = 25;
    /// <summary>How many of the CNN's three convolutions are pre-trained and frozen; the rest and the Linear layer form the new head (default 2).</summary>
    public int FrozenConvs { get; private set; } = 2;
    /// <summary>Epochs of pre-training on the training signals of digits 0–4 (default 40).</summary>
    public int PretrainEpochs { get; private set; } = 40;
    /// <summary>Training steps of fine-tuning the new head (default 300).</summary>
    public int FinetuneSteps { get; private set; } = 300;
    /// <summary>Training steps of the network trained from scratch on the same few labels (default: as many as fine-tuning).</summary>
    public int? ScratchSteps { get; private set; }
    /// <summary>The mini-batch size of every phase and of the step-time measurement (default 50; at most the few-shot set's size, checked once the data is read).</summary>
    public int Batch { get; private set; } = 50;
    /// <summary>Adam's learning rate in every phase (default 0.01).</summary>
    public double LearningRate { get; private set; } = 0.01;
    /// <summary>The seed of initialization, shuffling and the choice of the few labelled signals.</summary>
    public long Seed { get; private set; } = 1;
    /// <summary>The numbers of shots of the figure's curve (default 5, 10, 20, 50, 100).</summary>
    public int[] CurveShots { get; private set; } = { 5, 10, 20, 50, 100 };
    /// <summary>Training steps timed for each network (the median is printed; default 300).</summary>
    public int TimingSteps { get; private set; } = 300;
    /// <summary>The run-time compiler backend: roslyn or expressions.</summary>
    public string Backend { get; private set; } = "expressions";
    /// <summary>The folder with train.csv and test.csv (default: the data linked beside the program).</summary>
    public string Data { get; private set; } = Mnist1DFiles.DefaultFolder;
    /// <summary>Where the SVG goes.</summary>
    public string Svg { get; private set; } = Path.Combine("out", "transfer.svg");
    /// <summary>Whether to print the usage and stop.</summary>
    public bool Help { get; private set; }

    /// <summary>The step budget of the network trained from scratch.</summary>
    public int ScratchStepCount => ScratchSteps ?? FinetuneSteps;

    /// <summary>The most shots per class the training set allows for every digit 5–9 (each has about 400).</summary>
    public const int MaxShots = 350;

    /// <summary>The usage text.</summary>
    public const string Usage =
        "usage: dotnet run -c Release --project examples/Transfer [options]\n" +
        "  --shots N            labelled training signals per digit 5-9 (default 50, at most 350)\n" +
        "  --channels N         channels of each convolution (default 25)\n" +
        "  --frozen-convs N     convolutions pre-trained and frozen, 1-3; the rest join the new head (default 2)\n" +
        "  --pretrain-epochs N  epochs of pre-training on digits 0-4 (default 40)\n" +
        "  --finetune-steps N   steps of fine-tuning the new head (default 300)\n" +
        "  --scratch-steps N    steps of training from scratch (default: --finetune-steps)\n" +
        "  --batch N            mini-batch size of every phase and of the timing (default 50; at most 5 x --shots)\n" +
        "  --lr X               Adam learning rate of every phase (default 0.01)\n" +
        "  --seed N             initialization, shuffling and label-choice seed (default 1)\n" +
        "  --curve-shots LIST   shots per class for the figure, comma-separated (default 5,10,20,50,100)\n" +
        "  --timing-steps N     training steps timed per network (default 300)\n" +
        "  --backend NAME       expressions (default) or roslyn\n" +
        "  --data DIR           folder with train.csv and test.csv (default: the MNIST-1D files beside the program)\n" +
        "  --svg FILE           the figure (default out/transfer.svg)";

    /// <summary>Parses <paramref name="args"/>; a bad option or value is a <see cref="UsageException"/> naming it.</summary>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        var a = new OptionReader(args);
        while (a.Next())
            switch (a.Name)
            {
                case "--shots": o.Shots = a.Int(1, MaxShots); break;
                case "--channels": o.Channels = a.Int(1, 1024); break;
                case "--frozen-convs": o.FrozenConvs = a.Int(1, 3); break;
                case "--pretrain-epochs": o.PretrainEpochs = a.Int(1, 100_000); break;
                case "--finetune-steps": o.FinetuneSteps = a.Int(1, 10_000_000); break;
                case "--scratch-steps": o.ScratchSteps = a.Int(1, 10_000_000); break;
                case "--batch": o.Batch = a.Int(1, 100_000); break;
                case "--lr": o.LearningRate = a.Positive(); break;
                case "--seed": o.Seed = a.Long(); break;
                case "--curve-shots": o.CurveShots = ShotList(a.Name, a.String()); break;
                case "--timing-steps": o.TimingSteps = a.Int(1, 1_000_000); break;
                case "--backend": o.Backend = a.Choice("expressions", "roslyn"); break;
                case "--data": o.Data = a.String(); break;
                case "--svg": o.Svg = a.String(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw a.Unknown();
            }
        return o;
    }

    private static int[] ShotList(string option, string value)
    {
        var parts = value.Split(',');
        var shots = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out shots[i]))
                throw new UsageException($"{option}: '{parts[i]}' is not an integer (expected a list such as 5,10,20).");
            if (shots[i] < 1 || shots[i] > MaxShots) throw new UsageException($"{option}: every entry must be in 1..{MaxShots}, got {shots[i]}.");
        }
        return shots.Distinct().OrderBy(s => s).ToArray();
    }
}
