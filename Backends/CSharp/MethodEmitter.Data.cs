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

    /// <summary>im2col / col2im: one call of the runtime's window kernel with the image's [N, C, H, W].</summary>
    private void Window(CodeWriter w, WindowKernel k)
    {
        var image = k.Op == Op.Im2Col ? k.Input.Shape : k.Output.Shape;
        string Dim(int i) => Names.Size(Rewrites.Schedule.Dim.Of(image[i]));
        var p = k.Params;
        string fn = k.Op == Op.Im2Col ? "Im2Col" : "Col2Im";
        w.Line($"Emitted.{fn}({Arr(k.Input)}, {Arr(k.Output)}, {Dim(0)}, {Dim(1)}, {Dim(2)}, {Dim(3)}, {p[0]}, {p[1]}, {p[2]}, {p[3]}, {p[4]}, {p[5]});");
    }

    /// <summary>
    /// A copy (an output or update that needs its own storage), or a transpose or broadcast: nested loops over the
    /// output's axes, reading the input through permuted strides (stride 0 along broadcast axes).
    /// </summary>
    private void Copy(CodeWriter w, CopyKernel k)
    {
        string src = Arr(k.Input), dst = Arr(k.Output);
        if (k.Op == Op.Reshape)
        {
            w.Line($"Array.Copy({src}, 0, {dst}, 0, {Names.Size(k.Output.Size)});");
            return;
        }
        Shape ins = k.Input.Shape, outs = k.Output.Shape;
        int rank = outs.Rank;
        var inStride = new Dim[ins.Rank];
        var acc = new Dim(1);
        for (int i = ins.Rank - 1; i >= 0; i--) { inStride[i] = acc; acc *= Rewrites.Schedule.Dim.Of(ins[i]); }
        var stride = new Dim[rank];
        int off = rank - ins.Rank;
        for (int j = 0; j < rank; j++)
        {
            if (k.Op == Op.Transpose) stride[j] = inStride[k.Perm[j]];
            else stride[j] = j < off || ins[j - off] == 1 ? new Dim(0) : inStride[j - off];
        }
        // Rows of at least RowCopy elements that are contiguous (stride 1) or constant (stride 0) in the input are copied
        // or filled whole: element by element, a broadcast of [B,6,1,144] to [B,6,4,144] ran at 3 ns per element.
        const int RowCopy = 8;
        int last = rank - 1;
        bool rows = rank >= 1 && outs[last] != Shape.Batch && outs[last] >= RowCopy && stride[last].IsStatic
            && (stride[last].Factor == 1 || stride[last].Factor == 0);
        int loops = rows ? last : rank;
        using (w.Block())
        {
            w.Line($"int at = 0;");
            for (int j = 0; j < rank; j++) w.Line($"int d{j} = {Names.Size(Rewrites.Schedule.Dim.Of(outs[j]))}, st{j} = {Names.Size(stride[j])};");
            for (int j = 0; j < loops; j++) w.Line(new string(' ', 4 * j) + $"for (int j{j} = 0; j{j} < d{j}; j{j}++)");
            var index = loops == 0 ? "0" : string.Join(" + ", Enumerable.Range(0, loops).Select(j => $"j{j} * st{j}"));
            string pad = new string(' ', 4 * loops);
            if (!rows) w.Line(pad + $"{dst}[at++] = {src}[{index}];");
            else if (stride[last].Factor == 1) w.Line(pad + $"{{ Array.Copy({src}, {index}, {dst}, at, d{last}); at += d{last}; }}");
            else w.Line(pad + $"{{ Array.Fill({dst}, {src}[{index}], at, d{last}); at += d{last}; }}");
        }
    }
}
