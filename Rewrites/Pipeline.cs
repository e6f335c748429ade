using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Engine;
using Nabla.Rewrites.Passes;

namespace Nabla.Rewrites;

/// <summary>
/// The optimization pipeline, in the order of Theano's (merge → canonicalize → stabilize → specialize), each
/// pass with the reason for its place. Every pass maps a <see cref="Function"/> to an equivalent one — the
/// reference interpreter gives the same results, up to rounding and the documented stabilizations — and is
/// linear in the size of the graph. Fusion, scheduling and memory planning follow these passes.
/// </summary>
public static class Pipeline
{
    /// <summary>Merge equal values and drop dead nodes (a fresh, structurally numbered graph).</summary>
    public static readonly Pass Merge = new("merge",
        "hash-cons duplicates and drop dead nodes first, so every later pass sees each value once",
        (f, o, r) => CommonSubexpressions.Run(f, o, r));

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
        (f, o, r) => CommonSubexpressions.Run(f, o, r));

    /// <summary>One round of rewriting; <see cref="Optimize"/> repeats it until it changes nothing.</summary>
    public static IReadOnlyList<Pass> Round { get; } = new[] { Canonicalize, Stabilize, Specialize, Cleanup };

    /// <summary>The optimization passes in order: <see cref="Merge"/>, then one <see cref="Round"/>.</summary>
    public static IReadOnlyList<Pass> Standard { get; } = new[] { Merge }.Concat(Round).ToArray();

    /// <summary>The passes of <see cref="Simplify"/>: for showing derivatives to people, no reordering beyond need.</summary>
    public static IReadOnlyList<Pass> Display { get; } = new[]
    {
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
    /// Optimizes <paramref name="f"/>: <see cref="Merge"/>, then <see cref="Round"/> after round until the graph is a
    /// fixed point of a whole round (at most <see cref="RewriteOptions.MaxRounds"/> rounds). Each rule set reaches its
    /// own fixed point in one sweep, but specialization leaves forms that canonicalization may carry further (a product
    /// of reciprocals of scalars has several spellings); repeating until nothing changes makes the result a fixed point
    /// of the whole pipeline, so optimizing it again changes nothing. The confirming round is short: when its
    /// canonicalization gives back exactly the previous round's stabilized graph (compared by structural hash), the rest
    /// of the round would repeat the previous one, and it stops there. Returns the function and what each pass did.
    /// </summary>
    public static (Function Function, PassReport Report) Optimize(Function f, RewriteOptions? options = null)
    {
        options ??= RewriteOptions.Default;
        var report = new PassReport();
        f = RunInto(report, f, new[] { Merge }, options, 1);
        long? stabilizedBefore = null;
        for (int round = 1; ; round++)
        {
            var canonical = RunInto(report, f, new[] { Canonicalize }, options, round);
            if (stabilizedBefore == Fingerprint(canonical)) return (f, report);
            var stabilized = RunInto(report, canonical, new[] { Stabilize }, options, round);
            var next = RunInto(report, stabilized, new[] { Specialize, Cleanup }, options, round);
            if (SameStructure(f, next)) return (next, report);
            f = next;
            stabilizedBefore = Fingerprint(stabilized);
            if (round == options.MaxRounds)
            {
                if (options.Verify) throw new InvalidOperationException($"The rewrite rounds did not reach a fixed point in {options.MaxRounds} rounds.");
                return (f, report);
            }
        }
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
    /// op), rule firings and time of each. With <see cref="RewriteOptions.Verify"/> every pass is checked: the outputs
    /// and updates keep their names, shapes and types, no rewrite warning was raised, and after a merging pass no
    /// two reachable nodes are structurally equal.
    /// </summary>
    public static (Function Function, PassReport Report) Run(Function f, IEnumerable<Pass> passes, RewriteOptions? options = null)
    {
        var report = new PassReport();
        return (RunInto(report, f, passes, options ?? RewriteOptions.Default, 1), report);
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

    private static Function RunInto(PassReport report, Function f, IEnumerable<Pass> passes, RewriteOptions options, int round)
    {
        var before = PassReport.CountOps(f);
        foreach (var pass in passes)
        {
            var rules = new RewriteReport();
            var clock = Stopwatch.StartNew();
            var next = pass.Run(f, options, rules);
            clock.Stop();
            var after = PassReport.CountOps(next);
            report.Add(new PassStats(pass, round, before, after, rules, clock.Elapsed.TotalMilliseconds));
            if (options.Verify) Check(pass, f, next, rules);
            f = next;
            before = after;
        }
        return f;
    }

    private static void Check(Pass pass, Function from, Function to, RewriteReport rules)
    {
        void Same(IReadOnlyList<Named> a, IReadOnlyList<Named> b, string what)
        {
            if (a.Count != b.Count) throw new InvalidOperationException($"Pass '{pass.Name}' changed the number of {what} from {a.Count} to {b.Count}.");
            for (int i = 0; i < a.Count; i++)
                if (a[i].Name != b[i].Name || !a[i].Node.Shape.Equals(b[i].Node.Shape) || a[i].Node.DType != b[i].Node.DType)
                    throw new InvalidOperationException($"Pass '{pass.Name}' changed {what} \"{a[i].Name}\" from {a[i].Node.Describe()} to \"{b[i].Name}\" {b[i].Node.Describe()}.");
        }
        Same(from.Outputs, to.Outputs, "outputs");
        Same(from.Updates, to.Updates, "updates");
        if (rules.Warnings.Count > 0) throw new InvalidOperationException($"Pass '{pass.Name}': {string.Join("; ", rules.Warnings)}");
        if (pass == Merge || pass == Cleanup)
        {
            var dup = CommonSubexpressions.Duplicates(to);
            if (dup.Count > 0)
                throw new InvalidOperationException($"Pass '{pass.Name}' left structurally equal nodes: {Printer.Line(dup[0].Item1)} and {Printer.Line(dup[0].Item2)}.");
        }
    }
}
