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
    /// The locals of a fused body: one scalar and (where needed) one vector local per SSA instruction, and each
    /// instruction's loop level — 0: the same for the whole kernel (constants, the batch size, broadcast scalars),
    /// 1: the same along a row (column-vector inputs), 2: per element. Level 0 and 1 values are computed once in scalar
    /// form where they become known and broadcast for the vector loop, so vector and scalar paths see the same values.
    /// </summary>
    private sealed class Fused
    {
        public Fused(FusedBody body, IReadOnlyList<KernelInput> inputs, Func<Access, int> levelOf, bool vectors, Type vectorType)
        {
            Body = body;
            Inputs = inputs;
            int n = body.Instrs.Count;
            Level = new int[n];
            S = new ParameterExpression[n];
            V = new ParameterExpression?[n];
            for (int i = 0; i < n; i++)
            {
                var ins = body.Instrs[i];
                Level[i] = ins.Kind switch
                {
                    InstrKind.Load => ScalarConstant(inputs[ins.Input].Buffer) is not null ? 0 : levelOf(inputs[ins.Input].Access),
                    InstrKind.Apply => ins.Args.Max(a => Level[a]),
                    _ => 0,
                };
                S[i] = E.Variable(typeof(T), "t" + i);
            }
            if (!vectors) return;
            var needsVector = new bool[n];
            for (int i = 0; i < n; i++)
                if (Level[i] == 2)
                {
                    needsVector[i] = true;
                    foreach (var a in body.Instrs[i].Args) needsVector[a] = true;
                }
            foreach (var s in body.Stores) needsVector[s] = true;
            for (int i = 0; i < n; i++) if (needsVector[i]) V[i] = E.Variable(vectorType, "v" + i);
        }

        public FusedBody Body { get; }
        public IReadOnlyList<KernelInput> Inputs { get; }
        public int[] Level { get; }
        public ParameterExpression[] S { get; }
        public ParameterExpression?[] V { get; }
        public IEnumerable<ParameterExpression> Variables => S.Concat(V.Where(v => v is not null))!;
        public bool Uses(int level) => Level.Contains(level);
    }

    /// <summary>Assigns the scalar locals of the instructions at <paramref name="level"/>; <paramref name="index"/> indexes a load.</summary>
    private IEnumerable<E> ScalarValues(Fused f, int level, Func<Access, E> index)
    {
        for (int i = 0; i < f.S.Length; i++)
        {
            if (f.Level[i] != level) continue;
            var ins = f.Body.Instrs[i];
            E value = ins.Kind switch
            {
                InstrKind.Load => Load(f.Inputs[ins.Input], index),
                InstrKind.Const => _ops.Const(ins.Value),
                InstrKind.Batch => E.Convert(Batch, typeof(T)),
                _ => _ops.Scalar(ins.Op!, ins.Args.Select(a => (E)f.S[a]).ToArray()),
            };
            yield return E.Assign(f.S[i], value);
        }
    }

    private E Load(KernelInput input, Func<Access, E> index) =>
        ScalarConstant(input.Buffer) is double c ? _ops.Const(c) : E.ArrayIndex(Arr(input.Buffer), index(input.Access));

    /// <summary>Broadcasts the scalar values at <paramref name="level"/> that the vector loop reads.</summary>
    private IEnumerable<E> Broadcasts(Fused f, int level)
    {
        for (int i = 0; i < f.S.Length; i++)
            if (f.Level[i] == level && f.V[i] is { } v) yield return E.Assign(v, _isa!.Broadcast(f.S[i]));
    }

    /// <summary>Assigns the vector locals of the per-element instructions; <paramref name="index"/> gives a load's first element.</summary>
    private IEnumerable<E> VectorValues(Fused f, Func<Access, E> index)
    {
        for (int i = 0; i < f.S.Length; i++)
        {
            if (f.Level[i] != 2) continue;
            var ins = f.Body.Instrs[i];
            E value;
            if (ins.Kind == InstrKind.Load) value = _isa!.Load(Arr(f.Inputs[ins.Input].Buffer), index(f.Inputs[ins.Input].Access));
            else value = _ops.Vector(ins.Op!, ins.Args.Select(a => (E)f.V[a]!).ToArray());
            yield return E.Assign(f.V[i]!, value);
        }
    }
}
