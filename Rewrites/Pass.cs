using System;
using System.Collections.Generic;
using Nabla.Ir;
using Nabla.Rewrites.Engine;

namespace Nabla.Rewrites;

/// <summary>One step of the optimization pipeline: a name, the reason it sits where it does, and the transformation.</summary>
public sealed class Pass
{
    private readonly Func<Function, RewriteOptions, RewriteReport, Function> _run;

    /// <summary>Creates a pass.</summary>
    /// <param name="name">Short name shown in reports (<c>canonicalize</c>).</param>
    /// <param name="reason">One line: why the pass is at this point of the order.</param>
    /// <param name="run">The transformation; it may record rule firings in the report it is given.</param>
    /// <param name="merges">True when the pass promises to leave no two structurally equal nodes (checked by the verifier).</param>
    public Pass(string name, string reason, Func<Function, RewriteOptions, RewriteReport, Function> run, bool merges = false)
    {
        Name = name; Reason = reason; _run = run; Merges = merges;
    }

    /// <summary>Short name shown in reports.</summary>
    public string Name { get; }

    /// <summary>Why the pass is at this point of the order.</summary>
    public string Reason { get; }

    /// <summary>True when the pass leaves no two structurally equal nodes (<see cref="RewriteOptions.Verify"/> checks it).</summary>
    public bool Merges { get; }

    /// <summary>Applies the pass.</summary>
    public Function Run(Function f, RewriteOptions options, RewriteReport report) => _run(f, options, report);

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Reason}";
}

/// <summary>Who performs a stage of <see cref="Pipeline.Stages"/>.</summary>
public enum StageKind
{
    /// <summary>Building the gradients: done by the caller (<c>Autodiff.Grad</c>) before the passes run.</summary>
    Gradient,
    /// <summary>One graph <see cref="Rewrites.Pass"/>, run once by <see cref="Pipeline.Optimize"/>.</summary>
    Pass,
    /// <summary>Graph passes repeated as a round by <see cref="Pipeline.Optimize"/> until its <see cref="Stage.Stop"/> rule holds.</summary>
    Round,
    /// <summary>A stage of <see cref="Schedule.Scheduler.Build"/>.</summary>
    Schedule,
    /// <summary>Printing or building code from the schedule: done by a backend, a layer above the rewrites.</summary>
    Emit,
}

/// <summary>
/// The stopping rule of a round (<see cref="StageKind.Round"/>). A round always stops once a whole round gives back
/// its input (compared with <see cref="Pipeline.SameStructure"/>): the graph is then a fixed point of the round, so
/// optimizing it again changes nothing. It may also stop early, before finishing a round, when the graph after
/// <see cref="Probe"/> equals (by <see cref="Pipeline.Fingerprint"/>) the previous round's graph after
/// <see cref="Repeats"/>: <see cref="Repeats"/> is a fixed point on its own output, so the rest of the round would repeat
/// the previous round, and the previous round's result is kept. At most <see cref="RewriteOptions.MaxRounds"/> rounds run.
/// </summary>
public sealed class FixedPoint
{
    /// <summary>Creates the rule; <paramref name="probe"/> and <paramref name="repeats"/> are both given or both null.</summary>
    public FixedPoint(Pass? probe = null, Pass? repeats = null)
    {
        if ((probe is null) != (repeats is null)) throw new ArgumentException("A round's early stop needs both the probe pass and the pass it repeats.");
        Probe = probe; Repeats = repeats;
    }

    /// <summary>The pass after which the early stop is tested (null: no early stop).</summary>
    public Pass? Probe { get; }

    /// <summary>The pass whose previous-round output, met again after <see cref="Probe"/>, means the round repeats itself.</summary>
    public Pass? Repeats { get; }

    /// <summary>The rule in words.</summary>
    public override string ToString() =>
        "until a round changes nothing (at most MaxRounds)" + (Probe is null ? "" : $"; stop early when {Probe.Name} gives back the previous round's {Repeats!.Name}d graph");
}

/// <summary>
/// One entry of <see cref="Pipeline.Stages"/>, the compiler's pipeline from the gradient to emitted code: a name, the
/// reason it sits where it does, who performs it, and for graph stages the passes it runs.
/// </summary>
public sealed class Stage
{
    /// <summary>Creates a stage.</summary>
    public Stage(string name, string reason, StageKind kind, IReadOnlyList<Pass>? passes = null, FixedPoint? stop = null)
    {
        if ((kind == StageKind.Pass && passes?.Count != 1) || (kind == StageKind.Round && (passes is null || passes.Count == 0 || stop is null)))
            throw new ArgumentException($"Stage '{name}': a pass stage runs one pass, a round at least one pass and has a stopping rule.");
        Name = name; Reason = reason; Kind = kind; Passes = passes ?? Array.Empty<Pass>(); Stop = stop;
    }

    /// <summary>Short name shown in reports.</summary>
    public string Name { get; }

    /// <summary>Why the stage is at this point of the order.</summary>
    public string Reason { get; }

    /// <summary>Who performs the stage.</summary>
    public StageKind Kind { get; }

    /// <summary>The graph passes of a <see cref="StageKind.Pass"/> or <see cref="StageKind.Round"/> stage, in order (empty otherwise).</summary>
    public IReadOnlyList<Pass> Passes { get; }

    /// <summary>When a <see cref="StageKind.Round"/> stops (null otherwise).</summary>
    public FixedPoint? Stop { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Reason}";
}
