using System;

namespace Nabla.Data;

/// <summary>How <see cref="RandomShift"/> fills the positions a shift uncovers.</summary>
public enum ShiftFill
{
    /// <summary>With zeros.</summary>
    Zero,

    /// <summary>With the nearest edge value of the signal (replicate padding).</summary>
    Edge,
}

/// <summary>
/// Shifts each 1-D signal by a random whole number of positions in [−<see cref="MaxShift"/>, <see cref="MaxShift"/>]
/// (uniform, independently per example), filling the uncovered positions per <see cref="Fill"/>. An example of
/// shape [channels, length] (e.g. [1, 40] for a Conv1d) shifts all its channels together: give the number of
/// channels; by default the whole example is one signal.
/// </summary>
public sealed class RandomShift : IAugmentation
{
    private float[] _scratch = Array.Empty<float>();

    /// <summary>The largest shift in positions (≥ 0).</summary>
    public int MaxShift { get; }

    /// <summary>How uncovered positions are filled.</summary>
    public ShiftFill Fill { get; }

    /// <summary>The number of channels per example (each example is [Channels, exampleSize / Channels]).</summary>
    public int Channels { get; }

    /// <summary><c>RandomShift(±3, Edge, channels 1)</c>: what the augmentation does, for logs and for comparing runs.</summary>
    public override string ToString() => $"RandomShift(±{MaxShift}, {Fill}, channels {Channels})";

    /// <summary>A shift of up to ±<paramref name="maxShift"/> positions.</summary>
    public RandomShift(int maxShift, ShiftFill fill = ShiftFill.Edge, int channels = 1)
    {
        if (maxShift < 0) throw new ArgumentOutOfRangeException(nameof(maxShift), maxShift, "The largest shift must be ≥ 0.");
        if (fill != ShiftFill.Zero && fill != ShiftFill.Edge) throw new ArgumentOutOfRangeException(nameof(fill), fill, "Unknown fill.");
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, "The number of channels must be positive.");
        MaxShift = maxShift;
        Fill = fill;
        Channels = channels;
    }

    /// <inheritdoc/>
    public void Apply(float[] x, int count, int exampleSize, Rng rng)
    {
        if (x is null) throw new ArgumentNullException(nameof(x));
        if (rng is null) throw new ArgumentNullException(nameof(rng));
        if (exampleSize <= 0 || exampleSize % Channels != 0)
            throw new ArgumentException($"RandomShift with {Channels} channels cannot split examples of {exampleSize} values into equal channels.", nameof(exampleSize));
        if (count < 0 || (long)count * exampleSize > x.Length)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} examples of {exampleSize} values do not fit in {x.Length} values.");
        int length = exampleSize / Channels;
        if (_scratch.Length < length) _scratch = new float[length];
        for (int i = 0; i < count; i++)
        {
            int shift = Dataset.UniformInt(rng, 2 * MaxShift + 1) - MaxShift;
            if (shift == 0) continue;
            for (int ch = 0; ch < Channels; ch++) ShiftRow(x.AsSpan(i * exampleSize + ch * length, length), shift);
        }
    }

    /// <summary>out[j] = in[j − shift] where that is inside the row, else the fill.</summary>
    private void ShiftRow(Span<float> row, int shift)
    {
        int n = row.Length;
        var s = _scratch.AsSpan(0, n);
        row.CopyTo(s);
        float left = Fill == ShiftFill.Edge ? s[0] : 0, right = Fill == ShiftFill.Edge ? s[n - 1] : 0;
        for (int j = 0; j < n; j++)
        {
            int k = j - shift;
            row[j] = k < 0 ? left : k >= n ? right : s[k];
        }
    }
}

/// <summary>Adds independent Gaussian noise N(0, <see cref="Sigma"/>²) to every input value (jitter).</summary>
public sealed class GaussianNoise : IAugmentation
{
    /// <summary>The standard deviation of the noise (≥ 0).</summary>
    public double Sigma { get; }

    /// <summary><c>GaussianNoise(σ=0.1)</c>.</summary>
    public override string ToString() => $"GaussianNoise(σ={Sigma.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})";

    /// <summary>Noise with standard deviation <paramref name="sigma"/>.</summary>
    public GaussianNoise(double sigma)
    {
        if (!(sigma >= 0) || double.IsInfinity(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The noise standard deviation must be finite and ≥ 0.");
        Sigma = sigma;
    }

    /// <inheritdoc/>
    public void Apply(float[] x, int count, int exampleSize, Rng rng)
    {
        if (x is null) throw new ArgumentNullException(nameof(x));
        if (rng is null) throw new ArgumentNullException(nameof(rng));
        if (exampleSize <= 0) throw new ArgumentOutOfRangeException(nameof(exampleSize), exampleSize, "The example size must be positive.");
        if (count < 0 || (long)count * exampleSize > x.Length)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} examples of {exampleSize} values do not fit in {x.Length} values.");
        int n = count * exampleSize;
        for (int i = 0; i < n; i++) x[i] = (float)(x[i] + Sigma * rng.NextGaussian());
    }
}
