using Nabla.Runtime;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>
/// Long, thin products (weight gradients at a large batch) are computed as two halves of k summed in a fixed order
/// (<c>Gemm.UseKSplit</c>): the results must match the reference, honour beta, the epilogue and the leading dimensions,
/// and be bit-for-bit the same on one and two threads.
/// </summary>
[Collection("Runtime.MaxThreads")]
public class GemmKSplitTests
{
    public static TheoryData<int, int, int, bool, bool, float, BiasMode, bool> Shapes => new()
    {
        { 100, 100, 4000, true, false, 1f, BiasMode.None, false },   // dW of 40-100-100-10 at b4000, SGD update fused
        { 10, 100, 4000, true, false, 1f, BiasMode.None, false },
        { 100, 40, 4000, true, false, 0f, BiasMode.None, false },
        { 37, 53, 2051, false, true, 0.5f, BiasMode.PerColumn, true }, // odd sizes, both layouts swapped, epilogue
        { 9, 17, 1031, true, true, 0f, BiasMode.PerRow, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Split_products_match_the_reference_and_do_not_depend_on_the_thread_count(int m, int n, int k, bool ta, bool tb,
        float beta, BiasMode bias, bool mask)
    {
        var s = new GemmSpec(m, n, k, ta, tb, 3, 1, 2, 1, 2, 3, -0.75f, beta, bias, mask ? Activation.Relu : Activation.None, mask, 17);
        var p = new Problem<float> { M = m, N = n, K = k };
        Assert.True(Gemm.UseKSplit(in p));
        using (ThreadCount.Set(1))
        {
            var one = new GemmData<float>(s);
            one.Run();
            one.Verify(2e-7);
            Parallelism.MaxThreads = 2;
            var two = new GemmData<float>(s);
            two.Run();
            Assert.Equal(one.C, two.C);
            two.Run(); // again, now with the pool warm
            one.Run();
            Assert.Equal(one.C, two.C);
        }
    }

    [Fact]
    public void Dense_backward_at_a_large_batch_equals_the_two_calls_on_one_and_two_threads()
    {
        // The weight update (100 × 40, k = 2000) is a split product.
        const int m = 2000, n = 100, k = 40;
        var rng = new System.Random(9);
        float[] dy = GemmTests.Rand(rng, m * n), w0 = GemmTests.Rand(rng, n * k), x = GemmTests.Rand(rng, m * k), mask = GemmTests.Rand(rng, m * k);
        float[] Fused(int threads, out float[] dx)
        {
            float[] w = (float[])w0.Clone(), d = new float[m * k];
            Parallelism.MaxThreads = threads;
            Gemm.SgemmDenseBackward(m, n, k, dy, 0, n, w, 0, k, d, 0, k, mask, 0, k, -1e-3f, x, 0, k);
            dx = d;
            return w;
        }
        using (ThreadCount.Set(1))
        {
            float[] w1 = Fused(1, out float[] dx1), w2 = Fused(2, out float[] dx2);
            Assert.Equal(w1, w2);
            Assert.Equal(dx1, dx2);
            Parallelism.MaxThreads = 2;
            float[] w = (float[])w0.Clone(), d = new float[m * k];
            Gemm.Sgemm(m, k, n, 1f, dy, 0, n, false, w, 0, k, false, 0f, d, 0, k, null, 0, BiasMode.None, Activation.None, mask, 0, k);
            Gemm.Sgemm(n, k, m, -1e-3f, dy, 0, n, true, x, 0, k, false, 1f, w, 0, k, null, 0, BiasMode.None, Activation.None, null, 0, 0);
            Assert.Equal(w1, w);
            Assert.Equal(dx1, d);
        }
    }

    [Fact]
    public void Double_split_matches_the_reference()
    {
        var s = new GemmSpec(20, 30, 3000, true, false, 0, 0, 0, 0, 0, 0, 1f, 1f, BiasMode.None, Activation.None, false, 3);
        var d = new GemmData<double>(s);
        d.Run();
        d.Verify(1e-15);
    }
}
