using System;
using System.Linq;
using Nabla.Runtime;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>
/// The max-pooling kernels split large calls' planes over the worker pool (in Pool.Parts pieces): the results are
/// bit-identical for 1, 2 and 3 threads (an odd plane count splits unevenly), on the tiled 2×2 path and the general one (overlap, padding, dilation),
/// for the backward with and without the fused ReLU mask.
/// </summary>
[Collection("Runtime.MaxThreads")]
public class MaxPoolThreadingTests
{
    [Theory]
    [InlineData(64, 6, 24, 24, 2, 2, 0, 1)]
    [InlineData(64, 16, 8, 8, 2, 2, 0, 1)] // LeNet's second layer: only the backward spreads
    [InlineData(5, 7, 61, 67, 3, 2, 1, 1)]
    [InlineData(3, 11, 60, 70, 3, 1, 1, 2)]
    public void Results_do_not_depend_on_the_thread_count(int n, int c, int h, int w, int k, int s, int p, int d)
    {
        Assert.True((long)n * c * h * w >= Nabla.Runtime.Pool.BackwardParallelThreshold, "the case must be large enough to spread");
        var rng = new Random(7);
        var x = Enumerable.Range(0, n * c * h * w).Select(_ => MathF.Max(0, (float)rng.NextDouble() - 0.3f)).ToArray(); // ReLU-like: ties
        int oh = (h + 2 * p - d * (k - 1) - 1) / s + 1, ow = (w + 2 * p - d * (k - 1) - 1) / s + 1;
        var g = Enumerable.Range(0, n * c * oh * ow).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        (float[] Y, float[] Dx, float[] Masked) Run(int threads)
        {
            using (ThreadCount.Set(threads))
            {
                var y = new float[g.Length]; var dx = new float[x.Length]; var masked = new float[x.Length];
                Emitted.MaxPool(x, y, n, c, h, w, k, k, s, s, p, p, d, d);
                Emitted.MaxPoolBackward(x, g, dx, n, c, h, w, k, k, s, s, p, p, d, d);
                Emitted.MaxPoolBackward(x, g, masked, n, c, h, w, k, k, s, s, p, p, d, d, reluMask: true);
                return (y, dx, masked);
            }
        }
        var one = Run(1);
        Assert.Contains(one.Masked, v => v != 0);
        Assert.False(one.Masked.AsSpan().SequenceEqual(one.Dx), "the mask must change something (x has zeros that attain a window's maximum)");
        foreach (int t in new[] { 2, 3 })
        {
            var r = Run(t);
            Assert.True(one.Y.AsSpan().SequenceEqual(r.Y), $"max_pool differs with {t} threads");
            Assert.True(one.Dx.AsSpan().SequenceEqual(r.Dx), $"max_pool_grad differs with {t} threads");
            Assert.True(one.Masked.AsSpan().SequenceEqual(r.Masked), $"max_pool_grad with the ReLU mask differs with {t} threads");
        }
    }
}
