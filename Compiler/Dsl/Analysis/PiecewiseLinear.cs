using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Analysis;

/// <summary>
/// The exact decomposition of a piecewise-linear network (affine maps, ReLU, leaky ReLU, abs, max/min, sums,
/// reshapes, residual additions …) along a scalar input x ∈ [lo, hi] into linear pieces. Every node's value on an
/// interval is carried as <c>A + x·S</c> (the arrays A and S are computed with the reference interpreter's own op
/// implementations); at a kink op (relu, abs, max, min) the interval is split at every point strictly inside it where
/// an argument crosses zero, and the trace restarts on each part, so inside a final interval every kink op is linear.
/// Adjacent intervals whose output slopes agree (within 10⁻⁹ relative) are one piece: a hidden unit's kink that does
/// not reach the output (e.g. a zero outgoing weight, or a flat region of a later layer) is not counted.
/// Ops that are not piecewise linear in x (exp, sigmoid, …) are an error naming the op.
/// </summary>
public sealed class PiecewiseLinear
{
    private readonly Dictionary<(Op, Attrs, string), (Node Node, string[] Names)> _templates = new();
    private readonly Function _f;
    private readonly IReadOnlyDictionary<string, Tensor> _parameters;
    private readonly Node _output;
    private int _evaluations;

    private PiecewiseLinear(Function f, IReadOnlyDictionary<string, Tensor> parameters, Node output)
    {
        _f = f; _parameters = parameters; _output = output;
    }

    /// <summary>Left end of the range.</summary>
    public double Start { get; private set; }
    /// <summary>Right end of the range.</summary>
    public double End { get; private set; }
    /// <summary>The pieces, left to right.</summary>
    public IReadOnlyList<LinearPiece> Pieces { get; private set; } = Array.Empty<LinearPiece>();
    /// <summary>The number of linear pieces.</summary>
    public int Count => Pieces.Count;
    /// <summary>The interior points where the slope changes.</summary>
    public IReadOnlyList<double> Breakpoints => Pieces.Skip(1).Select(p => p.Start).ToArray();

    /// <summary>
    /// Decomposes output <paramref name="output"/> (default: the first) of <paramref name="f"/>, whose only input must hold
    /// one value per example (e.g. [B, 1]), over [<paramref name="lo"/>, <paramref name="hi"/>].
    /// </summary>
    public static PiecewiseLinear Of(Function f, IReadOnlyDictionary<string, Tensor> parameters, double lo, double hi, string? output = null)
    {
        if (!(lo < hi) || double.IsInfinity(lo) || double.IsInfinity(hi)) throw new ArgumentException($"The range [{lo}, {hi}] must be finite with lo < hi.");
        f = Op.Inline(f); // custom ops are analysed by their forwards (a custom leaky ReLU is piecewise linear)
        var outNode = output is null ? f.Outputs[0].Node : f[output];
        var inputs = f.Inputs();
        if (inputs.Count != 1 || inputs[0].Shape.Size(1) != 1)
            throw new ArgumentException($"Counting linear pieces needs exactly one input with one value per example; the function reads {string.Join(", ", inputs.Select(i => i.Describe()))}.");
        var pl = new PiecewiseLinear(f, parameters, outNode) { Start = lo, End = hi };
        pl.Decompose(lo, hi);
        return pl;
    }

    private void Decompose(double lo, double hi)
    {
        var raw = new List<(double A, double B, Tensor Intercept, Tensor Slope)>();
        var pending = new Stack<(double, double)>();
        pending.Push((lo, hi));
        while (pending.Count > 0)
        {
            var (a, b) = pending.Pop();
            if (++_evaluations > 1_000_000) throw new InvalidOperationException("More than a million intervals: the network has too many pieces in this range.");
            var split = Evaluate(a, b, out var value);
            if (split is null) { raw.Add((a, b, value.A, value.S ?? Zeros(value.A))); continue; }
            var cuts = new List<double> { a };
            cuts.AddRange(split);
            cuts.Add(b);
            for (int i = cuts.Count - 2; i >= 0; i--) pending.Push((cuts[i], cuts[i + 1]));
        }
        raw.Sort((p, q) => p.A.CompareTo(q.A));
        var pieces = new List<LinearPiece>();
        var cur = raw[0];
        for (int i = 1; i < raw.Count; i++)
        {
            if (SameSlope(cur.Slope, raw[i].Slope)) { cur = (cur.A, raw[i].B, cur.Intercept, cur.Slope); continue; }
            pieces.Add(Piece(cur));
            cur = raw[i];
        }
        pieces.Add(Piece(cur));
        Pieces = pieces;
    }

