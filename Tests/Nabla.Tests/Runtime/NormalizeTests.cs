using System;
using System.Linq;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>
/// The one softmax / log-softmax / log-sum-exp kernel (<see cref="Emitted.Normalize{T}"/>, called by emitted C# and by the
/// Expressions backend) on the rows the deleted <c>Rows</c> kernels were tested on: NaN and −∞ rows, rows longer and
/// shorter than a vector, the log-sum-exp-only path (scratch exponentials), vectors on and off.
/// </summary>
public class NormalizeTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Nan_rows_give_nan_and_all_minus_infinity_rows_shift_by_zero(bool vectors)
    {
        const int cols = 11;
        var x = new float[3 * cols];
        for (int j = 0; j < cols; j++) { x[j] = j; x[cols + j] = j == 7 ? float.NaN : j; x[2 * cols + j] = float.NegativeInfinity; }
        var sm = new float[x.Length]; var ls = new float[x.Length]; var lse = new float[3];
        Emitted.Normalize(x, 3, cols, 1, sm, ls, lse, vectors);
        Assert.Equal(1.0, sm.Take(cols).Sum(v => (double)v), 5);
        Assert.All(sm.Skip(cols).Take(cols), v => Assert.True(float.IsNaN(v)));
        Assert.All(ls.Skip(cols).Take(cols), v => Assert.True(float.IsNaN(v)));
        Assert.True(float.IsNaN(lse[1]));
        Assert.Equal(float.NegativeInfinity, lse[2]); // log Σ e^(−∞ − 0) + 0
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(128, 10)]
    [InlineData(7, 3)]
    [InlineData(5, 37)]
    public void Log_sum_exp_alone_matches_the_full_pass_and_the_scalar_path(int rows, int cols)
    {
        var rnd = new Random(rows * 100 + cols);
        var x = Enumerable.Range(0, rows * cols).Select(_ => rnd.NextDouble() * 60 - 30).ToArray();
        var alone = new double[rows]; var full = new double[rows]; var scalar = new double[rows];
        Emitted.Normalize(x, rows, cols, 1, null, null, alone, true);
        Emitted.Normalize(x, rows, cols, 1, new double[x.Length], new double[x.Length], full, true);
        Emitted.Normalize(x, rows, cols, 1, null, null, scalar, false);
        for (int r = 0; r < rows; r++)
        {
            double max = Enumerable.Range(0, cols).Max(j => x[r * cols + j]);
            double want = max + Math.Log(Enumerable.Range(0, cols).Sum(j => Math.Exp(x[r * cols + j] - max)));
            Assert.Equal(want, alone[r], 12);
            Assert.Equal(full[r], alone[r]);
            Assert.Equal(want, scalar[r], 12);
        }
    }

    [Fact]
    public void Short_arrays_are_rejected_with_the_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => Emitted.Normalize(new float[5], 2, 3, 1, null, null, null, true));
        Assert.Contains("[2, 3, 1]", e.Message);
    }
}
