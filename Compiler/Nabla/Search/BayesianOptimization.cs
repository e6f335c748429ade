using System;
using System.Linq;

namespace Nabla.Search;

/// <summary>
/// Bayesian optimization (lecture 002): a Gaussian-process surrogate of the objective over the space's unit cube,
/// fitted to the finished trials by maximizing its marginal likelihood times a log-normal prior on the length scales
/// (<see cref="GaussianProcess.FitHyperparameters"/>),
/// and the next configuration where the expected improvement over the best value so far is largest
/// (<see cref="Acquisition.MaximizeAcquisition"/>). The first <see cref="InitialTrials"/> trials are an initial design
/// (<see cref="Design"/>: by default a Latin hypercube, which puts one trial in each of n equal slices of every
/// coordinate, so that with n = 5 every fifth of a range is tried once, and every value of a choice of up to three,
/// before the GP takes over — a random start can miss an optimizer altogether and leave the GP blind to it); any later trial that
/// sees fewer successful trials than that is random (as <see cref="RandomSearch"/>). Failed trials are left out of the fit.
/// A minimized objective is negated for the surrogate, so EI always looks for larger values. Choices and integers are
/// seen by the GP at their cells' centres in the unit cube and rounded on the way back.
/// <para>
/// Reproducible as the runner requires: a proposal depends only on the history it is given and on random streams
/// named after the seed and the trial index (<see cref="ProposalContext.CreateRng"/>).
/// </para>
/// </summary>
public sealed class BayesianOptimization : ISearchStrategy
{
    /// <summary>Bayesian optimization with <paramref name="initialTrials"/> trials of the initial <paramref name="design"/> first,
    /// the <paramref name="kernel"/> family, and <paramref name="xi"/> (≥ 0) as EI's exploration margin.</summary>
    public BayesianOptimization(int initialTrials = 5, GpKernelKind kernel = GpKernelKind.Matern52, double xi = 0.0,
                                InitialDesign design = InitialDesign.LatinHypercube)
    {
        if (design != InitialDesign.LatinHypercube && design != InitialDesign.Random)
            throw new ArgumentOutOfRangeException(nameof(design), design, "Unknown initial design.");
        if (initialTrials < 2) throw new ArgumentOutOfRangeException(nameof(initialTrials), initialTrials, "Bayesian optimization needs at least 2 random trials before it fits a surrogate.");
        if (!(xi >= 0) || double.IsInfinity(xi)) throw new ArgumentOutOfRangeException(nameof(xi), xi, "The exploration margin xi must be finite and ≥ 0.");
        InitialTrials = initialTrials;
        Kernel = kernel;
        Xi = xi;
        Design = design;
    }

    /// <summary>How the first <see cref="InitialTrials"/> trials are placed.</summary>
    public InitialDesign Design { get; }

    /// <summary>How many trials the initial design places, and how many successful trials the surrogate needs before it is used (random proposals until then).</summary>
    public int InitialTrials { get; }

    /// <summary>The GP's kernel family.</summary>
    public GpKernelKind Kernel { get; }

    /// <summary>Expected improvement's exploration margin ξ (in the objective's units).</summary>
    public double Xi { get; }

    /// <inheritdoc/>
    public string Name => FormattableString.Invariant(
        $"bayes(initial={InitialTrials},{(Design == InitialDesign.LatinHypercube ? "design=lhs," : "")}kernel={Kernel},lengthscale_prior=lognormal(0.5,1),xi={Xi:R})");

    /// <inheritdoc/>
    public bool UsesHistory => true;

