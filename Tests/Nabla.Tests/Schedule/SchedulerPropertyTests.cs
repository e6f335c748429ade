using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Schedule;

/// <summary>
/// The schedule of any graph computes what the graph means: fusion, GEMM epilogues, in-place updates, ordering
/// and slot reuse must leave every output and update equal to the reference interpreter's.
/// </summary>
public class SchedulerPropertyTests
{
    private static Config Cfg(int n) => Config.QuickThrowOnFailure.WithMaxTest(n);

    // The random graph's output y, an intermediate value, the gradient of Σy w.r.t. every variable, and an
    // SGD-like update of every parameter: forward and backward kernels, multi-output loops and in-place writes.
    private static Function Augment(GraphCase c)
    {
        var f = c.Function;
        var y = c.Output;
        var vars = c.Variables;
        var outputs = new List<Named> { new("y", y) };
        var inner = f.Nodes().Where(n => !n.IsLeaf && n != y).ToList();
        if (inner.Count > 0) outputs.Add(new Named("mid", inner[inner.Count / 2]));
        if (vars.Count == 0) return new Function(f.Graph, outputs);
        var grads = Autodiff.Grad(F.Sum(y), vars);
        for (int i = 0; i < vars.Count; i++) if (vars[i].Op == Op.Input) outputs.Add(new Named("d/d" + vars[i].Name, grads[i]));
        var updates = vars.Select((v, i) => (v, g: grads[i])).Where(p => p.v.Op == Op.Param).Select(p => new Named(p.v.Name!, p.v - p.g * 0.125));
        return new Function(f.Graph, outputs, updates);
    }

    private static bool Agrees(Function f, GraphCase c)
    {
        var want = Interpreter.Run(f, c.Bindings, DType.F64, c.Batch);
        var got = ScheduleInterpreter.Run(Scheduler.Build(f), c.Bindings, c.Batch);
        foreach (var (name, value) in want.Outputs.Concat(want.Updates).Select(kv => (kv.Key, kv.Value)))
        {
            var other = got.Outputs.TryGetValue(name, out var o) ? o : got.Updates[name];
            for (int i = 0; i < value.Size; i++)
            {
                double a = value.Data[i], b = other.Data[i];
                if (double.IsNaN(a) && double.IsNaN(b)) continue;
                if (!(Math.Abs(a - b) <= 1e-11 * (1 + Math.Abs(a))))
                    throw new Exception($"{name}[{i}]: interpreter {a:R}, schedule {b:R}\n{Scheduler.Build(f)}");
            }
        }
        return true;
    }

    [Fact]
    public void RandomGraphsScheduleToTheirMeaning() =>
        Check.One(Cfg(300), Prop.ForAll(RandomGraphs.Arb(), c => Agrees(c.Function, c)));

    [Fact]
    public void RandomGraphsWithGradientsAndUpdatesScheduleToTheirMeaning() =>
        Check.One(Cfg(300), Prop.ForAll(RandomGraphs.Arb(), c => Agrees(Augment(c), c)));

    [Fact]
    public void EveryTemporaryIsWrittenBeforeItIsReadAndNoSlotHoldsTwoLiveValues() =>
        Check.One(Cfg(200), Prop.ForAll(RandomGraphs.Arb(), c =>
        {
            var s = Scheduler.Build(Augment(c));
            var live = new Dictionary<int, Nabla.Rewrites.Schedule.Buffer>(); // slot → current occupant
            var lastRead = new Dictionary<Nabla.Rewrites.Schedule.Buffer, int>();
            foreach (var k in s.Kernels) foreach (var b in k.Reads) lastRead[b.Storage] = k.Id;
            var written = new HashSet<Nabla.Rewrites.Schedule.Buffer>();
            foreach (var k in s.Kernels)
            {
                foreach (var b in k.Reads.Select(b => b.Storage).Where(b => b.Kind == BufferKind.Temp))
                {
                    Assert.True(written.Contains(b), $"k{k.Id} reads {b} before any kernel writes it\n{s}");
                    if (b.Slot >= 0) Assert.Same(b, live[b.Slot]);
                }
                foreach (var b in k.Writes.Select(b => b.Storage).Where(b => b.Kind == BufferKind.Temp))
                {
                    written.Add(b);
                    if (b.Slot < 0) continue;
                    if (live.TryGetValue(b.Slot, out var prev) && prev != b)
                        Assert.True(!lastRead.TryGetValue(prev, out var lr) || lr <= k.Id, $"k{k.Id} overwrites slot {b.Slot} while {prev} is still read later\n{s}");
                    live[b.Slot] = b;
                }
            }
            return true;
        }));
}
