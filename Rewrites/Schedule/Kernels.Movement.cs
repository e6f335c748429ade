using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// The loop nest of one region a <see cref="MoveKernel"/> copies: for every index (j0, j1, …) below
/// <see cref="Extents"/>, <c>out[OutOffset + Σ jk·OutStrides[k]] = in[InOffset + Σ jk·InStrides[k]]</c>. Size-1 axes are
/// dropped and adjacent axes that both sides step over contiguously are merged, so a region has as few, as long loops as
/// it can; when both sides are contiguous along the innermost axis and it is long, it is moved as a whole row
/// (<c>Array.Copy</c>). Offsets are sums of sizes (<see cref="Dim"/> terms of different batch powers).
/// </summary>
public sealed class MovePlan
{
    internal MovePlan(Dim[] extents, Dim[] inStrides, Dim[] outStrides, Dim[] inOffset, Dim[] outOffset, CopyAction inner)
    {
        Extents = extents; InStrides = inStrides; OutStrides = outStrides; InOffset = inOffset; OutOffset = outOffset; Inner = inner;
    }
    /// <summary>The extents of the merged axes, outermost first (empty: one element).</summary>
    public IReadOnlyList<Dim> Extents { get; }
    /// <summary>The input stride of each merged axis.</summary>
    public IReadOnlyList<Dim> InStrides { get; }
    /// <summary>The output stride of each merged axis.</summary>
    public IReadOnlyList<Dim> OutStrides { get; }
    /// <summary>Where the region starts in the input: the sum of these terms (empty: 0).</summary>
    public IReadOnlyList<Dim> InOffset { get; }
    /// <summary>Where the region starts in the output: the sum of these terms (empty: 0).</summary>
    public IReadOnlyList<Dim> OutOffset { get; }
    /// <summary><see cref="CopyAction.Element"/> (every axis is a loop) or <see cref="CopyAction.CopyRow"/> (the last axis is one row copy).</summary>
    public CopyAction Inner { get; }
    /// <summary>The number of loops: every axis for an element move, all but the last for a row copy.</summary>
    public int Loops => Inner == CopyAction.Element ? Extents.Count : Extents.Count - 1;

    /// <summary>
    /// The plan of a region given axis by axis (before merging): its extents and both sides' strides and offsets. Null when
    /// the region is empty (some extent is 0).
    /// </summary>
    internal static MovePlan? Make(Dim[] extents, Dim[] inStrides, Dim[] outStrides, IEnumerable<Dim> inOffset, IEnumerable<Dim> outOffset, PlanOptions o)
    {
        var dims = new List<Dim>(); var ins = new List<Dim>(); var outs = new List<Dim>();
        for (int j = 0; j < extents.Length; j++)
        {
            var d = extents[j];
            if (d.Factor == 0) return null;
            if (d == new Dim(1)) continue;
            int last = dims.Count - 1;
            if (last >= 0 && ins[last] == inStrides[j] * d && outs[last] == outStrides[j] * d)
            {
                dims[last] = dims[last] * d; ins[last] = inStrides[j]; outs[last] = outStrides[j];
            }
            else { dims.Add(d); ins.Add(inStrides[j]); outs.Add(outStrides[j]); }
        }
        var action = CopyAction.Element;
        if (dims.Count > 0)
        {
            var row = dims[dims.Count - 1];
            bool longRow = !row.IsStatic || row.Factor >= o.RowCopy;
            if (longRow && ins[ins.Count - 1] == new Dim(1) && outs[outs.Count - 1] == new Dim(1)) action = CopyAction.CopyRow;
        }
        return new MovePlan(dims.ToArray(), ins.ToArray(), outs.ToArray(), Sum(inOffset), Sum(outOffset), action);
    }

    /// <summary>The same region planned again with other options (the row-copy threshold).</summary>
    internal MovePlan Replan(PlanOptions o)
    {
        // Re-merging merged axes changes nothing; only the innermost action depends on the options.
        return Make(Extents.ToArray(), InStrides.ToArray(), OutStrides.ToArray(), InOffset, OutOffset, o) ?? this;
    }

    // Terms of equal batch power added up; zero terms dropped; ascending power.
    private static Dim[] Sum(IEnumerable<Dim> terms) =>
        terms.Where(t => t.Factor != 0).GroupBy(t => t.Power).OrderBy(g => g.Key)
            .Select(g => new Dim(g.Sum(t => t.Factor), g.Key)).Where(t => t.Factor != 0).ToArray();

    /// <summary><c>plan [B:240:240, 6:1:1] +6 -> +0 copy-row</c>: extent:input stride:output stride per axis, the offsets and the action.</summary>
    public override string ToString()
    {
        string Off(IReadOnlyList<Dim> t) => t.Count == 0 ? "0" : string.Join("+", t);
        return $"plan [{string.Join(", ", Extents.Select((e, i) => $"{e}:{InStrides[i]}:{OutStrides[i]}"))}] +{Off(InOffset)} -> +{Off(OutOffset)} "
            + (Inner == CopyAction.CopyRow ? "copy-row" : "element");
    }
}

/// <summary>One region of a <see cref="MoveKernel"/>: the buffer it is read from and its loop nest.</summary>
public sealed class Move
{
    internal Move(Buffer input, MovePlan plan) { Input = input; Plan = plan; }
    /// <summary>The source.</summary>
    public Buffer Input { get; }
    /// <summary>The loop nest (decided by the scheduler).</summary>
    public MovePlan Plan { get; internal set; }
    /// <summary><c>b3 plan [...]</c>.</summary>
    public override string ToString() => $"{Input.Ref} {Plan}";
}

/// <summary>
/// Regions copied into one output by the movement ops: a <c>slice</c> (one region of the input, read with steps), a
/// <c>concat</c> (one region per part, side by side in the output) or a <c>pad</c> (the output filled with
/// <see cref="Fill"/>, then the input copied into its place). The regions never overlap and, with the fill, cover the output.
/// </summary>
public sealed class MoveKernel : Kernel
{
    internal MoveKernel(Op op, Buffer output, double? fill, Move[] moves) { Op = op; Output = output; Fill = fill; Moves = moves; }
    /// <summary><see cref="Op.Slice"/>, <see cref="Op.Concat"/> or <see cref="Op.Pad"/>.</summary>
    public Op Op { get; }
    /// <summary>The destination.</summary>
    public Buffer Output { get; }
    /// <summary>The value the whole output is filled with before the regions are copied (a pad), or null.</summary>
    public double? Fill { get; }
    /// <summary>The regions, copied in order (an empty region is left out).</summary>
    public IReadOnlyList<Move> Moves { get; }
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads => Moves.Select(m => m.Input);
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => new[] { Output };
    /// <inheritdoc/>
    public override string Kind => "move";
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Op.Name} -> {Output.Ref}{Output.Shape}{(Fill is double f ? " fill " + Attrs.Format(f) : "")}: {string.Join("; ", Moves)}";
}
