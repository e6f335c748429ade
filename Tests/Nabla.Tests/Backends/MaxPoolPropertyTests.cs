using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Runtime;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Nabla.Tests.Backends;

/// <summary>
/// max_pool and its derivative max_pool_grad on random geometry (1-D as H = 1 and 2-D; kernel 1–3, stride 1–3, padding
/// up to half the kernel, dilation 1–2, odd sizes, batch 1–3, channels 1–3, rows long enough for the vector paths): the
/// function outputs y = max_pool(x), grad_x = max_pool_grad(x, u) (the VJP of sum(u·y)) and grad2_u, the VJP of
/// sum(v·grad_x) with respect to u (max_pool_grad's own derivative). The gradients agree with central differences on
/// inputs without ties; the expression and Roslyn backends agree with the interpreter in float64 and float32, on inputs
/// without ties and on inputs full of them (the adjoint is shared equally among a window's maxima).
/// </summary>
[Collection("CSharpBackend")] // ThreeWay switches CompiledModel<T>.VectorsEnabled, which is process-wide
public class MaxPoolPropertyTests
{
    private readonly ITestOutputHelper _out;
    public MaxPoolPropertyTests(ITestOutputHelper o) { _out = o; }

    private static Arbitrary<int> Seeds => Gen.Choose(0, 1_000_000).ToArbitrary();

    private sealed record Case(string Geometry, Function Function, Node Loss, Node Loss2, Dictionary<string, Tensor> Bindings, int Batch)
    {
        public override string ToString() => Geometry;
    }

    /// <summary>The case <paramref name="seed"/> describes; <paramref name="ties"/> draws x from {−1, 0, 1} (many ties), else x has distinct values 0.01 apart.</summary>
    private static Case Build(int seed, DType type, bool ties)
    {
        var rng = new Random(seed);
        int R(int lo, int hi) => rng.Next(lo, hi + 1);
        bool twoD = rng.Next(2) == 0;
        int c = R(1, 3), h = twoD ? R(1, 7) : 1, w = twoD ? R(1, 21) : R(1, 40), batch = R(1, 3);
        int kh = twoD ? R(1, 3) : 1, kw = R(1, 3);
        int sh = twoD ? R(1, 3) : 1, sw = R(1, 3);
        if (rng.Next(3) == 0) { kh = sh = twoD ? 2 : 1; kw = sw = 2; } // the common k = s = 2 (the tiled kernel)
        int ph = R(0, kh / 2), pw = R(0, kw / 2);
        int dh = twoD ? R(1, 2) : 1, dw = R(1, 2);
        kh = Math.Min(kh, h + 2 * ph); kw = Math.Min(kw, w + 2 * pw);
        if (dh * (kh - 1) + 1 > h + 2 * ph || !EveryWindowHasATap(h, kh, sh, ph, dh)) dh = 1;
        if (dw * (kw - 1) + 1 > w + 2 * pw || !EveryWindowHasATap(w, kw, sw, pw, dw)) dw = 1;
        string geometry = $"{(twoD ? "2-D" : "1-D")} [{batch},{c},{h},{w}] k{kh}x{kw} s{sh},{sw} p{ph},{pw} d{dh},{dw}, batch {batch}, {(ties ? "ties" : "distinct")}";

        var g = new Graph(type);
        var xShape = twoD ? Shape.Of(Shape.Batch, c, h, w) : Shape.Of(Shape.Batch, c, w);
        var x = g.Input("x", xShape);
        var x4 = twoD ? x : F.Reshape(x, Shape.Of(Shape.Batch, c, 1, w));
        var y4 = F.MaxPool(x4, kh, kw, sh, sw, ph, pw, dh, dw);
        var y = twoD ? y4 : F.Reshape(y4, Shape.Of(Shape.Batch, c, y4.Shape[3]));
        var u = g.Input("u", y.Shape);
        var loss = F.Sum(y * u);
        var gx = Autodiff.Grad(loss, new[] { x })[0];
        var v = g.Input("v", xShape);
        var loss2 = F.Sum(gx * v);
        var g2 = Autodiff.Grad(loss2, new[] { u })[0];
        var f = new Function(g, new[] { new Named("y", y), new Named("grad_x", gx), new Named("grad2_u", g2) });

        var xc = xShape.Concrete(batch);
        int size = xc.Aggregate(1, (a, b) => a * b);
        var perm = Enumerable.Range(0, size).OrderBy(_ => rng.Next()).ToArray();
        var xData = ties ? Enumerable.Range(0, size).Select(_ => (double)R(-1, 1)).ToArray() : perm.Select(p => p * 0.01 - size * 0.005).ToArray();
        var bind = new Dictionary<string, Tensor>
        {
            ["x"] = new Tensor(xc, xData),
            ["u"] = GradCheck.Random(y.Shape.Concrete(batch), rng),
            ["v"] = GradCheck.Random(xc, rng),
        };
        return new Case(geometry, f, loss, loss2, bind, batch);
    }

