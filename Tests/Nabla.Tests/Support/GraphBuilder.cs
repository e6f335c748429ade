using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Tests.Support;

/// <summary>
/// Interprets a recipe as a graph (see <see cref="RandomGraphs"/>). It keeps a pool of built nodes, draws an op per
/// step, picks operands from the pool (or makes new leaves), and evaluates every node at the bound values so it can
/// keep each op's arguments away from kinks and domain edges. This file: the driver, leaves, operands and guards;
/// <c>GraphBuilder.Ops.cs</c>: one method per op family.
/// </summary>
internal sealed partial class GraphBuilder
{
    private static readonly double[] Shifts = { 0.5, -0.5, 1.25, -1.25, 2.5, -2.5 };

    private readonly int[] _recipe;
    private readonly GraphOptions _o;
    private readonly Choices _c;
    private readonly Graph _g;
    private readonly List<Node> _pool = new();
    private readonly Dictionary<string, Tensor> _bindings = new();
    private readonly Dictionary<Node, Tensor> _values = new();
    private Random _rng = new(0);
    private int _batch = 1;
    private int _leaves;

    public GraphBuilder(int[] recipe, GraphOptions options)
    {
        _recipe = recipe; _o = options; _c = new Choices(recipe); _g = new Graph(options.DType);
    }

    public GraphCase Build()
    {
        int steps = 1 + _c.Next(Math.Max(1, _o.MaxSteps));
        _batch = _o.UseBatch ? 1 + _c.Next(Math.Max(1, _o.MaxBatch)) : 1;
        _rng = new Random(_c.Next(1 << 20));
        _pool.Add(NewLeaf(RandomShape()));
        for (int s = 0; s < steps; s++)
        {
            var op = _o.Ops[_c.Next(_o.Ops.Count)];
            var n = Apply(op);
            if (n is not null && Finite(n) && Fits(n)) _pool.Add(Bounded(n));
        }
        var y = _pool[_pool.Count - 1];
        var f = new Function(_g, ("y", y));
        var used = new HashSet<string>(f.Nodes().Where(n => n.Name is not null).Select(n => n.Name!));
        var bindings = _bindings.Where(kv => used.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
        return new GraphCase(_recipe, _o, f, bindings, _batch);
    }

    // ---- values ----

    private Tensor Value(Node n)
    {
        if (_values.TryGetValue(n, out var t)) return t;
        foreach (var kv in Interpreter.Evaluate(new[] { n }, _bindings, DType.F64, _batch)) _values[kv.Key] = kv.Value;
        return _values[n];
    }

    private bool Finite(Node n) => Value(n).Data.All(v => !double.IsNaN(v) && !double.IsInfinity(v));

    private double MinAbs(Node n) => Value(n).Data.Select(Math.Abs).DefaultIfEmpty(double.PositiveInfinity).Min();
    private double Min(Node n) => Value(n).Data.DefaultIfEmpty(double.PositiveInfinity).Min();
    private double MaxAbs(Node n) => Value(n).Data.Select(Math.Abs).DefaultIfEmpty(0).Max();

    private long Elements(Shape s) => s.Size(_batch);

    // True when `n` and every node it reads has at most MaxElements elements: the new leaves and operands an op makes
    // (a matmul's right operand after a concat lengthened the batch axes, an im2col image) must fit as well.
    private bool Fits(Node n) => new Function(_g, ("n", n)).Nodes().All(m => Elements(m.Shape) <= _o.MaxElements);

    // ---- leaves and operands ----

    private Shape RandomShape()
    {
        int rank = _c.Next(_o.MaxRank + 1);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++) dims[i] = 1 + _c.Next(_o.MaxDim);
        if (rank > 0 && _o.UseBatch && _c.OneIn(2)) dims[0] = Shape.Batch;
        return Fit(dims);
    }

