using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using Nabla;
using Nabla.Data;

namespace GeneratedModel;

/// <summary>
/// Trains the build-time compiled MNIST-1D MLP (<see cref="Mnist1dMlp"/>) with mini-batches of 100 and prints
/// <c>train_accuracy=…</c> and <c>test_accuracy=…</c>. Nothing is compiled at run time, so the same code runs as a
/// NativeAOT binary. Options: <c>--data DIR</c> (train.csv and test.csv; default examples/Mnist1D/data found from the
/// current or the program's folder), <c>--steps N</c> (default 6000, the notebook's), <c>--seed N</c> (batch order),
/// <c>--model mlp|softplus</c> (default mlp; softplus trains <see cref="Mnist1dSoftplusMlp"/>, the same MLP with a custom op).
/// </summary>
public static class Program
{
    private const int BatchSize = 100;

    /// <summary>Entry point; returns 0, or 2 after one line on stderr for bad options or data.</summary>
    public static int Main(string[] args)
    {
        try { return Run(args); }
        catch (Exception e) when (e is ArgumentException or DataException or IOException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
    }

    private static int Run(string[] args)
    {
        string? data = null;
        int steps = 6000;
        long seed = 0;
        string model = "mlp";
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {args[i]} needs a value");
            switch (args[i])
            {
                case "--data": data = Value(); break;
                case "--steps": steps = PositiveInt(Value(), "--steps"); break;
                case "--seed": seed = PositiveInt(Value(), "--seed"); break;
                case "--model":
                    model = Value();
                    if (model is not ("mlp" or "softplus")) throw new ArgumentException($"--model is mlp or softplus, not '{model}'");
                    break;
                case "-h" or "--help":
                    Console.WriteLine("usage: GeneratedModel [--data DIR] [--steps N] [--seed N] [--model mlp|softplus]");
                    return 0;
                default: throw new ArgumentException($"unknown option '{args[i]}' (use --data DIR, --steps N, --seed N, --model mlp|softplus)");
            }
        }
        data ??= FindData() ?? throw new ArgumentException("cannot find examples/Mnist1D/data from here; pass --data DIR");

        var train = Csv.LoadClassification(Path.Combine(data, "train.csv"), classes: 10);
        var test = Csv.LoadClassification(Path.Combine(data, "test.csv"), classes: 10);
        var network = model == "softplus" ? Mnist1dSoftplusMlp.CreateNetwork() : Mnist1dMlp.CreateNetwork();
        Console.WriteLine($"model: {network.Model.ParameterCount} parameters{(model == "softplus" ? " (softplus activations: the custom op stable_softplus)" : "")}, compiled at build time; " +
            // PublishAot in the project turns dynamic code off on the JIT too, so `dotnet run` behaves as the native binary.
            $"run-time code generation {(RuntimeFeature.IsDynamicCodeSupported ? "available" : "off")}; " +
            $"Vector256 {(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "accelerated" : "NOT accelerated (publish with -p:IlcInstructionSet=native)")}");
        Console.WriteLine($"data: {train.Count} training and {test.Count} test examples from {data}");

        var loader = new BatchLoader(train, BatchSize, shuffle: true, seed: seed);
        int epoch = 0;
        loader.Reset(epoch);
        var clock = Stopwatch.StartNew();
        float loss = 0;
        for (int step = 1; step <= steps; step++)
        {
            if (!loader.Next(out var batch)) { loader.Reset(++epoch); loader.Next(out batch); }
            loss = network.TrainStep(batch.X, batch.T, batch.Count);   // at the optimizer's rate, Adam(Mnist1dMlp.LearningRate)
            if (step % 1000 == 0 || step == steps)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step}: batch loss {loss:F4}"));
        }
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {steps} steps in {seconds:F2} s ({seconds / Math.Max(steps, 1) * 1e6:F1} µs per step)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train_accuracy={Accuracy(network, train):F4}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test_accuracy={Accuracy(network, test):F4}"));
        return 0;
    }

    /// <summary>The fraction of examples whose largest logit is the label.</summary>
    private static double Accuracy(Network network, Dataset data)
    {
        var logits = network.Predict(data.Features, data.Count);
        var labels = data.Labels!;
        int classes = network.OutputWidth(), correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
            if (best == labels[i]) correct++;
        }
        return (double)correct / data.Count;
    }

    private static int PositiveInt(string s, string option) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
            : throw new ArgumentException($"{option} needs a positive integer, not '{s}'");

    /// <summary>examples/Mnist1D/data above the current folder or the program's folder.</summary>
    private static string? FindData()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "examples", "Mnist1D", "data");
                if (File.Exists(Path.Combine(candidate, "train.csv"))) return candidate;
            }
        return null;
    }
}
