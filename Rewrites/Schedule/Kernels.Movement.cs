using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// The loop nest of one region a <see cref="MoveKernel"/> copies: for every index (j0, j1, …) below
/// <see cref="Extents"/>, <c>out[OutOffset + Σ jk·OutStrides[k]] = in[InOffset + Σ jk·InStrides[k]]</c>. Size-1 axes are
/// dropped and adjacent axes that both sides step over contiguously are merged, so a region has as few, as long loops as
/// it can (a slice x[:, t, :] of [B, T, F] is B rows of F). The emitters print loops over all but the last two axes around
/// one call of the runtime's region copy <c>Emitted.Move</c>, which takes the last two (a contiguous row is one block
/// copy). Offsets are sums of sizes (<see cref="Dim"/> terms of different batch powers).
/// </summary>
public sealed class MovePlan
{
    internal MovePlan(Dim[] extents, Dim[] inStrides, Dim[] outStrides, Dim[] inOffset, Dim[] outOffset)
    {
        Extents = extents; InStrides = inStrides; OutStrides = outStrides; InOffset = inOffset; OutOffset = outOffset;
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
    /// <summary>The number of loops the emitters print around the runtime call: the merged axes but the last two.</summary>
    public int Loops => Math.Max(Extents.Count - 2, 0);

    /// <summary>
    /// The plan of a region given axis by axis (before merging): its extents and both sides' strides and offsets. Null when
    /// the region is empty (some extent is 0).
    /// </summary>
    internal static MovePlan? Make(Dim[] extents, Dim[] inStrides, Dim[] outStrides, IEnumerable<Dim> inOffset, IEnumerable<Dim> outOffset)
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
        return new MovePlan(dims.ToArray(), ins.ToArray(), outs.ToArray(), Sum(inOffset), Sum(outOffset));
    }

    /// <summary>
    /// The two innermost axes as the runtime call takes them — (outer, its input and output strides, inner, its input and
    /// output strides) — with extent 1 and stride 0 standing in for missing axes.
    /// </summary>
    public (Dim Outer, Dim InOuter, Dim OutOuter, Dim Inner, Dim InInner, Dim OutInner) Call
    {
        get
        {
            int n = Extents.Count;
            var one = new Dim(1); var zero = new Dim(0);
            if (n == 0) return (one, zero, zero, one, zero, zero);
            if (n == 1) return (one, zero, zero, Extents[0], InStrides[0], OutStrides[0]);
            return (Extents[n - 2], InStrides[n - 2], OutStrides[n - 2], Extents[n - 1], InStrides[n - 1], OutStrides[n - 1]);
        }
    }

    // Terms of equal batch power added up; zero terms dropped; ascending power.
    private static Dim[] Sum(IEnumerable<Dim> terms) =>
        terms.Where(t => t.Factor != 0).GroupBy(t => t.Power).OrderBy(g => g.Key)
            .Select(g => new Dim(g.Sum(t => t.Factor), g.Key)).Where(t => t.Factor != 0).ToArray();

    /// <summary><c>plan [B:240:240, 6:1:1] +6 -> +0</c>: extent:input stride:output stride per merged axis, then the offsets.</summary>
    public override string ToString()
    {
        string Off(IReadOnlyList<Dim> t) => t.Count == 0 ? "0" : string.Join("+", t);
        return $"plan [{string.Join(", ", Extents.Select((e, i) => $"{e}:{InStrides[i]}:{OutStrides[i]}"))}] +{Off(InOffset)} -> +{Off(OutOffset)}";
    }
}

/// <summary>One region of a <see cref="MoveKernel"/>: the buffer it is read from and its loop nest.</summary>
public sealed class Move
{
    internal Move(Buffer input, MovePlan plan) { Input = input; Plan = plan; }
    /// <summary>The source.</summary>
    public Buffer Input { get; }
    /// <summary>The loop nest (decided by the scheduler).</summary>
    public MovePlan Plan { get; }
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
