using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Passes;

/// <summary>
/// An inference-time rewrite that combines consecutive affine maps with nothing nonlinear between them into one
/// (the lecture's "combining two networks"):
/// <code>Ω₂(β₁ + Ω₁x) + β₂ = (β₂ + Ω₂β₁) + Ω₂Ω₁x</code>
/// In the IR's row-vector form an affine map is <c>y = h·M + c</c> — a <c>matmul</c> by a static matrix M (rank 2),
/// optionally followed by an <c>add</c> of a static vector c (shape [], [n] or [1,n]) — where "static" means computed
/// from parameters and constants only (no input, no batch size): a Dense layer's <c>matmul(x, transpose(W)) + b</c>
/// is one. When the input h of such a map is itself an affine map of some x used nowhere else, the two become
/// <c>y = x·(M₁M₂) + (c₁M₂ + c₂)</c>; chains fold completely in one topological sweep.
/// <para>
/// The folded M and c are evaluated (in float64, by the reference interpreter) from the parameter values given and
/// become <b>tensor constants</b> of the new graph: the result is for inference — its folded weights are no longer
/// parameters, so training it would not change them. Maps whose inner value is used elsewhere (a skip connection) are
/// left alone: folding them would add work, not remove it. The answer equals the original up to rounding
/// (matrix products are reassociated).
/// </para>
/// </summary>
public static class FoldAffine
{
    /// <summary>One affine map of the result, <c>Output = X·Matrix + Offset</c>, that replaced <see cref="Layers"/> original maps.</summary>
    public sealed class FoldedMap
    {
        internal FoldedMap(Node output, Node x, Tensor matrix, Tensor? offset, int layers)
        {
            Output = output; X = x; Matrix = matrix; Offset = offset; Layers = layers;
        }
        /// <summary>The node of the new graph computing the folded map.</summary>
        public Node Output { get; }
        /// <summary>The map's input in the new graph.</summary>
        public Node X { get; }
        /// <summary>The folded matrix M, shape [in, out].</summary>
        public Tensor Matrix { get; }
        /// <summary>The folded offset c, shape [out] (null when no map had one).</summary>
        public Tensor? Offset { get; }
        /// <summary>How many affine maps were combined (at least 2).</summary>
        public int Layers { get; }
    }

    /// <summary>The rewritten function and what was folded.</summary>
    public sealed class Result
    {
        internal Result(Function function, IReadOnlyList<FoldedMap> maps) { Function = function; Maps = maps; }
        /// <summary>The function over a new graph, with the same inputs and output names.</summary>
        public Function Function { get; }
        /// <summary>The folded maps (empty when nothing could be folded).</summary>
        public IReadOnlyList<FoldedMap> Maps { get; }
        /// <summary>The number of affine maps removed (each fold of two maps removes one).</summary>
        public int Folds => Maps.Sum(m => m.Layers - 1);
    }

    private sealed class Form
    {
        public Form(Node x, Tensor m, Tensor? c, int count) { X = x; M = m; C = c; Count = count; }
        public Node X; public Tensor M; public Tensor? C; public int Count;
    }

    /// <summary>The rule's name in pass reports.</summary>
    public const string RuleName = "Ω₂(β₁ + Ω₁x) + β₂ → (β₂ + Ω₂β₁) + Ω₂Ω₁x";

    /// <summary>
    /// The rewrite as a pipeline <see cref="Pass"/> (name <c>fold-affine</c>) for an inference build with the given
    /// parameter values; each fold counts once under <see cref="RuleName"/> in the report. It is not a rule of the
    /// pattern engine because it needs what a subterm rule cannot see: parameter values and whether the inner map's
    /// value is used elsewhere. Run it before the standard passes (they then fold and fuse the constants).
    /// </summary>
    public static Pass AsPass(IReadOnlyDictionary<string, Tensor> parameters) => new("fold-affine",
        "combine consecutive affine maps into one (inference only: their weights become constants)",
        (f, o, r) =>
        {
            var result = Run(f, parameters);
            for (int i = 0; i < result.Folds; i++) r.Count(RuleName);
            return result.Function;
        });

    /// <summary>
    /// Folds the affine chains of <paramref name="f"/>, reading parameter values from <paramref name="parameters"/>
    /// (name → value; every parameter of a folded map must be present). Updates are not supported (an inference
    /// function has none).
    /// </summary>
    public static Result Run(Function f, IReadOnlyDictionary<string, Tensor> parameters)
    {
        if (f is null) throw new ArgumentNullException(nameof(f));
        if (parameters is null) throw new ArgumentNullException(nameof(parameters));
        if (f.Updates.Count > 0) throw new ArgumentException("FoldAffine is an inference-time rewrite; the function has parameter updates.");
        var uses = Topo.UseCounts(f.Roots);
        var g2 = new Graph(f.Graph.DefaultType);
        var map = new Dictionary<Node, Node>();
        var forms = new Dictionary<Node, Form>();
        var isStatic = new Dictionary<Node, bool>();
        var maps = new Dictionary<Node, FoldedMap>();

        foreach (var n in f.Nodes())
        {
            if (n.IsLeaf) { map[n] = CopyLeaf(g2, n); continue; }
            if (Match(n, isStatic, out var h, out var mNode, out var cNode, out var product))
            {
                var m = Evaluate(mNode, parameters);
                var c = cNode is null ? null : AsVector(Evaluate(cNode, parameters), m.Shape[1]);
                if (forms.TryGetValue(h, out var inner) && uses[h] == 1)
                {
                    var folded = new Form(inner.X, MatMul(inner.M, m), AddOffsets(inner.C, c, m), inner.Count + 1);
                    var y = Emit(g2, folded, n);
                    forms[n] = folded;
                    map[n] = y;
                    maps.Remove(h);
                    maps.Remove(product); // the bare matmul of an add-form map folded on its own; only the add's fold is live
                    maps[n] = new FoldedMap(y, folded.X, folded.M, folded.C, folded.Count);
                    continue;
                }
                forms[n] = new Form(map[h], m, c, 1);
            }
            var rebuilt = g2.Make(n.Op, n.Attrs, n.Inputs.Select(i => map[i]).ToArray());
            if (rebuilt.Label is null) rebuilt.Label = n.Label;
            map[n] = rebuilt;
        }
        var outputs = f.Outputs.Select(o => new Named(o.Name, map[o.Node]));
        return new Result(new Function(g2, outputs), maps.Values.OrderBy(m => m.Output.Id).ToArray());
    }

