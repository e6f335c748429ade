using System;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>
/// The batch-1 paths of the runtime GEMM: the 8-row AVX2 dot-product kernel (m = 1 with a transposed B, n = 1), the
/// fused dense-layer backward (<see cref="Gemm.SgemmDenseBackward"/>) and outer products with partial last vectors.
/// </summary>
[Collection("Runtime.MaxThreads")] // Avx2Dots is process-wide: run alone, like the thread-count tests
public class GemvAndDenseBackwardTests
{
    private const double FloatTol = 2e-7;

    private static Gen<GemmSpec> GemvSpecs =>
        from vertical in Gen.Elements(false, true)
        from other in Gen.Choose(1, 70)
        from k in Gen.Choose(1, 140)
        from ta in Gen.Elements(false, true)
        from tb in Gen.Elements(false, true)
        from ld in Gen.Choose(0, 63)
        from alpha in Gen.Elements(1f, -0.5f)
        from beta in Gen.Elements(0f, 1f, -0.75f)
        from bias in Gen.Elements(BiasMode.None, BiasMode.PerColumn, BiasMode.PerRow)
        from act in Gen.Elements(Activation.None, Activation.Relu)
        from mask in Gen.Elements(false, true)
        from seed in Gen.Choose(0, 1 << 30)
        select new GemmSpec(vertical ? other : 1, vertical ? 1 : other, k, ta, tb, ld & 3, (ld >> 2) & 3, ld >> 4, 1, 2, 3,
            alpha, beta, bias, act, mask, seed);

