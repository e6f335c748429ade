using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace Nabla.Rewrites.Engine;

/// <summary>
/// An opt-in tally of rule firings across every rewrite run of a region of code, however deep the runs are (inside
/// <see cref="Pipeline.Optimize"/>, <see cref="Pipeline.Compile"/>, a backend or the DSL), without handing a report down
/// to each of them. A <see cref="RewriteReport"/> counts one run and is what a caller reads about a pass; this counts all
/// runs under a scope:
/// <code>
/// var firings = new RuleFirings();
/// using (firings.Listen()) { Pipeline.Optimize(f); /* ... any number of runs ... */ }
/// firings.Count("x * 1 → x");   // firings of that rule under the scope
/// </code>
/// The scope is an <see cref="AsyncLocal{T}"/>: it covers the code that runs on this logical call context (and tasks it
/// starts), not other threads, so tests running in parallel each count only their own runs. Scopes nest (the inner one
/// counts until it is disposed, then the outer one again). When no scope is open the cost is one read of the
/// <see cref="AsyncLocal{T}"/> per <see cref="Rewriter.Run"/> call and one null test per firing. Adding is thread-safe.
/// Only firings of the pattern engine are counted (the rules of <see cref="RuleSet"/>s run by <see cref="Rewriter"/>);
/// a second sweep made by <see cref="RewriteOptions.CheckFixpoint"/> fires nothing when it succeeds, and throws otherwise.
/// </summary>
public sealed class RuleFirings
{
    private static readonly AsyncLocal<RuleFirings?> Active = new();
    private readonly Dictionary<string, long> _counts = new();
    private readonly object _lock = new();

    /// <summary>The tally that firings on this logical call context go to, or null when none is listening.</summary>
    public static RuleFirings? Current => Active.Value;

    /// <summary>
    /// Makes this tally <see cref="Current"/> until the returned scope is disposed (then the previous one, usually none,
    /// is current again). Dispose it on the same logical call context, in reverse order of opening.
    /// </summary>
    public IDisposable Listen()
    {
        var scope = new Scope(Active.Value);
        Active.Value = this;
        return scope;
    }

    /// <summary>How often the rule named <paramref name="rule"/> (its <see cref="RewriteRule.Name"/>) fired; 0 when never.</summary>
    public long Count(string rule)
    {
        lock (_lock) return _counts.TryGetValue(rule, out long c) ? c : 0;
    }

    /// <summary>Total firings counted.</summary>
    public long Total
    {
        get { lock (_lock) return _counts.Values.Sum(); }
    }

    /// <summary>A copy of the counts: rule name → firings (only rules that fired).</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        lock (_lock) return new Dictionary<string, long>(_counts);
    }

    /// <summary>Adds every count of <paramref name="other"/> to this tally.</summary>
    public void Add(RuleFirings other)
    {
        foreach (var kv in other.Snapshot())
            lock (_lock) _counts[kv.Key] = (_counts.TryGetValue(kv.Key, out long c) ? c : 0) + kv.Value;
    }

    internal void Fired(string rule)
    {
        lock (_lock) _counts[rule] = _counts.TryGetValue(rule, out long c) ? c + 1 : 1;
    }

    /// <summary>One line per rule that fired, most frequent first.</summary>
    public override string ToString() =>
        string.Join("\n", Snapshot().OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value,8}  {kv.Key}"));

    private sealed class Scope : IDisposable
    {
        private readonly RuleFirings? _previous;
        private bool _disposed;
        public Scope(RuleFirings? previous) { _previous = previous; }
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Active.Value = _previous;
        }
    }
}
