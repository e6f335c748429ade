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

/// <summary>
/// One row of the pipeline record: a stage of <see cref="Pipeline.Stages"/>, or one pass (one round) of a graph stage,
/// with node counts before and after, the kernel count once there are kernels, its time and a short note.
/// </summary>
public sealed class StageStats
{
    internal StageStats(Stage? stage, PassStats? pass, string title, int nodesBefore, int nodesAfter, int? kernels, double ms, string? note)
    {
        Stage = stage; Pass = pass; Title = title; NodesBefore = nodesBefore; NodesAfter = nodesAfter; Kernels = kernels; Milliseconds = ms; Note = note;
    }

    /// <summary>The stage of <see cref="Pipeline.Stages"/> the row belongs to (null for a pass run outside the list).</summary>
    public Stage? Stage { get; }
    /// <summary>For a graph pass, what it did (null for other stages).</summary>
    public PassStats? Pass { get; }
    /// <summary>The row's name: the stage's, or the pass's with its round (<c>canonicalize (2)</c>).</summary>
    public string Title { get; }
    /// <summary>Reachable nodes before the stage.</summary>
    public int NodesBefore { get; }
    /// <summary>Reachable nodes after the stage.</summary>
    public int NodesAfter { get; }
    /// <summary>Kernels after the stage, once the schedule has them (null before).</summary>
    public int? Kernels { get; }
    /// <summary>Wall-clock time of the stage.</summary>
    public double Milliseconds { get; }
    /// <summary>A short note (how a round stopped, how many updates are in place, ...), or null.</summary>
    public string? Note { get; internal set; }
}

/// <summary>
/// The record of a pipeline run: one <see cref="PassStats"/> per graph pass, in order (<see cref="Passes"/>), and one
/// row per stage of <see cref="Pipeline.Stages"/> that ran, graph passes included (<see cref="Stages"/>).
/// </summary>
public sealed class PassReport
{
    private readonly List<PassStats> _passes = new();
    private readonly List<StageStats> _stages = new();

    /// <summary>The graph passes in the order they ran.</summary>
    public IReadOnlyList<PassStats> Passes => _passes;

    /// <summary>Every stage that ran, in order: the gradient when the caller recorded it, one row per graph pass and round, the schedule stages, the emitter when recorded.</summary>
    public IReadOnlyList<StageStats> Stages => _stages;

    /// <summary>Every rule firing of the run, summed over passes.</summary>
    public RewriteReport Rules
    {
        get { var r = new RewriteReport(); foreach (var p in _passes) r.Add(p.Rules); return r; }
    }

    /// <summary>Total time of the graph passes.</summary>
    public double Milliseconds => _passes.Sum(p => p.Milliseconds);

    internal void Add(PassStats s, Stage? stage = null)
    {
        _passes.Add(s);
        _stages.Add(new StageStats(stage, s, s.Title, s.NodesBefore, s.NodesAfter, null, s.Milliseconds, null));
    }

    /// <summary>
    /// Records a stage performed outside <see cref="Pipeline.Optimize"/> and the scheduler — the gradient, which the
    /// caller builds, or the emitter, which a backend runs — with its node counts, kernel count, time and a note.
    /// </summary>
    public void AddStage(Stage stage, int nodesBefore, int nodesAfter, int? kernels, double milliseconds, string? note = null) =>
        _stages.Add(new StageStats(stage, null, stage.Name, nodesBefore, nodesAfter, kernels, milliseconds, note));

    internal void NoteLast(string note)
    {
        if (_stages.Count > 0) _stages[_stages.Count - 1].Note = note;
    }

    /// <summary>Reachable nodes of <paramref name="f"/> per op name.</summary>
    public static IReadOnlyDictionary<string, int> CountOps(Function f)
    {
        var counts = new SortedDictionary<string, int>(System.StringComparer.Ordinal);
        foreach (var n in f.Nodes()) counts[n.Op.Name] = counts.TryGetValue(n.Op.Name, out int c) ? c + 1 : 1;
        return counts;
    }

    /// <summary>Reachable nodes of <paramref name="f"/>.</summary>
    public static int CountNodes(Function f) => f.Nodes().Count;

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
        sb.AppendLine();
        sb.Append(OpTable());
        return sb.ToString();
    }

    /// <summary>
    /// The pipeline list as it ran: one line per stage of <see cref="Pipeline.Stages"/> in order (one per pass and round
    /// for the graph stages), with nodes before → after, kernels once scheduled, milliseconds, rewrites and a note. A
    /// stage that did not run is listed with dashes and why (<paramref name="skipped"/>: stage → reason).
    /// </summary>
    public string StageTable(IReadOnlyDictionary<Stage, string>? skipped = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"{"stage",-22} {"nodes",7} {"→",7} {"kernels",8} {"ms",9} {"rewrites",9}  note");
        var rows = _stages.ToList();
        foreach (var stage in Pipeline.Stages)
        {
            var mine = rows.Where(r => ReferenceEquals(r.Stage, stage)).ToList();
            if (mine.Count == 0)
            {
                if (skipped is not null && skipped.TryGetValue(stage, out var why))
                    sb.AppendLine(string.Format(inv, "{0,-22} {1,7} {2,7} {3,8} {4,9} {5,9}  {6}", stage.Name, "-", "-", "-", "-", "-", why));
                continue;
            }
            if (stage.Kind == StageKind.Round)
            {
                // The round as a whole, then its passes, indented, one line per pass and round.
                int rounds = mine.Max(r => r.Pass?.Round ?? 1);
                sb.AppendLine(string.Format(inv, "{0,-22} {1,7} {2,7} {3,8} {4,9:F2} {5,9}  {6}", stage.Name, mine[0].NodesBefore, mine[mine.Count - 1].NodesAfter, "",
                    mine.Sum(r => r.Milliseconds), mine.Sum(r => r.Pass?.Rules.Steps ?? 0), $"{rounds} round{(rounds == 1 ? "" : "s")}: {mine[mine.Count - 1].Note}"));
                foreach (var r in mine) sb.AppendLine(Row(r, "  "));
            }
            else foreach (var r in mine) sb.AppendLine(Row(r, ""));
            rows.RemoveAll(r => ReferenceEquals(r.Stage, stage));
        }
        foreach (var r in rows) sb.AppendLine(Row(r, "")); // passes run outside the list
        return sb.ToString();

        string Row(StageStats r, string indent) => string.Format(inv, "{0,-22} {1,7} {2,7} {3,8} {4,9:F2} {5,9}  {6}",
            indent + r.Title, r.NodesBefore, r.NodesAfter, r.Kernels?.ToString(inv) ?? "", r.Milliseconds, r.Pass?.Rules.Steps.ToString(inv) ?? "", r.Note ?? "");
    }

    /// <summary>The op table: one row per op, one column for the input and one after each graph pass.</summary>
    public string OpTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (_passes.Count == 0) return "";
        var ops = _passes.SelectMany(p => p.OpsBefore.Keys.Concat(p.OpsAfter.Keys)).Distinct().OrderBy(o => o, System.StringComparer.Ordinal).ToList();
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
