using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Backends.CSharp;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;

namespace Nabla.Tests.Backends;

/// <summary>What a <see cref="PlanCase"/> lowers to.</summary>
public enum PlanKind
{
    /// <summary>A fused elementwise loop with a full, row- or column-broadcast second input.</summary>
    Elementwise,
    /// <summary>A sum, mean or max over a run of axes, with an elementwise prologue.</summary>
    Reduce,
    /// <summary>A transpose or a middle-axis broadcast (a copy kernel).</summary>
    Copy,
}

/// <summary>
/// One small function whose schedule is one elementwise, reduction or copy kernel (plus helpers), over axes whose
/// extents are the odd sizes 1, 3, 7, 33 and 100 (every vector-tail length at 128 and 256 bits), with its bindings.
/// Built deterministically from a recipe of integers, like <see cref="Support.RandomGraphs"/>.
/// </summary>
public sealed class PlanCase
{
    /// <summary>The extents the axes take (and the batch).</summary>
    public static readonly int[] Extents = { 1, 3, 7, 33, 100 };

    private PlanCase(string text, Function f, Dictionary<string, Tensor> bindings, int batch, DType type, PlanKind kind)
    {
        Text = text; Function = f; Bindings = bindings; Batch = batch; DType = type; Kind = kind;
    }

    /// <summary>A readable description: the kind, element type, shapes and batch.</summary>
    public string Text { get; }
    /// <summary>The function (output "y").</summary>
    public Function Function { get; }
    /// <summary>Input values at <see cref="Batch"/>.</summary>
    public Dictionary<string, Tensor> Bindings { get; }
    /// <summary>The batch size.</summary>
    public int Batch { get; }
    /// <summary>The element type.</summary>
    public DType DType { get; }
    /// <summary>The kernel family.</summary>
    public PlanKind Kind { get; }
    /// <inheritdoc/>
    public override string ToString() => Text;

    /// <summary>Random cases (no shrinking: each case is already a single kernel).</summary>
    public static Arbitrary<PlanCase> Arb(PlanKind? kind = null, DType? type = null) =>
        FsCheck.Fluent.Arb.From(Gen.Choose(0, 9999).ArrayOf(12).Select(r => Build(r, kind, type)));

