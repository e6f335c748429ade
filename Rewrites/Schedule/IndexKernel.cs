using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// Data movement by i32 indices, run by the runtime's index kernel the op's registry entry names
/// (<see cref="Op.RuntimeFunction"/>: <c>Gather</c>, <c>ScatterAdd</c>, <c>OneHot</c>), over the data viewed as
/// [<see cref="Outer"/>, <see cref="Size"/>, <see cref="Inner"/>] with <see cref="Count"/> indices:
/// <list type="bullet">
/// <item>gather: <c>out[o, j, i] = x[o, idx[j], i]</c>, out is [outer, count, inner], x is [outer, size, inner];</item>
/// <item>scatter_add: <c>out = 0</c>, then <c>out[o, idx[j], i] += u[o, j, i]</c> for j in order, out is [outer, size, inner];</item>
/// <item>one_hot: <c>out[j, c] = (c == idx[j])</c>, out is [count, size] (outer and inner are 1, no data input).</item>
/// </list>
/// The indices travel in the model's element type (a compiled model has one); the kernel converts each and throws an
/// <see cref="System.ArgumentOutOfRangeException"/> naming <see cref="Description"/>, the index and [0, size) when one is not
/// an integer in range, before it writes anything.
/// </summary>
public sealed class IndexKernel : Kernel
{
    internal IndexKernel(Op op, Buffer? input, Buffer indices, Buffer output, Dim outer, int size, Dim count, Dim inner, string description)
    {
        Op = op; Input = input; Indices = indices; Output = output; Outer = outer; Size = size; Count = count; Inner = inner; Description = description;
    }
    /// <summary><see cref="Op.Gather"/>, <see cref="Op.ScatterAdd"/> or <see cref="Op.OneHot"/>.</summary>
    public Op Op { get; }
    /// <summary>The data gathered from or the updates scattered (null for one_hot).</summary>
    public Buffer? Input { get; }
    /// <summary>The i32 indices (stored in the model's element type).</summary>
    public Buffer Indices { get; }
    /// <summary>The destination.</summary>
    public Buffer Output { get; }
    /// <summary>Extent before the indexed axis.</summary>
    public Dim Outer { get; }
    /// <summary>Length of the indexed axis (the valid indices are [0, Size)); one_hot: the number of classes.</summary>
    public int Size { get; }
    /// <summary>Number of indices.</summary>
    public Dim Count { get; }
    /// <summary>Extent after the indexed axis.</summary>
    public Dim Inner { get; }
    /// <summary>What errors name: the op, the node and the layer that built it (e.g. <c>gather %7 "0 Embedding"</c>).</summary>
    public string Description { get; }
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads => Input is null ? new[] { Indices } : new[] { Input, Indices };
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => new[] { Output };
    /// <inheritdoc/>
    public override string Kind => "index";
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Op.Name}[{Outer} x ({Size}) x {Inner}, {Count} indices] {(Input is null ? "" : Input.Ref + ", ")}{Indices.Ref} -> {Output.Ref}";

    /// <summary>The kernel computing <paramref name="n"/> (a gather, scatter_add or one_hot node) over the given buffers.</summary>
    internal static IndexKernel For(Node n, Buffer? input, Buffer indices, Buffer output)
    {
        var a = n.Attr<IndexAttrs>();
        string what = $"{n.Op.Name} %{n.Id}" + (n.Label is null ? "" : $" \"{n.Label}\"");
        if (n.Op == Op.OneHot)
            return new IndexKernel(n.Op, null, indices, output, new Dim(1), a.Size, Dim.SizeOf(n.A.Shape), new Dim(1), what);
        var idx = n.B.Shape;
        if (n.Op == Op.Gather)
        {
            var x = n.A.Shape;
            return new IndexKernel(n.Op, input, indices, output, Dim.Product(x, 0, a.Axis), x[a.Axis], Dim.SizeOf(idx), Dim.Product(x, a.Axis + 1, x.Rank), what);
        }
        var u = n.A.Shape;
        return new IndexKernel(n.Op, input, indices, output, Dim.Product(u, 0, a.Axis), a.Size, Dim.SizeOf(idx), Dim.Product(u, a.Axis + idx.Rank, u.Rank), what);
    }
}

/// <summary>Which buffers of a schedule hold i32 values (stored in the schedule's element type).</summary>
public static class IntegerBuffers
{
    /// <summary>
    /// True when the named input or output <paramref name="name"/> of <paramref name="s"/> holds i32 values in the IR (it
    /// is passed in the model's float arrays as exact integers; the spec records it).
    /// </summary>
    public static bool HoldsIntegers(this Schedule s, string name)
    {
        if (s.Source.Graph.Find(name) is { } leaf && leaf.Op == Op.Input) return leaf.DType == DType.I32;
        return s.Source.Outputs.Any(o => o.Name == name && o.Node.DType == DType.I32);
    }
}
