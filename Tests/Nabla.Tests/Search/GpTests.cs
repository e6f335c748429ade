using System;
using System.Linq;
using System.Text.Json;
using Nabla.Search;
using Nabla.Tests.Losses;
using Xunit;

namespace Nabla.Tests.Search;

/// <summary>
/// The Gaussian-process surrogate: erfc against mpmath, posteriors against an independent numpy closed form
/// (Fixtures/gp.py → gp.json), a one-point posterior by hand, interpolation, the prior far away, the analytic
/// gradient of the log marginal likelihood against central differences, the hyperparameter fit and the jitter ladder.
/// </summary>
public class GpTests
{
    private static readonly JsonElement Data = Fixtures.Load("gp.json");

    // Checks f against the fixture list `list` of {arg: number, value: 30-digit string} to `relative`; returns how many.
    private static int MatchesMpmath(string list, string arg, string value, Func<double, double> f, double relative)
    {
        int count = 0;
        foreach (var c in Data.GetProperty(list).EnumerateArray())
        {
            double x = c.GetProperty(arg).GetDouble();
            double want = double.Parse(c.GetProperty(value).GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            double got = f(x);
            Assert.True(Math.Abs(got - want) <= relative * Math.Abs(want), $"{list}({x}) = {got:R}, mpmath {want:R}, relative error {Math.Abs(got - want) / want:G3}");
            count++;
        }
        return count;
    }

    [Fact]
    public void ErfcMatchesMpmathToFourteenDigits()
    {
        Assert.True(MatchesMpmath("erfc", "x", "erfc", SpecialFunctions.Erfc, 1e-14) >= 25);
        Assert.Equal(2.0, SpecialFunctions.Erfc(double.NegativeInfinity));
        Assert.Equal(0.0, SpecialFunctions.Erfc(double.PositiveInfinity));
        Assert.Equal(0.0, SpecialFunctions.Erfc(30));
        Assert.True(double.IsNaN(SpecialFunctions.Erfc(double.NaN)));
    }

    /// <summary>
    /// h(z) = zΦ(z) + φ(z), the factor of expected improvement, against 50-digit mpmath: to 5e-14 relative down to
    /// z = −30, where the naive sum loses about three digits to cancellation (5e-13 there).
    /// </summary>
    [Fact]
    public void ExpectedPositivePartMatchesMpmathWithoutCancellation()
    {
        Assert.True(MatchesMpmath("positive_part", "z", "h", SpecialFunctions.ExpectedPositivePart, 5e-14) >= 20);
        // The naive form at z = −30 is off by more than the tolerance above: the test can tell the two apart.
        double naive = -30 * SpecialFunctions.NormalCdf(-30) + SpecialFunctions.NormalPdf(-30);
        double exact = SpecialFunctions.ExpectedPositivePart(-30);
        Assert.True(Math.Abs(naive - exact) > 2e-13 * exact, $"naive {naive:R} vs {exact:R}");
        Assert.True(double.IsNaN(SpecialFunctions.ExpectedPositivePart(double.NaN)));
        Assert.Equal(0.0, SpecialFunctions.ExpectedPositivePart(double.NegativeInfinity));
    }

    [Fact]
    public void ErfAndNormalDistributionAreConsistent()
    {
        for (double x = -4; x <= 4; x += 0.125)
        {
            Assert.Equal(1.0, SpecialFunctions.Erf(x) + SpecialFunctions.Erfc(x), 14);
            Assert.Equal(-SpecialFunctions.Erf(x), SpecialFunctions.Erf(-x), 15);
            Assert.Equal(1.0, SpecialFunctions.NormalCdf(x) + SpecialFunctions.NormalCdf(-x), 14);
            Assert.Equal(Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI), SpecialFunctions.NormalPdf(x), 15);
        }
        Assert.Equal(0.5, SpecialFunctions.NormalCdf(0));
        Assert.Equal(0.9750021048517795, SpecialFunctions.NormalCdf(1.96), 15); // Φ(1.96), mpmath
        // The lower tail stays accurate in relative terms: Φ(−10) = 7.619853024160527e-24 (mpmath).
        Assert.True(Math.Abs(SpecialFunctions.NormalCdf(-10) / 7.619853024160527e-24 - 1) < 1e-13);
    }

