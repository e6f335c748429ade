using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>The reference interpreter against hand computations.</summary>
public class InterpreterTests
{
    private static Tensor Eval(Node n, params (string Name, Tensor Value)[] bindings)
    {
        var d = bindings.ToDictionary(b => b.Name, b => b.Value);
        return Interpreter.Evaluate(new[] { n }, d)[n];
    }

    [Fact]
    public void Broadcasting_follows_numpy_rules_including_the_batch()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", new Shape(Shape.Batch, 3));
        var row = g.Input("r", new Shape(3));
        var col = g.Input("c", new Shape(Shape.Batch, 1));
        var y = x + row * col;
        var r = Eval(y, ("x", Tensor.Of(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3)), ("r", Tensor.Of(new double[] { 10, 20, 30 }, 3)),
            ("c", Tensor.Of(new double[] { 1, -1 }, 2, 1)));
        Assert.Equal(new[] { 2, 3 }, r.Shape);
        Assert.Equal(new double[] { 11, 22, 33, -6, -15, -24 }, r.Data);
        // [2,1] with [1,3] gives the outer [2,3].
        var o = Eval(g.Input("a", new Shape(2, 1)) * g.Input("b", new Shape(1, 3)),
            ("a", Tensor.Of(new double[] { 2, 3 }, 2, 1)), ("b", Tensor.Of(new double[] { 1, 10, 100 }, 1, 3)));
        Assert.Equal(new double[] { 2, 20, 200, 3, 30, 300 }, o.Data);
    }

    [Fact]
    public void Reductions_over_axes_with_and_without_keep_and_over_the_batch()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", new Shape(Shape.Batch, 2, 3));
        var v = Tensor.Of(Enumerable.Range(1, 12).Select(i => (double)i).ToArray(), 2, 2, 3);
        Assert.Equal(new double[] { 8, 10, 12, 14, 16, 18 }, Eval(F.Sum(x, 0), ("x", v)).Data);
        var keep = Eval(F.Sum(x, new[] { 2 }, true), ("x", v));
        Assert.Equal(new[] { 2, 2, 1 }, keep.Shape);
        Assert.Equal(new double[] { 6, 15, 24, 33 }, keep.Data);
        Assert.Equal(new double[] { 5, 8 }, Eval(F.Mean(x, 0, 2), ("x", v)).Data);     // (1+2+3+7+8+9)/6, (4+5+6+10+11+12)/6
        Assert.Equal(new double[] { 6, 12 }, Eval(F.ReduceMax(x, 1, 2), ("x", v)).Data);
        Assert.Equal(78, Eval(F.Sum(x), ("x", v)).Value);
        // Mean over the batch divides by the run-time batch size; batch_size reads it.
        Assert.Equal(6.5, Eval(F.Mean(x), ("x", v)).Value);
        Assert.Equal(2, Eval(g.BatchSize() + F.Sum(x) * 0.0, ("x", v)).Value);
    }

    [Fact]
    public void Transpose_reshape_and_broadcast_move_data_as_described()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", new Shape(2, 3, 4));
        var v = Tensor.Of(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), 2, 3, 4);
        var t = Eval(F.Transpose(x, 2, 0, 1), ("x", v));   // out[k,i,j] = x[i,j,k]
        Assert.Equal(new[] { 4, 2, 3 }, t.Shape);
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) Assert.Equal(v[i, j, k], t[k, i, j]);
        var r = Eval(F.Reshape(x, new Shape(6, 4)), ("x", v));
        Assert.Equal(v.Data, r.Data);
        var b = Eval(F.BroadcastTo(g.Input("s", new Shape(3, 1)), new Shape(2, 3, 2)), ("s", Tensor.Of(new double[] { 1, 2, 3 }, 3, 1)));
        Assert.Equal(new double[] { 1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3 }, b.Data);
    }

    [Fact]
    public void Batched_matmul_with_broadcast_leading_dims()
    {
        var g = new Graph(DType.F64);
        var a = g.Input("a", new Shape(Shape.Batch, 2, 3));
        var w = g.Input("w", new Shape(3, 2));
        var av = Tensor.Of(new double[] { 1, 2, 3, 4, 5, 6, /* second */ 0, 1, 0, 1, 0, -1 }, 2, 2, 3);
        var wv = Tensor.Of(new double[] { 1, 0, 0, 1, 1, 1 }, 3, 2);
        var r = Eval(F.MatMul(a, w), ("a", av), ("w", wv));
        Assert.Equal(new[] { 2, 2, 2 }, r.Shape);
        // [1 2 3;4 5 6]·[1 0;0 1;1 1] = [4 5;10 11]; [0 1 0;1 0 -1]·… = [0 1;0 -1]
        Assert.Equal(new double[] { 4, 5, 10, 11, 0, 1, 0, -1 }, r.Data);
        // Contracting over the batch: aᵀ·a for a of shape [B, 2].
        var m = g.Input("m", new Shape(Shape.Batch, 2));
        var gram = Eval(F.MatMul(F.T(m), m), ("m", Tensor.Of(new double[] { 1, 2, 3, 4, 5, 6 }, 3, 2)));
        Assert.Equal(new double[] { 35, 44, 44, 56 }, gram.Data);
    }

    [Fact]
    public void Softmax_log_softmax_and_logsumexp_are_stable_for_large_logits()
    {
        var g = new Graph(DType.F64);
        var z = g.Input("z", new Shape(1, 3));
        var v = ("z", Tensor.Of(new double[] { 1000, 1001, 1000 - Math.Log(2) }, 1, 3));
        double e = Math.E, total = 1 + e + 0.5;
        var s = Eval(F.Softmax(z), v);
        Assert.Equal(new[] { 1 / total, e / total, 0.5 / total }, s.Data.Select(x => Math.Round(x, 14)).ToArray(),
            new Func<double, double, bool>((p, q) => Math.Abs(p - Math.Round(q, 14)) < 1e-14));
        var ls = Eval(F.LogSoftmax(z), v);
        Assert.Equal(-Math.Log(total), ls.Data[0], 12);
        Assert.Equal(1 - Math.Log(total), ls.Data[1], 12);
        var lse = Eval(F.LogSumExp(z, 1, true), v);
        Assert.Equal(new[] { 1, 1 }, lse.Shape);
        Assert.Equal(1000 + Math.Log(total), lse.Value, 10);
        Assert.All(s.Data.Concat(ls.Data), x => Assert.True(double.IsFinite(x)));
    }

    [Fact]
    public void Im2col_lays_out_windows_and_col2im_is_its_adjoint()
    {
        var g = new Graph(DType.F64);
        var img = g.Input("img", new Shape(1, 1, 3, 3));
        var v = Tensor.Of(Enumerable.Range(1, 9).Select(i => (double)i).ToArray(), 1, 1, 3, 3);
        var cols = Eval(F.Im2Col(img, 2, 2), ("img", v));
        Assert.Equal(new[] { 1, 4, 4 }, cols.Shape);
        // Row (i,j) of the kernel, column (y,x) of the output: img[y+i, x+j].
        Assert.Equal(new double[] { 1, 2, 4, 5, /* (0,1) */ 2, 3, 5, 6, /* (1,0) */ 4, 5, 7, 8, /* (1,1) */ 5, 6, 8, 9 }, cols.Data);
        var padded = Eval(F.Im2Col(img, 3, 3, 2, 2, 1, 1), ("img", v));   // 2×2 outputs, zero padding
        Assert.Equal(new[] { 1, 9, 4 }, padded.Shape);
        Assert.Equal(new double[] { 0, 0, 0, 5 }, padded.Data.Take(4));   // kernel (0,0) sees padding except at output (1,1)

        // ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩ for several geometries.
        var rng = new Random(7);
        foreach (var (c, h, w, kh, kw, s, p) in new[] { (1, 3, 3, 2, 2, 1, 0), (2, 4, 5, 3, 2, 2, 1), (1, 5, 4, 3, 3, 2, 0), (3, 2, 2, 1, 1, 1, 1) })
        {
            var gg = new Graph(DType.F64);
            var x = gg.Input("x", new Shape(2, c, h, w));
            var im = F.Im2Col(x, kh, kw, s, s, p, p);
            var y = gg.Input("y", im.Shape);
            var back = F.Col2Im(y, c, h, w, kh, kw, s, s, p, p);
            var xv = Random(rng, 2, c, h, w); var yv = Random(rng, im.Shape.ToArray());
            var r = Interpreter.Evaluate(new[] { im, back }, new Dictionary<string, Tensor> { ["x"] = xv, ["y"] = yv });
            Assert.Equal(Dot(r[im], yv), Dot(xv, r[back]), 12);
        }
    }

    [Fact]
    public void Elementwise_ops_match_their_definitions()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", new Shape(5));
        var y = g.Input("y", new Shape(5));
        var xs = new[] { -2.0, -0.5, 0, 0.5, 3 };
        var ys = new[] { 1.0, -0.5, 2, -1, 3 };
        (string, Tensor)[] b = { ("x", Tensor.Of(xs, 5)), ("y", Tensor.Of(ys, 5)) };
        Assert.Equal(new double[] { 0, 0, 0, 1, 1 }, Eval(F.Step(x), b).Data);
        Assert.Equal(new double[] { -1, -1, 0, 1, 1 }, Eval(F.Sign(x), b).Data);
        Assert.Equal(new double[] { 0, 0, 0, 1, 0 }, Eval(F.Greater(x, y), b).Data);
        Assert.Equal(new double[] { 0, 1, 0, 1, 1 }, Eval(F.GreaterEqual(x, y), b).Data);
        Assert.Equal(new double[] { 0, 1, 0, 0, 1 }, Eval(F.Equal(x, y), b).Data);
        Assert.Equal(new double[] { 1, -0.5, 2, 0.5, 3 }, Eval(F.Where(F.Greater(x, y), x, y), b).Data);
        Assert.Equal(new double[] { 1, -0.5, 2, 0.5, 3 }, Eval(F.Maximum(x, y), b).Data);
        Assert.Equal(xs.Select(v => Math.Log(1 + Math.Exp(v))).ToArray(), Eval(F.Softplus(x), b).Data, new Near(1e-15));
        Assert.Equal(xs.Select(v => 1 / (1 + Math.Exp(-v))).ToArray(), Eval(F.Sigmoid(x), b).Data, new Near(1e-15));
        Assert.Equal(710, Eval(F.Softplus(x * 355.0), b).Data[4] / 1.5, 10);  // no overflow at e^1065
    }

    [Fact]
    public void Float32_mode_rounds_every_value_and_leaves_the_bindings_alone()
    {
        var g = new Graph(DType.F32);
        var x = g.Input("x", new Shape(2));
        var bound = Tensor.Of(new[] { 0.1, 0.2 }, 2);
        var bindings = new Dictionary<string, Tensor> { ["x"] = bound };
        var s = F.Sum(x);
        Assert.Equal((double)((float)0.1 + (float)0.2), Interpreter.Evaluate(new[] { s }, bindings, DType.F32)[s].Value);
        Assert.Equal(new[] { 0.1, 0.2 }, bound.Data);
    }

    [Fact]
    public void Results_never_alias_the_bindings()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", new Shape(2, 2));
        var f = new Function(g, ("same", x), ("flat", F.Reshape(x, new Shape(4))));
        var bound = Tensor.Of(new double[] { 1, 2, 3, 4 }, 2, 2);
        var r = Interpreter.Run(f, new Dictionary<string, Tensor> { ["x"] = bound });
        r["same"].Data[0] = 100;
        r["flat"].Data[1] = 200;
        Assert.Equal(new double[] { 1, 2, 3, 4 }, bound.Data);
    }

    [Fact]
    public void Binding_errors_name_the_leaf_and_the_shapes()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", new Shape(Shape.Batch, 3));
        var y = g.Param("w", new Shape(Shape.Batch, 3));
        var f = new Function(g, ("y", x + y));
        var e1 = Assert.Throws<ArgumentException>(() => Interpreter.Run(f, new Dictionary<string, Tensor> { ["x"] = Tensor.Zeros(2, 3) }));
        Assert.Contains("No value bound for param \"w\" (f64[B,3])", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Interpreter.Run(f, new Dictionary<string, Tensor> { ["x"] = Tensor.Zeros(2, 4), ["w"] = Tensor.Zeros(2, 3) }));
        Assert.Contains("input \"x\" expects shape [B,3], got [2,4]", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => Interpreter.Run(f, new Dictionary<string, Tensor> { ["x"] = Tensor.Zeros(2, 3), ["w"] = Tensor.Zeros(5, 3) }));
        Assert.Contains("Batch size disagreement", e3.Message);
    }

    private static Tensor Random(Random rng, params int[] shape) =>
        new(shape, Enumerable.Range(0, shape.Aggregate(1, (p, d) => p * d)).Select(_ => rng.NextDouble() * 2 - 1).ToArray());

    private static double Dot(Tensor a, Tensor b) => a.Data.Zip(b.Data, (p, q) => p * q).Sum();

    private sealed class Near : IEqualityComparer<double>
    {
        private readonly double _tol;
        public Near(double tol) { _tol = tol; }
        public bool Equals(double a, double b) => Math.Abs(a - b) <= _tol * Math.Max(1, Math.Abs(a));
        public int GetHashCode(double obj) => 0;
    }
}