    // The first operand when its rank is at least `minRank`, else a new leaf of rank minRank..minRank+1.
    private Node FirstOfRank(int minRank)
    {
        var x = First();
        if (x.Shape.Rank >= minRank) return x;
        int rank = minRank + _c.Next(2);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++) dims[i] = 1 + _c.Next(_o.MaxDim);
        if (_o.UseBatch && _c.OneIn(2)) dims[0] = Shape.Batch;
        return NewLeaf(Fit(dims));
    }

    // Shrinks trailing dimensions to 1 until the shape has at most MaxElements elements.
    private Shape Fit(int[] dims)
    {
        for (int i = dims.Length - 1; i >= 0 && new Shape(dims).Size(_batch) > _o.MaxElements; i--)
            if (dims[i] != Shape.Batch) dims[i] = 1;
        return new Shape(dims);
    }

    private Node NewLeaf(Shape shape)
    {
        bool param = _o.UseParams && !shape.HasBatch && _c.OneIn(3);
        var name = (param ? "w" : "x") + _leaves++;
        var dims = shape.Concrete(_batch);
        var data = new double[shape.Size(_batch)];
        var grid = _o.ValueGrid;
        for (int i = 0; i < data.Length; i++)
            data[i] = grid is null ? Math.Round(_rng.NextDouble() * 4 - 2, 3) : grid[_rng.Next(grid.Count)];
        _bindings[name] = new Tensor(dims, data);
        return param ? _g.Param(name, shape) : _g.Input(name, shape);
    }

    private Node ScalarConst() => _g.Const(_c.Pick(0.5, 2.0, -1.5, 3.0, 0.25, -0.75));

    // The first operand: one of the three most recent nodes, so graphs grow deep rather than wide.
    private Node First() => _pool[_pool.Count - 1 - _c.Next(Math.Min(3, _pool.Count))];

    // A second operand that broadcasts with `a`: a pool node, a new leaf (same shape, or with dims set to 1 or
    // leading dims dropped), or a scalar constant.
    private Node Partner(Node a)
    {
        var fits = _pool.Where(p => Shape.Broadcast(a.Shape, p.Shape, out _) is { } s && Elements(s) <= _o.MaxElements).ToList();
        int k = _c.Next(fits.Count + 3);
        if (k < fits.Count) return fits[k];
        if (k == fits.Count) return ScalarConst();
        if (k == fits.Count + 1) return NewLeaf(a.Shape);
        var dims = a.Shape.ToArray();
        int drop = _c.Next(dims.Length + 1);
        var kept = dims.Skip(drop).ToArray();
        for (int i = 0; i < kept.Length; i++) if (_c.OneIn(2)) kept[i] = 1;
        return NewLeaf(new Shape(kept));
    }

    // ---- guards ----

    // `x` itself when all its values are at least `margin` from 0; else x + shift for the first shift that is.
    private Node? AwayFromZero(Node x, double margin)
    {
        if (MinAbs(x) >= margin) return x;
        foreach (var s in Shifts)
        {
            var y = x + s;
            if (MinAbs(y) >= margin) return y;
        }
        return null;
    }

    // `x` when all its values are at least `lo`; else x·x + max(lo, 0.5).
    private Node Positive(Node x, double lo) => Min(x) >= lo ? x : x * x + Math.Max(lo, 0.5);

    // A positive argument that comes as close to 0 as 1e-3: x·x/16 + 1e-3 (below 0.01 for |x| < 0.38).
    private Node NearZero(Node x) => x * x * 0.0625 + 1e-3;

    // `x` shifted by a whole number so that its largest value is in (limit − 1, limit] (a shift, not a scaling, so
    // derivatives keep their size and central differences stay accurate).
    private Node ShiftedUpTo(Node x, double limit)
    {
        double s = Math.Floor(limit - Value(x).Data.DefaultIfEmpty(0).Max());
        return s > 0 ? x + s : x;
    }

    // `x`, scaled down by a power of 2 when some value exceeds `limit` in magnitude.
    private Node Limit(Node x, double limit)
    {
        double m = MaxAbs(x);
        if (m <= limit) return x;
        return x * Math.Pow(2, -Math.Ceiling(Math.Log(m / limit, 2)));
    }

    private Node Bounded(Node x) => Limit(x, _o.MaxMagnitude);

    // The least |a − b| over the broadcast elements (∞ when a and b are the same node: they move together).
    private double Gap(Node a, Node b)
    {
        if (ReferenceEquals(a, b)) return double.PositiveInfinity;
        var s = Shape.Broadcast(a.Shape, b.Shape, out _)!.Concrete(_batch);
        var va = Broadcast(Value(a), s); var vb = Broadcast(Value(b), s);
        double gap = double.PositiveInfinity;
        for (int i = 0; i < va.Length; i++) gap = Math.Min(gap, Math.Abs(va[i] - vb[i]));
        return gap;
    }

    // `b`, or b + shift, so that every element of b is at least Margin from the matching element of a.
    private Node? Separated(Node a, Node b)
    {
        if (Gap(a, b) >= _o.Margin) return b;
        foreach (var s in Shifts)
        {
            var c = b + s;
            if (Gap(a, c) >= _o.Margin) return c;
        }
        return null;
    }

    // The values of `t` broadcast (NumPy rules) to `shape`, row-major.
    internal static double[] Broadcast(Tensor t, int[] shape)
    {
        int size = 1; foreach (var d in shape) size *= d;
        var r = new double[size];
        int off = shape.Length - t.Rank;
        for (int o = 0; o < size; o++)
        {
            int rem = o, src = 0;
            for (int j = 0; j < shape.Length; j++)
            {
                int stride = 1; for (int q = j + 1; q < shape.Length; q++) stride *= shape[q];
                int ij = rem / stride; rem -= ij * stride;
                if (j >= off)
                {
                    int own = 1; for (int q = j - off + 1; q < t.Rank; q++) own *= t.Shape[q];
                    if (t.Shape[j - off] != 1) src += ij * own;
                }
            }
            r[o] = t.Data[src];
        }
        return r;
    }

    // The least gap between the largest and second-largest value of every slice that reducing `axes` combines
    // (∞ for slices of one element).
    private double TopGap(Node x, int[] axes) => TopGap(Value(x), axes);

    internal static double TopGap(Tensor t, int[] axes)
    {
        var groups = new Dictionary<int, List<double>>();
        for (int i = 0; i < t.Size; i++)
        {
            int rem = i, key = 0;
            for (int j = 0; j < t.Rank; j++)
            {
                int stride = 1; for (int q = j + 1; q < t.Rank; q++) stride *= t.Shape[q];
                int ij = rem / stride; rem -= ij * stride;
                key = key * t.Shape[j] + (Array.IndexOf(axes, j) >= 0 ? 0 : ij);
            }
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = new List<double>();
            list.Add(t.Data[i]);
        }
        double gap = double.PositiveInfinity;
        foreach (var list in groups.Values)
        {
            if (list.Count < 2) continue;
            list.Sort();
            gap = Math.Min(gap, list[list.Count - 1] - list[list.Count - 2]);
        }
        return gap;
    }
}
