using System;

namespace Nabla.Search;

/// <summary>
/// Options of <see cref="GaussianProcess.FitHyperparameters"/>: the kernel family, the box of hyperparameters
/// (in the standardized output units and for inputs in the unit cube), the number of starts and the seed.
/// </summary>
public sealed record GpFitOptions
{
    /// <summary>The kernel family (default Matérn 5/2).</summary>
    public GpKernelKind Kind { get; init; } = GpKernelKind.Matern52;
    /// <summary>The seed of the random starts (one seed, one result).</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>The number of local optimizations: the first from <see cref="GpFitOptions.InitialKernel"/>'s defaults, the others from uniform points of the log box (default 8).</summary>
    public int Starts { get; init; } = 8;
    /// <summary>The iteration budget of each local optimization (default 200).</summary>
    public int MaxIterations { get; init; } = 200;
    /// <summary>Bounds of every length scale (default [0.01, 10]; inputs live in the unit cube).</summary>
    public double LengthScaleMin { get; init; } = 0.01;
    /// <inheritdoc cref="LengthScaleMin"/>
    public double LengthScaleMax { get; init; } = 10;
    /// <summary>Bounds of the signal variance σ_f², in standardized units (default [0.01, 100]).</summary>
    public double SignalVarianceMin { get; init; } = 0.01;
    /// <inheritdoc cref="SignalVarianceMin"/>
    public double SignalVarianceMax { get; init; } = 100;
    /// <summary>Bounds of the noise variance σ_n², in standardized units (default [1e-6, 1]).</summary>
    public double NoiseVarianceMin { get; init; } = 1e-6;
    /// <inheritdoc cref="NoiseVarianceMin"/>
    public double NoiseVarianceMax { get; init; } = 1;
    /// <summary>
    /// The median of the log-normal prior on every length scale (default 0.5, the unit cube's half width). With a prior
    /// the fit maximizes the marginal likelihood times the prior (MAP): with a handful of noisy points the likelihood
    /// alone often prefers a length scale at the lower bound, a GP that spikes through every observation.
    /// </summary>
    public double LengthScalePriorMedian { get; init; } = 0.5;
    /// <summary>The standard deviation of log ℓ under the prior (default 1); <see cref="double.PositiveInfinity"/> for no prior (maximum likelihood).</summary>
    public double LengthScalePriorLogSd { get; init; } = 1;

    /// <summary>
    /// The first start for <paramref name="dimensions"/> inputs: every ℓ = 0.5, σ_f² = 1, σ_n² = 0.01, clamped into the box.
    /// </summary>
    public GpKernel InitialKernel(int dimensions)
    {
        var ell = new double[dimensions];
        for (int k = 0; k < dimensions; k++) ell[k] = Math.Clamp(0.5, LengthScaleMin, LengthScaleMax);
        return new GpKernel(Kind, ell, Math.Clamp(1.0, SignalVarianceMin, SignalVarianceMax), Math.Clamp(0.01, NoiseVarianceMin, NoiseVarianceMax));
    }

    internal void Validate()
    {
        if (Starts < 1) throw new ArgumentOutOfRangeException(nameof(Starts), Starts, "GpFitOptions: Starts must be at least 1.");
        if (MaxIterations < 0) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "GpFitOptions: MaxIterations must be non-negative.");
        Check(LengthScaleMin, LengthScaleMax, "LengthScale");
        Check(SignalVarianceMin, SignalVarianceMax, "SignalVariance");
        Check(NoiseVarianceMin, NoiseVarianceMax, "NoiseVariance");
        if (!(LengthScalePriorMedian > 0) || double.IsInfinity(LengthScalePriorMedian))
            throw new ArgumentException($"GpFitOptions: LengthScalePriorMedian must be finite and > 0; got {LengthScalePriorMedian}.");
        if (!(LengthScalePriorLogSd > 0))
            throw new ArgumentException($"GpFitOptions: LengthScalePriorLogSd must be > 0 (PositiveInfinity: no prior); got {LengthScalePriorLogSd}.");
        static void Check(double lo, double hi, string name)
        {
            if (!(lo > 0) || double.IsInfinity(hi) || !(hi >= lo))
                throw new ArgumentException($"GpFitOptions: {name}Min/{name}Max must satisfy 0 < min ≤ max < ∞; got [{lo}, {hi}].");
        }
    }
}

