using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// A stride-1 convolution's forward product or weight gradient as one kernel whose window columns are never stored, run
/// by the runtime's <c>Conv.WindowProduct</c> (<see cref="GemmForm.Batched"/> or <see cref="GemmForm.PerProduct"/>:
/// <c>y_i = act(alpha·a·cols(x_i) + bias)</c>) or <c>Conv.WindowProductSum</c> (<see cref="GemmForm.Summed"/>:
/// <c>g = alpha·Σ_i d_i·cols(x_i)ᵀ + beta·g</c>): the product <see cref="Product"/> reads each window vector straight
/// from the image that <see cref="Window"/>, the im2col producing the product's B, reads. Running <see cref="Window"/>
/// then <see cref="Product"/> is its meaning (the columns buffer stays in the memory plan, left unused by the emitted
/// code). The scheduler forms it from the two kernels (<see cref="WindowFusion"/>); one im2col may be part of several
/// (a convolution's forward product and its weight gradient), and neither part is in <see cref="Schedule.Kernels"/>.
/// </summary>
public sealed class WindowProductKernel : Kernel
{
    internal WindowProductKernel(GemmKernel product, WindowKernel window) { Product = product; Window = window; }

    /// <summary>The product whose B is <see cref="Window"/>'s columns: a batch with a shared A and the bias/ReLU epilogue
    /// (forward), or a batch summed into one C (weight gradient).</summary>
    public GemmKernel Product { get; }
    /// <summary>The im2col (stride 1, no dilation) of the image [N, C, H, W] into the columns the product reads.</summary>
    public WindowKernel Window { get; }

    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads => Product.Reads.Select(r => ReferenceEquals(r, Product.B) ? Window.Input : r);
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => Product.Writes;
    /// <inheritdoc/>
    public override string Kind => "gemm_window";
    /// <summary><c>im2col[k5x5 s1,1 p0,0] b7[B,1,28,28] -&gt; b8 (not stored); then gemm[B] b9 = …</c>.</summary>
    public override string ToString() => $"{Window.Op.Name}[{Window.Window}] {Window.Input.Ref}{Window.Input.Shape} -> {Window.Output.Ref} (not stored); then {Product}";
}

/// <summary>
/// The scheduler's post-pass that removes a stride-1 convolution's im2col and replaces each product reading its columns
/// by a <see cref="WindowProductKernel"/> at the product's place, which reads the image instead. It runs after ordering
/// and memory planning and decides from the kernels and the <see cref="StorageLayout"/> (storage identity, slot sharing
/// included).
/// </summary>
/// <remarks>
/// <para>An im2col w (at position a) qualifies when its window has stride 1 and no dilation, its image is [N, C, H, W],
/// its columns [N, C·kh·kw, oh·ow] are a temporary that is not a result, and every kernel reading the columns is a
/// product p (at a position j &gt; a) that reads them as its whole B and nowhere else, in one of two forms: the forward
/// product (a batch of N products, each the shared A [m, C·kh·kw] against one image's columns, contiguous C matrices
/// [m, oh·ow], beta 0, no mask, a per-row bias or none, ReLU or no activation) or the weight gradient (the N products of
/// d_i [m, oh·ow] against the transposed columns summed into one C [m, C·kh·kw], beta 0 or 1). If one reader does not
/// qualify, the im2col stays and none of its readers is fused.</para>
/// <para>Each fused p reads the image at j instead of the columns, so the image must still hold at j what w read at a:
/// no kernel strictly between a and j writes storage shared with the image, and p's own output shares no storage with
/// it. Then every value p reads is in its storage at j. No kernel reads the columns any more and none writes them, so
/// dropping w changes no other kernel's values; the image's storage is not written between a and its new last read, so
/// the memory plan made for the unfused order (each slot's next writer after its occupant's last read) stays valid.
/// The columns keep their slot: the schedule interpreter runs a fused kernel as w then p, writing the columns inside
/// their own lifetime [a, last reader].</para>
/// <para>A plan made for the unfused order alone would often refuse: the image's slot is free after w, its last reader,
/// so the forward product may write its result there (LeNet's second convolution reads the first pooling's output, whose
/// slot the product took). The scheduler therefore plans memory with the images of the candidates
/// (<see cref="ImageReads"/>: the same checks but the storage ones) kept live until their last product; holding a slot
/// longer is safe for any order.</para>
/// </remarks>
public static class WindowFusion
{
    /// <summary>
    /// The schedule with every qualifying im2col removed and its readers fused (kernels renumbered; a fused kernel's
    /// nodes are the im2col's, then the product's). Returns <paramref name="s"/> itself when no im2col qualifies.
    /// Buffers and slots are unchanged.
    /// </summary>
    public static Schedule Fuse(Schedule s)
    {
        if (s is null) throw new ArgumentNullException(nameof(s));
        var readers = FindReaders(s, new StorageLayout(s));
        if (readers.Count == 0) return s;
        var removed = new HashSet<Kernel>(readers.Values);
        var kernels = new List<Kernel>();
        foreach (var k in s.Kernels)
        {
            if (removed.Contains(k)) continue;
            // Copies numbered by their new position, so the schedule passed in keeps its own numbering.
            var c = readers.TryGetValue(k, out var w)
                ? new WindowProductKernel(DenseBackwardFusion.Copy((GemmKernel)k), DenseBackwardFusion.Copy(w)) { Nodes = w.Nodes.Concat(k.Nodes).Distinct().ToArray() }
                : DenseBackwardFusion.Copy(k);
            c.Id = kernels.Count;
            if (c is WindowProductKernel f) f.Product.Id = f.Window.Id = c.Id;
            kernels.Add(c);
        }
        return new Schedule(s.Source, s.DType, s.Buffers, kernels, s.Outputs, s.Updates, s.Slots);
    }

