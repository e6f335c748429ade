using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// A loss between several outputs of the network (or of one encoder applied to several inputs with shared weights):
/// ℓ(o₁, …, o_k) per example, optionally with a target input (the same/different label of a contrastive pair). Every
/// output is a network value, so the gradient reaches every branch that produced one — unlike a <see cref="Loss"/>,
/// whose second argument is target data. Give it to training with <see cref="LossTerm.Between(string, string, JointLoss, double, string)"/>
/// (or as the single loss of a model that has exactly <see cref="Arity"/> outputs, taken in order).
/// </summary>
public abstract class JointLoss : Loss
{
    /// <summary>Creates a loss over <paramref name="arity"/> ≥ 2 outputs.</summary>
    protected JointLoss(int arity)
    {
        if (arity < 2) throw new ArgumentOutOfRangeException(nameof(arity), arity, "A loss between outputs reads at least two of them.");
        Arity = arity;
    }

    /// <summary>How many outputs the loss reads (2 for a pair, 3 for anchor, positive, negative).</summary>
    public int Arity { get; }

    /// <summary>What each output is, for messages (<c>query</c>, <c>key</c>); by default <c>output 1</c>, <c>output 2</c>, ….</summary>
    protected virtual string Role(int index) => $"output {index + 1}";

    /// <summary>
    /// The target shape for outputs of these shapes, or null when the loss has no target (checks the outputs; by
    /// default they must all have one shape [B, E]). <paramref name="names"/> name the outputs in errors.
    /// </summary>
    public Shape? TargetShape(IReadOnlyList<Shape> outputs, IReadOnlyList<string>? names = null)
    {
        if (outputs is null) throw new ArgumentNullException(nameof(outputs));
        string Label(int i) => names is not null && i < names.Count ? $"{Role(i)} \"{names[i]}\"" : Role(i);
        if (outputs.Count != Arity) throw Error($"it reads {Arity} outputs, {outputs.Count} were given");
        for (int i = 0; i < outputs.Count; i++)
            if (outputs[i].Rank != 2 || outputs[i][1] == Shape.Batch)
                throw Error($"{Label(i)} must be embeddings [B, E]; got {outputs[i]}");
        for (int i = 1; i < outputs.Count; i++)
            if (!outputs[i].Equals(outputs[0]))
                throw Error($"{Label(0)} has shape {outputs[0]} but {Label(i)} has shape {outputs[i]}; they must match");
        return HasTarget ? JointTargetShape(outputs[0]) : null;
    }

    /// <summary>Whether the loss reads a target input besides the outputs (false by default).</summary>
    public virtual bool HasTarget => false;

    /// <summary>The target shape for outputs of the (checked, common) shape <paramref name="output"/> when <see cref="HasTarget"/> (else not called).</summary>
    protected virtual Shape JointTargetShape(Shape output) => throw new NotSupportedException($"{Name} has no target.");

    /// <summary>The per-example losses [B] of <paramref name="outputs"/> (and the target when the loss has one).</summary>
    public Node PerExample(IReadOnlyList<Node> outputs, Node? target = null)
    {
        if (outputs is null || outputs.Any(o => o is null)) throw new ArgumentNullException(nameof(outputs));
        var want = TargetShape(outputs.Select(o => o.Shape).ToArray(), outputs.Select(o => o.Name ?? o.ToString()).ToArray());
        if (want is null && target is not null) throw Error("it takes no target, but one was given");
        if (want is not null)
        {
            if (target is null) throw Error($"it needs a target of shape {want}");
            if (!target.Shape.Equals(want)) throw Error($"the target {target.Name ?? target.ToString()} has shape {target.Shape}, but it must be {want}");
            if (target.DType != outputs[0].DType) throw Error($"the outputs are {outputs[0].DType.ShortName()} but the target is {target.DType.ShortName()}");
        }
        for (int i = 1; i < outputs.Count; i++)
            if (!ReferenceEquals(outputs[i].Graph, outputs[0].Graph)) throw Error($"{Role(i)} belongs to another graph than {Role(0)}");
        return ComputeJoint(outputs, target);
    }

