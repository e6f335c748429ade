using System;
using System.Globalization;
using System.Linq;
using Nabla;

namespace Mnist1D;

/// <summary>
/// The MNIST-1D paper's convolutional network (its <c>ConvBase</c>, the lecture's <c>Networks.Mnist1dCnn()</c>), named as
/// the PyTorch module names its parameters (<c>conv1.weight</c>, …, <c>linear.bias</c>), so a checkpoint moves between
/// the two: the 40 values are one channel ([B, 40] → [B, 1, 40]); Conv1d(1→25, k5, s2, p1) → ReLU → Conv1d(25→25, k3,
/// s2, p1) → ReLU → Conv1d(25→25, k3, s2, p1) → ReLU gives [B, 25, 5] (lengths 40 → 19 → 10 → 5), flattened to 125
/// values for one Linear(125, 10): 5,210 parameters.
/// </summary>
public static class Cnns
{
    /// <summary>The paper's channel count of every convolution.</summary>
    public const int Channels = 25;
    /// <summary>The paper's parameter count for 40 inputs and 10 classes.</summary>
    public const int ParameterCount = 5210;

    /// <summary>
    /// The example's dropout on the flattened features, before the linear layer: none, as the paper. The three defaults
    /// here were chosen on a validation split held out of the training set (<c>--validation 500</c>, seeds 1–2), never on
    /// the test set; see docs/examples/cnn.md. Dropout 0.1 on top of the shift and the cosine schedule bought nothing there.
    /// </summary>
    public const double DefaultDropout = 0.0;
    /// <summary>The example's learning-rate schedule for the CNN: cosine from --lr to 0 (the paper keeps 0.01 constant); chosen as <see cref="DefaultDropout"/>.</summary>
    public const string DefaultSchedule = "cosine";
    /// <summary>
    /// The example's largest random shift of the training signals, ±4 positions, edge-filled, drawn per example and step
    /// (the paper has none; 0 turns it off); chosen as <see cref="DefaultDropout"/>. MNIST-1D's digits are themselves
    /// placed at random offsets, which a convolution followed by a position-bound linear layer must otherwise learn from
    /// 4,000 examples.
    /// </summary>
    public const int DefaultShift = 4;

    /// <summary>
    /// [B, <paramref name="length"/>] → view [B, 1, length] → three strided Conv1d + ReLU → flatten → (dropout
    /// <paramref name="dropout"/> if &gt; 0) → Linear(<see cref="Channels"/>·L3, <paramref name="outputs"/>).
    /// </summary>
    public static Sequential Build(int length, int outputs, double dropout = 0)
    {
        // The architecture is the library's (Networks.Mnist1dCnn); the example only adds the optional dropout.
        var paper = Networks.Mnist1dCnn(length, Channels, outputs);
        if (dropout <= 0) return paper;
        var layers = paper.Children.Select(c => (c.Key, c.Value)).ToList();
        int linear = layers.FindIndex(c => c.Key == "linear");
        if (linear < 0) throw new InvalidOperationException("Networks.Mnist1dCnn has no layer named 'linear' any more; update Cnns.Build.");
        layers.Insert(linear, ("dropout", new Dropout(dropout)));
        return new Sequential(layers.ToArray());
    }

    /// <summary>"cnn 3x conv1d 25 shift ±4" for progress lines and plot titles.</summary>
    public static string Describe(double dropout, int shift) =>
        "cnn 3x conv1d " + Channels.ToString(CultureInfo.InvariantCulture) +
        (dropout > 0 ? " dropout " + dropout.ToString(CultureInfo.InvariantCulture) : "") +
        (shift > 0 ? " shift ±" + shift.ToString(CultureInfo.InvariantCulture) : "");
}
