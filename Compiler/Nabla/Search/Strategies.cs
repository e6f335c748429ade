using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Search;

/// <summary>
/// What a strategy sees when it proposes trial <see cref="TrialIndex"/>. The reproducibility rule (enforced by
/// <see cref="SearchRunner"/>): the proposal for trial k is a function of (seed, k, total trials, the results of
/// trials 0 … k − W in trial-index order) only, where W is the worker count — never of which worker finished first.
/// With one worker a strategy sees every earlier trial; with W workers it sees all but the W − 1 latest, which may
/// still be running. A strategy that does not use the history (<see cref="ISearchStrategy.UsesHistory"/> false)
/// gets an empty <see cref="History"/> and its trials start without waiting.
/// </summary>
public sealed class ProposalContext
{
    /// <summary>Creates the context of one proposal (the runner does this; public so strategies can be tested alone).</summary>
    public ProposalContext(SearchSpace space, int trialIndex, int totalTrials, long seed, bool maximize, IReadOnlyList<TrialResult> history)
    {
        Space = space ?? throw new ArgumentNullException(nameof(space));
        if (trialIndex < 0 || trialIndex >= totalTrials) throw new ArgumentOutOfRangeException(nameof(trialIndex), trialIndex, $"Trial index must be in [0, {totalTrials}).");
        TrialIndex = trialIndex; TotalTrials = totalTrials; Seed = seed; Maximize = maximize;
        History = history ?? Array.Empty<TrialResult>();
    }

    /// <summary>The search space (with its unit-cube mapping).</summary>
    public SearchSpace Space { get; }

    /// <summary>The index k of the trial being proposed (0-based).</summary>
    public int TrialIndex { get; }

    /// <summary>The total number of trials N of the search.</summary>
    public int TotalTrials { get; }

    /// <summary>The seed of the search.</summary>
    public long Seed { get; }

    /// <summary>True when larger objective values are better.</summary>
    public bool Maximize { get; }

    /// <summary>The finished trials the proposal may use (trials 0 … k − W, in index order; failed ones included, with a NaN value).</summary>
    public IReadOnlyList<TrialResult> History { get; }

    /// <summary>
    /// A random stream for this proposal: <c>Rng.ForName(Seed, stream + ":" + TrialIndex)</c>, so it depends only on
    /// the seed, the stream's name and the trial index.
    /// </summary>
    public Rng CreateRng(string stream) => Rng.ForName(Seed, stream + ":" + TrialIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The successful trials of <see cref="History"/>, best first (ties broken by trial index).</summary>
    public IReadOnlyList<TrialResult> Ranked() =>
        History.Where(t => t.Succeeded)
            .OrderBy(t => Maximize ? -t.Value : t.Value).ThenBy(t => t.Index).ToArray();
}

/// <summary>
/// A search strategy: proposes the configuration of each trial. Implementations must be deterministic functions of
/// the <see cref="ProposalContext"/> (draw randomness only from <see cref="ProposalContext.CreateRng"/>), which is what
/// makes a search bit-reproducible for a seed and a worker count and lets an interrupted search resume exactly.
/// A Bayesian strategy fits its surrogate to <see cref="ProposalContext.History"/> mapped by
/// <see cref="SearchSpace.ToUnit"/> and returns <see cref="SearchSpace.FromUnit"/> of the point it chooses.
/// </summary>
public interface ISearchStrategy
{
    /// <summary>
    /// A name that identifies the strategy and its settings (recorded in the search log; a resumed search must
    /// use the same), e.g. <c>random</c> or <c>coarse-to-fine(coarse=0.5,top=0.2)</c>.
    /// </summary>
    string Name { get; }

    /// <summary>
    /// False when proposals ignore the history: the runner then passes an empty history and never waits for
    /// earlier trials to finish before starting one.
    /// </summary>
    bool UsesHistory { get; }

    /// <summary>The configuration of trial <see cref="ProposalContext.TrialIndex"/>.</summary>
    Configuration Propose(ProposalContext context);
}

/// <summary>
/// Random search: each coordinate of the unit cube uniform and independent, so each hyperparameter is drawn on its
/// own scale (log-uniform learning rates, equally likely choices). Trial k's configuration depends only on (seed, k).
/// </summary>
public sealed class RandomSearch : ISearchStrategy
{
    /// <inheritdoc/>
    public string Name => "random";

    /// <inheritdoc/>
    public bool UsesHistory => false;

    /// <inheritdoc/>
    public Configuration Propose(ProposalContext context) => SampleBox(context, context.CreateRng("propose"), null, null);

