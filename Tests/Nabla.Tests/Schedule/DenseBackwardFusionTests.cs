using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Benchmarks.Cases;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Xunit;
using Sched = Nabla.Rewrites.Schedule.Schedule;
using Buffer = Nabla.Rewrites.Schedule.Buffer;

namespace Nabla.Tests.Schedule;

/// <summary>
/// The scheduler's dense-backward post-pass: which GEMM pairs it fuses, which it refuses (storage identity, slot sharing
/// included), and that the fused schedule computes what the unfused one does, with a memory plan that stays valid.
/// </summary>
public class DenseBackwardFusionTests
{
    private static Sched Sgd(int[] widths, DType type = DType.F64, bool optimize = true) =>
        Scheduler.Build(optimize ? Pipeline.Optimize(MlpGraphs.TrainStep(widths, "sgd", type)).Function : MlpGraphs.TrainStep(widths, "sgd", type));

    [Theory]
    [InlineData(new[] { 40, 100, 100, 10 }, true, 2)]
    [InlineData(new[] { 40, 100, 100, 10 }, false, 0)] // unoptimized, each update is an elementwise loop: no GEMM to pair with
    [InlineData(new[] { 6, 8, 8, 8, 3 }, true, 3)]
    [InlineData(new[] { 6, 3 }, true, 0)] // one layer: no input gradient to pair with
    public void Sgd_step_fuses_the_input_gradient_and_update_of_every_layer_but_the_first(int[] widths, bool optimize, int expected)
    {
        var s = Sgd(widths, DType.F32, optimize);
        var fused = s.Kernels.OfType<DenseBackwardKernel>().ToList();
        Assert.True(expected == fused.Count, $"{fused.Count} fused kernels, want {expected}:\n{s}");
        foreach (var d in fused)
        {
            // The gradient reads the weights the update writes in place, with the same dy.
            Assert.Same(d.Gradient.B.Storage, d.Update.C.Storage);
            Assert.Equal(BufferKind.Param, d.Update.C.Kind);
            Assert.Same(d.Gradient.A.Storage, d.Update.A.Storage);
            Assert.Equal(d.Gradient.Nodes.Concat(d.Update.Nodes).Distinct(), d.Nodes);
            Assert.Contains($"k{d.Id}: dense_backward gemm {d.Gradient.C.Ref} = ", s.ToString());
        }
        // No update GEMM of a fused weight is left on its own, and kernels are numbered by position.
        Assert.DoesNotContain(s.Kernels.OfType<GemmKernel>(), g => fused.Any(d => g.C.Storage == d.Update.C.Storage));
        Assert.Equal(Enumerable.Range(0, s.Kernels.Count), s.Kernels.Select(k => k.Id));
    }

    [Fact]
    public void Adam_step_has_no_in_place_gemm_update_to_fuse() =>
        Assert.Empty(Scheduler.Build(MlpGraphs.TrainStep(new[] { 6, 8, 8, 3 }, "adam", DType.F64)).Kernels.OfType<DenseBackwardKernel>());

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void Fused_step_matches_the_ir_interpreter_and_its_split_schedule(int batch)
    {
        var f = Pipeline.Optimize(SchedulerTests.MlpStep(new[] { 6, 8, 8, 3 })).Function;
        var s = Scheduler.Build(f);
        Assert.Equal(2, s.Kernels.OfType<DenseBackwardKernel>().Count());
        var split = DenseBackwardFusion.Split(s);
        Assert.Empty(split.Kernels.OfType<DenseBackwardKernel>());
        Assert.Equal(s.Kernels.Count + 2, split.Kernels.Count);
        var bind = SchedulerTests.Bindings(f, batch, 11);
        var want = Interpreter.Run(f, bind);
        SchedulerTests.AssertSame(want, ScheduleInterpreter.Run(s, bind), 1e-12);
        SchedulerTests.AssertSame(want, ScheduleInterpreter.Run(split, bind), 1e-12);
        // Split copies kernels: the fused schedule keeps its numbering.
        Assert.Equal(Enumerable.Range(0, s.Kernels.Count), s.Kernels.Select(k => k.Id));
    }

