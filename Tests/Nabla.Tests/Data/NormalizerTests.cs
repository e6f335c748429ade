using System;
using System.Linq;
using Nabla.Data;
using Xunit;

namespace Nabla.Tests.Data;

public class NormalizerTests
{
    // Training set: 3 examples of shape [2]: (1, 2), (3, 4), (5, 6).
    private static readonly Dataset Train = new(new float[] { 1, 2, 3, 4, 5, 6 }, new[] { 2 }, new[] { 0, 1, 0 }, 2);
    // A held-out set far from the training set: its own statistics must not be used.
    private static readonly Dataset Test = new(new float[] { 7, 8, 100, -100 }, new[] { 2 }, new[] { 1, 0 }, 2);

    [Fact]
    public void GlobalStatisticsComeFromTheTrainingSetOnly()
    {
        var n = Normalizer.Fit(Train);
        // mean = 21/6 = 3.5; population variance = (2.5² + 1.5² + 0.5²)·2/6 = 35/12.
        Assert.Equal(3.5f, n.Mean.Single());
        Assert.Equal(Math.Sqrt(35.0 / 12), n.Std.Single(), 6);
        var t = n.Apply(Test);
        double s = Math.Sqrt(35.0 / 12);
        Assert.Equal(new[] { 3.5 / s, 4.5 / s, 96.5 / s, -103.5 / s }, t.Features.Select(v => (double)v), new Tol(1e-5));
        Assert.Equal(new float[] { 7, 8, 100, -100 }, Test.Features);  // the input is not modified
        Assert.Same(Test.Labels, t.Labels);
    }

    [Fact]
    public void PerFeatureStatistics()
    {
        var n = Normalizer.Fit(Train, NormalizeMode.PerFeature);
        // column 0: 1, 3, 5 → mean 3, variance 8/3; column 1: 2, 4, 6 → mean 4, variance 8/3.
        Assert.Equal(new[] { 3f, 4f }, n.Mean);
        Assert.Equal(Math.Sqrt(8.0 / 3), n.Std[0], 6);
        Assert.Equal(Math.Sqrt(8.0 / 3), n.Std[1], 6);
        var t = n.Apply(Train);
        double s = Math.Sqrt(8.0 / 3);
        Assert.Equal(new[] { -2 / s, -2 / s, 0, 0, 2 / s, 2 / s }, t.Features.Select(v => (double)v), new Tol(1e-6));
    }

    [Fact]
    public void AConstantFeatureIsOnlyCentred()
    {
        var d = new Dataset(new float[] { 5, 1, 5, 2 }, new[] { 2 });
        var n = Normalizer.Fit(d, NormalizeMode.PerFeature);
        Assert.Equal(1f, n.Std[0]);   // column 0 is constant 5; column 1 (1, 2): mean 1.5, std 0.5
        Assert.Equal(new float[] { 0, -1f, 0, 1f }, n.Apply(d).Features.Select(v => MathF.Round(v, 5)).ToArray());
    }

    [Fact]
    public void StoredStatisticsAreChecked()
    {
        Assert.Throws<ArgumentException>(() => new Normalizer(NormalizeMode.Global, new[] { 0f, 1f }, new[] { 1f, 1f }));
        Assert.Throws<ArgumentException>(() => new Normalizer(NormalizeMode.Global, new[] { 0f }, new[] { 0f }));
        var pf = new Normalizer(NormalizeMode.PerFeature, new[] { 0f, 1f }, new[] { 1f, 2f });
        Assert.Throws<ArgumentException>(() => pf.ApplyInPlace(new float[3], 3));
    }

    private sealed class Tol : System.Collections.Generic.IEqualityComparer<double>
    {
        private readonly double _tol;
        public Tol(double tol) { _tol = tol; }
        public bool Equals(double a, double b) => Math.Abs(a - b) <= _tol * Math.Max(1, Math.Abs(b));
        public int GetHashCode(double v) => 0;
    }
}
