using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Tests.Support;

internal sealed partial class GraphBuilder
{
    // One step: the node for `op` built on operands from the pool (null when the op cannot be built here).
    private Node? Apply(Op op)
    {
        switch (op.Kind)
        {
            case OpKind.Elementwise: return op.Arity == 1 ? Unary(op) : op.Arity == 2 ? BinaryOp(op) : WhereOp();
            case OpKind.Reduce: return ReduceOp(op);
            case OpKind.Layout: return op == Op.Reshape ? ReshapeOp() : op == Op.Transpose ? TransposeOp() : BroadcastOp();
            case OpKind.MatMul: return MatMulOp();
            case OpKind.Normalize: return NormalizeOp(op);
            case OpKind.Window: return op == Op.Im2Col ? Im2ColOp() : op == Op.Col2Im ? Col2ImOp() : MaxPoolOp(op);
            case OpKind.Movement: return op == Op.Slice ? SliceOp() : op == Op.Concat ? ConcatOp() : PadOp();
            case OpKind.Index: return IndexOp(op);
            default: return null;
        }
    }

    private Node? Unary(Op op)
    {
        if (op == Op.Cast) return CastOp();
        var x = First();
        if (op == Op.Log || op == Op.Sqrt) x = _o.WideDomains ? NearZero(x) : Positive(x, 0.2);
        else if (op == Op.Log1p && _o.WideDomains && _c.OneIn(2)) x = NearZero(x) - 1.0; // arguments down to -0.999
        else if (op == Op.Log1p && Min(x) < -0.8) x = Positive(x, 0.2) - 1.0; // arguments ≥ -0.8: log1p's pole is at -1
        else if (op == Op.Exp || op == Op.Expm1) x = _o.WideDomains && _c.OneIn(2) ? ShiftedUpTo(x, _o.ExpLimit) : Limit(x, 2.5);
        else if (op == Op.Relu || op == Op.Abs || op == Op.Step || op == Op.Sign)
        {
            if (AwayFromZero(x, _o.Margin) is { } ok) x = ok; else return null;
        }
        return _g.Make(op, Attrs.None, x);
    }

    private Node? BinaryOp(Op op)
    {
        var a = First();
        var b = Partner(a);
        if (_c.OneIn(2)) (a, b) = (b, a);
        if (op == Op.Div)
        {
            if (_o.WideDomains && _c.OneIn(2)) b = _c.OneIn(2) ? NearZero(b) : -NearZero(b); // |divisor| down to 1e-3
            else if (AwayFromZero(b, 0.25) is { } d) b = d; else b = Positive(b, 0.25);
        }
        else if (op == Op.Pow && _o.WideDomains && _c.OneIn(2))
        {
            // A base of any sign with an integer exponent (x², x³, 1/x); 1/x keeps the base 0.05 from its pole.
            double e = _c.Pick(2.0, 3.0, -1.0);
            if (e < 0) { if (AwayFromZero(a, 0.05) is { } ok) a = ok; else return null; }
            b = _g.Const(e);
        }
        else if (op == Op.Pow)
        {
            a = _o.WideDomains && _c.OneIn(2) ? NearZero(a) : Positive(a, 0.2);
            b = _c.OneIn(2) ? _g.Const(_c.Pick(2.0, 3.0, 0.5, -1.0, 1.5)) : Limit(b, 2);
        }
        else if (op == Op.Max || op == Op.Min || op == Op.Greater || op == Op.GreaterEqual || op == Op.Equal)
        {
            if (op == Op.Equal && _c.OneIn(2)) b = a; // eq(a, a) = 1 everywhere
            else if (op == Op.Equal && _o.ValueGrid is not null && _c.OneIn(2)) b = F.Relu(a); // on the kinks: a mixed mask, a ≥ 0
            if (Separated(a, b) is { } s) b = s; else return null;
            // −∞ (max) or +∞ (min) where b loses anyway: the result is unchanged, and no derivative may reach those entries.
            if (_o.WideDomains && (op == Op.Max || op == Op.Min) && _c.OneIn(2))
                b = op == Op.Max ? F.Where(F.Greater(b, a), b, _g.Const(double.NegativeInfinity))
                                 : F.Where(F.Greater(a, b), b, _g.Const(double.PositiveInfinity));
        }
        return _g.Make(op, Attrs.None, a, b);
    }

    private Node? WhereOp()
    {
        var a = First();
        var b = Partner(a);
        Node? cond;
        if (_c.OneIn(2))
        {
            // A comparison of a with a third operand, kept away from its jump.
            var other = Partner(a);
            var sep = Separated(a, other);
            if (sep is null) return null;
            cond = _c.OneIn(2) ? F.Greater(a, sep) : F.GreaterEqual(sep, a);
        }
        else cond = AwayFromZero(Partner(a), _o.Margin);
        // cond and b each broadcast with a, but not necessarily with each other.
        if (cond is null || Shape.Broadcast(cond.Shape, b.Shape, out _) is null) return null;
        return F.Where(cond, a, b);
    }

