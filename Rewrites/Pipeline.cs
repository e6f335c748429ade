using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Engine;
using Nabla.Rewrites.Passes;

namespace Nabla.Rewrites;

/// <summary>
/// The compiler's pipeline, one list in the order it runs, from the gradient to emitted code (<see cref="Stages"/>):
/// autodiff (by the caller) → merge → a round of canonicalize → stabilize → specialize → cleanup repeated to a fixed
/// point (the order of Theano's) → the schedule stages (specialize for scheduling, fuse, in-place updates, kernels,
/// order, memory plan) → emit (by a backend). Every entry carries the reason for its place. Every graph pass maps a
/// <see cref="Function"/> to an equivalent one — the reference interpreter gives the same results, up to rounding and
/// the documented stabilizations — and is linear in the size of the graph. <see cref="Optimize"/> runs the graph
/// stages of the list, <see cref="Schedule.Scheduler.Build"/> the schedule stages, and
/// <see cref="Compile"/> both; with <see cref="RewriteOptions.Verify"/> the <see cref="Verifier"/> checks the result
/// of every pass and the schedule. The list lives here, in the rewrites, because every stage but the last runs here;
/// emission is named as its last stage but performed by a backend, a layer above that the rewrites cannot reference.
/// </summary>
public static class Pipeline
{
    /// <summary>Replace every custom op (<c>Op.Define</c>) by its forward.</summary>
    public static readonly Pass Inline = new("inline",
        "replace custom ops by their forwards after autodiff has used their own rules, so every later pass, the scheduler and the backends see built-in ops only",
        (f, o, r) => Op.Inline(f));

    /// <summary>Merge equal values and drop dead nodes (a fresh, structurally numbered graph).</summary>
    public static readonly Pass Merge = new("merge",
        "hash-cons duplicates and drop dead nodes first, so every later pass sees each value once",
        (f, o, r) => CommonSubexpressions.Run(f, o, r), merges: true);

    /// <summary>Constant folding, identities, layout collapse and canonical forms, to one joint fixed point.</summary>
    public static readonly Pass Canonicalize = new("canonicalize",
        "fold constants, apply identities and give equal values one form, so that later patterns have one shape to match",
        (f, o, r) => Canonicalization.Run(f, o, r));

    /// <summary>Stable replacements for overflow-prone compositions.</summary>
    public static readonly Pass Stabilize = new("stabilize",
        "replace log∘softmax, log(1+eˣ), log∘σ, cross-entropies by stable primitives; needs canonical input",
        (f, o, r) => Stabilization.Run(f, o, r));

    /// <summary>Canonical forms to the cheapest ones to run.</summary>
    public static readonly Pass Specialize = new("specialize",
        "turn matching-friendly forms into the cheapest to run (x·(1/s) → x/s); last, since canonicalization would undo it",
        (f, o, r) => Specialization.Run(f, o, r));

    /// <summary>Merge what the rewrites made equal, drop what they made dead.</summary>
    public static readonly Pass Cleanup = new("cleanup",
        "merge nodes the rewrites made equal, drop dead ones, number nodes by structure (so reruns print identically)",
        (f, o, r) => CommonSubexpressions.Run(f, o, r), merges: true);

    /// <summary>One round of rewriting; <see cref="Optimize"/> repeats it until it changes nothing.</summary>
    public static IReadOnlyList<Pass> Round { get; } = new[] { Canonicalize, Stabilize, Specialize, Cleanup };

    /// <summary>The optimization passes in order: <see cref="Inline"/>, <see cref="Merge"/>, then one <see cref="Round"/>.</summary>
    public static IReadOnlyList<Pass> Standard { get; } = new[] { Inline, Merge }.Concat(Round).ToArray();

    /// <summary>Building the gradients (<c>Autodiff.Grad</c>): done by the caller, before the passes.</summary>
    public static readonly Stage Gradient = new("autodiff",
        "build the gradients first (Lowerer.TrainStep, nabla ir --grad), so that forward and backward are optimized as one graph",
        StageKind.Gradient);

