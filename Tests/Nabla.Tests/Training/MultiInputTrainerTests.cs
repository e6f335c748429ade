using System;
using System.Linq;
using Nabla.Data;
using Nabla.Training;
using Xunit;

namespace Nabla.Tests.Training;

/// <summary>
/// Trainer.Fit on a model with two inputs and no target (a siamese encoder trained by in-batch InfoNCE): the dataset is
/// the two views zipped side by side (<see cref="Dataset.Zip"/>), each batch is split into the two inputs, and the
/// epochs lower the loss. Fit's result equals the same steps taken by hand with the split arrays.
/// </summary>
[Collection("Jit")]
public class MultiInputTrainerTests
{
    private const int In = 5, N = 48, Batch = 12, Epochs = 12;

    private static Model Siamese() =>
        Model.Build(new Siamese(new Sequential(new Dense(In, 8), new Tanh(), new Dense(8, 4))),
            new[] { InputSpec.Batched("x1", In), InputSpec.Batched("x2", In) }, new[] { "q", "k" }, seed: 3);

    private static TrainingSetup Setup() => new(new[] { LossTerm.Between("q", "k", Loss.InfoNceInBatch(0.5)) }, Optimizer.Sgd(0.5));

    private static (Dataset A, Dataset B) Views()
    {
        var rng = new Rng(9);
        var a = new float[N * In];
        var b = new float[N * In];
        for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.Uniform(-1, 1); b[i] = a[i] + (float)rng.Uniform(-0.2, 0.2); }
        return (new Dataset(a, new[] { In }), new Dataset(b, new[] { In }));
    }

    [Fact]
    public void Fit_trains_a_two_view_model_from_a_zipped_dataset_as_the_same_steps_by_hand()
    {
        var (a, b) = Views();
        var zipped = Dataset.Zip(a, b);
        Assert.Equal(new[] { 2 * In }, zipped.ExampleShape);
        Assert.Equal(a.Features.Skip(In).Take(In), zipped.Features.Skip(2 * In).Take(In)); // example 1 starts with view 0's example 1

        var net = Siamese().Compile(Setup(), Backend.Expressions);
        var history = net.Fit(zipped, new TrainingOptions { Epochs = Epochs, BatchSize = Batch, EvaluationBatchSize = Batch, Shuffle = false, LearningRate = LearningRate.Constant(0.5) }, validation: zipped);
        Assert.Equal(Epochs * N / Batch, net.Step);
        Assert.Null(history.Last!.TrainAccuracy);
        // The in-batch loss depends on the batch (its negatives), so validation uses the training batch size.
        Assert.True(history.Last.TrainLoss < 0.9 * history.Epochs[0].TrainLoss, $"loss {history.Epochs[0].TrainLoss} → {history.Last.TrainLoss}");
        Assert.True(history.Last.ValidationLoss < history.Epochs[0].ValidationLoss, $"validation loss {history.Epochs[0].ValidationLoss} → {history.Last.ValidationLoss}");

        // The same steps by hand: batch k holds rows k·12 … k·12+11 of each view.
        var byHand = Siamese().Compile(Setup(), Backend.Expressions);
        for (int epoch = 0; epoch < Epochs; epoch++)
            for (int k = 0; k < N / Batch; k++)
            {
                var x1 = a.Features.Skip(k * Batch * In).Take(Batch * In).ToArray();
                var x2 = b.Features.Skip(k * Batch * In).Take(Batch * In).ToArray();
                byHand.TrainStep(new[] { x1, x2 }, Array.Empty<float[]>(), Batch, 0.5);
            }
        foreach (var p in net.Signature.Parameters) Assert.Equal(byHand.ParameterValues(p.Name), net.ParameterValues(p.Name));
        Assert.Equal(history.Last.ValidationLoss!.Value, net.Evaluate(zipped, batchSize: Batch).Loss, 5);
    }

    [Fact]
    public void A_dataset_that_does_not_hold_every_input_is_an_error_naming_the_inputs()
    {
        var (a, b) = Views();
        var net = Siamese().Compile(Setup(), Backend.Expressions);
        var e = Assert.Throws<ArgumentException>(() => net.Fit(a, new TrainingOptions { Epochs = 1, LearningRate = LearningRate.Constant(0.1) }));
        Assert.Contains("x1[B,5], x2[B,5]", e.Message);
        Assert.Contains("Dataset.Zip", e.Message);
        Assert.Throws<ArgumentException>(() => Dataset.Zip(a, b.Subset(new[] { 0, 1 })));
        Assert.Throws<ArgumentException>(() => Dataset.Zip(a));
    }
}
