using System;
using System.Collections.Generic;
using System.Globalization;

namespace Nabla.Reporting;

/// <summary>An axis range with its tick positions and labels.</summary>
internal sealed class Axis
{
    public double Min { get; }
    public double Max { get; }
    public bool Log { get; }
    public IReadOnlyList<(double Value, string Label)> Ticks { get; }

    private Axis(double min, double max, bool log, List<(double, string)> ticks) { Min = min; Max = max; Log = log; Ticks = ticks; }

    /// <summary>The position of <paramref name="v"/> on the axis as a fraction of its length (0 at Min, 1 at Max).</summary>
    public double Fraction(double v) => Log ? (Math.Log10(v) - Min) / (Max - Min) : (v - Min) / (Max - Min);

    /// <summary>
    /// A linear axis over [lo, hi] widened to "nice" tick multiples (1, 2, 5 × 10ᵏ; Heckbert, Graphics Gems 1990),
    /// with about <paramref name="target"/> ticks. An empty or one-point range is widened around its value.
    /// </summary>
    public static Axis Linear(double lo, double hi, int target = 6)
    {
        if (!(lo <= hi)) { lo = 0; hi = 1; }
        if (lo == hi)
        {
            double pad = lo == 0 ? 1 : Math.Abs(lo) * 0.1;
            lo -= pad; hi += pad;
        }
        double step = Nice((hi - lo) / Math.Max(1, target - 1), round: true);
        double min = Math.Floor(lo / step) * step, max = Math.Ceiling(hi / step) * step;
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        var ticks = new List<(double, string)>();
        int n = (int)Math.Round((max - min) / step);
        for (int i = 0; i <= n; i++)
        {
            double v = min + i * step;
            if (Math.Abs(v) < step * 1e-9) v = 0;
            ticks.Add((v, FormatLinear(v, decimals)));
        }
        return new Axis(min, max, log: false, ticks);
    }

    /// <summary>
    /// A base-10 logarithmic axis over [lo, hi] (both positive) widened to whole decades, ticks at the powers of ten
    /// (every k-th decade when there are many; also 2× and 5× when there are at most two decades).
    /// </summary>
    public static Axis Logarithmic(double lo, double hi)
    {
        if (!(lo > 0 && lo <= hi)) { lo = 1; hi = 10; }
        int a = (int)Math.Floor(Math.Log10(lo) + 1e-12), b = (int)Math.Ceiling(Math.Log10(hi) - 1e-12);
        if (b <= a) b = a + 1;
        int every = Math.Max(1, (b - a + 7) / 8);
        var ticks = new List<(double, string)>();
        for (int k = a; k <= b; k += every)
        {
            ticks.Add((Math.Pow(10, k), FormatLog(k, 1)));
            if (b - a <= 2 && k < b)
                foreach (int m in new[] { 2, 5 }) ticks.Add((m * Math.Pow(10, k), FormatLog(k, m)));
        }
        ticks.Sort((p, q) => p.Item1.CompareTo(q.Item1));
        return new Axis(a, b, log: true, ticks);
    }

    /// <summary>The nice number (1, 2, 5 or 10 × 10ᵏ) near <paramref name="x"/>, rounded or taken as a ceiling.</summary>
    private static double Nice(double x, bool round)
    {
        double e = Math.Floor(Math.Log10(x)), f = x / Math.Pow(10, e), nf;
        if (round) nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
        else nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return nf * Math.Pow(10, e);
    }

    private static string FormatLinear(double v, int decimals)
    {
        double a = Math.Abs(v);
        if (a != 0 && (a >= 1e6 || decimals > 6)) return v.ToString("0.##E0", CultureInfo.InvariantCulture);
        return v.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    private static string FormatLog(int k, int m)
    {
        if (k >= -3 && k <= 5) return (m * Math.Pow(10, k)).ToString("0.####", CultureInfo.InvariantCulture);
        return (m == 1 ? "1" : m.ToString(CultureInfo.InvariantCulture)) + "e" + k.ToString(CultureInfo.InvariantCulture);
    }
}
