using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

internal sealed partial class ScheduleBuilder
{
    /// <summary>A matrix product and the epilogue fused into it.</summary>
    private sealed class GemmMatch
    {
        public Node Mm = null!, Out = null!, A = null!, B = null!;
        public bool TransA, TransB, BiasPerRow, Relu, SumsBatch;
        public Node? Bias, Mask, Param;
        public ScalarTerm Alpha = ScalarTerm.One;
        public readonly List<Node> Covers = new();
    }

    private readonly Dictionary<Node, GemmMatch> _gemmAt = new();   // keyed by the node the kernel produces

    private void PlanGemms()
    {
        if (_planned) return; // already planned by Scheduler.Build's in-place analysis
        foreach (var mm in _nodes.Where(n => n.Op == Op.MatMul))
        {
            var g = new GemmMatch { Mm = mm, Out = mm };
            g.Covers.Add(mm);
            (g.A, g.TransA) = Operand(mm.A);
            (g.B, g.TransB) = Operand(mm.B);
            if (!MatchBias(g) && !MatchMask(g) && !MatchBatchSum(g)) MatchUpdate(g);
            if ((g.Bias is not null || (g.Mask is null && g.Param is null && !g.SumsBatch)) && ReluAfter(g.Out) is { } relu)
            {
                g.Relu = true;
                if (!ReferenceEquals(relu.A, g.Out)) g.Covers.Add(relu.A); // the reshape between them: the GEMM writes the relu's buffer in the same order
                g.Out = relu; g.Covers.Add(relu);
            }
            foreach (var c in g.Covers) _keyOf[c] = g.Out;
            _gemmAt[g.Out] = g;
        }
    }

    // The relu that is n's only consumer, directly or through a reshape that is itself used once (a convolution's product
    // [B, C, H·W] reshaped to [B, C, H, W] before its activation): the reshape keeps the element order, so the GEMM's
    // epilogue can apply the relu and write the relu's buffer.
    private Node? ReluAfter(Node n)
    {
        if (SingleUse(n) is not { } u || Claimed(u)) return null;
        if (u.Op == Op.Relu) return u;
        return u.Op == Op.Reshape && SingleUse(u) is { } r && r.Op == Op.Relu && !Claimed(r) ? r : null;
    }

    // A transpose that swaps the last two axes becomes an operand flag.
    private static (Node, bool) Operand(Node x)
    {
        if (x.Op != Op.Transpose) return (x, false);
        var p = x.Attr<PermutationAttrs>().Perm; int r = p.Length;
        for (int i = 0; i < r - 2; i++) if (p[i] != i) return (x, false);
        return p[r - 2] == r - 1 && p[r - 1] == r - 2 ? (x.A, true) : (x, false);
    }

    // A node an earlier product's epilogue already took: two products summed, mm1 + mm2, must not both take the add
    // (the second would read the first as a bias that no kernel computes).
    private bool Claimed(Node n) => _keyOf.ContainsKey(n);

    // The only consumer of n, when n is not itself a result.
    private Node? SingleUse(Node n) => !_roots.Contains(n) && _consumers[n].Count == 1 ? _consumers[n][0] : null;

    // mm + bias, with the bias a row vector [N] (per column) or, for a rank-2 product, a column vector [M,1] (per row).
    private bool MatchBias(GemmMatch g)
    {
        if (SingleUse(g.Mm) is not { } add || add.Op != Op.Add || Claimed(add) || ReferenceEquals(add.A, add.B) || !add.Shape.Equals(g.Mm.Shape)) return false;
        var bias = ReferenceEquals(add.A, g.Mm) ? add.B : add.A;
        if (bias.Op == Op.Broadcast) bias = bias.A;
        var s = g.Mm.Shape; int r = s.Rank;
        var bs = bias.Shape;
        if (bs.Rank > r || bs.HasBatch) return false;
        bool ones(int except1, int except2) => Enumerable.Range(0, bs.Rank).All(i => i == except1 || i == except2 || bs[i] == 1);
        if (bs.Rank >= 1 && bs[bs.Rank - 1] == s[r - 1] && ones(bs.Rank - 1, -1)) g.BiasPerRow = false;
        else if (bs.Rank >= 2 && bs[bs.Rank - 1] == 1 && bs[bs.Rank - 2] == s[r - 2] && ones(bs.Rank - 1, bs.Rank - 2) && !FoldsLeading(g)) g.BiasPerRow = true;
        else return false;
        g.Bias = bias; g.Out = add; g.Covers.Add(add);
        return true;
    }

