using System;
using System.Collections.Generic;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// One encoder with shared weights applied to several inputs (the views of a siamese or contrastive model):
/// <c>Siamese(encoder)</c> takes two inputs x₁, x₂ and returns encoder(x₁), encoder(x₂). The encoder is the child
/// <c>encoder</c> (its parameters are named <c>PATH.encoder.…</c>, once, however many views use them), so the gradient
/// of a loss between the outputs (<see cref="LossTerm.Between(string, string, JointLoss, double, string)"/>) sums
/// over every view. A dropout inside the encoder draws an independent mask per view (<c>…mask</c>, <c>…mask_2</c>).
/// Build the model with one <see cref="InputSpec"/> per view and name the outputs.
/// </summary>
public sealed class Siamese : Module
{
    private readonly Module _encoder;
    private readonly int _views;

    /// <summary>Applies <paramref name="encoder"/> (one input, one output) to each of <paramref name="views"/> ≥ 2 inputs.</summary>
    public Siamese(Module encoder, int views = 2) : base("Siamese")
    {
        _encoder = Add("encoder", encoder ?? throw new ArgumentNullException(nameof(encoder)));
        if (encoder.InputCount != 1 || encoder.OutputCount != 1) throw LayerError($"the shared encoder {encoder.Description} must take one input and return one output");
        if (views < 2) throw LayerError($"a siamese module needs at least two views, got {views}");
        _views = views;
    }

    /// <summary>The shared encoder.</summary>
    public Module Encoder => _encoder;

    /// <inheritdoc/>
    public override int InputCount => _views;
    /// <inheritdoc/>
    public override int OutputCount => _views;

    /// <inheritdoc/>
    public override string Description => $"Siamese×{_views}({_encoder.Description})";

    /// <inheritdoc/>
    protected override IReadOnlyList<Node> ForwardMany(IReadOnlyList<Node> inputs)
    {
        var outs = new Node[inputs.Count];
        for (int i = 0; i < inputs.Count; i++) outs[i] = _encoder.Call(inputs[i]);
        return outs;
    }
}