    /// <inheritdoc/>
    public Configuration Propose(ProposalContext context)
    {
        if (context is null) throw new ArgumentNullException(nameof(context));
        if (context.TrialIndex < InitialTrials && Design == InitialDesign.LatinHypercube)
            return context.Space.FromUnit(LatinHypercubePoint(context, InitialTrials));
        var gp = FitSurrogate(context);
        if (gp is null) return new RandomSearch().Propose(context);
        var (point, _) = Acquisition.MaximizeAcquisition(gp.Process, gp.Best,
            new AcquisitionOptions { Seed = context.CreateRng("acquisition").NextUInt64(), Xi = Xi, Maximize = true });
        return context.Space.FromUnit(point);
    }

    /// <summary>
    /// The surrogate the proposal of <paramref name="context"/> uses: the GP fitted to the successful trials of its
    /// history (unit-cube inputs; values negated when minimizing), and the best of those values; null when the
    /// proposal is random (before <see cref="InitialTrials"/> successful trials). Public so figures can show exactly
    /// what the search saw (posterior mean ± 2σ, expected improvement).
    /// </summary>
    public Surrogate? FitSurrogate(ProposalContext context)
    {
        if (context is null) throw new ArgumentNullException(nameof(context));
        var done = context.History.Where(t => t.Succeeded).ToArray();
        if (context.TrialIndex < InitialTrials || done.Length < InitialTrials) return null;

        int d = context.Space.Dimension;
        var x = new double[done.Length, d];
        var y = new double[done.Length];
        for (int i = 0; i < done.Length; i++)
        {
            var u = context.Space.ToUnit(done[i].Configuration);
            for (int j = 0; j < d; j++) x[i, j] = u[j];
            y[i] = context.Maximize ? done[i].Value : -done[i].Value;
        }
        var gp = GaussianProcess.FitHyperparameters(x, y, new GpFitOptions { Kind = Kernel, Seed = context.CreateRng("gp-fit").NextUInt64() });
        return new Surrogate(gp, y.Max(), context.Maximize);
    }

    /// <summary>
    /// Point k of an n-point Latin hypercube in the unit cube: in every dimension d a permutation π_d of 0 … n − 1 drawn
    /// from the stream named "lhs" (the same for every trial of the search), and coordinate d = (π_d(k) + U)/n with U
    /// uniform from the trial's own stream. So the n points fall one in each of the n slices of every coordinate.
    /// </summary>
    public static double[] LatinHypercubePoint(ProposalContext context, int n)
    {
        if (context is null) throw new ArgumentNullException(nameof(context));
        if (n < 1 || context.TrialIndex >= n) throw new ArgumentOutOfRangeException(nameof(n), n, $"A Latin hypercube of {n} points has no point {context.TrialIndex}.");
        var shared = Rng.ForName(context.Seed, "lhs");
        var jitter = context.CreateRng("lhs-jitter");
        var u = new double[context.Space.Dimension];
        var perm = new int[n];
        for (int d = 0; d < u.Length; d++)
        {
            for (int i = 0; i < n; i++) perm[i] = i;
            for (int i = n - 1; i > 0; i--)
            {
                int j = (int)(shared.NextDouble() * (i + 1));
                (perm[i], perm[j]) = (perm[j], perm[i]);
            }
            u[d] = (perm[context.TrialIndex] + jitter.NextDouble()) / n;
        }
        return u;
    }

    /// <summary>A fitted surrogate: the GP over the unit cube, the best observed value in its units, and whether those units are the objective's (maximize) or its negation.</summary>
    /// <param name="Process">The fitted Gaussian process.</param>
    /// <param name="Best">The best observed value, in the GP's units (larger is better).</param>
    /// <param name="Maximize">True when the GP models the objective itself; false when it models its negation.</param>
    public sealed record Surrogate(GaussianProcess Process, double Best, bool Maximize);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>How <see cref="BayesianOptimization"/> places its first trials, before the GP has data.</summary>
public enum InitialDesign
{
    /// <summary>A Latin hypercube: one trial in each of n equal slices of every coordinate (the default).</summary>
    LatinHypercube,
    /// <summary>Independent uniform draws, as <see cref="RandomSearch"/>.</summary>
    Random,
}