    /// <summary>The loss reduced over the batch: the mean (default) or the sum of <see cref="PerExample(IReadOnlyList{Node}, Node?)"/>.</summary>
    public Node Apply(IReadOnlyList<Node> outputs, Node? target = null, Reduction reduction = Reduction.Mean)
    {
        var per = PerExample(outputs, target);
        return reduction == Reduction.Mean ? F.Mean(per, 0) : F.Sum(per, 0);
    }

    /// <summary>The per-example loss [B] for checked outputs (all [B, E]) and target.</summary>
    protected abstract Node ComputeJoint(IReadOnlyList<Node> outputs, Node? target);

    /// <summary>A loss between outputs has no (prediction, target) form: always an error that says how to use it.</summary>
    protected sealed override Shape TargetShapeFor(Shape prediction) =>
        throw Error($"it is a loss between {Arity} outputs of the network, not between a prediction and target data; train it with LossTerm.Between(...) (or as the loss of a model with exactly {Arity} outputs)");

    /// <inheritdoc/>
    protected sealed override Node Compute(Node y, Node t) => throw Error("it is a loss between outputs; call Apply(outputs)");

    /// <summary>‖a − b + ε‖₂ per row of [B, E] embeddings, ε = <paramref name="eps"/> (PyTorch's <c>pairwise_distance</c>, which keeps the gradient finite at a = b).</summary>
    public static Node PairwiseDistance(Node a, Node b, double eps = 1e-6) => F.Sqrt(F.Sum(F.Square(a - b + eps), new[] { 1 }, false));
}

/// <summary>
/// InfoNCE over in-batch negatives (the SimCLR / MoCo / CLIP form) between a query output q [B, E] and a key output
/// k [B, E]: both rows are L2-normalized (v/√(‖v‖² + 10⁻¹²)), the logits are S = q̂·k̂ᵀ/τ [B, B], and example i's
/// positive is key i (the diagonal), every other key of the batch a negative:
/// <code>ℓᵢ = logsumexp_j S_ij − S_ii</code>
/// (the cross-entropy of <c>S</c> with targets 0 … B−1, PyTorch's <c>F.cross_entropy(S, arange(B))</c>). The symmetric
/// variant (CLIP) averages it with the same loss of the keys against the queries, ½(ℓᵢ + logsumexp_j S_ji − S_ii).
/// Gradients reach both outputs. The batch is the set of negatives, so the loss depends on the batch size.
/// </summary>
public sealed class InfoNceInBatchLoss : JointLoss
{
    /// <summary>Creates the loss with temperature <paramref name="temperature"/> &gt; 0.</summary>
    public InfoNceInBatchLoss(double temperature = 0.1, bool symmetric = false) : base(2)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive and finite.");
        Temperature = temperature; Symmetric = symmetric;
    }

    /// <summary>The temperature τ.</summary>
    public double Temperature { get; }
    /// <summary>Whether the loss is symmetrized over queries and keys (CLIP).</summary>
    public bool Symmetric { get; }

    /// <inheritdoc/>
    public override string Name => $"InfoNCE(in-batch{(Symmetric ? ", symmetric" : "")}, τ={Temperature.ToString("R", CultureInfo.InvariantCulture)})";

    /// <inheritdoc/>
    protected override string Role(int index) => index == 0 ? "query" : "key";

    /// <inheritdoc/>
    protected override Node ComputeJoint(IReadOnlyList<Node> outputs, Node? target)
    {
        var q = InfoNceLoss.Normalize(outputs[0], 1);
        var k = InfoNceLoss.Normalize(outputs[1], 1);
        var s = F.MatMul(q, F.T(k)) / Temperature;                              // [B, B]
        var positive = F.Sum(q * k, new[] { 1 }, false) / Temperature;          // S_ii, [B]
        var rows = F.LogSumExp(s, 1) - positive;
        return Symmetric ? 0.5 * (rows + (F.LogSumExp(s, 0) - positive)) : rows;
    }
}

