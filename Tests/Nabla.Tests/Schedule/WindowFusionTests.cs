using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Xunit;
using Sched = Nabla.Rewrites.Schedule.Schedule;
using Buffer = Nabla.Rewrites.Schedule.Buffer;

namespace Nabla.Tests.Schedule;

/// <summary>
/// The scheduler's window post-pass (<see cref="WindowFusion"/>): which im2cols it removes (a stride-1 convolution's,
/// read only by its forward product and its weight gradient) and which it keeps (strided convolutions, columns with a
/// reader of another kind, an image overwritten before a reader runs), and that the fused schedule computes what the
/// unfused one does.
/// </summary>
public class WindowFusionTests
{
    private static Sched Lowered(Sequential net, Shape input, string method) =>
        Lowerer.Lower(Model.Build(net, input, seed: 1), TrainingSetup.Classification(Optimizer.Sgd(0.01))).Schedule(method);

    private static bool IsIm2Col(Kernel k) => k is WindowKernel w && w.Op == Op.Im2Col;

    [Fact]
    public void LeNet_training_step_reads_both_convolutions_windows_from_the_images()
    {
        var net = new Sequential(new Conv2d(1, 6, 5), new ReLU(), Pool.Max2d(2), new Conv2d(6, 16, 5), new ReLU(), Pool.Max2d(2),
            new Flatten(), new Dense(256, 120), new ReLU(), new Dense(120, 84), new ReLU(), new Dense(84, 10));
        var s = Lowered(net, Shape.Of(Shape.Batch, 1, 28, 28), TrainingSignature.TrainStepMethod);
        Assert.False(s.Kernels.Any(IsIm2Col), $"an im2col is left:\n{s}");
        var fused = s.Kernels.OfType<WindowProductKernel>().ToList();
        foreach (int channels in new[] { 1, 6 })
        {
            // conv1 reads the input x, conv2 the first pooling's output: the forward product with its bias and ReLU, and
            // the weight gradient summed over the images.
            Assert.True(fused.Any(f => f.Window.Image[1] == channels && f.Product.Form == GemmForm.PerProduct && f.Product.Bias is not null
                && f.Product.Activation == Op.Relu), $"no fused forward product of the {channels}-channel convolution:\n{s}");
            Assert.True(fused.Any(f => f.Window.Image[1] == channels && f.Product.Form == GemmForm.Summed),
                $"no fused weight gradient of the {channels}-channel convolution:\n{s}");
        }
        Assert.Equal(4, fused.Count);
        foreach (var f in fused)
        {
            // Its reads are the product's with the image for the columns; its parts carry its number.
            Assert.Contains(f.Window.Input, f.Reads);
            Assert.DoesNotContain(f.Reads, r => r.Storage == f.Window.Output.Storage);
            Assert.Equal(f.Product.Writes, f.Writes);
            Assert.Equal(f.Window.Nodes.Concat(f.Product.Nodes).Distinct(), f.Nodes);
            Assert.Equal(f.Id, f.Product.Id);
            Assert.StartsWith($"k{f.Id}: im2col[k5x5 s1,1 p0,0] {f.Window.Input.Ref}[B,{f.Window.Image[1]},", s.ToString().Split('\n').Single(l => l.StartsWith($"k{f.Id}: ")));
        }
        Assert.Equal(Enumerable.Range(0, s.Kernels.Count), s.Kernels.Select(k => k.Id));
        DenseBackwardFusionTests.AssertSlotsValid(s);
        // The forward pass alone fuses its two products too.
        var forward = Lowered(net, Shape.Of(Shape.Batch, 1, 28, 28), TrainingSignature.ForwardMethod);
        Assert.False(forward.Kernels.Any(IsIm2Col), $"an im2col is left:\n{forward}");
        Assert.Equal(2, forward.Kernels.OfType<WindowProductKernel>().Count());
    }

    [Fact]
    public void MNIST_1D_CNN_keeps_the_im2cols_of_its_stride_2_convolutions()
    {
        var s = Lowered(Networks.Mnist1dCnn(), Shape.Of(Shape.Batch, 40), TrainingSignature.TrainStepMethod);
        Assert.Equal(3, s.Kernels.Count(IsIm2Col));
        Assert.Empty(s.Kernels.OfType<WindowProductKernel>());
    }

