using System;
using Nabla;
using Nabla.Data;

namespace Mnist1D;

/// <summary>Loss and accuracy of a network on a whole dataset (evaluation mode: no dropout, no update).</summary>
public sealed class Evaluation
{
    private readonly Dataset _data;
    private readonly float[] _targets;

    /// <summary>An evaluator over <paramref name="data"/> (its one-hot targets are built once).</summary>
    public Evaluation(Dataset data)
    {
        _data = data;
        _targets = data.OneHot();
    }

    /// <summary>The mean loss and the accuracy of <paramref name="network"/> on the dataset, in one batch.</summary>
    public (double Loss, double Accuracy) Run(Network network)
    {
        float loss = network.Evaluate(_data.Features, _targets, _data.Count);
        return (loss, Accuracy(network.Output(), _data.Labels!, _data.Count, _data.Classes));
    }

    /// <summary>The fraction of the first <paramref name="count"/> rows of <paramref name="logits"/> whose largest entry is at the label (first maximum wins).</summary>
    public static double Accuracy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int count, int classes)
    {
        if (count == 0) return 0;
        return Correct(logits, labels, count, classes) / (double)count;
    }

    /// <summary>How many of the first <paramref name="count"/> rows are classified correctly.</summary>
    public static int Correct(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int count, int classes)
    {
        int correct = 0;
        for (int r = 0; r < count; r++)
        {
            var row = logits.Slice(r * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            if (best == labels[r]) correct++;
        }
        return correct;
    }
}
