using System;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Runtime;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>
/// The narrow GEMM path (n ≤ one vector, A not transposed, rows of A read in place: <see cref="Gemm.TryNarrow{T}"/>) on
/// random shapes, layouts, scalars and epilogues (k across several k blocks): against the float64 reference, bit for
/// bit equal to the packed path it replaces, and bitwise identical on one and two threads.
/// </summary>
[Collection("Runtime.MaxThreads")]
public class GemmNarrowTests
{
    private static Gen<GemmSpec> Specs(int lanes) =>
        from m in Gen.Choose(32, 700)
        from n in Gen.Choose(1, lanes)
        from k in Gen.Frequency((3, Gen.Choose(1, 140)), (1, Gen.Choose(200, 420)))
        from tb in Gen.Elements(false, true)
        from ld in Gen.Choose(0, 63)
        from off in Gen.Choose(0, 63)
        from alpha in Gen.Elements(1f, -0.5f, 2.5f)
        from beta in Gen.Elements(0f, 1f, -0.75f)
        from bias in Gen.Elements(BiasMode.None, BiasMode.PerColumn, BiasMode.PerRow)
        from act in Gen.Elements(Activation.None, Activation.Relu)
        from mask in Gen.Elements(false, true)
        from seed in Gen.Choose(0, 1 << 30)
        select new GemmSpec(m, n, k, false, tb, ld & 3, (ld >> 2) & 3, ld >> 4, off & 3, (off >> 2) & 3, off >> 4,
            alpha, beta, bias, act, mask, seed);

    [Fact]
    public void Sgemm_narrow_matches_the_reference_the_packed_path_and_itself_on_two_threads()
        => Check.One(Config.QuickThrowOnFailure.WithMaxTest(120), Prop.ForAll(Arb.From(Specs(16)), (GemmSpec s) => Case<float>(s, 2e-7)));

    [Fact]
    public void Dgemm_narrow_matches_the_reference_the_packed_path_and_itself_on_two_threads()
        => Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(Arb.From(Specs(8)), (GemmSpec s) => Case<double>(s, 1e-15)));

    [Theory]
    [InlineData(6000, 10, 100, true)] // the b4000 classifier layer's shape, above the size that is split even with sleeping workers
    [InlineData(5000, 16, 300, false)]
    [InlineData(4099, 7, 1030, true)]
    public void Large_narrow_products_are_the_same_on_one_and_two_threads_and_as_the_packed_path(int m, int n, int k, bool tb)
        => Case<float>(new GemmSpec(m, n, k, false, tb, 1, 0, 0, 1, 2, 3, 1f, 0f, BiasMode.PerColumn, Activation.Relu, false, m + k), 2e-7);

    private static void Case<T>(GemmSpec s, double tol) where T : unmanaged
    {
        T[] narrow1 = Run<T>(s, 1, true, tol), narrow2 = Run<T>(s, 2, true, tol), packed = Run<T>(s, 1, false, tol);
        Assert.Equal(packed, narrow1);
        Assert.Equal(narrow1, narrow2);
    }

    private static T[] Run<T>(GemmSpec s, int threads, bool narrow, double tol) where T : unmanaged
    {
        bool was = Gemm.NarrowEnabled;
        using var scope = ThreadCount.Set(threads);
        try
        {
            Gemm.NarrowEnabled = narrow;
            var d = new GemmData<T>(s);
            d.Run();
            d.Verify(tol);
            return d.C;
        }
        finally { Gemm.NarrowEnabled = was; }
    }
}
