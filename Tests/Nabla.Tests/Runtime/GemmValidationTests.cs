using System;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Runtime;

public class GemmValidationTests
{
    private static readonly float[] A6 = new float[6], B6 = new float[6], C4 = new float[4];

    private static ArgumentException Throws(Action call) => Assert.ThrowsAny<ArgumentException>(call);

    [Fact]
    public void Negative_dimension_names_it()
    {
        var e = Throws(() => Gemm.Sgemm(-1, 2, 3, 1f, A6, 0, 3, false, B6, 0, 2, false, 0f, C4, 0, 2, null, 0, BiasMode.None, Activation.None, null, 0, 0));
        Assert.Equal("m", e.ParamName);
        Assert.Contains("m = -1", e.Message);
    }

    [Fact]
    public void Short_array_reports_the_numbers()
    {
        var e = Throws(() => Gemm.Sgemm(2, 2, 3, 1f, A6, 1, 3, false, B6, 0, 2, false, 0f, C4, 0, 2, null, 0, BiasMode.None, Activation.None, null, 0, 0));
        Assert.Equal("a", e.ParamName);
        Assert.Contains("length 6", e.Message);
        Assert.Contains("2×3", e.Message);
        Assert.Contains("needs 7", e.Message);
    }

    [Fact]
    public void Transposed_operand_is_checked_in_its_stored_shape()
    {
        // op(B) is 3×2 stored transposed as 2×3 with ldb 3: 6 elements fit; ldb 2 < 3 columns does not.
        Gemm.Sgemm(2, 2, 3, 1f, A6, 0, 3, false, B6, 0, 3, true, 0f, C4, 0, 2, null, 0, BiasMode.None, Activation.None, null, 0, 0);
        var e = Throws(() => Gemm.Sgemm(2, 2, 3, 1f, A6, 0, 3, false, B6, 0, 2, true, 0f, C4, 0, 2, null, 0, BiasMode.None, Activation.None, null, 0, 0));
        Assert.Equal("ldb", e.ParamName);
        Assert.Contains("ldb = 2", e.Message);
    }

    [Fact]
    public void Bad_leading_dimension_of_c_and_short_c()
    {
        var e = Throws(() => Gemm.Sgemm(2, 2, 3, 1f, A6, 0, 3, false, B6, 0, 2, false, 0f, C4, 0, 1, null, 0, BiasMode.None, Activation.None, null, 0, 0));
        Assert.Equal("ldc", e.ParamName);
        e = Throws(() => Gemm.Sgemm(2, 2, 3, 1f, A6, 0, 3, false, B6, 0, 2, false, 0f, C4, 1, 2, null, 0, BiasMode.None, Activation.None, null, 0, 0));
        Assert.Equal("c", e.ParamName);
        Assert.Contains("needs 5", e.Message);
    }

    [Fact]
    public void Bias_and_mask_are_checked()
    {
        var e = Throws(() => Gemm.Sgemm(2, 2, 3, 1f, A6, 0, 3, false, B6, 0, 2, false, 0f, C4, 0, 2, new float[1], 0, BiasMode.PerColumn, Activation.None, null, 0, 0));
        Assert.Equal("bias", e.ParamName);
        Assert.Contains("2 elements", e.Message);
        e = Throws(() => Gemm.Sgemm(2, 2, 3, 1f, A6, 0, 3, false, B6, 0, 2, false, 0f, C4, 0, 2, null, 0, BiasMode.PerRow, Activation.None, null, 0, 0));
        Assert.Equal("bias", e.ParamName);
        e = Throws(() => Gemm.Sgemm(2, 2, 3, 1f, A6, 0, 3, false, B6, 0, 2, false, 0f, C4, 0, 2, null, 0, BiasMode.None, Activation.None, new float[3], 0, 2));
        Assert.Equal("mask", e.ParamName);
        e = Throws(() => Gemm.Sgemm(2, 2, 3, 1f, A6, 0, 3, false, B6, 0, 2, false, 0f, C4, 0, 2, null, 0, (BiasMode)7, Activation.None, null, 0, 0));
        Assert.Contains("bias mode", e.Message);
    }

    [Fact]
    public void Empty_shapes_are_fine_and_touch_nothing()
    {
        var c = new[] { 5f };
        Gemm.Sgemm(0, 3, 3, 1f, Array.Empty<float>(), 0, 3, false, new float[9], 0, 3, false, 0f, c, 0, 3, null, 0, BiasMode.None, Activation.None, null, 0, 0);
        Gemm.Sgemm(1, 0, 3, 1f, new float[3], 0, 3, false, Array.Empty<float>(), 0, 0, false, 0f, c, 0, 0, null, 0, BiasMode.None, Activation.None, null, 0, 0);
        Assert.Equal(5f, c[0]);
    }

    [Fact]
    public void Batched_checks_strides_and_overlap()
    {
        var e = Throws(() => Gemm.SgemmBatched(3, 2, 2, 2, 1f, new float[8], 0, 2, 4, false, new float[4], 0, 2, 0, false, 0f, new float[12], 0, 2, 4));
        Assert.Equal("a", e.ParamName);
        Assert.Contains("3 matrices", e.Message);
        e = Throws(() => Gemm.SgemmBatched(2, 2, 2, 2, 1f, new float[8], 0, 2, 4, false, new float[4], 0, 2, 0, false, 0f, new float[12], 0, 2, 2));
        Assert.Equal("strideC", e.ParamName);
        e = Throws(() => Gemm.SgemmBatched(2, 2, 2, 2, 1f, new float[8], 0, 2, -4, false, new float[4], 0, 2, 0, false, 0f, new float[12], 0, 2, 4));
        Assert.Equal("strideA", e.ParamName);
    }

    [Fact]
    public void Max_threads_rejects_zero()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxThreads = 0);
    }
}
