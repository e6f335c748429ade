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

    /// <summary>im2col / col2im: one call of <see cref="Conv"/> with the image geometry (col2im overwrites its output).</summary>
    private E Window(WindowKernel k)
    {
        var image = k.Op == Op.Im2Col ? k.Input : k.Output;
        var p = k.Params;
        var geometry = new E[]
        {
            Size(Dim.Of(image.Shape[0])), E.Constant(image.Shape[1]), E.Constant(image.Shape[2]), E.Constant(image.Shape[3]),
            E.Constant(p[0]), E.Constant(p[1]), E.Constant(p[2]), E.Constant(p[3]), E.Constant(p[4]), E.Constant(p[5]),
        };
        var args = new List<E> { Arr(k.Input), E.Constant(0) };
        args.AddRange(geometry);
        args.Add(Arr(k.Output));
        args.Add(E.Constant(0));
        if (k.Op == Op.Col2Im) args.Add(E.Constant(false));
        return E.Call(typeof(Conv), k.Op == Op.Im2Col ? nameof(Conv.Im2Col) : nameof(Conv.Col2Im), null, args.ToArray());
    }

    /// <summary>
    /// A copy: a plain one (<see cref="Array.Copy(Array, int, Array, int, int)"/>), or a transpose / broadcast as a loop
    /// nest that writes the output in order and reads the input through strides (0 along broadcast axes).
    /// Adjacent output axes that the input also holds contiguously are merged first.
    /// </summary>
    private E Copy(CopyKernel k)
    {
        var src = Arr(k.Input); var dst = Arr(k.Output);
        if (k.Op == Op.Reshape)
            return ReferenceEquals(k.Input.Storage, k.Output.Storage) ? E.Empty()
                : E.Call(typeof(Array), nameof(Array.Copy), null, src, E.Constant(0), dst, E.Constant(0), Size(k.Output.Size));
        var outShape = k.Output.Shape; var inShape = k.Input.Shape;
        var inStrides = Strides(inShape);
        var dims = new List<Dim>(); var strides = new List<Dim>();
        int off = outShape.Rank - inShape.Rank;
        for (int j = 0; j < outShape.Rank; j++)
        {
            Dim stride = k.Op == Op.Transpose ? inStrides[k.Perm[j]]
                : j >= off && inShape[j - off] != 1 ? inStrides[j - off] : new Dim(0);
            var d = Dim.Of(outShape[j]);
            if (IsOne(d)) continue;
            // Merge with the previous axis when the input steps over it contiguously too.
            if (dims.Count > 0 && strides[^1] == stride * d) { dims[^1] = dims[^1] * d; strides[^1] = stride; }
            else { dims.Add(d); strides.Add(stride); }
        }
        var o = Int("o");
        var idx = dims.Select((_, j) => Int("i" + j)).ToArray();
        var at = dims.Select((_, j) => Int("at" + j)).ToArray();
        E inner = E.Block(
            E.Assign(E.ArrayAccess(dst, o), E.ArrayIndex(src, dims.Count == 0 ? E.Constant(0) : at[^1])),
            E.PreIncrementAssign(o));
        for (int j = dims.Count - 1; j >= 0; j--)
        {
            E start = j == 0 ? E.Constant(0) : at[j - 1];
            inner = For(idx[j], E.Constant(0), Size(dims[j]), 1,
                E.Assign(at[j], E.Add(start, E.Multiply(idx[j], Size(strides[j])))), inner);
        }
        return E.Block(idx.Concat(at).Append(o), E.Assign(o, E.Constant(0)), inner);
    }

    private static Dim[] Strides(Shape s)
    {
        var r = new Dim[s.Rank];
        var acc = new Dim(1);
        for (int i = s.Rank - 1; i >= 0; i--) { r[i] = acc; acc *= Dim.Of(s[i]); }
        return r;
    }
}
