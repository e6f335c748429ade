using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Xunit;

namespace Nabla.Tests.Schedule;

public class SchedulerTests
{
    // An MLP training step: dense layers with ReLU, mean softmax cross-entropy, SGD updates with a run-time learning rate;
    // outputs loss and logits (the benchmarks' graph, so tests and benchmarks exercise the same step).
    internal static Function MlpStep(int[] widths, DType type = DType.F64) =>
        Nabla.Benchmarks.Cases.MlpGraphs.TrainStep(widths, "sgd", type, withLogits: true);

    internal static Dictionary<string, Tensor> Bindings(Function f, int batch, int seed)
    {
        var rnd = new Random(seed);
        var bind = new Dictionary<string, Tensor>();
        foreach (var leaf in f.Inputs().Concat(f.Params()))
        {
            var shape = leaf.Shape.Concrete(batch);
            var data = new double[shape.Aggregate(1, (a, c) => a * c)];
            if (leaf.Name == "t")
                for (int r = 0; r < batch; r++) data[r * shape[1] + rnd.Next(shape[1])] = 1;
            else if (leaf.Name == "lr") data[0] = 0.1;
            else for (int i = 0; i < data.Length; i++) data[i] = rnd.NextDouble() * 2 - 1;
            bind[leaf.Name!] = new Tensor(shape, data);
        }
        return bind;
    }