    // True when every window along an axis of `size` has a tap inside it (with a dilation, one may fall wholly in the padding).
    private static bool EveryWindowHasATap(int size, int k, int s, int p, int d)
    {
        int outs = (size + 2 * p - d * (k - 1) - 1) / s + 1;
        for (int o = 0; o < outs; o++)
            if (!Enumerable.Range(0, k).Any(i => o * s - p + i * d >= 0 && o * s - p + i * d < size)) return false;
        return true;
    }

    [Fact]
    public void Gradients_agree_with_central_differences()
    {
        Check.One(Ir.PropertyConfig.With(Ir.PropertyConfig.Cases / 6), Prop.ForAll(Seeds, seed =>
        {
            var c = Build(seed, DType.F64, ties: false);
            var r = Interpreter.Run(c.Function, c.Bindings, DType.F64, c.Batch);
            if (r["y"].Data.Any(t => !double.IsFinite(t))) throw new XunitException($"y is not finite, seed {seed}: {c}");
            var bind = c.Bindings.ToDictionary(kv => kv.Key, kv => new Tensor(kv.Value.Shape, (double[])kv.Value.Data.Clone()));
            foreach (var (loss, name, output) in new[] { (c.Loss, "x", "grad_x"), (c.Loss2, "u", "grad2_u") })
            {
                var analytic = r[output].Data;
                for (int i = 0; i < analytic.Length; i++)
                {
                    double fd = GradCheck.Central(loss, bind, c.Batch, name, i, 1e-6);
                    double err = GradCheck.Error(fd, analytic[i]);
                    if (!(err <= 1e-6)) throw new XunitException($"{output}[{i}]: {analytic[i]:R}, central difference {fd:R}, seed {seed}: {c}");
                }
            }
        }));
    }

    [Theory]
    [InlineData(DType.F64, false)]
    [InlineData(DType.F32, false)]
    [InlineData(DType.F64, true)]
    [InlineData(DType.F32, true)]
    public void The_expression_backend_agrees_with_the_interpreter(DType type, bool ties)
    {
        Check.One(Ir.PropertyConfig.With(Ir.PropertyConfig.Cases / 6), Prop.ForAll(Seeds, seed =>
        {
            var c = Build(seed, type, ties);
            var diff = ThreeWay.Check(c.Function, ThreeWay.Plan(c.Function, "Pool"), null, c.Bindings, c.Batch, type == DType.F64 ? 1e-12 : 1e-5);
            if (diff is not null) throw new XunitException($"seed {seed}: {diff}\n{c}");
        }));
    }

    [Fact]
    public void Roslyn_agrees_with_the_interpreter()
    {
        var cases = Enumerable.Range(0, 8).Select(s => Build(3000 + s, DType.F64, s % 2 == 0))
            .Concat(Enumerable.Range(0, 6).Select(s => Build(4000 + s, DType.F32, s % 2 == 0))).ToArray();
        var plans = cases.Select((c, i) => ThreeWay.Plan(c.Function, "Pool" + i)).ToArray();
        var types = ThreeWay.CompileAll(plans, out double ms);
        _out.WriteLine($"{cases.Length} max-pool cases (plain and optimized) compiled in {ms:F0} ms");
        for (int i = 0; i < cases.Length; i++)
        {
            var type = cases[i].Function.Outputs[0].Node.DType;
            var diff = ThreeWay.Check(cases[i].Function, plans[i], types(plans[i].Name), cases[i].Bindings, cases[i].Batch, type == DType.F64 ? 1e-12 : 1e-5);
            Assert.True(diff is null, $"{diff}\n{cases[i]}");
        }
    }

    /// <summary>
    /// The runtime kernels directly on LeNet's pooling shapes (k = s = 2, the tiled path with vector rows) and odd sizes
    /// whose last row and column no window covers: the forward's maxima and the backward's gradient against the
    /// interpreter, in float and double, with and without ties; the backward overwrites stale values in dx.
    /// </summary>
    [Theory]
    [InlineData(4, 6, 24, 24)]
    [InlineData(3, 16, 8, 8)]
    [InlineData(2, 3, 9, 37)]
    [InlineData(2, 2, 1, 35)]
    public void The_runtime_kernels_match_the_interpreter_on_lenet_shapes(int n, int c, int h, int w)
    {
        foreach (bool ties in new[] { false, true })
        {
            var rng = new Random(n * 1000 + c * 100 + h * 10 + w);
            int size = n * c * h * w, oh = h == 1 ? 1 : h / 2, ow = w / 2, kh = h == 1 ? 1 : 2;
            var x = Enumerable.Range(0, size).Select(_ => ties ? rng.Next(-1, 2) : rng.NextDouble() * 4 - 2).ToArray();
            var gy = Enumerable.Range(0, n * c * oh * ow).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var gr = new Graph(DType.F64);
            var xn = gr.Input("x", Shape.Of(n, c, h, w));
            var gn = gr.Input("g", Shape.Of(n, c, oh, ow));
            var f = new Function(gr, new[] { new Named("y", F.MaxPool(xn, kh, 2, kh, 2)), new Named("dx", F.MaxPoolGrad(xn, gn, kh, 2, kh, 2)) });
            var want = Interpreter.Run(f, new Dictionary<string, Tensor> { ["x"] = new(new[] { n, c, h, w }, x), ["g"] = new(new[] { n, c, oh, ow }, gy) });

            var yd = new double[n * c * oh * ow]; var dxd = Enumerable.Repeat(double.NaN, size).ToArray();
            Emitted.MaxPool(x, yd, n, c, h, w, kh, 2, kh, 2, 0, 0, 1, 1);
            Emitted.MaxPoolBackward(x, gy, dxd, n, c, h, w, kh, 2, kh, 2, 0, 0, 1, 1);
            Assert.Equal(want["y"].Data, yd);
            Assert.Equal(want["dx"].Data, dxd);

            var xf = x.Select(v => (float)v).ToArray(); var gf = gy.Select(v => (float)v).ToArray();
            var yf = new float[yd.Length]; var dxf = Enumerable.Repeat(float.NaN, size).ToArray();
            Emitted.MaxPool(xf, yf, n, c, h, w, kh, 2, kh, 2, 0, 0, 1, 1);
            Emitted.MaxPoolBackward(xf, gf, dxf, n, c, h, w, kh, 2, kh, 2, 0, 0, 1, 1);
            Assert.Equal(want["y"].Data.Select(v => (float)v), yf);
            for (int i = 0; i < size; i++)
                Assert.True(Math.Abs(dxf[i] - want["dx"].Data[i]) <= 1e-6, $"dx[{i}] = {dxf[i]}, want {want["dx"].Data[i]} (ties {ties})");
        }
    }

