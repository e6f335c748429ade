using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Runtime;

public class RowsTests
{
    private static Gen<(int Rows, int Cols, int Seed, double Scale)> Shapes =>
        from rows in Gen.Choose(0, 9)
        from cols in Gen.Choose(1, 70)
        from seed in Gen.Choose(0, 1 << 30)
        from scale in Gen.Elements(1.0, 10.0, 1000.0)
        select (rows, cols, seed, scale);

    private static double[] RandD(Random rng, int n, double scale) => Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2 - 1) * scale).ToArray();
    private static float[] ToF(double[] x) => x.Select(v => (float)v).ToArray();

    private static (double[] Sm, double[] Lse) Reference(float[] x, int rows, int cols)
    {
        var sm = new double[rows * cols];
        var lse = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < cols; j++) max = Math.Max(max, x[r * cols + j]);
            double s = 0;
            for (int j = 0; j < cols; j++) s += Math.Exp(x[r * cols + j] - max);
            lse[r] = max + Math.Log(s);
            for (int j = 0; j < cols; j++) sm[r * cols + j] = Math.Exp(x[r * cols + j] - lse[r]);
        }
        return (sm, lse);
    }

    private static void Close(double want, double got, double tol, string what)
        => Assert.True(Math.Abs(want - got) <= tol * (1 + Math.Abs(want)), $"{what}: got {got}, want {want}");

    [Fact]
    public void Softmax_logsoftmax_and_logsumexp_match_reference_and_stay_finite()
    {
        Prop.ForAll(Arb.From(Shapes), s =>
        {
            var rng = new Random(s.Seed);
            int n = s.Rows * s.Cols;
            float[] x = ToF(RandD(rng, n + 3, s.Scale)), y = new float[n + 2], ls = new float[n + 1], lse = new float[s.Rows + 1];
            Rows.Softmax(x, 3, y, 2, s.Rows, s.Cols);
            Rows.LogSoftmax(x, 3, ls, 1, s.Rows, s.Cols);
            Rows.LogSumExp(x, 3, lse, 1, s.Rows, s.Cols);
            var (sm, rl) = Reference(x.Skip(3).ToArray(), s.Rows, s.Cols);
            for (int i = 0; i < n; i++)
            {
                Assert.True(float.IsFinite(y[2 + i]) && float.IsFinite(ls[1 + i]));
                Close(sm[i], y[2 + i], 1e-5, "softmax");
                Close(x[3 + i] - rl[i / s.Cols], ls[1 + i], 1e-6, "logsoftmax");
            }
            for (int r = 0; r < s.Rows; r++) Close(rl[r], lse[1 + r], 1e-6, "logsumexp");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void Cross_entropy_matches_reference_dense_and_indexed()
    {
        Prop.ForAll(Arb.From(Shapes), s =>
        {
            var rng = new Random(s.Seed);
            int rows = s.Rows, cols = s.Cols, n = rows * cols;
            float[] x = ToF(RandD(rng, n, s.Scale));
            int[] labels = Enumerable.Range(0, rows).Select(_ => rng.Next(cols)).ToArray();
            float[] t = new float[n];
            for (int r = 0; r < rows; r++) t[r * cols + labels[r]] = 1;
            float[] lossD = new float[rows], gradD = new float[n], lossI = new float[rows], gradI = new float[n];
            Rows.SoftmaxCrossEntropy(x, 0, t, 0, rows, cols, lossD, 0, gradD, 0, 0.5f);
            Rows.SoftmaxCrossEntropyIndexed(x, 0, labels, 0, rows, cols, lossI, 0, gradI, 0, 0.5f);
            var (sm, lse) = Reference(x, rows, cols);
            for (int r = 0; r < rows; r++)
            {
                double want = lse[r] - x[r * cols + labels[r]];
                Close(want, lossD[r], 1e-5, "dense loss");
                Close(want, lossI[r], 1e-5, "indexed loss");
                for (int j = 0; j < cols; j++)
                {
                    double g = 0.5 * (sm[r * cols + j] - (j == labels[r] ? 1 : 0));
                    Close(g, gradD[r * cols + j], 1e-5, "dense grad");
                    Close(g, gradI[r * cols + j], 1e-5, "indexed grad");
                }
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void Cross_entropy_with_soft_targets_and_gradient_in_place()
    {
        var rng = new Random(4);
        int rows = 5, cols = 13;
        double[] xd = RandD(rng, rows * cols, 30);
        float[] x = ToF(xd), t = ToF(RandD(rng, rows * cols, 1).Select(Math.Abs).ToArray());
        float[] loss = new float[rows], lossNoGrad = new float[rows];
        Rows.SoftmaxCrossEntropy(x, 0, t, 0, rows, cols, lossNoGrad, 0, null, 0, 1f);
        var (sm, lse) = Reference(x, rows, cols);
        float[] g = (float[])x.Clone();
        Rows.SoftmaxCrossEntropy(g, 0, t, 0, rows, cols, loss, 0, g, 0, 2f); // gradient overwrites the logits
        for (int r = 0; r < rows; r++)
        {
            double tsum = 0, tdot = 0;
            for (int j = 0; j < cols; j++) { tsum += t[r * cols + j]; tdot += t[r * cols + j] * x[r * cols + j]; }
            Close(lse[r] * tsum - tdot, loss[r], 1e-5, "loss");
            Assert.Equal(loss[r], lossNoGrad[r]);
            for (int j = 0; j < cols; j++)
                Close(2 * (sm[r * cols + j] * tsum - t[r * cols + j]), g[r * cols + j], 1e-5, "grad");
        }
    }

    [Fact]
    public void Large_logits_stay_finite()
    {
        float[] x = { 1000f, -1000f, 999f, 0f, -1000f, -1000f, 1000f, 1000f };
        float[] y = new float[8], ls = new float[8], lse = new float[2], loss = new float[2], g = new float[8];
        Rows.Softmax(x, 0, y, 0, 2, 4);
        Rows.LogSoftmax(x, 0, ls, 0, 2, 4);
        Rows.LogSumExp(x, 0, lse, 0, 2, 4);
        Rows.SoftmaxCrossEntropyIndexed(x, 0, new[] { 1, 0 }, 0, 2, 4, loss, 0, g, 0, 1f);
        Assert.All(y.Concat(ls).Concat(lse).Concat(loss).Concat(g), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(2000f + MathF.Log(1 + MathF.Exp(-1)), loss[0], 2);
        Assert.Equal(0.5f, y[6], 6);
        Assert.Equal(1000f + MathF.Log(2), lse[1], 3);
    }

    [Fact]
    public void Bad_label_names_the_row_and_writes_nothing()
    {
        float[] x = new float[6], loss = { 7f, 7f };
        var e = Assert.ThrowsAny<ArgumentException>(() => Rows.SoftmaxCrossEntropyIndexed(x, 0, new[] { 1, 3 }, 0, 2, 3, loss, 0, null, 0, 1f));
        Assert.Contains("row 1", e.Message);
        Assert.Contains("= 3", e.Message);
        Assert.Equal(new[] { 7f, 7f }, loss);
        e = Assert.ThrowsAny<ArgumentException>(() => Rows.SoftmaxCrossEntropyIndexed(x, 0, new[] { -1, 0 }, 0, 2, 3, loss, 0, null, 0, 1f));
        Assert.Contains("row 0", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => Rows.Softmax(x, 1, x, 0, 2, 3));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("needs 7", e.Message);
    }

    [Fact]
    public void Column_and_row_sums_with_scale_and_accumulate()
    {
        var rng = new Random(9);
        foreach (var (rows, cols) in new[] { (1, 1), (3, 70), (130, 10), (7, 64), (0, 5) })
        {
            double[] xd = RandD(rng, rows * cols, 1);
            float[] x = ToF(xd), cs = Enumerable.Repeat(1f, cols + 1).ToArray(), rs = Enumerable.Repeat(2f, rows + 1).ToArray();
            Rows.ColumnSum(x, 0, rows, cols, cs, 1, 0.5f, accumulate: true);
            Rows.RowSum(x, 0, rows, cols, rs, 1, -1f, accumulate: false);
            Assert.Equal(1f, cs[0]);
            for (int j = 0; j < cols; j++)
                Close(1 + 0.5 * Enumerable.Range(0, rows).Sum(r => (double)x[r * cols + j]), cs[1 + j], 1e-5, "colsum");
            for (int r = 0; r < rows; r++)
                Close(-Enumerable.Range(0, cols).Sum(j => (double)x[r * cols + j]), rs[1 + r], 1e-5, "rowsum");
        }
        double[] d = { 1, 2, 3, 4, 5, 6 }, dc = new double[3], dr = new double[2];
        Rows.ColumnSum(d, 0, 2, 3, dc, 0, 1.0, false);
        Rows.RowSum(d, 0, 2, 3, dr, 0, 1.0, false);
        Assert.Equal(new[] { 5.0, 7, 9 }, dc);
        Assert.Equal(new[] { 6.0, 15 }, dr);
    }

    [Fact]
    public void Argmax_takes_first_maximum_and_nan()
    {
        float[] x = { 1, 3, 3, 0, float.NaN, 2, 5, float.NaN, -1, -2, -3, -4 };
        int[] r = new int[4];
        Rows.ArgMax(x, 0, 3, 4, r, 1);
        Assert.Equal(new[] { 0, 1, 0, 0 }, r);
        Rows.ArgMax(new double[] { 0, 1, 7, 7 }, 0, 1, 4, r, 0);
        Assert.Equal(2, r[0]);
        var x2 = new float[] { -5, -4, -3 };
        Rows.ArgMax(x2, 0, 3, 1, r, 0);
        Assert.Equal(new[] { 0, 0, 0 }, r.Take(3));
    }

    [Fact]
    public void Double_kernels_match_float_reference()
    {
        var rng = new Random(12);
        double[] x = RandD(rng, 3 * 11, 50), y = new double[33], lse = new double[3], loss = new double[3], g = new double[33];
        Rows.Softmax(x, 0, y, 0, 3, 11);
        Rows.LogSumExp(x, 0, lse, 0, 3, 11);
        Rows.SoftmaxCrossEntropyIndexed(x, 0, new[] { 0, 5, 10 }, 0, 3, 11, loss, 0, g, 0, 1.0);
        for (int r = 0; r < 3; r++)
        {
            double m = x.Skip(r * 11).Take(11).Max();
            double s = x.Skip(r * 11).Take(11).Sum(v => Math.Exp(v - m));
            Close(m + Math.Log(s), lse[r], 1e-14, "lse");
            Close(Math.Exp(x[r * 11 + 3] - m) / s, y[r * 11 + 3], 1e-14, "softmax");
            Close(m + Math.Log(s) - x[r * 11 + r * 5], loss[r], 1e-14, "loss");
        }
    }
}
