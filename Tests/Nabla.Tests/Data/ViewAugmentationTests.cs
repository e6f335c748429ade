using System;
using System.Linq;
using Nabla.Data;
using Nabla.Training;
using Xunit;

namespace Nabla.Tests.Data;

/// <summary>
/// Augmentations for contrastive views: <see cref="PerInputAugmentation"/> (each input of a zipped dataset augmented on
/// its own), <see cref="ComposedAugmentation"/> and <see cref="RandomScale"/>; and Trainer.Fit drawing independent
/// views of one signal for a siamese model from Dataset.Zip(data, data).
/// </summary>
[Collection("Jit")]
public class ViewAugmentationTests
{
    private const int Size = 6;

    /// <summary>count signals of Size values: signal i is (i + 1)·(1, 2, …, Size).</summary>
    private static float[] Signals(int count) => Enumerable.Range(0, count).SelectMany(i => Enumerable.Range(1, Size).Select(j => (float)((i + 1) * j))).ToArray();

    private static float[] Zip2(float[] a, int count) =>
        Enumerable.Range(0, count).SelectMany(i => a.Skip(i * Size).Take(Size).Concat(a.Skip(i * Size).Take(Size))).ToArray();

    [Fact]
    public void Per_input_augmentation_shifts_each_view_on_its_own_with_the_same_random_stream_part_after_part()
    {
        const int n = 40;
        var signals = Signals(n);
        var zipped = Zip2(signals, n);
        new PerInputAugmentation(new RandomShift(2, ShiftFill.Zero), Size, Size).Apply(zipped, n, 2 * Size, new Rng(11));

        // The same as shifting a batch of the first views, then (continuing the stream) a batch of the second views.
        var first = (float[])signals.Clone();
        var second = (float[])signals.Clone();
        var rng = new Rng(11);
        new RandomShift(2, ShiftFill.Zero).Apply(first, n, Size, rng);
        new RandomShift(2, ShiftFill.Zero).Apply(second, n, Size, rng);
        Assert.Equal(Zip2Parts(first, second, n), zipped);

        // Each view is a shift of its own signal, zero-filled at its own edges (never the other view's values), and
        // the two views of a signal differ for some signals.
        int differ = 0;
        for (int i = 0; i < n; i++)
        {
            var v1 = zipped.Skip(i * 2 * Size).Take(Size).ToArray();
            var v2 = zipped.Skip(i * 2 * Size + Size).Take(Size).ToArray();
            Assert.True(IsShift(v1, i), string.Join(",", v1));
            Assert.True(IsShift(v2, i), string.Join(",", v2));
            if (!v1.SequenceEqual(v2)) differ++;
        }
        Assert.InRange(differ, n / 2, n);
    }

    private static float[] Zip2Parts(float[] a, float[] b, int count) =>
        Enumerable.Range(0, count).SelectMany(i => a.Skip(i * Size).Take(Size).Concat(b.Skip(i * Size).Take(Size))).ToArray();

    /// <summary>Whether v is signal i shifted by some s in [−2, 2] with zeros where the shift uncovered positions.</summary>
    private static bool IsShift(float[] v, int i) =>
        Enumerable.Range(-2, 5).Any(s => Enumerable.Range(0, Size).All(j => v[j] == (j - s < 0 || j - s >= Size ? 0 : (i + 1) * (j - s + 1))));

