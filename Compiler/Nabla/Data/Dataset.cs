using System;
using System.Collections.Generic;

namespace Nabla.Data;

/// <summary>
/// Examples held in memory: the features of <see cref="Count"/> examples of shape <see cref="ExampleShape"/>, stored
/// row-major as one array [Count, …ExampleShape], and optionally one class label per example or, for regression,
/// real-valued targets (<see cref="WithTargets"/>: <see cref="TargetSize"/> values per example). A dataset is treated
/// as immutable: every operation returns a new dataset (<see cref="Reshape"/> shares the feature array, the others
/// copy), and nothing in the library writes into <see cref="Features"/>.
/// </summary>
public sealed partial class Dataset
{
    private readonly int[] _exampleShape;

    /// <summary>The features, row-major [<see cref="Count"/>, …<see cref="ExampleShape"/>]. Do not modify.</summary>
    public float[] Features { get; }

    /// <summary>The shape of one example, e.g. [40] for an MLP or [1, 40] (channels, length) for a Conv1d.</summary>
    public int[] ExampleShape => (int[])_exampleShape.Clone();

    /// <summary>The number of feature values per example (the product of <see cref="ExampleShape"/>).</summary>
    public int ExampleSize { get; }

    /// <summary>The class index of each example, each in [0, <see cref="Classes"/>), or null for an unlabeled dataset. Do not modify.</summary>
    public int[]? Labels { get; }

    /// <summary>The number of classes (0 for an unlabeled dataset).</summary>
    public int Classes { get; }

    /// <summary>The number of examples.</summary>
    public int Count { get; }

    /// <summary>
    /// Real-valued targets, row-major [<see cref="Count"/>, <see cref="TargetSize"/>] (a regression dataset; see
    /// <see cref="WithTargets"/>), or null. Do not modify.
    /// </summary>
    public float[]? Targets { get; private set; }

    /// <summary>The number of real-valued target values per example (0 when <see cref="Targets"/> is null).</summary>
    public int TargetSize { get; private set; }

    /// <summary>
    /// The same examples (the feature array is shared) with real-valued <paramref name="targets"/>, row-major
    /// [Count, <paramref name="targetSize"/>] (not copied): what <see cref="Nabla.Training.Trainer"/> feeds a network's
    /// target for regression (least squares, a mixture density network, …). A dataset has class labels or real-valued
    /// targets, not both; every target must be finite.
    /// </summary>
    public Dataset WithTargets(float[] targets, int targetSize)
    {
        if (targets is null) throw new ArgumentNullException(nameof(targets));
        if (Labels is not null)
            throw new InvalidOperationException($"This dataset ({this}) has class labels; a dataset has class labels or real-valued targets, not both.");
        if (targetSize <= 0) throw new ArgumentOutOfRangeException(nameof(targetSize), targetSize, "The number of target values per example must be positive.");
        if ((long)Count * targetSize != targets.Length)
            throw new ArgumentException(
                $"targets has {targets.Length} values but {Count} examples × {targetSize} target values need {(long)Count * targetSize}.", nameof(targets));
        for (int i = 0; i < targets.Length; i++)
            if (float.IsNaN(targets[i]) || float.IsInfinity(targets[i]))
                throw new ArgumentException($"Target value {i % targetSize} of example {i / targetSize} is {targets[i]}, not finite.", nameof(targets));
        return new Dataset(Features, _exampleShape) { Targets = targets, TargetSize = targetSize };
    }

    /// <summary>This dataset's real-valued targets (if any) carried over to <paramref name="other"/> (the same examples, in the same order).</summary>
    internal Dataset KeepTargets(Dataset other, float[]? targets) =>
        targets is null ? other : new Dataset(other.Features, other._exampleShape) { Targets = targets, TargetSize = TargetSize };

