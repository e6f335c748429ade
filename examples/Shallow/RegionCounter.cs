using System;
using System.Collections.Generic;
using System.Linq;

namespace Shallow;

/// <summary>
/// Counts the linear regions of a 1-D piecewise-linear function along [lo, hi] two ways: exactly from the weights
/// (<see cref="Breakpoints(ShallowNet, double, double)"/>: the joints inside the range, sorted; each piece's slope taken
/// at its midpoint; adjacent pieces with the same slope merged) and numerically from values on a fine grid
/// (<see cref="CountOnGrid"/>).
/// </summary>
public static class RegionCounter
{
    /// <summary>Relative tolerance under which two slopes of the exact count are the same (float64 rounding of float32 weights).</summary>
    public const double SameSlope = 1e-9;

    /// <summary>
    /// The interior points of (<paramref name="lo"/>, <paramref name="hi"/>) where the slope of <paramref name="net"/>
    /// changes: its joints inside the range, sorted, without those where the slopes on both sides agree (a unit with
    /// φ_d = 0, or units whose slope changes at the same joint cancel).
    /// </summary>
    public static IReadOnlyList<double> Breakpoints(ShallowNet net, double lo, double hi)
    {
        if (net is null) throw new ArgumentNullException(nameof(net));
        return Merge(net.Joints, net.Slope, lo, hi);
    }

    /// <summary>The number of linear regions of <paramref name="net"/> along [<paramref name="lo"/>, <paramref name="hi"/>]: breakpoints + 1 (at most D + 1).</summary>
    public static int Count(ShallowNet net, double lo, double hi) => Breakpoints(net, lo, hi).Count + 1;

    /// <summary>
    /// The interior points of (<paramref name="lo"/>, <paramref name="hi"/>) where the slope of the composition
    /// <c>x ↦ outer(inner(x))</c> changes. Candidates are inner's joints and, on each piece of inner (where it is the
    /// line y = a + s·x), the points where it crosses one of outer's joints; the composed slope on each gap is
    /// outer'(inner(m))·inner'(m) at its midpoint m; adjacent gaps with the same slope merge.
    /// </summary>
    public static IReadOnlyList<double> Breakpoints(ShallowNet outer, ShallowNet inner, double lo, double hi)
    {
        if (outer is null) throw new ArgumentNullException(nameof(outer));
        if (inner is null) throw new ArgumentNullException(nameof(inner));
        CheckRange(lo, hi);
        var innerCuts = Candidates(inner.Joints, lo, hi);
        var candidates = new List<double>(innerCuts);
        var ends = new List<double> { lo };
        ends.AddRange(innerCuts);
        ends.Add(hi);
        var outerJoints = outer.Joints.Where(double.IsFinite).ToArray();
        for (int i = 0; i + 1 < ends.Count; i++)
        {
            double a = ends[i], b = ends[i + 1], m = 0.5 * (a + b);
            double s = inner.Slope(m), ya = inner.Evaluate(m) - s * (m - a);  // inner is a + s·(x − a) on [a, b]
            if (s == 0) continue;
            foreach (double c in outerJoints)
            {
                double x = a + (c - ya) / s;
                if (x > a && x < b) candidates.Add(x);
            }
        }
        return Merge(candidates, x => outer.Slope(inner.Evaluate(x)) * inner.Slope(x), lo, hi);
    }

    /// <summary>The number of linear regions of <c>outer ∘ inner</c> along [<paramref name="lo"/>, <paramref name="hi"/>] (at most (D_outer + 1)(D_inner + 1)).</summary>
    public static int CountComposed(ShallowNet outer, ShallowNet inner, double lo, double hi) => Breakpoints(outer, inner, lo, hi).Count + 1;

