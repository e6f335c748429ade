using Nabla.Ir;
using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

internal sealed partial class MethodEmitter
{
    /// <summary>gather / scatter_add / one_hot: one call of the runtime index kernel the registry names, which checks every index.</summary>
    private void IndexOp(CodeWriter w, IndexKernel k)
    {
        string what = Names.Quote(k.Description);
        if (k.Op == Op.OneHot)
            w.Line($"Emitted.{k.Op.RuntimeFunction}({Arr(k.Indices)}, {Arr(k.Output)}, {Names.Size(k.Count)}, {k.Size}, {what});");
        else
            w.Line($"Emitted.{k.Op.RuntimeFunction}({Arr(k.Input!)}, {Arr(k.Indices)}, {Arr(k.Output)}, {Names.Size(k.Outer)}, {k.Size}, "
                + $"{Names.Size(k.Count)}, {Names.Size(k.Inner)}, {what});");
    }
}
