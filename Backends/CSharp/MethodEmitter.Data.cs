using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

internal sealed partial class MethodEmitter
{
    /// <summary>Softmax / log-softmax / log-sum-exp of one input: one call of the runtime's row normalizer.</summary>
    private void Normalize(CodeWriter w, NormalizeKernel k)
    {
        string Out(Rewrites.Schedule.Buffer? b) => b is null ? "null" : Arr(b);
        w.Line($"Emitted.Normalize({Arr(k.Input)}, {Names.Size(k.Outer)}, {Names.Size(k.Length)}, {Names.Size(k.Inner)}, "
            + $"{Out(k.Softmax)}, {Out(k.LogSoftmax)}, {Out(k.LogSumExp)}, vec);");
    }

    /// <summary>im2col / col2im: one call of the runtime's window kernel the registry names, with the image's [N, C, H, W].</summary>
    private void Window(CodeWriter w, WindowKernel k)
    {
        string Dim(int i) => Names.Size(Rewrites.Schedule.Dim.Of(k.Image[i]));
        var p = k.Window;
        string dilation = p.IsDilated ? $", {p.DilationH}, {p.DilationW}" : ""; // the dilated overload only when dilated
        w.Line($"Emitted.{k.Op.RuntimeFunction}({Arr(k.Input)}, {Arr(k.Output)}, {Dim(0)}, {Dim(1)}, {Dim(2)}, {Dim(3)}, "
            + $"{p.KernelH}, {p.KernelW}, {p.StrideH}, {p.StrideW}, {p.PadH}, {p.PadW}{dilation});");
    }

    /// <summary>
    /// A copy (an output or update that needs its own storage), or a transpose or broadcast, printed from the kernel's
    /// <see cref="CopyPlan"/>: nested loops over the merged axes writing the output in order and reading the input through
    /// the plan's strides (0 along broadcast axes); the innermost axis is copied element by element, or as a whole row
    /// (<c>Array.Copy</c>) or fill (<c>Array.Fill</c>). A plain copy is one <c>Array.Copy</c>.
    /// </summary>
    private void Copy(CodeWriter w, CopyKernel k)
    {
        string src = Arr(k.Input), dst = Arr(k.Output);
        var plan = k.Plan;
        int axes = plan.Extents.Count, loops = plan.Loops, last = axes - 1;
        if (loops == 0 && plan.Inner == CopyAction.CopyRow)
        {
            w.Line($"Array.Copy({src}, 0, {dst}, 0, {Names.Size(plan.Extents[0])});");
            return;
        }
        using (w.Block())
        {
            w.Line($"int at = 0;");
            // The stride of a row action's axis is never read: it is not declared (an unused local is a warning).
            for (int j = 0; j < axes; j++) w.Line($"int d{j} = {Names.Size(plan.Extents[j])}{(j < loops ? $", st{j} = {Names.Size(plan.Strides[j])}" : "")};");
            for (int j = 0; j < loops; j++) w.Line(new string(' ', 4 * j) + $"for (int j{j} = 0; j{j} < d{j}; j{j}++)");
            var index = loops == 0 ? "0" : string.Join(" + ", Enumerable.Range(0, loops).Select(j => $"j{j} * st{j}"));
            string pad = new string(' ', 4 * loops);
            if (plan.Inner == CopyAction.Element) w.Line(pad + $"{dst}[at++] = {src}[{index}];");
            else if (plan.Inner == CopyAction.CopyRow) w.Line(pad + $"{{ Array.Copy({src}, {index}, {dst}, at, d{last}); at += d{last}; }}");
            else w.Line(pad + $"{{ Array.Fill({dst}, {src}[{index}], at, d{last}); at += d{last}; }}");
        }
    }
}
