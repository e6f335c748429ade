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

    /// <summary>Output size of one axis with dilated taps (span d·(k − 1) + 1), or an error naming the layer.</summary>
    public static int OutSize(Module layer, Shape input, string axis, int size, int kernel, int stride, int pad, int dilation)
    {
        if (dilation == 1) return OutSize(layer, input, axis, size, kernel, stride, pad);
        long span = (long)dilation * (kernel - 1) + 1; // in 64 bits: a huge dilation must not wrap around
        if (size + 2L * pad < span)
            throw layer.LayerError($"kernel {kernel} with dilation {dilation} spans {span}, more than the padded input {axis} {size + 2L * pad} (input {input}, padding {pad})");
        return (int)((size + 2L * pad - span) / stride + 1);
    }

    /// <summary>Checks dilation and groups at construction: both positive, and both channel counts divisible by the groups.</summary>
    public static void CheckGroups(Module layer, int inChannels, int outChannels, int dilationH, int dilationW, int groups)
    {
        if (dilationH <= 0 || dilationW <= 0)
            throw layer.LayerError($"the dilation must be positive, got {(layer is Conv1d ? dilationW.ToString() : $"{dilationH}x{dilationW}")}");
        if (groups <= 0) throw layer.LayerError($"groups must be positive, got {groups}");
        if (inChannels % groups != 0) throw layer.LayerError($"in_channels {inChannels} must be divisible by groups {groups}");
        if (outChannels % groups != 0) throw layer.LayerError($"out_channels {outChannels} must be divisible by groups {groups}");
    }

    /// <summary>
    /// The convolution of windows <paramref name="cols"/> [N, C·k, L] with the weight <paramref name="w"/>
    /// [O, C/G, …] (k taps per input channel): one matrix product [O, C·k]·cols when <paramref name="groups"/> is 1;
    /// otherwise the windows become [N, G, C/G·k, L] (group g's channels are rows g·C/G·k … of the windows) and the weight
    /// [G, O/G, C/G·k], broadcast over N so both operands of the batched product carry the same batch axes (the GEMM
    /// layer's batches have one stride per operand), giving [N, G, O/G, L] = [N, O, L].
    /// </summary>
    public static Node Product(Node w, Node cols, int inChannels, int outChannels, int taps, int groups)
    {
        if (groups == 1) return F.MatMul(F.Reshape(w, Shape.Of(outChannels, inChannels * taps)), cols); // [N, out, L]
        var s = cols.Shape;
        int ck = inChannels / groups * taps, og = outChannels / groups;
        var windows = F.Reshape(cols, Shape.Of(s[0], groups, ck, s[2]));
        var weight = F.BroadcastTo(F.Reshape(w, Shape.Of(groups, og, ck)), Shape.Of(s[0], groups, og, ck));
        return F.Reshape(F.MatMul(weight, windows), Shape.Of(s[0], outChannels, s[2]));
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
/// 1-D convolution over an [N, C, L] input (PyTorch's <c>nn.Conv1d</c>): weight [out, in/groups, k], bias [out], output
/// [N, out, (L + 2·padding − dilation·(k − 1) − 1)/stride + 1]. Lowered to <see cref="F.Im2Col"/> (on [N, C, 1, L],
/// dilated) and one matrix product, batched over the groups when there are several (groups = in is a depthwise
/// convolution).
/// </summary>
public sealed class Conv1d : Module
{
    private readonly Initializer? _wInit, _bInit;

    /// <summary>Creates the layer (zero padding on both ends; <paramref name="dilation"/> spaces the taps, <paramref name="groups"/>
    /// splits the channels into groups convolved separately, as PyTorch's).</summary>
    public Conv1d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null,
        int dilation = 1, int groups = 1)
        : base("Conv1d")
    {
        In = inChannels; Out = outChannels; Kernel = kernel; Stride = stride; Padding = padding; HasBias = bias; _wInit = weightInit; _bInit = biasInit;
        Dilation = dilation; Groups = groups;
        if (inChannels <= 0 || outChannels <= 0) throw LayerError($"channel counts must be positive, got {inChannels}→{outChannels}");
        Windows.CheckConfig(this, 1, kernel, 1, stride, 0, padding);
        Windows.CheckGroups(this, inChannels, outChannels, 1, dilation, groups);
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
    /// <summary>Spacing of the kernel's taps (1 = adjacent).</summary>
    public int Dilation { get; }
    /// <summary>Channel groups: input and output channels are split into this many groups, each convolved on its own.</summary>
    public int Groups { get; }

    /// <inheritdoc/>
    public override string Description => $"Conv1d {In}→{Out} k{Kernel} s{Stride} p{Padding}"
        + (Dilation != 1 ? $" d{Dilation}" : "") + (Groups != 1 ? $" g{Groups}" : "");

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        Windows.CheckInput(this, s, 3, "NCL", In);
        int ol = Windows.OutSize(this, s, "length", s[2], Kernel, Stride, Padding, Dilation);
        var cols = F.Im2Col(F.Reshape(x, Shape.Of(s[0], In, 1, s[2])), 1, Kernel, 1, Stride, 0, Padding, 1, Dilation); // [N, C·k, OL]
        var w = Param("weight", Shape.Of(Out, In / Groups, Kernel), ParamRole.Weight, _wInit);
        var y = Windows.Product(w, cols, In, Out, Kernel, Groups); // [N, out, OL]
        if (HasBias) y = y + F.Reshape(Param("bias", Shape.Of(Out), ParamRole.Bias, _bInit, Fans.Of(new[] { Out, In / Groups, Kernel })), Shape.Of(Out, 1));
        return y;
    }
}

