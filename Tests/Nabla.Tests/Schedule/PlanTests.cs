using System;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Xunit;

namespace Nabla.Tests.Schedule;

/// <summary>The scheduler's plans: vector widths of loops, chains and layout of reductions, merged loop nests of copies.</summary>
public class PlanTests
{
    private static global::Nabla.Rewrites.Schedule.Schedule Build(DType type, Func<Graph, Node> y)
    {
        var g = new Graph(type);
        return Scheduler.Build(new Function(g, ("y", y(g))));
    }

    private static T Only<T>(global::Nabla.Rewrites.Schedule.Schedule s) where T : Kernel => Assert.Single(s.Kernels.OfType<T>());

    [Fact]
    public void A_column_sum_is_strided_with_four_256_bit_chains_32_outputs_per_pass_and_one_128_bit_chain_as_fallback()
    {
        var k = Only<ReduceKernel>(Build(DType.F32, g => F.Sum(g.Input("x", Shape.Of(Shape.Batch, 100)), 0)));
        Assert.Equal(ReduceLayout.Strided, k.Plan.Layout);
        Assert.Equal(new[] { (256, 8, 4), (128, 4, 1) }, k.Plan.Widths.Select(w => (w.Bits, w.Lanes, w.Chains)));
        Assert.Equal(32, k.Plan.Widths[0].Block);
        Assert.Contains("plan strided 4x256 32/pass,1x128 4/pass", k.ToString());
    }

    [Fact]
    public void A_short_row_sum_skips_widths_wider_than_the_row_and_chains_longer_than_it()
    {
        // 10 floats: 8 lanes fit once, 4 chains of 8 (32) do not; 4 chains of 4 (16) do not either.
        var k = Only<ReduceKernel>(Build(DType.F32, g => F.Sum(g.Input("x", Shape.Of(Shape.Batch, 10)), 1)));
        Assert.Equal(ReduceLayout.Contiguous, k.Plan.Layout);
        Assert.Equal(new[] { (256, 1), (128, 1) }, k.Plan.Widths.Select(w => (w.Bits, w.Chains)));
        // 3 doubles: 256 bits (4 lanes) never fit; 128 bits (2 lanes) do.
        var d = Only<ReduceKernel>(Build(DType.F64, g => F.Sum(g.Input("x", Shape.Of(Shape.Batch, 3)), 1)));
        Assert.Equal(new[] { (128, 2, 1) }, d.Plan.Widths.Select(w => (w.Bits, w.Lanes, w.Chains)));
        // A batch-long run is dynamic: every width, the widest unrolled (the narrower is only the fallback without it).
        var b = Only<ReduceKernel>(Build(DType.F32, g => F.Sum(g.Input("x", Shape.Of(Shape.Batch)), 0)));
        Assert.Equal(new[] { (256, 4), (128, 1) }, b.Plan.Widths.Select(w => (w.Bits, w.Chains)));
    }

    [Fact]
    public void A_reduction_with_a_large_fused_body_keeps_one_chain()
    {
        var k = Only<ReduceKernel>(Build(DType.F32, g =>
        {
            var x = g.Input("x", Shape.Of(Shape.Batch, 100));
            return F.Sum(F.Exp(F.Sin(x) * x + F.Cos(x * x)) * (x - 1.5), 1);
        }));
        Assert.True(k.Body.Instrs.Count > PlanOptions.Default.UnrollLimit, k.ToString());
        Assert.All(k.Plan.Widths, w => Assert.Equal(1, w.Chains));
    }

    [Fact]
    public void Chains_merge_pairwise()
    {
        Assert.Equal(new[] { (0, 1), (2, 3), (0, 2) }, ReducePlan.ChainMerges(4));
        Assert.Empty(ReducePlan.ChainMerges(1));
        Assert.Equal(new[] { (0, 1), (0, 2) }, ReducePlan.ChainMerges(3));
    }