    // mm ⊙ step(h): the ReLU derivative mask of the backward pass.
    private bool MatchMask(GemmMatch g)
    {
        if (SingleUse(g.Mm) is not { } mul || mul.Op != Op.Mul || Claimed(mul) || ReferenceEquals(mul.A, mul.B)) return false;
        var other = ReferenceEquals(mul.A, g.Mm) ? mul.B : mul.A;
        if (other.Op != Op.Step || !other.A.Shape.Equals(g.Mm.Shape)) return false;
        g.Mask = other.A; g.Out = mul; g.Covers.Add(mul);
        return true;
    }

    // sum(mm) over all the batch axes of a batched product: the products accumulate into one C (a convolution's weight
    // gradient, summed over the images) instead of being stored per image and reduced.
    private bool MatchBatchSum(GemmMatch g)
    {
        var s = g.Mm.Shape; int r = s.Rank;
        if (r <= 2 || FoldsLeading(g) || SingleUse(g.Mm) is not { } sum || sum.Op != Op.Sum || Claimed(sum)) return false;
        var axes = sum.Attr<AxesAttrs>().Axes;
        if (axes.Length != r - 2) return false;
        for (int i = 0; i < axes.Length; i++) if (axes[i] != i) return false;
        g.SumsBatch = true; g.Out = sum; g.Covers.Add(sum);
        return true;
    }

    // P ± α·mm written as the update of parameter P: a GEMM accumulating into P in place (β = 1).
    private void MatchUpdate(GemmMatch g)
    {
        var x = g.Mm; var alpha = ScalarTerm.One; var chain = new List<Node>();
        while (SingleUse(x) is { } y && !Claimed(y))
        {
            if (y.Op == Op.Neg) { alpha = alpha.Times(new ScalarTerm(-1)); }
            else if (y.Op == Op.Mul && !ReferenceEquals(y.A, y.B) && Term(ReferenceEquals(y.A, x) ? y.B : y.A) is { } s) alpha = alpha.Times(s);
            else if (y.Op == Op.Div && ReferenceEquals(y.A, x) && Reciprocal(y.B) is { } inv) alpha = alpha.Times(inv);
            else if ((y.Op == Op.Add || (y.Op == Op.Sub && ReferenceEquals(y.B, x))) && !ReferenceEquals(y.A, y.B))
            {
                var p = ReferenceEquals(y.A, x) ? y.B : y.A;
                if (p.Op != Op.Param || !p.Shape.Equals(g.Mm.Shape) || !_updateTargets.TryGetValue(y, out var targets) || !targets.Contains(p)) return;
                if (_inPlace.ContainsKey(p) || !CanWriteInPlace(p, y) || SameStorage(g.A, p) || SameStorage(g.B, p)) return;
                if (y.Op == Op.Sub) alpha = alpha.Times(new ScalarTerm(-1));
                chain.Add(y);
                g.Param = p; g.Alpha = alpha; g.Out = y; g.Covers.AddRange(chain);
                _inPlace[p] = y;
                return;
            }
            else return;
            chain.Add(y);
            x = y;
        }
    }

