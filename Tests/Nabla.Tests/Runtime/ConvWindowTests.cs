using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Runtime;
using Nabla.Tests.Ir;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>
/// The convolutions without stored window columns (<see cref="Conv.WindowProduct(int, int, float, float[], int, int, float[], int, int, int, int, int, int, int, int, float[], int, Activation, float[], int)"/>
/// and <see cref="Conv.WindowProductSum(int, int, float, float[], int, int, float[], int, int, int, int, int, int, int, int, float, float[], int, int)"/>)
/// against im2col followed by the batched GEMMs on random geometry (channels, image size, kernel, padding, odd widths
/// that leave partial vectors, offsets, alpha and beta), in float and double; bitwise the same on one and two threads.
/// </summary>
[Collection("Runtime.MaxThreads")]
public class ConvWindowTests
{
    private static readonly Arbitrary<int[]> Recipes = Arb.From(Gen.Choose(0, 9999).ArrayOf(16));

    private sealed record Case(int Batch, int M, int C, int H, int W, int Kh, int Kw, int Ph, int Pw, bool Bias, bool Relu, float Alpha, float Beta)
    {
        public int Oh => H + 2 * Ph - Kh + 1;
        public int Ow => W + 2 * Pw - Kw + 1;
        public int Taps => C * Kh * Kw;
        public int Plane => Oh * Ow;
        public override string ToString() =>
            $"batch {Batch}, {C}->{M} channels, {H}x{W} image, kernel {Kh}x{Kw}, pad {Ph},{Pw}{(Bias ? ", bias" : "")}{(Relu ? ", relu" : "")}, alpha {Alpha}, beta {Beta}";
    }

    private static Case Draw(int[] r)
    {
        var c = new Choices(r);
        int kh = 1 + c.Next(5), kw = 1 + c.Next(5), ph = c.Next(3), pw = c.Next(3);
        // Widths past one and two vectors, so full 512-bit segments, 256-bit tails and partial vectors all occur.
        int h = Math.Max(1, kh - 2 * ph) + c.Next(9), w = Math.Max(1, kw - 2 * pw) + c.Next(40);
        float alpha = c.OneIn(3) ? 1f : (float)(0.25 + c.Next(8) * 0.25);
        return new Case(1 + c.Next(5), 1 + c.Next(14), 1 + c.Next(4), h, w, kh, kw, ph, pw, !c.OneIn(3), c.OneIn(2), alpha, c.OneIn(2) ? 0f : 1f);
    }

