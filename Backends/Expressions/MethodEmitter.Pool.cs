using System.Collections.Generic;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

internal sealed partial class MethodEmitter<T>
{
    /// <summary>
    /// max_pool / max_pool_grad: one call of the runtime's pooling kernel the registry names (<c>Emitted.MaxPool</c>,
    /// <c>Emitted.MaxPoolBackward</c>, which emitted C# calls too; a fused ReLU mask, <see cref="PoolKernel.ReluMask"/>, is its
    /// last argument, true).
    /// </summary>
    private E Pool(PoolKernel k)
    {
        var p = k.Window;
        var args = new List<E> { Arr(k.Input) };
        if (k.Adjoint is not null) args.Add(Arr(k.Adjoint));
        args.AddRange(new E[]
        {
            Arr(k.Output),
            Size(Dim.Of(k.Image[0])), E.Constant(k.Image[1]), E.Constant(k.Image[2]), E.Constant(k.Image[3]),
            E.Constant(p.KernelH), E.Constant(p.KernelW), E.Constant(p.StrideH), E.Constant(p.StrideW), E.Constant(p.PadH), E.Constant(p.PadW),
            E.Constant(p.DilationH), E.Constant(p.DilationW),
        });
        if (k.ReluMask) args.Add(E.Constant(true));
        return E.Call(typeof(Emitted), k.Op.RuntimeFunction!, new[] { typeof(T) }, args.ToArray());
    }
}
