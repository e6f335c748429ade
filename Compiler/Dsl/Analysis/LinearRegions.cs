using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Nabla.Ir;

namespace Nabla.Analysis;

/// <summary>
/// The lecture's "shallow versus deep" argument in numbers: how many linear regions a ReLU network can carve its
/// input space into (an upper bound from its widths), and how many linear pieces a concrete network actually has
/// along a 1-D input.
/// </summary>
public static class LinearRegions
{
    /// <summary>
    /// The upper bound of Serra, Tjandraatmadja and Ramalingam (2018, theorem 1) — the formula behind the lecture's
    /// figures — on the number of linear regions of a ReLU network with <paramref name="inputs"/> inputs and hidden
    /// layers of the given <paramref name="widths"/>:
    /// <code>Σ_{(j₁…j_L) ∈ J} Π_l C(n_l, j_l),  J = { 0 ≤ j_l ≤ min(n₀, n₁−j₁, …, n_{l−1}−j_{l−1}, n_l) }</code>
    /// For one input it is Π_l (n_l + 1) — (10+1)⁵ = 161,051 for five layers of 10; for one hidden layer it is
    /// Zaslavsky's Σ_{j ≤ n₀} C(n₁, j). Computed exactly (dynamic programming over the running minimum).
    /// </summary>
    public static BigInteger UpperBound(int inputs, params int[] widths)
    {
        if (inputs <= 0) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "The input dimension must be positive.");
        if (widths is null || widths.Length == 0) throw new ArgumentException("Give the width of at least one hidden layer.", nameof(widths));
        for (int l = 0; l < widths.Length; l++)
            if (widths[l] <= 0) throw new ArgumentOutOfRangeException(nameof(widths), $"Hidden layer {l} has width {widths[l]}; widths must be positive.");
        // dp[r] = Σ over prefixes (j₁…j_l) whose running minimum min(n₀, n_k − j_k) is r, of Π C(n_k, j_k).
        var dp = new BigInteger[inputs + 1];
        dp[inputs] = 1;
        foreach (int n in widths)
        {
            var binom = Binomials(n);
            var next = new BigInteger[inputs + 1];
            for (int r = 0; r <= inputs; r++)
            {
                if (dp[r].IsZero) continue;
                for (int j = 0; j <= Math.Min(r, n); j++) next[Math.Min(r, n - j)] += dp[r] * binom[j];
            }
            dp = next;
        }
        return dp.Aggregate(BigInteger.Zero, (a, b) => a + b);
    }

    /// <summary>log₁₀ of <see cref="UpperBound"/> (for bounds too large to print).</summary>
    public static double UpperBoundLog10(int inputs, params int[] widths) => BigInteger.Log10(UpperBound(inputs, widths));

    /// <summary>
    /// The exact linear pieces of a model with one input value per example along x ∈ [<paramref name="lo"/>, <paramref name="hi"/>],
    /// traced in float64 with its current weights (see <see cref="PiecewiseLinear"/>).
    /// </summary>
    public static PiecewiseLinear Pieces(Model model, double lo, double hi, string? output = null)
    {
        if (model is null) throw new ArgumentNullException(nameof(model));
        var t = model.Trace(DType.F64);
        return PiecewiseLinear.Of(t.Forward, t.ParameterBindings(), lo, hi, output);
    }

    /// <summary>The number of linear pieces of <paramref name="model"/> along [<paramref name="lo"/>, <paramref name="hi"/>].</summary>
    public static int CountPieces(Model model, double lo, double hi, string? output = null) => Pieces(model, lo, hi, output).Count;

    private static BigInteger[] Binomials(int n)
    {
        var c = new BigInteger[n + 1];
        c[0] = 1;
        for (int k = 1; k <= n; k++) c[k] = c[k - 1] * (n - k + 1) / k;
        return c;
    }
}

/// <summary>One linear piece of a network along a 1-D input: on [Start, End], output = Intercept + x·Slope (per output element).</summary>
/// <param name="Start">Left end.</param>
/// <param name="End">Right end.</param>
/// <param name="Slope">d output / dx on the piece, one value per output element.</param>
/// <param name="Intercept">The output at x = 0 extended linearly, one value per output element.</param>
public sealed record LinearPiece(double Start, double End, IReadOnlyList<double> Slope, IReadOnlyList<double> Intercept);
