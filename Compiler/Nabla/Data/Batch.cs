namespace Nabla.Data;

/// <summary>
/// One mini-batch, in arrays that <see cref="BatchLoader"/> allocates once and refills for every batch: read them
/// before the next <see cref="BatchLoader.Next"/>, and do not keep or modify them. The arrays are sized for a full
/// batch of <see cref="Capacity"/> rows; only the first <see cref="Count"/> rows are valid (the last batch of an
/// epoch may be partial). Rows past <see cref="Count"/> hold zeros in <see cref="X"/> and <see cref="T"/> and −1 in
/// <see cref="Labels"/>.
/// </summary>
public readonly struct Batch
{
    /// <summary>The inputs, row-major [<see cref="Capacity"/>, …example shape].</summary>
    public float[] X { get; }

    /// <summary>
    /// The targets, row-major: one-hot rows [<see cref="Capacity"/>, classes] for a labeled dataset, the real-valued
    /// rows [<see cref="Capacity"/>, target size] for one with <see cref="Dataset.Targets"/>; empty otherwise.
    /// </summary>
    public float[] T { get; }

    /// <summary>The class index of each row [<see cref="Capacity"/>]; empty for an unlabeled dataset.</summary>
    public int[] Labels { get; }

    /// <summary>The position in the dataset of each row [<see cref="Capacity"/>] (−1 past <see cref="Count"/>).</summary>
    public int[] Indices { get; }

    /// <summary>The number of valid rows (1 … <see cref="Capacity"/>).</summary>
    public int Count { get; }

    /// <summary>The number of rows the arrays are sized for (the loader's batch size).</summary>
    public int Capacity => Indices.Length;

    /// <summary>The 0-based index of this batch within its epoch.</summary>
    public int Index { get; }

    /// <summary>The epoch this batch belongs to.</summary>
    public int Epoch { get; }

    /// <summary>Whether this batch has every row valid.</summary>
    public bool IsFull => Count == Capacity;

    internal Batch(float[] x, float[] t, int[] labels, int[] indices, int count, int index, int epoch)
    {
        X = x; T = t; Labels = labels; Indices = indices; Count = count; Index = index; Epoch = epoch;
    }
}