    [Fact]
    public void PosteriorMatchesNumpyClosedForm()
    {
        foreach (var c in Data.GetProperty("posterior").EnumerateArray())
        {
            var kind = Enum.Parse<GpKernelKind>(c.GetProperty("kind").GetString()!);
            var x = Matrix(c.GetProperty("x"));
            var y = Vector(c.GetProperty("y"));
            var kernel = new GpKernel(kind, Vector(c.GetProperty("length_scales")), c.GetProperty("signal_variance").GetDouble(), c.GetProperty("noise_variance").GetDouble());
            var gp = GaussianProcess.Fit(x, y, kernel);
            Assert.Equal(0.0, gp.Jitter);
            var (mean, variance) = gp.Predict(Matrix(c.GetProperty("x_star")));
            var wantMean = Vector(c.GetProperty("mean"));
            var wantVar = Vector(c.GetProperty("variance"));
            for (int i = 0; i < mean.Length; i++)
            {
                Assert.True(Math.Abs(mean[i] - wantMean[i]) <= 1e-11 * (1 + Math.Abs(wantMean[i])), $"{kind} mean {i}: {mean[i]:R} vs numpy {wantMean[i]:R}");
                Assert.True(Math.Abs(variance[i] - wantVar[i]) <= 1e-11 * (1 + Math.Abs(wantVar[i])), $"{kind} variance {i}: {variance[i]:R} vs numpy {wantVar[i]:R}");
            }
            double lml = c.GetProperty("lml").GetDouble();
            Assert.True(Math.Abs(gp.LogMarginalLikelihood - lml) <= 1e-11 * (1 + Math.Abs(lml)), $"{kind} LML {gp.LogMarginalLikelihood:R} vs numpy {lml:R}");
        }
    }

    [Theory]
    [InlineData(GpKernelKind.Matern52)]
    [InlineData(GpKernelKind.Rbf)]
    public void OnePointPosteriorByHand(GpKernelKind kind)
    {
        // One observation y₀ = 3 at x₀ = 0.2: the standardization is degenerate (m = 3, s = 1, ỹ = 0), so the posterior
        // mean is 3 everywhere and the variance is σf² − k(x, x₀)²/(σf² + σn²).
        const double sf2 = 2, sn2 = 0.5, ell = 0.25;
        var gp = GaussianProcess.Fit(new double[,] { { 0.2 } }, new[] { 3.0 }, new GpKernel(kind, new[] { ell }, sf2, sn2));
        foreach (double x in new[] { 0.2, 0.3, 0.7 })
        {
            double r = Math.Abs(x - 0.2) / ell;
            double g = kind == GpKernelKind.Rbf ? Math.Exp(-r * r / 2) : (1 + Math.Sqrt(5) * r + 5 * r * r / 3) * Math.Exp(-Math.Sqrt(5) * r);
            double k = sf2 * g;
            var (m, v) = gp.Predict(new[] { x });
            Assert.Equal(3.0, m, 14);
            Assert.Equal(sf2 - k * k / (sf2 + sn2), v, 14);
        }
        // log N(0; 0, σf² + σn²) = −½ log(2π(σf² + σn²)).
        Assert.Equal(-0.5 * Math.Log(2 * Math.PI * (sf2 + sn2)), gp.LogMarginalLikelihood, 14);
    }

    [Theory]
    [InlineData(GpKernelKind.Matern52)]
    [InlineData(GpKernelKind.Rbf)]
    public void InterpolatesTrainingPointsWithTinyNoise(GpKernelKind kind)
    {
        var (x, y) = Sample2D(7, seed: 3);
        var gp = GaussianProcess.Fit(x, y, new GpKernel(kind, new[] { 0.3, 0.5 }, 1, 1e-10));
        double s2 = gp.OutputScale * gp.OutputScale;
        for (int i = 0; i < y.Length; i++)
        {
            var (m, v) = gp.Predict(new[] { x[i, 0], x[i, 1] });
            Assert.True(Math.Abs(m - y[i]) < 1e-6 * gp.OutputScale, $"point {i}: mean {m} vs observed {y[i]}");
            Assert.True(v >= 0 && v < 1e-7 * s2, $"point {i}: variance {v}");
        }
    }

