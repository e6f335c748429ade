using System.IO;
using Nabla.Examples;

namespace Contrastive;

/// <summary>The example's command line, parsed and checked (every value is valid once <see cref="Parse"/> returns).</summary>
public sealed class Options
{
    /// <summary>The encoder: <c>cnn</c> (the MNIST-1D paper's three Conv1d layers, a Linear to the embedding) or <c>mlp</c>.</summary>
    public string Encoder { get; private set; } = "cnn";
    /// <summary>The width of the embedding the encoder returns (default 32).</summary>
    public int Embedding { get; private set; } = 32;
    /// <summary>The channels of the CNN's convolutions, or the width of the MLP's two hidden layers (default 32).</summary>
    public int Hidden { get; private set; } = 32;
    /// <summary>InfoNCE's temperature τ (default 0.1).</summary>
    public double Tau { get; private set; } = 0.1;
    /// <summary>Contrastive pre-training epochs over the training signals not held out for validation (default 60).</summary>
    public int Epochs { get; private set; } = 60;
    /// <summary>The contrastive batch: each view's positive is the other view of its signal, the batch's other batch − 1 keys are its negatives (default 200).</summary>
    public int Batch { get; private set; } = 200;
    /// <summary>Adam's learning rate for the contrastive pre-training (default 0.003).</summary>
    public double LearningRate { get; private set; } = 0.003;
    /// <summary>The largest random shift of a view, in positions (default 4).</summary>
    public int Shift { get; private set; } = 4;
    /// <summary>The standard deviation of the Gaussian noise added to a view (default 0.1).</summary>
    public double Noise { get; private set; } = 0.1;
    /// <summary>A view is multiplied by a factor drawn uniformly from [1 − scale, 1 + scale] (default 0.2).</summary>
    public double Scale { get; private set; } = 0.2;
    /// <summary>
    /// Training signals held out (by a split seeded with <see cref="Seed"/>) as the validation set the k-NN monitor
    /// watches during pre-training (default 500); pre-training, the k-NN reference set and the probes use the rest.
    /// </summary>
    public int Validation { get; private set; } = 500;
    /// <summary>Epochs of the linear probe (default 40).</summary>
    public int ProbeEpochs { get; private set; } = 40;
    /// <summary>Adam's learning rate for the linear probe (default 0.01).</summary>
    public double ProbeLearningRate { get; private set; } = 0.01;
    /// <summary>The seed of initialization, shuffling and augmentation.</summary>
    public long Seed { get; private set; } = 1;
    /// <summary>The run-time compiler backend: roslyn or expressions.</summary>
    public string Backend { get; private set; } = "expressions";
    /// <summary>The folder with train.csv and test.csv (default: the data linked beside the program).</summary>
    public string Data { get; private set; } = Mnist1DFiles.DefaultFolder;
    /// <summary>Where the SVG goes.</summary>
    public string Svg { get; private set; } = Path.Combine("out", "contrastive.svg");
    /// <summary>Whether to print the usage and stop.</summary>
    public bool Help { get; private set; }

    /// <summary>The usage text.</summary>
    public const string Usage =
        "usage: dotnet run -c Release --project examples/Contrastive [options]\n" +
        "  --encoder NAME     cnn (default: 3 Conv1d + Linear) or mlp (2 hidden layers)\n" +
        "  --embedding N      embedding width (default 32)\n" +
        "  --hidden N         CNN channels or MLP hidden width (default 32)\n" +
        "  --tau X            InfoNCE temperature (default 0.1)\n" +
        "  --epochs N         contrastive pre-training epochs (default 60)\n" +
        "  --batch N          contrastive batch size, the in-batch negatives (default 200, at least 2)\n" +
        "  --lr X             Adam learning rate of the pre-training (default 0.003)\n" +
        "  --shift N          largest random shift of a view in positions (default 4)\n" +
        "  --noise X          Gaussian noise std of a view (default 0.1)\n" +
        "  --scale X          random amplitude factor in [1-X, 1+X] (default 0.2, below 1)\n" +
        "  --validation N     training signals held out to monitor pre-training with 10-NN (default 500);\n" +
        "                     pre-training and the probes use the rest, the test set only the final accuracies\n" +
        "  --probe-epochs N   linear-probe epochs (default 40)\n" +
        "  --probe-lr X       Adam learning rate of the linear probe (default 0.01)\n" +
        "  --seed N           initialization, shuffling and augmentation seed (default 1)\n" +
        "  --backend NAME     expressions (default) or roslyn\n" +
        "  --data DIR         folder with train.csv and test.csv (default: the MNIST-1D files beside the program)\n" +
        "  --svg FILE         the figure (default out/contrastive.svg)";

    /// <summary>Parses <paramref name="args"/>; a bad option or value is a <see cref="UsageException"/> naming it.</summary>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        var a = new OptionReader(args);
        while (a.Next())
            switch (a.Name)
            {
                case "--encoder": o.Encoder = a.Choice("cnn", "mlp"); break;
                case "--embedding": o.Embedding = a.Int(1, 4096); break;
                case "--hidden": o.Hidden = a.Int(1, 4096); break;
                case "--tau": o.Tau = a.Positive(); break;
                case "--epochs": o.Epochs = a.Int(1, 100_000); break;
                case "--batch": o.Batch = a.Int(2, 4000); break;
                case "--lr": o.LearningRate = a.Positive(); break;
                case "--shift": o.Shift = a.Int(0, 20); break;
                case "--noise": o.Noise = a.Double(0, 10); break;
                case "--scale": o.Scale = a.Double(0, 0.99); break;
                case "--validation": o.Validation = a.Int(1, 100_000); break;
                case "--probe-epochs": o.ProbeEpochs = a.Int(1, 100_000); break;
                case "--probe-lr": o.ProbeLearningRate = a.Positive(); break;
                case "--seed": o.Seed = a.Long(); break;
                case "--backend": o.Backend = a.Choice("expressions", "roslyn"); break;
                case "--data": o.Data = a.String(); break;
                case "--svg": o.Svg = a.String(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw a.Unknown();
            }
        return o;
    }
}
