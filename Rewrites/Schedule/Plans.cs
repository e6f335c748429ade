using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// The choices behind the lowering of loops, reductions and copies, which <see cref="Planner"/> turns into the
/// <see cref="LoopPlan"/>, <see cref="ReducePlan"/> and <see cref="CopyPlan"/> of each kernel. The defaults are what
/// <see cref="Scheduler.Build"/> uses; tests and tools re-plan a schedule with others (e.g. 128-bit vectors only).
/// </summary>
public sealed class PlanOptions
{
    /// <summary>The plans <see cref="Scheduler.Build"/> makes: 256- then 128-bit vectors, 4 chains, unroll limit 8, rows of 8 (a new instance each time).</summary>
    public static PlanOptions Default => new();

    /// <summary>
    /// The vector widths in bits the code may use, widest first: a subset of the widths the runtime offers
    /// (<c>Vector256</c>, <c>Vector128</c>). Empty: scalar loops only. Whether a width is hardware accelerated on the
    /// machine that runs the code is not known here: the printers check it (at run time or at compile time).
    /// </summary>
    public IReadOnlyList<int> VectorBits { get; set; } = new[] { 256, 128 };

    /// <summary>
    /// Independent vector accumulators of an unrolled reduction (default 4). Contiguous: four chains hide the latency of
    /// the add. Strided: four vectors of outputs per pass, so a [B,100] float column sum walks its rows 4 times instead of
    /// 13 (at batch 4000 the one-vector passes were 1.6x slower).
    /// </summary>
    public int Chains { get; set; } = 4;

    /// <summary>A reduction whose body has more instructions than this keeps one accumulator chain (the unrolled body would be large). Default 8.</summary>
    public int UnrollLimit { get; set; } = 8;

    /// <summary>
    /// The shortest innermost run (in elements) a copy moves as a whole row (<c>Array.Copy</c> / <c>Array.Fill</c>) instead of
    /// element by element. Default 8: element by element, a broadcast of [B,6,1,144] to [B,6,4,144] ran at 3 ns per element.
    /// </summary>
    public int RowCopy { get; set; } = 8;

    internal void Validate()
    {
        foreach (var b in VectorBits)
            if (b != 128 && b != 256) throw new ArgumentException($"Vector width {b} bits is not one the runtime offers (128 or 256).");
        if (VectorBits.Distinct().Count() != VectorBits.Count || VectorBits.Zip(VectorBits.Skip(1), (a, b) => a < b).Any(x => x))
            throw new ArgumentException($"Vector widths must be distinct and widest first, not [{string.Join(", ", VectorBits)}].");
        if (Chains < 1) throw new ArgumentException($"Chains must be at least 1, not {Chains}.");
        if (RowCopy < 1) throw new ArgumentException($"RowCopy must be at least 1, not {RowCopy}.");
    }
}

/// <summary>One vector width a loop runs at: its bits and its lanes of the element type.</summary>
public sealed class VectorWidth
{
    internal VectorWidth(int bits, int lanes) { Bits = bits; Lanes = lanes; }
    /// <summary>128 or 256.</summary>
    public int Bits { get; }
    /// <summary>Elements per vector (bits / element bits).</summary>
    public int Lanes { get; }
    /// <summary><c>256</c>.</summary>
    public override string ToString() => Bits.ToString();
}

/// <summary>
/// How an <see cref="ElementwiseKernel"/> runs each row: a vector loop at each of <see cref="Widths"/> in order, each
/// continuing where the previous stopped, then a scalar loop (the tail, and the whole row when vectors are off).
/// Widths whose lanes exceed a static column count are left out, and every width when the body holds an op without vector
/// forms (<see cref="FusedBody.IsVectorizable"/>: a kernel op defined with <c>vectorized: false</c>). A printer runs a width only where it is hardware
/// accelerated; one that compiles for the machine at hand may keep only the first accelerated width (elementwise results
/// do not depend on the width).
/// </summary>
public sealed class LoopPlan
{
    internal LoopPlan(VectorWidth[] widths) { Widths = widths; }
    /// <summary>The vector widths, in the order their loops run (widest first).</summary>
    public IReadOnlyList<VectorWidth> Widths { get; }
    /// <summary><c>plan 256,128,scalar</c>.</summary>
    public override string ToString() => "plan " + string.Join(",", Widths.Select(w => w.ToString()).Concat(new[] { "scalar" }));
}

/// <summary>Where the reduced elements of one output lie.</summary>
public enum ReduceLayout
{
    /// <summary>Inner = 1: each output reduces one contiguous run (a row sum).</summary>
    Contiguous,
    /// <summary>Inner &gt; 1: adjacent outputs are reduced together, stepping by inner (a column sum).</summary>
    Strided,
}

