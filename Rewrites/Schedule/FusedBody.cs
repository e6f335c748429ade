using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>What an instruction of a fused loop body does.</summary>
public enum InstrKind
{
    /// <summary>Reads the current element of kernel input <see cref="Instr.Input"/>.</summary>
    Load,
    /// <summary>A constant <see cref="Instr.Value"/>.</summary>
    Const,
    /// <summary>The run-time batch size.</summary>
    Batch,
    /// <summary>Applies the elementwise <see cref="Instr.Op"/> to earlier instructions <see cref="Instr.Args"/>.</summary>
    Apply,
}

/// <summary>One SSA instruction of a <see cref="FusedBody"/>; operands are indices of earlier instructions.</summary>
public sealed class Instr
{
    internal Instr(InstrKind kind, Op? op, int[] args, int input, double value)
    {
        Kind = kind; Op = op; Args = args; Input = input; Value = value;
    }

    /// <summary>The instruction kind.</summary>
    public InstrKind Kind { get; }
    /// <summary>The elementwise op (for <see cref="InstrKind.Apply"/>).</summary>
    public Op? Op { get; }
    /// <summary>Operand instruction indices (for <see cref="InstrKind.Apply"/>).</summary>
    public IReadOnlyList<int> Args { get; }
    /// <summary>Kernel input index (for <see cref="InstrKind.Load"/>).</summary>
    public int Input { get; }
    /// <summary>Constant value (for <see cref="InstrKind.Const"/>).</summary>
    public double Value { get; }
}

/// <summary>
/// The scalar program a fused loop runs for every element: SSA instructions in order, and the
/// instructions whose values are stored to the kernel's outputs (one per output, in order).
/// Emitters render each instruction as one local (<c>var t5 = t3 * t4;</c>) in scalar or vector form.
/// </summary>
public sealed class FusedBody
{
    internal FusedBody(IReadOnlyList<Instr> instrs, IReadOnlyList<int> stores) { Instrs = instrs; Stores = stores; }

    /// <summary>The instructions, each using only earlier ones.</summary>
    public IReadOnlyList<Instr> Instrs { get; }
    /// <summary>For each kernel output, the instruction whose value is stored.</summary>
    public IReadOnlyList<int> Stores { get; }

    /// <summary>
    /// True when every op of the body can run on vectors (<see cref="Op.IsVectorized"/>): false when it holds a kernel op
    /// defined without vector overloads, and then <see cref="Planner"/> plans the kernel scalar-only.
    /// </summary>
    public bool IsVectorizable
    {
        get
        {
            foreach (var ins in Instrs) if (ins.Op is { IsVectorized: false }) return false;
            return true;
        }
    }

    /// <summary>Evaluates the body for one element in float64 (<paramref name="load"/> reads input k).</summary>
    public double[] Eval(Func<int, double> load, int batch)
    {
        var v = new double[Instrs.Count];
        for (int i = 0; i < v.Length; i++)
        {
            var ins = Instrs[i];
            v[i] = ins.Kind switch
            {
                InstrKind.Load => load(ins.Input),
                InstrKind.Const => ins.Value,
                InstrKind.Batch => batch,
                _ => ins.Args.Count == 1 ? ins.Op!.Apply(v[ins.Args[0]])
                   : ins.Args.Count == 2 ? ins.Op!.Apply(v[ins.Args[0]], v[ins.Args[1]])
                   : v[ins.Args[0]] != 0 ? v[ins.Args[1]] : v[ins.Args[2]],
            };
        }
        return Stores.Select(s => v[s]).ToArray();
    }

    /// <summary><c>t0 = in0; t1 = 0.5; t2 = mul(t0, t1); out0 = t2</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Instrs.Count; i++)
        {
            var ins = Instrs[i];
            var rhs = ins.Kind switch
            {
                InstrKind.Load => "in" + ins.Input,
                InstrKind.Const => Attrs.Format(ins.Value),
                InstrKind.Batch => "B",
                _ => $"{ins.Op!.Name}({string.Join(", ", ins.Args.Select(a => "t" + a))})",
            };
            sb.Append('t').Append(i).Append(" = ").Append(rhs).Append("; ");
        }
        sb.Append(string.Join("; ", Stores.Select((s, k) => $"out{k} = t{s}")));
        return sb.ToString();
    }

    /// <summary>Builds a body, sharing identical instructions.</summary>
    internal sealed class Builder
    {
        private readonly List<Instr> _instrs = new();
        private readonly Dictionary<string, int> _seen = new();
        private readonly List<int> _stores = new();
        // Instructions are shared by op identity: two kernel ops may carry one name.
        private readonly Dictionary<Op, int> _opIds = new();

        public int Load(int input) => Intern($"L{input}", () => new Instr(InstrKind.Load, null, Array.Empty<int>(), input, 0));
        public int Const(double v) => Intern($"C{BitConverter.DoubleToInt64Bits(v)}", () => new Instr(InstrKind.Const, null, Array.Empty<int>(), -1, v));
        public int Batch() => Intern("B", () => new Instr(InstrKind.Batch, null, Array.Empty<int>(), -1, 0));
        public int Apply(Op op, params int[] args) =>
            Intern($"{OpId(op)}:{op.Name}({string.Join(",", args)})", () => new Instr(InstrKind.Apply, op, args, -1, 0));
        public void Store(int instr) => _stores.Add(instr);
        private int OpId(Op op) => _opIds.TryGetValue(op, out var id) ? id : _opIds[op] = _opIds.Count;
        public FusedBody Build() => new(_instrs.ToArray(), _stores.ToArray());

        private int Intern(string key, Func<Instr> make)
        {
            if (_seen.TryGetValue(key, out var i)) return i;
            _instrs.Add(make());
            return _seen[key] = _instrs.Count - 1;
        }
    }
}