    [Theory]
    [InlineData(new[] { 40, 100, 100, 10 })]
    [InlineData(new[] { 6, 8, 8, 8, 3 })]
    [InlineData(new[] { 5, 9, 4 })]
    public void The_memory_plan_stays_valid_for_the_fused_order(int[] widths)
    {
        // Every read of a slot sees the buffer last written there, in the fused order (the update's reads moved up).
        var s = Sgd(widths);
        Assert.NotEmpty(s.Kernels.OfType<DenseBackwardKernel>());
        AssertSlotsValid(s);
        AssertSlotsValid(DenseBackwardFusion.Split(s));
    }

    internal static void AssertSlotsValid(Sched s)
    {
        var occupant = new Dictionary<int, Buffer>();
        foreach (var k in s.Kernels)
        {
            // A fused kernel's update reads after its gradient writes dx: check the parts in order.
            var steps = k is DenseBackwardKernel d ? new Kernel[] { d.Gradient, d.Update } : new[] { k };
            foreach (var step in steps)
            {
                foreach (var r in step.Reads.Select(b => b.Storage).Where(b => b.Kind == BufferKind.Temp && b.Slot >= 0))
                    Assert.True(occupant.TryGetValue(r.Slot, out var o) && o == r, $"k{k.Id} reads {r}, but slot {r.Slot} holds {(o is null ? "nothing" : o.ToString())}\n{s}");
                foreach (var w in step.Writes.Select(b => b.Storage).Where(b => b.Kind == BufferKind.Temp && b.Slot >= 0))
                    occupant[w.Slot] = w;
            }
        }
    }

    [Fact]
    public void Refuses_when_a_kernel_between_the_pair_reads_the_weights()
    {
        // The step plus an output whose one kernel reads 2.weight's old value elementwise together with a sum of 0.weight's
        // gradient: it must run before the update of 2.weight, and after the input gradient through 2.weight (0.weight's
        // gradient is computed from it).
        var f = MlpGraphs.TrainStep(new[] { 6, 8, 8, 3 }, "sgd", DType.F64);
        var w = f.Graph.Find("2.weight")!;
        var g0 = Autodiff.Grad(f.Outputs[0].Node, new[] { f.Graph.Find("0.weight")! })[0];
        var g = Pipeline.Optimize(new Function(f.Graph, f.Outputs.Append(new Named("probe", F.Sum(F.Exp(w * F.Sum(g0))))), f.Updates)).Function;
        var plain = Scheduler.Build(Pipeline.Optimize(f).Function);
        var s = Scheduler.Build(g);
        Assert.Contains(plain.Kernels.OfType<DenseBackwardKernel>(), d => d.Update.C.Name == "2.weight");
        var split = DenseBackwardFusion.Split(s);
        var gradient = split.Kernels.OfType<GemmKernel>().Single(k => k.B.Name == "2.weight" && !k.TransB && k.Beta == 0);
        var update = split.Kernels.OfType<GemmKernel>().Single(k => k.C.Name == "2.weight");
        var reader = split.Kernels.Single(k => k is ReduceKernel && k.Reads.Any(b => b.Storage.Name == "2.weight"));
        Assert.True(gradient.Id < reader.Id && reader.Id < update.Id, $"the reader should sit between the pair:\n{split}");
        Assert.DoesNotContain(s.Kernels.OfType<DenseBackwardKernel>(), d => d.Update.C.Name == "2.weight");
        Assert.Contains(s.Kernels.OfType<DenseBackwardKernel>(), d => d.Update.C.Name == "4.weight"); // the other layer still fuses
        var bind = SchedulerTests.Bindings(g, 3, 5);
        SchedulerTests.AssertSame(Interpreter.Run(g, bind), ScheduleInterpreter.Run(s, bind), 1e-12);
    }