    /// <summary>
    /// A dataset over <paramref name="features"/> (row-major [count, …exampleShape]; not copied). With
    /// <paramref name="labels"/>, the count is the number of labels and <paramref name="classes"/> must be positive
    /// with every label in [0, classes); without, the count is features.Length / exampleSize and classes must be 0.
    /// </summary>
    public Dataset(float[] features, int[] exampleShape, int[]? labels = null, int classes = 0)
    {
        if (features is null) throw new ArgumentNullException(nameof(features));
        if (exampleShape is null) throw new ArgumentNullException(nameof(exampleShape));
        ExampleSize = CheckShape(exampleShape, nameof(exampleShape));
        _exampleShape = (int[])exampleShape.Clone();
        if (labels is null)
        {
            if (classes != 0)
                throw new ArgumentException($"An unlabeled dataset has 0 classes; got classes={classes}.", nameof(classes));
            if (features.Length % ExampleSize != 0)
                throw new ArgumentException(
                    $"features has {features.Length} values, not a multiple of the example size {ExampleSize} (shape {Format(exampleShape)}).",
                    nameof(features));
            Count = features.Length / ExampleSize;
        }
        else
        {
            if (classes <= 0)
                throw new ArgumentOutOfRangeException(nameof(classes), classes, "A labeled dataset needs a positive number of classes.");
            if ((long)labels.Length * ExampleSize != features.Length)
                throw new ArgumentException(
                    $"features has {features.Length} values but {labels.Length} labels × example shape {Format(exampleShape)} need {(long)labels.Length * ExampleSize}.",
                    nameof(features));
            for (int i = 0; i < labels.Length; i++)
                if ((uint)labels[i] >= (uint)classes)
                    throw new ArgumentException($"Label {labels[i]} of example {i} is outside [0, {classes}).", nameof(labels));
            Count = labels.Length;
        }
        Features = features;
        Labels = labels;
        Classes = classes;
    }

