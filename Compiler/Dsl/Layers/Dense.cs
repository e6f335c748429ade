using System;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// A fully connected (affine) layer, <c>h = β + Ω·x</c>: weight Ω of shape [out, in] (PyTorch's layout) and bias β
/// of shape [out]; on a batch [B, in] it computes <c>x·Ωᵀ + β</c>. Inputs may have extra leading axes ([B, T, in]).
/// <c>Dense(out)</c> infers <c>in</c> from its first input; <c>Dense(in, out)</c> checks it.
/// </summary>
public sealed class Dense : Module
{
    private readonly Initializer? _weightInit, _biasInit;

    /// <summary>A layer with <paramref name="outFeatures"/> outputs whose input width is inferred at the first trace.</summary>
    public Dense(int outFeatures, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null)
        : this(null, outFeatures, bias, weightInit, biasInit) { }

    /// <summary>A layer from <paramref name="inFeatures"/> to <paramref name="outFeatures"/> units (the input width is checked).</summary>
    public Dense(int inFeatures, int outFeatures, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null)
        : this((int?)inFeatures, outFeatures, bias, weightInit, biasInit) { }

    private Dense(int? inFeatures, int outFeatures, bool bias, Initializer? weightInit, Initializer? biasInit) : base("Dense")
    {
        In = inFeatures; Out = outFeatures; HasBias = bias; _weightInit = weightInit; _biasInit = biasInit;
        if (outFeatures <= 0) throw LayerError($"the output width must be positive, got {outFeatures}");
        if (inFeatures is <= 0) throw LayerError($"the input width must be positive, got {inFeatures}");
    }

    /// <summary>Creates a layer with given weights ([out, in], row-major) and bias ([out], or null for none).</summary>
    public static Dense FromValues(int inFeatures, int outFeatures, float[] weight, float[]? bias)
    {
        var d = new Dense(inFeatures, outFeatures, bias is not null);
        d.Preset("weight", Shape.Of(outFeatures, inFeatures), ParamRole.Weight, weight);
        if (bias is not null) d.Preset("bias", Shape.Of(outFeatures), ParamRole.Bias, bias);
        return d;
    }

    /// <summary>Input width (null until inferred).</summary>
    public int? In { get; private set; }
    /// <summary>Output width.</summary>
    public int Out { get; }
    /// <summary>True when the layer has a bias.</summary>
    public bool HasBias { get; }

    /// <inheritdoc/>
    public override string Description => $"Dense {(In is { } i ? i.ToString() : "?")}→{Out}{(HasBias ? "" : " (no bias)")}";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        if (s.Rank < 2) throw LayerError($"expects an input of shape [B, {In?.ToString() ?? "in"}] (rank >= 2), got {s}");
        int width = s[s.Rank - 1];
        if (width == Shape.Batch) throw LayerError($"the last axis of the input {s} is the batch axis; it must be the feature axis");
        if (width == 0) throw LayerError($"the input {s} has no features (width 0)");
        if (In is { } declared && declared != width)
            throw LayerError($"expects input width {declared} ([..,{declared}]), got {s}");
        In = width;
        var w = Param("weight", Shape.Of(Out, width), ParamRole.Weight, _weightInit);
        var y = F.MatMul(x, F.T(w));
        if (!HasBias) return y;
        return y + Param("bias", Shape.Of(Out), ParamRole.Bias, _biasInit, Fans.Of(new[] { Out, width }));
    }
}
