using System;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using Nabla.Rewrites.Schedule;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

internal sealed partial class MethodEmitter<T>
{
    /// <summary>
    /// A reduction <c>out[o, i] = scale · ⊕_l body(o, l, i)</c> over [outer, length, inner], in a fixed order.
    /// When inner is 1 the reduced elements are contiguous: W-lane partial results, combined across lanes, then the
    /// scalar tail. Otherwise W adjacent outputs are reduced at once, each strictly in l order (the same order as the
    /// scalar path, so both give identical sums).
    /// </summary>
    private E Reduce(ReduceKernel k)
    {
        bool contiguous = IsOne(k.Inner);
        int W = _isa?.Width ?? 1;
        var extent = contiguous ? k.Length : k.Inner;
        bool vectors = _isa is not null && !(extent.IsStatic && extent.Factor < W);
        var f = new Fused(k.Body, k.Inputs, a => a == Access.Scalar ? 0 : 2, vectors, _isa?.Type ?? typeof(T));
        bool max = k.Op == ReduceOp.Max;
        var outer = Int("outer"); var len = Int("length"); var inner = Int("inner");
        var o = Int("o"); var l = Int("l"); var i = Int("i"); var vlimit = Int("vlimit"); var at = Int("at");
        var acc = E.Variable(typeof(T), "acc");
        var vacc = E.Variable(_isa?.Type ?? typeof(T), "vacc");
        var scale = E.Variable(typeof(T), "scale");
        bool scaled = !(k.Scale.IsConstant && k.Scale.Constant == 1);
        var output = Arr(k.Output);
        var value = f.S[k.Body.Stores[0]];
        var vvalue = f.V[k.Body.Stores[0]];
        E Index(Access a) => a == Access.Scalar ? E.Constant(0) : at;

        E identity = _ops.Const(max ? double.NegativeInfinity : 0);
        E Combine(E a, E b) => max ? E.Call(typeof(T) == typeof(float) ? typeof(MathF) : typeof(Math), "Max", null, a, b) : E.Add(a, b);
        E VCombine(E a, E b) => _isa!.Call(max ? "Max" : "Add", a, b);
        E Scaled(E x) => scaled ? E.Multiply(x, scale) : x;

        // Scalar: acc = identity; for each l: acc ⊕= body; the caller stores it.
        E[] ScalarStep() => ScalarValues(f, 2, Index).Append(E.Assign(acc, Combine(acc, value))).ToArray();
        E[] VectorStep() => VectorValues(f, Index).Append(E.Assign(vacc, VCombine(vacc, vvalue!))).ToArray();

        var perOuter = new List<E>();
        if (contiguous)
        {
            // at runs over o·length + l.
            perOuter.Add(E.Assign(acc, identity));
            perOuter.Add(E.Assign(at, E.Multiply(o, len)));
            perOuter.Add(E.Assign(l, E.Constant(0)));
            if (vectors)
            {
                perOuter.Add(E.Assign(vacc, _isa!.Broadcast(identity)));
                perOuter.Add(While(l, vlimit, W, VectorStep().Append(E.AddAssign(at, E.Constant(W))).ToArray()));
                perOuter.Add(E.Assign(acc, AcrossLanes(vacc, max)));
            }
            perOuter.Add(While(l, len, 1, ScalarStep().Append(E.PreIncrementAssign(at)).ToArray()));
            perOuter.Add(E.Assign(E.ArrayAccess(output, o), Scaled(acc)));
        }
        else
        {
            // W outputs (o, i..i+W) at a time, then one at a time; at = (o·length + l)·inner + i.
            var rowBase = Int("rowBase");
            perOuter.Add(E.Assign(rowBase, E.Multiply(E.Multiply(o, len), inner)));
            perOuter.Add(E.Assign(i, E.Constant(0)));
            if (vectors)
                perOuter.Add(While(i, vlimit, W,
                    E.Assign(vacc, _isa!.Broadcast(identity)),
                    E.Assign(at, E.Add(rowBase, i)),
                    For(l, E.Constant(0), len, 1, VectorStep().Append(E.AddAssign(at, inner)).ToArray()),
                    _isa.Store(output, E.Add(E.Multiply(o, inner), i), scaled ? _isa.Call("Multiply", vacc, _isa.Broadcast(scale)) : vacc)));
            perOuter.Add(While(i, inner, 1,
                E.Assign(acc, identity),
                E.Assign(at, E.Add(rowBase, i)),
                For(l, E.Constant(0), len, 1, ScalarStep().Append(E.AddAssign(at, inner)).ToArray()),
                E.Assign(E.ArrayAccess(output, E.Add(E.Multiply(o, inner), i)), Scaled(acc))));
            return Frame(new[] { rowBase });
        }
        return Frame(Array.Empty<ParameterExpression>());

        E Frame(ParameterExpression[] extra)
        {
            var block = new List<E> { E.Assign(outer, Size(k.Outer)), E.Assign(len, Size(k.Length)), E.Assign(inner, Size(k.Inner)) };
            if (scaled) block.Add(E.Assign(scale, Term(k.Scale)));
            block.AddRange(ScalarValues(f, 0, Index));
            block.AddRange(Broadcasts(f, 0));
            if (vectors) block.Add(E.Assign(vlimit, E.Condition(Vectors, E.Subtract(contiguous ? len : inner, E.Constant(W - 1)), E.Constant(0))));
            block.Add(For(o, E.Constant(0), outer, 1, perOuter.ToArray()));
            var vars = f.Variables.Concat(new[] { outer, len, inner, o, l, i, vlimit, at, acc, scale }).Concat(extra);
            if (vectors) vars = vars.Append(vacc);
            return E.Block(vars, block);
        }
    }

    /// <summary>The sum (Vector.Sum) or NaN-propagating maximum (lane by lane, in lane order) of a vector's lanes.</summary>
    private E AcrossLanes(E v, bool max)
    {
        if (!max) return _isa!.Call("Sum", v);
        var math = typeof(T) == typeof(float) ? typeof(MathF) : typeof(Math);
        E m = _isa!.Lane(v, 0);
        for (int lane = 1; lane < _isa.Width; lane++) m = E.Call(math, "Max", null, m, _isa.Lane(v, lane));
        return m;
    }
}
