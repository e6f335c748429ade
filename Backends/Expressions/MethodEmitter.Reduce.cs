using System;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

internal sealed partial class MethodEmitter<T>
{
    /// <summary>
    /// A reduction <c>out[o, i] = scale · ⊕_l body(o, l, i)</c> over [outer, length, inner], printed from the kernel's
    /// <see cref="ReducePlan"/> at its first width this machine accelerates (or scalar), in exactly the plan's order — the
    /// order the C# backend prints too, so both give the same bits at one width. Contiguous (inner = 1): the plan's chains
    /// over whole blocks, merged pairwise, one accumulator over the remaining vectors, across lanes, then the scalar tail.
    /// Strided: chains·W adjacent outputs per pass, then W per pass with the last pass moved back to end at the last
    /// output, each output strictly in l order (the scalar path's order, so both give identical results).
    /// </summary>
    private E Reduce(ReduceKernel k)
    {
        if (k.IsColumnSum) // one call of the runtime's column sum, as emitted C# makes (the strided plan's order: the same bits)
            return E.Call(typeof(Emitted), nameof(Emitted.SumColumns), new[] { typeof(T) },
                Arr(k.Inputs[0].Buffer), Size(k.Outer), Size(k.Length), Size(k.Inner), Arr(k.Output));
        bool contiguous = k.Plan.Layout == ReduceLayout.Contiguous;
        UseVectors(k.Plan.Widths.Select(w => w.Bits));
        var width = _isa is null ? null : k.Plan.Widths.First(w => w.Bits == _isa.Bits);
        bool vectors = width is not null;
        int W = width?.Lanes ?? 1, chains = width?.Chains ?? 1;
        bool unroll = chains > 1;
        var f = new Fused(k.Body, k.Inputs, a => a == Access.Scalar ? 0 : 2, vectors, _isa?.Type ?? typeof(T));
        bool max = k.Op == ReduceOp.Max;
        var outer = Int("outer"); var len = Int("length"); var inner = Int("inner");
        var o = Int("o"); var l = Int("l"); var i = Int("i"); var vlimit = Int("vlimit"); var ulimit = Int("ulimit"); var at = Int("at");
        var rowBase = Int("rowBase");
        var acc = E.Variable(typeof(T), "acc");
        var vtype = _isa?.Type ?? typeof(T);
        var vacc = Enumerable.Range(0, chains).Select(c => E.Variable(vtype, "vacc" + c)).ToArray();
        var scale = E.Variable(typeof(T), "scale");
        bool scaled = !(k.Scale.IsConstant && k.Scale.Constant == 1);
        var output = Arr(k.Output);
        var value = f.S[k.Body.Stores[0]];
        var vvalue = f.V[k.Body.Stores[0]];

        E identity = _ops.Const(max ? double.NegativeInfinity : 0);
        E Combine(E a, E b) => max ? E.Call(typeof(T) == typeof(float) ? typeof(MathF) : typeof(Math), "Max", null, a, b) : E.Add(a, b);
        E VCombine(E a, E b) => _isa!.Call(max ? "Max" : "Add", a, b);
        E Scaled(E x) => scaled ? E.Multiply(x, scale) : x;
        E VScaled(E x) => scaled ? _isa!.Call("Multiply", x, _isa.Broadcast(scale)) : x;

        // One element (scalar) or one vector of the body at `at + offset`, combined into an accumulator.
        IEnumerable<E> ScalarStep() => ScalarValues(f, 2, a => a == Access.Scalar ? E.Constant(0) : at).Append(E.Assign(acc, Combine(acc, value)));
        IEnumerable<E> VectorStep(int chain, int offset) =>
            VectorValues(f, a => a == Access.Scalar ? E.Constant(0) : offset == 0 ? at : E.Add(at, E.Constant(offset)))
                .Append(E.Assign(vacc[chain], VCombine(vacc[chain], vvalue!)));

        var perOuter = new List<E>();
        if (contiguous)
        {
            // at runs over o·length + l.
            perOuter.Add(E.Assign(at, E.Multiply(o, len)));
            perOuter.Add(E.Assign(l, E.Constant(0)));
            if (vectors)
            {
                perOuter.Add(E.Assign(vacc[0], _isa!.Broadcast(identity)));
                if (unroll)
                {
                    for (int c = 1; c < chains; c++) perOuter.Add(E.Assign(vacc[c], vacc[0]));
                    var block = Enumerable.Range(0, chains).SelectMany(c => VectorStep(c, c * W)).Append(E.AddAssign(at, E.Constant(chains * W)));
                    perOuter.Add(While(l, ulimit, chains * W, block.ToArray()));
                    foreach (var (into, from) in ReducePlan.ChainMerges(chains)) perOuter.Add(E.Assign(vacc[into], VCombine(vacc[into], vacc[from])));
                }
                perOuter.Add(While(l, vlimit, W, VectorStep(0, 0).Append(E.AddAssign(at, E.Constant(W))).ToArray()));
                perOuter.Add(E.Assign(acc, AcrossLanes(vacc[0], max)));
            }
            else perOuter.Add(E.Assign(acc, identity));
            perOuter.Add(While(l, len, 1, ScalarStep().Append(E.PreIncrementAssign(at)).ToArray()));
            perOuter.Add(E.Assign(E.ArrayAccess(output, o), Scaled(acc)));
        }
        else
        {
            // Adjacent outputs (o, i..) at a time; at = (o·length + l)·inner + i.
            perOuter.Add(E.Assign(rowBase, E.Multiply(E.Multiply(o, len), inner)));
            perOuter.Add(E.Assign(i, E.Constant(0)));
            E OutAt(int offset) => offset == 0 ? E.Add(E.Multiply(o, inner), i) : E.Add(E.Add(E.Multiply(o, inner), i), E.Constant(offset));
            if (unroll)
            {
                var init = Enumerable.Range(0, chains).Select(c => (E)E.Assign(vacc[c], _isa!.Broadcast(identity)));
                var body = Enumerable.Range(0, chains).SelectMany(c => VectorStep(c, c * W)).Append(E.AddAssign(at, inner));
                var stores = Enumerable.Range(0, chains).Select(c => _isa!.Store(output, OutAt(c * W), VScaled(vacc[c])));
                perOuter.Add(While(i, ulimit, chains * W, init
                    .Append(E.Assign(at, E.Add(rowBase, i)))
                    .Append(For(l, E.Constant(0), len, 1, body.ToArray()))
                    .Concat(stores).ToArray()));
            }
            if (vectors)
            {
                // W outputs per pass; the last pass starts at inner − W (vlimit is inner when inner ≥ W, else 0).
                var last = E.Subtract(inner, E.Constant(W));
                perOuter.Add(While(i, vlimit, W,
                    E.Assign(i, E.Condition(E.GreaterThan(i, last), last, i)),
                    E.Assign(vacc[0], _isa!.Broadcast(identity)),
                    E.Assign(at, E.Add(rowBase, i)),
                    For(l, E.Constant(0), len, 1, VectorStep(0, 0).Append(E.AddAssign(at, inner)).ToArray()),
                    _isa.Store(output, OutAt(0), VScaled(vacc[0]))));
            }
            perOuter.Add(While(i, inner, 1,
                E.Assign(acc, identity),
                E.Assign(at, E.Add(rowBase, i)),
                For(l, E.Constant(0), len, 1, ScalarStep().Append(E.AddAssign(at, inner)).ToArray()),
                E.Assign(E.ArrayAccess(output, OutAt(0)), Scaled(acc))));
        }

        var frame = new List<E> { E.Assign(outer, Size(k.Outer)), E.Assign(len, Size(k.Length)), E.Assign(inner, Size(k.Inner)) };
        if (scaled) frame.Add(E.Assign(scale, Term(k.Scale)));
        frame.AddRange(ScalarValues(f, 0, _ => E.Constant(0)));
        frame.AddRange(Broadcasts(f, 0));
        var reduced = contiguous ? len : inner;
        if (vectors)
            frame.Add(E.Assign(vlimit, contiguous
                ? E.Condition(Vectors, E.Subtract(len, E.Constant(W - 1)), E.Constant(0))
                : E.Condition(E.AndAlso(Vectors, E.GreaterThanOrEqual(inner, E.Constant(W))), inner, E.Constant(0))));
        if (unroll) frame.Add(E.Assign(ulimit, E.Condition(Vectors, E.Subtract(reduced, E.Constant(chains * W - 1)), E.Constant(0))));
        frame.Add(For(o, E.Constant(0), outer, 1, perOuter.ToArray()));
        var vars = f.Variables.Concat(new[] { outer, len, inner, o, l, i, vlimit, ulimit, at, rowBase, acc, scale });
        if (vectors) vars = vars.Concat(vacc);
        return E.Block(vars, frame);
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
