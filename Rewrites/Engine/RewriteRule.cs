using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Engine;

/// <summary>
/// One rewrite: a name that states the algebra (<c>x*1 → x</c>), a pattern whose root is an op (so the
/// engine only tries the rule on nodes of that op), and a right-hand side that builds the replacement
/// through the hash-consing builder — or returns null to decline (a guard that needs the bindings).
/// Procedural rules (constant folding) give their root ops and a function of the node instead.
/// </summary>
public sealed class RewriteRule
{
    private readonly Pattern? _pattern;
    private readonly Func<Match, Node?>? _rewrite;
    private readonly Func<Node, RewriteContext, Node?>? _procedure;

    internal RewriteRule(string name, Pattern pattern, Func<Match, Node?> rewrite)
    {
        if (pattern.Root is null)
            throw new ArgumentException($"Rule '{name}': the pattern's root must be an op pattern, so the rule can be indexed by op.");
        Name = name; _pattern = pattern; _rewrite = rewrite;
        Roots = new[] { pattern.Root };
    }

    internal RewriteRule(string name, IEnumerable<Op> roots, Func<Node, RewriteContext, Node?> procedure)
    {
        Name = name; _procedure = procedure;
        Roots = roots.ToArray();
        if (Roots.Count == 0) throw new ArgumentException($"Rule '{name}' names no root ops.");
    }

    /// <summary>The rule as it reads in algebra, e.g. <c>log(softmax(x)) → log_softmax(x)</c>; also its key in reports.</summary>
    public string Name { get; }

    /// <summary>The ops a node must have for this rule to be tried on it.</summary>
    public IReadOnlyList<Op> Roots { get; }

    /// <summary>The replacement for <paramref name="n"/>, or null when the rule does not apply.</summary>
    internal Node? TryApply(Node n, Match m, RewriteContext context)
    {
        if (_procedure is not null) return _procedure(n, context);
        return m.Run(_pattern!, n, _rewrite!);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>
/// A named, ordered list of rules, indexed by root op. Rules are tried in list order; the first that
/// returns a different node wins. Sets compose with <see cref="With"/> so a pass can run its own rules
/// together with the canonical ones they rely on.
/// </summary>
public sealed class RuleSet : IEnumerable<RewriteRule>
{
    private readonly List<RewriteRule> _rules = new();
    private Dictionary<Op, RewriteRule[]>? _index;

    /// <summary>Creates an empty set called <paramref name="name"/>.</summary>
    public RuleSet(string name) { Name = name; }

    /// <summary>The set's name (usually its pass).</summary>
    public string Name { get; }

    /// <summary>The rules in order.</summary>
    public IReadOnlyList<RewriteRule> Rules => _rules;

    /// <summary>Appends a rule (collection-initializer syntax).</summary>
    public void Add(RewriteRule rule)
    {
        if (_rules.Any(r => r.Name == rule.Name)) throw new ArgumentException($"Rule set '{Name}' already has a rule named '{rule.Name}'.");
        _rules.Add(rule);
        _index = null;
    }

    /// <summary>A new set holding this set's rules followed by those of <paramref name="others"/> (duplicates by name skipped).</summary>
    public RuleSet With(string name, params RuleSet[] others)
    {
        var r = new RuleSet(name);
        foreach (var rule in _rules.Concat(others.SelectMany(o => o._rules)))
            if (!r._rules.Any(x => x.Name == rule.Name)) r._rules.Add(rule);
        return r;
    }

    /// <summary>The rules whose root op is <paramref name="op"/> (empty when none).</summary>
    internal RewriteRule[] For(Op op)
    {
        var index = _index ??= BuildIndex();
        return index.TryGetValue(op, out var rules) ? rules : Array.Empty<RewriteRule>();
    }

    private Dictionary<Op, RewriteRule[]> BuildIndex() =>
        _rules.SelectMany(r => r.Roots.Select(op => (op, r))).GroupBy(p => p.op).ToDictionary(g => g.Key, g => g.Select(p => p.r).ToArray());

    /// <inheritdoc/>
    public IEnumerator<RewriteRule> GetEnumerator() => _rules.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
