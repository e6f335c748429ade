using System;
using Nabla.Runtime;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>Tests that change <see cref="Parallelism.MaxThreads"/> run alone (it is process-wide).</summary>
[CollectionDefinition("Runtime.MaxThreads", DisableParallelization = true)]
public class MaxThreadsCollection { }

[Collection("Runtime.MaxThreads")]
public class ThreadingTests
{
    private static float[] RunS(GemmSpec s, int threads)
    {
        using (ThreadCount.Set(threads))
        {
            var d = new GemmData<float>(s);
            d.Run();
            if (threads == 2) d.Verify(2e-7);
            return d.C;
        }
    }

    public static TheoryData<int, int, int, bool, bool> Shapes => new()
    {
        { 300, 300, 300, false, false }, { 300, 300, 300, true, true }, { 129, 257, 65, false, true },
        { 64, 500, 70, true, false }, { 4000 / 8, 298, 40, false, true }, { 48, 2100, 20, false, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Sgemm_is_bitwise_identical_on_one_and_two_threads(int m, int n, int k, bool ta, bool tb)
    {
        var s = new GemmSpec(m, n, k, ta, tb, 1, 0, 2, 0, 1, 0, 0.5f, 1f, BiasMode.PerColumn, Activation.Relu, true, 11);
        float[] one = RunS(s, 1), two = RunS(s, 2);
        Assert.Equal(one, two);
    }

    [Fact]
    public void Batched_is_bitwise_identical_on_one_and_two_threads()
    {
        var rng = new Random(5);
        float[] a = GemmTests.Rand(rng, 8 * 20 * 30), b = GemmTests.Rand(rng, 8 * 30 * 25);
        float[] c1 = new float[8 * 20 * 25], c2 = new float[8 * 20 * 25];
        using (ThreadCount.Set(1))
            Gemm.SgemmBatched(8, 20, 25, 30, 1f, a, 0, 30, 600, false, b, 0, 25, 750, false, 0f, c1, 0, 25, 500);
        using (ThreadCount.Set(2))
            Gemm.SgemmBatched(8, 20, 25, 30, 1f, a, 0, 30, 600, false, b, 0, 25, 750, false, 0f, c2, 0, 25, 500);
        Assert.Equal(c1, c2);
    }

    [Fact]
    public void Many_calls_from_two_threads_at_once_stay_correct()
    {
        // Two callers compete for the worker pool; the loser runs its parts inline. Both must still be exact.
        var s1 = new GemmSpec(200, 150, 90, false, true, 0, 0, 0, 0, 0, 0, 1f, 0f, BiasMode.None, Activation.None, false, 21);
        var s2 = new GemmSpec(150, 200, 90, true, false, 0, 0, 0, 0, 0, 0, 1f, 0f, BiasMode.None, Activation.None, false, 22);
        float[] e1 = RunS(s1, 1), e2 = RunS(s2, 1);
        using (ThreadCount.Set(2))
        {
            var t = new System.Threading.Thread(() =>
            {
                for (int i = 0; i < 20; i++) { var d = new GemmData<float>(s2); d.Run(); Assert.Equal(e2, d.C); }
            });
            t.Start();
            for (int i = 0; i < 20; i++) { var d = new GemmData<float>(s1); d.Run(); Assert.Equal(e1, d.C); }
            t.Join();
        }
    }
}
