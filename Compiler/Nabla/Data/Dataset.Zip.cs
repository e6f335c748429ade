using System;
using System.Linq;

namespace Nabla.Data;

public sealed partial class Dataset
{
    /// <summary>
    /// The datasets side by side: example i is view 0's example i, then view 1's, … (flattened: the example shape is
    /// [Σ sizes]), and the labels (or real-valued targets) are the first view's. This is how <c>Trainer.Fit</c> feeds a model with several inputs
    /// (the two views of a siamese model): it splits every batch back into one array per input, in the signature's
    /// order, so give the views in that order. Augmentations see the whole zipped example. Copies the features.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two views, or views with different counts.</exception>
    public static Dataset Zip(params Dataset[] views)
    {
        if (views is null || views.Length < 2 || views.Any(v => v is null))
            throw new ArgumentException("Zip needs at least two datasets (one per input).", nameof(views));
        int count = views[0].Count;
        for (int v = 1; v < views.Length; v++)
            if (views[v].Count != count)
                throw new ArgumentException($"Zip: dataset {v} has {views[v].Count} examples, dataset 0 has {count}; the views must be aligned example for example.", nameof(views));
        long row = views.Sum(v => (long)v.ExampleSize);
        if (row > int.MaxValue) throw new ArgumentException($"Zip: the zipped examples would hold {row} values.", nameof(views));
        var x = new float[count * row];
        for (int i = 0; i < count; i++)
        {
            long at = i * row;
            foreach (var v in views)
            {
                Array.Copy(v.Features, (long)i * v.ExampleSize, x, at, v.ExampleSize);
                at += v.ExampleSize;
            }
        }
        return views[0].KeepTargets(new Dataset(x, new[] { (int)row }, views[0].Labels, views[0].Classes), views[0].Targets);
    }
}