    /// <summary>
    /// For the memory planner, before the schedule has slots: the image of each im2col whose readers all qualify (the
    /// storage checks aside), with the position of the last of them. The planner keeps the image live until then, so
    /// that the readers can read it instead of the columns.
    /// </summary>
    internal static IReadOnlyDictionary<Buffer, int> ImageReads(IReadOnlyList<Kernel> ks, IEnumerable<Buffer> results)
    {
        var last = new Dictionary<Buffer, int>();
        foreach (var (_, w, rs) in Candidates(ks, new HashSet<Buffer>(results.Select(r => r.Storage))))
            last[w.Input.Storage] = Math.Max(rs[rs.Count - 1], last.TryGetValue(w.Input.Storage, out var at) ? at : 0);
        return last;
    }

    /// <summary>Qualifying readers: product kernel → the im2col whose columns it reads.</summary>
    private static Dictionary<Kernel, WindowKernel> FindReaders(Schedule s, StorageLayout layout)
    {
        var ks = s.Kernels;
        var fused = new Dictionary<Kernel, WindowKernel>();
        var results = new HashSet<Buffer>(s.Outputs.Select(o => o.Buffer.Storage).Concat(s.Updates.Select(u => u.Buffer.Storage)));
        foreach (var (a, w, rs) in Candidates(ks, results))
            if (rs.All(j => ImageKept(ks, a, j, w, (GemmKernel)ks[j], layout)))
                foreach (int j in rs) fused[ks[j]] = w;
        return fused;
    }

    /// <summary>
    /// Each qualifying im2col (at position a, its columns a temporary that is not a result) whose every reader is a later
    /// product of one of the two forms, with their positions in order.
    /// </summary>
    private static IEnumerable<(int At, WindowKernel Window, List<int> Readers)> Candidates(IReadOnlyList<Kernel> ks, HashSet<Buffer> results)
    {
        // The kernels reading each storage, in order (one pass over the schedule, not one per candidate).
        var readers = new Dictionary<Buffer, List<int>>();
        for (int j = 0; j < ks.Count; j++)
            foreach (var st in ks[j].Reads.Select(r => r.Storage).Distinct())
                (readers.TryGetValue(st, out var list) ? list : readers[st] = new List<int>()).Add(j);
        for (int a = 0; a < ks.Count; a++)
            if (ks[a] is WindowKernel w && IsPlainIm2Col(w) && w.Output.Kind == BufferKind.Temp && !results.Contains(w.Output.Storage)
                && readers.TryGetValue(w.Output.Storage, out var rs)
                && rs.All(j => j > a && ks[j] is GemmKernel p && ReadsColumns(p, w) && (IsForward(p, w) || IsWeightGradient(p, w))))
                yield return (a, w, rs);
    }

