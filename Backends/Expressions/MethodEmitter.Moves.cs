using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

internal sealed partial class MethodEmitter<T>
{
    /// <summary>
    /// A slice, concat or pad, printed from the kernel's <see cref="MovePlan"/>s as emitted C# prints them: the fill of a pad
    /// (<see cref="Array.Fill{T}(T[], T, int, int)"/> over the output), then for each region loops over all but its last two
    /// merged axes (each advancing the input and output positions by its strides) around one call of
    /// <see cref="Emitted.Move{T}"/>, which takes the last two.
    /// </summary>
    private E Move(MoveKernel k)
    {
        var dst = Arr(k.Output);
        var body = new List<E>();
        if (k.Fill is double f)
            body.Add(E.Call(typeof(Array), nameof(Array.Fill), new[] { typeof(T) }, dst, E.Constant(ElementValue(f)), E.Constant(0), Size(k.Output.Size)));
        var locals = new List<System.Linq.Expressions.ParameterExpression>();
        foreach (var m in k.Moves)
        {
            var src = Arr(m.Input);
            var p = m.Plan;
            int loops = p.Loops;
            var idx = Enumerable.Range(0, loops).Select(j => Int("j" + j)).ToArray();
            var ins = Enumerable.Range(0, loops).Select(j => Int("in" + j)).ToArray();
            var outs = Enumerable.Range(0, loops).Select(j => Int("out" + j)).ToArray();
            locals.AddRange(idx); locals.AddRange(ins); locals.AddRange(outs);
            E inAt = Offset(p.InOffset), outAt = Offset(p.OutOffset);
            var (outer, inOuter, outOuter, inner, inInner, outInner) = p.Call;
            E inner0 = E.Call(typeof(Emitted), nameof(Emitted.Move), new[] { typeof(T) },
                src, loops == 0 ? inAt : ins[loops - 1], dst, loops == 0 ? outAt : outs[loops - 1],
                Size(outer), Size(inOuter), Size(outOuter), Size(inner), Size(inInner), Size(outInner));
            for (int j = loops - 1; j >= 0; j--)
            {
                E inFrom = j == 0 ? inAt : ins[j - 1], outFrom = j == 0 ? outAt : outs[j - 1];
                inner0 = For(idx[j], E.Constant(0), Size(p.Extents[j]), 1,
                    E.Assign(ins[j], E.Add(inFrom, E.Multiply(idx[j], Size(p.InStrides[j])))),
                    E.Assign(outs[j], E.Add(outFrom, E.Multiply(idx[j], Size(p.OutStrides[j])))),
                    inner0);
            }
            body.Add(inner0);
        }
        body.Add(E.Empty());
        return E.Block(locals, body);
    }

    // A sum of sizes as an int expression.
    private E Offset(IReadOnlyList<Dim> terms) => terms.Count == 0 ? E.Constant(0) : terms.Select(Size).Aggregate(E.Add);

    private static T ElementValue(double v) => typeof(T) == typeof(float) ? (T)(object)(float)v : (T)(object)v;
}
