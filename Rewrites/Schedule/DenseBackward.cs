using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// One dense layer's backward pass with its in-place update, run by the runtime's <c>Gemm.SgemmDenseBackward</c> /
/// <c>DgemmDenseBackward</c>: first the input gradient <see cref="Gradient"/> (<c>dx = dy·W</c>, zeroed where the mask
/// is not &gt; 0), then the update <see cref="Update"/> (<c>W = alpha·dyᵀ·x + W</c>) on the same dy and W. At batch 1 the
/// runtime does both in one pass over W, reading it once instead of twice. The scheduler forms it from two GEMM kernels
/// (<see cref="DenseBackwardFusion"/>); running <see cref="Gradient"/> then <see cref="Update"/> is its meaning. The two
/// parts are not in <see cref="Schedule.Kernels"/>; their <see cref="Kernel.Id"/> is this kernel's.
/// </summary>
public sealed class DenseBackwardKernel : Kernel
{
    internal DenseBackwardKernel(GemmKernel gradient, GemmKernel update) { Gradient = gradient; Update = update; }

    /// <summary><c>dx = 1·dy·W</c> (masked or not): <c>A</c> is dy [m×n], <c>B</c> is W [n×k], <c>C</c> is dx [m×k].</summary>
    public GemmKernel Gradient { get; }
    /// <summary><c>W = alpha·dyᵀ·x + W</c>: <c>A</c> is dy (stored m×n, transposed), <c>B</c> is x [m×k], <c>C</c> is W.</summary>
    public GemmKernel Update { get; }
    /// <summary>Rows of dy, dx and x (the batch).</summary>
    public Dim M => Gradient.M;
    /// <summary>Columns of dy, rows of W (the layer's outputs).</summary>
    public Dim N => Gradient.K;
    /// <summary>Columns of W, dx and x (the layer's inputs).</summary>
    public Dim K => Gradient.N;

    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads => Gradient.Reads.Concat(Update.Reads).Distinct();
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => new[] { Gradient.C, Update.C };
    /// <inheritdoc/>
    public override string Kind => "dense_backward";
    /// <summary><c>dense_backward gemm b21 = … masked by b7 &gt; 0; then gemm b8 = … + 1 * b8</c>.</summary>
    public override string ToString() => $"dense_backward {Gradient}; then {Update}";
}

/// <summary>
/// The scheduler's post-pass that pairs a dense layer's input-gradient GEMM with the later in-place update GEMM of the
/// same weights and replaces the pair by one <see cref="DenseBackwardKernel"/> at the gradient's place. It runs after
/// ordering and memory planning and decides from the kernels and the <see cref="StorageLayout"/> (storage identity,
/// slot sharing included), never from emitted names.
/// </summary>
/// <remarks>
/// <para>The pair (g at position a, u at position b &gt; a) qualifies when g is <c>dx = 1·dy·W</c> (one product, no
/// transposes, beta 0, no bias or activation; a mask is allowed), u is <c>W = alpha·dyᵀ·x + 1·W</c> (one product, A
/// transposed, no bias, activation or mask) into a parameter, the shapes and leading dimensions match, u's dy and W
/// are g's (same storage), and dy is not W, the mask is not W, and nothing u reads is dx.</para>
/// <para>Moving u from b up to a is legal when no kernel strictly between them reads or writes W's storage and none
/// writes storage that u reads (dy, x, W, alpha's factors). Then every value u reads is already in its storage at a,
/// nothing between sees W change early, and u's reads move earlier, so each temporary's last read only moves earlier:
/// lifetimes shrink and the memory plan made for the unfused order stays valid for the fused one (a slot's next writer
/// still comes after its occupant's last read). Kernel a itself writes only dx, which u does not read.</para>
/// </remarks>
public static class DenseBackwardFusion
{
    /// <summary>
    /// The schedule with every qualifying pair fused (kernels renumbered; a fused kernel's nodes are the gradient's, then the update's).
    /// Returns <paramref name="s"/> itself when no pair qualifies. Buffers and slots are unchanged.
    /// </summary>
    public static Schedule Fuse(Schedule s)
    {
        if (s is null) throw new ArgumentNullException(nameof(s));
        var pairs = FindPairs(s.Kernels, new StorageLayout(s));
        if (pairs.Count == 0) return s;
        var hoisted = new HashSet<Kernel>(pairs.Values);
        var kernels = new List<Kernel>();
        foreach (var k in s.Kernels)
        {
            if (hoisted.Contains(k)) continue;
            if (pairs.TryGetValue(k, out var u))
            {
                var g = (GemmKernel)k;
                Add(kernels, new DenseBackwardKernel(g, u) { Nodes = g.Nodes.Concat(u.Nodes).Distinct().ToArray() });
            }
            else Add(kernels, k);
        }
        return new Schedule(s.Source, s.DType, s.Buffers, kernels, s.Outputs, s.Updates, s.Slots);
    }

