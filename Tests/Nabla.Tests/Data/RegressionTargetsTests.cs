using System;
using System.Linq;
using Nabla.Data;
using Nabla.Training;
using Xunit;

namespace Nabla.Tests.Data;

/// <summary>
/// Real-valued targets (<see cref="Dataset.WithTargets"/>): checked on the way in, carried by every dataset operation
/// with their examples, batched by <see cref="BatchLoader"/> row for row, and fed by Trainer.Fit to a regression model.
/// </summary>
[Collection("Jit")]
public class RegressionTargetsTests
{
    /// <summary>n examples of 2 features (i, −i) with targets (10·i, 10·i + 1, 10·i + 2).</summary>
    private static Dataset Rows(int n) =>
        new Dataset(Enumerable.Range(0, n).SelectMany(i => new[] { (float)i, -i }).ToArray(), new[] { 2 })
            .WithTargets(Enumerable.Range(0, n).SelectMany(i => new[] { 10f * i, 10f * i + 1, 10f * i + 2 }).ToArray(), 3);

    /// <summary>Asserts every example's targets are still (10·i, 10·i + 1, 10·i + 2) for its first feature i.</summary>
    private static void AssertRowsFollowTheirExamples(Dataset d)
    {
        Assert.Equal(3, d.TargetSize);
        Assert.Equal(d.Count * 3, d.Targets!.Length);
        for (int k = 0; k < d.Count; k++)
        {
            float i = d.Features[k * d.ExampleSize];
            Assert.Equal(new[] { 10 * i, 10 * i + 1, 10 * i + 2 }, d.Targets.Skip(k * 3).Take(3));
        }
    }

    [Fact]
    public void Targets_are_checked_on_the_way_in()
    {
        var x = new Dataset(new float[8], new[] { 2 });
        Assert.Contains("targets has 3 values but 4 examples × 1 target values need 4",
            Assert.Throws<ArgumentException>(() => x.WithTargets(new float[3], 1)).Message);
        Assert.Contains("Target value 1 of example 1 is NaN",
            Assert.Throws<ArgumentException>(() => x.WithTargets(new[] { 0f, 0, 0, float.NaN, 0, 0, 0, 0 }, 2)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.WithTargets(Array.Empty<float>(), 0));
        var labeled = new Dataset(new float[4], new[] { 2 }, new[] { 0, 1 }, 2);
        Assert.Contains("has class labels", Assert.Throws<InvalidOperationException>(() => labeled.WithTargets(new float[2], 1)).Message);
        Assert.Contains("real-valued targets", Assert.Throws<InvalidOperationException>(() => Rows(3).WithRandomLabels(1, 2)).Message);
        Assert.Equal("5 × [2], 3 target values each", Rows(5).ToString());
    }

    [Fact]
    public void Every_dataset_operation_keeps_each_examples_targets_with_it()
    {
        var d = Rows(20);
        AssertRowsFollowTheirExamples(d);
        AssertRowsFollowTheirExamples(d.Subset(new[] { 7, 3, 3, 19 }));
        var (a, b) = d.Split(0.75, seed: 5);
        AssertRowsFollowTheirExamples(a);
        AssertRowsFollowTheirExamples(b);
        Assert.Equal(20, a.Count + b.Count);
        AssertRowsFollowTheirExamples(d.Reshape(1, 2));
        var zipped = Dataset.Zip(d, d);
        Assert.Equal(d.Targets, zipped.Targets);
        var norm = Normalizer.Fit(d).Apply(d);
        Assert.Equal(d.Targets, norm.Targets);
        Assert.NotEqual(d.Features, norm.Features);
    }

    [Fact]
    public void Batches_hold_the_target_rows_of_their_examples_and_zeros_past_the_count()
    {
        var d = Rows(10);
        var loader = new BatchLoader(d, 4, shuffle: true, seed: 3);
        int seen = 0;
        while (loader.Next(out var b))
        {
            for (int r = 0; r < b.Count; r++)
            {
                int k = b.Indices[r];
                Assert.Equal(d.Targets!.Skip(k * 3).Take(3), b.T.Skip(r * 3).Take(3));
            }
            Assert.All(b.T.Skip(b.Count * 3), v => Assert.Equal(0f, v));
            Assert.Empty(b.Labels);
            seen += b.Count;
        }
        Assert.Equal(10, seen);
    }

    [Fact]
    public void Fit_trains_a_regression_model_on_the_targets_as_the_same_steps_by_hand()
    {
        // y = (2·x0 − x1 + 1, x0 + 0.5) from 2 features: a linear model learns it by least squares.
        const int n = 40, batch = 8, epochs = 30;
        var rng = new Rng(2);
        var x = Enumerable.Range(0, n * 2).Select(_ => (float)rng.Uniform(-1, 1)).ToArray();
        var y = Enumerable.Range(0, n).SelectMany(i => new[] { 2 * x[2 * i] - x[2 * i + 1] + 1, x[2 * i] + 0.5f }).ToArray();
        var data = new Dataset(x, new[] { 2 }).WithTargets(y, 2);
        Model Build() => Model.Build(new Dense(2, 2), 2, seed: 1);
        TrainingSetup Setup() => new(Loss.Mse(), Optimizer.Sgd(0.1));

        var net = Build().Compile(Setup(), Backend.Expressions);
        var history = net.Fit(data, new TrainingOptions { Epochs = epochs, BatchSize = batch, Seed = 4, LearningRate = LearningRate.Constant(0.1) });

        var byHand = Build().Compile(Setup(), Backend.Expressions);
        var loader = new BatchLoader(data, batch, shuffle: true, seed: 4);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            loader.Reset(epoch);
            while (loader.Next(out var b)) byHand.TrainStep(b.X, b.T, b.Count, 0.1);
        }
        Assert.Equal(epochs * n / batch, net.Step);
        foreach (var p in net.Signature.Parameters) Assert.Equal(byHand.ParameterValues(p.Name), net.ParameterValues(p.Name));
        // And it learned the map: the weights approach [[2, −1], [1, 0]] (rows: outputs) and the biases (1, 0.5).
        Assert.True(net.Evaluate(data).Loss < 1e-3, $"loss {net.Evaluate(data).Loss}");
        Assert.Null(net.Evaluate(data).Accuracy);

        var wrong = new Dataset(x, new[] { 2 }).WithTargets(new float[n * 3], 3);
        Assert.Contains("has 3 target values per example, but the network's target",
            Assert.Throws<ArgumentException>(() => Build().Compile(Setup(), Backend.Expressions).Fit(wrong, new TrainingOptions { Epochs = 1 })).Message);
    }
}
