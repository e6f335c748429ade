using System;

namespace Nabla;

/// <summary>
/// The deterministic pseudo-random generator behind every initializer and dropout mask: SplitMix64
/// (Steele, Lea and Flood 2014; the generator xoshiro uses to seed itself), with uniform doubles from the
/// top 53 bits and normal deviates by Marsaglia's polar form of the Box–Muller transform. Everything is
/// computed with integer arithmetic and correctly rounded IEEE operations (+ − × ÷ √) plus a logarithm
/// written in those operations (<see cref="Ln"/>), never a libm call, so one seed gives bit-identical
/// numbers on every machine and .NET version. (System.Random's sequence is not guaranteed stable.)
/// </summary>
public sealed class Rng
{
    private ulong _state;
    private double _spare;
    private bool _hasSpare;

    /// <summary>Starts the stream at <paramref name="seed"/>.</summary>
    public Rng(ulong seed) { _state = seed; }

    /// <summary>
    /// Restarts this generator at <paramref name="seed"/>, exactly as <c>new Rng(seed)</c> would start (the kept
    /// second Gaussian deviate is dropped), without allocating: for streams reseeded per mini-batch.
    /// </summary>
    public void Reseed(ulong seed) { _state = seed; _hasSpare = false; _spare = 0; }

    /// <summary>
    /// The stream for one named tensor: seeded with <c>Mix(seed) XOR FNV-1a-64(name)</c> (the name's UTF-16 code
    /// units), so each parameter's values depend only on the model seed and the parameter's name — not on the
    /// order in which parameters are created, nor on other layers.
    /// </summary>
    public static Rng ForName(long seed, string name)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in name) { h ^= c; h *= 1099511628211UL; }
        return new Rng(Mix((ulong)seed) ^ h);
    }

    /// <summary>The SplitMix64 output function (a bijective 64-bit mixer).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>A uniform double in [0, 1): the top 53 bits times 2⁻⁵³.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / 9007199254740992.0);

    /// <summary>A uniform double in [<paramref name="lo"/>, <paramref name="hi"/>).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>1 with probability <paramref name="p"/>, else 0.</summary>
    public bool Bernoulli(double p) => NextDouble() < p;

    /// <summary>A standard normal deviate (Marsaglia's polar method; the second deviate of each pair is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double f = Math.Sqrt(-2 * Ln(s) / s);
        _spare = v * f; _hasSpare = true;
        return u * f;
    }

    private const double Ln2Hi = 6.93147180369123816490e-01; // ln 2 with its low bits zero, so e·Ln2Hi is exact
    private const double Ln2Lo = 1.90821492927058770002e-10; // ln 2 − Ln2Hi
    private const double Sqrt2 = 1.4142135623730951;

    /// <summary>
    /// The natural logarithm of a positive finite <paramref name="x"/>, computed only with exact bit manipulation
    /// and correctly rounded + − × ÷ (x = m·2ᵉ, m ∈ [√½, √2), ln m = 2·atanh((m−1)/(m+1)) by its series), so the
    /// result is the same on every platform. Within a few ulp of <see cref="Math.Log(double)"/>.
    /// </summary>
    public static double Ln(double x)
    {
        if (!(x > 0) || double.IsInfinity(x)) throw new ArgumentOutOfRangeException(nameof(x), x, "Ln needs a positive finite number.");
        int scale = 0;
        if (x < 2.2250738585072014e-308) { x *= 18014398509481984.0; scale = -54; } // subnormal: scale by 2^54
        long bits = BitConverter.DoubleToInt64Bits(x);
        int e = (int)((bits >> 52) & 0x7FF) - 1023 + scale;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        if (m > Sqrt2) { m *= 0.5; e++; }
        double s = (m - 1) / (m + 1), s2 = s * s;
        double p = 1.0 / 23;
        for (int k = 21; k >= 1; k -= 2) p = p * s2 + 1.0 / k;
        return e * Ln2Hi + (2 * s * p + e * Ln2Lo);
    }
}
