using System;
using System.Linq;

namespace Nabla.Search;

/// <summary>
/// Bayesian optimization (lecture 002): a Gaussian-process surrogate of the objective over the space's unit cube,
/// fitted to the finished trials by maximizing its marginal likelihood (<see cref="GaussianProcess.FitHyperparameters"/>),
/// and the next configuration where the expected improvement over the best value so far is largest
/// (<see cref="Acquisition.MaximizeAcquisition"/>). The first <see cref="InitialTrials"/> trials, and any trial that sees
/// fewer successful trials than that, are random (as <see cref="RandomSearch"/>). Failed trials are left out of the fit.
/// A minimized objective is negated for the surrogate, so EI always looks for larger values. Choices and integers are
/// seen by the GP at their cells' centres in the unit cube and rounded on the way back.
/// <para>
/// Reproducible as the runner requires: a proposal depends only on the history it is given and on random streams
/// named after the seed and the trial index (<see cref="ProposalContext.CreateRng"/>).
/// </para>
/// </summary>
public sealed class BayesianOptimization : ISearchStrategy
{
    /// <summary>Bayesian optimization with <paramref name="initialTrials"/> random trials first, the <paramref name="kernel"/>
    /// family, and <paramref name="xi"/> (≥ 0) as EI's exploration margin.</summary>
    public BayesianOptimization(int initialTrials = 5, GpKernelKind kernel = GpKernelKind.Matern52, double xi = 0.0)
    {
        if (initialTrials < 2) throw new ArgumentOutOfRangeException(nameof(initialTrials), initialTrials, "Bayesian optimization needs at least 2 random trials before it fits a surrogate.");
        if (!(xi >= 0) || double.IsInfinity(xi)) throw new ArgumentOutOfRangeException(nameof(xi), xi, "The exploration margin xi must be finite and ≥ 0.");
        InitialTrials = initialTrials;
        Kernel = kernel;
        Xi = xi;
    }

    /// <summary>How many successful trials the surrogate needs before it is used (random proposals until then).</summary>
    public int InitialTrials { get; }

    /// <summary>The GP's kernel family.</summary>
    public GpKernelKind Kernel { get; }

    /// <summary>Expected improvement's exploration margin ξ (in the objective's units).</summary>
    public double Xi { get; }

    /// <inheritdoc/>
    public string Name => FormattableString.Invariant($"bayes(initial={InitialTrials},kernel={Kernel},xi={Xi:R})");

    /// <inheritdoc/>
    public bool UsesHistory => true;

    /// <inheritdoc/>
    public Configuration Propose(ProposalContext context)
    {
        if (context is null) throw new ArgumentNullException(nameof(context));
        var done = context.History.Where(t => t.Succeeded).ToArray();
        if (context.TrialIndex < InitialTrials || done.Length < InitialTrials) return new RandomSearch().Propose(context);

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
        var (point, _) = Acquisition.MaximizeAcquisition(gp, y.Max(),
            new AcquisitionOptions { Seed = context.CreateRng("acquisition").NextUInt64(), Xi = Xi, Maximize = true });
        return context.Space.FromUnit(point);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
