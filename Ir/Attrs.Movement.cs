using System;
using System.Linq;
using System.Text;

namespace Nabla.Ir;

/// <summary>
/// The region a <c>slice</c> takes: for every axis of its input a start, a stop and a step, read with Python's rules
/// (start inclusive, stop exclusive, step ≥ 1; a negative start or stop counts from the end; both are clamped to the
/// axis, so <c>int.MaxValue</c> as the stop means "to the end"). The batch axis must be taken whole
/// (start 0, stop <see cref="int.MaxValue"/>, step 1). <see cref="F.Slice(Node, SliceAttrs)"/> stores the resolved,
/// canonical form (<see cref="Canonical"/>), so equal slices of one node are one node.
/// </summary>
public sealed class SliceAttrs : Attrs
{
    /// <summary>"To the end" (Python's omitted stop).</summary>
    public const int End = int.MaxValue;

    /// <summary>Creates the attributes (one start, stop and step per axis of the input; the arrays are copied).</summary>
    public SliceAttrs(int[] starts, int[] stops, int[] steps)
    {
        if (starts is null) throw new ArgumentNullException(nameof(starts));
        if (stops is null) throw new ArgumentNullException(nameof(stops));
        if (steps is null) throw new ArgumentNullException(nameof(steps));
        if (starts.Length != stops.Length || starts.Length != steps.Length)
            throw new ArgumentException($"A slice needs one start, stop and step per axis; got {starts.Length} starts, {stops.Length} stops and {steps.Length} steps.");
        Starts = (int[])starts.Clone(); Stops = (int[])stops.Clone(); Steps = (int[])steps.Clone();
    }

    /// <summary>The whole of every one of <paramref name="rank"/> axes except <paramref name="axis"/> (non-negative), which runs start:stop:step.</summary>
    public static SliceAttrs OneAxis(int rank, int axis, int start, int stop, int step = 1)
    {
        var starts = new int[rank]; var stops = Enumerable.Repeat(End, rank).ToArray(); var steps = Enumerable.Repeat(1, rank).ToArray();
        starts[axis] = start; stops[axis] = stop; steps[axis] = step;
        return new SliceAttrs(starts, stops, steps);
    }

    /// <summary>The start of each axis (Python rules).</summary>
    public int[] Starts { get; }
    /// <summary>The stop of each axis (Python rules; <see cref="End"/>: to the end).</summary>
    public int[] Stops { get; }
    /// <summary>The step of each axis (≥ 1).</summary>
    public int[] Steps { get; }
    /// <summary>The number of axes.</summary>
    public int Rank => Starts.Length;

    /// <summary>
    /// The slice of <paramref name="x"/>, resolved: for every axis the first index taken, the step and the number of
    /// indices taken (<see cref="Shape.Batch"/> for the batch axis, which is taken whole). Null, with the reason in
    /// <paramref name="error"/>, when the attributes do not fit the shape.
    /// </summary>
    public (int Start, int Step, int Count)[]? Resolve(Shape x, out string? error)
    {
        error = null;
        if (Rank != x.Rank) { error = $"the slice has {Rank} axes but the input has rank {x.Rank}"; return null; }
        var r = new (int, int, int)[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int step = Steps[i];
            if (step < 1) { error = $"the step of axis {i} is {step}; steps must be >= 1"; return null; }
            if (x[i] == Shape.Batch)
            {
                if (Starts[i] != 0 || Stops[i] != End || step != 1)
                {
                    error = $"axis {i} is the batch axis, which a slice must take whole (got {Text(Starts[i], Stops[i], step)})";
                    return null;
                }
                r[i] = (0, 1, Shape.Batch);
                continue;
            }
            int d = x[i];
            int start = Clamp(Starts[i], d), stop = Clamp(Stops[i], d);
            int count = stop > start ? 1 + (stop - start - 1) / step : 0; // no overflow for any step ≥ 1
            r[i] = count == 0 ? (0, 1, 0) : (start, step, count);
        }
        return r;
    }

