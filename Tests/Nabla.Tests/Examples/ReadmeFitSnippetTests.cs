using System;
using System.IO;
using Nabla.Data;
using Nabla.Reporting;
using Nabla.Training;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>
/// The README's Training section, built around Fit, Evaluate, Save and Load, line for line (2 epochs instead of 150,
/// progress into a string writer instead of the console), so the README stays true.
/// </summary>
public class ReadmeFitSnippetTests
{
    [Fact]
    public void FitEvaluateSaveAndLoadAsTheReadmeShows()
    {
        string data = Mnist1DData.Find()!;
        using var dir = new TempDir();
        var progressText = new StringWriter();

        // --- README: Training ---
        var train = Csv.LoadClassification(Path.Combine(data, "train.csv"), classes: 10);
        var test = Csv.LoadClassification(Path.Combine(data, "test.csv"), classes: 10);
        var norm = Normalizer.Fit(train);
        (train, test) = (norm.Apply(train), norm.Apply(test));

        var model = Model.Build(Networks.Mnist1dResidualMlp(), 40, seed: 1, init: InitScheme.PyTorch);
        var setup = TrainingSetup.Classification(Optimizer.Adam(0.01));
        var network = model.Compile(setup);
        var history = network.Fit(train, new TrainingOptions { Epochs = 2, BatchSize = 100, Progress = ConsoleProgress.Create(progressText) }, validation: test);
        Metrics result = network.Evaluate(test);
        network.Save(dir.File("mlp.safetensors"));

        var restored = model.Compile(setup);
        restored.Load(dir.File("mlp.safetensors"));
        // --- end ---

        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal(80, network.Step);
        Assert.True(result.Accuracy > 0.3, $"test accuracy {result.Accuracy}");
        Assert.Equal(result, restored.Evaluate(test));               // the same weights, the same numbers
        Assert.Equal(network.Step, restored.Step);
        Assert.Equal(0.01, network.LearningRate.At(network.Step));   // the optimizer's rate, given once
        var lines = progressText.ToString();
        Assert.Contains(" accuracy=", lines);                        // no dropout in this MLP: no "(dropout)" label
        Assert.DoesNotContain("dropout", lines);
        Assert.Contains("optimizer adam(lr=0.01", lines);
    }
}
