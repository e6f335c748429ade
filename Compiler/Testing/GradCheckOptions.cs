using System;
using System.Collections.Generic;

namespace Nabla.Testing;

/// <summary>
/// The interval values of one input are drawn from (both ends included), e.g. <c>Domain.Of(0.1, 3)</c> for a logarithm.
/// Shrinking moves values toward <see cref="Simplest"/> (0 when the interval holds it).
/// </summary>
public readonly struct Domain : IEquatable<Domain>
{
    /// <summary>An interval [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <exception cref="ArgumentException">The ends are not finite or <paramref name="min"/> &gt; <paramref name="max"/>.</exception>
    public Domain(double min, double max)
    {
        if (double.IsNaN(min) || double.IsNaN(max) || double.IsInfinity(min) || double.IsInfinity(max) || min > max)
            throw new ArgumentException($"A domain needs finite ends with min ≤ max; got [{min}, {max}].");
        Min = min; Max = max;
    }

    /// <summary>The smallest value drawn.</summary>
    public double Min { get; }
    /// <summary>The largest value drawn.</summary>
    public double Max { get; }

    /// <summary>[<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Domain Of(double min, double max) => new(min, max);

    /// <summary>[−2, 2]: the default.</summary>
    public static Domain Default => new(-2, 2);

    /// <summary>[0.1, 3]: for logarithms, square roots and divisors.</summary>
    public static Domain Positive => new(0.1, 3);

    /// <summary>True when <paramref name="x"/> lies in the interval.</summary>
    public bool Contains(double x) => x >= Min && x <= Max;

    /// <summary>The value shrinking aims for: 0, 1 or −1 when the interval holds it, else the end nearest 0.</summary>
    public double Simplest =>
        Contains(0) ? 0 : Contains(1) ? 1 : Contains(-1) ? -1 : Math.Abs(Min) < Math.Abs(Max) ? Min : Max;

    /// <inheritdoc/>
    public bool Equals(Domain other) => Min == other.Min && Max == other.Max;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Domain d && Equals(d);
    /// <inheritdoc/>
    public override int GetHashCode() => Min.GetHashCode() * 31 + Max.GetHashCode();
    /// <summary>The interval, e.g. <c>[-2, 2]</c>.</summary>
    public override string ToString() => FormattableString.Invariant($"[{Min:R}, {Max:R}]");
}

/// <summary>What the target of a loss holds (see <see cref="GradCheck.Loss"/> and <see cref="GradCheck.Network"/>).</summary>
public enum TargetKind
{
    /// <summary>Class indices for an integer target (in [0, classes), the prediction's last dimension), real values otherwise.</summary>
    Auto,
    /// <summary>Real values in [−1, 1].</summary>
    Real,
    /// <summary>Values in [0, 1].</summary>
    UnitInterval,
    /// <summary>0 or 1.</summary>
    Binary,
    /// <summary>Positive rows summing to 1 along the last axis (soft labels).</summary>
    Probabilities,
    /// <summary>One-hot rows along the last axis.</summary>
    OneHot,
    /// <summary>Integer class indices in [0, classes), classes being the prediction's last dimension.</summary>
    ClassIndices,
}

/// <summary>
/// Options of a gradient check: how many cases, the seed, the values' domains and kinks, finite-difference step and
/// tolerances, and which backends to compare. The defaults check one op in well under a second.
/// </summary>
public sealed record GradCheckOptions
{
    /// <summary>The defaults.</summary>
    public static GradCheckOptions Default { get; } = new();

    /// <summary>Random cases to try before declaring success (default 20).</summary>
    public int Cases { get; init; } = 20;

    /// <summary>
    /// The seed of the run; null draws one, which the report shows so a failure can be replayed with
    /// <c>options with { Seed = … }</c>.
    /// </summary>
    public ulong? Seed { get; init; }

    /// <summary>The domain of every generated input unless <see cref="InputDomains"/> names one (default [−2, 2]).</summary>
    public Domain Domain { get; init; } = Domain.Default;

    /// <summary>Per-input domains (index = input position); a missing or short list falls back to <see cref="Domain"/>.</summary>
    public IReadOnlyList<Domain>? InputDomains { get; init; }

