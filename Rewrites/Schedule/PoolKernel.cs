using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// Max pooling over an image [N, C, H, W] with the op's window, run by the runtime's pooling kernel the op's registry
/// entry names (<see cref="Op.RuntimeFunction"/>): <c>MaxPool</c> writes the window maxima [N, C, OH, OW];
/// <c>MaxPoolBackward</c> reads the image and the windows' adjoints [N, C, OH, OW] and writes the image's gradient —
/// times step(image) when <see cref="ReluMask"/> is set (the kernel then computes <c>mul(step(x), max_pool_grad(x, dy))</c>).
/// </summary>
public sealed class PoolKernel : Kernel
{
    private PoolKernel(Op op, Buffer input, Buffer? adjoint, Buffer output, WindowAttrs window, bool reluMask)
    {
        Op = op; Input = input; Adjoint = adjoint; Output = output; Window = window; ReluMask = reluMask;
    }

    /// <summary>True for the ops this kernel runs: <see cref="Op.MaxPool"/> and <see cref="Op.MaxPoolGrad"/>.</summary>
    public static bool Handles(Op op) => op == Op.MaxPool || op == Op.MaxPoolGrad;

    /// <summary><see cref="Op.MaxPool"/> or <see cref="Op.MaxPoolGrad"/>.</summary>
    public Op Op { get; }
    /// <summary>The image [N, C, H, W].</summary>
    public Buffer Input { get; }
    /// <summary>The windows' adjoints [N, C, OH, OW] (max_pool_grad; null for max_pool).</summary>
    public Buffer? Adjoint { get; }
    /// <summary>The destination: the maxima (max_pool) or the image's gradient (max_pool_grad).</summary>
    public Buffer Output { get; }
    /// <summary>The window: kernel size, stride, padding and dilation.</summary>
    public WindowAttrs Window { get; }
    /// <summary>
    /// max_pool_grad only: the gradient is multiplied by step(<see cref="Input"/>) (1 where the image is &gt; 0, else 0)
    /// in the same pass — the ReLU derivative <c>mul(step(x), max_pool_grad(x, dy))</c> of a pooling of a ReLU's output,
    /// with the same bits as the product computed by a loop after the pooling.
    /// </summary>
    public bool ReluMask { get; }
    /// <summary>The image's shape [N, C, H, W].</summary>
    public Shape Image => Input.Shape;
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads => Adjoint is null ? new[] { Input } : new[] { Input, Adjoint };
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => new[] { Output };
    /// <inheritdoc/>
    public override string Kind => "pool";
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Op.Name}[{Window}] {Input.Ref}{Input.Shape}{(Adjoint is null ? "" : ", " + Adjoint.Ref + Adjoint.Shape)} -> {Output.Ref}{Output.Shape}"
        + (ReluMask ? $" times step({Input.Ref})" : "");

    /// <summary>
    /// The kernel computing <paramref name="n"/> (max_pool or max_pool_grad) from its inputs' buffers; with
    /// <paramref name="reluMask"/> (max_pool_grad only), the kernel computing mul(step(x), n) instead.
    /// </summary>
    internal static PoolKernel For(Node n, IReadOnlyList<Buffer> inputs, Buffer output, bool reluMask = false)
    {
        if (reluMask && n.Op != Op.MaxPoolGrad) throw new System.ArgumentException($"PoolKernel: only max_pool_grad takes a ReLU mask, not {n.Op.Name}.", nameof(reluMask));
        return new(n.Op, inputs[0], n.Op == Op.MaxPoolGrad ? inputs[1] : null, output, n.Attr<WindowAttrs>(), reluMask);
    }
}