    // y = matmul(h, M) or y = add(matmul(h, M), c) / add(c, matmul(h, M)), with M and c static and h not.
    private static bool Match(Node y, Dictionary<Node, bool> isStatic, out Node h, out Node m, out Node? c, out Node product)
    {
        h = y; m = y; c = null; product = y;
        if (y.Op == Op.MatMul) return MatchMatMul(y, isStatic, out h, out m);
        if (y.Op != Op.Add) return false;
        for (int side = 0; side < 2; side++)
        {
            Node mm = y.Inputs[side], other = y.Inputs[1 - side];
            if (mm.Op != Op.MatMul || !MatchMatMul(mm, isStatic, out h, out m)) continue;
            var cs = other.Shape;
            int cols = m.Shape[1];
            bool vectorLike = cs.Rank == 0 || (cs.Rank == 1 && (cs[0] == cols || cs[0] == 1)) || (cs.Rank == 2 && cs[0] == 1 && (cs[1] == cols || cs[1] == 1));
            if (!vectorLike || !IsStatic(other, isStatic) || !y.Shape.Equals(mm.Shape)) continue;
            c = other;
            product = mm;
            return true;
        }
        return false;
    }

    private static bool MatchMatMul(Node mm, Dictionary<Node, bool> isStatic, out Node h, out Node m)
    {
        h = mm.A; m = mm.B;
        return m.Shape.Rank == 2 && h.Shape.Rank >= 2 && IsStatic(m, isStatic) && !IsStatic(h, isStatic);
    }

    // True when every leaf below n is a parameter or constant (no input, no batch size).
    private static bool IsStatic(Node n, Dictionary<Node, bool> memo)
    {
        if (memo.TryGetValue(n, out var s)) return s;
        if (n.IsLeaf) s = n.Op == Op.Param || n.Op == Op.Const;
        else s = !n.Shape.HasBatch && n.Inputs.All(i => IsStatic(i, memo));
        memo[n] = s;
        return s;
    }

    private static Tensor Evaluate(Node n, IReadOnlyDictionary<string, Tensor> parameters)
    {
        var needed = Topo.Reachable(new[] { n }).Where(l => l.Op == Op.Param).ToArray();
        var missing = needed.Where(p => !parameters.ContainsKey(p.Name!)).Select(p => p.Name).ToArray();
        if (missing.Length > 0) throw new ArgumentException($"FoldAffine: no value was given for parameter(s) {string.Join(", ", missing)}.");
        return Interpreter.Evaluate(new[] { n }, parameters)[n];
    }

    private static Tensor AsVector(Tensor c, int cols)
    {
        var v = new double[cols];
        for (int j = 0; j < cols; j++) v[j] = c.Data.Length == 1 ? c.Data[0] : c.Data[j];
        return new Tensor(new[] { cols }, v);
    }

    private static Tensor MatMul(Tensor a, Tensor b)
    {
        int k = a.Shape[0], n = a.Shape[1], m = b.Shape[1];
        var r = new double[k * m];
        for (int i = 0; i < k; i++)
            for (int p = 0; p < n; p++)
            {
                double aip = a.Data[i * n + p];
                for (int j = 0; j < m; j++) r[i * m + j] += aip * b.Data[p * m + j];
            }
        return new Tensor(new[] { k, m }, r);
    }

    // c₁·M₂ + c₂ (either may be absent).
    private static Tensor? AddOffsets(Tensor? c1, Tensor? c2, Tensor m2)
    {
        if (c1 is null) return c2;
        var r = MatMul(new Tensor(new[] { 1, c1.Size }, c1.Data), m2).Data;
        if (c2 is not null) for (int j = 0; j < r.Length; j++) r[j] += c2.Data[j];
        return new Tensor(new[] { r.Length }, r);
    }

    private static Node Emit(Graph g, Form form, Node original)
    {
        var t = original.DType;
        var y = F.MatMul(form.X, g.Const(form.M.Data, new Shape(form.M.Shape), t));
        if (form.C is not null) y = y + g.Const(form.C.Data, new Shape(form.C.Shape), t);
        y.Label ??= original.Label is null ? $"folded affine ×{form.Count}" : $"{original.Label} (folded ×{form.Count})";
        return y;
    }

    private static Node CopyLeaf(Graph g, Node n)
    {
        if (n.Op == Op.Input) return g.Input(n.Name!, n.Shape, n.DType);
        if (n.Op == Op.Param) return g.Param(n.Name!, n.Shape, n.DType);
        if (n.Op == Op.BatchSize) return g.BatchSize(n.DType);
        return n.Attrs.Data is null ? g.Const(n.Attrs.Value, n.DType) : g.Const(n.Attrs.Data, n.Shape, n.DType);
    }
}
