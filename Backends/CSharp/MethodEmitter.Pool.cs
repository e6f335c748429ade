using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

internal sealed partial class MethodEmitter
{
    /// <summary>
    /// max_pool / max_pool_grad: one call of the runtime's pooling kernel the registry names (<c>Emitted.MaxPool</c>,
    /// <c>Emitted.MaxPoolBackward</c>; a fused ReLU mask, <see cref="PoolKernel.ReluMask"/>, is its last argument, true).
    /// </summary>
    private void Pool(CodeWriter w, PoolKernel k)
    {
        string Dim(int i) => Names.Size(Rewrites.Schedule.Dim.Of(k.Image[i]));
        var p = k.Window;
        string inputs = k.Adjoint is null ? Arr(k.Input) : $"{Arr(k.Input)}, {Arr(k.Adjoint)}";
        w.Line($"Emitted.{k.Op.RuntimeFunction}({inputs}, {Arr(k.Output)}, {Dim(0)}, {Dim(1)}, {Dim(2)}, {Dim(3)}, "
            + $"{p.KernelH}, {p.KernelW}, {p.StrideH}, {p.StrideW}, {p.PadH}, {p.PadW}, {p.DilationH}, {p.DilationW}{(k.ReluMask ? ", true" : "")});");
    }
}
