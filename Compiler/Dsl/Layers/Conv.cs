using System;
using Nabla.Ir;

namespace Nabla;

/// <summary>Shared shape checks and lowering of sliding-window layers to <see cref="F.Im2Col"/>.</summary>
internal static class Windows
{
    /// <summary>Output size of one axis, or an error naming the layer when the kernel does not fit the padded input.</summary>
    public static int OutSize(Module layer, Shape input, string axis, int size, int kernel, int stride, int pad)
    {
        if (size + 2 * pad < kernel)
            throw layer.LayerError($"kernel {kernel} is larger than the padded input {axis} {size + 2 * pad} (input {input}, padding {pad})");
        return (size + 2 * pad - kernel) / stride + 1;
    }

    /// <summary>Checks that a window configuration is valid at construction.</summary>
    public static void CheckConfig(Module layer, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        if (kh <= 0 || kw <= 0) throw layer.LayerError($"the kernel size must be positive, got {kh}x{kw}");
        if (sh <= 0 || sw <= 0) throw layer.LayerError($"the stride must be positive, got {sh}x{sw}");
        if (ph < 0 || pw < 0) throw layer.LayerError($"the padding must be >= 0, got {ph}x{pw}");
    }

    /// <summary>Checks the input rank and channel count of a conv or pool input.</summary>
    public static void CheckInput(Module layer, Shape s, int rank, string layout, int? channels)
    {
        if (s.Rank != rank) throw layer.LayerError($"expects an input of layout {layout} (rank {rank}), got {s}");
        for (int i = 1; i < rank; i++)
            if (s[i] == Shape.Batch) throw layer.LayerError($"only N may be the batch axis of an {layout} input, got {s}");
        if (channels is { } c && s[1] != c) throw layer.LayerError($"expects {c} input channels ({layout} with C={c}), got {s}");
    }
}

/// <summary>
/// 1-D convolution over an [N, C, L] input (PyTorch's <c>nn.Conv1d</c>): weight [out, in, k], bias [out], output
/// [N, out, (L + 2·padding − k)/stride + 1]. Lowered to <see cref="F.Im2Col"/> (on [N, C, 1, L]) and one matrix product.
/// </summary>
public sealed class Conv1d : Module
{
    private readonly Initializer? _wInit, _bInit;

    /// <summary>Creates the layer (zero padding on both ends).</summary>
    public Conv1d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null)
        : base("Conv1d")
    {
        In = inChannels; Out = outChannels; Kernel = kernel; Stride = stride; Padding = padding; HasBias = bias; _wInit = weightInit; _bInit = biasInit;
        if (inChannels <= 0 || outChannels <= 0) throw LayerError($"channel counts must be positive, got {inChannels}→{outChannels}");
        Windows.CheckConfig(this, 1, kernel, 1, stride, 0, padding);
    }

    /// <summary>Input channels.</summary>
    public int In { get; }
    /// <summary>Output channels.</summary>
    public int Out { get; }
    /// <summary>Kernel length.</summary>
    public int Kernel { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on each end.</summary>
    public int Padding { get; }
    /// <summary>True when the layer has a bias.</summary>
    public bool HasBias { get; }

    /// <inheritdoc/>
    public override string Description => $"Conv1d {In}→{Out} k{Kernel} s{Stride} p{Padding}";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        Windows.CheckInput(this, s, 3, "NCL", In);
        int ol = Windows.OutSize(this, s, "length", s[2], Kernel, Stride, Padding);
        var cols = F.Im2Col(F.Reshape(x, Shape.Of(s[0], In, 1, s[2])), 1, Kernel, 1, Stride, 0, Padding); // [N, C·k, OL]
        var w = Param("weight", Shape.Of(Out, In, Kernel), ParamRole.Weight, _wInit);
        var y = F.MatMul(F.Reshape(w, Shape.Of(Out, In * Kernel)), cols); // [N, out, OL]
        if (HasBias) y = y + F.Reshape(Param("bias", Shape.Of(Out), ParamRole.Bias, _bInit, Fans.Of(new[] { Out, In, Kernel })), Shape.Of(Out, 1));
        return y;
    }
}

/// <summary>
/// 2-D convolution over an [N, C, H, W] input (PyTorch's <c>nn.Conv2d</c>): weight [out, in, kh, kw], bias [out],
/// output [N, out, OH, OW]. Lowered to <see cref="F.Im2Col"/>, one matrix product and a reshape.
/// </summary>
public sealed class Conv2d : Module
{
    private readonly Initializer? _wInit, _bInit;

    /// <summary>Creates the layer with a square kernel, stride and padding.</summary>
    public Conv2d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null)
        : this(inChannels, outChannels, (kernel, kernel), (stride, stride), (padding, padding), bias, weightInit, biasInit) { }

    /// <summary>Creates the layer with (height, width) kernel, stride and padding.</summary>
    public Conv2d(int inChannels, int outChannels, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null)
        : base("Conv2d")
    {
        In = inChannels; Out = outChannels; Kernel = kernel; Stride = stride; Padding = padding; HasBias = bias; _wInit = weightInit; _bInit = biasInit;
        if (inChannels <= 0 || outChannels <= 0) throw LayerError($"channel counts must be positive, got {inChannels}→{outChannels}");
        Windows.CheckConfig(this, kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W);
    }

    /// <summary>Input channels.</summary>
    public int In { get; }
    /// <summary>Output channels.</summary>
    public int Out { get; }
    /// <summary>Kernel (height, width).</summary>
    public (int H, int W) Kernel { get; }
    /// <summary>Stride (height, width).</summary>
    public (int H, int W) Stride { get; }
    /// <summary>Zero padding (height, width) on each side.</summary>
    public (int H, int W) Padding { get; }
    /// <summary>True when the layer has a bias.</summary>
    public bool HasBias { get; }

    /// <inheritdoc/>
    public override string Description =>
        $"Conv2d {In}→{Out} k{Kernel.H}x{Kernel.W} s{Stride.H}x{Stride.W} p{Padding.H}x{Padding.W}";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        Windows.CheckInput(this, s, 4, "NCHW", In);
        int oh = Windows.OutSize(this, s, "height", s[2], Kernel.H, Stride.H, Padding.H);
        int ow = Windows.OutSize(this, s, "width", s[3], Kernel.W, Stride.W, Padding.W);
        var cols = F.Im2Col(x, Kernel.H, Kernel.W, Stride.H, Stride.W, Padding.H, Padding.W); // [N, C·kh·kw, OH·OW]
        var w = Param("weight", Shape.Of(Out, In, Kernel.H, Kernel.W), ParamRole.Weight, _wInit);
        var y = F.MatMul(F.Reshape(w, Shape.Of(Out, In * Kernel.H * Kernel.W)), cols); // [N, out, OH·OW]
        if (HasBias) y = y + F.Reshape(Param("bias", Shape.Of(Out), ParamRole.Bias, _bInit, Fans.Of(new[] { Out, In, Kernel.H, Kernel.W })), Shape.Of(Out, 1));
        return F.Reshape(y, Shape.Of(s[0], Out, oh, ow));
    }
}
