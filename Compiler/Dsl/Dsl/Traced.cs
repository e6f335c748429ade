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
public sealed record LossTerm(string Output, Loss Loss, string Target = Model.DefaultTarget, double Weight = 1);

