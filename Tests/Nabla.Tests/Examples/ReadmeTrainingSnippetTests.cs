using System.IO;
using System.Linq;
using Nabla.Checkpoints;
using Nabla.Data;
using Nabla.Distributed;
using Nabla.Training;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>The README's training snippets, line for line (2 epochs instead of 150; 200 steps in one process for the data-parallel one), so the README stays true.</summary>
public class ReadmeTrainingSnippetTests
{
    [Fact]
    public void TheSnippetTrainsEvaluatesAndSaves()
    {
        string data = Mnist1DData.Find()!;
        using var dir = new TempDir();
        var train = Csv.LoadClassification(Path.Combine(data, "train.csv"), classes: 10);
        var test = Csv.LoadClassification(Path.Combine(data, "test.csv"), classes: 10);
        var norm = Normalizer.Fit(train);
        (train, test) = (norm.Apply(train), norm.Apply(test));

        var model = Model.Build(Networks.Mnist1dResidualMlp(), 40, seed: 1, init: InitScheme.PyTorch);
        Assert.Equal(15210, model.ParameterCount);
        var network = model.Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)), Backend.Expressions);
        float before = network.Evaluate(test.Features, test.OneHot(), test.Count);

        var loader = new BatchLoader(train, batchSize: 100, shuffle: true, seed: 1);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            loader.Reset(epoch);
            while (loader.Next(out var batch))
                network.TrainStep(batch.X, batch.T, batch.Count);   // at the optimizer's rate, Adam(0.01)
        }
        float testLoss = network.Evaluate(test.Features, test.OneHot(), test.Count);
        Assert.True(testLoss < before - 0.5, $"test loss {before} → {testLoss}");   // ln 10 ≈ 2.3 at the start
        string path = dir.File("mlp.safetensors");
        SafeTensors.Save(path,
            network.Signature.Parameters.Select(p => new SafeTensor(p.Name, p.Shape, network.ParameterValues(p.Name))));
        Assert.Equal(new[] { 100, 40 }, SafeTensors.Load(path)["linear1.weight"].Shape);
    }

    [Fact]
    public void TheDataParallelSnippetRunsAsOneProcessOutsideMpirun()
    {
        string data = Mnist1DData.Find()!;
        using var dir = new TempDir();
        var train = Csv.LoadClassification(Path.Combine(data, "train.csv"), classes: 10);
        var test = Csv.LoadClassification(Path.Combine(data, "test.csv"), classes: 10);
        var model = Model.Build(Networks.Mnist1dResidualMlp(), 40, seed: 1, init: InitScheme.PyTorch);

        using var comm = Communicator.FromEnvironment();      // MPI under mpirun, a single process otherwise
        var network = model.Compile(new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Adam(0.01)) { SplitStep = true });
        var history = network.Fit(train, new TrainingOptions { Steps = 200, BatchSize = 100, Communicator = comm }, test);
        if (comm.Rank == 0) network.Save(dir.File("mlp.safetensors"));  // history.AllReduceTime: time spent in the allreduce

        Assert.Same(SingleProcessCommunicator.Instance, comm);
        Assert.Null(history.AllReduceTime); // one process: the fused step, no allreduce
        Assert.True(history.Last!.ValidationAccuracy > 0.3, $"{history.Last}");
        Assert.True(File.Exists(dir.File("mlp.safetensors")));
    }
}