    /// <summary>
    /// An im2col with stride 1 and no dilation whose output has at least <see cref="MinRows"/> rows of at least
    /// <see cref="MinWidth"/> (the runtime's tiles span 4 output rows and one vector of a row). Its shape rule makes the
    /// image [N, C, H, W] with C, H and W fixed and the columns [N, C·kh·kw, oh·ow].
    /// </summary>
    private static bool IsPlainIm2Col(WindowKernel w) =>
        w.Op == Op.Im2Col && w.Window.StrideH == 1 && w.Window.StrideW == 1 && !w.Window.IsDilated && w.Image.Rank == 4
        && w.Window.OutH(w.Image[2]) >= MinRows && w.Window.OutW(w.Image[3]) >= MinWidth;

    /// <summary>
    /// The smallest output height and width fused. Measured single-threaded on a Zen 4 core (scratch micro-benchmark of
    /// the runtime calls against im2col and the batched GEMMs, batch 64): a 1-D convolution (one output row) ran its
    /// forward product 2× slower, 8-wide rows of 8 (LeNet's second layer) 15 % faster for forward plus weight gradient,
    /// 6×6 outputs no faster.
    /// </summary>
    internal const int MinRows = 4, MinWidth = 8;

    /// <summary>
    /// The largest weight gradient fused (m·C·kh·kw outputs): each tile of the runtime's weight gradient runs over all of
    /// a piece's images, which pays for LeNet's 6×25 and 16×150 and loses at 64×288 (2,961 against 1,938 µs for the
    /// batched sum over stored columns, same measurement). The dot-product path of the batched sum has the same bound.
    /// </summary>
    internal const long MaxSumOutputs = 8192;

    /// <summary>p's B is the whole columns buffer, and nothing else p reads shares its storage.</summary>
    private static bool ReadsColumns(GemmKernel p, WindowKernel w) =>
        p.B.Storage == w.Output.Storage && p.B.Size == w.Output.Size && p.Reads.Count(r => r.Storage == w.Output.Storage) == 1;

    /// <summary>
    /// The forward product: for each of the N images, C_i [m, oh·ow] = act(alpha·A·cols_i + bias) with A [m, C·kh·kw]
    /// shared, contiguous C matrices, beta 0, no mask and a per-row bias or none.
    /// </summary>
    private static bool IsForward(GemmKernel p, WindowKernel w)
    {
        var (batch, taps, plane) = Geometry(w);
        return (p.Form == GemmForm.Batched || p.Form == GemmForm.PerProduct) && p.Batch == batch
            && !p.TransB && p.Ldb == plane && p.StrideB == taps * plane
            && !p.TransA && p.StrideA == new Dim(0) && p.K == taps && p.N == plane
            && p.Ldc == plane && p.StrideC == p.M * plane && p.Beta == 0 && p.Mask is null
            && (p.Bias is null || p.BiasPerRow) && (p.Activation is null || p.Activation == Op.Relu);
    }

    /// <summary>The weight gradient: C [m, C·kh·kw] = alpha·Σ_i d_i·cols_iᵀ + beta·C over the N images, d_i [m, oh·ow].</summary>
    private static bool IsWeightGradient(GemmKernel p, WindowKernel w)
    {
        var (batch, taps, plane) = Geometry(w);
        return p.Form == GemmForm.Summed && p.Batch == batch
            && p.TransB && p.Ldb == plane && p.StrideB == taps * plane
            && !p.TransA && p.Lda == plane && p.K == plane && p.N == taps && (p.Beta == 0 || p.Beta == 1)
            && p.M.Power == 0 && taps.Power == 0 && p.M.Factor * taps.Factor <= MaxSumOutputs;
    }

    /// <summary>The images, the taps of one window (C·kh·kw) and the windows of one image (oh·ow).</summary>
    private static (Dim Batch, Dim Taps, Dim Plane) Geometry(WindowKernel w)
    {
        var cols = w.Output.Shape;
        return (Dim.Of(cols[0]), Dim.Of(cols[1]), Dim.Of(cols[2]));
    }

    /// <summary>The image still holds at j what the im2col at a read: nothing between them writes it, nor does p.</summary>
    private static bool ImageKept(IReadOnlyList<Kernel> ks, int a, int j, WindowKernel w, GemmKernel p, StorageLayout layout)
    {
        if (layout.SharesStorage(p.C, w.Input)) return false;
        for (int i = a + 1; i < j; i++)
            if (ks[i].Writes.Any(x => layout.SharesStorage(x, w.Input))) return false;
        return true;
    }
}