/// <summary>One vector width a reduction may run at, with its number of accumulator chains.</summary>
public sealed class ReduceWidth
{
    internal ReduceWidth(int bits, int lanes, int chains) { Bits = bits; Lanes = lanes; Chains = chains; }
    /// <summary>128 or 256.</summary>
    public int Bits { get; }
    /// <summary>Elements per vector.</summary>
    public int Lanes { get; }
    /// <summary>Vector accumulators per pass: 1, or the unrolled count.</summary>
    public int Chains { get; }
    /// <summary>Elements (contiguous) or outputs (strided) handled per step of the unrolled loop: chains · lanes.</summary>
    public int Block => Chains * Lanes;
    /// <summary><c>4x256</c>.</summary>
    public override string ToString() => $"{Chains}x{Bits}";
}

/// <summary>
/// The order in which a <see cref="ReduceKernel"/> combines its values. Both printers follow it exactly, so for one
/// vector width every backend computes the same bits. <see cref="Widths"/> are alternatives, widest first: the code runs
/// at the first one that is hardware accelerated (and enabled), or scalar when none is.
/// <para><b>Contiguous</b>, per output, at width W with C chains: C accumulators (the identity) take vectors
/// l = C·W·k + c·W while a whole block of C·W remains; they merge by <see cref="ChainMerges"/> into accumulator 0
/// (pairwise: (a0 ⊕ a1) ⊕ (a2 ⊕ a3)); accumulator 0 then takes the remaining whole vectors; its lanes are combined
/// (sum: <c>Vector{W}.Sum</c>; max: lane by lane in lane order) into the scalar accumulator, which takes the last
/// elements one by one. Scalar: from the identity, l = 0, 1, ...</para>
/// <para><b>Strided</b>: every output combines its values strictly in l order from the identity, whatever the width.
/// Outputs go C·W per pass over the length (one accumulator per vector of outputs), then W per pass; when outputs remain
/// and inner ≥ W, the last pass covers the last W outputs, recomputing some (identical values), so no scalar tail is
/// needed; scalar passes handle inner &lt; W and vectors off.</para>
/// </summary>
public sealed class ReducePlan
{
    internal ReducePlan(ReduceLayout layout, ReduceWidth[] widths) { Layout = layout; Widths = widths; }
    /// <summary>Contiguous (row) or strided (column) reduction.</summary>
    public ReduceLayout Layout { get; }
    /// <summary>The widths the code may run at, widest first (alternatives, not a cascade); empty: scalar only.</summary>
    public IReadOnlyList<ReduceWidth> Widths { get; }
    /// <summary>Whether the strided tail overlaps the previous pass (always, for strided: see the class summary).</summary>
    public bool OverlapTail => Layout == ReduceLayout.Strided;

    /// <summary>
    /// How <paramref name="chains"/> accumulators merge into accumulator 0, in order: each pair is
    /// <c>acc[Into] = acc[Into] ⊕ acc[From]</c>. Pairwise: (0,1), (2,3), (0,2) for four chains.
    /// </summary>
    public static IReadOnlyList<(int Into, int From)> ChainMerges(int chains)
    {
        var merges = new List<(int, int)>();
        for (int step = 1; step < chains; step *= 2)
            for (int c = 0; c + step < chains; c += 2 * step) merges.Add((c, c + step));
        return merges;
    }

    /// <summary><c>plan contiguous 4x256,1x128</c> or <c>plan strided 4x256 32/pass,1x128 4/pass</c>.</summary>
    public override string ToString() =>
        $"plan {Layout.ToString().ToLowerInvariant()} "
        + (Widths.Count == 0 ? "scalar" : string.Join(",", Widths.Select(w => Layout == ReduceLayout.Strided ? $"{w} {w.Block}/pass" : w.ToString())));
}

/// <summary>What the innermost loop of a copy does.</summary>
public enum CopyAction
{
    /// <summary>Copies one element (every axis is a loop).</summary>
    Element,
    /// <summary>Copies a contiguous row of the input (input stride 1 along the innermost axis): <c>Array.Copy</c>.</summary>
    CopyRow,
    /// <summary>Fills a row with one input element (input stride 0 along the innermost axis): <c>Array.Fill</c>.</summary>
    FillRow,
}

/// <summary>
/// The loop nest of a <see cref="CopyKernel"/>: the output is written in order (position <c>at</c> counts up) while the
/// input is read through <see cref="Strides"/> (0 along broadcast axes). Size-1 axes are dropped and adjacent axes that
/// the input also steps over contiguously are merged, so a broadcast or transpose has as few, as long loops as it can.
/// </summary>
public sealed class CopyPlan
{
    internal CopyPlan(Dim[] extents, Dim[] strides, CopyAction inner) { Extents = extents; Strides = strides; Inner = inner; }
    /// <summary>The extents of the merged axes, outermost first (empty: one element).</summary>
    public IReadOnlyList<Dim> Extents { get; }
    /// <summary>The input stride of each merged axis.</summary>
    public IReadOnlyList<Dim> Strides { get; }
    /// <summary>The innermost action: an element, or the whole last axis as a row copy or fill.</summary>
    public CopyAction Inner { get; }
    /// <summary>The number of loops: every axis for <see cref="CopyAction.Element"/>, all but the last for a row action.</summary>
    public int Loops => Inner == CopyAction.Element ? Extents.Count : Extents.Count - 1;
    /// <summary><c>plan [B:400, 4:0, 100:1] copy-row</c>.</summary>
    public override string ToString() =>
        $"plan [{string.Join(", ", Extents.Select((e, i) => $"{e}:{Strides[i]}"))}] {Inner switch { CopyAction.CopyRow => "copy-row", CopyAction.FillRow => "fill-row", _ => "element" }}";
}

