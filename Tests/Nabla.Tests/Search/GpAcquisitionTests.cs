using System;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Search;
using Xunit;

namespace Nabla.Tests.Search;

/// <summary>
/// Expected improvement: its closed form against known values and against a numerical integral
/// ∫ max(0, y − best − ξ)·N(y; μ, σ²) dy (FsCheck over μ, σ, best, ξ), non-negativity, monotonicity, the σ = 0 limit,
/// the minimization mirror, and <see cref="Acquisition.MaximizeAcquisition"/> against a fine grid.
/// </summary>
public class GpAcquisitionTests
{
    private static readonly Arbitrary<int[]> Draws = Arb.From(Gen.Choose(0, 1_000_000).ArrayOf(4));

    private static (double Mu, double Sigma, double Best, double Xi) Decode(int[] r) =>
        ((r[0] / 1e6 - 0.5) * 10, 1e-3 + r[1] / 1e6 * 4, (r[2] / 1e6 - 0.5) * 10, r[3] % 3 == 0 ? 0 : r[3] / 1e6 * 0.5);

    [Fact]
    public void KnownValues()
    {
        // μ = best: EI = σ·φ(0) = σ/√(2π).
        Assert.Equal(2 * 0.3989422804014327, Acquisition.ExpectedImprovement(1.5, 4, 1.5), 15);
        // μ − best = 1, σ = 1: Φ(1) + φ(1) = 0.8413447460685429 + 0.24197072451914337 (mpmath).
        Assert.Equal(1.0833154705876864, Acquisition.ExpectedImprovement(2, 1, 1), 14);
        // σ = 0: the plain improvement, clamped at zero.
        Assert.Equal(0.75, Acquisition.ExpectedImprovement(1.75, 0, 1));
        Assert.Equal(0.0, Acquisition.ExpectedImprovement(0.5, 0, 1));
        Assert.Equal(0.25, Acquisition.ExpectedImprovement(0.5, 0, 1, xi: 0.25, maximize: false));
    }