    [Fact]
    public void A_window_wholly_in_the_padding_is_minus_infinity_even_over_a_nonnegative_input()
    {
        // max_pool(relu(x)) is not known non-negative: with padding 1 and a 1×1 kernel the border windows hold no tap and
        // give −∞, so exp(log(·)) must stay NaN there; the optimizer must not rewrite it to the −∞ itself.
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(1, 1, 1, 2));
        var f = new Function(g, new[] { new Named("y", F.Exp(F.Log(F.MaxPool(F.Relu(x), 1, 1, 1, 1, 1, 1)))) });
        var bind = new Dictionary<string, Tensor> { ["x"] = new(new[] { 1, 1, 1, 2 }, new[] { 0.5, 2.0 }) };
        var plain = Interpreter.Run(f, bind)["y"].Data;
        var optimized = Interpreter.Run(Pipeline.Optimize(f).Function, bind)["y"].Data;
        Assert.True(double.IsNaN(plain[0]) && plain[5] == 0.5 && plain[6] == 2.0);
        Assert.Equal(plain.Select(double.IsNaN), optimized.Select(double.IsNaN));
    }

    [Fact]
    public void Shape_errors_name_the_op_and_the_shapes()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 2, 5, 5));
        var e = Assert.Throws<ShapeException>(() => F.MaxPoolGrad(x, g.Input("g", Shape.Of(Shape.Batch, 2, 3, 3)), 2, 2, 2, 2));
        Assert.Contains("max_pool_grad", e.Message);
        Assert.Contains("[B,2,2,2]", e.Message.Replace(" ", ""));
        e = Assert.Throws<ShapeException>(() => F.MaxPool(g.Input("z", Shape.Of(2, 5)), 2, 2, 2, 2));
        Assert.Contains("max_pool", e.Message);
        Assert.Contains("[N,C,H,W]", e.Message);
        e = Assert.Throws<ShapeException>(() => F.MaxPool(x, 9, 2, 1, 1));
        Assert.Contains("kernel 9", e.Message);
        var a = Assert.Throws<ArgumentException>(() => Emitted.MaxPool(new float[4], new float[1], 1, 1, 2, 2, 3, 3, 1, 1, 0, 0, 1, 1));
        Assert.Contains("Emitted.MaxPool", a.Message);
    }

    [Fact]
    public void The_runtime_kernels_refuse_an_output_that_is_an_input_and_a_pooled_size_past_int()
    {
        // 2×2 windows, stride 1, over [1, 1, 4, 4]: the output [1, 1, 3, 3] fits in x's own array, so only the check stops it.
        var x = new float[16];
        var a = Assert.Throws<ArgumentException>(() => Emitted.MaxPool(x, x, 1, 1, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1));
        Assert.Equal("y", a.ParamName);
        var dy = new float[9];
        a = Assert.Throws<ArgumentException>(() => Emitted.MaxPoolBackward(x, dy, x, 1, 1, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1));
        Assert.Equal("dx", a.ParamName);
        Assert.Contains("same array as x", a.Message);
        var big = new float[16];
        a = Assert.Throws<ArgumentException>(() => Emitted.MaxPoolBackward(x, big, big, 1, 1, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1));
        Assert.Contains("same array as dy", a.Message);
        // A 1×1 image padded by 30,000 on each side with 1×1 windows pools to 60,001² > 2³¹ outputs: an error naming the
        // size, not an overflowed length.
        a = Assert.Throws<ArgumentException>(() => Emitted.MaxPool(new float[1], new float[1], 1, 1, 1, 1, 1, 1, 1, 1, 30_000, 30_000, 1, 1));
        Assert.Contains("too large", a.Message);
    }
}