    private int[] Axes(int rank)
    {
        int mask = 1 + _c.Next((1 << rank) - 1);
        return Enumerable.Range(0, rank).Where(i => (mask & (1 << i)) != 0).ToArray();
    }

    private Node? ReduceOp(Op op)
    {
        var x = FirstOfRank(1);
        var axes = Axes(x.Shape.Rank);
        bool keep = _c.OneIn(2);
        if (op == Op.ReduceMax && TopGap(x, axes) < _o.Margin)
        {
            // Break ties with a constant ramp (broadcast over the batch axis, which a constant cannot have).
            var s = x.Shape.ToArray().Select(d => d == Shape.Batch ? 1 : d).ToArray();
            var size = s.Aggregate(1, (p, d) => p * d);
            Node? fixedX = null;
            foreach (var step in new[] { 0.37, -0.53, 0.71 })
            {
                var ramp = _g.Const(Enumerable.Range(0, size).Select(i => Math.Round(step * i, 2)).ToArray(), new Shape(s));
                var y = x + ramp;
                if (TopGap(y, axes) >= _o.Margin) { fixedX = y; break; }
            }
            if (fixedX is null) return null;
            x = fixedX;
        }
        if (op == Op.ReduceMax && _o.WideDomains && _c.OneIn(2))
        {
            // −∞ for the entries more than 0.8 below their slice's maximum (as max pooling pads), unless some entry is
            // within 0.01 of that threshold (a finite difference could cross it).
            var threshold = F.ReduceMax(x, axes, true) - 0.8;
            var v = Value(x).Data; var t = GraphBuilder.Broadcast(Value(threshold), x.Shape.Concrete(_batch));
            if (v.Zip(t, (a, b) => Math.Abs(a - b)).All(d => d >= 0.01))
                x = F.Where(F.GreaterEqual(x, threshold), x, _g.Const(double.NegativeInfinity));
        }
        return _g.Make(op, new AxesAttrs(axes, keep), x);
    }

    // The divisors of n, in increasing order.
    private static int[] Divisors(int n) => Enumerable.Range(1, Math.Max(1, n)).Where(d => n % d == 0).ToArray();

    private Node? ReshapeOp()
    {
        var x = First();
        int p = (int)x.Shape.StaticSize;
        if (x.Shape.BatchCount > 1) return null;
        // Factor the static size into up to three dims, then put B (if any) at a chosen position.
        var dims = new List<int>();
        int rest = p;
        int parts = 1 + _c.Next(3);
        for (int i = 0; i < parts - 1; i++)
        {
            var ds = Divisors(rest);
            int d = ds[_c.Next(ds.Length)];
            dims.Add(d); rest /= d;
        }
        dims.Add(rest);
        if (x.Shape.HasBatch) dims.Insert(_c.Next(dims.Count + 1), Shape.Batch);
        var target = new Shape(dims.ToArray());
        return target.Equals(x.Shape) ? null : F.Reshape(x, target);
    }

    private Node? TransposeOp()
    {
        var x = FirstOfRank(2);
        int r = x.Shape.Rank;
        var perm = Enumerable.Range(0, r).ToArray();
        for (int i = r - 1; i > 0; i--) { int j = _c.Next(i + 1); (perm[i], perm[j]) = (perm[j], perm[i]); }
        if (perm.Select((v, i) => v == i).All(b => b)) (perm[0], perm[1]) = (perm[1], perm[0]);
        return F.Transpose(x, perm);
    }

    private Node? BroadcastOp()
    {
        var x = First();
        var dims = x.Shape.ToArray().ToList();
        var ones = Enumerable.Range(0, dims.Count).Where(i => dims[i] == 1).ToArray();
        if (ones.Length > 0 && _c.OneIn(2))
        {
            int i = ones[_c.Next(ones.Length)];
            dims[i] = _o.UseBatch && !x.Shape.HasBatch && _c.OneIn(3) ? Shape.Batch : 2 + _c.Next(2);
        }
        else if (dims.Count < 4)
            dims.Insert(0, _o.UseBatch && !x.Shape.HasBatch && _c.OneIn(3) ? Shape.Batch : 2 + _c.Next(2));
        else return null;
        var target = new Shape(dims.ToArray());
        return Elements(target) > _o.MaxElements ? null : F.BroadcastTo(x, target);
    }

