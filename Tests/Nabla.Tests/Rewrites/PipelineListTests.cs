using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Engine;
using Nabla.Rewrites.Schedule;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace Nabla.Tests.Rewrites;

/// <summary>
/// The pipeline list (<see cref="Pipeline.Stages"/>): its order, the report of a run through it, the round's stopping
/// rule, the verifier that runs after every pass and after scheduling, and in-place cycles broken without retries.
/// </summary>
public class PipelineListTests
{
    private static Function MlpStep(string optimizer = "sgd") =>
        Nabla.Benchmarks.Cases.MlpGraphs.TrainStep(new[] { 6, 8, 8, 3 }, optimizer, DType.F64, withLogits: true);

    [Fact]
    public void The_list_runs_from_autodiff_to_emit_and_every_stage_gives_its_reason()
    {
        Assert.Equal(new[] { "autodiff", "inline", "merge", "rewrite", "schedule-specialize", "fuse", "in-place", "kernels", "order", "memory-plan", "emit" },
            Pipeline.Stages.Select(s => s.Name));
        Assert.Equal(new[] { StageKind.Gradient, StageKind.Pass, StageKind.Pass, StageKind.Round, StageKind.Schedule, StageKind.Schedule, StageKind.Schedule,
            StageKind.Schedule, StageKind.Schedule, StageKind.Schedule, StageKind.Emit }, Pipeline.Stages.Select(s => s.Kind));
        Assert.All(Pipeline.Stages, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason), s.Name));
        Assert.Equal(Pipeline.Round, Pipeline.Rewrite.Passes);
        Assert.Same(Pipeline.Canonicalize, Pipeline.Rewrite.Stop!.Probe);
        Assert.Same(Pipeline.Stabilize, Pipeline.Rewrite.Stop!.Repeats);
        // Standard is the graph stages' passes, one round.
        Assert.Equal(Pipeline.Stages.Where(s => s.Kind is StageKind.Pass or StageKind.Round).SelectMany(s => s.Passes), Pipeline.Standard);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Compile_records_every_stage_in_order_with_counts_and_gives_what_optimize_and_build_give(string optimizer)
    {
        var f = MlpStep(optimizer);
        var (opt, s, report) = Pipeline.Compile(f, RewriteChecks.Strict());
        var (alone, passes) = Pipeline.Optimize(f);
        Assert.Equal(Printer.Print(alone), Printer.Print(opt));
        Assert.Equal(Scheduler.Build(alone).ToString(), s.ToString());
        Assert.Equal(passes.Passes.Select(p => p.Title), report.Passes.Select(p => p.Title));

        // The rows follow the list: inline, merge, the round's passes round by round, then the six schedule stages.
        var rows = report.Stages;
        Assert.Equal(report.Passes.Count + 6, rows.Count);
        Assert.Same(Pipeline.InlineStage, rows[0].Stage);
        Assert.Equal(rows[0].NodesBefore, rows[0].NodesAfter); // no custom op: inlining changes nothing
        Assert.Same(Pipeline.MergeStage, rows[1].Stage);
        Assert.All(rows.Skip(2).Take(report.Passes.Count - 2), r => Assert.Same(Pipeline.Rewrite, r.Stage));
        Assert.Equal(new[] { Pipeline.ScheduleSpecialize, Pipeline.Fuse, Pipeline.InPlace, Pipeline.Kernels, Pipeline.Order, Pipeline.MemoryPlan },
            rows.Skip(report.Passes.Count).Select(r => r.Stage));
        Assert.Equal(f.Nodes().Count, rows[0].NodesBefore);
        for (int i = 1; i < report.Passes.Count; i++) Assert.Equal(rows[i - 1].NodesAfter, rows[i].NodesBefore);
        var specialize = rows[report.Passes.Count];
        Assert.Equal(opt.Nodes().Count, specialize.NodesBefore);
        Assert.Equal(s.Source.Nodes().Count, specialize.NodesAfter);
        Assert.All(rows.Skip(report.Passes.Count + 3), r => Assert.Equal(s.Kernels.Count, r.Kernels));
        Assert.All(rows, r => Assert.True(r.Milliseconds >= 0));
        Assert.Equal($"{f.Updates.Count} of {f.Updates.Count} updates in place", rows[report.Passes.Count + 2].Note);
        var table = report.StageTable();
        int at = -1;
        foreach (var stage in Pipeline.Stages.Where(st => st.Kind is not StageKind.Gradient and not StageKind.Emit))
        {
            int next = table.IndexOf("\n" + stage.Name + " ", StringComparison.Ordinal);
            Assert.True(next > at, $"stage {stage.Name} is missing or out of order in\n{table}");
            at = next;
        }
    }

    [Fact]
    public void A_round_without_the_early_stop_gives_the_same_graph_and_confirms_with_a_whole_round()
    {
        var f = MlpStep("adam");
        var full = new Stage("rewrite", "no early stop", StageKind.Round, Pipeline.Round, new FixedPoint());
        var stages = Pipeline.Stages.Select(s => ReferenceEquals(s, Pipeline.Rewrite) ? full : s).ToArray();
        var (standard, report) = Pipeline.Optimize(f);
        var (slow, slowReport) = Pipeline.RunStages(f, stages);
        Assert.Equal(Printer.Print(standard), Printer.Print(slow));
        // The standard rule stops after the confirming round's canonicalization; without it the whole round runs.
        Assert.Equal(Pipeline.Canonicalize, report.Passes.Last().Pass);
        Assert.Equal(Pipeline.Cleanup, slowReport.Passes.Last().Pass);
        Assert.Equal(report.Passes.Last().Round, slowReport.Passes.Last().Round);
        Assert.Throws<ArgumentException>(() => new FixedPoint(probe: Pipeline.Canonicalize));
        Assert.Throws<ArgumentException>(() => new Stage("r", "no stop rule", StageKind.Round, Pipeline.Round));
    }

    // ---- the verifier names a broken pass ----

    private static (Function F, Node X, Node W) Small()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 3));
        var w = g.Param("w", Shape.Of(3));
        var y = F.Exp(x * w) + x * w;
        return (new Function(g, new[] { new Named("y", y) }, new[] { new Named("w", w - F.Sum(y, 0) * 0.5) }), x, w);
    }

    private static Exception Injected(Pass broken, Function f, bool verify = true)
    {
        var stages = Pipeline.Stages.ToList();
        stages.Insert(stages.IndexOf(Pipeline.MergeStage) + 1, new Stage(broken.Name, "deliberately wrong", StageKind.Pass, new[] { broken }));
        return Record.Exception(() => Pipeline.RunStages(f, stages, new RewriteOptions { Verify = verify }));
    }

    [Fact]
    public void A_pass_that_changes_an_output_shape_is_reported_by_name()
    {
        var (f, _, _) = Small();
        var broken = new Pass("sum-the-output", "wrong on purpose", (fn, o, r) =>
            new Function(fn.Graph, fn.Outputs.Select(n => new Named(n.Name, F.Sum(n.Node, 1))), fn.Updates));
        var e = Assert.IsType<InvalidOperationException>(Injected(broken, f));
        Assert.Contains("Pass 'sum-the-output' changed outputs \"y\"", e.Message);
        Assert.Null(Injected(broken, f, verify: false)); // only the verifier sees it
    }

    [Fact]
    public void A_pass_that_drops_an_update_is_reported_by_name()
    {
        var (f, _, _) = Small();
        var broken = new Pass("forget-updates", "wrong on purpose", (fn, o, r) => new Function(fn.Graph, fn.Outputs));
        var e = Assert.IsType<InvalidOperationException>(Injected(broken, f));
        Assert.Contains("Pass 'forget-updates' changed the number of updates from 1 to 0", e.Message);
    }

    [Fact]
    public void A_merging_pass_that_leaves_equal_nodes_is_reported_by_name()
    {
        var (f, _, _) = Small();
        // x·w and w·x are one value: a pass that claims to merge must not leave both.
        var broken = new Pass("lazy-merge", "wrong on purpose", (fn, o, r) =>
        {
            Node x = fn.Graph.Find("x")!, w = fn.Graph.Find("w")!;
            return new Function(fn.Graph, new[] { new Named("y", F.Exp(x * w) + w * x) }, fn.Updates);
        }, merges: true);
        var e = Assert.IsType<InvalidOperationException>(Injected(broken, f));
        Assert.Contains("Pass 'lazy-merge' left structurally equal nodes", e.Message);
    }

    [Fact]
    public void A_pass_that_mixes_graphs_is_reported_by_name()
    {
        var (f, _, _) = Small();
        var broken = new Pass("wrong-graph", "wrong on purpose", (fn, o, r) =>
        {
            var g = new Graph(DType.F64);
            var x = g.Input("x", Shape.Of(Shape.Batch, 3));
            return new Function(g, new[] { new Named("y", F.Exp(x)) }, Array.Empty<Named>());
        });
        var e = Assert.IsType<InvalidOperationException>(Injected(broken, f));
        Assert.Contains("Pass 'wrong-graph'", e.Message);
    }

    // ---- in-place cycles, broken up front ----

    [Fact]
    public void Updates_that_read_each_others_old_values_copy_the_lowest_id_parameter_once()
    {
        // w0' = w0 − w1/8, w1' = w1 − w2/8, w2' = w2 − w0/8: each loop reads the next parameter, so writing all three
        // in place would make each wait for the next. The lowest id (w0) goes through a temporary; the others stay in place.
        var g = new Graph(DType.F64);
        var w = Enumerable.Range(0, 3).Select(i => g.Param("w" + i, Shape.Of(4))).ToArray();
        var f = new Function(g, new[] { new Named("dot", F.Sum(w[0] * w[1] * w[2])) },
            w.Select((p, i) => new Named(p.Name!, p - w[(i + 1) % 3] * 0.125)));
        var report = new PassReport();
        var s = Scheduler.Build(f, report);
        var copies = s.Kernels.OfType<CopyKernel>().Where(k => k.Output.Kind == BufferKind.Param).ToList();
        Assert.Equal("w0", Assert.Single(copies).Output.Name);
        Assert.Equal("2 of 3 updates in place, 1 copied to break a cycle", report.Stages.Single(r => r.Stage == Pipeline.InPlace).Note);
        Verifier.CheckSchedule("test", s);
        var bind = w.Select((p, i) => (p.Name!, new Tensor(new[] { 4 }, Enumerable.Range(0, 4).Select(j => (double)(i + 1) * (j + 1)).ToArray())))
            .ToDictionary(t => t.Item1, t => t.Item2);
        var want = Interpreter.Run(f, bind);
        var got = ScheduleInterpreter.Run(s, bind);
        foreach (var p in w) Assert.Equal(want.Updates[p.Name!].Data, got.Updates[p.Name!].Data);
        Assert.Equal(want["dot"].Data, got["dot"].Data);
    }

    [Fact]
    public void Two_gemm_updates_that_read_each_others_parameter_give_up_the_lower_ids_epilogue()
    {
        // w0' = w0 − x·w1/8 and w1' = w1 − x·w0/8: each product would accumulate into its parameter in place (β = 1)
        // while the other still reads it. w0 (lowest id) loses its GEMM epilogue — fusion is planned again without
        // it — and its update goes through a temporary; w1 keeps accumulating in place.
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(2, 2));
        var w0 = g.Param("w0", Shape.Of(2, 2));
        var w1 = g.Param("w1", Shape.Of(2, 2));
        var f = new Function(g, new[] { new Named("n", F.Sum(x)) },
            new[] { new Named("w0", w0 - F.MatMul(x, w1) * 0.125), new Named("w1", w1 - F.MatMul(x, w0) * 0.125) });
        var report = new PassReport();
        var s = Scheduler.Build(f, report);
        Assert.Equal("w0", Assert.Single(s.Kernels.OfType<CopyKernel>(), k => k.Output.Kind == BufferKind.Param).Output.Name);
        var gemms = s.Kernels.OfType<GemmKernel>().ToList();
        Assert.Equal(2, gemms.Count);
        Assert.Equal("w1", Assert.Single(gemms, k => k.Beta == 1).C.Name);
        Assert.Equal("1 of 2 updates in place, 1 copied to break a cycle", report.Stages.Single(r => r.Stage == Pipeline.InPlace).Note);
        Verifier.CheckSchedule("test", s);
        var bind = new Dictionary<string, Tensor>
        {
            ["x"] = new(new[] { 2, 2 }, new double[] { 1, 2, 3, 4 }),
            ["w0"] = new(new[] { 2, 2 }, new double[] { 8, -8, 16, 0 }),
            ["w1"] = new(new[] { 2, 2 }, new double[] { 0, 24, -16, 8 }),
        };
        var want = Interpreter.Run(f, bind);
        var got = ScheduleInterpreter.Run(s, bind);
        Assert.Equal(want.Updates["w0"].Data, got.Updates["w0"].Data);
        Assert.Equal(want.Updates["w1"].Data, got.Updates["w1"].Data);
    }

    // ---- the verifier over random graphs ----

    // The case's output, its gradients, and an SGD-like update of every parameter (in-place writes and their cycles).
    private static Function WithUpdates(GraphCase c)
    {
        var f = RewriteChecks.WithGradients(c);
        var ps = c.Variables.Where(v => v.Op == Op.Param).ToList();
        if (ps.Count == 0) return f;
        var grads = Autodiff.Grad(F.Sum(c.Output), ps);
        return new Function(f.Graph, f.Outputs, ps.Select((p, i) => new Named(p.Name!, p - grads[i] * 0.125)));
    }

    [Fact]
    public void The_whole_pipeline_verifies_after_every_stage_on_random_graphs()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(150), Prop.ForAll(RandomGraphs.Arb(), c =>
        {
            var f = WithUpdates(c);
            foreach (bool optimize in new[] { true, false })
            {
                var (opt, s, report) = Pipeline.Compile(f, RewriteChecks.Strict(), optimize);
                if (report.Stages.Count(r => r.Stage?.Kind == StageKind.Schedule) != 6) throw new XunitException("schedule stages missing from the report");
                var want = Interpreter.Run(f, c.Bindings, DType.F64, c.Batch);
                var got = ScheduleInterpreter.Run(s, c.Bindings, c.Batch);
                foreach (var (name, value) in want.Outputs.Concat(want.Updates).Select(kv => (kv.Key, kv.Value)))
                {
                    var other = got.Outputs.TryGetValue(name, out var o) ? o : got.Updates[name];
                    for (int i = 0; i < value.Size; i++)
                    {
                        double a = value.Data[i], b = other.Data[i];
                        if (!optimize && !(double.IsNaN(a) && double.IsNaN(b)) && !(Math.Abs(a - b) <= 1e-11 * (1 + Math.Abs(a))))
                            throw new XunitException($"{name}[{i}]: interpreter {a:R}, schedule {b:R}\n{s}");
                    }
                }
            }
        }));
    }
}