/// <summary>How <see cref="GaussianProcess.FitHyperparameters"/> went: the likelihood at the first start and at the optimum.</summary>
/// <param name="InitialLogMarginalLikelihood">The log marginal likelihood at <see cref="GpFitOptions.InitialKernel"/> (standardized units).</param>
/// <param name="LogMarginalLikelihood">The log marginal likelihood at the fitted hyperparameters (standardized units; with a length-scale prior they maximize it plus the prior, so it can be below the best likelihood alone).</param>
/// <param name="Evaluations">The number of likelihood-and-gradient evaluations over all starts.</param>
public sealed record GpFitReport(double InitialLogMarginalLikelihood, double LogMarginalLikelihood, int Evaluations);

/// <summary>
/// A Gaussian-process regression surrogate on points of the unit cube, in float64: zero prior mean on standardized
/// outputs, a <see cref="GpKernel"/> covariance, exact inference by a Cholesky factorization.
/// </summary>
/// <remarks>
/// <para>Outputs are standardized before fitting: ỹ = (y − m)/s with m the mean of y and s its population standard
/// deviation (divided by n), or s = 1 when that is below 1e-12·max(1, |m|) (one point, or all equal). The kernel's
/// variances and <see cref="LogMarginalLikelihood"/> are in these standardized units; <see cref="Predict(double[])"/>
/// returns mean and variance in y's original units (m + s·μ̃, s²·σ̃²).</para>
/// <para>If K + σ_n²I is not numerically positive definite, jitter 1e-10·σ_f² is added on the diagonal and multiplied
/// by 10 until the factorization succeeds (at most 1e-2·σ_f², else an error); the amount is <see cref="Jitter"/>.</para>
/// </remarks>
public sealed class GaussianProcess
{
    private readonly double[,] _x;
    private readonly double[,] _l;     // lower Cholesky factor of K + (σn² + jitter)·I
    private readonly double[] _alpha;  // (K + σn²I)⁻¹ ỹ

    private GaussianProcess(double[,] x, GpKernel kernel, double yMean, double yScale, double[,] l, double[] alpha, double jitter, double lml, GpFitReport? report)
    {
        _x = x; Kernel = kernel; OutputMean = yMean; OutputScale = yScale; _l = l; _alpha = alpha;
        Jitter = jitter; LogMarginalLikelihood = lml; FitReport = report;
    }

    /// <summary>The covariance (with its standardized-unit variances).</summary>
    public GpKernel Kernel { get; }
    /// <summary>The number of training points.</summary>
    public int Count => _x.GetLength(0);
    /// <summary>The input dimension.</summary>
    public int Dimensions => _x.GetLength(1);
    /// <summary>The mean m subtracted from the outputs.</summary>
    public double OutputMean { get; }
    /// <summary>The scale s the outputs were divided by.</summary>
    public double OutputScale { get; }
    /// <summary>The extra diagonal jitter the factorization needed (0 when K + σ_n²I factored as is).</summary>
    public double Jitter { get; }
    /// <summary>log p(ỹ | X, θ) of the standardized outputs (−½ỹᵀK⁻¹ỹ − ½log|K| − (n/2)log 2π, with the jitter included in K).</summary>
    public double LogMarginalLikelihood { get; }
    /// <summary>The hyperparameter fit that produced this model, or null for <see cref="Fit"/> with a given kernel.</summary>
    public GpFitReport? FitReport { get; }

