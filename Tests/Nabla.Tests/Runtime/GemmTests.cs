using System;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Runtime;

public class GemmTests
{
    private const double FloatTol = 2e-7, DoubleTol = 1e-15;

    internal static Gen<GemmSpec> Specs(int maxDim) =>
        from m in Gen.Choose(0, maxDim)
        from n in Gen.Choose(0, maxDim)
        from k in Gen.Choose(0, maxDim)
        from ta in Gen.Elements(false, true)
        from tb in Gen.Elements(false, true)
        from ld in Gen.Choose(0, 63)
        from off in Gen.Choose(0, 63)
        from alpha in Gen.Elements(1f, -0.5f, 2.5f, 0f)
        from beta in Gen.Elements(0f, 1f, -0.75f)
        from bias in Gen.Elements(BiasMode.None, BiasMode.PerColumn, BiasMode.PerRow)
        from act in Gen.Elements(Activation.None, Activation.Relu)
        from mask in Gen.Elements(false, true)
        from seed in Gen.Choose(0, 1 << 30)
        select new GemmSpec(m, n, k, ta, tb, ld & 3, (ld >> 2) & 3, ld >> 4, off & 3, (off >> 2) & 3, off >> 4,
            alpha, beta, bias, act, mask, seed);

    [Fact]
    public void Sgemm_matches_reference_on_random_shapes()
    {
        Prop.ForAll(Arb.From(Specs(70)), (GemmSpec s) =>
        {
            var d = new GemmData<float>(s);
            d.Run();
            d.Verify(FloatTol);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Dgemm_matches_reference_on_random_shapes()
    {
        Prop.ForAll(Arb.From(Specs(40)), (GemmSpec s) =>
        {
            var d = new GemmData<double>(s);
            d.Run();
            d.Verify(DoubleTol);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150));
    }

    public static TheoryData<int, int, int> LargeShapes => new()
    {
        { 1, 1, 1 }, { 1, 100, 40 }, { 100, 1, 40 }, { 40, 100, 1 }, { 129, 257, 65 }, { 8, 48, 128 }, { 9, 49, 129 },
        { 520, 50, 260 }, { 17, 2100, 3 },
    };

    [Theory]
    [MemberData(nameof(LargeShapes))]
    public void Sgemm_crosses_block_sizes_in_every_layout(int m, int n, int k)
    {
        int seed = 1;
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                var s = new GemmSpec(m, n, k, ta, tb, 1, 2, 3, 1, 2, 3, 0.75f, 0.5f, BiasMode.PerColumn, Activation.Relu, true, seed++);
                var d = new GemmData<float>(s);
                d.Run();
                d.Verify(FloatTol);
            }
    }

    [Fact]
    public void Dgemm_crosses_block_sizes()
    {
        var s = new GemmSpec(131, 75, 140, false, true, 1, 0, 2, 3, 0, 1, -1.25f, 0f, BiasMode.PerRow, Activation.Relu, true, 7);
        var d = new GemmData<double>(s);
        d.Run();
        d.Verify(DoubleTol);
    }

    [Fact]
    public void Beta_zero_ignores_nan_in_c_and_alpha_zero_ignores_a_and_b()
    {
        var a = new[] { float.NaN, 1f, 2f, 3f };
        var b = new[] { 1f, float.PositiveInfinity, 1f, 1f };
        var c = new[] { float.NaN, float.NaN, float.NaN, float.NaN };
        Gemm.Sgemm(2, 2, 2, 0f, a, 0, 2, false, b, 0, 2, false, 0f, c, 0, 2, null, 0, BiasMode.None, Activation.None, null, 0, 0);
        Assert.Equal(new[] { 0f, 0f, 0f, 0f }, c);
        c = new[] { 1f, 2f, 3f, 4f };
        Gemm.Sgemm(2, 2, 0, 1f, a, 0, 2, false, b, 0, 2, false, 2f, c, 0, 2, new[] { 10f, 20f }, 0, BiasMode.PerRow,
            Activation.None, new[] { 1f, 0f, 1f, -1f }, 0, 2);
        Assert.Equal(new[] { 12f, 0f, 26f, 0f }, c);
    }

    [Fact]
    public void Relu_keeps_nan_and_mask_zeroes_it()
    {
        // NaN propagates through ReLU like PyTorch's relu; a mask entry <= 0 zeroes the element whatever it holds.
        var a = new[] { float.NaN, -1f };
        var b = new[] { 1f };
        var c = new float[2];
        Gemm.Sgemm(2, 1, 1, 1f, a, 0, 1, false, b, 0, 1, false, 0f, c, 0, 1, null, 0, BiasMode.None, Activation.Relu, null, 0, 0);
        Assert.True(float.IsNaN(c[0]));
        Assert.Equal(0f, c[1]);
        Gemm.Sgemm(2, 1, 1, 1f, a, 0, 1, false, b, 0, 1, false, 0f, c, 0, 1, null, 0, BiasMode.None, Activation.Relu, new[] { 0f, 1f }, 0, 1);
        Assert.Equal(new[] { 0f, 0f }, c);
    }

    [Fact]
    public void Batched_matches_separate_calls_including_shared_operands_and_accumulation()
    {
        var rng = new Random(3);
        foreach (var (m, n, k, batch) in new[] { (3, 5, 7, 4), (40, 30, 20, 3), (1, 17, 9, 5), (64, 64, 64, 6) })
        {
            float[] a = Rand(rng, batch * m * k), b = Rand(rng, k * n), c = Rand(rng, batch * m * n);
            var expect = (float[])c.Clone();
            for (int i = 0; i < batch; i++)
                Gemm.Sgemm(m, n, k, 0.5f, a, i * m * k, m, true, b, 0, n, false, 1.5f, expect, i * m * n, n,
                    null, 0, BiasMode.None, Activation.None, null, 0, 0);
            Gemm.SgemmBatched(batch, m, n, k, 0.5f, a, 0, m, m * k, true, b, 0, n, 0, false, 1.5f, c, 0, n, m * n);
            Assert.Equal(expect, c);

            // strideC = 0 accumulates the products in batch order.
            float[] acc = new float[m * n], accExpect = new float[m * n];
            for (int i = 0; i < batch; i++)
                Gemm.Sgemm(m, n, k, 1f, a, i * m * k, m, true, b, 0, n, false, 1f, accExpect, 0, n, null, 0, BiasMode.None, Activation.None, null, 0, 0);
            Gemm.SgemmBatched(batch, m, n, k, 1f, a, 0, m, m * k, true, b, 0, n, 0, false, 1f, acc, 0, n, 0);
            Assert.Equal(accExpect, acc);
        }
        double[] ad = { 1, 2, 3, 4, 5, 6, 7, 8 }, bd = { 1, 0, 0, 1 }, cd = new double[8];
        Gemm.DgemmBatched(2, 2, 2, 2, 1.0, ad, 0, 2, 4, false, bd, 0, 2, 0, false, 0.0, cd, 0, 2, 4);
        Assert.Equal(ad, cd);
    }

    internal static float[] Rand(Random rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
