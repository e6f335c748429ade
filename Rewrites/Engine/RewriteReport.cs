using System.Collections.Generic;
using System.Linq;

namespace Nabla.Rewrites.Engine;

/// <summary>What a rewrite run did: how often each rule fired, the total steps, and any bound that was hit.</summary>
public sealed class RewriteReport
{
    private readonly Dictionary<string, int> _fired = new();
    private readonly List<string> _warnings = new();

    /// <summary>Rule name → number of firings.</summary>
    public IReadOnlyDictionary<string, int> Fired => _fired;

    /// <summary>Total rule firings.</summary>
    public int Steps { get; private set; }

    /// <summary>Problems met (a rewrite cycle at a node, the step bound); the result is still correct, but not fully rewritten.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>True when the run stopped at its step bound.</summary>
    public bool StepBoundHit { get; internal set; }

    internal void Count(string rule)
    {
        _fired[rule] = _fired.TryGetValue(rule, out int c) ? c + 1 : 1;
        Steps++;
    }

    internal void Warn(string message)
    {
        if (_warnings.Count < 20 && !_warnings.Contains(message)) _warnings.Add(message);
    }

    /// <summary>Adds another report's counts and warnings to this one.</summary>
    public void Add(RewriteReport other)
    {
        foreach (var kv in other._fired) _fired[kv.Key] = (_fired.TryGetValue(kv.Key, out int c) ? c : 0) + kv.Value;
        Steps += other.Steps;
        foreach (var w in other._warnings) Warn(w);
        StepBoundHit |= other.StepBoundHit;
    }

    /// <summary>One line per rule that fired, most frequent first: <c>  12  x*1 → x</c>.</summary>
    public override string ToString() =>
        string.Join("\n", _fired.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, System.StringComparer.Ordinal)
            .Select(kv => $"{kv.Value,6}  {kv.Key}").Concat(_warnings.Select(w => "warning: " + w)));
}
