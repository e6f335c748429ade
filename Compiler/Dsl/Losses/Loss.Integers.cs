using Nabla.Ir;

namespace Nabla;

// Integer (i32) class-index targets: the target's element type, and PyTorch's NLLLoss.
public abstract partial class Loss
{
    /// <summary>
    /// The element type of the target input for a prediction of element type <paramref name="prediction"/>: the same
    /// float type, or <see cref="DType.I32"/> for class-index targets (<see cref="Nll"/>,
    /// <see cref="ClassTargets.IntegerIndices"/>).
    /// </summary>
    public DType TargetType(DType prediction) => TargetTypeFor(prediction);

    /// <summary>The target's element type for a prediction of <paramref name="prediction"/> (override for integer targets).</summary>
    protected virtual DType TargetTypeFor(DType prediction) => prediction;

    /// <summary>True when the target is class indices held as floats (<see cref="ClassTargets.Indices"/>): the lowering records the classes as the target's index limit.</summary>
    internal virtual bool TakesFloatClassIndices => false;

    /// <summary>
    /// Why the batch loss under <paramref name="reduction"/> is not the sum over any split of the batch into shards of
    /// each shard's loss weighted by its share of the rows (sum: weight 1), as data-parallel training assumes; null when it is.
    /// </summary>
    internal virtual string? ShardingCaveat(Reduction reduction) => null;

    /// <summary>
    /// The negative log-likelihood of log-probabilities, PyTorch's <c>NLLLoss</c>: the prediction is log p [B, C] (e.g.
    /// the output of <c>LogSoftmax</c>), the target the i32 class index per example [B], and the loss of an example
    /// −log p[t]. Composed with a log-softmax it is <see cref="SoftmaxCrossEntropy(ClassTargets)"/> with
    /// <see cref="ClassTargets.IntegerIndices"/>. An index outside [0, C) is an error (the one-hot kernel checks it).
    /// </summary>
    public static Loss Nll() => new NllLoss();
}

/// <summary>−log p[t] per example for log-probabilities p [B, C] and i32 class indices t [B].</summary>
internal sealed class NllLoss : Loss
{
    public override string Name => "Nll";

    protected override DType TargetTypeFor(DType prediction) => DType.I32;

    protected override Shape TargetShapeFor(Shape p)
    {
        if (p.Rank != 2) throw Error($"the prediction must be log-probabilities [B, classes]; got {p}");
        if (p[1] == Shape.Batch) throw Error($"the class axis (last) of the prediction {p} is the batch axis");
        return Shape.Of(p[0]);
    }

    // Picks log p[t] (a −∞ log-probability of another class stays out of the sum, as in PyTorch's nll_loss).
    protected override Node Compute(Node y, Node t) =>
        -F.Sum(F.Where(F.OneHot(t, y.Shape[1], y.DType), y, y.Graph.Const(0.0, y.DType)), new[] { 1 }, false);
}