    [Fact]
    public void Per_input_augmentation_checks_its_parts_against_the_example_size()
    {
        var aug = new PerInputAugmentation(new GaussianNoise(0.1), Size, Size);
        var e = Assert.Throws<ArgumentException>(() => aug.Apply(new float[3 * Size], 1, 3 * Size, new Rng(1)));
        Assert.Contains("[6, 6] = 12 values, but the examples have 18", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerInputAugmentation(new GaussianNoise(0.1), Size, 0));
        Assert.Throws<ArgumentException>(() => new PerInputAugmentation(new GaussianNoise(0.1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => aug.Apply(new float[2 * Size], 2, 2 * Size, new Rng(1)));
    }

    [Fact]
    public void The_view_augmentations_allocate_nothing_after_their_first_call()
    {
        // IAugmentation: "should not allocate after its first call". Parts of different sizes, a full batch first, then
        // smaller batches (an epoch's last one) and full ones again: the scratch of the largest part is reused.
        const int n = 32;
        var aug = new PerInputAugmentation(new ComposedAugmentation(new RandomShift(2, ShiftFill.Edge), new RandomScale(0.2), new GaussianNoise(0.1)), Size, 2 * Size);
        var x = new float[n * 3 * Size];
        var rng = new Rng(1);
        aug.Apply(x, n, 3 * Size, rng);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) aug.Apply(x, i % 2 == 0 ? n : n / 3, 3 * Size, rng);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Random_scale_multiplies_each_example_by_one_factor_in_its_range()
    {
        const int n = 50;
        var x = Signals(n);
        new RandomScale(0.25).Apply(x, n, Size, new Rng(3));
        var factors = new double[n];
        for (int i = 0; i < n; i++)
        {
            factors[i] = x[i * Size] / (double)(i + 1);
            Assert.InRange(factors[i], 0.75, 1.25);
            for (int j = 0; j < Size; j++) Assert.Equal((float)((i + 1) * (j + 1) * (float)factors[i]), x[i * Size + j], 3);
        }
        Assert.True(factors.Max() - factors.Min() > 0.25, "the factors should spread over the range");
        var y = Signals(n);
        new RandomScale(0).Apply(y, n, Size, new Rng(3));
        Assert.Equal(Signals(n), y);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomScale(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomScale(-0.1));
    }

    [Fact]
    public void A_composed_augmentation_applies_its_steps_in_order_from_one_stream()
    {
        const int n = 20;
        var x = Signals(n);
        new ComposedAugmentation(new RandomShift(1), new RandomScale(0.2), new GaussianNoise(0.05)).Apply(x, n, Size, new Rng(5));
        var y = Signals(n);
        var rng = new Rng(5);
        new RandomShift(1).Apply(y, n, Size, rng);
        new RandomScale(0.2).Apply(y, n, Size, rng);
        new GaussianNoise(0.05).Apply(y, n, Size, rng);
        Assert.Equal(y, x);
        Assert.Throws<ArgumentException>(() => new ComposedAugmentation());
        Assert.Throws<ArgumentNullException>(() => new ComposedAugmentation(new RandomScale(0.1), null!));
    }

    [Fact]
    public void Fit_trains_a_siamese_model_on_independent_views_of_one_dataset_as_the_same_steps_by_hand()
    {
        const int n = 48, batch = 12, epochs = 3;
        var rngData = new Rng(9);
        var data = new Dataset(Enumerable.Range(0, n * Size).Select(_ => (float)rngData.Uniform(-1, 1)).ToArray(), new[] { Size });
        var zipped = Dataset.Zip(data, data);
        Model Build() => Model.Build(new Siamese(new Sequential(new Dense(Size, 8), new Tanh(), new Dense(8, 4))),
            new[] { InputSpec.Batched("x1", Size), InputSpec.Batched("x2", Size) }, new[] { "q", "k" }, seed: 3);
        TrainingSetup Setup() => new(new[] { LossTerm.Between("q", "k", Loss.InfoNceInBatch(0.5)) }, Optimizer.Sgd(0.5));
        IAugmentation Views() => new PerInputAugmentation(new ComposedAugmentation(new RandomShift(1), new GaussianNoise(0.1)), Size, Size);

        var net = Build().Compile(Setup(), Backend.Expressions);
        net.Fit(zipped, new TrainingOptions { Epochs = epochs, BatchSize = batch, Seed = 4, Augmentation = Views(), LearningRate = LearningRate.Constant(0.5) });

        // By hand: the same loader (same seed, same augmentation), each batch split into the two views.
        var byHand = Build().Compile(Setup(), Backend.Expressions);
        var loader = new BatchLoader(zipped, batch, shuffle: true, seed: 4, augmentation: Views());
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            loader.Reset(epoch);
            while (loader.Next(out var b))
            {
                var x1 = Enumerable.Range(0, b.Count).SelectMany(r => b.X.Skip(r * 2 * Size).Take(Size)).ToArray();
                var x2 = Enumerable.Range(0, b.Count).SelectMany(r => b.X.Skip(r * 2 * Size + Size).Take(Size)).ToArray();
                Assert.NotEqual(x1, x2); // two different views of the same signals
                byHand.TrainStep(new[] { x1, x2 }, Array.Empty<float[]>(), b.Count, 0.5);
            }
        }
        Assert.Equal(epochs * n / batch, net.Step);
        foreach (var p in net.Signature.Parameters) Assert.Equal(byHand.ParameterValues(p.Name), net.ParameterValues(p.Name));
    }
}