    /// <summary>The examples at <paramref name="indices"/>, in that order (repeats allowed), copied into a new dataset.</summary>
    public Dataset Subset(int[] indices)
    {
        if (indices is null) throw new ArgumentNullException(nameof(indices));
        int e = ExampleSize;
        var x = new float[(long)indices.Length * e];
        var y = Labels is null ? null : new int[indices.Length];
        int ts = TargetSize;
        var t = Targets is null ? null : new float[(long)indices.Length * ts];
        for (int i = 0; i < indices.Length; i++)
        {
            int k = indices[i];
            if ((uint)k >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {k} at position {i} is outside [0, {Count}) (the dataset has {Count} examples).");
            Array.Copy(Features, (long)k * e, x, (long)i * e, e);
            if (y is not null) y[i] = Labels![k];
            if (t is not null) Array.Copy(Targets!, (long)k * ts, t, (long)i * ts, ts);
        }
        return KeepTargets(new Dataset(x, _exampleShape, y, Classes), t);
    }

    /// <summary>
    /// Splits the examples by a seeded shuffle into a first part of round(<paramref name="fraction"/> · Count)
    /// examples and a second part with the rest (e.g. 0.9 → train, validation). Both parts must be non-empty; each
    /// keeps the original order of its examples. The split depends only on the seed and the count.
    /// </summary>
    public (Dataset First, Dataset Second) Split(double fraction, long seed)
    {
        if (!(fraction > 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The split fraction must be strictly between 0 and 1.");
        int first = (int)Math.Round(fraction * Count, MidpointRounding.AwayFromZero);
        if (first < 1 || first > Count - 1)
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction,
                $"Splitting {Count} examples at fraction {fraction} leaves an empty part ({first} and {Count - first}).");
        var order = Permutation(Count, new Rng(Rng.Mix((ulong)seed ^ 0x5D1C3A7E9B4F2861UL)));
        var a = new int[first];
        var b = new int[Count - first];
        Array.Copy(order, 0, a, 0, first);
        Array.Copy(order, first, b, 0, Count - first);
        Array.Sort(a);
        Array.Sort(b);
        return (Subset(a), Subset(b));
    }

    /// <summary>
    /// The same features with labels drawn uniformly at random from [0, <see cref="Classes"/>), independently per
    /// example, from <paramref name="seed"/> (the random-label experiment of Zhang et al. 2017 and the lecture's
    /// figure 20.2). The features array is shared.
    /// </summary>
    public Dataset WithRandomLabels(long seed) => WithRandomLabels(seed, Classes);

    /// <summary>As <see cref="WithRandomLabels(long)"/> with an explicit number of classes (also for an unlabeled dataset).</summary>
    public Dataset WithRandomLabels(long seed, int classes)
    {
        if (classes <= 0)
            throw new ArgumentOutOfRangeException(nameof(classes), classes,
                "Random labels need a positive number of classes (this dataset is unlabeled; pass the number of classes).");
        if (Targets is not null)
            throw new InvalidOperationException($"This dataset ({this}) has real-valued targets; random class labels would replace them. Drop them first (new Dataset(Features, ExampleShape)).");
        var rng = new Rng(Rng.Mix((ulong)seed ^ 0x2F8A61D4C39E7B05UL));
        var y = new int[Count];
        for (int i = 0; i < y.Length; i++) y[i] = UniformInt(rng, classes);
        return new Dataset(Features, _exampleShape, y, classes);
    }

    /// <summary>
    /// The same examples seen with another example shape of the same size (e.g. [40] → [1, 40] for a Conv1d).
    /// The feature and label arrays are shared, not copied.
    /// </summary>
    public Dataset Reshape(params int[] exampleShape)
    {
        if (exampleShape is null) throw new ArgumentNullException(nameof(exampleShape));
        int size = CheckShape(exampleShape, nameof(exampleShape));
        if (size != ExampleSize)
            throw new ArgumentException(
                $"Cannot reshape examples of shape {Format(_exampleShape)} ({ExampleSize} values) to {Format(exampleShape)} ({size} values).",
                nameof(exampleShape));
        return KeepTargets(new Dataset(Features, exampleShape, Labels, Classes), Targets);
    }

    /// <summary>How many examples carry each label (length <see cref="Classes"/>); an error for an unlabeled dataset.</summary>
    public int[] ClassCounts()
    {
        var y = RequireLabels(nameof(ClassCounts));
        var counts = new int[Classes];
        foreach (int l in y) counts[l]++;
        return counts;
    }

    /// <summary>The labels as one-hot rows [Count, Classes] (through <see cref="Nabla.Labels.OneHot"/>); an error for an unlabeled dataset.</summary>
    public float[] OneHot() => Nabla.Labels.OneHot(RequireLabels(nameof(OneHot)), Classes);

    /// <summary>The examples' shape as text, e.g. "4000 × [40], 10 classes".</summary>
    public override string ToString() =>
        $"{Count} × {Format(_exampleShape)}" + (Labels is not null ? $", {Classes} classes" : Targets is not null ? $", {TargetSize} target values each" : ", unlabeled");

    private int[] RequireLabels(string operation) =>
        Labels ?? throw new InvalidOperationException($"{operation} needs a labeled dataset; this one ({Count} × {Format(_exampleShape)}) has no labels.");

    /// <summary>A uniform integer in [0, n) by Lemire's multiply-shift on the top 32 bits (bias below 2⁻³² · n).</summary>
    internal static int UniformInt(Rng rng, int n) => (int)(((rng.NextUInt64() >> 32) * (ulong)n) >> 32);

    /// <summary>A Fisher–Yates permutation of 0 … n−1 drawn from <paramref name="rng"/>.</summary>
    internal static int[] Permutation(int n, Rng rng)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle(p, n, rng);
        return p;
    }

    /// <summary>Shuffles the first <paramref name="n"/> entries of <paramref name="p"/> in place (Fisher–Yates).</summary>
    internal static void Shuffle(int[] p, int n, Rng rng)
    {
        for (int i = n - 1; i > 0; i--)
        {
            int j = UniformInt(rng, i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
    }

    internal static string Format(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";

    private static int CheckShape(int[] shape, string name)
    {
        if (shape.Length == 0) throw new ArgumentException("The example shape needs at least one dimension.", name);
        long size = 1;
        foreach (int d in shape)
        {
            if (d <= 0) throw new ArgumentException($"Example shape {Format(shape)} has a dimension {d}; every dimension must be positive.", name);
            size *= d;
            if (size > int.MaxValue) throw new ArgumentException($"Example shape {Format(shape)} has more than {int.MaxValue} values.", name);
        }
        return (int)size;
    }
}
