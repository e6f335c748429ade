using System;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// Max or average pooling over 1-D ([N, C, L]) or 2-D ([N, C, H, W]) windows, as PyTorch's <c>MaxPool1d/2d</c> and
/// <c>AvgPool1d/2d</c> (stride defaults to the kernel size; output sizes round down). Max pooling is one
/// <see cref="F.MaxPool"/> (1-D as H = 1); its gradient goes to the element that attains each window's maximum (shared
/// equally among ties, as <c>reduce_max</c>'s; PyTorch gives it all to one of them). Average pooling is lowered to
/// <see cref="F.Im2Col"/>: the windows [N, C·k, L'] are reshaped to [N, C, k, L'] and averaged over the window axis.
/// Padding: max pooling pads with −∞ (a padded element never wins, as in PyTorch); average pooling pads with zeros that
/// count in the mean (PyTorch's default <c>count_include_pad=True</c>). As in PyTorch, padding may be at most half the kernel.
/// </summary>
public sealed class Pool : Module
{
    private readonly bool _max;
    private readonly int _dims;

    private Pool(bool max, int dims, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding)
        : base((max ? "MaxPool" : "AvgPool") + dims + "d")
    {
        _max = max; _dims = dims; Kernel = kernel; Stride = stride; Padding = padding;
        Windows.CheckConfig(this, kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W);
        if (2 * padding.H > kernel.H || 2 * padding.W > kernel.W)
            throw LayerError($"padding {Text(padding)} must be at most half the kernel {Text(kernel)}");
    }

    /// <summary>1-D max pooling over [N, C, L].</summary>
    public static Pool Max1d(int kernel, int? stride = null, int padding = 0) => new(true, 1, (1, kernel), (1, stride ?? kernel), (0, padding));
    /// <summary>2-D max pooling over [N, C, H, W] with a square window.</summary>
    public static Pool Max2d(int kernel, int? stride = null, int padding = 0) => new(true, 2, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding));
    /// <summary>1-D average pooling over [N, C, L].</summary>
    public static Pool Avg1d(int kernel, int? stride = null, int padding = 0) => new(false, 1, (1, kernel), (1, stride ?? kernel), (0, padding));
    /// <summary>2-D average pooling over [N, C, H, W] with a square window.</summary>
    public static Pool Avg2d(int kernel, int? stride = null, int padding = 0) => new(false, 2, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding));

    /// <summary>Window (height, width); height is 1 for 1-D pooling.</summary>
    public (int H, int W) Kernel { get; }
    /// <summary>Stride (height, width).</summary>
    public (int H, int W) Stride { get; }
    /// <summary>Padding (height, width).</summary>
    public (int H, int W) Padding { get; }

    /// <inheritdoc/>
    public override string Description => _dims == 1
        ? $"{Kind} k{Kernel.W} s{Stride.W} p{Padding.W}"
        : $"{Kind} k{Text(Kernel)} s{Text(Stride)} p{Text(Padding)}";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        Windows.CheckInput(this, s, _dims + 2, _dims == 1 ? "NCL" : "NCHW", null);
        int c = s[1], h = _dims == 1 ? 1 : s[2], w = s[s.Rank - 1];
        int oh = _dims == 1 ? 1 : Windows.OutSize(this, s, "height", h, Kernel.H, Stride.H, Padding.H);
        int ow = Windows.OutSize(this, s, _dims == 1 ? "length" : "width", w, Kernel.W, Stride.W, Padding.W);
        var x4 = _dims == 1 ? F.Reshape(x, Shape.Of(s[0], c, 1, w)) : x;
        if (_max)
        {
            var y = F.MaxPool(x4, Kernel.H, Kernel.W, Stride.H, Stride.W, Padding.H, Padding.W); // [N, C, OH, OW]
            return _dims == 1 ? F.Reshape(y, Shape.Of(s[0], c, ow)) : y;
        }
        int k = Kernel.H * Kernel.W;
        var cols = F.Im2Col(x4, Kernel.H, Kernel.W, Stride.H, Stride.W, Padding.H, Padding.W); // [N, C·k, L']
        var win = F.Reshape(cols, Shape.Of(s[0], c, k, oh * ow));
        var pooled = F.Mean(win, 2); // [N, C, L']
        return F.Reshape(pooled, _dims == 1 ? Shape.Of(s[0], c, ow) : Shape.Of(s[0], c, oh, ow));
    }

    private static string Text((int H, int W) p) => $"{p.H}x{p.W}";
}