    // A hand-built schedule: k0 copies x0 into x (slot 0); k1 is dx = dy·w; k2 is `between`; k3 is w = −0.5·dyᵀ·x + w.
    private sealed class Hand
    {
        private readonly List<Buffer> _buffers = new();
        public Buffer Add(BufferKind kind, string? name, params int[] dims)
        {
            var b = new Buffer(_buffers.Count, kind, name, Shape.Of(dims), DType.F64, null, null);
            _buffers.Add(b);
            return b;
        }
        public Buffer View(Buffer of, params int[] dims)
        {
            var b = new Buffer(_buffers.Count, of.Kind, null, Shape.Of(dims), DType.F64, null, of);
            _buffers.Add(b);
            return b;
        }
        public IReadOnlyList<Buffer> Buffers => _buffers;
    }

    private static readonly Dim Rows = new(1, 1); // B

    private static (Sched Schedule, Dictionary<string, Tensor> Bindings) HandBuilt(Func<Hand, Buffer, Buffer, Kernel> between)
    {
        var h = new Hand();
        int B = Shape.Batch;
        Buffer dy = h.Add(BufferKind.Input, "dy", B, 3), w = h.Add(BufferKind.Param, "w", 3, 4), x0 = h.Add(BufferKind.Input, "x0", B, 4);
        Buffer x = h.Add(BufferKind.Temp, null, B, 4), dx = h.Add(BufferKind.Temp, null, B, 4);
        x.Slot = 0;
        dx.IsOutput = true;
        var kernels = new List<Kernel> { new CopyKernel(Op.Reshape, x0, x, Array.Empty<int>()) };
        kernels.Add(new GemmKernel { A = dy, B = w, C = dx, M = Rows, N = new Dim(4), K = new Dim(3), Lda = new Dim(3), Ldb = new Dim(4), Ldc = new Dim(4) });
        kernels.Add(between(h, x, w));
        kernels.Add(new GemmKernel
        {
            A = dy, TransA = true, B = x, C = w, M = new Dim(3), N = new Dim(4), K = Rows, Lda = new Dim(3), Ldb = new Dim(4), Ldc = new Dim(4),
            Alpha = new ScalarTerm(-0.5), Beta = 1,
        });
        for (int i = 0; i < kernels.Count; i++) kernels[i].Id = i;
        var slots = new IReadOnlyList<Dim>[] { new[] { new Dim(4, 1) }, new[] { new Dim(4, 1), new Dim(12) } };
        var graph = new Graph(DType.F64);
        var source = new Function(graph, ("dx", graph.Input("dy", Shape.Of(B, 3)))); // listings only
        var s = new Sched(source, DType.F64, h.Buffers, kernels, new[] { ("dx", dx) }, new[] { ("w", w) }, slots);
        var rnd = new Random(7);
        Tensor T(int[] shape) => new(shape, Enumerable.Range(0, shape.Aggregate(1, (a, c) => a * c)).Select(_ => rnd.NextDouble() * 2 - 1).ToArray());
        var bind = new Dictionary<string, Tensor> { ["dy"] = T(new[] { 2, 3 }), ["w"] = T(new[] { 3, 4 }), ["x0"] = T(new[] { 2, 4 }), ["z"] = T(new[] { 2, 4 }) };
        return (s, bind);
    }

    private static void AssertFusion(Sched s, Dictionary<string, Tensor> bind, bool expectFused)
    {
        var fused = DenseBackwardFusion.Fuse(s);
        Assert.Equal(expectFused ? 1 : 0, fused.Kernels.OfType<DenseBackwardKernel>().Count());
        if (!expectFused) Assert.Same(s, fused);
        // Whatever it decides, the fused schedule computes what the hand-built one does (run with its real slots).
        SchedulerTests.AssertSame(ScheduleInterpreter.Run(s, bind), ScheduleInterpreter.Run(fused, bind), 1e-12);
    }

