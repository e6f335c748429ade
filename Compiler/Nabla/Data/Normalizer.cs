using System;

namespace Nabla.Data;

/// <summary>How <see cref="Normalizer"/> pools the statistics.</summary>
public enum NormalizeMode
{
    /// <summary>
    /// One mean and one standard deviation over every feature value of the training set. Keeps the relative
    /// amplitudes between positions of a signal (and a Conv1d's translation equivariance); the default.
    /// </summary>
    Global,

    /// <summary>A mean and a standard deviation per feature (per position of the example), as scikit-learn's StandardScaler.</summary>
    PerFeature,
}

/// <summary>
/// Input standardization x ↦ (x − mean) / std with statistics computed on the training set only, then applied
/// unchanged to the training, validation and test sets (so nothing about held-out data leaks into training).
/// Statistics are accumulated in double and stored as float; the standard deviation is the population one (÷ n, as
/// NumPy's default). A feature whose standard deviation is 0 (constant on the training set) gets std 1, so it is
/// only centred rather than divided by zero.
/// </summary>
/// <remarks>
/// The default is <see cref="NormalizeMode.Global"/> because that is how MNIST-1D itself was standardized: its
/// generator subtracts one global mean and divides by one global standard deviation over all 5000 × 40 values
/// (not per feature) before splitting. Global statistics of the training split (mean −3.2·10⁻⁴, std 0.998) therefore
/// leave the data nearly as published, whereas per-feature scaling would reweight the 40 time positions
/// independently — distorting the shape of each signal that the network has to recognize wherever it was shifted to.
/// </remarks>
public sealed class Normalizer
{
    private readonly float[] _mean, _std;

    /// <summary>Whether the statistics are global (one value each) or per feature.</summary>
    public NormalizeMode Mode { get; }

    /// <summary>The means: one value (<see cref="NormalizeMode.Global"/>) or one per feature. A copy, e.g. for a checkpoint.</summary>
    public float[] Mean => (float[])_mean.Clone();

    /// <summary>The standard deviations (each positive), shaped like <see cref="Mean"/>. A copy, e.g. for a checkpoint.</summary>
    public float[] Std => (float[])_std.Clone();

    /// <summary>
    /// A normalizer from stored statistics (e.g. read back from a checkpoint): <paramref name="mean"/> and
    /// <paramref name="std"/> of equal length — 1 for <see cref="NormalizeMode.Global"/>, the example size for
    /// <see cref="NormalizeMode.PerFeature"/> — with finite means and finite positive standard deviations.
    /// </summary>
    public Normalizer(NormalizeMode mode, float[] mean, float[] std)
    {
        if (mean is null) throw new ArgumentNullException(nameof(mean));
        if (std is null) throw new ArgumentNullException(nameof(std));
        if (mode != NormalizeMode.Global && mode != NormalizeMode.PerFeature)
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown normalize mode.");
        if (mean.Length != std.Length)
            throw new ArgumentException($"mean has {mean.Length} values but std has {std.Length}.", nameof(std));
        if (mode == NormalizeMode.Global && mean.Length != 1)
            throw new ArgumentException($"Global normalization has one mean and one std; got {mean.Length}.", nameof(mean));
        if (mean.Length == 0) throw new ArgumentException("Per-feature normalization needs at least one feature.", nameof(mean));
        for (int i = 0; i < mean.Length; i++)
        {
            if (!float.IsFinite(mean[i])) throw new ArgumentException($"mean[{i}] = {mean[i]} is not finite.", nameof(mean));
            if (!(std[i] > 0) || !float.IsFinite(std[i])) throw new ArgumentException($"std[{i}] = {std[i]} is not a finite positive number.", nameof(std));
        }
        Mode = mode;
        _mean = (float[])mean.Clone();
        _std = (float[])std.Clone();
    }

    /// <summary>Computes the statistics of <paramref name="train"/> (which must have at least one example).</summary>
    public static Normalizer Fit(Dataset train, NormalizeMode mode = NormalizeMode.Global)
    {
        if (train is null) throw new ArgumentNullException(nameof(train));
        if (train.Count == 0) throw new ArgumentException("Cannot fit a normalizer to an empty dataset.", nameof(train));
        if (mode != NormalizeMode.Global && mode != NormalizeMode.PerFeature)
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown normalize mode.");
        int e = train.ExampleSize, groups = mode == NormalizeMode.Global ? 1 : e;
        var x = train.Features;
        var sum = new double[groups];
        for (int i = 0; i < x.Length; i++) sum[groups == 1 ? 0 : i % e] += x[i];
        long per = groups == 1 ? x.LongLength : train.Count;
        var mean = new double[groups];
        for (int g = 0; g < groups; g++) mean[g] = sum[g] / per;
        // Two-pass variance (centred sums of squares): no cancellation for data with a large mean.
        var sq = new double[groups];
        for (int i = 0; i < x.Length; i++)
        {
            int g = groups == 1 ? 0 : i % e;
            double d = x[i] - mean[g];
            sq[g] += d * d;
        }
        var m = new float[groups];
        var s = new float[groups];
        for (int g = 0; g < groups; g++)
        {
            m[g] = (float)mean[g];
            float sd = (float)Math.Sqrt(sq[g] / per);
            s[g] = sd > 0 && float.IsFinite(sd) ? sd : 1f;
        }
        return new Normalizer(mode, m, s);
    }

    /// <summary>A new dataset with the features standardized (labels or targets, and shape, shared with <paramref name="data"/>).</summary>
    public Dataset Apply(Dataset data)
    {
        if (data is null) throw new ArgumentNullException(nameof(data));
        var x = (float[])data.Features.Clone();
        ApplyInPlace(x, data.ExampleSize);
        return data.KeepTargets(new Dataset(x, data.ExampleShape, data.Labels, data.Classes), data.Targets);
    }

    /// <summary>
    /// Standardizes row-major examples of <paramref name="exampleSize"/> values in place (e.g. an input buffer at
    /// inference time). For per-feature statistics the example size must equal the number of statistics.
    /// </summary>
    public void ApplyInPlace(Span<float> features, int exampleSize)
    {
        if (exampleSize <= 0) throw new ArgumentOutOfRangeException(nameof(exampleSize), exampleSize, "The example size must be positive.");
        if (features.Length % exampleSize != 0)
            throw new ArgumentException($"{features.Length} values are not whole examples of {exampleSize}.", nameof(features));
        if (Mode == NormalizeMode.PerFeature && exampleSize != _mean.Length)
            throw new ArgumentException(
                $"This normalizer was fitted per feature on examples of {_mean.Length} values; these have {exampleSize}.", nameof(exampleSize));
        if (Mode == NormalizeMode.Global)
        {
            double m = _mean[0], s = _std[0];
            for (int i = 0; i < features.Length; i++) features[i] = (float)((features[i] - m) / s);
            return;
        }
        for (int i = 0; i < features.Length; i++)
        {
            int f = i % exampleSize;
            features[i] = (float)((features[i] - (double)_mean[f]) / _std[f]);
        }
    }
}
