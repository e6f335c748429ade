using System.Collections.Generic;
using System.Linq;
using Nabla.Data;
using Xunit;

namespace Nabla.Tests.Data;

public class BatchLoaderTests
{
    /// <summary>n examples of shape [3]: example i is (i, 10 i, 100 i), label i mod 4.</summary>
    private static Dataset Numbered(int n) =>
        new(Enumerable.Range(0, n).SelectMany(i => new float[] { i, 10 * i, 100 * i }).ToArray(), new[] { 3 },
            Enumerable.Range(0, n).Select(i => i % 4).ToArray(), classes: 4);

    private static List<int[]> Epoch(BatchLoader loader, int epoch)
    {
        loader.Reset(epoch);
        var batches = new List<int[]>();
        while (loader.Next(out var b)) batches.Add(b.Indices.Take(b.Count).ToArray());
        return batches;
    }

    [Fact]
    public void MiniBatchesEndWithAPartialBatchAndHoldTheRightRows()
    {
        var data = Numbered(10);
        var loader = new BatchLoader(data, batchSize: 4, shuffle: true, seed: 7);
        Assert.Equal(3, loader.BatchesPerEpoch);
        var counts = new List<int>();
        var seen = new List<int>();
        while (loader.Next(out var b))
        {
            counts.Add(b.Count);
            Assert.Equal(4, b.Capacity);
            for (int r = 0; r < b.Count; r++)
            {
                int k = b.Indices[r];
                seen.Add(k);
                Assert.Equal(new float[] { k, 10 * k, 100 * k }, b.X.Skip(3 * r).Take(3).ToArray());
                Assert.Equal(k % 4, b.Labels[r]);
                for (int c = 0; c < 4; c++) Assert.Equal(c == k % 4 ? 1f : 0f, b.T[4 * r + c]);
            }
            for (int r = b.Count; r < b.Capacity; r++)   // rows past the count are cleared
            {
                Assert.Equal(-1, b.Indices[r]);
                Assert.Equal(-1, b.Labels[r]);
                Assert.All(b.X.Skip(3 * r).Take(3), v => Assert.Equal(0f, v));
                Assert.All(b.T.Skip(4 * r).Take(4), v => Assert.Equal(0f, v));
            }
        }
        Assert.Equal(new[] { 4, 4, 2 }, counts);
        Assert.Equal(Enumerable.Range(0, 10), seen.OrderBy(i => i));   // every example exactly once
        Assert.NotEqual(Enumerable.Range(0, 10), seen);                // and shuffled
    }

    [Fact]
    public void DropLastSkipsThePartialBatch()
    {
        var loader = new BatchLoader(Numbered(10), 4, shuffle: false, seed: 0, dropLast: true);
        Assert.Equal(2, loader.BatchesPerEpoch);
        Assert.Equal(8, loader.ExamplesPerEpoch);
        Assert.Equal(new[] { new[] { 0, 1, 2, 3 }, new[] { 4, 5, 6, 7 } }, Epoch(loader, 0));
    }

    [Fact]
    public void FullBatchModeGivesTheWholeDatasetInOrderEachEpoch()
    {
        var loader = new BatchLoader(Numbered(10), batchSize: 1000, shuffle: false, seed: 0);
        Assert.True(loader.IsFullBatch);
        Assert.Equal(10, loader.BatchSize);
        Assert.Equal(1, loader.BatchesPerEpoch);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var batches = Epoch(loader, epoch);
            Assert.Single(batches);
            Assert.Equal(Enumerable.Range(0, 10), batches[0]);
        }
    }

    [Fact]
    public void SeededShufflingIsDeterministicPerSeedAndEpoch()
    {
        var data = Numbered(50);
        var a = new BatchLoader(data, 8, shuffle: true, seed: 42);
        var b = new BatchLoader(data, 8, shuffle: true, seed: 42);
        var other = new BatchLoader(data, 8, shuffle: true, seed: 43);
        var a0 = Epoch(a, 0).SelectMany(x => x).ToArray();
        var a1 = Epoch(a, 1).SelectMany(x => x).ToArray();
        Assert.Equal(a0, Epoch(b, 0).SelectMany(x => x));
        Assert.Equal(a1, Epoch(b, 1).SelectMany(x => x));
        Assert.NotEqual(a0, a1);                                           // a new order every epoch
        Assert.NotEqual(a0, Epoch(other, 0).SelectMany(x => x).ToArray());  // and per seed
        Assert.Equal(a0, Epoch(a, 0).SelectMany(x => x));                  // epoch 0 again: the same order
    }

    [Fact]
    public void ResettingToABatchResumesExactly()
    {
        var data = Numbered(23);
        var whole = Epoch(new BatchLoader(data, 5, shuffle: true, seed: 3), 4);
        var loader = new BatchLoader(data, 5, shuffle: true, seed: 3);
        loader.Reset(4, startBatch: 2);
        var rest = new List<int[]>();
        while (loader.Next(out var b)) rest.Add(b.Indices.Take(b.Count).ToArray());
        Assert.Equal(whole.Skip(2), rest);
    }

    [Fact]
    public void AugmentationChangesTheBatchButNeverTheDatasetAndIsSeeded()
    {
        var data = Numbered(6);
        var before = (float[])data.Features.Clone();
        float[] Run()
        {
            var l = new BatchLoader(data, 6, shuffle: false, seed: 5, augmentation: new GaussianNoise(0.5));
            Assert.True(l.Next(out var b));
            return (float[])b.X.Clone();
        }
        var x1 = Run();
        Assert.Equal(before, data.Features);
        Assert.NotEqual(before, x1);
        Assert.Equal(x1, Run());
    }

    [Fact]
    public void RandomShiftMovesEachSignalByAWholeNumberOfPositions()
    {
        var x = new float[] { 1, 2, 3, 4, 5 };
        var shift = new RandomShift(2, ShiftFill.Edge);
        var rng = new Rng(11);
        for (int trial = 0; trial < 20; trial++)
        {
            var y = (float[])x.Clone();
            shift.Apply(y, 1, 5, rng);
            // Edge-filled shift by s: y[j] = x[clamp(j - s)]; find the s that explains y.
            bool explained = Enumerable.Range(-2, 5).Any(s => Enumerable.Range(0, 5).All(j => y[j] == x[System.Math.Clamp(j - s, 0, 4)]));
            Assert.True(explained, string.Join(",", y));
        }
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<System.ArgumentOutOfRangeException>(() => new BatchLoader(Numbered(3), 0, true, 1));
        var loader = new BatchLoader(Numbered(3), 2, true, 1);
        Assert.Throws<System.ArgumentOutOfRangeException>(() => loader.Reset(-1));
        Assert.Throws<System.ArgumentOutOfRangeException>(() => loader.Reset(0, 3));
    }
}