    /// <summary>The <see cref="Inline"/> pass, once.</summary>
    public static readonly Stage InlineStage = new("inline", Inline.Reason, StageKind.Pass, new[] { Inline });

    /// <summary>The <see cref="Merge"/> pass, once.</summary>
    public static readonly Stage MergeStage = new("merge", Merge.Reason, StageKind.Pass, new[] { Merge });

    /// <summary>The <see cref="Round"/>, repeated until a round changes nothing (or repeats the previous one).</summary>
    public static readonly Stage Rewrite = new("rewrite",
        "specialization leaves forms that canonicalization may carry further (a product of reciprocals has several spellings): repeat to a fixed point, so optimizing again changes nothing",
        StageKind.Round, Round, new FixedPoint(probe: Canonicalize, repeats: Stabilize));

    /// <summary><see cref="Schedule.Specialize"/>: rewrites that fit the graph to the kernels.</summary>
    public static readonly Stage ScheduleSpecialize = new("schedule-specialize",
        "step(z) → step(relu(z)), reductions over split axes → adjacent runs: kernel-shaped forms, after the rewrites since canonicalization would undo them",
        StageKind.Schedule);

    /// <summary>The fusion plan.</summary>
    public static readonly Stage Fuse = new("fuse",
        "plan the kernels: GEMMs with bias/ReLU/mask/update epilogues, elementwise loops grouped by level, reduction prologues, one softmax kernel per input",
        StageKind.Schedule);

    /// <summary>Which updates are written into their parameter's buffer.</summary>
    public static readonly Stage InPlace = new("in-place",
        "decide on the fusion plan which updates write their parameter in place, giving up (lowest id first) those whose kernels would wait on each other; before any buffer exists",
        StageKind.Schedule);

    /// <summary>Kernels and buffers.</summary>
    public static readonly Stage Kernels = new("kernels",
        "make the planned kernels and their buffers: parameters for the in-place updates, temporaries and views for the rest",
        StageKind.Schedule);

    /// <summary>Kernel order.</summary>
    public static readonly Stage Order = new("order",
        "order the kernels by data and write-after-read edges (every reader of a parameter's old value before its overwrite); needs the kernels",
        StageKind.Schedule);

    /// <summary>Memory slots.</summary>
    public static readonly Stage MemoryPlan = new("memory-plan",
        "give temporaries memory slots by liveness; needs the final order",
        StageKind.Schedule);

    /// <summary>Code from the schedule: performed by a backend (C# source, or expression trees).</summary>
    public static readonly Stage Emit = new("emit",
        "print C# or build expression trees from the schedule; last, in a backend (Nabla.Backends), a layer the rewrites cannot reference",
        StageKind.Emit);

    /// <summary>The whole pipeline, in the order it runs, from the gradient to emitted code.</summary>
    public static IReadOnlyList<Stage> Stages { get; } = new[] { Gradient, InlineStage, MergeStage, Rewrite, ScheduleSpecialize, Fuse, InPlace, Kernels, Order, MemoryPlan, Emit };

    /// <summary>The passes of <see cref="Simplify"/>: for showing derivatives to people, no reordering beyond need.</summary>
    public static IReadOnlyList<Pass> Display { get; } = new[]
    {
        Inline,
        Merge,
        new Pass("simplify", "fold constants and apply the exact identities (x*1, x+0, --x, ...)", (f, o, r) => AlgebraicSimplification.Run(f, o, r)),
        Cleanup,
    };

    /// <summary>
    /// Folds constants, applies the identities, merges equal values and drops dead ones: the form in which
    /// derivatives are shown (<c>d/dx1 = cos(x1) + x2</c>). The result lives in a fresh graph.
    /// </summary>
    public static Function Simplify(Function f, RewriteOptions? options = null) => Run(f, Display, options).Function;

    /// <summary>
    /// Optimizes <paramref name="f"/> by running the graph stages of <see cref="Stages"/> in order: <see cref="Merge"/>,
    /// then <see cref="Round"/> after round until its <see cref="FixedPoint"/> rule stops it (see <see cref="Rewrite"/>).
    /// Returns the function and what each pass did.
    /// </summary>
    public static (Function Function, PassReport Report) Optimize(Function f, RewriteOptions? options = null) => RunStages(f, Stages, options);