    /// <summary>The canonical attributes of the same slice of <paramref name="x"/> (null when they do not fit): starts and stops resolved, stops tight.</summary>
    public SliceAttrs? Canonical(Shape x, out string? error)
    {
        var r = Resolve(x, out error);
        if (r is null) return null;
        var starts = new int[Rank]; var stops = new int[Rank]; var steps = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            var (start, step, count) = r[i];
            starts[i] = start;
            steps[i] = count > 1 ? step : 1;
            stops[i] = count == Shape.Batch ? End : count == 0 ? 0 : start + (count - 1) * step + 1;
        }
        return new SliceAttrs(starts, stops, steps);
    }

    /// <summary>True when the slice takes every element of <paramref name="x"/> in order.</summary>
    public bool IsFull(Shape x)
    {
        var r = Resolve(x, out _);
        if (r is null) return false;
        for (int i = 0; i < Rank; i++)
            if (r[i].Count != Shape.Batch && (r[i].Start != 0 || r[i].Count != x[i] || (r[i].Step != 1 && r[i].Count > 1))) return false;
        return true;
    }

    // Python's index clamping for a start or stop on an axis of length d.
    private static int Clamp(int i, int d)
    {
        long v = i < 0 ? (long)i + d : i;
        return (int)Math.Max(0, Math.Min(d, v));
    }

    private static string Text(int start, int stop, int step) =>
        $"{start}:{(stop == End ? "" : stop.ToString())}{(step == 1 ? "" : ":" + step)}";

    /// <inheritdoc/>
    protected override object[] Key => new object[] { Starts, Stops, Steps };
    /// <inheritdoc/>
    public override string ToString() => "[" + string.Join(",", Enumerable.Range(0, Rank).Select(i => Text(Starts[i], Stops[i], Steps[i]))) + "]";
}

/// <summary>
/// The padding of a <c>pad</c>: for every axis of its input the number of elements added before and after it and
/// between every two of its elements (interior; the adjoint of a slice with a step), all filled with
/// <see cref="Fill"/>. The batch axis cannot be padded.
/// </summary>
public sealed class PadAttrs : Attrs
{
    /// <summary>Creates the attributes (one entry per axis of the input; the arrays are copied; <paramref name="interior"/> null: none).</summary>
    public PadAttrs(int[] before, int[] after, int[]? interior = null, double value = 0)
    {
        if (before is null) throw new ArgumentNullException(nameof(before));
        if (after is null) throw new ArgumentNullException(nameof(after));
        interior ??= new int[before.Length];
        if (before.Length != after.Length || before.Length != interior.Length)
            throw new ArgumentException($"A padding needs one before, after and interior width per axis; got {before.Length}, {after.Length} and {interior.Length}.");
        Before = (int[])before.Clone(); After = (int[])after.Clone(); Interior = (int[])interior.Clone(); Fill = value;
    }

    /// <summary>Elements added before each axis.</summary>
    public int[] Before { get; }
    /// <summary>Elements added after each axis.</summary>
    public int[] After { get; }
    /// <summary>Elements added between every two elements of each axis.</summary>
    public int[] Interior { get; }
    /// <summary>The value of the added elements.</summary>
    public double Fill { get; }
    /// <summary>The number of axes.</summary>
    public int Rank => Before.Length;
    /// <summary>True when nothing is added.</summary>
    public bool IsEmpty => Before.All(b => b == 0) && After.All(a => a == 0) && Interior.All(i => i == 0);

    /// <summary>The length of an axis of length <paramref name="d"/> once axis <paramref name="axis"/> is padded.</summary>
    public int Padded(int axis, int d) => d == Shape.Batch ? d : Before[axis] + d + Math.Max(d - 1, 0) * Interior[axis] + After[axis];

    /// <inheritdoc/>
    protected override object[] Key => new object[] { Before, After, Interior, Fill };
    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < Rank; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(Before[i]).Append(':').Append(After[i]);
            if (Interior[i] != 0) sb.Append(':').Append(Interior[i]);
        }
        sb.Append(']');
        if (BitConverter.DoubleToInt64Bits(Fill) != 0) sb.Append(" value ").Append(Format(Fill));
        return sb.ToString();
    }
}