    private Node? MatMulOp()
    {
        var a = FirstOfRank(1);
        if (a.Shape.Rank == 1) a = F.Reshape(a, new Shape(1, a.Shape[0]));
        int r = a.Shape.Rank, k = a.Shape[r - 1];
        var lead = a.Shape.Dims.Take(r - 2).ToArray();
        switch (_c.Next(4))
        {
            case 0: // aᵀ·a: contracts over a's rows, which may be the batch dimension
                return F.MatMul(F.T(a), a);
            case 1: // a plain matrix on the right: [.., m, k]·[k, n]
                return F.MatMul(a, Operand(new Shape(k, 1 + _c.Next(3))));
            case 2: // batched: [.., m, k]·[.., k, n] with the same leading dims
                return F.MatMul(a, Operand(new Shape(lead.Concat(new[] { k, 1 + _c.Next(3) }).ToArray())));
            default: // a matrix on the left: [p, m]·[.., m, k]
                return F.MatMul(Operand(new Shape(1 + _c.Next(3), a.Shape[r - 2])), a);
        }
    }

    // A pool node of exactly `shape` when there is one (and the recipe picks it), else a new leaf.
    private Node Operand(Shape shape)
    {
        var same = _pool.Where(p => p.Shape.Equals(shape)).ToList();
        int k = _c.Next(same.Count + 1);
        return k < same.Count ? same[k] : NewLeaf(shape);
    }

    private Node? NormalizeOp(Op op)
    {
        var x = Limit(FirstOfRank(1), 8);
        int axis = _c.Next(x.Shape.Rank);
        if (op == Op.Softmax) return F.Softmax(x, axis);
        if (op == Op.LogSoftmax) return F.LogSoftmax(x, axis);
        return F.LogSumExp(x, axis, _c.OneIn(2));
    }

    // Window parameters [kh, kw, sh, sw, ph, pw] that fit an h × w image.
    private int[] Window(int h, int w)
    {
        int ph = _c.Next(2), pw = _c.Next(2);
        int kh = 1 + _c.Next(Math.Min(3, h + 2 * ph)), kw = 1 + _c.Next(Math.Min(3, w + 2 * pw));
        return new[] { kh, kw, 1 + _c.Next(2), 1 + _c.Next(2), ph, pw };
    }

    private static int Out(int size, int k, int s, int p) => (size + 2 * p - k) / s + 1;

    private Node? Im2ColOp()
    {
        var x = First();
        Node image;
        int p = (int)x.Shape.StaticSize;
        if (x.Shape.Rank == 4 && x.Shape[1] != Shape.Batch && x.Shape[2] != Shape.Batch && x.Shape[3] != Shape.Batch) image = x;
        else if (x.Shape.BatchCount <= 1 && p >= 2)
        {
            // Reshape into [N, 1, h, w] with N the batch (if x has it) or 1.
            var ds = Divisors(p);
            int h = ds[_c.Next(ds.Length)];
            image = F.Reshape(x, new Shape(x.Shape.HasBatch ? Shape.Batch : 1, 1, h, p / h));
        }
        else image = NewLeaf(new Shape(_c.Pick(1, 2, _o.UseBatch ? Shape.Batch : 3), 1 + _c.Next(2), 2 + _c.Next(2), 2 + _c.Next(2)));
        var s = image.Shape;
        var q = Window(s[2], s[3]);
        var outShape = new Shape(s[0], s[1] * q[0] * q[1], Out(s[2], q[0], q[2], q[4]) * Out(s[3], q[1], q[3], q[5]));
        if (Elements(outShape) > _o.MaxElements) q = new[] { 1, 1, 1, 1, 0, 0 };
        return F.Im2Col(image, q[0], q[1], q[2], q[3], q[4], q[5]);
    }

    private Node? Col2ImOp()
    {
        // Reuse an im2col's geometry when the pool has one, else choose one; the input is a pool node of the
        // columns' shape, a reshape of the first operand when the sizes match, or a new leaf.
        var im = _pool.LastOrDefault(n => n.Op == Op.Im2Col);
        int n0, c, h, w; int[] q;
        if (im is not null && _c.Next(3) > 0)
        {
            var s = im.A.Shape; n0 = s[0]; c = s[1]; h = s[2]; w = s[3]; var wa = im.Attr<WindowAttrs>(); q = new[] { wa.KernelH, wa.KernelW, wa.StrideH, wa.StrideW, wa.PadH, wa.PadW };
        }
        else
        {
            n0 = _c.Pick(1, 2, _o.UseBatch ? Shape.Batch : 3); c = 1 + _c.Next(2); h = 2 + _c.Next(2); w = 2 + _c.Next(2); q = Window(h, w);
        }
        var cols = new Shape(n0, c * q[0] * q[1], Out(h, q[0], q[2], q[4]) * Out(w, q[1], q[3], q[5]));
        if (Elements(cols) > _o.MaxElements || Elements(new Shape(n0, c, h, w)) > _o.MaxElements) return null;
        var x = First();
        Node input = x.Shape.StaticSize == cols.StaticSize && x.Shape.BatchCount == cols.BatchCount && (x.Shape.HasBatch == (n0 == Shape.Batch))
            ? F.Reshape(x, cols) : Operand(cols);
        return F.Col2Im(input, c, h, w, q[0], q[1], q[2], q[3], q[4], q[5]);
    }
}
