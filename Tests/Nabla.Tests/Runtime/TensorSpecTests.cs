using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>
/// <see cref="TensorSpec.Size"/> (which every run checks each array against) keeps the product of the fixed dimensions
/// precomputed; it must give what the plain product over all dimensions gives, saturating at <see cref="long.MaxValue"/>.
/// </summary>
public class TensorSpecTests
{
    /// <summary>The definition: the dimensions multiplied in order, -1 standing for the batch, saturating past 64 bits.</summary>
    private static long Reference(int[] shape, int batch)
    {
        long s = 1;
        foreach (var d in shape)
        {
            long k = d == -1 ? batch : d;
            s = k > 0 && s > long.MaxValue / k ? long.MaxValue : s * k;
        }
        return s;
    }

    [Fact]
    public void Size_equals_the_product_of_the_dimensions_for_any_shape_and_batch()
    {
        var gen = from rank in Gen.Choose(0, 5)
                  from dims in Gen.ArrayOf(Gen.OneOf(Gen.Choose(-1, 12), Gen.Choose(0, int.MaxValue), Gen.Constant(-1)), rank)
                  from batch in Gen.OneOf(Gen.Choose(0, 300), Gen.Choose(0, int.MaxValue))
                  select (dims, batch);
        Prop.ForAll(Arb.From(gen), ((int[] Dims, int Batch) c) =>
        {
            var spec = new TensorSpec("t", c.Dims);
            Assert.Equal(Reference(c.Dims, c.Batch), spec.Size(c.Batch));
            Assert.Equal(Reference(c.Dims, 1), spec.Size(1));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void Size_saturates_and_handles_the_edges()
    {
        Assert.Equal(1L, new TensorSpec("s", Array.Empty<int>()).Size(7));
        Assert.Equal(40L * 7, new TensorSpec("x", new[] { -1, 40 }).Size(7));
        Assert.Equal(0L, new TensorSpec("x", new[] { -1, 40 }).Size(0));
        Assert.Equal(0L, new TensorSpec("z", new[] { -1, 0, int.MaxValue, int.MaxValue, int.MaxValue }).Size(5));
        Assert.Equal((long)int.MaxValue * int.MaxValue, new TensorSpec("b", new[] { int.MaxValue, -1 }).Size(int.MaxValue));
        Assert.Equal(long.MaxValue, new TensorSpec("o", new[] { int.MaxValue, int.MaxValue, 4 }).Size(1));
        Assert.Equal(long.MaxValue, new TensorSpec("o", new[] { -1, -1, -1 }).Size(int.MaxValue));
        Assert.Equal(10L * 9 * 9, new TensorSpec("bb", new[] { -1, 10, -1 }).Size(9));
    }
}