    // A stride-1 convolution x [B, 2, 5, 9] → y [B, 3, 5, 9] (kernel 3, padding 1) and the gradient of sum(u·y) with
    // respect to its weights, written with im2col and matmul; with a probe, also sum(exp(columns)).
    private static Function Conv(bool probe)
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 2, 5, 9));
        var w = g.Param("w", Shape.Of(3, 18));
        var u = g.Input("u", Shape.Of(Shape.Batch, 3, 45));
        var cols = F.Im2Col(x, 3, 3, padH: 1, padW: 1);
        var y = F.MatMul(w, cols);
        var outputs = new List<Named> { new("y", y), new("grad_w", Autodiff.Grad(F.Sum(y * u), new[] { w })[0]) };
        if (probe) outputs.Add(new Named("probe", F.Sum(F.Exp(cols))));
        return Pipeline.Optimize(new Function(g, outputs)).Function;
    }

    [Theory]
    [InlineData(false, 2)]
    [InlineData(true, 0)] // the loop reading exp(columns) needs them stored: the im2col stays, and none of its readers fuses
    public void Fuses_an_im2col_only_when_every_reader_of_its_columns_is_a_product_that_qualifies(bool probe, int expected)
    {
        var f = Conv(probe);
        var s = Scheduler.Build(f);
        Assert.True(expected == s.Kernels.OfType<WindowProductKernel>().Count(), $"want {expected} fused kernels:\n{s}");
        Assert.Equal(expected == 0 ? 1 : 0, s.Kernels.Count(IsIm2Col));
        foreach (int batch in new[] { 1, 3 })
        {
            var bind = SchedulerTests.Bindings(f, batch, 5 + batch);
            SchedulerTests.AssertSame(Interpreter.Run(f, bind), ScheduleInterpreter.Run(s, bind), 1e-12);
        }
    }

    // A hand-built schedule: k0 copies x0 into x (slot 0); k1 is the im2col of x (kernel 3, padding 1) into the columns
    // (slot 1); k2 is the forward product y = w·cols; k3 copies z into a temporary in slot `between`; k4 is the weight
    // gradient gw = Σ dy·colsᵀ.
    private static (Sched Schedule, Dictionary<string, Tensor> Bindings) HandBuilt(int between)
    {
        var buffers = new List<Buffer>();
        int B = Shape.Batch;
        Buffer Add(BufferKind kind, string? name, int slot, params int[] dims)
        {
            var b = new Buffer(buffers.Count, kind, name, Shape.Of(dims), DType.F64, null, null) { Slot = slot };
            buffers.Add(b);
            return b;
        }
        Buffer x0 = Add(BufferKind.Input, "x0", -1, B, 2, 4, 8), z = Add(BufferKind.Input, "z", -1, B, 2, 4, 8);
        Buffer dy = Add(BufferKind.Input, "dy", -1, B, 3, 32), w = Add(BufferKind.Param, "w", -1, 3, 18);
        Buffer x = Add(BufferKind.Temp, null, 0, B, 2, 4, 8), cols = Add(BufferKind.Temp, null, 1, B, 18, 32), t = Add(BufferKind.Temp, null, between, B, 2, 4, 8);
        Buffer y = Add(BufferKind.Temp, null, -1, B, 3, 32), gw = Add(BufferKind.Temp, null, -1, 3, 18);
        y.IsOutput = gw.IsOutput = true;
        var graph = new Graph(DType.F64);
        var im2col = F.Im2Col(graph.Input("x", Shape.Of(B, 2, 4, 8)), 3, 3, padH: 1, padW: 1);
        Dim batch = new(1, 1), plane = new(32), taps = new(18), m = new(3);
        var kernels = new List<Kernel>
        {
            new CopyKernel(Op.Reshape, x0, x, Array.Empty<int>()),
            new WindowKernel(Op.Im2Col, x, cols, (WindowAttrs)im2col.Attrs) { Nodes = new[] { im2col } },
            new GemmKernel { A = w, B = cols, C = y, M = m, N = plane, K = taps, Lda = taps, Ldb = plane, Ldc = plane, Batch = batch,
                StrideA = new Dim(0), StrideB = new Dim(576), StrideC = new Dim(96) },
            new CopyKernel(Op.Reshape, z, t, Array.Empty<int>()),
            new GemmKernel { A = dy, B = cols, TransB = true, C = gw, M = m, N = taps, K = plane, Lda = plane, Ldb = plane, Ldc = taps, Batch = batch,
                StrideA = new Dim(96), StrideB = new Dim(576), StrideC = new Dim(0), SumsBatch = true },
        };
        for (int i = 0; i < kernels.Count; i++) kernels[i].Id = i;
        var slots = new IReadOnlyList<Dim>[] { new[] { new Dim(64, 1) }, new[] { new Dim(576, 1) }, new[] { new Dim(64, 1) } };
        var source = new Function(graph, ("y", im2col)); // listings only
        var s = new Sched(source, DType.F64, buffers, kernels, new[] { ("y", y), ("gw", gw) }, Array.Empty<(string, Buffer)>(), slots);
        var rnd = new Random(3);
        Tensor T(params int[] shape) => new(shape, Enumerable.Range(0, shape.Aggregate(1, (a, c) => a * c)).Select(_ => rnd.NextDouble() * 2 - 1).ToArray());
        return (s, new Dictionary<string, Tensor> { ["x0"] = T(2, 2, 4, 8), ["z"] = T(2, 2, 4, 8), ["dy"] = T(2, 3, 32), ["w"] = T(3, 18) });
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(0, false)] // k3 overwrites the image's slot before the weight gradient would read the image
    public void Fuses_a_hand_built_convolution_only_when_the_image_survives_until_its_last_reader(int between, bool expectFused)
    {
        var (s, bind) = HandBuilt(between);
        var fused = WindowFusion.Fuse(s);
        if (expectFused)
        {
            Assert.Equal(new[] { "copy", "gemm_window", "copy", "gemm_window" }, fused.Kernels.Select(k => k.Kind));
            Assert.Equal(GemmForm.Batched, ((WindowProductKernel)fused.Kernels[1]).Product.Form);
            Assert.Equal(GemmForm.Summed, ((WindowProductKernel)fused.Kernels[3]).Product.Form);
        }
        else Assert.Same(s, fused);
        // Whatever it decides, the result computes what the hand-built schedule does (run with its real slots), and the
        // schedule passed in keeps its kernels and numbering.
        SchedulerTests.AssertSame(ScheduleInterpreter.Run(s, bind), ScheduleInterpreter.Run(fused, bind), 1e-12);
        Assert.Equal(Enumerable.Range(0, 5), s.Kernels.Select(k => k.Id));
    }
}