    internal static void AssertSame(RunResult want, RunResult got, double tol)
    {
        foreach (var (name, value) in want.Outputs.Select(kv => (kv.Key, kv.Value)).Concat(want.Updates.Select(kv => (kv.Key, kv.Value))))
        {
            var other = got.Outputs.TryGetValue(name, out var o) ? o : got.Updates[name];
            Assert.Equal(value.Shape, other.Shape);
            for (int i = 0; i < value.Size; i++)
                Assert.True(Math.Abs(value.Data[i] - other.Data[i]) <= tol * (1 + Math.Abs(value.Data[i])),
                    $"{name}[{i}]: interpreter {value.Data[i]}, schedule {other.Data[i]}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void MlpTrainingStepScheduleMatchesTheInterpreter(int batch)
    {
        var f = MlpStep(new[] { 6, 8, 8, 3 });
        var s = Scheduler.Build(f);
        var bind = Bindings(f, batch, 3);
        AssertSame(Interpreter.Run(f, bind), ScheduleInterpreter.Run(s, bind), 1e-12);
    }

    // Found by the random-graph pipeline property: the mask h of mm ⊙ step(h) was computed inside the loop of step(h)
    // and never stored, so the GEMM that reads it had no buffer ("no buffer for %4 add").
    [Fact]
    public void AGemmMaskComputedInsideALoopIsStoredForTheGemm()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(3, 3)); var b = g.Input("b", Shape.Of(3, 3));
        var h = x + 0.5;                                // inside the loop that computes step(h)
        var step = F.Step(h);
        var y = F.MatMul(step, x) + F.MatMul(b, F.T(x)) * step; // the second product takes step(h) as its mask
        var f = new Function(g, ("y", y), ("s", F.Sum(step)));
        var s = Scheduler.Build(f);
        var masked = Assert.Single(s.Kernels.OfType<GemmKernel>(), k => k.Mask is not null);
        Assert.Contains(s.Kernels.OfType<ElementwiseKernel>(), k => k.Outputs.Contains(masked.Mask!));
        var rnd = new Random(2);
        var bind = new Dictionary<string, Tensor>
        {
            ["x"] = new(new[] { 3, 3 }, Enumerable.Range(0, 9).Select(_ => rnd.NextDouble() * 2 - 1).ToArray()),
            ["b"] = new(new[] { 3, 3 }, Enumerable.Range(0, 9).Select(_ => rnd.NextDouble() * 2 - 1).ToArray()),
        };
        AssertSame(Interpreter.Run(f, bind), ScheduleInterpreter.Run(s, bind), 1e-12);
    }

    [Fact]
    public void ForwardLayersFuseBiasAndReluIntoTheGemmAndBackwardUsesTheReluMask()
    {
        var f = MlpStep(new[] { 6, 8, 8, 3 });
        var s = Scheduler.Build(f);
        // A fused dense backward kernel runs two GEMMs: count its parts too.
        var gemms = s.Kernels.SelectMany(k => k is DenseBackwardKernel d ? new[] { d.Gradient, d.Update } : k is GemmKernel g ? new[] { g } : Array.Empty<GemmKernel>()).ToList();
        Assert.Equal(2, gemms.Count(k => k.Bias is not null && k.Activation == Op.Relu));
        Assert.Equal(2, gemms.Count(k => k.Mask is not null));
        // No kernel computes relu(z) or step(.) on its own: both live in GEMM epilogues.
        Assert.DoesNotContain(s.Kernels.OfType<ElementwiseKernel>(), k => k.Body.Instrs.Any(i => i.Op == Op.Relu || i.Op == Op.Step));
    }

    [Fact]
    public void UpdatesAreWrittenInPlaceIntoTheParameterBuffers()
    {
        var f = MlpStep(new[] { 4, 5, 3 });
        var ps = f.Params();
        var s = Scheduler.Build(f);
        foreach (var p in ps)
        {
            var buf = s.Updates.Single(u => u.Name == p.Name).Buffer;
            Assert.Equal(BufferKind.Param, buf.Kind);
            var writer = s.Kernels.Single(k => k.Writes.Contains(buf));
            // Every other kernel reading the old value runs before the write.
            Assert.All(s.Kernels.Where(k => k.Reads.Contains(buf) && k != writer), r => Assert.True(r.Id < writer.Id, $"{r} reads {p.Name} after it is overwritten"));
        }
    }

    [Fact]
    public void MemoryPlanReusesSlotsAndOutputsLiveInTheCallersArrays()
    {
        var f = MlpStep(new[] { 6, 8, 8, 8, 3 });
        var s = Scheduler.Build(f);
        Assert.True(s.TempBytes(32) < s.UnplannedTempBytes(32), $"planned {s.TempBytes(32)} bytes, unplanned {s.UnplannedTempBytes(32)}");
        Assert.All(s.Outputs, o => { Assert.True(o.Buffer.IsOutput); Assert.Equal(-1, o.Buffer.Slot); });
    }

    [Fact]
    public void SoftmaxLogSoftmaxAndLogSumExpOfOneInputShareOneKernel()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 5));
        var f = new Function(g, ("p", F.Softmax(x)), ("lp", F.LogSoftmax(x)), ("lse", F.LogSumExp(x)), ("lse2", F.LogSumExp(x, -1, true)));
        var s = Scheduler.Build(f);
        Assert.Single(s.Kernels.OfType<NormalizeKernel>());
        var bind = new Dictionary<string, Tensor> { ["x"] = new Tensor(new[] { 2, 5 }, new double[] { 1, 2, 3, 4, 1000, -3, 0, 0, 0, 0 }) };
        AssertSame(Interpreter.Run(f, bind), ScheduleInterpreter.Run(s, bind), 1e-14);
    }

    [Fact]
    public void ReductionsOverSplitAxesAndBroadcastsInLoopsAreCorrect()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 3, 4));
        var c = g.Input("c", Shape.Of(Shape.Batch, 1, 1));
        var r = g.Input("r", Shape.Of(3, 1));
        var y = F.Exp(x * c) + r;
        var f = new Function(g, ("y", y), ("s02", F.Sum(y * y, new[] { 0, 2 }, false)), ("m", F.Mean(y, 0, 1)), ("mx", F.ReduceMax(x, 1)));
        var s = Scheduler.Build(f);
        var rnd = new Random(5);
        double[] R(int n) => Enumerable.Range(0, n).Select(_ => rnd.NextDouble()).ToArray();
        var bind = new Dictionary<string, Tensor> { ["x"] = new(new[] { 2, 3, 4 }, R(24)), ["c"] = new(new[] { 2, 1, 1 }, R(2)), ["r"] = new(new[] { 3, 1 }, R(3)) };
        AssertSame(Interpreter.Run(f, bind), ScheduleInterpreter.Run(s, bind), 1e-12);
    }

    [Fact]
    public void AnOutputThatIsAlsoAnInputOrAParameterGetsItsOwnBuffer()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(2));
        var w = g.Param("w", Shape.Of(2));
        var f = new Function(g, new[] { new Named("x", x), new Named("w_old", w), new Named("twice", x * 2), new Named("again", x * 2) }, new[] { new Named("w", w + x) });
        var s = Scheduler.Build(f);
        var bind = new Dictionary<string, Tensor> { ["x"] = new(new[] { 2 }, new double[] { 1, 2 }), ["w"] = new(new[] { 2 }, new double[] { 10, 20 }) };
        var got = ScheduleInterpreter.Run(s, bind);
        Assert.Equal(new double[] { 10, 20 }, got["w_old"].Data);
        Assert.Equal(new double[] { 11, 22 }, got.Updates["w"].Data);
        Assert.Equal(new double[] { 2, 4 }, got["again"].Data);
        Assert.Equal(s.Outputs.Count, s.Outputs.Select(o => o.Buffer).Distinct().Count());
    }

    [Fact]
    public void UpdatesThatReadEachOthersOldValuesStillComeOutRight()
    {
        // w0' = w0 - w1/8 and w1' = w1 - w0/8: both cannot be written in place, or one would read a new value.
        var g = new Graph(DType.F64);
        var w0 = g.Param("w0", Shape.Of(3));
        var w1 = g.Param("w1", Shape.Of(3));
        var f = new Function(g, new[] { new Named("dot", F.Sum(w0 * w1)) }, new[] { new Named("w0", w0 - w1 * 0.125), new Named("w1", w1 - w0 * 0.125) });
        var s = Scheduler.Build(f);
        var bind = new Dictionary<string, Tensor> { ["w0"] = new(new[] { 3 }, new double[] { 1, 2, 3 }), ["w1"] = new(new[] { 3 }, new double[] { 8, 16, 24 }) };
        var got = ScheduleInterpreter.Run(s, bind);
        Assert.Equal(new double[] { 0, 0, 0 }, got.Updates["w0"].Data);
        Assert.Equal(new double[] { 7.875, 15.75, 23.625 }, got.Updates["w1"].Data);
        Assert.Equal(112, got["dot"].Value);
    }
}

