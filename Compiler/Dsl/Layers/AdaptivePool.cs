using System;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// The averaging windows of PyTorch's adaptive pooling along one axis, and their lowering: output i averages input
/// positions <c>[⌊i·L/out⌋, ⌈(i+1)·L/out⌉)</c>, so windows may differ in length and overlap when L is not a multiple of
/// out. The window sums are one product with a constant [L, out] 0/1 matrix (column i marks window i), divided by the
/// window lengths, as PyTorch divides the sum by the count: exact for every L and out (no window is dropped or
/// truncated), and differentiable as any product with a constant.
/// </summary>
internal static class AdaptiveWindows
{
    /// <summary>The first input position of output <paramref name="i"/>'s window (PyTorch's start index).</summary>
    public static int Start(int i, int length, int outSize) => (int)((long)i * length / outSize);

    /// <summary>One past the last input position of output <paramref name="i"/>'s window (PyTorch's end index).</summary>
    public static int End(int i, int length, int outSize) => (int)(((long)(i + 1) * length + outSize - 1) / outSize);

    /// <summary>The [length, outSize] window matrix, row-major: 1 where position l is in window i.</summary>
    public static double[] Matrix(int length, int outSize)
    {
        var m = new double[length * outSize];
        for (int i = 0; i < outSize; i++)
            for (int l = Start(i, length, outSize); l < End(i, length, outSize); l++) m[l * outSize + i] = 1;
        return m;
    }

    /// <summary>The window lengths along one axis.</summary>
    public static double[] Counts(int length, int outSize) =>
        Enumerable.Range(0, outSize).Select(i => (double)(End(i, length, outSize) - Start(i, length, outSize))).ToArray();

    /// <summary>The window matrix as a constant of <paramref name="x"/>'s graph and type: [length, outSize], or its transpose.</summary>
    public static Node Constant(Node x, int length, int outSize, bool transposed)
    {
        var m = Matrix(length, outSize);
        if (!transposed) return x.Graph.Const(m, Shape.Of(length, outSize), x.DType);
        var t = new double[m.Length];
        for (int l = 0; l < length; l++)
            for (int i = 0; i < outSize; i++) t[i * length + l] = m[l * outSize + i];
        return x.Graph.Const(t, Shape.Of(outSize, length), x.DType);
    }

    /// <summary>Checks an output size at construction.</summary>
    public static void CheckSize(Module layer, int h, int w, bool twoD)
    {
        if (h <= 0 || w <= 0) throw layer.LayerError($"the output size must be positive, got {(twoD ? $"{h}x{w}" : w.ToString())}");
    }
}

/// <summary>
/// Adaptive average pooling over [N, C, L] to [N, C, out] (PyTorch's <c>nn.AdaptiveAvgPool1d</c>): output i is the mean
/// of positions <c>⌊i·L/out⌋ … ⌈(i+1)·L/out⌉ − 1</c>. Lowered to one product with a constant averaging matrix.
/// </summary>
public sealed class AdaptiveAvgPool1d : Module
{
    /// <summary>Creates the layer with the output length <paramref name="outputSize"/>.</summary>
    public AdaptiveAvgPool1d(int outputSize) : base("AdaptiveAvgPool1d")
    {
        OutputSize = outputSize;
        AdaptiveWindows.CheckSize(this, 1, outputSize, false);
    }

    /// <summary>The output length.</summary>
    public int OutputSize { get; }

    /// <inheritdoc/>
    public override string Description => $"AdaptiveAvgPool1d → {OutputSize}";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        Windows.CheckInput(this, s, 3, "NCL", null);
        if (s[2] == 0) throw LayerError($"cannot pool an empty length (input {s})");
        var sums = F.MatMul(x, AdaptiveWindows.Constant(x, s[2], OutputSize, transposed: false)); // [N, C, L]·[L, out]
        return sums / x.Graph.Const(AdaptiveWindows.Counts(s[2], OutputSize), Shape.Of(OutputSize), x.DType);
    }
}

/// <summary>
/// Adaptive average pooling over [N, C, H, W] to [N, C, OH, OW] (PyTorch's <c>nn.AdaptiveAvgPool2d</c>): output (i, j)
/// is the mean of rows <c>⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1</c> and columns <c>⌊j·W/OW⌋ … ⌈(j+1)·W/OW⌉ − 1</c>. The sum
/// over such a rectangle is separable, so it is lowered to two products with constant 0/1 window matrices,
/// <c>Aₕᵀ · x · A_w</c>, divided by the rectangles' sizes.
/// </summary>
public sealed class AdaptiveAvgPool2d : Module
{
    /// <summary>Creates the layer with a square output <paramref name="outputSize"/>×<paramref name="outputSize"/>.</summary>
    public AdaptiveAvgPool2d(int outputSize) : this((outputSize, outputSize)) { }

    /// <summary>Creates the layer with the output (height, width).</summary>
    public AdaptiveAvgPool2d((int H, int W) outputSize) : base("AdaptiveAvgPool2d")
    {
        OutputSize = outputSize;
        AdaptiveWindows.CheckSize(this, outputSize.H, outputSize.W, true);
    }

    /// <summary>The output (height, width).</summary>
    public (int H, int W) OutputSize { get; }

    /// <inheritdoc/>
    public override string Description => $"AdaptiveAvgPool2d → {OutputSize.H}x{OutputSize.W}";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        Windows.CheckInput(this, s, 4, "NCHW", null);
        if (s[2] == 0 || s[3] == 0) throw LayerError($"cannot pool an empty image (input {s})");
        var rows = F.MatMul(x, AdaptiveWindows.Constant(x, s[3], OutputSize.W, transposed: false)); // [N, C, H, OW]
        var sums = F.MatMul(AdaptiveWindows.Constant(x, s[2], OutputSize.H, transposed: true), rows); // [OH, H]·[N, C, H, OW]
        double[] ch = AdaptiveWindows.Counts(s[2], OutputSize.H), cw = AdaptiveWindows.Counts(s[3], OutputSize.W);
        var counts = Enumerable.Range(0, ch.Length * cw.Length).Select(k => ch[k / cw.Length] * cw[k % cw.Length]).ToArray();
        return sums / x.Graph.Const(counts, Shape.Of(OutputSize.H, OutputSize.W), x.DType);
    }
}