    /// <summary>
    /// Points where the function may not be differentiable (default {0}). A fraction <see cref="KinkFraction"/> of the
    /// generated values is placed exactly on them, and no finite difference is taken at an element within
    /// <see cref="Step"/> of one: there only the JVP-vs-VJP and backend checks apply (the subgradient is a convention).
    /// </summary>
    public IReadOnlyList<double> Kinks { get; init; } = new[] { 0.0 };

    /// <summary>The fraction of generated values placed on a kink point that lies in the domain (default 0.2; below 1).</summary>
    public double KinkFraction { get; init; } = 0.2;

    /// <summary>Central-difference step h in float64 (default 1e-6, as Theano's verify_grad).</summary>
    public double Step { get; init; } = 1e-6;

    /// <summary>
    /// Largest accepted error |a − b| / max(1, |a|, |b|) between a VJP element and its central difference (default 1e-5).
    /// </summary>
    public double Tolerance { get; init; } = 1e-5;

    /// <summary>Largest accepted relative error between ⟨u, J v⟩ by the JVP and ⟨Jᵀu, v⟩ by the VJP (default 1e-9).</summary>
    public double JvpTolerance { get; init; } = 1e-9;

    /// <summary>Largest accepted |a − b| / (1 + |a|) between a compiled value and the interpreter's, in float64 (default 1e-9).</summary>
    public double BackendTolerance { get; init; } = 1e-9;

    /// <summary>
    /// Elements of one variable checked by finite differences, evenly spread (default 64): each costs two evaluations of
    /// the function, which matters for modules' and networks' parameters.
    /// </summary>
    public int MaxElementsPerVariable { get; init; } = 64;

    /// <summary>Compare the Expressions backend (float64, as written and optimized) with the interpreter (default true).</summary>
    public bool Expressions { get; init; } = true;

    /// <summary>Compare the Roslyn backend too (default true). A Roslyn compile costs about a second; see <see cref="BackendCases"/>.</summary>
    public bool Roslyn { get; init; } = true;

    /// <summary>
    /// How many of the first cases are compiled and compared with the backends (default 1: a Roslyn compile costs about a
    /// second; a case whose backend check fails keeps the backends on while it shrinks). 0 turns the backend checks off.
    /// </summary>
    public int BackendCases { get; init; } = 1;

    /// <summary>Largest rank of generated shapes for elementwise ops (default 3).</summary>
    public int MaxRank { get; init; } = 3;

    /// <summary>Largest generated dimension (default 3).</summary>
    public int MaxDim { get; init; } = 3;

    /// <summary>Largest batch size the symbolic batch <see cref="Ir.Shape.Batch"/> is bound to (default 4; at least 1).</summary>
    public int MaxBatch { get; init; } = 4;

    /// <summary>Whether generated elementwise shapes sometimes contain the symbolic batch (default true).</summary>
    public bool UseBatch { get; init; } = true;

    /// <summary>The targets of a loss (default <see cref="TargetKind.Auto"/>).</summary>
    public TargetKind Targets { get; init; } = TargetKind.Auto;

    /// <summary>The largest number of shrink candidates evaluated after a failure (default 400).</summary>
    public int MaxShrinks { get; init; } = 400;

    /// <summary>The domain of input <paramref name="i"/>.</summary>
    public Domain DomainOf(int i) => InputDomains is { } d && i < d.Count ? d[i] : Domain;

    internal void Validate()
    {
        if (Cases < 1) throw new ArgumentException($"GradCheckOptions.Cases must be at least 1; got {Cases}.");
        if (!(Step > 0)) throw new ArgumentException($"GradCheckOptions.Step must be positive; got {Step}.");
        if (!(Tolerance > 0) || !(JvpTolerance > 0) || !(BackendTolerance > 0)) throw new ArgumentException("GradCheckOptions: tolerances must be positive.");
        if (!(KinkFraction >= 0 && KinkFraction < 1)) throw new ArgumentException($"GradCheckOptions.KinkFraction must be in [0, 1) (at 1 no finite difference could be taken); got {KinkFraction}.");
        if (MaxBatch < 1 || MaxDim < 1 || MaxRank < 0) throw new ArgumentException("GradCheckOptions: MaxBatch and MaxDim must be at least 1, MaxRank at least 0.");
        if (MaxElementsPerVariable < 1) throw new ArgumentException("GradCheckOptions.MaxElementsPerVariable must be at least 1.");
    }
}