    /// <summary>
    /// The number of linear regions seen in values <paramref name="y"/> of a function at x₀ + i·<paramref name="h"/>:
    /// the slopes of neighbouring grid steps are compared; a step whose slope agrees (within
    /// <paramref name="tolerance"/>) with a neighbour's lies inside a region, a step holding a joint agrees with
    /// neither and is skipped; each run of agreeing steps whose slope differs from the previous run's is a new region.
    /// Regions narrower than two steps, and slope changes under the tolerance, are not seen.
    /// </summary>
    public static int CountOnGrid(IReadOnlyList<double> y, double h, double tolerance)
    {
        if (y is null) throw new ArgumentNullException(nameof(y));
        if (y.Count < 3) throw new ArgumentException($"Counting regions on a grid needs at least 3 values; got {y.Count}.", nameof(y));
        if (!(h > 0) || !(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(h), "The grid step must be positive and the tolerance ≥ 0.");
        int n = y.Count - 1;
        var s = new double[n];
        for (int i = 0; i < n; i++) s[i] = (y[i + 1] - y[i]) / h;
        int regions = 0;
        double current = double.NaN;
        for (int i = 0; i < n; i++)
        {
            bool inside = (i > 0 && Math.Abs(s[i] - s[i - 1]) <= tolerance) || (i + 1 < n && Math.Abs(s[i] - s[i + 1]) <= tolerance);
            if (!inside) continue;
            if (double.IsNaN(current) || Math.Abs(s[i] - current) > tolerance) regions++;
            current = s[i];
        }
        return Math.Max(regions, 1);
    }

    /// <summary>
    /// How many of the regions between <paramref name="breakpoints"/> (sorted, inside (<paramref name="lo"/>,
    /// <paramref name="hi"/>)) are at least <paramref name="minWidth"/> wide: those a grid count can see when
    /// <paramref name="minWidth"/> is three grid steps.
    /// </summary>
    public static int CountWide(IReadOnlyList<double> breakpoints, double lo, double hi, double minWidth)
    {
        if (breakpoints is null) throw new ArgumentNullException(nameof(breakpoints));
        CheckRange(lo, hi);
        int wide = 0;
        double start = lo;
        foreach (double b in breakpoints.Append(hi))
        {
            if (b - start >= minWidth) wide++;
            start = b;
        }
        return wide;
    }

    // The candidates strictly inside (lo, hi), sorted and distinct; then only those where the slope on the gap to the
    // left differs from the slope on the gap to the right (each gap's slope at its midpoint).
    private static IReadOnlyList<double> Merge(IEnumerable<double> candidates, Func<double, double> slope, double lo, double hi)
    {
        CheckRange(lo, hi);
        var cuts = Candidates(candidates, lo, hi);
        var ends = new List<double> { lo };
        ends.AddRange(cuts);
        ends.Add(hi);
        var slopes = new double[ends.Count - 1];
        for (int i = 0; i < slopes.Length; i++) slopes[i] = slope(0.5 * (ends[i] + ends[i + 1]));
        var result = new List<double>();
        for (int i = 0; i < cuts.Count; i++)
        {
            double a = slopes[i], b = slopes[i + 1];
            if (Math.Abs(a - b) > SameSlope * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)))) result.Add(cuts[i]);
        }
        return result;
    }

    /// <summary>Points closer than this (relative to the range's size, at least 1) count as one, and as the range's end: float64 rounding of a crossing computed from a joint.</summary>
    public const double SamePoint = 1e-12;

    private static List<double> Candidates(IEnumerable<double> points, double lo, double hi)
    {
        double tol = SamePoint * Math.Max(1, Math.Max(Math.Abs(lo), Math.Abs(hi)));
        var sorted = points.Where(p => double.IsFinite(p) && p > lo + tol && p < hi - tol).OrderBy(p => p).ToList();
        var distinct = new List<double>();
        foreach (double p in sorted) if (distinct.Count == 0 || p > distinct[distinct.Count - 1] + tol) distinct.Add(p);
        return distinct;
    }

    private static void CheckRange(double lo, double hi)
    {
        if (!(double.IsFinite(lo) && double.IsFinite(hi) && lo < hi)) throw new ArgumentException($"The range [{lo}, {hi}] must be finite with lo < hi.");
    }
}
