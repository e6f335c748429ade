using System;
using System.Linq;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Xunit;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Tests.Dsl;

public class LinearRegionTests
{
    [Fact]
    public void Upper_bounds_reproduce_the_lecture()
    {
        Assert.Equal(new BigInteger(161_051), LinearRegions.UpperBound(1, 10, 10, 10, 10, 10)); // (10+1)^5
        var deep = LinearRegions.UpperBound(10, 50, 50, 50, 50, 50);
        Assert.True(deep > BigInteger.Pow(10, 40));
        // With 50 units per layer and 10 inputs the running-minimum constraint never binds, so the bound is (Σ_{j≤10} C(50,j))^5.
        BigInteger C(int n, int k) { BigInteger r = 1; for (int i = 1; i <= k; i++) r = r * (n - k + i) / i; return r; }
        var perLayer = Enumerable.Range(0, 11).Aggregate(BigInteger.Zero, (s, j) => s + C(50, j));
        Assert.Equal(BigInteger.Pow(perLayer, 5), deep);
        Assert.InRange(LinearRegions.UpperBoundLog10(10, 50, 50, 50, 50, 50), 50.6, 50.7);
    }

    [Fact]
    public void Upper_bounds_in_small_cases_counted_by_hand()
    {
        Assert.Equal(new BigInteger(4), LinearRegions.UpperBound(1, 3));    // 3 kinks on a line: 4 pieces
        Assert.Equal(new BigInteger(7), LinearRegions.UpperBound(2, 3));    // 3 lines in general position cut the plane into 7
        Assert.Equal(new BigInteger(16), LinearRegions.UpperBound(1, 3, 3)); // 4·4
        // A bottleneck of width 1 after a 2-D input: the one unit splits the plane in 2; where it is off the output is
        // constant (1 region), where it is on the 1-D image is cut by 5 units into at most 6: 7 in total.
        Assert.Equal(new BigInteger(7), LinearRegions.UpperBound(2, 1, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearRegions.UpperBound(1, 3, 0));
    }

    // The shallow nets below are 1-3-1: Dense(1,3) (θ), ReLU, Dense(3,1) (φ).
    private static Sequential OneThreeOne(float[] slope, float[] offset, float[] phi, float phi0) =>
        new(Dense.FromValues(1, 3, slope, offset), new ReLU(), Dense.FromValues(3, 1, phi, new[] { phi0 }));

    // f(x) = 3·relu(x) − 6·relu(x − 1/3) + 6·relu(x − 2/3): kinks at 0, 1/3, 2/3; on [0,1] a zigzag 0 → 1 → 0 → 1.
    private static Sequential Zigzag() => OneThreeOne(new float[] { 1, 1, 1 }, new[] { 0f, -1 / 3f, -2 / 3f }, new float[] { 3, -6, 6 }, 0);

    [Fact]
    public void Shallow_net_with_three_kinks_in_range_has_four_pieces()
    {
        var m = Model.Build(Zigzag(), 1);
        var p = LinearRegions.Pieces(m, -1, 1);
        Assert.Equal(4, p.Count); // flat for x < 0, then slopes 3, −3, 3
        Assert.Equal(new[] { 0, 1 / 3.0, 2 / 3.0 }, p.Breakpoints.ToArray(), new ToleranceComparer(1e-7));
        Assert.Equal(new[] { 0.0, 3, -3, 3 }, p.Pieces.Select(q => q.Slope[0]).ToArray(), new ToleranceComparer(1e-5));
        Assert.Equal(3, LinearRegions.CountPieces(m, 0, 1));
        // A zero outgoing weight hides the kink at 1/3: f(x) = 3·relu(x) + 6·relu(x − 2/3) → 3 pieces.
        Assert.Equal(3, LinearRegions.CountPieces(Model.Build(OneThreeOne(new float[] { 1, 1, 1 }, new[] { 0f, -1 / 3f, -2 / 3f }, new float[] { 3, 0, 6 }, 0), 1), -1, 1));
    }

    [Fact]
    public void A_custom_op_is_analysed_by_its_forward()
    {
        // The zigzag with its ReLU written as a custom op (with a rule of its own, which the analysis does not need).
        var relu = Op.Define("my_relu", x => F.Maximum(x, x.Graph.Const(0, x.DType)), vjp: (y, g) => new[] { g * F.Step(y.A) });
        var net = new Sequential(Dense.FromValues(1, 3, new float[] { 1, 1, 1 }, new[] { 0f, -1 / 3f, -2 / 3f }), Module.Lambda("MyReLU", relu.Call),
            Dense.FromValues(3, 1, new float[] { 3, -6, 6 }, new[] { 0f }));
        var p = LinearRegions.Pieces(Model.Build(net, 1), -1, 1);
        Assert.Equal(4, p.Count);
        Assert.Equal(new[] { 0.0, 3, -3, 3 }, p.Pieces.Select(q => q.Slope[0]).ToArray(), new ToleranceComparer(1e-5));
    }

    [Fact]
    public void Composing_two_shallow_nets_multiplies_the_pieces()
    {
        // g(y) = relu(1/4 − y) + relu(y − 1/2) + relu(y − 3/4): on [0,1] slopes −1, 0, 1, 2 (4 pieces, kinks 1/4, 1/2, 3/4).
        var g = OneThreeOne(new float[] { -1, 1, 1 }, new[] { 0.25f, -0.5f, -0.75f }, new float[] { 1, 1, 1 }, 0);
        Assert.Equal(4, LinearRegions.CountPieces(Model.Build(g, 1), 0, 1));
        // g∘f on [0,1]: each of f's 3 pieces sweeps y over all of [0,1], crossing g's 3 kinks → 4 sub-pieces each = 12.
        // At f's turning points the slopes of g∘f are ±3·(−1) (y = 0) and ±3·2 (y = 1): all adjacent pieces differ.
        Assert.Equal(12, LinearRegions.CountPieces(Model.Build(g.Compose(Zigzag()), 1), 0, 1));
        // g'(y) = relu(y − 1/4) − 2·relu(y − 1/2) + 2·relu(y − 3/4) is flat on [0, 1/4]: around x = 2/3, where f touches 0,
        // both neighbouring sub-pieces are flat and merge, leaving 11.
        var gFlat = OneThreeOne(new float[] { 1, 1, 1 }, new[] { -0.25f, -0.5f, -0.75f }, new float[] { 1, -2, 2 }, 0);
        Assert.Equal(11, LinearRegions.CountPieces(Model.Build(gFlat.Compose(Zigzag()), 1), 0, 1));
    }

    [Fact]
    public void Pieces_reproduce_the_network_and_respect_the_bound()
    {
        var gen = from widths in Gen.Choose(1, 5).ArrayOf(3)
                  from seed in Gen.Choose(0, 100_000)
                  from leaky in Gen.Elements(false, true)
                  select (widths, seed, leaky);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var net = Networks.Mlp(1, c.widths, 2, c.leaky ? "leaky_relu" : "relu");
            var m = Model.Build(net, 1, seed: c.seed, init: InitScheme.PyTorch);
            var p = LinearRegions.Pieces(m, -3, 3);
            Assert.True(p.Count <= (long)LinearRegions.UpperBound(1, c.widths));
            Assert.Equal(-3, p.Pieces[0].Start); Assert.Equal(3, p.Pieces[^1].End);
            for (int i = 1; i < p.Count; i++) Assert.Equal(p.Pieces[i - 1].End, p.Pieces[i].Start);
            var rng = new Rng((ulong)c.seed);
            var xs = Enumerable.Range(0, 25).Select(_ => rng.Uniform(-3, 3)).ToArray();
            var y = ModelRunner.Forward(m, Tensor.Of(xs, xs.Length, 1));
            for (int k = 0; k < xs.Length; k++)
            {
                var piece = p.Pieces.First(q => xs[k] <= q.End);
                for (int o = 0; o < 2; o++)
                    Assert.True(Math.Abs(piece.Intercept[o] + xs[k] * piece.Slope[o] - y[k, o]) < 1e-9 * (1 + Math.Abs(y[k, o])), $"x = {xs[k]}");
            }
        }));
    }

    [Fact]
    public void Pieces_handle_residual_nets_and_reject_smooth_ops()
    {
        // y = x + relu(x − 1): pieces (−2, 1) slope 1 and (1, 2) slope 2.
        var res = new Sequential(new Residual(new Sequential(Dense.FromValues(1, 1, new float[] { 1 }, new float[] { -1 }), new ReLU())));
        var p = LinearRegions.Pieces(Model.Build(res, 1), -2, 2);
        Assert.Equal(new[] { 1.0, 2 }, p.Pieces.Select(q => q.Slope[0]));
        var e = Assert.Throws<ArgumentException>(() => LinearRegions.CountPieces(Model.Build(Networks.Mlp(1, new[] { 2 }, 1, "tanh"), 1), 0, 1));
        Assert.Contains("tanh", e.Message);
        Assert.Throws<ArgumentException>(() => LinearRegions.CountPieces(Model.Build(Networks.Mlp(2, new[] { 2 }, 1), 2), 0, 1));
        Assert.Throws<ArgumentException>(() => LinearRegions.CountPieces(Model.Build(Networks.Mlp(1, new[] { 2 }, 1), 1), 1, 1));
    }

    private sealed class ToleranceComparer : System.Collections.Generic.IEqualityComparer<double>
    {
        private readonly double _tol;
        public ToleranceComparer(double tol) { _tol = tol; }
        public bool Equals(double a, double b) => Math.Abs(a - b) <= _tol;
        public int GetHashCode(double v) => 0;
    }
}