    [Fact]
    public void EqualsItsClosedFormAndTheIntegralOfTheImprovement()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Draws, r =>
        {
            var (mu, sigma, best, xi) = Decode(r);
            double ei = Acquisition.ExpectedImprovement(mu, sigma * sigma, best, xi);
            double z = (mu - best - xi) / sigma;
            double closed = sigma * (z * SpecialFunctions.NormalCdf(z) + SpecialFunctions.NormalPdf(z));
            Assert.True(Math.Abs(ei - Math.Max(closed, 0)) <= 1e-14 * sigma + 1e-15 * Math.Abs(mu - best), $"μ={mu} σ={sigma} best={best} ξ={xi}: {ei:R} vs {closed:R}");
            double integral = ImprovementIntegral(mu, sigma, best + xi);
            Assert.True(Math.Abs(ei - integral) <= 1e-9 * sigma + 1e-9 * ei, $"μ={mu} σ={sigma} best={best} ξ={xi}: EI {ei:R}, integral {integral:R}");
            // Minimizing is maximizing the negated objective.
            Assert.Equal(ei, Acquisition.ExpectedImprovement(-mu, sigma * sigma, -best, xi, maximize: false), 15);
        }));
    }

    [Fact]
    public void IsNonNegativeAndMonotoneInTheMeanAndTheSpread()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Draws, r =>
        {
            var (mu, sigma, best, xi) = Decode(r);
            double ei = Acquisition.ExpectedImprovement(mu, sigma * sigma, best, xi);
            Assert.True(ei >= 0);
            Assert.True(Acquisition.ExpectedImprovement(mu + 0.1, sigma * sigma, best, xi) >= ei, "EI must not decrease with the mean");
            Assert.True(Acquisition.ExpectedImprovement(mu, (sigma * 1.1) * (sigma * 1.1), best, xi) >= ei, "EI must not decrease with σ");
            Assert.True(Acquisition.ExpectedImprovement(mu, sigma * sigma, best, xi) >= Math.Max(0, mu - best - xi), "EI ≥ the plain improvement (Jensen)");
        }));
        // Cases FsCheck found against the naive u·Φ(z) + σ·φ(z), whose last bits fall when σ grows at z ≈ 8–9
        // (u·Φ(z) rounds down by an ulp more than σ·φ(z) adds): μ, σ, best from the draws of two CI failures.
        foreach (var r in new[] { new[] { 891680, 236600, 48751, 270714 }, new[] { 650234, 118069, 218757, 666054 } })
        {
            var (mu, sigma, best, xi) = Decode(r);
            double ei = Acquisition.ExpectedImprovement(mu, sigma * sigma, best, xi);
            Assert.True(Acquisition.ExpectedImprovement(mu, (sigma * 1.1) * (sigma * 1.1), best, xi) >= ei, $"μ={mu:R} σ={sigma:R} best={best:R} ξ={xi:R}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Acquisition.ExpectedImprovement(0, -1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Acquisition.ExpectedImprovement(double.NaN, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Acquisition.ExpectedImprovement(0, 1, 0, xi: -0.1));
    }

    [Theory]
    [InlineData(GpKernelKind.Matern52, true)]
    [InlineData(GpKernelKind.Rbf, true)]
    [InlineData(GpKernelKind.Matern52, false)]
    public void MaximizerFindsTheMaximumOfExpectedImprovementOnAFineGrid(GpKernelKind kind, bool maximize)
    {
        var x = new double[,] { { 0.05 }, { 0.3 }, { 0.45 }, { 0.8 }, { 0.95 } };
        var y = new[] { 0.61, 0.74, 0.70, 0.66, 0.58 };
        var gp = GaussianProcess.Fit(x, y, new GpKernel(kind, new[] { 0.15 }, 1, 1e-4));
        double best = maximize ? 0.74 : 0.58;
        const int grid = 20000;
        double gridBest = -1, gridArg = -1;
        for (int i = 0; i <= grid; i++)
        {
            double t = (double)i / grid;
            double v = Acquisition.ExpectedImprovement(gp, new[] { t }, best, maximize: maximize);
            if (v > gridBest) { gridBest = v; gridArg = t; }
        }
        var options = new AcquisitionOptions { Seed = 9, Candidates = 200, Maximize = maximize };
        var (point, ei) = Acquisition.MaximizeAcquisition(gp, best, options);
        Assert.Equal(Acquisition.ExpectedImprovement(gp, point, best, maximize: maximize), ei);
        Assert.True(ei >= gridBest * (1 - 1e-9), $"EI {ei:R} at {point[0]} below the grid's {gridBest:R} at {gridArg}");
        Assert.True(Math.Abs(point[0] - gridArg) <= 1.0 / grid, $"maximizer {point[0]} vs grid argmax {gridArg}");
        var again = Acquisition.MaximizeAcquisition(gp, best, options);
        Assert.Equal(point, again.Point);
    }

    [Fact]
    public void MaximizerStaysInTheUnitCubeInTwoDimensions()
    {
        var (x, y) = GpTests.Sample2D(10, seed: 2);
        var gp = GaussianProcess.FitHyperparameters(x, y, new GpFitOptions { Seed = 3, Starts = 3 });
        double best = double.NegativeInfinity;
        foreach (var v in y) best = Math.Max(best, v);
        var (point, ei) = Acquisition.MaximizeAcquisition(gp, best, new AcquisitionOptions { Seed = 4, Candidates = 500 });
        Assert.Equal(2, point.Length);
        Assert.All(point, c => Assert.InRange(c, 0, 1));
        Assert.True(ei > 0);
        var rng = new Rng(77);
        for (int i = 0; i < 2000; i++)
            Assert.True(Acquisition.ExpectedImprovement(gp, new[] { rng.NextDouble(), rng.NextDouble() }, best) <= ei * (1 + 1e-9));
    }

    // ∫_{t}^{μ+12σ} (y − t)·N(y; μ, σ²) dy by composite Simpson (the integrand is smooth on the interval; the tail
    // beyond 12σ is below 1e-30 relative).
    private static double ImprovementIntegral(double mu, double sigma, double t)
    {
        double lo = Math.Max(t, mu - 12 * sigma), hi = mu + 12 * sigma;
        if (lo >= hi) return 0;
        const int n = 4000;
        double h = (hi - lo) / n, sum = 0;
        for (int i = 0; i <= n; i++)
        {
            double y = lo + i * h;
            double f = (y - t) * Math.Exp(-0.5 * ((y - mu) / sigma) * ((y - mu) / sigma)) / (sigma * Math.Sqrt(2 * Math.PI));
            sum += f * (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2);
        }
        return sum * h / 3;
    }
}