    /// <summary>A scalar node as a product of constants, the batch size and scalar inputs, or null.</summary>
    private ScalarTerm? Term(Node s)
    {
        if (s.Shape.StaticSize != 1 || s.Shape.HasBatch) return null;
        if (s.Op == Op.Const && s.Attrs.Data is null) return new ScalarTerm(s.Attrs.Value);
        if (s.Op == Op.BatchSize) return new ScalarTerm(1, 1);
        if ((s.Op == Op.Input || s.Op == Op.Param) && s.Shape.Rank == 0) return new ScalarTerm(1, 0, Buf(s));
        if (s.Op == Op.Neg) return Term(s.A)?.Times(new ScalarTerm(-1));
        if (s.Op == Op.Mul) return Term(s.A) is { } a && Term(s.B) is { } b ? a.Times(b) : null;
        if (s.Op == Op.Div) return Term(s.A) is { } n && Reciprocal(s.B) is { } d ? n.Times(d) : null;
        return null;
    }

    private ScalarTerm? Reciprocal(Node s)
    {
        if (s.Op == Op.Const && s.Attrs.Data is null && s.Attrs.Value != 0) return new ScalarTerm(1 / s.Attrs.Value);
        if (s.Op == Op.BatchSize) return new ScalarTerm(1, -1);
        if (s.Op == Op.Mul) return Reciprocal(s.A) is { } a && Reciprocal(s.B) is { } b ? a.Times(b) : null;
        return null;
    }

    // A plain (non-transposed) A with leading dimensions against a rank-2 B: the leading dims fold into M.
    private static bool FoldsLeading(GemmMatch g) => g.A.Shape.Rank > 2 && g.B.Shape.Rank == 2 && !g.TransA;

    private IEnumerable<Node> GemmReads(GemmMatch g)
    {
        var r = new List<Node> { g.A, g.B };
        if (g.Bias is not null) r.Add(g.Bias);
        if (g.Mask is not null) r.Add(g.Mask);
        if (g.Param is not null) r.Add(g.Param);
        r.AddRange(ScalarLeaves(g));
        return r;
    }

    private IEnumerable<Node> ScalarLeaves(GemmMatch g) =>
        g.Covers.SelectMany(c => c.Inputs).Where(i => (i.Op == Op.Input || i.Op == Op.Param) && i.Shape.Rank == 0 && !ReferenceEquals(i, g.Param));

    private void MakeGemm(GemmMatch g)
    {
        var k = new GemmKernel
        {
            A = Buf(g.A), TransA = g.TransA, B = Buf(g.B), TransB = g.TransB,
            Bias = g.Bias is null ? null : Buf(g.Bias), BiasPerRow = g.BiasPerRow,
            Activation = g.Relu ? Op.Relu : null, Mask = g.Mask is null ? null : Buf(g.Mask), Alpha = g.Alpha,
        };
        Shape a = g.A.Shape, b = g.B.Shape, o = g.Mm.Shape;
        Dim ra = Dim.Of(a[a.Rank - 2]), ca = Dim.Of(a[a.Rank - 1]), rb = Dim.Of(b[b.Rank - 2]), cb = Dim.Of(b[b.Rank - 1]);
        k.M = g.TransA ? ca : ra; k.K = g.TransA ? ra : ca; k.Lda = ca;
        k.N = g.TransB ? rb : cb; k.Ldb = cb; k.Ldc = k.N;
        if (FoldsLeading(g)) k.M = Dim.Product(a, 0, a.Rank - 1);
        else if (o.Rank > 2)
        {
            k.Batch = Dim.Product(o, 0, o.Rank - 2);
            k.StrideA = a.Rank > 2 ? ra * ca : new Dim(0);
            k.StrideB = b.Rank > 2 ? rb * cb : new Dim(0);
            k.StrideC = g.SumsBatch ? new Dim(0) : k.M * k.N;
            k.SumsBatch = g.SumsBatch;
        }
        if (g.Param is not null) { k.C = Buf(g.Param); k.Beta = 1; _bufferOf[g.Out] = k.C; }
        else k.C = OutBuf(g.Out, GemmReads(g), readsAreElementwise: false);
        var covers = new List<Node>(g.Covers);
        if (!ReferenceEquals(g.A, g.Mm.A)) covers.Add(g.Mm.A);
        if (!ReferenceEquals(g.B, g.Mm.B)) covers.Add(g.Mm.B);
        AddPlan(k, GemmReads(g), new[] { g.Out }, covers);
    }
}
