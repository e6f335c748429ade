using System;
using System.Linq;
using Nabla.Data;
using Xunit;

namespace Nabla.Tests.Data;

public class DatasetTests
{
    private static Dataset Numbered(int n) =>
        new(Enumerable.Range(0, n).SelectMany(i => new float[] { i, -i }).ToArray(), new[] { 2 },
            Enumerable.Range(0, n).Select(i => i % 3).ToArray(), classes: 3);

    [Fact]
    public void SplitIsADisjointSeededPartitionKeepingOrder()
    {
        var d = Numbered(10);
        var (train, val) = d.Split(0.8, seed: 9);
        Assert.Equal(8, train.Count);
        Assert.Equal(2, val.Count);
        var ti = train.Features.Where((_, i) => i % 2 == 0).Select(v => (int)v).ToArray();
        var vi = val.Features.Where((_, i) => i % 2 == 0).Select(v => (int)v).ToArray();
        Assert.Equal(Enumerable.Range(0, 10), ti.Concat(vi).OrderBy(i => i));
        Assert.Equal(ti.OrderBy(i => i), ti);          // each part keeps the original order
        Assert.Equal(ti.Select(i => i % 3), train.Labels!); // labels follow their examples
        Assert.Equal(vi.Select(i => i % 3), val.Labels!);
        var (again, _) = d.Split(0.8, seed: 9);
        Assert.Equal(train.Features, again.Features);
        var splits = Enumerable.Range(0, 8).Select(s => string.Join(",", d.Split(0.8, s).Second.Features)).Distinct().Count();
        Assert.True(splits > 1, "the split should depend on the seed");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(0.01)]
    [InlineData(double.NaN)]
    public void SplitRejectsFractionsLeavingAnEmptyPart(double f) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Numbered(10).Split(f, 1));

    [Fact]
    public void RandomLabelsAreSeededInRangeAndShareTheFeatures()
    {
        var d = Numbered(300);
        var r = d.WithRandomLabels(5);
        Assert.Same(d.Features, r.Features);
        Assert.All(r.Labels!, l => Assert.InRange(l, 0, 2));
        Assert.Equal(r.Labels, d.WithRandomLabels(5).Labels);
        Assert.NotEqual(r.Labels, d.WithRandomLabels(6).Labels);
        Assert.All(r.ClassCounts(), c => Assert.InRange(c, 60, 140));   // about 100 each
    }

    [Fact]
    public void ConstructorChecksShapesAndLabels()
    {
        Assert.Throws<ArgumentException>(() => new Dataset(new float[5], new[] { 2 }, new[] { 0, 1 }, 2));
        Assert.Contains("outside [0, 2)", Assert.Throws<ArgumentException>(() => new Dataset(new float[4], new[] { 2 }, new[] { 0, 2 }, 2)).Message);
        Assert.Throws<ArgumentException>(() => new Dataset(new float[4], new[] { 0 }));
        Assert.Equal(new[] { 1, 2 }, Numbered(2).Reshape(1, 2).ExampleShape);
        Assert.Throws<ArgumentException>(() => Numbered(2).Reshape(3));
    }
}