    [Fact]
    public void Fuses_a_hand_built_pair_when_the_kernel_between_touches_nothing_the_update_uses()
    {
        var (s, bind) = HandBuilt((h, x, w) => new CopyKernel(Op.Reshape, h.Add(BufferKind.Input, "z", Shape.Batch, 4), Slot(h.Add(BufferKind.Temp, null, Shape.Batch, 4), 1), Array.Empty<int>()));
        AssertFusion(s, bind, expectFused: true);
    }

    [Fact]
    public void Refuses_when_a_kernel_between_writes_a_temporary_into_the_slot_of_what_the_update_reads()
    {
        // y is another buffer than x, but it lives in x's slot: after k2 the update would read z's values, not x0's.
        var (s, bind) = HandBuilt((h, x, w) => new CopyKernel(Op.Reshape, h.Add(BufferKind.Input, "z", Shape.Batch, 4), Slot(h.Add(BufferKind.Temp, null, Shape.Batch, 4), 0), Array.Empty<int>()));
        AssertFusion(s, bind, expectFused: false);
        // The check is about storage, not buffers: x and y are different buffers.
        var layout = new StorageLayout(s);
        var y = s.Kernels[2].Writes.Single();
        Assert.NotSame(y, s.Kernels[0].Writes.Single());
        Assert.True(layout.SharesStorage(y, s.Kernels[0].Writes.Single()));
    }

    [Fact]
    public void Refuses_when_a_kernel_between_reads_the_weights_through_a_view()
    {
        var (s, bind) = HandBuilt((h, x, w) => new CopyKernel(Op.Reshape, h.View(w, 12), Slot(h.Add(BufferKind.Temp, null, 12), 1), Array.Empty<int>()));
        AssertFusion(s, bind, expectFused: false);
    }

    private static Buffer Slot(Buffer b, int slot) { b.Slot = slot; return b; }

    [Fact]
    public void Storage_layout_locates_every_kind_and_honours_an_input_order()
    {
        var f = MlpGraphs.TrainStep(new[] { 4, 5, 3 }, "sgd", DType.F32);
        var plan = MlpGraphs.Plan("M", "TrainStep", f);
        var s = plan.Methods[0].Schedule;
        var layout = StorageLayout.Of(plan, 0, new[] { "lr", "t" });
        Assert.Equal(new[] { "lr", "t", "x" }, layout.Inputs.Select(b => b.Name));
        Assert.Equal(new StorageLocation(StorageKind.Input, 0), layout.Locate(s.Inputs.Single(b => b.Name == "lr")));
        Assert.Equal(new StorageLocation(StorageKind.Output, 0), layout.Locate(s.Outputs[0].Buffer));
        foreach (var p in s.Params) Assert.Equal(new StorageLocation(StorageKind.Parameter, plan.ParameterIndex(p.Name!)), layout.Locate(p));
        foreach (var t in s.Buffers.Where(b => b.Kind == BufferKind.Temp && b.ViewOf is null && !b.IsOutput))
            Assert.Equal(new StorageLocation(StorageKind.Slot, t.Slot), layout.Locate(t));
        foreach (var v in s.Buffers.Where(b => b.ViewOf is not null)) Assert.Equal(layout.Locate(v.ViewOf!), layout.Locate(v));
        for (int i = 0; i < layout.Constants.Count; i++) Assert.Equal(new StorageLocation(StorageKind.Constant, i), layout.Locate(layout.Constants[i]));
        // Two temporaries share storage exactly when they share a slot.
        var temps = s.Buffers.Where(b => b.Kind == BufferKind.Temp && b.ViewOf is null && !b.IsOutput).ToList();
        foreach (var a in temps) foreach (var b in temps) Assert.Equal(a.Slot == b.Slot, layout.SharesStorage(a, b));
        Assert.Throws<ArgumentException>(() => layout.Locate(Sgd(new[] { 4, 3 }).Buffers[0]));
    }
}
