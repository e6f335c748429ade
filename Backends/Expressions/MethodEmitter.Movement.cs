using System;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Buffer = Nabla.Rewrites.Schedule.Buffer;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

internal sealed partial class MethodEmitter<T>
{
    /// <summary>Softmax / log-softmax / log-sum-exp: one call of <see cref="Emitted.Normalize{T}"/>, the kernel emitted C# calls.</summary>
    private E Normalize(NormalizeKernel k)
    {
        E Out(Buffer? b) => b is null ? E.Constant(null, typeof(T[])) : Arr(b);
        return E.Call(typeof(Emitted), nameof(Emitted.Normalize), new[] { typeof(T) },
            Arr(k.Input), Size(k.Outer), Size(k.Length), Size(k.Inner), Out(k.Softmax), Out(k.LogSoftmax), Out(k.LogSumExp), Vectors);
    }

    /// <summary>im2col / col2im: one call of the runtime window kernel the registry names (<c>Emitted.Im2Col/Col2Im</c>, which emitted C# calls too; col2im overwrites its output).</summary>
    private E Window(WindowKernel k)
    {
        var p = k.Window;
        var args = new E[]
        {
            Arr(k.Input), Arr(k.Output),
            Size(Dim.Of(k.Image[0])), E.Constant(k.Image[1]), E.Constant(k.Image[2]), E.Constant(k.Image[3]),
            E.Constant(p.KernelH), E.Constant(p.KernelW), E.Constant(p.StrideH), E.Constant(p.StrideW), E.Constant(p.PadH), E.Constant(p.PadW),
        };
        if (p.IsDilated) args = args.Concat(new E[] { E.Constant(p.DilationH), E.Constant(p.DilationW) }).ToArray(); // the dilated overload, as emitted C# calls
        return E.Call(typeof(Emitted), k.Op.RuntimeFunction!, new[] { typeof(T) }, args);
    }

    /// <summary>
    /// A copy printed from the kernel's <see cref="CopyPlan"/>: a plain one is one
    /// <see cref="Array.Copy(Array, int, Array, int, int)"/> (nothing when both buffers share storage); a transpose or
    /// broadcast is the plan's loop nest over the merged axes, writing the output in order and reading the input through
    /// the plan's strides (0 along broadcast axes), with the innermost axis moved element by element, or as one
    /// <see cref="Array.Copy(Array, int, Array, int, int)"/> or <see cref="Array.Fill{T}(T[], T, int, int)"/> per row.
    /// </summary>
    private E Copy(CopyKernel k)
    {
        var src = Arr(k.Input); var dst = Arr(k.Output);
        var plan = k.Plan;
        int loops = plan.Loops;
        if (loops == 0 && plan.Inner == CopyAction.CopyRow)
            return ReferenceEquals(k.Input.Storage, k.Output.Storage) ? E.Empty()
                : E.Call(typeof(Array), nameof(Array.Copy), null, src, E.Constant(0), dst, E.Constant(0), Size(plan.Extents[0]));
        var o = Int("o");
        var idx = Enumerable.Range(0, loops).Select(j => Int("i" + j)).ToArray();
        var at = Enumerable.Range(0, loops).Select(j => Int("at" + j)).ToArray();
        E from = loops == 0 ? E.Constant(0) : at[^1];
        E inner;
        if (plan.Inner == CopyAction.Element)
            inner = E.Block(E.Assign(E.ArrayAccess(dst, o), E.ArrayIndex(src, from)), E.PreIncrementAssign(o));
        else
        {
            var row = Size(plan.Extents[^1]);
            var move = plan.Inner == CopyAction.CopyRow
                ? E.Call(typeof(Array), nameof(Array.Copy), null, src, from, dst, o, row)
                : E.Call(typeof(Array), nameof(Array.Fill), new[] { typeof(T) }, dst, E.ArrayIndex(src, from), o, row);
            inner = E.Block(move, E.AddAssign(o, row));
        }
        for (int j = loops - 1; j >= 0; j--)
        {
            E start = j == 0 ? E.Constant(0) : at[j - 1];
            inner = For(idx[j], E.Constant(0), Size(plan.Extents[j]), 1,
                E.Assign(at[j], E.Add(start, E.Multiply(idx[j], Size(plan.Strides[j])))), inner);
        }
        return E.Block(idx.Concat(at).Append(o), E.Assign(o, E.Constant(0)), inner);
    }
}