/// <summary>
/// The triplet margin loss (PyTorch's <c>TripletMarginLoss(margin, p=2, eps=1e-6)</c>) between an anchor, a positive
/// and a negative output, each [B, E]: ℓᵢ = max(d(aᵢ, pᵢ) − d(aᵢ, nᵢ) + margin, 0) with d(x, y) = ‖x − y + ε‖₂.
/// </summary>
public sealed class TripletMarginLoss : JointLoss
{
    /// <summary>Creates the loss with <paramref name="margin"/> ≥ 0 and the distance's ε.</summary>
    public TripletMarginLoss(double margin = 1.0, double eps = 1e-6) : base(3)
    {
        if (!(margin >= 0) || double.IsInfinity(margin)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin must be finite and >= 0.");
        if (!(eps >= 0) || double.IsInfinity(eps)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "ε must be finite and >= 0.");
        Margin = margin; Eps = eps;
    }

    /// <summary>The margin.</summary>
    public double Margin { get; }
    /// <summary>The ε added to the differences inside the distance.</summary>
    public double Eps { get; }

    /// <inheritdoc/>
    public override string Name => $"TripletMargin(margin={Margin.ToString("R", CultureInfo.InvariantCulture)})";

    /// <inheritdoc/>
    protected override string Role(int index) => index switch { 0 => "anchor", 1 => "positive", _ => "negative" };

    /// <inheritdoc/>
    protected override Node ComputeJoint(IReadOnlyList<Node> o, Node? target) =>
        F.Relu(PairwiseDistance(o[0], o[1], Eps) - PairwiseDistance(o[0], o[2], Eps) + Margin);
}

/// <summary>
/// The contrastive margin loss of Hadsell, Chopra and LeCun (2006) between two outputs a, b [B, E] with a target
/// y [B] (1: a similar pair, 0: a dissimilar one): with d = ‖a − b + ε‖₂,
/// <code>ℓᵢ = ½·yᵢ·dᵢ² + ½·(1 − yᵢ)·max(0, margin − dᵢ)²</code>
/// Similar pairs are pulled together, dissimilar ones pushed apart until they are <c>margin</c> away.
/// </summary>
public sealed class ContrastiveMarginLoss : JointLoss
{
    /// <summary>Creates the loss with <paramref name="margin"/> &gt; 0.</summary>
    public ContrastiveMarginLoss(double margin = 1.0, double eps = 1e-6) : base(2)
    {
        if (!(margin > 0) || double.IsInfinity(margin)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin must be positive and finite.");
        if (!(eps >= 0) || double.IsInfinity(eps)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "ε must be finite and >= 0.");
        Margin = margin; Eps = eps;
    }

    /// <summary>The margin.</summary>
    public double Margin { get; }
    /// <summary>The ε added to the differences inside the distance.</summary>
    public double Eps { get; }

    /// <inheritdoc/>
    public override string Name => $"ContrastiveMargin(margin={Margin.ToString("R", CultureInfo.InvariantCulture)})";

    /// <inheritdoc/>
    public override bool HasTarget => true;

    /// <inheritdoc/>
    protected override Shape JointTargetShape(Shape output) => Shape.Of(output[0]);

    /// <inheritdoc/>
    protected override Node ComputeJoint(IReadOnlyList<Node> o, Node? y)
    {
        var d = PairwiseDistance(o[0], o[1], Eps);
        var far = F.Relu(Margin - d);
        return 0.5 * (y! * F.Square(d) + (1.0 - y!) * F.Square(far));
    }
}

public abstract partial class Loss
{
    /// <summary>
    /// InfoNCE over in-batch negatives between two outputs (queries and keys, both network outputs): logits
    /// normalize(q)·normalize(k)ᵀ/τ with the positives on the diagonal (see <see cref="InfoNceInBatchLoss"/>). Train it
    /// with <c>LossTerm.Between("q", "k", Loss.InfoNceInBatch(0.1))</c>.
    /// </summary>
    public static JointLoss InfoNceInBatch(double temperature = 0.1, bool symmetric = false) => new InfoNceInBatchLoss(temperature, symmetric);

    /// <summary>The triplet margin loss between anchor, positive and negative outputs (PyTorch's <c>TripletMarginLoss</c>, p = 2; see <see cref="TripletMarginLoss"/>).</summary>
    public static JointLoss TripletMargin(double margin = 1.0, double eps = 1e-6) => new TripletMarginLoss(margin, eps);

    /// <summary>The contrastive margin loss between two outputs with a similar (1) / dissimilar (0) target [B] (see <see cref="ContrastiveMarginLoss"/>).</summary>
    public static JointLoss ContrastiveMargin(double margin = 1.0, double eps = 1e-6) => new ContrastiveMarginLoss(margin, eps);
}
