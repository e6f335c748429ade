using System;
using System.Collections.Generic;
using System.Globalization;
using Nabla;
using Nabla.Data;

namespace Mnist1D;

/// <summary>The example's <c>--shift</c> and <c>--noise</c> augmentations applied one after the other to each training batch.</summary>
public sealed class TrainingAugmentation : IAugmentation
{
    private readonly IAugmentation[] _steps;
    private readonly string _text;

    /// <summary>Applies <paramref name="steps"/> in order; <paramref name="shift"/> and <paramref name="noise"/> only describe them.</summary>
    public TrainingAugmentation(IReadOnlyList<IAugmentation> steps, int shift, double noise)
    {
        _steps = new IAugmentation[steps.Count];
        for (int i = 0; i < steps.Count; i++) _steps[i] = steps[i] ?? throw new ArgumentNullException(nameof(steps));
        var parts = new List<string>();
        if (shift > 0) parts.Add("random shift ±" + shift.ToString(CultureInfo.InvariantCulture) + " (edge-filled)");
        if (noise > 0) parts.Add("gaussian noise σ=" + noise.ToString(CultureInfo.InvariantCulture));
        _text = string.Join(", ", parts);
    }

    /// <inheritdoc/>
    public void Apply(float[] x, int count, int exampleSize, Rng rng)
    {
        foreach (var s in _steps) s.Apply(x, count, exampleSize, rng);
    }

    /// <summary>"random shift ±3 (edge-filled), gaussian noise σ=0.1".</summary>
    public override string ToString() => _text;
}