public class SchedulerRegressionTests
{
    [Fact]
    public void AGradientStepThroughATransposedMatmulOfOneByOneMatricesSchedules()
    {
        // Found by the expression backend's random gradient steps: y = (−w)ᵀ·(−w) with w [1,1], loss = sum(u·y),
        // w ← w − ∂loss/∂w / 8. Optimized, the gradient is w·u + w·uᵀ: both products once took the sum as their
        // bias epilogue, and scheduling failed with "no buffer for matmul".
        var g = new Graph(DType.F64);
        var w = g.Param("w0", Shape.Of(1, 1));
        var n = -w;
        var y = F.MatMul(F.T(n), n);
        var u = g.Input("u", y.Shape);
        var loss = F.Sum(u * y);
        var grad = Autodiff.Grad(loss, new[] { w })[0];
        var f = new Function(g, new[] { new Named("y", y), new Named("loss", loss) }, new[] { new Named("w0", w - 0.125 * grad) });
        var bind = new Dictionary<string, Tensor> { ["w0"] = new(new[] { 1, 1 }, new[] { 0.905 }), ["u"] = new(new[] { 1, 1 }, new[] { 0.5 }) };
        foreach (var fn in new[] { f, Nabla.Rewrites.Pipeline.Optimize(f).Function })
        {
            var s = Scheduler.Build(fn);
            SchedulerTests.AssertSame(Interpreter.Run(f, bind), ScheduleInterpreter.Run(s, bind), 1e-14);
        }
    }
}
