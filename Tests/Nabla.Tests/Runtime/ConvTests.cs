using System;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Runtime;

public class ConvTests
{
    public sealed record Geo(int N, int C, int H, int W, int Kh, int Kw, int Sh, int Sw, int Ph, int Pw, int Seed);

    private static Gen<Geo> Geometries =>
        from n in Gen.Choose(0, 3)
        from c in Gen.Choose(1, 3)
        from h in Gen.Choose(1, 9)
        from w in Gen.Choose(1, 12)
        from kh in Gen.Choose(1, 4)
        from kw in Gen.Choose(1, 5)
        from sh in Gen.Choose(1, 3)
        from sw in Gen.Choose(1, 3)
        from ph in Gen.Choose(0, 2)
        from pw in Gen.Choose(0, 3)
        from seed in Gen.Choose(0, 1 << 30)
        where h + 2 * ph >= kh && w + 2 * pw >= kw
        select new Geo(n, c, h, w, kh, kw, sh, sw, ph, pw, seed);

    [Fact]
    public void Col2im_is_the_adjoint_of_im2col()
    {
        Prop.ForAll(Arb.From(Geometries), g =>
        {
            var rng = new Random(g.Seed);
            int oh = Conv.OutputSize(g.H, g.Kh, g.Sh, g.Ph), ow = Conv.OutputSize(g.W, g.Kw, g.Sw, g.Pw);
            int nx = g.N * g.C * g.H * g.W, nc = g.N * g.C * g.Kh * g.Kw * oh * ow;
            double[] x = new double[nx + 1], y = new double[nc + 2], col = new double[nc + 2], back = new double[nx + 1];
            for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() - 0.5;
            for (int i = 0; i < y.Length; i++) y[i] = rng.NextDouble() - 0.5;
            Conv.Im2Col(x, 1, g.N, g.C, g.H, g.W, g.Kh, g.Kw, g.Sh, g.Sw, g.Ph, g.Pw, col, 2);
            for (int i = 0; i < back.Length; i++) back[i] = 123; // overwritten when accumulate = false
            Conv.Col2Im(y, 2, g.N, g.C, g.H, g.W, g.Kh, g.Kw, g.Sh, g.Sw, g.Ph, g.Pw, back, 1, accumulate: false);
            double lhs = 0, rhs = 0;
            for (int i = 0; i < nc; i++) lhs += col[2 + i] * y[2 + i];
            for (int i = 0; i < nx; i++) rhs += x[1 + i] * back[1 + i];
            Assert.True(Math.Abs(lhs - rhs) <= 1e-12 * (1 + Math.Abs(lhs)), $"{g}: <im2col x, y> = {lhs}, <x, col2im y> = {rhs}");
            Assert.Equal(123, back[0]);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Im2col_matches_direct_indexing_and_col2im_accumulates()
    {
        // 1 image, 2 channels, 3×4 input, 2×3 kernel, stride (1, 2), padding (1, 1).
        int c = 2, h = 3, w = 4, kh = 2, kw = 3, sh = 1, sw = 2, ph = 1, pw = 1;
        int oh = (h + 2 * ph - kh) / sh + 1, ow = (w + 2 * pw - kw) / sw + 1;
        float[] x = new float[c * h * w];
        for (int i = 0; i < x.Length; i++) x[i] = i + 1;
        float[] col = new float[c * kh * kw * oh * ow];
        Conv.Im2Col(x, 0, 1, c, h, w, kh, kw, sh, sw, ph, pw, col, 0);
        for (int ch = 0; ch < c; ch++)
            for (int ki = 0; ki < kh; ki++)
                for (int kj = 0; kj < kw; kj++)
                    for (int oy = 0; oy < oh; oy++)
                        for (int ox = 0; ox < ow; ox++)
                        {
                            int iy = oy * sh - ph + ki, ix = ox * sw - pw + kj;
                            float want = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[(ch * h + iy) * w + ix] : 0;
                            Assert.Equal(want, col[((ch * kh + ki) * kw + kj) * oh * ow + oy * ow + ox]);
                        }
        float[] acc = new float[x.Length];
        Array.Fill(acc, 1f);
        float[] ones = new float[col.Length];
        Array.Fill(ones, 1f);
        Conv.Col2Im(ones, 0, 1, c, h, w, kh, kw, sh, sw, ph, pw, acc, 0, accumulate: true);
        // Each input position gains the number of windows that read it.
        float[] count = new float[x.Length];
        Conv.Col2Im(ones, 0, 1, c, h, w, kh, kw, sh, sw, ph, pw, count, 0, accumulate: false);
        for (int i = 0; i < x.Length; i++) Assert.Equal(count[i] + 1, acc[i]);
    }

    [Fact]
    public void Im2col_of_a_kernel_wider_than_the_tap_table_on_the_stack_matches_direct_indexing()
    {
        // A 1-D window of 1,100 taps: the per-tap bounds (kernel height + width entries) go to the heap instead of the
        // stack, which holds at most 1,024; the unfolding must not change.
        int w = 1300, kw = 1100, sw = 3, pw = 2, c = 2;
        int ow = Conv.OutputSize(w, kw, sw, pw);
        var x = new float[c * w];
        for (int i = 0; i < x.Length; i++) x[i] = i % 97 - 48;
        var col = new float[c * kw * ow];
        Conv.Im2Col(x, 0, 1, c, 1, w, 1, kw, 1, sw, 0, pw, col, 0);
        for (int ch = 0; ch < c; ch++)
            for (int kj = 0; kj < kw; kj++)
                for (int ox = 0; ox < ow; ox++)
                {
                    int ix = ox * sw - pw + kj;
                    float want = ix >= 0 && ix < w ? x[ch * w + ix] : 0;
                    Assert.Equal(want, col[(ch * kw + kj) * ow + ox]);
                }
    }

    [Fact]
    public void Validation_names_the_problem()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Conv.Im2Col(new float[4], 0, 1, 1, 2, 2, 5, 1, 1, 1, 0, 0, new float[10], 0));
        Assert.Contains("kernel height 5", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => Conv.Im2Col(new float[4], 0, 1, 1, 2, 2, 1, 1, 0, 1, 0, 0, new float[10], 0));
        Assert.Equal("strideH", e.ParamName);
        e = Assert.ThrowsAny<ArgumentException>(() => Conv.Im2Col(new float[4], 0, 1, 1, 2, 2, 1, 1, 1, 1, 0, 0, new float[3], 0));
        Assert.Equal("col", e.ParamName);
        Assert.Contains("needs 4", e.Message);
    }
}
