namespace Nabla.Data;

/// <summary>
/// A data augmentation: changes the inputs of one mini-batch in place. <see cref="BatchLoader"/> calls it on its
/// own copy of the batch, never on the dataset, after filling the rows and before returning the batch.
/// </summary>
public interface IAugmentation
{
    /// <summary>
    /// Augments the first <paramref name="count"/> examples of <paramref name="x"/> (row-major, each
    /// <paramref name="exampleSize"/> values) in place, drawing every random number from <paramref name="rng"/>
    /// (seeded by the loader per batch from its seed, the epoch and the batch index, so runs are reproducible and can
    /// resume mid-epoch). Must not touch rows past <paramref name="count"/>, and should not allocate after its first call.
    /// </summary>
    void Apply(float[] x, int count, int exampleSize, Rng rng);
}