    /// <summary>
    /// Conditions the GP with the fixed <paramref name="kernel"/> on inputs <paramref name="x"/> (n × d, one point per
    /// row) and outputs <paramref name="y"/> (n values, standardized internally — see the remarks of the type).
    /// </summary>
    public static GaussianProcess Fit(double[,] x, double[] y, GpKernel kernel) => FitCore(x, y, kernel, null);

    private static GaussianProcess FitCore(double[,] x, double[] y, GpKernel kernel, GpFitReport? report)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        CheckData(x, y);
        if (kernel.Dimensions != x.GetLength(1))
            throw new ArgumentException($"GaussianProcess: the kernel has {kernel.Dimensions} length scales but the points have {x.GetLength(1)} coordinates.", nameof(kernel));
        var (mean, scale, ys) = Standardize(y);
        var xc = (double[,])x.Clone();
        int n = ys.Length;
        var k = Covariance(xc, kernel);
        double jitter = 0, step = 1e-10 * kernel.SignalVariance;
        double[,]? l;
        while (!TryCholesky(k, jitter, out l))
        {
            if (jitter >= 1e-2 * kernel.SignalVariance)
                throw new InvalidOperationException($"GaussianProcess: the covariance is not positive definite even with jitter {jitter:G3} on the diagonal (duplicate points with zero noise? non-finite inputs?); kernel {kernel}.");
            jitter = jitter == 0 ? step : jitter * 10;
        }
        var alpha = CholeskySolve(l!, ys);
        double lml = -0.5 * Dot(ys, alpha) - 0.5 * n * Math.Log(2 * Math.PI);
        for (int i = 0; i < n; i++) lml -= Math.Log(l![i, i]);
        return new GaussianProcess(xc, kernel, mean, scale, l!, alpha, jitter, lml, report);
    }

    /// <summary>
    /// Fits the kernel hyperparameters θ = [log ℓ_1..ℓ_d, log σ_f², log σ_n²] by maximizing the log marginal likelihood
    /// of the standardized outputs plus the log-normal length-scale prior's log density (<see cref="GpFitOptions.LengthScalePriorMedian"/>;
    /// none when its spread is infinite) over the box of <paramref name="options"/>: projected gradient ascent with the analytic
    /// gradient and a step-halving line search, from <see cref="GpFitOptions.Starts"/> starts (the defaults, then seeded
    /// uniform points of the box). Deterministic for a seed. Returns the GP conditioned with the best kernel.
    /// </summary>
    public static GaussianProcess FitHyperparameters(double[,] x, double[] y, GpFitOptions? options = null)
    {
        options ??= new GpFitOptions();
        options.Validate();
        CheckData(x, y);
        var (_, _, ys) = Standardize(y);
        int d = x.GetLength(1), p = d + 2;
        var lo = new double[p]; var hi = new double[p];
        for (int k = 0; k < d; k++) { lo[k] = Math.Log(options.LengthScaleMin); hi[k] = Math.Log(options.LengthScaleMax); }
        lo[d] = Math.Log(options.SignalVarianceMin); hi[d] = Math.Log(options.SignalVarianceMax);
        lo[d + 1] = Math.Log(options.NoiseVarianceMin); hi[d + 1] = Math.Log(options.NoiseVarianceMax);

        bool prior = !double.IsPositiveInfinity(options.LengthScalePriorLogSd);
        double priorMu = Math.Log(options.LengthScalePriorMedian), priorSd = options.LengthScalePriorLogSd;
        // The objective: the log marginal likelihood plus, with a prior, Σ_k −½((log ℓ_k − μ)/s)² (its gradient added to g).
        double Objective(double[] theta, double[] g, out double lml)
        {
            lml = LogMarginalLikelihoodAt(x, ys, options.Kind, theta, g);
            if (!prior || double.IsNegativeInfinity(lml)) return lml;
            double lp = 0;
            for (int k = 0; k < d; k++)
            {
                double z = (theta[k] - priorMu) / priorSd;
                lp -= 0.5 * z * z;
                g[k] -= z / priorSd;
            }
            return lml + lp;
        }
        var rng = new Rng(options.Seed);
        int evaluations = 0;
        double initialLml = double.NaN, bestObjective = double.NegativeInfinity, bestLml = double.NaN;
        double[]? best = null;
        for (int s = 0; s < options.Starts; s++)
        {
            var theta = new double[p];
            if (s == 0) theta = options.InitialKernel(d).ToLogParameters();
            else for (int k = 0; k < p; k++) theta[k] = rng.Uniform(lo[k], hi[k]);
            var g = new double[p];
            double f = Objective(theta, g, out double fLml); evaluations++;
            if (s == 0) initialLml = fLml;
            double step = 0.5;
            var trial = new double[p]; var gTrial = new double[p];
            for (int it = 0; it < options.MaxIterations && step > 1e-7; it++)
            {
                // Projected gradient: zero the components pushing out of the box at a bound.
                double norm = 0;
                for (int k = 0; k < p; k++)
                {
                    if ((theta[k] <= lo[k] && g[k] < 0) || (theta[k] >= hi[k] && g[k] > 0)) g[k] = 0;
                    norm += g[k] * g[k];
                }
                norm = Math.Sqrt(norm);
                if (!(norm > 1e-8)) break;
                for (int k = 0; k < p; k++) trial[k] = Math.Clamp(theta[k] + step * g[k] / norm, lo[k], hi[k]);
                double ft = Objective(trial, gTrial, out double ftLml); evaluations++;
                if (ft > f)
                {
                    (theta, trial) = (trial, theta); (g, gTrial) = (gTrial, g); f = ft; fLml = ftLml;
                    step = Math.Min(step * 2, 2);
                }
                else step *= 0.5;
            }
            if (f > bestObjective) { bestObjective = f; bestLml = fLml; best = (double[])theta.Clone(); }
        }
        if (best == null)
            throw new InvalidOperationException("GaussianProcess: the marginal likelihood was not finite at any start (non-finite or duplicate inputs?).");
        var kernel = GpKernel.FromLogParameters(options.Kind, best);
        return FitCore(x, y, kernel, new GpFitReport(initialLml, bestLml, evaluations));
    }

    /// <summary>
    /// The log marginal likelihood log p(ỹ | X, θ) of already standardized outputs <paramref name="yStandardized"/> for
    /// the kernel with log parameters <paramref name="logParameters"/> = [log ℓ_1..ℓ_d, log σ_f², log σ_n²], and, when
    /// <paramref name="gradient"/> is not null, its gradient with respect to them: ½·tr((ααᵀ − K⁻¹)·∂K/∂θ_j).
    /// −∞ (gradient zero) when K + σ_n²I is not numerically positive definite (no jitter here: it is the objective).
    /// </summary>
    public static double LogMarginalLikelihoodAt(double[,] x, double[] yStandardized, GpKernelKind kind, double[] logParameters, double[]? gradient)
    {
        CheckData(x, yStandardized);
        ArgumentNullException.ThrowIfNull(logParameters);
        int n = x.GetLength(0), d = x.GetLength(1);
        if (logParameters.Length != d + 2)
            throw new ArgumentException($"GaussianProcess: {d}-dimensional points need {d + 2} log parameters; got {logParameters.Length}.", nameof(logParameters));
        if (gradient != null && gradient.Length != d + 2)
            throw new ArgumentException($"GaussianProcess: the gradient needs {d + 2} entries; got {gradient.Length}.", nameof(gradient));
        var kernel = GpKernel.FromLogParameters(kind, logParameters);
        var k = Covariance(x, kernel);
        if (!TryCholesky(k, 0, out var l))
        {
            if (gradient != null) Array.Clear(gradient);
            return double.NegativeInfinity;
        }
        var alpha = CholeskySolve(l, yStandardized);
        double lml = -0.5 * Dot(yStandardized, alpha) - 0.5 * n * Math.Log(2 * Math.PI);
        for (int i = 0; i < n; i++) lml -= Math.Log(l[i, i]);
        if (gradient == null) return lml;

        // W = ααᵀ − K⁻¹ (symmetric); K⁻¹ by solving against the identity.
        var w = new double[n, n];
        var e = new double[n];
        for (int j = 0; j < n; j++)
        {
            Array.Clear(e); e[j] = 1;
            var col = CholeskySolve(l, e);
            for (int i = 0; i < n; i++) w[i, j] = alpha[i] * alpha[j] - col[i];
        }
        Array.Clear(gradient);
        double sf2 = kernel.SignalVariance;
        for (int i = 0; i < n; i++)
        {
            gradient[d] += 0.5 * w[i, i] * sf2;
            gradient[d + 1] += 0.5 * w[i, i] * kernel.NoiseVariance;
            for (int j = i + 1; j < n; j++)
            {
                double r2 = 0;
                for (int c = 0; c < d; c++) { double u = kernel.ScaledDiff(x[i, c], x[j, c], c); r2 += u * u; }
                double wij = w[i, j]; // counted twice (i,j) and (j,i): 2·½ = 1
                gradient[d] += wij * sf2 * kernel.Shape(r2);
                double ds = wij * sf2 * kernel.DShape(r2);
                for (int c = 0; c < d; c++) { double u = kernel.ScaledDiff(x[i, c], x[j, c], c); gradient[c] += ds * u * u; }
            }
        }
        return lml;
    }

    /// <summary>The posterior mean and variance of the latent function at <paramref name="point"/>, in y's original units (the variance excludes the observation noise and is ≥ 0).</summary>
    public (double Mean, double Variance) Predict(double[] point)
    {
        ArgumentNullException.ThrowIfNull(point);
        if (point.Length != Dimensions)
            throw new ArgumentException($"GaussianProcess.Predict: the point has {point.Length} coordinates, the model {Dimensions}.", nameof(point));
        return PredictCore(point);
    }

    /// <summary>The posterior means and variances at the rows of <paramref name="points"/> (m × d), in y's original units.</summary>
    public (double[] Mean, double[] Variance) Predict(double[,] points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.GetLength(1) != Dimensions)
            throw new ArgumentException($"GaussianProcess.Predict: the points have {points.GetLength(1)} coordinates, the model {Dimensions}.", nameof(points));
        int m = points.GetLength(0);
        var mean = new double[m]; var variance = new double[m];
        var row = new double[Dimensions];
        for (int i = 0; i < m; i++)
        {
            for (int c = 0; c < Dimensions; c++) row[c] = points[i, c];
            (mean[i], variance[i]) = PredictCore(row);
        }
        return (mean, variance);
    }

    private (double, double) PredictCore(double[] point)
    {
        int n = Count, d = Dimensions;
        var ks = new double[n];
        var xi = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < d; c++) xi[c] = _x[i, c];
            ks[i] = Kernel.Evaluate(xi, point);
        }
        double mu = Dot(ks, _alpha);
        // v = L⁻¹k*, σ² = k(x*,x*) − vᵀv.
        for (int i = 0; i < n; i++)
        {
            double s = ks[i];
            for (int j = 0; j < i; j++) s -= _l[i, j] * ks[j];
            ks[i] = s / _l[i, i];
        }
        double var = Kernel.SignalVariance - Dot(ks, ks);
        if (var < 0) var = 0;
        return (OutputMean + OutputScale * mu, OutputScale * OutputScale * var);
    }

    private static void CheckData(double[,] x, double[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int n = x.GetLength(0), d = x.GetLength(1);
        if (n == 0) throw new ArgumentException("GaussianProcess: needs at least one training point.", nameof(x));
        if (d == 0) throw new ArgumentException("GaussianProcess: points need at least one coordinate.", nameof(x));
        if (y.Length != n) throw new ArgumentException($"GaussianProcess: {n} points but {y.Length} outputs.", nameof(y));
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(y[i])) throw new ArgumentException($"GaussianProcess: output {i} is {y[i]}; outputs must be finite.", nameof(y));
            for (int c = 0; c < d; c++)
                if (!double.IsFinite(x[i, c])) throw new ArgumentException($"GaussianProcess: point {i} coordinate {c} is {x[i, c]}; inputs must be finite.", nameof(x));
        }
    }

    /// <summary>The standardization of <paramref name="y"/>: its mean, its scale (population standard deviation, or 1 when degenerate) and (y − mean)/scale.</summary>
    public static (double Mean, double Scale, double[] Standardized) Standardize(double[] y)
    {
        ArgumentNullException.ThrowIfNull(y);
        if (y.Length == 0) throw new ArgumentException("GaussianProcess: no outputs to standardize.", nameof(y));
        double mean = 0;
        foreach (var v in y) mean += v;
        mean /= y.Length;
        double ss = 0;
        foreach (var v in y) ss += (v - mean) * (v - mean);
        double scale = Math.Sqrt(ss / y.Length);
        if (!(scale > 1e-12 * Math.Max(1, Math.Abs(mean)))) scale = 1;
        var z = new double[y.Length];
        for (int i = 0; i < y.Length; i++) z[i] = (y[i] - mean) / scale;
        return (mean, scale, z);
    }

    private static double[,] Covariance(double[,] x, GpKernel kernel)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var k = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            k[i, i] = kernel.SignalVariance + kernel.NoiseVariance;
            for (int j = 0; j < i; j++)
            {
                double r2 = 0;
                for (int c = 0; c < d; c++) { double u = kernel.ScaledDiff(x[i, c], x[j, c], c); r2 += u * u; }
                k[i, j] = k[j, i] = kernel.SignalVariance * kernel.Shape(r2);
            }
        }
        return k;
    }

    /// <summary>
    /// The lower Cholesky factor L of the symmetric matrix <paramref name="a"/> + <paramref name="jitter"/>·I
    /// (L·Lᵀ = A, only the lower triangle of A is read); false when a pivot is not positive (not positive definite).
    /// </summary>
    public static bool TryCholesky(double[,] a, double jitter, out double[,] l)
    {
        ArgumentNullException.ThrowIfNull(a);
        int n = a.GetLength(0);
        if (a.GetLength(1) != n) throw new ArgumentException($"Cholesky: the matrix must be square; got {n}×{a.GetLength(1)}.", nameof(a));
        l = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            double s = a[j, j] + jitter;
            for (int k = 0; k < j; k++) s -= l[j, k] * l[j, k];
            if (!(s > 0) || double.IsInfinity(s)) return false;
            double ljj = Math.Sqrt(s);
            l[j, j] = ljj;
            for (int i = j + 1; i < n; i++)
            {
                double t = a[i, j];
                for (int k = 0; k < j; k++) t -= l[i, k] * l[j, k];
                l[i, j] = t / ljj;
            }
        }
        return true;
    }

    /// <summary>Solves L·Lᵀ·x = <paramref name="b"/> for the lower factor <paramref name="l"/> of <see cref="TryCholesky"/>.</summary>
    public static double[] CholeskySolve(double[,] l, double[] b)
    {
        ArgumentNullException.ThrowIfNull(l);
        ArgumentNullException.ThrowIfNull(b);
        int n = b.Length;
        if (l.GetLength(0) != n || l.GetLength(1) != n)
            throw new ArgumentException($"CholeskySolve: the factor is {l.GetLength(0)}×{l.GetLength(1)} but the right-hand side has {n} entries.", nameof(b));
        var z = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i, k] * z[k];
            z[i] = s / l[i, i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double s = z[i];
            for (int k = i + 1; k < n; k++) s -= l[k, i] * z[k];
            z[i] = s / l[i, i];
        }
        return z;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
