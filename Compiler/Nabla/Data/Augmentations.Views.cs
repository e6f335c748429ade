using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Data;

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

    /// <summary><c>RandomScale(±0.1)</c>.</summary>
    public override string ToString() => $"RandomScale(±{Range.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})";

    /// <inheritdoc/>
    public void Apply(float[] x, int count, int exampleSize, Rng rng)
    {
        if (x is null) throw new ArgumentNullException(nameof(x));
        if (rng is null) throw new ArgumentNullException(nameof(rng));
        if (exampleSize <= 0) throw new ArgumentOutOfRangeException(nameof(exampleSize), exampleSize, "The example size must be positive.");
        if (count < 0 || (long)count * exampleSize > x.Length)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} examples of {exampleSize} values do not fit in {x.Length} values.");
        for (int i = 0; i < count; i++)
        {
            float factor = (float)rng.Uniform(1 - Range, 1 + Range);
            for (int j = 0; j < exampleSize; j++) x[i * exampleSize + j] *= factor;
        }
    }
}

/// <summary>Applies several augmentations one after the other (each to the result of the previous), drawing from one random stream.</summary>
public sealed class ComposedAugmentation : IAugmentation
{
    private readonly IAugmentation[] _steps;

    /// <summary>The steps in order: <c>RandomShift(…) then GaussianNoise(…)</c>.</summary>
    public override string ToString() => string.Join(" then ", _steps.Select(s => s.ToString()));

    /// <summary>The augmentations <paramref name="steps"/>, applied in order (at least one).</summary>
    public ComposedAugmentation(params IAugmentation[] steps)
    {
        if (steps is null || steps.Length == 0) throw new ArgumentException("Compose at least one augmentation.", nameof(steps));
        if (steps.Any(s => s is null)) throw new ArgumentNullException(nameof(steps), "An augmentation to compose is null.");
        _steps = (IAugmentation[])steps.Clone();
    }

    /// <summary>The augmentations, in the order they are applied.</summary>
    public IReadOnlyList<IAugmentation> Steps => _steps;

    /// <inheritdoc/>
    public void Apply(float[] x, int count, int exampleSize, Rng rng)
    {
        foreach (var s in _steps) s.Apply(x, count, exampleSize, rng);
    }
}

/// <summary>
/// Augments each input of a zipped dataset on its own. A dataset made by <see cref="Dataset.Zip"/> holds every input
/// side by side in each example (e.g. two views of one signal for a <c>Siamese</c> model); an augmentation applied to
/// the whole row would treat them as one signal (a shift would run across the boundary between the views). This one
/// cuts every example into consecutive parts of <see cref="Sizes"/> values (one per input, in order), and applies
/// the inner augmentation to each part as a batch of its own, one part after the other from the same random stream —
/// so two copies of a signal get independent shifts, noise and scales: independent views.
/// </summary>
/// <example><code>
/// var views = Dataset.Zip(train, train);   // two copies of each signal
/// var options = new TrainingOptions { Augmentation = new PerInputAugmentation(new RandomShift(4), 40, 40), … };
/// </code></example>
public sealed class PerInputAugmentation : IAugmentation
{
    private readonly IAugmentation _inner;
    private readonly int[] _sizes;
    private readonly long _total;     // the sum of the sizes: the example size this augmentation accepts
    private readonly int _largest;    // the largest part: the scratch row width

    /// <summary><c>PerInput(40, 40: RandomShift(…))</c>.</summary>
    public override string ToString() => $"PerInput({string.Join(", ", _sizes)}: {_inner})";
    private float[] _scratch = Array.Empty<float>();

    /// <summary>Applies <paramref name="augmentation"/> to each part of <paramref name="sizes"/> values (at least one part, each positive).</summary>
    public PerInputAugmentation(IAugmentation augmentation, params int[] sizes)
    {
        _inner = augmentation ?? throw new ArgumentNullException(nameof(augmentation));
        if (sizes is null || sizes.Length == 0) throw new ArgumentException("Give the size of every input part (at least one).", nameof(sizes));
        if (sizes.Any(s => s <= 0)) throw new ArgumentOutOfRangeException(nameof(sizes), $"Every input part must have a positive size; got [{string.Join(", ", sizes)}].");
        _sizes = (int[])sizes.Clone();
        foreach (int size in _sizes) { _total += size; _largest = Math.Max(_largest, size); }
    }

    /// <summary>The sizes of the parts, in order; their sum is the example size this augmentation accepts.</summary>
    public IReadOnlyList<int> Sizes => _sizes;

    /// <summary>The augmentation applied to each part.</summary>
    public IAugmentation Inner => _inner;

    /// <inheritdoc/>
    public void Apply(float[] x, int count, int exampleSize, Rng rng)
    {
        if (x is null) throw new ArgumentNullException(nameof(x));
        if (rng is null) throw new ArgumentNullException(nameof(rng));
        if (exampleSize != _total)
            throw new ArgumentException($"PerInputAugmentation cuts examples into parts of [{string.Join(", ", _sizes)}] = {_total} values, but the examples have {exampleSize}.", nameof(exampleSize));
        if (count < 0 || (long)count * exampleSize > x.Length)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} examples of {exampleSize} values do not fit in {x.Length} values.");
        // One scratch buffer for the largest part, grown only when a batch has more examples than any before.
        if (_scratch.Length < count * _largest) _scratch = new float[count * _largest];
        int offset = 0;
        foreach (int size in _sizes)
        {
            for (int r = 0; r < count; r++) Array.Copy(x, r * exampleSize + offset, _scratch, r * size, size);
            _inner.Apply(_scratch, count, size, rng);
            for (int r = 0; r < count; r++) Array.Copy(_scratch, r * size, x, r * exampleSize + offset, size);
            offset += size;
        }
    }
}