    [Fact]
    public void Loops_run_the_widths_that_fit_a_static_row()
    {
        Assert.Equal(new[] { 256, 128 }, Only<ElementwiseKernel>(Build(DType.F32, g => F.Exp(g.Input("x", Shape.Of(Shape.Batch, 8))))).Plan.Widths.Select(w => w.Bits));
        Assert.Equal(new[] { 128 }, Only<ElementwiseKernel>(Build(DType.F32, g => F.Exp(g.Input("x", Shape.Of(5))))).Plan.Widths.Select(w => w.Bits));
        var scalar = Only<ElementwiseKernel>(Build(DType.F64, g => F.Exp(g.Input("x", Shape.Of(1)))));
        Assert.Empty(scalar.Plan.Widths);
        Assert.EndsWith("plan scalar", scalar.ToString());
    }

    [Fact]
    public void A_broadcast_copy_merges_contiguous_axes_and_fills_rows()
    {
        // [B,6,1,144] -> [B,6,4,144]: B and 6 merge (the input steps 6*144 over B), the size-4 axis reads stride 0, the
        // last axis copies whole rows.
        var k = Only<CopyKernel>(Build(DType.F32, g =>
            F.BroadcastTo(g.Input("x", Shape.Of(Shape.Batch, 6, 1, 144)), Shape.Of(Shape.Batch, 6, 4, 144)) * 2.0));
        Assert.Equal(new[] { new Dim(6, 1), new Dim(4), new Dim(144) }, k.Plan.Extents);
        Assert.Equal(new[] { new Dim(144), new Dim(0), new Dim(1) }, k.Plan.Strides);
        Assert.Equal(CopyAction.CopyRow, k.Plan.Inner);
        Assert.Equal(2, k.Plan.Loops);
        Assert.Contains("plan [6*B:144, 4:0, 144:1] copy-row", k.ToString());

        // [B,3,1] -> [B,3,20]: the last axis repeats one element: a row fill.
        var fill = Only<CopyKernel>(Build(DType.F32, g =>
            F.BroadcastTo(g.Input("x", Shape.Of(Shape.Batch, 1, 3, 1)), Shape.Of(Shape.Batch, 2, 3, 20)) * 2.0));
        Assert.Equal(CopyAction.FillRow, fill.Plan.Inner);
    }

    [Fact]
    public void A_transpose_with_short_rows_copies_elements()
    {
        var k = Only<CopyKernel>(Build(DType.F64, g => F.Transpose(g.Input("x", Shape.Of(Shape.Batch, 3, 4)), 0, 2, 1)));
        Assert.Equal(new[] { new Dim(1, 1), new Dim(4), new Dim(3) }, k.Plan.Extents);
        Assert.Equal(new[] { new Dim(12), new Dim(1), new Dim(4) }, k.Plan.Strides);
        Assert.Equal(CopyAction.Element, k.Plan.Inner);
        Assert.Equal(3, k.Plan.Loops);
    }

    [Fact]
    public void Replanning_restricts_the_widths_and_rejects_widths_the_runtime_lacks()
    {
        var s = Build(DType.F32, g => F.Sum(F.Exp(g.Input("x", Shape.Of(Shape.Batch, 100))), 0) + 1.0);
        Planner.Replan(s, new PlanOptions { VectorBits = new[] { 128 } });
        Assert.All(s.Kernels.OfType<ReduceKernel>(), k => Assert.Equal(new[] { 128 }, k.Plan.Widths.Select(w => w.Bits)));
        Assert.All(s.Kernels.OfType<ElementwiseKernel>(), k => Assert.Equal(new[] { 128 }, k.Plan.Widths.Select(w => w.Bits)));
        Planner.Replan(s, new PlanOptions { VectorBits = Array.Empty<int>() });
        Assert.All(s.Kernels.OfType<ReduceKernel>(), k => Assert.Empty(k.Plan.Widths));
        var e = Assert.Throws<ArgumentException>(() => Planner.Replan(s, new PlanOptions { VectorBits = new[] { 512 } }));
        Assert.Contains("512", e.Message);
        Assert.Throws<ArgumentException>(() => Planner.Replan(s, new PlanOptions { VectorBits = new[] { 128, 256 } }));
    }
}