    [Fact]
    public void Gemv_matches_the_reference_with_the_avx2_dot_kernel_on_and_off()
    {
        bool saved = Gemm.Avx2Dots;
        try
        {
            foreach (bool on in new[] { true, false })
            {
                Gemm.Avx2Dots = on && saved;
                Prop.ForAll(Arb.From(GemvSpecs), (GemmSpec s) =>
                {
                    var d = new GemmData<float>(s);
                    d.Run();
                    d.Verify(FloatTol);
                }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
            }
        }
        finally { Gemm.Avx2Dots = saved; }
    }

    [Fact]
    public void Gemv_tails_add_nothing_from_the_lanes_they_overlap()
    {
        // The 512-bit kernel reads a row's partial last vector as the whole vector ending at the row's end and clears
        // the lanes it already counted: an infinity there must stay an infinity (0·∞ would make it NaN), and a NaN in
        // the input vector's counted lanes must reach only the rows it belongs to once.
        foreach (int k in new[] { 64, 65, 71, 100, 127, 140 })
        {
            const int n = 11;
            float[] w = new float[n * k], x = new float[k], c = new float[n];
            for (int i = 0; i < w.Length; i++) w[i] = 0.25f;
            for (int i = 0; i < k; i++) x[i] = 1f;
            int counted = k / 16 * 16 - 1; // the last lane of the last whole vector, inside the overlapped part when k mod 16 > 0
            w[3 * k + counted] = float.PositiveInfinity;
            w[5 * k + k - 1] = float.NegativeInfinity;
            Gemm.Sgemm(1, n, k, 1f, x, 0, k, false, w, 0, k, true, 0f, c, 0, n, null, 0, BiasMode.None, Activation.None, null, 0, 0);
            for (int j = 0; j < n; j++)
            {
                float want = j == 3 ? float.PositiveInfinity : j == 5 ? float.NegativeInfinity : 0.25f * k;
                Assert.True(want == c[j], $"k {k}, row {j}: {c[j]}, want {want}");
            }
        }
    }

    [Fact]
    public void Outer_products_with_partial_vectors_match_the_reference()
    {
        var gen = from m in Gen.Choose(1, 40)
                  from n in Gen.Choose(1, 70)
                  from ta in Gen.Elements(false, true)
                  from tb in Gen.Elements(false, true)
                  from beta in Gen.Elements(0f, 1f, -0.75f)
                  from seed in Gen.Choose(0, 1 << 30)
                  select new GemmSpec(m, n, 1, ta, tb, 1, 2, 3, 1, 2, 3, -0.25f, beta, BiasMode.None, Activation.None, false, seed);
        Prop.ForAll(Arb.From(gen), (GemmSpec s) =>
        {
            var d = new GemmData<float>(s);
            d.Run();
            d.Verify(FloatTol);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    /// <summary>One dense backward: sizes, padding of the leading dimensions, mask, alpha, seed.</summary>
    public sealed record BackwardSpec(int M, int N, int K, int Pad, bool Mask, float Alpha, int Seed);

    private static Gen<BackwardSpec> BackwardSpecs =>
        from m in Gen.Elements(0, 1, 1, 1, 2, 3, 5)
        from n in Gen.Choose(0, 60)
        from k in Gen.Choose(0, 150)
        from pad in Gen.Choose(0, 3)
        from mask in Gen.Elements(false, true)
        from alpha in Gen.Elements(-0.01f, 0.5f, 0f)
        from seed in Gen.Choose(0, 1 << 30)
        select new BackwardSpec(m, n, k, pad, mask, alpha, seed);

    [Fact]
    public void Dense_backward_equals_the_two_gemm_calls_bit_for_bit()
    {
        Prop.ForAll(Arb.From(BackwardSpecs), (BackwardSpec s) =>
        {
            var rng = new Random(s.Seed);
            int lddy = s.N + s.Pad, ldw = s.K + s.Pad, ldx = s.K + 2 * s.Pad, lddx = s.K + 3 * s.Pad;
            float[] dy = GemmTests.Rand(rng, 1 + s.M * lddy), w = GemmTests.Rand(rng, 2 + s.N * ldw), x = GemmTests.Rand(rng, 3 + s.M * ldx);
            float[] mask = GemmTests.Rand(rng, s.M * s.K), dx = GemmTests.Rand(rng, 1 + s.M * lddx);
            float[] w2 = (float[])w.Clone(), dx2 = (float[])dx.Clone();
            float[]? mk = s.Mask ? mask : null;
            Gemm.SgemmDenseBackward(s.M, s.N, s.K, dy, 1, lddy, w, 2, ldw, dx, 1, lddx, mk, 0, s.K, s.Alpha, x, 3, ldx);
            Gemm.Sgemm(s.M, s.K, s.N, 1f, dy, 1, lddy, false, w2, 2, ldw, false, 0f, dx2, 1, lddx, null, 0, BiasMode.None, Activation.None, mk, 0, s.K);
            Gemm.Sgemm(s.N, s.K, s.M, s.Alpha, dy, 1, lddy, true, x, 3, ldx, false, 1f, w2, 2, ldw, null, 0, BiasMode.None, Activation.None, null, 0, 0);
            Assert.Equal(dx2, dx);
            Assert.Equal(w2, w);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Dense_backward_in_double_equals_the_two_gemm_calls()
    {
        var rng = new Random(5);
        foreach (var (m, n, k) in new[] { (1, 100, 40), (1, 10, 100), (1, 7, 9), (3, 20, 30) })
        {
            double[] dy = Array.ConvertAll(GemmTests.Rand(rng, m * n), v => (double)v), w = Array.ConvertAll(GemmTests.Rand(rng, n * k), v => (double)v);
            double[] x = Array.ConvertAll(GemmTests.Rand(rng, m * k), v => (double)v), mask = Array.ConvertAll(GemmTests.Rand(rng, m * k), v => (double)v);
            double[] dx = new double[m * k], w2 = (double[])w.Clone(), dx2 = new double[m * k];
            Gemm.DgemmDenseBackward(m, n, k, dy, 0, n, w, 0, k, dx, 0, k, mask, 0, k, -0.125, x, 0, k);
            Gemm.Dgemm(m, k, n, 1.0, dy, 0, n, false, w2, 0, k, false, 0.0, dx2, 0, k, null, 0, BiasMode.None, Activation.None, mask, 0, k);
            Gemm.Dgemm(n, k, m, -0.125, dy, 0, n, true, x, 0, k, false, 1.0, w2, 0, k, null, 0, BiasMode.None, Activation.None, null, 0, 0);
            Assert.Equal(dx2, dx);
            Assert.Equal(w2, w);
        }
    }

    [Fact]
    public void Dense_backward_with_shared_arrays_runs_as_the_two_calls()
    {
        // x is dy's array at another offset: the one-pass path must not run, and the result is that of the two calls.
        var rng = new Random(9);
        float[] buf = GemmTests.Rand(rng, 10 + 40), w = GemmTests.Rand(rng, 10 * 40), dx = new float[40];
        float[] buf2 = (float[])buf.Clone(), w2 = (float[])w.Clone(), dx2 = new float[40];
        Gemm.SgemmDenseBackward(1, 10, 40, buf, 0, 10, w, 0, 40, dx, 0, 40, null, 0, 0, 0.5f, buf, 10, 40);
        Gemm.Sgemm(1, 40, 10, 1f, buf2, 0, 10, false, w2, 0, 40, false, 0f, dx2, 0, 40, null, 0, BiasMode.None, Activation.None, null, 0, 0);
        Gemm.Sgemm(10, 40, 1, 0.5f, buf2, 0, 10, true, buf2, 10, 40, false, 1f, w2, 0, 40, null, 0, BiasMode.None, Activation.None, null, 0, 0);
        Assert.Equal(dx2, dx);
        Assert.Equal(w2, w);
    }

    [Fact]
    public void Dense_backward_rejects_short_arrays_naming_them()
    {
        var ok = new float[100];
        var e = Assert.Throws<ArgumentException>(() => Gemm.SgemmDenseBackward(1, 10, 10, ok, 0, 10, new float[99], 0, 10, ok, 0, 10, null, 0, 0, 1f, ok, 0, 10));
        Assert.Contains("'w'", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.SgemmDenseBackward(2, 10, 10, ok, 0, 10, ok, 0, 10, ok, 0, 10, new float[5], 0, 10, 1f, ok, 0, 10));
        Assert.Contains("'mask'", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.SgemmDenseBackward(1, 10, 10, ok, 0, 10, ok, 0, 10, ok, 0, 10, null, 0, 0, 1f, ok, 95, 10));
        Assert.Contains("'x'", e.Message);
        Assert.Throws<ArgumentException>(() => Gemm.SgemmDenseBackward(-1, 10, 10, ok, 0, 10, ok, 0, 10, ok, 0, 10, null, 0, 0, 1f, ok, 0, 10));
    }
}
