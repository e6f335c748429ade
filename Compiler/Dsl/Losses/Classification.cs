using System;
using Nabla.Ir;

namespace Nabla;

/// <summary>(y − t)² per element, averaged (MSE) or summed (least squares) over each example.</summary>
internal sealed class SquaredError : Loss
{
    private readonly bool _mean;
    public SquaredError(bool mean) { _mean = mean; }
    public override string Name => _mean ? "MSE" : "LeastSquares";
    protected override Node Compute(Node y, Node t) => OverExample(F.Square(y - t), _mean);
}

/// <summary>softplus(z) − t·z per element, averaged over each example.</summary>
internal sealed class BinaryCrossEntropy : Loss
{
    public override string Name => "BinaryCrossEntropyWithLogits";
    protected override Node Compute(Node y, Node t) => OverExample(F.Softplus(y) - t * y, mean: true);
}

/// <summary>−Σ t·log_softmax(z) over the last axis; targets as probabilities or class indices.</summary>
internal sealed class SoftmaxCrossEntropyLoss : Loss
{
    private readonly ClassTargets _targets;
    public SoftmaxCrossEntropyLoss(ClassTargets targets) { _targets = targets; }
    public override string Name => _targets == ClassTargets.Indices ? "SoftmaxCrossEntropy(indices)" : _targets == ClassTargets.IntegerIndices ? "SoftmaxCrossEntropy(integer indices)" : "SoftmaxCrossEntropy";
    protected override DType TargetTypeFor(DType prediction) => _targets == ClassTargets.IntegerIndices ? DType.I32 : prediction;
    internal override bool TakesFloatClassIndices => _targets == ClassTargets.Indices;

    protected override Shape TargetShapeFor(Shape p)
    {
        if (p.Rank < 2) throw Error($"the prediction must be logits [B, classes]; got {p}");
        if (p[p.Rank - 1] == Shape.Batch) throw Error($"the class axis (last) of the prediction {p} is the batch axis");
        if (_targets == ClassTargets.Probabilities) return p;
        if (p.Rank != 2) throw Error($"class-index targets need logits of shape [B, classes]; got {p}");
        return Shape.Of(p[0]);
    }

    protected override Node Compute(Node y, Node t)
    {
        var logp = F.LogSoftmax(y, -1);
        if (_targets == ClassTargets.Probabilities) return OverExample(-F.Sum(t * logp, new[] { y.Shape.Rank - 1 }, false), mean: true);
        // Class indices pick the target's log-probability (as PyTorch's nll_loss), so a −∞ logit of another class
        // does not turn into 0·(−∞) = NaN.
        var hit = _targets == ClassTargets.IntegerIndices ? F.OneHot(t, y.Shape[1], y.DType) : Labels.OneHotNode(t, y.Shape[1]);
        return -F.Sum(F.Where(hit, logp, y.Graph.Const(0.0, y.DType)), new[] { 1 }, false);
    }
}

/// <summary>Helpers for class labels: one-hot rows and index floats (checked), and the in-graph one-hot of an index target.</summary>
public static class Labels
{
    /// <summary>Row-major one-hot rows [n, <paramref name="classes"/>] for integer labels; a label outside [0, classes) is an error naming its position.</summary>
    public static float[] OneHot(int[] labels, int classes)
    {
        Check(labels, classes);
        var r = new float[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++) r[i * classes + labels[i]] = 1;
        return r;
    }

    /// <summary>The labels as floats (the <see cref="ClassTargets.Indices"/> target); a label outside [0, classes) is an error.</summary>
    public static float[] AsFloats(int[] labels, int classes)
    {
        Check(labels, classes);
        var r = new float[labels.Length];
        for (int i = 0; i < labels.Length; i++) r[i] = labels[i];
        return r;
    }

    /// <summary>The one-hot rows of a class-index node t [B] as a node [B, classes]: eq(t[:,None], [0 … classes−1]).</summary>
    public static Node OneHotNode(Node t, int classes)
    {
        if (t.Shape.Rank != 1) throw new ShapeException($"OneHotNode: class indices must have shape [B]; got {t.Describe()}.");
        var iota = new double[classes];
        for (int c = 0; c < classes; c++) iota[c] = c;
        return F.Equal(F.Reshape(t, Shape.Of(t.Shape[0], 1)), t.Graph.Const(iota, Shape.Of(classes), t.DType));
    }

    private static void Check(int[] labels, int classes)
    {
        if (labels is null) throw new ArgumentNullException(nameof(labels));
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "The number of classes must be positive.");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] < 0 || labels[i] >= classes)
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label {labels[i]} at position {i} is outside [0, {classes}).");
    }
}