    internal static Configuration SampleBox(ProposalContext c, Rng rng, double[]? lo, double[]? hi)
    {
        var u = new double[c.Space.Dimension];
        for (int i = 0; i < u.Length; i++)
            u[i] = lo == null ? rng.NextDouble() : rng.Uniform(lo[i], hi![i]);
        return c.Space.FromUnit(u);
    }
}

/// <summary>
/// Coarse-to-fine search. The rule: trials k &lt; ⌈<see cref="CoarseFraction"/>·N⌉ are random (as
/// <see cref="RandomSearch"/>). Each later trial takes the successful trials of its history, best first, keeps the
/// top m = max(2, ⌈<see cref="TopFraction"/>·count⌉), and in unit-cube coordinates takes their bounding box, widens
/// it by <see cref="Margin"/> of its width on each side, makes every side at least <see cref="MinWidth"/> wide
/// (about its centre), clips it to [0, 1] and samples uniformly inside. As the best trials gather, the box
/// shrinks around them. With fewer than two successful trials in the history the trial is random.
/// </summary>
public sealed class CoarseToFine : ISearchStrategy
{
    /// <summary>Creates the strategy with its settings (see the class summary).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A fraction outside (0, 1], a negative margin, or a minimum width outside (0, 1].</exception>
    public CoarseToFine(double coarseFraction = 0.5, double topFraction = 0.2, double margin = 0.25, double minWidth = 0.05)
    {
        if (!(coarseFraction > 0 && coarseFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(coarseFraction), coarseFraction, "Coarse fraction must be in (0, 1].");
        if (!(topFraction > 0 && topFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(topFraction), topFraction, "Top fraction must be in (0, 1].");
        if (!(margin >= 0 && double.IsFinite(margin))) throw new ArgumentOutOfRangeException(nameof(margin), margin, "Margin must be finite and ≥ 0.");
        if (!(minWidth > 0 && minWidth <= 1)) throw new ArgumentOutOfRangeException(nameof(minWidth), minWidth, "Minimum width must be in (0, 1].");
        CoarseFraction = coarseFraction; TopFraction = topFraction; Margin = margin; MinWidth = minWidth;
    }

    /// <summary>The fraction of the budget spent on random trials first (default 0.5).</summary>
    public double CoarseFraction { get; }

    /// <summary>The fraction of the successful trials whose box is refined (default 0.2; at least two trials).</summary>
    public double TopFraction { get; }

    /// <summary>How much the box of the best trials is widened on each side, as a fraction of its width (default 0.25).</summary>
    public double Margin { get; }

    /// <summary>The smallest side of the box in unit coordinates (default 0.05).</summary>
    public double MinWidth { get; }

    /// <inheritdoc/>
    public string Name => FormattableString.Invariant($"coarse-to-fine(coarse={CoarseFraction:R},top={TopFraction:R},margin={Margin:R},min={MinWidth:R})");

    /// <inheritdoc/>
    public bool UsesHistory => true;

    /// <summary>The number of random trials first: ⌈CoarseFraction·N⌉.</summary>
    public int CoarseTrials(int totalTrials) => (int)Math.Ceiling(CoarseFraction * totalTrials);

    /// <summary>The box the trial of <paramref name="context"/> samples from, or null when it is a random (coarse) trial.</summary>
    public (double[] Lo, double[] Hi)? Box(ProposalContext context)
    {
        if (context.TrialIndex < CoarseTrials(context.TotalTrials)) return null;
        var ranked = context.Ranked();
        if (ranked.Count < 2) return null;
        int m = Math.Max(2, (int)Math.Ceiling(TopFraction * ranked.Count));
        var top = ranked.Take(m).Select(t => context.Space.ToUnit(t.Configuration)).ToArray();
        int d = context.Space.Dimension;
        double[] lo = new double[d], hi = new double[d];
        for (int i = 0; i < d; i++)
        {
            double a = top.Min(p => p[i]), b = top.Max(p => p[i]);
            double w = b - a;
            a -= Margin * w; b += Margin * w;
            if (b - a < MinWidth) { double c = 0.5 * (a + b); a = c - 0.5 * MinWidth; b = c + 0.5 * MinWidth; }
            lo[i] = Math.Max(0, a); hi[i] = Math.Min(1, b);
        }
        return (lo, hi);
    }

    /// <inheritdoc/>
    public Configuration Propose(ProposalContext context)
    {
        var rng = context.CreateRng("propose");
        var box = Box(context);
        return box is { } b ? RandomSearch.SampleBox(context, rng, b.Lo, b.Hi) : RandomSearch.SampleBox(context, rng, null, null);
    }
}