    [Theory]
    [InlineData(GpKernelKind.Matern52)]
    [InlineData(GpKernelKind.Rbf)]
    public void VarianceIsNonNegativeBoundedByThePriorAndRevertsToItFarAway(GpKernelKind kind)
    {
        var (x, y) = Sample2D(9, seed: 5);
        var gp = GaussianProcess.Fit(x, y, new GpKernel(kind, new[] { 0.2, 0.4 }, 1.3, 1e-4));
        double prior = gp.OutputScale * gp.OutputScale * 1.3;
        var rng = new Rng(11);
        for (int i = 0; i < 500; i++)
        {
            var (_, v) = gp.Predict(new[] { rng.NextDouble(), rng.NextDouble() });
            Assert.InRange(v, 0, prior * (1 + 1e-12));
        }
        var (mFar, vFar) = gp.Predict(new[] { 50.0, -40.0 });
        Assert.Equal(gp.OutputMean, mFar, 12);
        Assert.Equal(prior, vFar, 12);
        Assert.Equal(y.Average(), gp.OutputMean, 14);
    }

    [Theory]
    [InlineData(GpKernelKind.Matern52)]
    [InlineData(GpKernelKind.Rbf)]
    public void LogMarginalLikelihoodGradientMatchesCentralDifferences(GpKernelKind kind)
    {
        var (x, y) = Sample2D(8, seed: 7);
        var ys = GaussianProcess.Standardize(y).Standardized;
        foreach (var theta in new[] { new[] { Math.Log(0.3), Math.Log(0.7), Math.Log(1.2), Math.Log(0.05) }, new[] { Math.Log(1.5), Math.Log(0.15), Math.Log(0.4), Math.Log(1e-3) } })
        {
            var g = new double[4];
            double f = GaussianProcess.LogMarginalLikelihoodAt(x, ys, kind, theta, g);
            Assert.True(double.IsFinite(f));
            Assert.Equal(f, GaussianProcess.LogMarginalLikelihoodAt(x, ys, kind, theta, null));
            for (int j = 0; j < 4; j++)
            {
                const double h = 1e-5;
                var tp = (double[])theta.Clone(); tp[j] += h;
                var tm = (double[])theta.Clone(); tm[j] -= h;
                double fd = (GaussianProcess.LogMarginalLikelihoodAt(x, ys, kind, tp, null) - GaussianProcess.LogMarginalLikelihoodAt(x, ys, kind, tm, null)) / (2 * h);
                Assert.True(Math.Abs(fd - g[j]) <= 1e-6 * (1 + Math.Abs(fd)), $"{kind} θ[{j}]: analytic {g[j]:R}, central difference {fd:R}");
            }
            Assert.Contains(g, v => Math.Abs(v) > 1e-3); // a gradient that is all zeros would pass trivially
        }
    }

