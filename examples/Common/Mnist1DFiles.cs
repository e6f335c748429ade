using System;
using System.IO;
using Nabla.Data;

namespace Nabla.Examples;

/// <summary>The MNIST-1D training and test sets (4000 and 1000 signals of 40 values, digits 0–9), as the examples load them.</summary>
public static class Mnist1DFiles
{
    /// <summary>The folder beside the program where the build copies train.csv and test.csv.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>
    /// Loads <c>train.csv</c> and <c>test.csv</c> from <paramref name="folder"/>: a missing folder or file, or test
    /// signals of another length than the training signals, is a <see cref="UsageException"/> (or the loader's
    /// <see cref="DataException"/> naming the file and line; the loader also refuses a FIFO or a device as a file, and
    /// a line longer than <see cref="Csv.MaxLineLength"/>).
    /// </summary>
    public static (Dataset Train, Dataset Test) Load(string folder, string option = "--data")
    {
        if (!Directory.Exists(folder)) throw new UsageException($"{option}: folder '{folder}' not found (it should hold train.csv and test.csv).");
        string trainPath = Path.Combine(folder, "train.csv"), testPath = Path.Combine(folder, "test.csv");
        foreach (var f in new[] { trainPath, testPath })
            if (!File.Exists(f)) throw new UsageException($"{option}: '{f}' not found.");
        var train = Csv.LoadClassification(trainPath, classes: 10);
        var test = Csv.LoadClassification(testPath, classes: 10);
        if (test.ExampleSize != train.ExampleSize)
            throw new UsageException($"{testPath}: examples have {test.ExampleSize} values but train.csv's have {train.ExampleSize}.");
        return (train, test);
    }
}
