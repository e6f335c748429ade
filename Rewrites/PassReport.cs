using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Nabla.Ir;
using Nabla.Rewrites.Engine;

namespace Nabla.Rewrites;

/// <summary>What one pass did: node counts (in total and per op) before and after, its rule firings and its time.</summary>
public sealed class PassStats
{
    internal PassStats(Pass pass, int round, IReadOnlyDictionary<string, int> before, IReadOnlyDictionary<string, int> after, RewriteReport rules, double ms)
    {
        Pass = pass; Round = round; OpsBefore = before; OpsAfter = after; Rules = rules; Milliseconds = ms;
    }

    /// <summary>The pass.</summary>
    public Pass Pass { get; }
    /// <summary>Which round of <see cref="Pipeline.Round"/> this was (1 for the first, and for passes outside rounds).</summary>
    public int Round { get; }
    /// <summary>The pass's name, with the round when it is not the first: <c>canonicalize (2)</c>.</summary>
    public string Title => Round > 1 ? $"{Pass.Name} ({Round})" : Pass.Name;
    /// <summary>Reachable nodes before the pass.</summary>
    public int NodesBefore => OpsBefore.Values.Sum();
    /// <summary>Reachable nodes after the pass.</summary>
    public int NodesAfter => OpsAfter.Values.Sum();
    /// <summary>Reachable nodes per op name before the pass.</summary>
    public IReadOnlyDictionary<string, int> OpsBefore { get; }
    /// <summary>Reachable nodes per op name after the pass.</summary>
    public IReadOnlyDictionary<string, int> OpsAfter { get; }
    /// <summary>The rules that fired, and how often.</summary>
    public RewriteReport Rules { get; }
    /// <summary>Wall-clock time of the pass.</summary>
    public double Milliseconds { get; }
}

/// <summary>The record of a pipeline run: one <see cref="PassStats"/> per pass, in order.</summary>
public sealed class PassReport
{
    private readonly List<PassStats> _passes = new();

    /// <summary>The passes in the order they ran.</summary>
    public IReadOnlyList<PassStats> Passes => _passes;

    /// <summary>Every rule firing of the run, summed over passes.</summary>
    public RewriteReport Rules
    {
        get { var r = new RewriteReport(); foreach (var p in _passes) r.Add(p.Rules); return r; }
    }

    /// <summary>Total time of the run.</summary>
    public double Milliseconds => _passes.Sum(p => p.Milliseconds);

    internal void Add(PassStats s) => _passes.Add(s);

    /// <summary>Reachable nodes of <paramref name="f"/> per op name.</summary>
    public static IReadOnlyDictionary<string, int> CountOps(Function f)
    {
        var counts = new SortedDictionary<string, int>(System.StringComparer.Ordinal);
        foreach (var n in f.Nodes()) counts[n.Op.Name] = counts.TryGetValue(n.Op.Name, out int c) ? c + 1 : 1;
        return counts;
    }

    /// <summary>
    /// The pass table (nodes before → after, time, rules fired), then the op table: one row per op, one column
    /// for the input and one after each pass.
    /// </summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"{"pass",-18} {"nodes",7} {"→",7} {"ms",8} {"rewrites",9}");
        foreach (var p in _passes)
            sb.AppendLine(string.Format(inv, "{0,-18} {1,7} {2,7} {3,8:F2} {4,9}", p.Title, p.NodesBefore, p.NodesAfter, p.Milliseconds, p.Rules.Steps));
        if (_passes.Count == 0) return sb.ToString();
        var ops = _passes.SelectMany(p => p.OpsBefore.Keys.Concat(p.OpsAfter.Keys)).Distinct().OrderBy(o => o, System.StringComparer.Ordinal).ToList();
        sb.AppendLine();
        sb.Append($"{"op",-14} {"input",7}");
        foreach (var p in _passes) sb.Append(' ').Append(Fit(p.Title, 16).PadLeft(16));
        sb.AppendLine();
        foreach (var op in ops)
        {
            sb.Append($"{op,-14} {Get(_passes[0].OpsBefore, op),7}");
            foreach (var p in _passes) sb.Append(' ').Append(Get(p.OpsAfter, op).ToString(inv).PadLeft(16));
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static int Get(IReadOnlyDictionary<string, int> d, string k) => d.TryGetValue(k, out int v) ? v : 0;
    private static string Fit(string s, int w) => s.Length <= w ? s : s.Substring(0, w);
}