    [Theory]
    [InlineData(GpKernelKind.Matern52)]
    [InlineData(GpKernelKind.Rbf)]
    public void FittedHyperparametersIncreaseTheMarginalLikelihoodAndAreDeterministic(GpKernelKind kind)
    {
        // A smooth 1-D function with a short length scale: the default start (ℓ = 0.5, σn² = 0.01) is far from the optimum.
        int n = 12;
        var x = new double[n, 1]; var y = new double[n];
        for (int i = 0; i < n; i++) { x[i, 0] = (i + 0.5) / n; y[i] = Math.Sin(12 * x[i, 0]) + 0.3 * x[i, 0]; }
        var options = new GpFitOptions { Kind = kind, Seed = 42, Starts = 6 };
        var gp = GaussianProcess.FitHyperparameters(x, y, options);
        var report = gp.FitReport!;
        Assert.True(report.LogMarginalLikelihood > report.InitialLogMarginalLikelihood + 1, $"fit {report.LogMarginalLikelihood} vs start {report.InitialLogMarginalLikelihood}");
        Assert.Equal(report.LogMarginalLikelihood, gp.LogMarginalLikelihood, 10);
        var start = GaussianProcess.LogMarginalLikelihoodAt(x, GaussianProcess.Standardize(y).Standardized, kind, options.InitialKernel(1).ToLogParameters(), null);
        Assert.Equal(start, report.InitialLogMarginalLikelihood);
        // Inside the box, and a stationary point or a bound in every coordinate.
        var k = gp.Kernel;
        Assert.InRange(k.LengthScales[0], options.LengthScaleMin, options.LengthScaleMax);
        Assert.InRange(k.SignalVariance, options.SignalVarianceMin, options.SignalVarianceMax);
        Assert.InRange(k.NoiseVariance, options.NoiseVarianceMin * (1 - 1e-12), options.NoiseVarianceMax);
        Assert.True(k.LengthScales[0] < 0.5, $"fitted length scale {k.LengthScales[0]}");
        // Same seed, same numbers (bit for bit); the fitted model predicts the data well.
        var again = GaussianProcess.FitHyperparameters(x, y, options);
        Assert.Equal(k.ToLogParameters(), again.Kernel.ToLogParameters());
        double xm = 1.0 / n; // halfway between the first two observations
        var (m, _) = gp.Predict(new[] { xm });
        Assert.True(Math.Abs(m - (Math.Sin(12 * xm) + 0.3 * xm)) < 0.05, $"{k}: mean {m} at {xm}");
    }

    /// <summary>
    /// Five noisy points of a flat function (the first fit of a 1-D search): maximum likelihood puts the length scale at
    /// its lower bound and the GP spikes through every point; the default log-normal prior (median 0.5, spread 1) keeps
    /// it smooth.
    /// </summary>
    [Fact]
    public void TheLengthScalePriorKeepsAFewNoisyPointsFromASpikyFit()
    {
        var x = new double[,] { { 0.1 }, { 0.3 }, { 0.5 }, { 0.7 }, { 0.9 } };
        var y = new[] { 0.59, 0.47, 0.61, 0.53, 0.60 };
        var ml = GaussianProcess.FitHyperparameters(x, y, new GpFitOptions { Seed = 5, LengthScalePriorLogSd = double.PositiveInfinity });
        var map = GaussianProcess.FitHyperparameters(x, y, new GpFitOptions { Seed = 5 });
        Assert.True(ml.Kernel.LengthScales[0] < 0.05, $"maximum likelihood: {ml.Kernel}");
        Assert.True(map.Kernel.LengthScales[0] > 0.1, $"with the prior: {map.Kernel}");
        // The prior costs likelihood: the MAP fit's marginal likelihood is below the unconstrained optimum's.
        Assert.True(map.FitReport!.LogMarginalLikelihood <= ml.FitReport!.LogMarginalLikelihood + 1e-9);
        Assert.Throws<ArgumentException>(() => GaussianProcess.FitHyperparameters(x, y, new GpFitOptions { LengthScalePriorLogSd = 0 }));
        Assert.Throws<ArgumentException>(() => GaussianProcess.FitHyperparameters(x, y, new GpFitOptions { LengthScalePriorMedian = -1 }));
    }

    [Fact]
    public void DuplicatePointsWithoutNoiseUseTheJitterLadder()
    {
        var x = new double[,] { { 0.3 }, { 0.3 }, { 0.6 } };
        var y = new[] { 1.0, 1.2, 0.5 };
        var gp = GaussianProcess.Fit(x, y, new GpKernel(GpKernelKind.Rbf, new[] { 0.2 }, 1, 0));
        Assert.True(gp.Jitter > 0 && gp.Jitter <= 1e-2, $"jitter {gp.Jitter}");
        var (m, v) = gp.Predict(new[] { 0.3 });
        Assert.InRange(m, 1.0, 1.2); // the duplicates' average, nearly
        Assert.True(v >= 0 && double.IsFinite(v));
        Assert.Equal(double.NegativeInfinity, GaussianProcess.LogMarginalLikelihoodAt(x, y, GpKernelKind.Rbf, new[] { Math.Log(0.2), 0, -800.0 }, null));
    }

