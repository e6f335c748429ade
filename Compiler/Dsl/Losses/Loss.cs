using System;
using Nabla.Ir;

namespace Nabla;

/// <summary>How per-example losses become one number.</summary>
public enum Reduction
{
    /// <summary>The mean over the batch, (1/m)·Σᵢ ℓᵢ — the lectures' convention and the default.</summary>
    Mean,
    /// <summary>The sum over the batch, Σᵢ ℓᵢ.</summary>
    Sum,
}

/// <summary>How class targets are given to <see cref="Loss.SoftmaxCrossEntropy(ClassTargets)"/>.</summary>
public enum ClassTargets
{
    /// <summary>A probability vector per example (one-hot for hard labels): target [B, classes].</summary>
    Probabilities,
    /// <summary>
    /// The class index per example as a float (the IR has no integer type; exact up to 2²⁴ in float32): target [B].
    /// The loss builds the one-hot rows in the graph as <c>eq(t[:,None], [0, 1, …, C−1])</c>. An index outside
    /// [0, C) matches no class and would contribute 0, so the data layer must check the range (<see cref="Labels"/> does).
    /// </summary>
    Indices,
    /// <summary>
    /// The class index per example as an i32 target input [B] (<see cref="Ir.DType.I32"/>; PyTorch's integer targets). The
    /// loss builds the one-hot rows with <see cref="F.OneHot"/>, whose kernel throws when an index is not an integer in
    /// [0, C); the run-time library also checks the labels when they are passed in (<c>Network.TrainStep</c> with an
    /// <c>int[]</c> or a float array).
    /// </summary>
    IntegerIndices,
}

/// <summary>A loss was given a prediction or target whose shape does not fit; the message names the loss and both shapes.</summary>
public sealed class LossException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public LossException(string lossName, string message) : base(message) { LossName = lossName; }
    /// <summary>The loss, e.g. <c>SoftmaxCrossEntropy</c>.</summary>
    public string LossName { get; }
}

/// <summary>
/// A training loss ℓ(prediction, target): one value per example (axis 0 is the batch), reduced over the batch by
/// <see cref="Apply"/> (mean by default). Every loss is built from stable primitives (<see cref="F.LogSoftmax"/>,
/// <see cref="F.LogSumExp"/>, <see cref="F.Softplus"/>), so large logits give finite values and gradients.
/// </summary>
public abstract partial class Loss
{
    /// <summary>The loss's name (used in errors).</summary>
    public abstract string Name { get; }

    /// <summary>The target shape this loss needs for a prediction of shape <paramref name="prediction"/> (checks the prediction).</summary>
    public Shape TargetShape(Shape prediction)
    {
        if (prediction.Rank < 1) throw Error($"the prediction must have a batch axis; got a scalar {prediction}");
        return TargetShapeFor(prediction);
    }

    /// <summary>The target shape for <paramref name="prediction"/>'s shape (the output node <paramref name="name"/>, for errors).</summary>
    internal Shape TargetShape(Node prediction, string name)
    {
        try { return TargetShape(prediction.Shape); }
        catch (LossException e) { throw new LossException(Name, e.Message.Replace("the prediction", $"the prediction {name}")); }
    }

    /// <summary>The per-example losses, shape [B]; the target must have <see cref="TargetShape(Shape)"/>.</summary>
    public Node PerExample(Node prediction, Node target)
    {
        if (prediction is null || target is null) throw new ArgumentNullException(prediction is null ? nameof(prediction) : nameof(target));
        var want = TargetShape(prediction.Shape);
        if (!target.Shape.Equals(want))
            throw Error($"the target {Label(target)} has shape {target.Shape}, but for the prediction {prediction.Shape} it must be {want}");
        if (TargetType(prediction.DType) != target.DType)
            throw Error($"the prediction is {prediction.DType.ShortName()}, so the target must be {TargetType(prediction.DType).ShortName()}, but it is {target.DType.ShortName()}");
        return Compute(prediction, target);
    }