    private static float[] Random(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    /// <summary>The columns im2col stores for the case's images (x at offset 3).</summary>
    private static float[] Columns(Case k, float[] x)
    {
        var cols = new float[k.Batch * k.Taps * k.Plane];
        Conv.Im2Col(x, 3, k.Batch, k.C, k.H, k.W, k.Kh, k.Kw, 1, 1, k.Ph, k.Pw, cols, 0);
        return cols;
    }

    /// <summary>|expected − actual| within a few roundings of the sum of the products' magnitudes.</summary>
    private static bool Close(float expected, float actual, float scale) => Math.Abs(expected - actual) <= 1e-5f * (1 + scale);

    [Fact]
    public void The_forward_product_matches_im2col_then_the_batched_gemm_on_random_geometry()
    {
        Check.One(PropertyConfig.With(150), Prop.ForAll(Recipes, recipe =>
        {
            var k = Draw(recipe);
            var rng = new Random(recipe.Sum());
            float[] a = Random(rng, 2 + k.M * (k.Taps + 1)), x = Random(rng, 3 + k.Batch * k.C * k.H * k.W), bias = Random(rng, 1 + k.M);
            var cols = Columns(k, x);
            float[] expected = new float[k.Batch * k.M * k.Plane], actual = new float[1 + expected.Length];
            Gemm.SgemmBatchedWithEpilogue(k.Batch, k.M, k.Plane, k.Taps, k.Alpha, a, 2, k.Taps + 1, 0, false, cols, 0, k.Plane, k.Taps * k.Plane, false,
                0f, expected, 0, k.Plane, k.M * k.Plane, k.Bias ? bias : null, 1, k.Bias ? BiasMode.PerRow : BiasMode.None,
                k.Relu ? Activation.Relu : Activation.None, null, 0, 0);
            Conv.WindowProduct(k.Batch, k.M, k.Alpha, a, 2, k.Taps + 1, x, 3, k.C, k.H, k.W, k.Kh, k.Kw, k.Ph, k.Pw,
                k.Bias ? bias : null, 1, k.Relu ? Activation.Relu : Activation.None, actual, 1);
            float scale = k.Taps * k.Alpha;
            for (int i = 0; i < expected.Length; i++)
                if (!Close(expected[i], actual[1 + i], scale)) return false.Label($"{k}: element {i} is {actual[1 + i]}, im2col + gemm gives {expected[i]}");
            return (actual[0] == 0f).Label($"{k}: wrote before its offset");
        }));
    }

    [Fact]
    public void The_weight_gradient_matches_im2col_then_the_batched_sum_on_random_geometry()
    {
        Check.One(PropertyConfig.With(150), Prop.ForAll(Recipes, recipe =>
        {
            var k = Draw(recipe);
            var rng = new Random(recipe.Sum());
            int strideD = k.M * k.Plane + 3, ldg = k.Taps + 2;
            float[] d = Random(rng, 1 + k.Batch * strideD), x = Random(rng, 3 + k.Batch * k.C * k.H * k.W), g0 = Random(rng, 4 + k.M * ldg);
            var cols = Columns(k, x);
            float[] expected = (float[])g0.Clone(), actual = (float[])g0.Clone();
            Gemm.SgemmBatchedSum(k.Batch, k.M, k.Taps, k.Plane, k.Alpha, d, 1, k.Plane, strideD, false, cols, 0, k.Plane, k.Taps * k.Plane, true,
                k.Beta, expected, 4, ldg);
            Conv.WindowProductSum(k.Batch, k.M, k.Alpha, d, 1, strideD, x, 3, k.C, k.H, k.W, k.Kh, k.Kw, k.Ph, k.Pw, k.Beta, actual, 4, ldg);
            float scale = k.Batch * k.Plane * k.Alpha;
            for (int i = 0; i < expected.Length; i++)
            {
                bool inside = i >= 4 && (i - 4) % ldg < k.Taps && (i - 4) / ldg < k.M;
                if (!inside && actual[i] != g0[i]) return false.Label($"{k}: wrote element {i} outside g");
                if (inside && !Close(expected[i], actual[i], scale)) return false.Label($"{k}: element {i} is {actual[i]}, im2col + batched sum gives {expected[i]}");
            }
            return true.ToProperty();
        }));
    }

    [Theory]
    [InlineData(16, 6, 12, 12, 5, 0, 0f)]  // LeNet's second layer
    [InlineData(32, 3, 9, 17, 3, 2, 1f)]
    [InlineData(16, 1, 6, 23, 1, 1, 1f)]
    [InlineData(48, 2, 7, 8, 5, 0, 0f)]
    public void The_weight_gradient_by_vectors_of_output_channels_matches_im2col_then_the_batched_sum(int m, int c, int h, int w, int kh, int pad, float beta)
    {
        // Kernels 5 wide with whole vectors of output channels take the outer-product path (one 512-bit vector holds 16
        // channels' gradients for a tap), which the random geometry above never draws.
        var k = new Case(7, m, c, h, w, kh, 5, pad, pad, false, false, 0.75f, beta);
        var rng = new Random(m + c);
        int strideD = k.M * k.Plane + 5;
        float[] d = Random(rng, k.Batch * strideD), x = Random(rng, 3 + k.Batch * k.C * k.H * k.W), g0 = Random(rng, k.M * k.Taps);
        var cols = Columns(k, x);
        float[] expected = (float[])g0.Clone(), actual = (float[])g0.Clone();
        Gemm.SgemmBatchedSum(k.Batch, k.M, k.Taps, k.Plane, k.Alpha, d, 0, k.Plane, strideD, false, cols, 0, k.Plane, k.Taps * k.Plane, true, k.Beta, expected, 0, k.Taps);
        Conv.WindowProductSum(k.Batch, k.M, k.Alpha, d, 0, strideD, x, 3, k.C, k.H, k.W, k.Kh, k.Kw, k.Ph, k.Pw, k.Beta, actual, 0, k.Taps);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Close(expected[i], actual[i], k.Batch * k.Plane), $"{k}: element {i} is {actual[i]}, im2col + batched sum gives {expected[i]}");
        // And in double (vectors of 8 channels).
        double[] dd = d.Select(v => (double)v).ToArray(), xd = x.Select(v => (double)v).ToArray(), colsd = cols.Select(v => (double)v).ToArray();
        double[] ed = g0.Select(v => (double)v).ToArray(), ad = (double[])ed.Clone();
        Gemm.DgemmBatchedSum(k.Batch, k.M, k.Taps, k.Plane, k.Alpha, dd, 0, k.Plane, strideD, false, colsd, 0, k.Plane, k.Taps * k.Plane, true, k.Beta, ed, 0, k.Taps);
        Conv.WindowProductSum(k.Batch, k.M, (double)k.Alpha, dd, 0, strideD, xd, 3, k.C, k.H, k.W, k.Kh, k.Kw, k.Ph, k.Pw, k.Beta, ad, 0, k.Taps);
        for (int i = 0; i < ed.Length; i++)
            Assert.True(Math.Abs(ed[i] - ad[i]) <= 1e-12 * (1 + k.Batch * k.Plane), $"{k} (double): element {i} is {ad[i]}, im2col + batched sum gives {ed[i]}");
    }