    [Fact]
    public void CholeskyReproducesTheMatrixAndSolves()
    {
        var a = new double[,] { { 4, 2, 0.4 }, { 2, 5, 1 }, { 0.4, 1, 3 } };
        Assert.True(GaussianProcess.TryCholesky(a, 0, out var l));
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double s = 0;
                for (int k = 0; k < 3; k++) s += l[i, k] * l[j, k];
                Assert.Equal(a[i, j], s, 14);
            }
        var b = new[] { 1.0, -2, 0.5 };
        var z = GaussianProcess.CholeskySolve(l, b);
        for (int i = 0; i < 3; i++) Assert.Equal(b[i], a[i, 0] * z[0] + a[i, 1] * z[1] + a[i, 2] * z[2], 14);
        Assert.False(GaussianProcess.TryCholesky(new double[,] { { 1, 2 }, { 2, 1 } }, 0, out _));
    }

    [Fact]
    public void BadArgumentsAreClearErrors()
    {
        var k1 = new GpKernel(GpKernelKind.Matern52, new[] { 0.5 }, 1, 1e-3);
        Assert.Contains("2 points but 3 outputs", Assert.Throws<ArgumentException>(() => GaussianProcess.Fit(new double[2, 1], new double[3], k1)).Message);
        Assert.Contains("output 1 is NaN", Assert.Throws<ArgumentException>(() => GaussianProcess.Fit(new double[2, 1], new[] { 0, double.NaN }, k1)).Message);
        Assert.Contains("1 length scales but the points have 2", Assert.Throws<ArgumentException>(() => GaussianProcess.Fit(new double[2, 2], new double[2], k1)).Message);
        Assert.Contains("at least one training point", Assert.Throws<ArgumentException>(() => GaussianProcess.Fit(new double[0, 1], new double[0], k1)).Message);
        Assert.Contains("length scale 0 must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => new GpKernel(GpKernelKind.Rbf, new[] { 0.0 }, 1, 0)).Message);
        Assert.Contains("noise variance", Assert.Throws<ArgumentOutOfRangeException>(() => new GpKernel(GpKernelKind.Rbf, new[] { 1.0 }, 1, -1)).Message);
        var gp = GaussianProcess.Fit(new double[1, 1], new double[1], k1);
        Assert.Contains("2 coordinates, the model 1", Assert.Throws<ArgumentException>(() => gp.Predict(new double[2])).Message);
        Assert.Contains("Starts must be at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => GaussianProcess.FitHyperparameters(new double[1, 1], new double[1], new GpFitOptions { Starts = 0 })).Message);
        Assert.Contains("LengthScaleMin/LengthScaleMax", Assert.Throws<ArgumentException>(() => GaussianProcess.FitHyperparameters(new double[1, 1], new double[1], new GpFitOptions { LengthScaleMin = 2, LengthScaleMax = 1 })).Message);
    }

    internal static (double[,] X, double[] Y) Sample2D(int n, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new double[n, 2]; var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i, 0] = rng.NextDouble(); x[i, 1] = rng.NextDouble();
            y[i] = 0.8 + 0.1 * Math.Sin(6 * x[i, 0]) * Math.Cos(3 * x[i, 1]) + 0.05 * x[i, 1];
        }
        return (x, y);
    }

    private static double[] Vector(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static double[,] Matrix(JsonElement e)
    {
        var rows = e.EnumerateArray().Select(Vector).ToArray();
        var m = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++) for (int j = 0; j < rows[0].Length; j++) m[i, j] = rows[i][j];
        return m;
    }
}
