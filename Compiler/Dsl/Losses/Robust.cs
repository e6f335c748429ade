using System;
using System.Globalization;
using Nabla.Ir;

namespace Nabla;

/// <summary>|y − t| per element, averaged over each example (PyTorch's <c>L1Loss</c>).</summary>
internal sealed class AbsoluteError : Loss
{
    public override string Name => "L1";
    protected override Node Compute(Node y, Node t) => OverExample(F.Abs(y - t), mean: true);
}

/// <summary>
/// The Huber loss with threshold δ per element, averaged over each example (PyTorch's <c>HuberLoss(delta=δ)</c>):
/// ½d² where |d| &lt; δ, else δ·(|d| − ½δ), with d = y − t. Built as ½q² + δ·(|d| − q) with q = min(|d|, δ).
/// </summary>
internal sealed class HuberLoss : Loss
{
    private readonly double _delta;

    public HuberLoss(double delta)
    {
        if (!(delta > 0) || double.IsInfinity(delta)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "Huber: δ must be positive and finite.");
        _delta = delta;
    }

    public override string Name => $"Huber(δ={_delta.ToString("R", CultureInfo.InvariantCulture)})";

    protected override Node Compute(Node y, Node t)
    {
        var a = F.Abs(y - t);
        var q = F.Minimum(a, y.Graph.Const(_delta, y.DType));
        return OverExample(0.5 * F.Square(q) + _delta * (a - q), mean: true);
    }
}

/// <summary>
/// Binary cross-entropy on logits with a weight p on the positive term, per element
/// −[p·t·log σ(z) + (1−t)·log(1−σ(z))] = (1 − t + p·t)·softplus(z) − p·t·z (finite for any z), averaged over each
/// example (PyTorch's <c>BCEWithLogitsLoss(pos_weight=p)</c>; p is one number or one per element of the last axis).
/// </summary>
internal sealed class WeightedBinaryCrossEntropy : Loss
{
    private readonly double[] _posWeight;

    public WeightedBinaryCrossEntropy(double[] posWeight)
    {
        if (posWeight is null) throw new ArgumentNullException(nameof(posWeight));
        if (posWeight.Length == 0) throw new ArgumentException("BinaryCrossEntropyWithLogits: posWeight is empty.", nameof(posWeight));
        foreach (var w in posWeight)
            if (!(w >= 0) || double.IsInfinity(w)) throw new ArgumentOutOfRangeException(nameof(posWeight), w, "BinaryCrossEntropyWithLogits: every positive weight must be finite and >= 0.");
        _posWeight = (double[])posWeight.Clone();
    }

    public override string Name => _posWeight.Length == 1
        ? $"BinaryCrossEntropyWithLogits(posWeight={_posWeight[0].ToString("R", CultureInfo.InvariantCulture)})"
        : $"BinaryCrossEntropyWithLogits(posWeight[{_posWeight.Length}])";

    protected override Shape TargetShapeFor(Shape p)
    {
        if (_posWeight.Length > 1 && (p.Rank < 2 || p[p.Rank - 1] != _posWeight.Length))
            throw Error($"posWeight has {_posWeight.Length} values, one per element of the last axis, but the prediction is {p}");
        return p;
    }

    protected override Node Compute(Node y, Node t)
    {
        var pw = _posWeight.Length == 1 ? y.Graph.Const(_posWeight[0], y.DType) : y.Graph.Const(_posWeight, Shape.Of(_posWeight.Length), y.DType);
        var pt = pw * t;
        return OverExample((1.0 - t + pt) * F.Softplus(y) - pt * y, mean: true);
    }
}

public abstract partial class Loss
{
    /// <summary>Mean absolute error, PyTorch's <c>L1Loss</c>: per example the mean of |y−t| over its elements; target shaped like y. Its gradient at y = t is 0 (sign(0)).</summary>
    public static Loss L1() => new AbsoluteError();

    /// <summary>
    /// The Huber loss, PyTorch's <c>HuberLoss(delta=δ)</c>: per element ½d² for |d| &lt; δ and δ·(|d| − ½δ) beyond
    /// (d = y − t), averaged over each example's elements; target shaped like y.
    /// </summary>
    public static Loss Huber(double delta = 1.0) => new HuberLoss(delta);

    /// <summary>
    /// Binary cross-entropy on logits with the positive examples weighted by <paramref name="posWeight"/> (PyTorch's
    /// <c>BCEWithLogitsLoss(pos_weight=p)</c> with a scalar p): per element −[p·t·log σ(z) + (1−t)·log(1−σ(z))].
    /// </summary>
    public static Loss BinaryCrossEntropyWithLogits(double posWeight) => new WeightedBinaryCrossEntropy(new[] { posWeight });

    /// <summary>
    /// As <see cref="BinaryCrossEntropyWithLogits(double)"/> with one positive weight per element of the prediction's
    /// last axis (one per label of a multi-label output, PyTorch's <c>pos_weight</c> of shape [C]).
    /// </summary>
    public static Loss BinaryCrossEntropyWithLogits(double[] posWeight) => new WeightedBinaryCrossEntropy(posWeight);
}