/// <summary>
/// 2-D convolution over an [N, C, H, W] input (PyTorch's <c>nn.Conv2d</c>): weight [out, in/groups, kh, kw], bias [out],
/// output [N, out, OH, OW] with OH = (H + 2·padding − dilation·(kh − 1) − 1)/stride + 1, likewise OW. Lowered to
/// <see cref="F.Im2Col"/> (dilated), one matrix product (batched over the groups when there are several; groups = in is
/// a depthwise convolution) and a reshape.
/// </summary>
public sealed class Conv2d : Module
{
    private readonly Initializer? _wInit, _bInit;

    /// <summary>Creates the layer with a square kernel, stride, padding and dilation.</summary>
    public Conv2d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null,
        int dilation = 1, int groups = 1)
        : this(inChannels, outChannels, (kernel, kernel), (stride, stride), (padding, padding), bias, weightInit, biasInit, (dilation, dilation), groups) { }

    /// <summary>Creates the layer with (height, width) kernel, stride, padding and dilation (default 1×1), and channel groups.</summary>
    public Conv2d(int inChannels, int outChannels, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null,
        (int H, int W)? dilation = null, int groups = 1)
        : base("Conv2d")
    {
        In = inChannels; Out = outChannels; Kernel = kernel; Stride = stride; Padding = padding; HasBias = bias; _wInit = weightInit; _bInit = biasInit;
        Dilation = dilation ?? (1, 1); Groups = groups;
        if (inChannels <= 0 || outChannels <= 0) throw LayerError($"channel counts must be positive, got {inChannels}→{outChannels}");
        Windows.CheckConfig(this, kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W);
        Windows.CheckGroups(this, inChannels, outChannels, Dilation.H, Dilation.W, groups);
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
    /// <summary>Spacing (height, width) of the kernel's taps (1 = adjacent).</summary>
    public (int H, int W) Dilation { get; }
    /// <summary>Channel groups: input and output channels are split into this many groups, each convolved on its own.</summary>
    public int Groups { get; }

    /// <inheritdoc/>
    public override string Description =>
        $"Conv2d {In}→{Out} k{Kernel.H}x{Kernel.W} s{Stride.H}x{Stride.W} p{Padding.H}x{Padding.W}"
        + (Dilation != (1, 1) ? $" d{Dilation.H}x{Dilation.W}" : "") + (Groups != 1 ? $" g{Groups}" : "");

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        Windows.CheckInput(this, s, 4, "NCHW", In);
        int oh = Windows.OutSize(this, s, "height", s[2], Kernel.H, Stride.H, Padding.H, Dilation.H);
        int ow = Windows.OutSize(this, s, "width", s[3], Kernel.W, Stride.W, Padding.W, Dilation.W);
        var cols = F.Im2Col(x, Kernel.H, Kernel.W, Stride.H, Stride.W, Padding.H, Padding.W, Dilation.H, Dilation.W); // [N, C·kh·kw, OH·OW]
        var w = Param("weight", Shape.Of(Out, In / Groups, Kernel.H, Kernel.W), ParamRole.Weight, _wInit);
        var y = Windows.Product(w, cols, In, Out, Kernel.H * Kernel.W, Groups); // [N, out, OH·OW]
        if (HasBias) y = y + F.Reshape(Param("bias", Shape.Of(Out), ParamRole.Bias, _bInit, Fans.Of(new[] { Out, In / Groups, Kernel.H, Kernel.W })), Shape.Of(Out, 1));
        return F.Reshape(y, Shape.Of(s[0], Out, oh, ow));
    }
}