    /// <summary>
    /// The same computation with every <see cref="DenseBackwardKernel"/> run as its two GEMM kernels, the update right
    /// after the gradient (the order the fused kernel means), on the same buffers and memory plan. For comparing the
    /// fused call with the two separate ones.
    /// </summary>
    public static Schedule Split(Schedule s)
    {
        if (s is null) throw new ArgumentNullException(nameof(s));
        var kernels = new List<Kernel>();
        foreach (var k in s.Kernels)
        {
            if (k is DenseBackwardKernel d) { Add(kernels, d.Gradient); Add(kernels, d.Update); }
            else Add(kernels, k);
        }
        return new Schedule(s.Source, s.DType, s.Buffers, kernels, s.Outputs, s.Updates, s.Slots);
    }

    // Appends a copy numbered by its new position, so the schedule passed in keeps its own numbering. A fused kernel's
    // parts carry its number.
    private static void Add(List<Kernel> kernels, Kernel k)
    {
        var c = k is DenseBackwardKernel d ? new DenseBackwardKernel(Copy(d.Gradient), Copy(d.Update)) { Nodes = d.Nodes } : Copy(k);
        c.Id = kernels.Count;
        if (c is DenseBackwardKernel f) f.Gradient.Id = f.Update.Id = c.Id;
        kernels.Add(c);
    }

    // A shallow copy (kernels do not change once scheduled, except for their number), complete for every kernel type.
    private static readonly MethodInfo CloneMethod = typeof(object).GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!;
    internal static T Copy<T>(T k) where T : Kernel => (T)CloneMethod.Invoke(k, null)!;

    /// <summary>Qualifying pairs in <paramref name="ks"/>: input-gradient kernel → the update kernel it absorbs.</summary>
    private static Dictionary<Kernel, GemmKernel> FindPairs(IReadOnlyList<Kernel> ks, StorageLayout layout)
    {
        var pairs = new Dictionary<Kernel, GemmKernel>();
        var used = new HashSet<int>();
        for (int a = 0; a < ks.Count; a++)
        {
            if (ks[a] is not GemmKernel g || !IsInputGradient(g)) continue;
            for (int b = a + 1; b < ks.Count; b++)
            {
                if (ks[b] is GemmKernel u && !used.Contains(b) && IsUpdateOf(g, u, layout) && CanHoist(ks, a, b, u, layout))
                {
                    pairs[g] = u;
                    used.Add(b);
                    break;
                }
                // Past a kernel that writes W, a later update would see a different W.
                if (ks[b].Writes.Any(x => layout.SharesStorage(x, g.B))) break;
            }
        }
        return pairs;
    }

    /// <summary>dx = 1·dy·W: one product, no transposes, beta 0, no bias or activation (a mask is allowed).</summary>
    private static bool IsInputGradient(GemmKernel g) =>
        g.Batch == new Dim(1) && !g.TransA && !g.TransB && g.Alpha.IsConstant && g.Alpha.Constant == 1 && g.Beta == 0
        && g.Bias is null && g.Activation is null;

    /// <summary>W = alpha·dyᵀ·x + W into a parameter, with the dy and W of <paramref name="g"/> and matching shapes.</summary>
    private static bool IsUpdateOf(GemmKernel g, GemmKernel u, StorageLayout layout) =>
        u.Batch == new Dim(1) && u.TransA && !u.TransB && u.Beta == 1 && u.Bias is null && u.Activation is null && u.Mask is null
        && u.C.Kind == BufferKind.Param && layout.SharesStorage(u.C, g.B) && layout.SharesStorage(u.A, g.A)
        && u.M == g.K && u.K == g.M && u.N == g.N && u.Lda == g.Lda && u.Ldc == g.Ldb
        && !layout.SharesStorage(g.A, g.B) && (g.Mask is null || !layout.SharesStorage(g.Mask, u.C))
        && !u.Reads.Any(r => layout.SharesStorage(r, g.C));

    /// <summary>No kernel strictly between a and b reads or writes W, or writes anything the update reads.</summary>
    private static bool CanHoist(IReadOnlyList<Kernel> ks, int a, int b, GemmKernel u, StorageLayout layout)
    {
        var reads = u.Reads.ToArray();
        for (int j = a + 1; j < b; j++)
        {
            var k = ks[j];
            if (k.Writes.Any(x => reads.Any(r => layout.SharesStorage(x, r)))) return false;
            if (k.Reads.Any(x => layout.SharesStorage(x, u.C))) return false;
        }
        return true;
    }
}
