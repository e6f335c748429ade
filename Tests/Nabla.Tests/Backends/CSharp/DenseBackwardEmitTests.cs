using System.Text.RegularExpressions;
using Nabla.Backends.CSharp;
using Nabla.Benchmarks.Cases;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Backends.CSharp;

/// <summary>The C# emitter prints each fused dense-layer backward kernel of the schedule as one runtime call.</summary>
public class DenseBackwardEmitTests
{
    private static string Source(string optimizer, params int[] widths) =>
        CSharpEmitter.Emit(MlpGraphs.Plan("M", "TrainStep", MlpGraphs.TrainStep(widths, optimizer, DType.F32)), new EmitOptions { IrComments = false });

    [Fact]
    public void Sgd_step_fuses_the_input_gradient_and_update_of_every_layer_but_the_first()
    {
        // 40-100-100-10: layers 2 and 3 have an input gradient and an in-place update on the same dy; layer 1 has no input gradient.
        var src = Source("sgd", 40, 100, 100, 10);
        Assert.Equal(2, Regex.Matches(src, @"Gemm\.SgemmDenseBackward\(").Count);
        Assert.Equal(2, Regex.Matches(src, @"// k\d+: dense_backward ").Count); // the scheduler's fused kernels, one call each
        Assert.Equal(4, Regex.Matches(src, @"Gemm\.Sgemm\(").Count); // three forward products and the first layer's update
    }

    [Fact]
    public void Adam_step_has_no_in_place_gemm_update_to_fuse()
    {
        Assert.DoesNotContain("SgemmDenseBackward", Source("adam", 40, 100, 100, 10));
    }
}