    private static LinearPiece Piece((double A, double B, Tensor Intercept, Tensor Slope) p) => new(p.A, p.B, p.Slope.Data.ToArray(), p.Intercept.Data.ToArray());

    private static bool SameSlope(Tensor s, Tensor t)
    {
        double scale = 1;
        for (int i = 0; i < s.Size; i++) scale = Math.Max(scale, Math.Max(Math.Abs(s.Data[i]), Math.Abs(t.Data[i])));
        for (int i = 0; i < s.Size; i++) if (Math.Abs(s.Data[i] - t.Data[i]) > 1e-9 * scale) return false;
        return true;
    }

    private sealed class Lin
    {
        public Lin(Tensor a, Tensor? s) { A = a; S = s; }
        public Tensor A; public Tensor? S;
    }

    // Traces the function on [a, b]; returns the interior split points of the first kink op that has any, or null with the output's value.
    private double[]? Evaluate(double a, double b, out Lin output)
    {
        var v = new Dictionary<Node, Lin>();
        double mid = 0.5 * (a + b), tol = 1e-12 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));
        foreach (var n in Topo.Reachable(new[] { _output }))
        {
            if (n.IsLeaf) { v[n] = Leaf(n); continue; }
            var args = n.Inputs.Select(i => v[i]).ToArray();
            if (args.All(x => x.S is null)) { v[n] = new Lin(Apply(n, args.Select(x => x.A).ToArray()), null); continue; }
            var op = n.Op;
            if (op == Op.Relu || op == Op.Abs || op == Op.Max || op == Op.Min)
            {
                var d = op == Op.Max || op == Op.Min ? Difference(n, args) : args[0];
                var roots = Roots(d, a, b, tol);
                if (roots.Length > 0) { output = null!; return roots; }
                v[n] = Kink(n, args, d, mid);
                continue;
            }
            v[n] = Linear(n, args);
        }
        output = v[_output];
        return null;
    }

    private Lin Leaf(Node n)
    {
        if (n.Op == Op.Input) return new Lin(Tensor.Zeros(n.Shape.Concrete(1)), new Tensor(n.Shape.Concrete(1), new[] { 1.0 }));
        if (n.Op == Op.Param)
            return _parameters.TryGetValue(n.Name!, out var p) ? new Lin(p, null) : throw new ArgumentException($"No value for parameter \"{n.Name}\".");
        return new Lin(Interpreter.Evaluate(new[] { n }, new Dictionary<string, Tensor>(), DType.F64, 1)[n], null);
    }

    // Ops that are linear in their x-dependent operands: apply the op to the intercepts and to the slopes.
    private Lin Linear(Node n, Lin[] args)
    {
        var A = Apply(n, args.Select(x => x.A).ToArray());
        var op = n.Op;
        int dependent = args.Count(x => x.S is not null);
        if (op == Op.Add || op == Op.Sub)
            return new Lin(A, Apply(n, args.Select(x => x.S ?? Zeros(x.A)).ToArray()));
        if (op == Op.Mul || op == Op.MatMul || (op == Op.Div && args[1].S is null))
        {
            if (dependent > 1) throw NotLinear(n, "it multiplies two values that both depend on the input");
            return new Lin(A, Apply(n, args.Select(x => x.S ?? x.A).ToArray()));
        }
        if (op == Op.Where && args[0].S is null)
            return new Lin(A, Apply(n, new[] { args[0].A, args[1].S ?? Zeros(args[1].A), args[2].S ?? Zeros(args[2].A) }));
        if (op == Op.Neg || op == Op.Sum || op == Op.Mean || op.Kind == OpKind.Layout || op == Op.Im2Col || op == Op.Col2Im)
            return new Lin(A, Apply(n, new[] { args[0].S! }));
        throw NotLinear(n, "it is not piecewise linear");
    }

    // relu/abs/max/min on an interval where the deciding value d keeps its sign: choose each element's branch at the midpoint.
    private Lin Kink(Node n, Lin[] args, Lin d, double mid)
    {
        var sign = new double[d.A.Size];
        for (int i = 0; i < sign.Length; i++) sign[i] = d.A.Data[i] + mid * (d.S?.Data[i] ?? 0);
        if (n.Op == Op.Relu || n.Op == Op.Abs)
        {
            double neg = n.Op == Op.Relu ? 0 : -1;
            Tensor Scale(Tensor t) => new(t.Shape, t.Data.Select((x, i) => sign[i] > 0 ? x : neg * x).ToArray());
            return new Lin(Scale(args[0].A), args[0].S is null ? null : Scale(args[0].S!));
        }
        var pick = new Tensor(d.A.Shape, sign.Select(s => (n.Op == Op.Max ? s >= 0 : s <= 0) ? 1.0 : 0.0).ToArray());
        Tensor Choose(Tensor x, Tensor y) => ApplyOp(Op.Where, Attrs.None, new[] { n.Shape, n.A.Shape, n.B.Shape }, new[] { pick, x, y });
        return new Lin(Choose(args[0].A, args[1].A), Choose(args[0].S ?? Zeros(args[0].A), args[1].S ?? Zeros(args[1].A)));
    }

    private Lin Difference(Node n, Lin[] args)
    {
        var shapes = new[] { n.A.Shape, n.B.Shape };
        return new Lin(ApplyOp(Op.Sub, Attrs.None, shapes, new[] { args[0].A, args[1].A }),
            ApplyOp(Op.Sub, Attrs.None, shapes, new[] { args[0].S ?? Zeros(args[0].A), args[1].S ?? Zeros(args[1].A) }));
    }

    private static double[] Roots(Lin d, double a, double b, double tol)
    {
        if (d.S is null) return Array.Empty<double>();
        var roots = new List<double>();
        for (int i = 0; i < d.A.Size; i++)
        {
            double s = d.S.Data[i];
            if (s == 0) continue;
            double r = -d.A.Data[i] / s;
            if (r > a + tol && r < b - tol) roots.Add(r);
        }
        roots.Sort();
        var distinct = new List<double>();
        foreach (var r in roots) if (distinct.Count == 0 || r - distinct[distinct.Count - 1] > tol) distinct.Add(r);
        return distinct.ToArray();
    }

    private Tensor Apply(Node n, Tensor[] args) => ApplyOp(n.Op, n.Attrs, n.Inputs.Select(i => i.Shape).ToArray(), args);

    // Runs one op with the reference interpreter on a cached one-node graph whose inputs have the given (symbolic) shapes.
    private Tensor ApplyOp(Op op, Attrs attrs, Shape[] shapes, Tensor[] args)
    {
        var key = (op, attrs, string.Join(";", shapes.Select(s => s.ToString())));
        if (!_templates.TryGetValue(key, out var t))
        {
            var g = new Graph(DType.F64);
            var names = shapes.Select((_, i) => "a" + i).ToArray();
            var node = g.Make(op, attrs, shapes.Select((s, i) => g.Input(names[i], s)).ToArray());
            _templates[key] = t = (node, names);
        }
        var bindings = new Dictionary<string, Tensor>();
        for (int i = 0; i < args.Length; i++) bindings[t.Names[i]] = args[i];
        return Interpreter.Evaluate(new[] { t.Node }, bindings, DType.F64, 1)[t.Node];
    }

    private static Tensor Zeros(Tensor like) => new(like.Shape, new double[like.Size]);

    private static ArgumentException NotLinear(Node n, string why) =>
        new($"Cannot count linear pieces through {n.Op.Name} at {n.Describe()}{(n.Label is null ? "" : $" ({n.Label})")}: {why} in the input.");
}