    [Theory]
    [InlineData(1, 6, 28, 28)]   // LeNet's first layer: 24-wide rows (16 + 8 lanes)
    [InlineData(6, 16, 12, 12)]  // its second: 8-wide rows
    public void LeNet_shapes_give_the_stored_columns_forward_bits(int c, int m, int h, int w)
    {
        // Same products, summed over the taps in the same order, with the GEMM epilogue's arithmetic: the same bits.
        var k = new Case(64, m, c, h, w, 5, 5, 0, 0, true, true, 1f, 0f);
        var rng = new Random(c);
        float[] a = Random(rng, k.M * k.Taps), x = Random(rng, 3 + k.Batch * k.C * k.H * k.W), bias = Random(rng, k.M);
        var cols = Columns(k, x);
        float[] expected = new float[k.Batch * k.M * k.Plane], actual = new float[expected.Length];
        Gemm.SgemmBatchedWithEpilogue(k.Batch, k.M, k.Plane, k.Taps, 1f, a, 0, k.Taps, 0, false, cols, 0, k.Plane, k.Taps * k.Plane, false,
            0f, expected, 0, k.Plane, k.M * k.Plane, bias, 0, BiasMode.PerRow, Activation.Relu, null, 0, 0);
        Conv.WindowProduct(k.Batch, k.M, 1f, a, 0, k.Taps, x, 3, k.C, k.H, k.W, 5, 5, 0, 0, bias, 0, Activation.Relu, actual, 0);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(1, 6, 28, 28, 0)]
    [InlineData(6, 16, 12, 12, 0)]
    [InlineData(3, 10, 13, 11, 2)]
    public void Results_are_bitwise_the_same_on_one_and_two_threads(int c, int m, int h, int w, int pad)
    {
        var k = new Case(37, m, c, h, w, 5, 5, pad, pad, true, true, 0.5f, 1f);
        var rng = new Random(m);
        float[] a = Random(rng, k.M * k.Taps), x = Random(rng, 3 + k.Batch * k.C * k.H * k.W), bias = Random(rng, k.M);
        float[] d = Random(rng, k.Batch * k.M * k.Plane), g0 = Random(rng, k.M * k.Taps);
        (float[] Y, float[] G) Run(int threads)
        {
            using (ThreadCount.Set(threads))
            {
                var y = new float[k.Batch * k.M * k.Plane];
                var g = (float[])g0.Clone();
                Conv.WindowProduct(k.Batch, k.M, k.Alpha, a, 0, k.Taps, x, 3, k.C, k.H, k.W, 5, 5, pad, pad, bias, 0, Activation.Relu, y, 0);
                Conv.WindowProductSum(k.Batch, k.M, k.Alpha, d, 0, k.M * k.Plane, x, 3, k.C, k.H, k.W, 5, 5, pad, pad, k.Beta, g, 0, k.Taps);
                return (y, g);
            }
        }
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.G, two.G);
        Assert.Equal(one.G, Run(2).G); // again, with the pool warm
    }

    [Fact]
    public void Double_precision_matches_im2col_then_the_gemms()
    {
        const int batch = 5, m = 7, c = 3, h = 9, w = 21, kh = 3, kw = 4, ph = 1, pw = 2;
        int oh = h + 2 * ph - kh + 1, ow = w + 2 * pw - kw + 1, taps = c * kh * kw, plane = oh * ow;
        var rng = new Random(3);
        double[] R(int n) => Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        double[] a = R(m * taps), x = R(batch * c * h * w), bias = R(m), d = R(batch * m * plane), cols = new double[batch * taps * plane];
        Conv.Im2Col(x, 0, batch, c, h, w, kh, kw, 1, 1, ph, pw, cols, 0);
        double[] y1 = new double[batch * m * plane], y2 = new double[y1.Length], g1 = new double[m * taps], g2 = new double[m * taps];
        Gemm.DgemmBatchedWithEpilogue(batch, m, plane, taps, 1.5, a, 0, taps, 0, false, cols, 0, plane, taps * plane, false, 0, y1, 0, plane, m * plane,
            bias, 0, BiasMode.PerRow, Activation.None, null, 0, 0);
        Conv.WindowProduct(batch, m, 1.5, a, 0, taps, x, 0, c, h, w, kh, kw, ph, pw, bias, 0, Activation.None, y2, 0);
        Gemm.DgemmBatchedSum(batch, m, taps, plane, 0.5, d, 0, plane, m * plane, false, cols, 0, plane, taps * plane, true, 0, g1, 0, taps);
        Conv.WindowProductSum(batch, m, 0.5, d, 0, m * plane, x, 0, c, h, w, kh, kw, ph, pw, 0, g2, 0, taps);
        for (int i = 0; i < y1.Length; i++) Assert.True(Math.Abs(y1[i] - y2[i]) <= 1e-12 * (1 + taps), $"y[{i}]: {y2[i]} against {y1[i]}");
        for (int i = 0; i < g1.Length; i++) Assert.True(Math.Abs(g1[i] - g2[i]) <= 1e-12 * (1 + batch * plane), $"g[{i}]: {g2[i]} against {g1[i]}");
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var small = new float[10];
        var e = Assert.Throws<ArgumentException>(() =>
            Conv.WindowProduct(2, 3, 1f, new float[75], 0, 25, small, 0, 1, 8, 8, 5, 5, 0, 0, null, 0, Activation.None, new float[2 * 3 * 16], 0));
        Assert.Contains("Conv.WindowProduct", e.Message);
        Assert.Equal("x", e.ParamName);
        e = Assert.Throws<ArgumentException>(() =>
            Conv.WindowProductSum(1, 3, 1f, new float[3 * 16], 0, 48, new float[64], 0, 1, 8, 8, 9, 9, 0, 0, 0f, new float[75], 0, 25));
        Assert.Contains("kernel height 9", e.Message);
    }
}