    /// <summary>
    /// Runs the <see cref="StageKind.Pass"/> and <see cref="StageKind.Round"/> stages of <paramref name="stages"/> in
    /// order (the others are performed elsewhere and skipped). A round runs its passes in order, round after round,
    /// until a whole round gives back its input, or the early stop of its <see cref="FixedPoint"/> rule holds, or
    /// <see cref="RewriteOptions.MaxRounds"/> rounds have run (an error with <see cref="RewriteOptions.Verify"/>).
    /// </summary>
    public static (Function Function, PassReport Report) RunStages(Function f, IReadOnlyList<Stage> stages, RewriteOptions? options = null)
    {
        var run = new PassRun(f, options ?? RewriteOptions.Default, new PassReport());
        RunGraphStages(run, stages);
        return (run.F, run.Report);
    }

    /// <summary>
    /// Optimizes (unless <paramref name="optimize"/> is false) and schedules <paramref name="f"/>: every stage of
    /// <see cref="Stages"/> from merge to the memory plan, recorded in one report (into <paramref name="report"/> when
    /// given, after what the caller recorded, e.g. the gradient). With <see cref="RewriteOptions.Verify"/> the
    /// schedule-specialized graph and the schedule are verified too.
    /// </summary>
    public static (Function Function, Schedule.Schedule Schedule, PassReport Report) Compile(Function f, RewriteOptions? options = null, bool optimize = true, PassReport? report = null)
    {
        options ??= RewriteOptions.Default;
        report ??= new PassReport();
        var opt = f;
        if (optimize)
        {
            var run = new PassRun(f, options, report);
            RunGraphStages(run, Stages);
            opt = run.F;
        }
        var s = Schedule.Scheduler.Build(opt, report);
        if (options.Verify)
        {
            Verifier.CheckPass(ScheduleSpecialize.Name, opt, s.Source);
            Verifier.CheckSchedule(MemoryPlan.Name, s);
        }
        return (opt, s, report);
    }

    private static void RunGraphStages(PassRun run, IReadOnlyList<Stage> stages)
    {
        foreach (var stage in stages)
        {
            if (stage.Kind == StageKind.Pass) run.Apply(stage.Passes[0], 1, stage);
            else if (stage.Kind == StageKind.Round) RunRounds(run, stage);
        }
    }

    private static void RunRounds(PassRun run, Stage stage)
    {
        var passes = stage.Passes;
        var stop = stage.Stop!;
        int probe = stop.Probe is null ? -1 : IndexOf(passes, stop.Probe), repeats = stop.Repeats is null ? -1 : IndexOf(passes, stop.Repeats);
        long? repeated = null; // the previous round's fingerprint after `repeats`
        for (int round = 1; ; round++)
        {
            var (start, startCounts) = (run.F, run.Counts);
            Function? afterRepeats = null;
            for (int i = 0; i < passes.Count; i++)
            {
                run.Apply(passes[i], round, stage);
                if (i == probe && repeated is { } previous && Fingerprint(run.F) == previous)
                {
                    run.Report.NoteLast($"round {round} repeats round {round - 1}: stopped after {passes[i].Name}");
                    run.Reset(start, startCounts);
                    return;
                }
                if (i == repeats) afterRepeats = run.F;
            }
            if (SameStructure(start, run.F))
            {
                run.Report.NoteLast($"round {round} changed nothing");
                return;
            }
            if (round == run.Options.MaxRounds)
            {
                if (run.Options.Verify) throw new InvalidOperationException($"The rewrite rounds did not reach a fixed point in {run.Options.MaxRounds} rounds.");
                run.Report.NoteLast($"MaxRounds ({round}) reached");
                return;
            }
            repeated = afterRepeats is null ? null : Fingerprint(afterRepeats);
        }
    }

