using System;
using System.Linq;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Runtime;
using Nabla.Tests.Ir;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>
/// <see cref="Emitted.Normalize{T}"/> on rows (inner = 1) of random shape — rows up to a vector long (one lane per row,
/// groups of 16 or 8 rows with a partial last group) and longer, special values (NaN, −∞ rows, −∞ entries) — against
/// plain loops in double, every subset of outputs agreeing bit for bit with the full pass, and bitwise identical on one
/// and two threads (<see cref="Parallelism.MaxThreads"/>), including calls large enough to be spread over the pool.
/// </summary>
[Collection("Runtime.MaxThreads")]
public class NormalizeThreadingTests
{
    private static readonly Arbitrary<int[]> Recipes = Arb.From(Gen.Choose(0, 9999).ArrayOf(8));

    [Fact]
    public void Rows_match_plain_loops_and_are_the_same_on_one_and_two_threads_float()
        => Check.One(PropertyConfig.With(150), Prop.ForAll(Recipes, recipe => Case<float>(recipe, 3e-6, 1e-5)));

    [Fact]
    public void Rows_match_plain_loops_and_are_the_same_on_one_and_two_threads_double()
        => Check.One(PropertyConfig.With(100), Prop.ForAll(Recipes, recipe => Case<double>(recipe, 1e-13, 1e-12)));

    [Theory]
    [InlineData(13_200, 10)] // 132,000 elements: shared over the pool even when the workers are asleep
    [InlineData(9_000, 16)]
    [InlineData(4_001, 37)]
    public void Large_calls_are_the_same_on_one_and_two_threads(int rows, int cols)
    {
        var rng = new Random(rows + cols);
        float[] x = Enumerable.Range(0, rows * cols).Select(_ => (float)(rng.NextDouble() * 30 - 15)).ToArray();
        var (sm1, ls1, lse1) = Run(x, rows, cols, 1, true, true, true);
        var (sm2, ls2, lse2) = Run(x, rows, cols, 2, true, true, true);
        Assert.Equal(sm1, sm2);
        Assert.Equal(ls1, ls2);
        Assert.Equal(lse1, lse2);
        Verify(x, rows, cols, sm1, ls1, lse1, 3e-6, 1e-5);
        var (_, _, alone) = Run(x, rows, cols, 2, false, false, true);
        Assert.Equal(lse1, alone);
    }

    private static void Case<T>(int[] recipe, double smTol, double lsTol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = new Choices(recipe);
        int rows = 1 + c.Next(c.OneIn(4) ? 1200 : 70), cols = 1 + c.Next(c.OneIn(3) ? 40 : 17);
        var rng = new Random(recipe.Sum());
        T[] x = Enumerable.Range(0, rows * cols).Select(_ => T.CreateChecked(Math.Round(rng.NextDouble() * 40 - 20, 3))).ToArray();
        if (c.OneIn(3)) x[rng.Next(x.Length)] = T.NaN;
        if (c.OneIn(3)) { int r = rng.Next(rows); for (int j = 0; j < cols; j++) x[r * cols + j] = T.NegativeInfinity; }
        if (c.OneIn(3)) x[rng.Next(x.Length)] = T.NegativeInfinity;
        if (c.OneIn(4)) x[rng.Next(x.Length)] = T.CreateChecked(85); // a row whose exponentials go below the fast range of exp
        var (sm1, ls1, lse1) = Run(x, rows, cols, 1, true, true, true);
        var (sm2, ls2, lse2) = Run(x, rows, cols, 2, true, true, true);
        Assert.Equal(sm1, sm2);
        Assert.Equal(ls1, ls2);
        Assert.Equal(lse1, lse2);
        var (sm, _, _) = Run(x, rows, cols, 2, true, false, false);
        var (_, ls, _) = Run(x, rows, cols, 1, false, true, false);
        var (_, _, lse) = Run(x, rows, cols, 2, false, false, true);
        Assert.Equal(sm1, sm);
        Assert.Equal(ls1, ls);
        Assert.Equal(lse1, lse);
        Verify(x, rows, cols, sm1, ls1, lse1, smTol, lsTol);
    }

    private static (T[] sm, T[] ls, T[] lse) Run<T>(T[] x, int rows, int cols, int threads, bool wantSm, bool wantLs, bool wantLse)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[]? sm = wantSm ? new T[x.Length] : null, ls = wantLs ? new T[x.Length] : null, lse = wantLse ? new T[rows] : null;
        using (ThreadCount.Set(threads))
        {
            Emitted.Normalize(x, rows, cols, 1, sm, ls, lse, true);
        }
        return (sm ?? Array.Empty<T>(), ls ?? Array.Empty<T>(), lse ?? Array.Empty<T>());
    }

    /// <summary>The definitions in double, one row at a time: m = max (NaN if any is NaN, 0 if all are −∞).</summary>
    private static void Verify<T>(T[] x, int rows, int cols, T[] sm, T[] ls, T[] lse, double smTol, double lsTol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            double[] v = Enumerable.Range(0, cols).Select(j => double.CreateChecked(x[r * cols + j])).ToArray();
            double max = v.Any(double.IsNaN) ? double.NaN : v.Max();
            if (double.IsNegativeInfinity(max)) max = 0;
            double sum = v.Sum(t => Math.Exp(t - max)), logSum = Math.Log(sum);
            Same(max + logSum, double.CreateChecked(lse[r]), lsTol, $"lse[{r}]");
            for (int j = 0; j < cols; j++)
            {
                Same(Math.Exp(v[j] - max) / sum, double.CreateChecked(sm[r * cols + j]), smTol, $"softmax[{r}, {j}] (cols {cols})");
                Same(v[j] - max - logSum, double.CreateChecked(ls[r * cols + j]), lsTol, $"log_softmax[{r}, {j}] (cols {cols})");
            }
        }
    }

    private static void Same(double want, double got, double tol, string what)
    {
        if (double.IsNaN(want) || double.IsInfinity(want)) { Assert.True(want.Equals(got), $"{what}: {got} vs {want}"); return; }
        Assert.True(Math.Abs(got - want) <= tol * (1 + Math.Abs(want)), $"{what}: {got} vs {want}");
    }
}
