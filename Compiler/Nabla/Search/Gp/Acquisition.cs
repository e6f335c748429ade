using System;

namespace Nabla.Search;

/// <summary>Options of <see cref="Acquisition.MaximizeAcquisition"/>.</summary>
public sealed record AcquisitionOptions
{
    /// <summary>The seed of the random candidates (one seed, one result).</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>The number of uniform random candidates in the unit cube (default 2000).</summary>
    public int Candidates { get; init; } = 2000;
    /// <summary>How many of the best candidates are refined by pattern search (default 5).</summary>
    public int Refine { get; init; } = 5;
    /// <summary>The first step of the pattern search, in unit-cube coordinates (default 0.05; halved on failure).</summary>
    public double InitialStep { get; init; } = 0.05;
    /// <summary>The pattern search stops when its step falls below this (default 1e-6).</summary>
    public double MinStep { get; init; } = 1e-6;
    /// <summary>The exploration margin ξ ≥ 0 of <see cref="Acquisition.ExpectedImprovement(double, double, double, double, bool)"/> (default 0).</summary>
    public double Xi { get; init; }
    /// <summary>True to maximize the objective (e.g. validation accuracy), false to minimize it (e.g. a loss). Default true.</summary>
    public bool Maximize { get; init; } = true;
}

/// <summary>
/// Expected improvement and its maximization over the unit cube, for Bayesian optimization with a
/// <see cref="GaussianProcess"/> surrogate.
/// </summary>
public static class Acquisition
{
    /// <summary>
    /// The expected improvement E[max(0, Y − best − ξ)] of Y ~ N(<paramref name="mean"/>, <paramref name="variance"/>) when
    /// maximizing, E[max(0, best − ξ − Y)] when minimizing: with σ = √variance, u = ±(μ − best) − ξ and z = u/σ,
    /// EI = u·Φ(z) + σ·φ(z) = σ·(z·Φ(z) + φ(z)); for σ = 0 it is max(0, u). Always ≥ 0 and ≥ u also in floating point,
    /// and accurate to about 5·10⁻¹⁴ relative: σ·h(z) is evaluated without cancellation (<see cref="SpecialFunctions.ExpectedPositivePart"/>).
    /// </summary>
    public static double ExpectedImprovement(double mean, double variance, double best, double xi = 0, bool maximize = true)
    {
        if (!double.IsFinite(mean)) throw new ArgumentOutOfRangeException(nameof(mean), mean, "ExpectedImprovement: the mean must be finite.");
        if (!(variance >= 0) || double.IsInfinity(variance)) throw new ArgumentOutOfRangeException(nameof(variance), variance, "ExpectedImprovement: the variance must be non-negative and finite.");
        if (!double.IsFinite(best)) throw new ArgumentOutOfRangeException(nameof(best), best, "ExpectedImprovement: the incumbent (best) must be finite.");
        if (!(xi >= 0) || double.IsInfinity(xi)) throw new ArgumentOutOfRangeException(nameof(xi), xi, "ExpectedImprovement: ξ must be non-negative and finite.");
        double u = (maximize ? mean - best : best - mean) - xi;
        double sigma = Math.Sqrt(variance);
        if (sigma == 0) return Math.Max(0, u);
        double z = u / sigma;
        // σ·h(z) with h(z) = z·Φ(z) + φ(z) evaluated without cancellation; for z > 0 as u + σ·h(−z), which is never
        // below the plain improvement u.
        double ei = z > 0 ? u + sigma * SpecialFunctions.ExpectedPositivePart(-z) : sigma * SpecialFunctions.ExpectedPositivePart(z);
        return ei > 0 ? ei : 0;
    }

    /// <summary>The expected improvement of <paramref name="gp"/>'s posterior at <paramref name="point"/> over <paramref name="best"/>.</summary>
    public static double ExpectedImprovement(GaussianProcess gp, double[] point, double best, double xi = 0, bool maximize = true)
    {
        ArgumentNullException.ThrowIfNull(gp);
        var (m, v) = gp.Predict(point);
        return ExpectedImprovement(m, v, best, xi, maximize);
    }

    /// <summary>
    /// The point of the unit cube [0,1]^d with the largest expected improvement of <paramref name="gp"/> over
    /// <paramref name="best"/>, and that EI: <see cref="AcquisitionOptions.Candidates"/> seeded uniform candidates, then a
    /// coordinate pattern search (±step on each axis, clamped to the cube; step halved when no move improves) from the
    /// <see cref="AcquisitionOptions.Refine"/> best. Deterministic for a seed; ties keep the earlier point.
    /// </summary>
    public static (double[] Point, double ExpectedImprovement) MaximizeAcquisition(GaussianProcess gp, double best, AcquisitionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(gp);
        options ??= new AcquisitionOptions();
        if (options.Candidates < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Candidates, "MaximizeAcquisition: Candidates must be at least 1.");
        if (options.Refine < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Refine, "MaximizeAcquisition: Refine must be non-negative.");
        if (!(options.InitialStep > 0) || !(options.MinStep > 0))
            throw new ArgumentOutOfRangeException(nameof(options), "MaximizeAcquisition: InitialStep and MinStep must be positive.");
        if (!double.IsFinite(best)) throw new ArgumentOutOfRangeException(nameof(best), best, "MaximizeAcquisition: the incumbent (best) must be finite.");
        int d = gp.Dimensions;
        double Ei(double[] p) => ExpectedImprovement(gp, p, best, options.Xi, options.Maximize);

        var rng = new Rng(options.Seed);
        int keep = Math.Min(options.Refine, options.Candidates);
        var topPoints = new double[Math.Max(keep, 1)][];
        var topValues = new double[topPoints.Length];
        Array.Fill(topValues, double.NegativeInfinity);
        for (int c = 0; c < options.Candidates; c++)
        {
            var p = new double[d];
            for (int k = 0; k < d; k++) p[k] = rng.NextDouble();
            double v = Ei(p);
            // Insert into the sorted top list (strictly greater: earlier candidates win ties).
            int pos = topValues.Length;
            while (pos > 0 && v > topValues[pos - 1]) pos--;
            if (pos >= topValues.Length) continue;
            for (int j = topValues.Length - 1; j > pos; j--) { topValues[j] = topValues[j - 1]; topPoints[j] = topPoints[j - 1]; }
            topValues[pos] = v; topPoints[pos] = p;
        }

        double[] bestPoint = topPoints[0]; double bestValue = topValues[0];
        for (int s = 0; s < keep; s++)
        {
            var p = (double[])topPoints[s].Clone();
            double f = topValues[s];
            double step = options.InitialStep;
            var trial = new double[d];
            while (step >= options.MinStep)
            {
                bool moved = false;
                for (int k = 0; k < d; k++)
                {
                    foreach (int sign in new[] { 1, -1 })
                    {
                        Array.Copy(p, trial, d);
                        trial[k] = Math.Clamp(p[k] + sign * step, 0, 1);
                        if (trial[k] == p[k]) continue;
                        double ft = Ei(trial);
                        if (ft > f) { f = ft; Array.Copy(trial, p, d); moved = true; break; }
                    }
                }
                if (!moved) step *= 0.5;
            }
            if (f > bestValue) { bestValue = f; bestPoint = p; }
        }
        return ((double[])bestPoint.Clone(), bestValue);
    }
}
