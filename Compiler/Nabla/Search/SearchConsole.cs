using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Nabla.Reporting;
using Spectre.Console;

namespace Nabla.Search;

/// <summary>
/// The console display of a search (pass <see cref="Report"/> as <see cref="SearchOptions.Progress"/>): on an
/// interactive terminal a live Spectre.Console table of the latest trials and the best so far, redrawn as trials
/// finish; otherwise (redirected output, CI, <c>NO_COLOR</c>, <c>TERM=dumb</c>, or a writer other than the console —
/// the rules of <see cref="ConsoleProgress.ShouldBeLive"/>) one plain line per finished trial:
/// <c>trial 7/30 #6 value=0.6120 best=0.6540 (#3) 1.6 s lr=0.0031 hidden=128 …</c>. Dispose it to end the live table.
/// If the live table cannot start (e.g. another live display holds the console), it falls back to plain lines.
/// </summary>
public sealed class SearchConsole : IDisposable
{
    private const int Rows = 12;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private readonly SearchSpace _space;
    private readonly string _title, _valueName;
    private TextWriter? _plain;
    private readonly object _gate = new();
    private readonly List<TrialResult> _latest = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private SearchProgress? _last;
    private ManualResetEventSlim? _done;
    private Task? _render;

    private SearchConsole(SearchSpace space, string title, string valueName, TextWriter? plain)
    {
        _space = space; _title = title; _valueName = valueName; _plain = plain;
    }

    /// <summary>Whether this is the live table rather than plain lines.</summary>
    public bool IsLive => _plain is null;

    /// <summary>
    /// The display of a search over <paramref name="space"/>, headed <paramref name="title"/> (e.g. the strategy's
    /// name), calling the objective <paramref name="valueName"/> (e.g. <c>val_accuracy</c>), on <paramref name="writer"/>
    /// (default: standard output; only the console can be live).
    /// </summary>
    public static SearchConsole Create(SearchSpace space, string title, string valueName = "value", TextWriter? writer = null)
    {
        if (space is null) throw new ArgumentNullException(nameof(space));
        bool console = writer is null || ReferenceEquals(writer, Console.Out);
        if (console && ConsoleProgress.ShouldBeLive(Console.IsOutputRedirected, Environment.GetEnvironmentVariable))
        {
            var ansi = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.Detect, ColorSystem = ColorSystemSupport.Detect, Interactive = InteractionSupport.Detect,
                Out = new AnsiConsoleOutput(Console.Out),
            });
            if (ansi.Profile.Capabilities.Ansi && ansi.Profile.Capabilities.Interactive)
            {
                var live = new SearchConsole(space, title, valueName, null);
                live.Start(ansi);
                return live;
            }
        }
        return new SearchConsole(space, title, valueName, writer ?? Console.Out);
    }

    /// <summary>Records a finished trial and redraws (or prints its line). Pass it as <see cref="SearchOptions.Progress"/>.</summary>
    public void Report(SearchProgress progress)
    {
        if (progress is null) throw new ArgumentNullException(nameof(progress));
        lock (_gate)
        {
            _last = progress;
            _latest.Add(progress.Trial);
            if (_latest.Count > Rows) _latest.RemoveAt(0);
        }
        _plain?.WriteLine(Line(progress));
    }

    /// <summary>The plain line of a finished trial.</summary>
    public string Line(SearchProgress p)
    {
        if (p is null) throw new ArgumentNullException(nameof(p));
        var t = p.Trial;
        string value = t.Succeeded ? $"{_valueName}={Number(t.Value)}" + (t.Pruned ? $" (pruned at step {LastStep(t)})" : "") : $"failed: {t.Error}";
        string best = p.Best is { } b ? $" best={Number(b.Value)} (#{b.Index})" : "";
        return $"trial {p.Finished}/{p.Total} #{t.Index} {value}{best} {t.Seconds.ToString("0.0", Inv)} s {ConfigText(t.Configuration)}";
    }

    /// <summary>Ends the live table (drawing it a last time); nothing for plain lines.</summary>
    public void Dispose()
    {
        var done = _done; var render = _render;
        _done = null; _render = null;
        if (done is null || render is null) return;
        done.Set();
        try { render.Wait(); }
        catch (AggregateException) { /* the table failed to draw; the search's results are unaffected */ }
        done.Dispose();
    }

    private void Start(IAnsiConsole console)
    {
        var ready = new ManualResetEventSlim();
        var done = new ManualResetEventSlim();
        _done = done;
        _render = Task.Run(() => console.Live(Table()).AutoClear(false).Start(ctx =>
        {
            ready.Set();
            while (!done.Wait(250)) ctx.UpdateTarget(Table());
            ctx.UpdateTarget(Table());
        }));
        while (!ready.Wait(50) && !_render.IsCompleted) { }
        if (_render.IsCompleted && !ready.IsSet) { _done = null; _render = null; _plain = Console.Out; } // it failed to start
    }

    private Spectre.Console.Rendering.IRenderable Table()
    {
        SearchProgress? last; TrialResult[] rows;
        lock (_gate) { last = _last; rows = _latest.ToArray(); }
        string head = last is null ? $"{_title}: waiting for the first trial"
            : $"{_title}: {last.Finished}/{last.Total} trials, {_clock.Elapsed.TotalSeconds.ToString("0", Inv)} s" +
              (last.Best is { } b ? $", best {_valueName}={Number(b.Value)} (#{b.Index})" : "");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("#"); table.AddColumn(Markup.Escape(_valueName)); table.AddColumn("s");
        foreach (var p in _space.Parameters) table.AddColumn(Markup.Escape(p.Name));
        IEnumerable<TrialResult> shown = rows;
        if (last?.Best is { } best && !rows.Contains(best)) shown = new[] { best }.Concat(rows);
        foreach (var t in shown)
        {
            bool isBest = last?.Best is { } bb && bb.Index == t.Index;
            string value = t.Succeeded ? Number(t.Value) + (t.Pruned ? " (pruned)" : "") : "failed";
            var cells = new List<string> { t.Index.ToString(Inv), value, t.Seconds.ToString("0.0", Inv) };
            cells.AddRange(_space.Parameters.Select(p => Short(t.Configuration[p.Name])));
            table.AddRow(cells.Select(c => isBest ? $"[bold green]{Markup.Escape(c)}[/]" : Markup.Escape(c)).ToArray());
        }
        return new Rows(new Text(head), table);
    }

    private string ConfigText(Configuration c) => string.Join(" ", _space.Parameters.Select(p => p.Name + "=" + Short(c[p.Name])));

    // Reals to 4 significant digits for display (the log keeps them exactly).
    private static string Short(object v) => v is double d ? d.ToString("G4", Inv) : Hyperparameter.Format(v);

    private static long LastStep(TrialResult t) => t.Reports.Count == 0 ? 0 : t.Reports[t.Reports.Count - 1].Step;

    private static string Number(double v) => v.ToString("0.0000", Inv);
}