    private static int IndexOf(IReadOnlyList<Pass> passes, Pass p)
    {
        for (int i = 0; i < passes.Count; i++) if (ReferenceEquals(passes[i], p)) return i;
        throw new ArgumentException($"The stopping rule names pass '{p.Name}', which is not in the round.");
    }

    /// <summary>A 64-bit structural hash of a function: its output and update names and the structure of their values.</summary>
    public static long Fingerprint(Function f)
    {
        var facts = new Facts();
        long h = 17;
        foreach (var o in f.Outputs.Concat(f.Updates))
        {
            foreach (char c in o.Name) h = unchecked(h * 31 + c);
            h = unchecked(h * 1000003 + facts.Hash(o.Node));
        }
        return unchecked(h * 2 + f.Outputs.Count);
    }

    /// <summary>
    /// Runs <paramref name="passes"/> once, in order, on <paramref name="f"/>, recording node counts (in total and per
    /// op), rule firings and time of each. With <see cref="RewriteOptions.Verify"/> every pass is checked by
    /// <see cref="Verifier.CheckPass"/> (an error naming the pass).
    /// </summary>
    public static (Function Function, PassReport Report) Run(Function f, IEnumerable<Pass> passes, RewriteOptions? options = null)
    {
        var run = new PassRun(f, options ?? RewriteOptions.Default, new PassReport());
        foreach (var pass in passes) run.Apply(pass, 1, null);
        return (run.F, run.Report);
    }

    /// <summary>
    /// True when two functions are the same graph: equal nodes (op, attributes, type, shape, operands) in the same
    /// topological order, and equal outputs and updates. Functions that come out of <see cref="Cleanup"/> are numbered
    /// by structure, so this is structural equality for them.
    /// </summary>
    public static bool SameStructure(Function a, Function b)
    {
        var na = a.Nodes(); var nb = b.Nodes();
        if (na.Count != nb.Count || a.Outputs.Count != b.Outputs.Count || a.Updates.Count != b.Updates.Count) return false;
        var index = new Dictionary<Node, int>(na.Count);
        for (int i = 0; i < na.Count; i++) { index[na[i]] = i; index[nb[i]] = i; }
        for (int i = 0; i < na.Count; i++)
        {
            Node x = na[i], y = nb[i];
            if (x.Op != y.Op || x.DType != y.DType || !x.Shape.Equals(y.Shape) || !x.Attrs.Equals(y.Attrs) || x.Inputs.Count != y.Inputs.Count) return false;
            for (int k = 0; k < x.Inputs.Count; k++) if (index[x.Inputs[k]] != index[y.Inputs[k]]) return false;
        }
        bool Same(IReadOnlyList<Named> p, IReadOnlyList<Named> q)
        {
            for (int i = 0; i < p.Count; i++) if (p[i].Name != q[i].Name || index[p[i].Node] != index[q[i].Node]) return false;
            return true;
        }
        return Same(a.Outputs, b.Outputs) && Same(a.Updates, b.Updates);
    }

    /// <summary>The current function of a run, its op counts (carried from one pass to the next), the options and the report.</summary>
    private sealed class PassRun
    {
        public PassRun(Function f, RewriteOptions options, PassReport report) { F = f; Options = options; Report = report; }
        public Function F;
        public IReadOnlyDictionary<string, int>? Counts;
        public readonly RewriteOptions Options;
        public readonly PassReport Report;

        public void Apply(Pass pass, int round, Stage? stage)
        {
            var before = Counts ?? PassReport.CountOps(F);
            var rules = new RewriteReport();
            var clock = Stopwatch.StartNew();
            var next = pass.Run(F, Options, rules);
            clock.Stop();
            var after = PassReport.CountOps(next);
            Report.Add(new PassStats(pass, round, before, after, rules, clock.Elapsed.TotalMilliseconds), stage);
            if (Options.Verify) Verifier.CheckPass(pass.Name, F, next, rules, pass.Merges);
            F = next;
            Counts = after;
        }

        public void Reset(Function f, IReadOnlyDictionary<string, int>? counts) { F = f; Counts = counts; }
    }
}
