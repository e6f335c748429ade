using System;
using System.Globalization;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// Softmax cross-entropy with label smoothing ε and class weights w, with PyTorch's
/// <c>CrossEntropyLoss(weight=w, label_smoothing=ε)</c> semantics. With C classes and log-probabilities
/// lp = log_softmax(z), the per-example loss is
/// <code>ℓᵢ = −Σ_c w_c · t'ᵢc · lpᵢc,   t' = (1 − ε)·t + ε/C</code>
/// where t is the probability row, or the one-hot row of the class index yᵢ. The batch reduction follows PyTorch:
/// <list type="bullet">
/// <item>class-index targets, <see cref="Reduction.Mean"/>: Σᵢ ℓᵢ / Σᵢ w[yᵢ] (the weighted mean; with no weights, the mean over the batch);</item>
/// <item>probability targets, <see cref="Reduction.Mean"/>: Σᵢ ℓᵢ / B (PyTorch does not divide by weights there);</item>
/// <item><see cref="Reduction.Sum"/>: Σᵢ ℓᵢ.</item>
/// </list>
/// So the smoothing term of an index target is weighted by every class's weight, not by w[yᵢ]
/// (PyTorch: <c>(1−ε)·nll(w) + ε/C·Σ_c w_c·(−lp_c)</c>, both summed and divided by Σᵢ w[yᵢ]).
/// </summary>
internal sealed class SmoothedSoftmaxCrossEntropyLoss : Loss
{
    private readonly ClassTargets _targets;
    private readonly double _smoothing;
    private readonly double[]? _weights;

    public SmoothedSoftmaxCrossEntropyLoss(ClassTargets targets, double labelSmoothing, double[]? classWeights)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "SoftmaxCrossEntropy: the label smoothing must be in [0, 1].");
        if (classWeights is not null)
        {
            if (classWeights.Length == 0) throw new ArgumentException("SoftmaxCrossEntropy: the class weights are empty.", nameof(classWeights));
            foreach (var w in classWeights)
                if (!(w >= 0) || double.IsInfinity(w)) throw new ArgumentOutOfRangeException(nameof(classWeights), w, "SoftmaxCrossEntropy: every class weight must be finite and >= 0.");
        }
        _targets = targets; _smoothing = labelSmoothing; _weights = (double[]?)classWeights?.Clone();
    }

    public override string Name
    {
        get
        {
            var parts = new System.Collections.Generic.List<string>();
            if (_targets == ClassTargets.Indices) parts.Add("indices");
            if (_targets == ClassTargets.IntegerIndices) parts.Add("i32 indices");
            if (_smoothing != 0) parts.Add("smoothing=" + _smoothing.ToString("R", CultureInfo.InvariantCulture));
            if (_weights is not null) parts.Add($"weights[{_weights.Length}]");
            return parts.Count == 0 ? "SoftmaxCrossEntropy" : $"SoftmaxCrossEntropy({string.Join(", ", parts)})";
        }
    }

    protected override Shape TargetShapeFor(Shape p)
    {
        if (p.Rank < 2) throw Error($"the prediction must be logits [B, classes]; got {p}");
        if (p[p.Rank - 1] == Shape.Batch) throw Error($"the class axis (last) of the prediction {p} is the batch axis");
        if (_weights is not null && p[p.Rank - 1] != _weights.Length)
            throw Error($"there are {_weights.Length} class weights, but the prediction {p} has {p[p.Rank - 1]} classes");
        if (_targets == ClassTargets.Probabilities) return p;
        if (p.Rank != 2) throw Error($"class-index targets need logits of shape [B, classes]; got {p}");
        return Shape.Of(p[0]);
    }

    protected override DType TargetTypeFor(DType prediction) => _targets == ClassTargets.IntegerIndices ? DType.I32 : prediction;
    internal override bool TakesFloatClassIndices => _targets == ClassTargets.Indices;

    // The one-hot rows [B, C] of class indices: i32 through one_hot, float indices through eq(t[:,None], iota).
    private Node OneHotOf(Node t, int classes, DType type) =>
        _targets == ClassTargets.IntegerIndices ? F.OneHot(t, classes, type) : Labels.OneHotNode(t, classes);

    private Node? WeightNode(Node y) => _weights is null ? null : y.Graph.Const(_weights, Shape.Of(_weights.Length), y.DType);

    protected override Node Compute(Node y, Node t)
    {
        int axis = y.Shape.Rank - 1, classes = y.Shape[axis];
        var logp = F.LogSoftmax(y, -1);
        var probs = _targets == ClassTargets.Probabilities ? t : OneHotOf(t, classes, y.DType);
        if (_smoothing != 0) probs = (1 - _smoothing) * probs + _smoothing / classes;
        if (WeightNode(y) is { } w) probs = probs * w;
        return OverExample(-F.Sum(probs * logp, new[] { axis }, false), mean: true);
    }

    internal override string? ShardingCaveat(Reduction reduction) =>
        reduction == Reduction.Mean && _targets == ClassTargets.Indices && _weights is not null
            ? $"{Name}'s mean divides by the batch's summed class weights of its targets, which no shard knows" : null;

    protected override Node Reduce(Node perExample, Node prediction, Node target, Reduction reduction)
    {
        if (reduction == Reduction.Sum) return F.Sum(perExample, 0);
        if (_targets == ClassTargets.Probabilities || WeightNode(prediction) is not { } w) return F.Mean(perExample, 0);
        // PyTorch's weighted mean: Σᵢ ℓᵢ / Σᵢ w[yᵢ] (a batch whose targets all weigh 0 gives 0/0 = NaN, as in PyTorch).
        var targetWeights = F.Sum(OneHotOf(target, _weights!.Length, prediction.DType) * w);
        return F.Sum(perExample, 0) / targetWeights;
    }
}

public abstract partial class Loss
{
    /// <summary>
    /// Softmax cross-entropy with label smoothing and class weights, PyTorch's
    /// <c>CrossEntropyLoss(weight=classWeights, label_smoothing=labelSmoothing)</c>: each target row t (a probability row
    /// or the one-hot row of a class index) becomes (1 − ε)·t + ε/C, and class c's term is multiplied by w_c. With
    /// class-index targets and <see cref="Reduction.Mean"/> the batch loss is divided by Σᵢ w[yᵢ] (the sum of the
    /// targets' weights), not by the batch size, exactly as PyTorch does; with probability targets it is divided by
    /// the batch size (also as PyTorch). See <see cref="SmoothedSoftmaxCrossEntropyLoss"/>.
    /// </summary>
    /// <param name="targets">Probability rows [B, C] or class indices [B].</param>
    /// <param name="labelSmoothing">ε ∈ [0, 1] (0: none).</param>
    /// <param name="classWeights">One weight ≥ 0 per class, or null for none.</param>
    public static Loss SoftmaxCrossEntropy(ClassTargets targets, double labelSmoothing, double[]? classWeights = null) =>
        new SmoothedSoftmaxCrossEntropyLoss(targets, labelSmoothing, classWeights);
}
