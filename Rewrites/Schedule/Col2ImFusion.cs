using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// A convolution's input gradient as one kernel, run by the runtime's <c>Conv.ProductCol2Im</c>: the batch of products
/// <see cref="Product"/> (<c>C_i = alpha·op(A_i)·op(B_i)</c>, one per image: the weights against the output gradient)
/// whose only reader is <see cref="Window"/>, the col2im that folds each product back into its image. The runtime folds
/// each product while it is still in the core's cache instead of storing the whole batch of window columns and reading
/// it back. Running <see cref="Product"/> then <see cref="Window"/> is its meaning (the product's buffer is left unused
/// by the emitted code). The scheduler forms it from the two kernels (<see cref="Col2ImFusion"/>); the two parts are not
/// in <see cref="Schedule.Kernels"/>.
/// </summary>
public sealed class ProductCol2ImKernel : Kernel
{
    internal ProductCol2ImKernel(GemmKernel product, WindowKernel window) { Product = product; Window = window; }

    /// <summary>The batch of products (<see cref="GemmForm.Batched"/>: no epilogue, beta 0, one C per image).</summary>
    public GemmKernel Product { get; }
    /// <summary>The col2im of <see cref="Product"/>'s result into the image gradient.</summary>
    public WindowKernel Window { get; }

    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads => Product.Reads;
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => new[] { Window.Output };
    /// <inheritdoc/>
    public override string Kind => "gemm_col2im";
    /// <summary><c>gemm[B] b48 = …; then col2im[…] b48[…] -> b49[…]</c>.</summary>
    public override string ToString() => $"{Product}; then {Window}";
}

/// <summary>
/// The scheduler's post-pass that joins a batched product with the col2im that is its only reader into one
/// <see cref="ProductCol2ImKernel"/> at the product's place. It runs after ordering and memory planning and decides from
/// the kernels and the <see cref="StorageLayout"/> (storage identity, slot sharing included).
/// </summary>
/// <remarks>
/// The pair (p at position a, w at position b &gt; a) qualifies when p is a batch of plain products
/// (<see cref="GemmForm.Batched"/>, beta 0) whose C matrices are contiguous (stride m·n) and are exactly w's input
/// [batch, c·kh·kw, oh·ow]; no other kernel reads p's C, which is a temporary; and w's output shares no storage with p's
/// operands. Moving w from b up to a is legal when no kernel strictly between them reads or writes w's output storage:
/// w reads only p's C, which is complete at a, and w's output slot holds nothing that a kernel between them uses, so
/// the memory plan made for the unfused order stays valid.
/// </remarks>
public static class Col2ImFusion
{
    /// <summary>
    /// The schedule with every qualifying pair fused (kernels renumbered; a fused kernel's nodes are the product's, then
    /// the window's). Returns <paramref name="s"/> itself when no pair qualifies. Buffers and slots are unchanged.
    /// </summary>
    public static Schedule Fuse(Schedule s)
    {
        if (s is null) throw new ArgumentNullException(nameof(s));
        var pairs = FindPairs(s, new StorageLayout(s));
        if (pairs.Count == 0) return s;
        var moved = new HashSet<Kernel>(pairs.Values);
        var kernels = new List<Kernel>();
        foreach (var k in s.Kernels)
        {
            if (moved.Contains(k)) continue;
            // Copies numbered by their new position, so the schedule passed in keeps its own numbering.
            var c = pairs.TryGetValue(k, out var w)
                ? new ProductCol2ImKernel(DenseBackwardFusion.Copy((GemmKernel)k), DenseBackwardFusion.Copy(w)) { Nodes = k.Nodes.Concat(w.Nodes).Distinct().ToArray() }
                : DenseBackwardFusion.Copy(k);
            c.Id = kernels.Count;
            if (c is ProductCol2ImKernel f) f.Product.Id = f.Window.Id = c.Id;
            kernels.Add(c);
        }
        return new Schedule(s.Source, s.DType, s.Buffers, kernels, s.Outputs, s.Updates, s.Slots);
    }

    /// <summary>Qualifying pairs: product kernel → the col2im it absorbs.</summary>
    private static Dictionary<Kernel, WindowKernel> FindPairs(Schedule s, StorageLayout layout)
    {
        var ks = s.Kernels;
        var pairs = new Dictionary<Kernel, WindowKernel>();
        var results = new HashSet<Buffer>(s.Outputs.Select(o => o.Buffer.Storage).Concat(s.Updates.Select(u => u.Buffer.Storage)));
        // The kernels reading each storage, in order (one pass over the schedule, not one per candidate).
        var readers = new Dictionary<Buffer, List<int>>();
        for (int j = 0; j < ks.Count; j++)
            foreach (var st in ks[j].Reads.Select(r => r.Storage).Distinct())
                (readers.TryGetValue(st, out var list) ? list : readers[st] = new List<int>()).Add(j);
        for (int a = 0; a < ks.Count; a++)
        {
            if (ks[a] is not GemmKernel p || !IsPlainBatch(p) || p.C.Kind != BufferKind.Temp || results.Contains(p.C.Storage)) continue;
            int b = -1;
            bool otherReader = false;
            foreach (int j in readers.TryGetValue(p.C.Storage, out var rs) ? rs : new List<int>())
            {
                if (j == a) continue;
                if (b < 0 && j > a && ks[j] is WindowKernel w0 && w0.Op == Op.Col2Im) b = j;
                else otherReader = true;
            }
            if (b < 0 || otherReader) continue;
            var w = (WindowKernel)ks[b];
            if (!Matches(p, w) || layout.SharesStorage(w.Output, p.A) || layout.SharesStorage(w.Output, p.B)) continue;
            bool clear = true;
            for (int j = a + 1; j < b && clear; j++)
                clear = !ks[j].Reads.Concat(ks[j].Writes).Any(x => layout.SharesStorage(x, w.Output));
            if (clear) pairs[p] = w;
        }
        return pairs;
    }

    /// <summary>A batch of plain products (no epilogue, beta 0) with contiguous C matrices.</summary>
    private static bool IsPlainBatch(GemmKernel p) =>
        p.Form == GemmForm.Batched && p.Beta == 0 && p.Ldc == p.N && p.StrideC == p.M * p.N;

    /// <summary>p's C is w's input [batch, c·kh·kw, oh·ow] element for element.</summary>
    private static bool Matches(GemmKernel p, WindowKernel w)
    {
        var cols = w.Input.Shape;
        return cols.Rank == 3 && w.Image.Rank == 4 && p.Batch == Dim.Of(cols[0]) && p.M == Dim.Of(cols[1]) && p.N == Dim.Of(cols[2])
            && Dim.Of(w.Image[0]) == p.Batch && w.Image[1] * w.Window.KernelH * w.Window.KernelW == cols[1];
    }
}
