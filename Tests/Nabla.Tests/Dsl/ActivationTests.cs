using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Dsl;

public class ActivationTests
{
    private static double[] Apply(ActivationLayer a, params double[] xs) => Oracle.Map(a.Apply, xs);

    private static void Near(double[] want, double[] got, double tol = 1e-14)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++) Oracle.Close(want[i], got[i], tol);
    }

    [Fact]
    public void Values_match_the_textbook_definitions()
    {
        var xs = new[] { -3.0, -0.5, 0, 0.7, 2.5 };
        Near(new[] { 0, 0, 0, 0.7, 2.5 }, Apply(new ReLU(), xs));
        Near(new[] { -0.3, -0.05, 0, 0.7, 2.5 }, Apply(new LeakyReLU(0.1), xs));
        Near(xs.Select(x => x > 0 ? x : 0.01 * x).ToArray(), Apply(new LeakyReLU(), xs));
        Near(xs.Select(x => 1 / (1 + Math.Exp(-x))).ToArray(), Apply(new Sigmoid(), xs));
        Near(xs.Select(x => (Math.Exp(x) - Math.Exp(-x)) / (Math.Exp(x) + Math.Exp(-x))).ToArray(), Apply(new Tanh(), xs));
        Near(xs.Select(x => Math.Log(1 + Math.Exp(x))).ToArray(), Apply(new Softplus(), xs));
        Near(xs.Select(x => x > 0 ? x : 1.5 * (Math.Exp(x) - 1)).ToArray(), Apply(new ELU(1.5), xs));
        Near(xs.Select(x => x / (1 + Math.Exp(-x))).ToArray(), Apply(new SiLU(), xs));
        Near(xs.Select(x => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))).ToArray(), Apply(new GELU(), xs));
        Near(xs, Apply(new Identity(), xs));
        Assert.Equal(0.5, Apply(new Sigmoid(), 0)[0]);
        Assert.Equal(Math.Log(2), Apply(new Softplus(), 0)[0], 15);
    }

    [Fact]
    public void Large_inputs_stay_finite()
    {
        var xs = new[] { -1000.0, 1000.0 };
        Near(new[] { 0.0, 1000 }, Apply(new Softplus(), xs));
        Near(new[] { -1.0, 1000 }, Apply(new ELU(), xs));
        Near(new[] { 0.0, 1.0 }, Apply(new Sigmoid(), xs));
        Near(new[] { 0.0, 1000 }, Apply(new SiLU(), xs));
        Near(new[] { 0.0, 1000 }, Apply(new GELU(), xs));
    }

    [Fact]
    public void Gelu_tanh_approximation_is_within_5e_4_of_the_exact_gelu()
    {
        // Exact GELU x·Φ(x) with Φ from the Maclaurin series of erf (converges well for |x| ≤ 4).
        static double Erf(double z)
        {
            double sum = 0, term = z;
            for (int n = 0; n < 200; n++) { sum += term / (2 * n + 1); term *= -z * z / (n + 1); }
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        var xs = Enumerable.Range(-400, 801).Select(i => i / 100.0).ToArray();
        var approx = Apply(new GELU(), xs);
        for (int i = 0; i < xs.Length; i++)
            Assert.True(Math.Abs(approx[i] - 0.5 * xs[i] * (1 + Erf(xs[i] / Math.Sqrt(2)))) < 5e-4, $"x = {xs[i]}");
    }

    [Fact]
    public void From_name_knows_every_activation_and_lists_them_for_an_unknown_name()
    {
        Assert.IsType<ReLU>(Act.FromName("relu"));
        Assert.IsType<ReLU>(Act.FromName(" ReLU "));
        Assert.IsType<LeakyReLU>(Act.FromName("leaky_relu"));
        Assert.IsType<LeakyReLU>(Act.FromName("Leaky-ReLU"));
        Assert.IsType<SiLU>(Act.FromName("swish"));
        Assert.IsType<Identity>(Act.FromName("linear"));
        foreach (var n in Act.Names) Assert.NotNull(Act.FromName(n));
        var e = Assert.Throws<ArgumentException>(() => Act.FromName("relu6"));
        Assert.Contains("\"relu6\"", e.Message);
        Assert.Contains("identity, linear, relu, leaky_relu, sigmoid, tanh, softplus, elu, gelu, silu, swish", e.Message);
        Assert.Throws<ArgumentException>(() => Networks.Mlp(2, new[] { 3 }, 1, "sigmoidal"));
    }

    private static readonly string[] Smooth = { "sigmoid", "tanh", "softplus", "gelu", "silu", "identity" };
    private static readonly string[] Kinked = { "relu", "leaky_relu", "elu" };

    [Fact]
    public void Gradients_of_every_activation_agree_with_central_differences()
    {
        var gen = from idx in Gen.Choose(0, Smooth.Length + Kinked.Length + 1)
                  from rows in Gen.Choose(1, 3)
                  from cols in Gen.Choose(1, 4)
                  from seed in Gen.Choose(0, 1_000_000)
                  select (idx, rows, cols, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(120), Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var all = Smooth.Concat(Kinked).ToArray();
            ActivationLayer act = c.idx < all.Length ? Act.FromName(all[c.idx]) : c.idx == all.Length ? new LeakyReLU(-0.7) : new ELU(2.5);
            var rng = new Rng((ulong)c.seed);
            var x = Oracle.AwayFrom(rng, -4, 4, 1e-3, new[] { 0.0 }, c.rows, c.cols);
            double err = Oracle.GradError(a => act.Apply(a[0]), new[] { Shape.Of(c.rows, c.cols) }, new[] { x }, new[] { 0 }, seed: c.seed);
            Assert.True(err < 1e-6, $"{act.Description}: relative gradient error {err:E2}");
        }));
    }

    [Fact]
    public void Relu_family_derivatives_are_the_textbook_ones()
    {
        // d/dx relu = step; d/dx leaky = 1 or α; d/dx elu = 1 or α·eˣ; d/dx sigmoid = σ(1−σ).
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(4));
        var bind = new System.Collections.Generic.Dictionary<string, Tensor> { ["x"] = Tensor.Of(new[] { -2.0, -0.5, 0.5, 2 }, 4) };
        double[] D(Func<Node, Node> f) => Interpreter.Evaluate(Autodiff.Grad(F.Sum(f(x)), new[] { x }), bind).Last().Value.Data;
        Assert.Equal(new[] { 0.0, 0, 1, 1 }, D(Act.Relu));
        Assert.Equal(new[] { 0.2, 0.2, 1, 1 }, D(v => Act.LeakyRelu(v, 0.2)));
        Near(new[] { 3 * Math.Exp(-2), 3 * Math.Exp(-0.5), 1, 1 }, D(v => Act.Elu(v, 3)));
        Near(new[] { -2.0, -0.5, 0.5, 2 }.Select(v => { var s = 1 / (1 + Math.Exp(-v)); return s * (1 - s); }).ToArray(), D(Act.Sigmoid));
    }
}