    /// <summary>The case a recipe describes.</summary>
    public static PlanCase Build(int[] r, PlanKind? kind = null, DType? type = null)
    {
        int at = 0;
        int Next(int n) => Math.Abs(r[at++ % r.Length]) % n;
        var t = type ?? (Next(2) == 0 ? DType.F32 : DType.F64);
        var k = kind ?? (PlanKind)Next(3);
        int batch = Extents[Next(Extents.Length)];
        // A copy needs rank 3 for a broadcast the loop cannot index (a size-1 middle axis) and static axes other than 1
        // (a transpose that moves only a size-1 axis is a reshape, no copy); the batch still takes every extent.
        bool copy = k == PlanKind.Copy;
        int rank = copy ? 3 : 2 + Next(2);
        var dims = new int[rank];
        dims[0] = Shape.Batch;
        for (int i = 1; i < rank; i++) dims[i] = copy ? Extents[1 + Next(Extents.Length - 1)] : Extents[Next(Extents.Length)];
        // Keep cases small: at most about 12k elements at this batch.
        while (batch * dims.Skip(1).Aggregate(1, (a, b) => a * b) > 12000)
        {
            int big = Array.IndexOf(dims, dims.Skip(1).Max(), 1);
            dims[big] = 7;
        }
        var g = new Graph(t);
        var shape = Shape.Of(dims);
        var x = g.Input("x", shape);
        Node y;
        string what;
        switch (k)
        {
            case PlanKind.Elementwise:
            {
                int variant = Next(3);
                var zShape = variant switch
                {
                    0 => shape,
                    1 => Shape.Of(dims[rank - 1]),                                              // a row broadcast
                    _ => Shape.Of(dims.Select((d, i) => i == rank - 1 ? 1 : d).ToArray()),      // a column broadcast
                };
                var z = g.Input("z", zShape);
                y = x * z - F.Exp(x * 0.5) + 1.5;
                what = $"x*z - exp(x/2) + 1.5, z{zShape}";
                break;
            }
            case PlanKind.Reduce:
            {
                int a0 = Next(rank), a1 = a0 + Next(rank - a0);
                var axes = Enumerable.Range(a0, a1 - a0 + 1).ToArray();
                var z = g.Input("z", shape);
                var body = Next(2) == 0 ? x : x * z + x;
                int op = Next(3);
                y = op == 0 ? F.Sum(body, axes) : op == 1 ? F.Mean(body, axes) : F.ReduceMax(body, axes);
                what = $"{(op == 0 ? "sum" : op == 1 ? "mean" : "max")}({(ReferenceEquals(body, x) ? "x" : "x*z + x")}) over [{string.Join(",", axes)}]";
                break;
            }
            default:
            {
                if (Next(2) == 0)
                {
                    var perm = Enumerable.Range(0, rank).OrderBy(_ => Next(1000)).ToArray();
                    if (perm.SequenceEqual(Enumerable.Range(0, rank))) perm = perm.Reverse().ToArray();
                    y = F.Transpose(x, perm);
                    what = $"transpose [{string.Join(",", perm)}]";
                }
                else
                {
                    // x has a size-1 middle axis; the loop cannot index that broadcast directly, so a copy materializes it.
                    var small = dims.Select((d, i) => i == 1 ? 1 : d).ToArray();
                    x = g.Input("x2", Shape.Of(small));
                    y = F.BroadcastTo(x, shape);
                    what = $"broadcast {Shape.Of(small)}";
                }
                break;
            }
        }
        var f = new Function(g, ("y", y));
        var rnd = new Random(r.Aggregate(17, (h, v) => h * 31 + v));
        var bindings = new Dictionary<string, Tensor>();
        foreach (var leaf in f.Inputs())
        {
            var cs = leaf.Shape.Concrete(batch);
            bindings[leaf.Name!] = new Tensor(cs, Enumerable.Range(0, cs.Aggregate(1, (a, b) => a * b)).Select(_ => rnd.NextDouble() * 2 - 1).ToArray());
        }
        return new PlanCase($"{k} {t.ShortName()} x{shape} batch {batch}: {what}", f, bindings, batch, t, k);
    }

    /// <summary>Compiles each schedule as a class <c>{prefix}{i}</c> with method "Eval", all in one Roslyn compilation.</summary>
    public static Func<int, object> CompileCSharp(IReadOnlyList<global::Nabla.Rewrites.Schedule.Schedule> schedules, string prefix)
    {
        var sources = schedules.Select((s, i) =>
            CSharpEmitter.Emit(new ModelPlan(prefix + i, new[] { ("Eval", s) }), new EmitOptions { Namespace = "Nabla.Tests.Generated" })).ToArray();
        var asm = RoslynCompiler.Compile(sources);
        return i => Activator.CreateInstance(asm.GetType($"Nabla.Tests.Generated.{prefix}{i}"))!;
    }

    /// <summary>Runs a compiled C# model (float or double) with the vector switch as given.</summary>
    public static RunResult RunCSharp(object model, PlanCase c, bool vectors) => model switch
    {
        CompiledModel<float> m => WithVectors<float, RunResult>(vectors, () => CSharp.CompiledRunner.Run(m, 0, c.Bindings, c.Batch)),
        CompiledModel<double> m => WithVectors<double, RunResult>(vectors, () => CSharp.CompiledRunner.Run(m, 0, c.Bindings, c.Batch)),
        _ => throw new ArgumentException("Not a compiled model."),
    };

    /// <summary>Runs <paramref name="run"/> with <see cref="CompiledModel{T}.VectorsEnabled"/> set, restoring it after.</summary>
    public static R WithVectors<T, R>(bool vectors, Func<R> run) where T : unmanaged
    {
        bool saved = CompiledModel<T>.VectorsEnabled;
        CompiledModel<T>.VectorsEnabled = vectors;
        try { return run(); }
        finally { CompiledModel<T>.VectorsEnabled = saved; }
    }
}
