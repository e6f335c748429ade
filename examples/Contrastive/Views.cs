using System;
using Nabla;
using Nabla.Data;

namespace Contrastive;

/// <summary>
/// Multiplies each example by a factor drawn uniformly from [1 − <see cref="Range"/>, 1 + <see cref="Range"/>]
/// (independently per example): an amplitude change that keeps the signal's shape.
/// </summary>
public sealed class RandomScale : IAugmentation
{
    /// <summary>A scale of up to ±<paramref name="range"/> (0 ≤ range &lt; 1).</summary>
    public RandomScale(double range)
    {
        if (!(range >= 0 && range < 1)) throw new ArgumentOutOfRangeException(nameof(range), range, "The scale range must be in [0, 1).");
        Range = range;
    }

    /// <summary>The largest relative change of the amplitude.</summary>
    public double Range { get; }

    /// <inheritdoc/>
    public void Apply(float[] x, int count, int exampleSize, Rng rng)
    {
        if (x is null) throw new ArgumentNullException(nameof(x));
        if (rng is null) throw new ArgumentNullException(nameof(rng));
        if (count < 0 || exampleSize <= 0 || (long)count * exampleSize > x.Length)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} examples of {exampleSize} values do not fit in {x.Length} values.");
        for (int i = 0; i < count; i++)
        {
            float factor = (float)rng.Uniform(1 - Range, 1 + Range);
            for (int j = 0; j < exampleSize; j++) x[i * exampleSize + j] *= factor;
        }
    }
}

/// <summary>
/// Makes the two views of a contrastive batch: each signal is copied twice and each copy is shifted
/// (<see cref="RandomShift"/>, edge fill), rescaled (<see cref="RandomScale"/>) and jittered
/// (<see cref="GaussianNoise"/>) with its own random numbers. The numbers come from the seed and the step, so a run
/// is reproducible.
/// </summary>
public sealed class ViewPair
{
    private readonly IAugmentation[] _steps;
    private readonly Rng _rng = new(0);
    private readonly ulong _seed;

    /// <summary>Views shifted by up to ±<paramref name="shift"/>, scaled by up to ±<paramref name="scale"/>, with noise σ = <paramref name="noise"/>.</summary>
    public ViewPair(int shift, double scale, double noise, long seed)
    {
        _steps = new IAugmentation[] { new RandomShift(shift, ShiftFill.Edge), new RandomScale(scale), new GaussianNoise(noise) };
        _seed = Rng.Mix((ulong)seed ^ 0x5EED_C0A7_2A57_0001UL);
    }

    /// <summary>Writes two independent views of the first <paramref name="count"/> examples of <paramref name="source"/> into <paramref name="view1"/> and <paramref name="view2"/>.</summary>
    public void Make(float[] source, int count, int exampleSize, long step, float[] view1, float[] view2)
    {
        int n = count * exampleSize;
        _rng.Reseed(Rng.Mix(_seed + (ulong)step));
        foreach (var view in new[] { view1, view2 })
        {
            Array.Copy(source, view, n);
            foreach (var a in _steps) a.Apply(view, count, exampleSize, _rng);
        }
    }
}