/// <summary>
/// Decides the plans of loop, reduction and copy kernels from facts the scheduler knows: extents, the element type, the
/// body's size and the vector widths the runtime offers. The emitters print the plans and decide nothing.
/// </summary>
public static class Planner
{
    /// <summary>Re-plans every loop, reduction and copy of <paramref name="schedule"/> with <paramref name="options"/> (in place).</summary>
    /// <exception cref="ArgumentException">The options name a width the runtime does not offer, or are out of range.</exception>
    public static void Replan(Schedule schedule, PlanOptions options)
    {
        if (schedule is null) throw new ArgumentNullException(nameof(schedule));
        if (options is null) throw new ArgumentNullException(nameof(options));
        options.Validate();
        foreach (var k in schedule.Kernels)
            switch (k)
            {
                case ElementwiseKernel e: e.Plan = Loop(e.Cols, schedule.DType, options, e.Body); break;
                case ReduceKernel r: r.Plan = Reduce(r, schedule.DType, options); break;
                case CopyKernel c: c.Plan = Copy(c, options); break;
            }
    }

    private static int Lanes(int bits, DType t) => bits / (8 * t.SizeInBytes());

    // A width is kept unless a static extent is below its lanes (the vector loop could never run).
    private static bool Fits(Dim extent, int lanes) => !(extent.IsStatic && extent.Factor < lanes);

    // A body holding an op without vector forms (a kernel op defined with vectorized: false) runs scalar only.
    internal static LoopPlan Loop(Dim cols, DType type, PlanOptions o, FusedBody body) =>
        new(body.IsVectorizable
            ? o.VectorBits.Select(b => new VectorWidth(b, Lanes(b, type))).Where(w => Fits(cols, w.Lanes)).ToArray()
            : Array.Empty<VectorWidth>());

    internal static ReducePlan Reduce(ReduceKernel k, DType type, PlanOptions o)
    {
        bool contiguous = k.Inner == new Dim(1);
        var extent = contiguous ? k.Length : k.Inner;
        bool small = k.Body.Instrs.Count <= o.UnrollLimit;
        var widths = new List<ReduceWidth>();
        foreach (var bits in k.Body.IsVectorizable ? o.VectorBits : Array.Empty<int>())
        {
            int lanes = Lanes(bits, type);
            if (!Fits(extent, lanes)) continue;
            // Chains at the widest width only: the narrower one is the fallback of machines without it, and unrolling it too
            // made the emitted C# of the MNIST-1D step 20 % longer (and Roslyn's compile of it ~13 % slower) for no gain on
            // machines that have the wider one.
            int chains = widths.Count == 0 && small && Fits(extent, o.Chains * lanes) ? o.Chains : 1;
            widths.Add(new ReduceWidth(bits, lanes, chains));
        }
        return new ReducePlan(contiguous ? ReduceLayout.Contiguous : ReduceLayout.Strided, widths.ToArray());
    }

    internal static CopyPlan Copy(CopyKernel k, PlanOptions o)
    {
        Shape ins = k.Input.Shape, outs = k.Output.Shape;
        if (k.Op == Op.Reshape) return new CopyPlan(new[] { k.Output.Size }, new[] { new Dim(1) }, CopyAction.CopyRow);
        var inStride = new Dim[ins.Rank];
        var acc = new Dim(1);
        for (int i = ins.Rank - 1; i >= 0; i--) { inStride[i] = acc; acc *= Dim.Of(ins[i]); }
        var dims = new List<Dim>(); var strides = new List<Dim>();
        int off = outs.Rank - ins.Rank;
        for (int j = 0; j < outs.Rank; j++)
        {
            Dim stride = k.Op == Op.Transpose ? inStride[k.Perm[j]]
                : j >= off && ins[j - off] != 1 ? inStride[j - off] : new Dim(0);
            var d = Dim.Of(outs[j]);
            if (d == new Dim(1)) continue;
            // Merge with the previous axis when the input steps over the pair contiguously too (or not at all).
            if (dims.Count > 0 && strides[strides.Count - 1] == stride * d) { dims[dims.Count - 1] = dims[dims.Count - 1] * d; strides[strides.Count - 1] = stride; }
            else { dims.Add(d); strides.Add(stride); }
        }
        var action = CopyAction.Element;
        if (dims.Count > 0)
        {
            Dim last = dims[dims.Count - 1], st = strides[strides.Count - 1];
            bool longRow = !last.IsStatic || last.Factor >= o.RowCopy;
            if (longRow && st == new Dim(1)) action = CopyAction.CopyRow;
            else if (longRow && st == new Dim(0)) action = CopyAction.FillRow;
        }
        return new CopyPlan(dims.ToArray(), strides.ToArray(), action);
    }
}
