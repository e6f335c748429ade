using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

/// <summary>Whether a trace is for training (dropout reads mask inputs) or evaluation (dropout is the identity).</summary>
public enum TraceMode
{
    /// <summary>Inference: dropout is the identity; no mask inputs.</summary>
    Eval,
    /// <summary>Training: each dropout call multiplies by a 0/1 keep-mask input and rescales by 1/(1−p).</summary>
    Train,
}

/// <summary>A named network input and its shape (usually <c>[B, …]</c> with the symbolic batch <see cref="Shape.Batch"/>).</summary>
/// <param name="Name">The input's name in the IR (the default single input is <c>x</c>).</param>
/// <param name="Shape">Its shape.</param>
public sealed record InputSpec(string Name, Shape Shape)
{
    /// <summary>An input of shape [B, <paramref name="dims"/>…].</summary>
    public static InputSpec Batched(string name, params int[] dims) => new(name, new Shape(new[] { Shape.Batch }.Concat(dims).ToArray()));

    /// <summary>
    /// An input of i32 indices of shape [B, <paramref name="dims"/>…] (token ids for an <see cref="Embedding"/>). A
    /// compiled model passes it in its float arrays as exact integers; the kernels that read it check every index.
    /// </summary>
    public static InputSpec Indices(string name, params int[] dims) => Batched(name, dims) with { ElementType = DType.I32 };

    /// <summary>The element type: null for the model's float type, or <see cref="DType.I32"/> for indices.</summary>
    public DType? ElementType { get; init; }
}

/// <summary>One term of a multi-head training objective: <see cref="Weight"/>·<see cref="Loss"/>(output, target).</summary>
/// <param name="Output">The model output the loss reads.</param>
/// <param name="Loss">The loss.</param>
/// <param name="Target">The name of the target input it creates (distinct per term).</param>
/// <param name="Weight">The term's weight in the sum.</param>
public sealed record LossTerm(string Output, Loss Loss, string Target = Model.DefaultTarget, double Weight = 1)
{
    /// <summary>
    /// For a loss between outputs (<see cref="JointLoss"/>): the outputs it reads after <see cref="Output"/>, in order
    /// (empty for a loss against target data). Set by <see cref="Between(string, string, JointLoss, double, string)"/> and <see cref="Among"/>.
    /// </summary>
    public IReadOnlyList<string> With { get; init; } = Array.Empty<string>();

    /// <summary>Every output the term reads: <see cref="Output"/>, then <see cref="With"/>.</summary>
    public IReadOnlyList<string> Outputs => new[] { Output }.Concat(With).ToArray();

    /// <summary>True when the term is a loss between outputs of the network (a <see cref="JointLoss"/>).</summary>
    public bool IsBetweenOutputs => Loss is JointLoss;

    /// <summary>
    /// A loss between two outputs of the network, e.g. <c>LossTerm.Between("q", "k", Loss.InfoNceInBatch(0.1))</c>:
    /// both are network values, so the gradient reaches both branches. <paramref name="target"/> names the target input
    /// of a loss that has one (the label of <see cref="Loss.ContrastiveMargin"/>); it is unused otherwise.
    /// </summary>
    public static LossTerm Between(string first, string second, JointLoss loss, double weight = 1, string target = Model.DefaultTarget) =>
        Among(new[] { first, second }, loss, weight, target);

    /// <summary>A loss between several outputs (anchor, positive, negative for <see cref="Loss.TripletMargin"/>), in the loss's order.</summary>
    public static LossTerm Among(IReadOnlyList<string> outputs, JointLoss loss, double weight = 1, string target = Model.DefaultTarget)
    {
        if (outputs is null || outputs.Count == 0 || outputs.Any(o => o is null)) throw new ArgumentException("Name the outputs the loss reads.", nameof(outputs));
        if (loss is null) throw new ArgumentNullException(nameof(loss));
        if (outputs.Count != loss.Arity)
            throw new ArgumentException($"The loss {loss.Name} reads {loss.Arity} outputs; {outputs.Count} were named ({string.Join(", ", outputs)}).", nameof(outputs));
        return new LossTerm(outputs[0], loss, target, weight) { With = outputs.Skip(1).ToArray() };
    }
}

