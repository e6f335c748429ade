using System;
using System.Linq;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Runtime;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>
/// <see cref="Emitted.SumColumns{T}"/>, which both printers call for a plain column sum (<see cref="Rewrites.Schedule.ReduceKernel.IsColumnSum"/>):
/// bit for bit the plain loop that sums each output strictly in l order from 0 (the strided plan's order, so the emitted
/// loops' bits), on random [outer, length, inner] shapes with special values, and the same on one and two threads.
/// </summary>
[Collection("Runtime.MaxThreads")]
public class SumColumnsTests
{
    private static readonly Arbitrary<int[]> Recipes = Arb.From(Gen.Choose(0, 9999).ArrayOf(8));

    [Fact]
    public void Column_sums_are_the_in_order_loop_bit_for_bit_float()
        => Check.One(Ir.PropertyConfig.With(150), Prop.ForAll(Recipes, recipe => Case<float>(recipe)));

    [Fact]
    public void Column_sums_are_the_in_order_loop_bit_for_bit_double()
        => Check.One(Ir.PropertyConfig.With(80), Prop.ForAll(Recipes, recipe => Case<double>(recipe)));

    [Theory]
    [InlineData(1, 12_000, 100)] // a bias gradient above the size that is spread even with sleeping workers
    [InlineData(3, 4_000, 37)]
    [InlineData(2, 40_000, 10)]
    public void Large_sums_are_the_same_on_one_and_two_threads(int outer, int length, int inner)
    {
        var rng = new Random(outer + length + inner);
        float[] x = Enumerable.Range(0, outer * length * inner).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] one = Run(x, outer, length, inner, 1), two = Run(x, outer, length, inner, 2);
        Assert.Equal(Reference(x, outer, length, inner), one);
        Assert.Equal(one, two);
    }

    [Fact]
    public void Short_arrays_are_rejected_with_the_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => Emitted.SumColumns(new float[5], 1, 2, 3, new float[3]));
        Assert.Contains("[1, 2, 3]", e.Message);
        Assert.Equal("x", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Emitted.SumColumns(new float[6], 1, 2, 3, new float[2]));
        Assert.Equal("sums", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Emitted.SumColumns(new float[6], 1, -2, 3, new float[3]));
        Assert.Equal("length", e.ParamName);
    }

    private static void Case<T>(int[] recipe) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = new Choices(recipe);
        int outer = 1 + c.Next(3), length = c.Next(c.OneIn(3) ? 700 : 60), inner = 1 + c.Next(c.OneIn(3) ? 150 : 40);
        var rng = new Random(recipe.Sum());
        T[] x = Enumerable.Range(0, outer * length * inner).Select(_ => T.CreateChecked(rng.NextDouble() * 200 - 100)).ToArray();
        if (x.Length > 0 && c.OneIn(3)) x[rng.Next(x.Length)] = T.NaN;
        if (x.Length > 0 && c.OneIn(3)) x[rng.Next(x.Length)] = T.PositiveInfinity;
        if (x.Length > 0 && c.OneIn(3)) x[rng.Next(x.Length)] = T.NegativeZero;
        T[] want = Reference(x, outer, length, inner), one = Run(x, outer, length, inner, 1), two = Run(x, outer, length, inner, 2);
        for (int i = 0; i < want.Length; i++)
        {
            Assert.True(Bits(want[i]) == Bits(one[i]), $"[{outer}, {length}, {inner}] output {i}: {one[i]} vs {want[i]}");
            Assert.True(Bits(one[i]) == Bits(two[i]), $"[{outer}, {length}, {inner}] output {i}: two threads {two[i]} vs {one[i]}");
        }
    }

    private static long Bits<T>(T v) where T : unmanaged, IFloatingPointIeee754<T> => BitConverter.DoubleToInt64Bits(double.CreateChecked(v));

    /// <summary>acc = 0, then acc += x[o, l, i] for l = 0, 1, ... (the emitted strided loops).</summary>
    private static T[] Reference<T>(T[] x, int outer, int length, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = new T[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                T acc = T.Zero;
                for (int l = 0; l < length; l++) acc += x[(o * length + l) * inner + i];
                s[o * inner + i] = acc;
            }
        return s;
    }

    private static T[] Run<T>(T[] x, int outer, int length, int inner, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = Enumerable.Repeat(T.CreateChecked(7), outer * inner + 3).ToArray();
        using (ThreadCount.Set(threads))
        {
            Emitted.SumColumns(x, outer, length, inner, s);
        }
        for (int i = outer * inner; i < s.Length; i++) Assert.Equal(T.CreateChecked(7), s[i]); // nothing past the sums
        return s[..(outer * inner)];
    }
}

/// <summary>
/// A batch sum of [B, 100] (a bias gradient) is scheduled as a plain column sum (<see cref="Rewrites.Schedule.ReduceKernel.IsColumnSum"/>):
/// the C# and expression backends both give the in-order sums bit for bit; [B, 10] (narrower than a vector) keeps the loops.
/// </summary>
public class ColumnSumScheduleTests
{
    [Theory]
    [InlineData(100, true)]
    [InlineData(10, false)]
    public void Batch_sums_of_wide_rows_call_the_runtime_and_both_backends_give_the_in_order_bits(int cols, bool routed)
    {
        var g = new Graph(DType.F32);
        var x = g.Input("x", Shape.Of(Shape.Batch, cols));
        var f = new Function(g, ("y", F.Sum(x, 0)));
        var s = global::Nabla.Rewrites.Schedule.Scheduler.Build(f);
        Assert.Equal(routed, s.Kernels.OfType<global::Nabla.Rewrites.Schedule.ReduceKernel>().Single().IsColumnSum);
        const int batch = 333;
        var rnd = new Random(cols);
        double[] data = Enumerable.Range(0, batch * cols).Select(_ => (double)(float)(rnd.NextDouble() * 2 - 1)).ToArray();
        var bind = new System.Collections.Generic.Dictionary<string, Tensor> { ["x"] = new(new[] { batch, cols }, data) };
        var want = new double[cols];
        for (int j = 0; j < cols; j++)
        {
            float acc = 0;
            for (int b = 0; b < batch; b++) acc += (float)data[b * cols + j];
            want[j] = acc;
        }
        var csharp = Nabla.Tests.Backends.PlanCase.CompileCSharp(new[] { s }, "ColumnSum" + cols)(0);
        var fromCs = Nabla.Tests.Backends.CSharp.CompiledRunner.Run((CompiledModel<float>)csharp, 0, bind, batch).Outputs["y"].Data;
        var fromExpr = Nabla.Tests.Backends.Expressions.ExpressionRun.Run(Nabla.Backends.Expressions.ExpressionBackend.Compile<float>(s, "Eval"), bind, batch,
            Nabla.Tests.Backends.Expressions.VectorMode.Widest).Outputs["y"].Data;
        Assert.Equal(want, fromCs);
        Assert.Equal(want, fromExpr);
    }
}
