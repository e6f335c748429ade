using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Xunit;

namespace Nabla.Tests.Schedule;

/// <summary>How a GEMM kernel is run is decided in the lowered layer (<see cref="GemmKernel.Form"/>), not by the emitters.</summary>
public class GemmFormTests
{
    private static GemmKernel Gemm(System.Func<Graph, Node> build)
    {
        var g = new Graph(DType.F32);
        var s = Scheduler.Build(new Function(g, new[] { new Named("y", build(g)) }));
        return Assert.Single(s.Kernels.OfType<GemmKernel>());
    }

    [Fact]
    public void One_product_batches_without_an_epilogue_and_batches_with_one_take_their_forms()
    {
        var single = Gemm(g => F.MatMul(g.Input("x", Shape.Of(Shape.Batch, 4)), g.Param("w", Shape.Of(4, 5))));
        Assert.Equal(GemmForm.Single, single.Form);

        var batched = Gemm(g => F.MatMul(g.Input("a", Shape.Of(Shape.Batch, 3, 4)), g.Input("b", Shape.Of(Shape.Batch, 4, 5))));
        Assert.NotEqual(new Dim(1), batched.Batch);
        Assert.Equal(GemmForm.Batched, batched.Form);

        var relu = Gemm(g => F.Relu(F.MatMul(g.Input("a", Shape.Of(Shape.Batch, 3, 4)), g.Input("b", Shape.Of(Shape.Batch, 4, 5)))));
        Assert.Equal(Op.Relu, relu.Activation);
        Assert.Equal(GemmForm.PerProduct, relu.Form);
    }
}
