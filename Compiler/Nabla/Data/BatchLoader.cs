using System;

namespace Nabla.Data;

/// <summary>
/// Iterates a dataset in mini-batches, epoch after epoch. Each epoch visits every example exactly once, in an
/// order that depends only on the seed and the epoch number (a seeded Fisher–Yates shuffle, or the dataset order
/// when not shuffling), so a run is reproducible and can resume at any epoch or batch. The last batch of an epoch
/// is partial unless <see cref="DropLast"/>; a batch size ≥ the number of examples gives full-batch mode (one batch
/// per epoch holding the whole dataset). Batches are written into arrays allocated once, in the constructor:
/// <see cref="Next"/> allocates nothing (as long as the augmentation does not).
/// </summary>
/// <example><code>
/// var loader = new BatchLoader(train, batchSize: 100, shuffle: true, seed: 1);
/// for (int epoch = 0; epoch &lt; epochs; epoch++)
/// {
///     loader.Reset(epoch);
///     while (loader.Next(out var batch)) Step(batch.X, batch.T, batch.Count);
/// }
/// </code></example>
public sealed class BatchLoader
{
    private const ulong OrderStream = 0x6A09E667F3BCC908UL, AugmentStream = 0xBB67AE8584CAA73BUL;

    private readonly float[] _x, _t;
    private readonly int[] _labels, _indices, _order;
    private readonly Rng _rng = new(0);
    private int _epoch, _next;

    /// <summary>The dataset being iterated.</summary>
    public Dataset Data { get; }

    /// <summary>The rows per batch: the requested batch size, or the number of examples in full-batch mode.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the examples in a seeded random order (else in dataset order).</summary>
    public bool Shuffle { get; }

    /// <summary>The seed of the shuffles and of the augmentation streams.</summary>
    public long Seed { get; }

    /// <summary>Whether a last batch smaller than <see cref="BatchSize"/> is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>The augmentation applied to each batch's inputs, or null.</summary>
    public IAugmentation? Augmentation { get; }

    /// <summary>Whether every batch holds the whole dataset (the batch size requested was ≥ the number of examples).</summary>
    public bool IsFullBatch => BatchSize == Data.Count;

    /// <summary>The number of batches <see cref="Next"/> returns per epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The number of examples seen per epoch (all of them, or fewer with <see cref="DropLast"/>).</summary>
    public int ExamplesPerEpoch => DropLast ? BatchesPerEpoch * BatchSize : Data.Count;

    /// <summary>The epoch set by the last <see cref="Reset"/> (0 after construction).</summary>
    public int Epoch => _epoch;

    /// <summary>The index within the epoch of the batch the next <see cref="Next"/> returns.</summary>
    public int Position => _next;

    /// <summary>
    /// A loader over <paramref name="data"/> (at least one example) with batches of <paramref name="batchSize"/>
    /// rows (positive), positioned at the start of epoch 0.
    /// </summary>
    public BatchLoader(Dataset data, int batchSize, bool shuffle, long seed, bool dropLast = false, IAugmentation? augmentation = null)
    {
        if (data is null) throw new ArgumentNullException(nameof(data));
        if (data.Count == 0) throw new ArgumentException("Cannot iterate an empty dataset (0 examples).", nameof(data));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        Data = data;
        BatchSize = Math.Min(batchSize, data.Count);
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        Augmentation = augmentation;
        BatchesPerEpoch = dropLast ? data.Count / BatchSize : (data.Count + BatchSize - 1) / BatchSize;
        _x = new float[(long)BatchSize * data.ExampleSize];
        _t = data.Targets is not null ? new float[(long)BatchSize * data.TargetSize]
            : data.Labels is null ? Array.Empty<float>() : new float[(long)BatchSize * data.Classes];
        _labels = data.Labels is null ? Array.Empty<int>() : new int[BatchSize];
        if (data.Labels is not null) _labels.AsSpan().Fill(-1);
        _indices = new int[BatchSize];
        _order = new int[data.Count];
        Reset(0);
    }

    /// <summary>
    /// Starts <paramref name="epoch"/> (≥ 0): computes its order and positions the loader at batch
    /// <paramref name="startBatch"/> (0 … <see cref="BatchesPerEpoch"/>), so an interrupted run resumes exactly.
    /// </summary>
    public void Reset(int epoch, int startBatch = 0)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch must be ≥ 0.");
        if (startBatch < 0 || startBatch > BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(startBatch), startBatch, $"The start batch must be in [0, {BatchesPerEpoch}].");
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (Shuffle)
        {
            _rng.Reseed(Rng.Mix(Rng.Mix((ulong)Seed ^ OrderStream) + (ulong)epoch));
            Dataset.Shuffle(_order, _order.Length, _rng);
        }
        _epoch = epoch;
        _next = startBatch;
    }

    /// <summary>
    /// The next batch of the current epoch, or false (and an empty batch) when the epoch is done; call
    /// <see cref="Reset"/> to start the next one. The batch's arrays are this loader's and are overwritten by the next call.
    /// </summary>
    public bool Next(out Batch batch)
    {
        if (_next >= BatchesPerEpoch)
        {
            batch = new Batch(_x, _t, _labels, _indices, 0, _next, _epoch);
            return false;
        }
        int n = Data.Count, e = Data.ExampleSize, start = _next * BatchSize;
        int count = Math.Min(BatchSize, n - start);
        var features = Data.Features;
        if (!Shuffle)
        {
            Array.Copy(features, (long)start * e, _x, 0, (long)count * e);
            for (int r = 0; r < count; r++) _indices[r] = start + r;
        }
        else
        {
            for (int r = 0; r < count; r++)
            {
                int k = _order[start + r];
                _indices[r] = k;
                Array.Copy(features, (long)k * e, _x, (long)r * e, e);
            }
        }
        if (count < BatchSize)
        {
            Array.Clear(_x, count * e, (BatchSize - count) * e);
            _indices.AsSpan(count).Fill(-1);
        }
        FillTargets(count);
        if (Augmentation is not null)
        {
            _rng.Reseed(Rng.Mix(Rng.Mix((ulong)Seed ^ AugmentStream) + ((ulong)(uint)_epoch << 32 | (uint)_next)));
            Augmentation.Apply(_x, count, e, _rng);
        }
        batch = new Batch(_x, _t, _labels, _indices, count, _next, _epoch);
        _next++;
        return true;
    }

    private void FillTargets(int count)
    {
        if (Data.Targets is { } targets)
        {
            int ts = Data.TargetSize;
            for (int r = 0; r < count; r++) Array.Copy(targets, (long)_indices[r] * ts, _t, (long)r * ts, ts);
            if (count < BatchSize) Array.Clear(_t, count * ts, (BatchSize - count) * ts);
            return;
        }
        var labels = Data.Labels;
        if (labels is null) return;
        int c = Data.Classes;
        for (int r = 0; r < _labels.Length; r++)      // clear the previous batch's ones (−1: none set)
            if (_labels[r] >= 0) _t[r * c + _labels[r]] = 0;
        for (int r = 0; r < count; r++)
        {
            int l = labels[_indices[r]];
            _labels[r] = l;
            _t[r * c + l] = 1;
        }
        for (int r = count; r < _labels.Length; r++) _labels[r] = -1;
    }
}
