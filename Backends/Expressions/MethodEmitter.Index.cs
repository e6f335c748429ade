using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

internal sealed partial class MethodEmitter<T>
{
    /// <summary>gather / scatter_add / one_hot: one call of the runtime index kernel the registry names (<c>Emitted.Gather</c>, …, which emitted C# calls too).</summary>
    private E IndexOp(IndexKernel k)
    {
        var what = E.Constant(k.Description);
        var args = k.Op == Op.OneHot
            ? new E[] { Arr(k.Indices), Arr(k.Output), Size(k.Count), E.Constant(k.Size), what }
            : new E[] { Arr(k.Input!), Arr(k.Indices), Arr(k.Output), Size(k.Outer), E.Constant(k.Size), Size(k.Count), Size(k.Inner), what };
        return E.Call(typeof(Emitted), k.Op.RuntimeFunction!, new[] { typeof(T) }, args);
    }
}