    /// <summary>The loss reduced over the batch: the mean (default) or the sum of <see cref="PerExample"/>.</summary>
    public Node Apply(Node prediction, Node target, Reduction reduction = Reduction.Mean)
    {
        var per = PerExample(prediction, target);
        return Reduce(per, prediction, target, reduction);
    }

    /// <summary>
    /// Reduces the per-example losses <paramref name="perExample"/> [B] over the batch: the mean (default) or the sum.
    /// A loss whose mean divides by something other than the batch size overrides it (the class-weighted
    /// cross-entropy divides by Σᵢ w[yᵢ], as PyTorch does).
    /// </summary>
    protected virtual Node Reduce(Node perExample, Node prediction, Node target, Reduction reduction) =>
        reduction == Reduction.Mean ? F.Mean(perExample, 0) : F.Sum(perExample, 0);

    /// <summary>The target shape for a valid prediction shape (override to check the prediction too).</summary>
    protected virtual Shape TargetShapeFor(Shape prediction) => prediction;

    /// <summary>The per-example loss [B] for shape-checked arguments.</summary>
    protected abstract Node Compute(Node y, Node t);

    /// <summary>An error naming this loss.</summary>
    protected LossException Error(string why) => new(Name, $"loss {Name}: {why}.");

    /// <summary>Sums (or averages) every axis after the first, leaving [B].</summary>
    protected static Node OverExample(Node v, bool mean)
    {
        if (v.Shape.Rank <= 1) return v;
        var axes = new int[v.Shape.Rank - 1];
        for (int i = 0; i < axes.Length; i++) axes[i] = i + 1;
        return mean ? F.Mean(v, axes) : F.Sum(v, axes);
    }

    private static string Label(Node n) => n.Name is { } s ? $"\"{s}\"" : n.ToString();

    /// <summary>The name.</summary>
    public override string ToString() => Name;

    /// <summary>Mean squared error, PyTorch's <c>MSELoss</c>: per example the mean of (y−t)² over its elements; target shaped like y.</summary>
    public static Loss Mse() => new SquaredError(mean: true);
    /// <summary>Least squares as the lectures write it: per example Σⱼ (yⱼ−tⱼ)² (with <see cref="Reduction.Sum"/>: L = Σᵢ ‖f(xᵢ)−yᵢ‖²).</summary>
    public static Loss LeastSquares() => new SquaredError(mean: false);
    /// <summary>
    /// Binary cross-entropy on logits z with targets t ∈ [0, 1], per element softplus(z) − t·z (= −t·log σ(z) − (1−t)·log(1−σ(z)),
    /// finite for any z), averaged over each example's elements (PyTorch's <c>BCEWithLogitsLoss</c>).
    /// </summary>
    public static Loss BinaryCrossEntropyWithLogits() => new BinaryCrossEntropy();
    /// <summary>
    /// Softmax cross-entropy on logits z [B, C] (class axis last): −Σ_c t_c·log_softmax(z)_c per example. Its gradient
    /// with respect to the logits is softmax(z) − t. <paramref name="targets"/> chooses probability rows or class indices.
    /// </summary>
    public static Loss SoftmaxCrossEntropy(ClassTargets targets = ClassTargets.Probabilities) => new SoftmaxCrossEntropyLoss(targets);
    /// <summary>The negative log-likelihood of a mixture density network with <paramref name="components"/> Gaussians over <paramref name="dims"/>-D targets (see <see cref="MixtureDensityLoss"/>).</summary>
    public static Loss MixtureDensity(int components, int dims = 1) => new MixtureDensityLoss(components, dims);
    /// <summary>InfoNCE with <paramref name="negatives"/> negatives per example and temperature <paramref name="temperature"/> (see <see cref="InfoNceLoss"/>).</summary>
    public static Loss InfoNce(int negatives, double temperature = 0.1) => new InfoNceLoss(negatives, temperature);
}
