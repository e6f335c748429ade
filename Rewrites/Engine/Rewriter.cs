using System;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Engine;

/// <summary>
/// Rewrites a <see cref="Function"/> to a fixed point of a <see cref="RuleSet"/> in one bottom-up sweep.
/// Nodes are visited in topological order; each is rebuilt from its already-rewritten inputs through the
/// hash-consing <see cref="Graph"/> (so nodes that become equal merge at once — global value numbering),
/// then the rules indexed under its op are tried; when one fires, its result is normalized the same way,
/// recursively. Every node is normalized once (memoized by id), so a sweep costs time linear in the graph
/// times the handful of rules per op. Because rules depend only on the subterm they match, the result is
/// a normal form: a second sweep fires nothing (checked when <see cref="RewriteOptions.CheckFixpoint"/> is set).
/// </summary>
public static class Rewriter
{
    /// <summary>
    /// Rewrites <paramref name="f"/> with <paramref name="rules"/>, adding rule counts to <paramref name="report"/> (and to
    /// <see cref="RuleFirings.Current"/> when a tally is listening).
    /// </summary>
    public static Function Run(Function f, RuleSet rules, RewriteOptions? options = null, RewriteReport? report = null)
    {
        options ??= RewriteOptions.Default;
        report ??= new RewriteReport();
        var nodes = f.Nodes();
        var sweep = new Sweep(rules, new RewriteContext(f.Graph, options, report), options.MaxSteps ?? 64 * nodes.Count + 1024, RuleFirings.Current);
        var result = sweep.Apply(f, nodes);
        if (options.CheckFixpoint && !report.StepBoundHit && report.Warnings.Count == 0)
        {
            var again = new RewriteReport();
            var check = new Sweep(rules, new RewriteContext(f.Graph, options, again), int.MaxValue, null);
            check.Apply(result, result.Nodes());
            if (again.Steps > 0)
                throw new InvalidOperationException($"Rule set '{rules.Name}' is not at a fixed point after one sweep; a second sweep fired:\n{again}");
        }
        return result;
    }

    private sealed class Sweep
    {
        private readonly RuleSet _rules;
        private readonly RewriteContext _ctx;
        private readonly Match _match;
        private readonly int _maxSteps;
        private readonly RuleFirings? _firings;
        private Node?[] _done = new Node?[256];
        private bool[] _busy = new bool[256];
        private bool _exhausted;

        public Sweep(RuleSet rules, RewriteContext ctx, int maxSteps, RuleFirings? firings)
        {
            _rules = rules; _ctx = ctx; _maxSteps = maxSteps; _firings = firings;
            _match = new Match(ctx);
        }

        public Function Apply(Function f, System.Collections.Generic.IReadOnlyList<Node> nodes)
        {
            foreach (var n in nodes) Normalize(n, 0);
            return f.With(f.Outputs.Select(o => new Named(o.Name, Normalize(o.Node, 0))),
                          f.Updates.Select(u => new Named(u.Name, Normalize(u.Node, 0))));
        }

        private Node Normalize(Node n, int cascade)
        {
            Grow(n.Id);
            if (_done[n.Id] is { } d) return d;
            if (_busy[n.Id])
            {
                // A rule's result led back to a node being rewritten: the rules cycle. Keep the node as it is.
                _ctx.Report.Warn($"rules cycle at {n.Describe()} ({Printer.Line(n)})");
                return n;
            }
            _busy[n.Id] = true;
            var rebuilt = Rebuild(n, cascade);
            Grow(rebuilt.Id);
            Node result;
            if (!ReferenceEquals(rebuilt, n) && _done[rebuilt.Id] is { } known) result = known;
            else result = Reduce(rebuilt, cascade);
            _busy[n.Id] = false;
            _done[n.Id] = result;
            Grow(rebuilt.Id); _done[rebuilt.Id] = result;
            Grow(result.Id); _done[result.Id] = result;
            return result;
        }

        private Node Rebuild(Node n, int cascade)
        {
            var inputs = n.Inputs;
            if (inputs.Count == 0) return n;
            Node[]? changed = null;
            for (int i = 0; i < inputs.Count; i++)
            {
                var r = Normalize(inputs[i], cascade);
                if (changed is null && !ReferenceEquals(r, inputs[i])) changed = inputs.ToArray();
                if (changed is not null) changed[i] = r;
            }
            if (changed is null) return n;
            var m = n.Graph.Make(n.Op, n.Attrs, changed);
            if (m.Label is null && n.Label is not null) m.Label = n.Label;
            return m;
        }

        // n's inputs are normal; try the rules indexed under n's op until one fires.
        private Node Reduce(Node n, int cascade)
        {
            if (_exhausted) return n;
            foreach (var rule in _rules.For(n.Op))
            {
                var r = rule.TryApply(n, _match, _ctx);
                if (r is null || ReferenceEquals(r, n)) continue;
                r = Fit(r, n, rule);
                _ctx.Report.Count(rule.Name);
                _firings?.Fired(rule.Name);
                if (_ctx.Report.Steps >= _maxSteps)
                {
                    _exhausted = true;
                    _ctx.Report.StepBoundHit = true;
                    _ctx.Report.Warn($"stopped at the step bound ({_maxSteps} rewrites) in rule set '{_rules.Name}'");
                }
                if (cascade >= _ctx.Options.MaxCascade)
                {
                    _ctx.Report.Warn($"more than {_ctx.Options.MaxCascade} consecutive rewrites at {n.Describe()} (last: '{rule.Name}')");
                    return r;
                }
                return Normalize(r, cascade + 1);
            }
            return n;
        }

        // A rule must keep the node's type; a result of a smaller shape is broadcast back (rules may drop broadcasts).
        private static Node Fit(Node r, Node n, RewriteRule rule)
        {
            if (!ReferenceEquals(r.Graph, n.Graph))
                throw new InvalidOperationException($"Rule '{rule.Name}' built its result in another graph (at {n.Describe()}).");
            if (r.DType != n.DType)
                throw new InvalidOperationException($"Rule '{rule.Name}' changed the type of {n.Describe()} to {r.Describe()}.");
            if (r.Shape.Equals(n.Shape)) return r;
            if (r.Shape.BroadcastsTo(n.Shape)) return F.BroadcastTo(r, n.Shape);
            throw new InvalidOperationException($"Rule '{rule.Name}' changed the shape of {n.Describe()} to {r.Describe()}.");
        }

        private void Grow(int id)
        {
            if (id < _done.Length) return;
            int size = Math.Max(id + 1, _done.Length * 2);
            Array.Resize(ref _done, size);
            Array.Resize(ref _busy, size);
        }
    }
}
