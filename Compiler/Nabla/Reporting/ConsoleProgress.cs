using System;
using System.IO;
using Spectre.Console;

namespace Nabla.Reporting;

/// <summary>
/// The console progress display of a training run: a live status line drawn with Spectre.Console (epoch, bar, loss,
/// accuracy, samples/s, times) when the console is an interactive terminal, and <see cref="PlainProgress"/> lines when
/// output is redirected (a pipe, a file, CI), when <c>NO_COLOR</c> is set or <c>TERM=dumb</c>, or when a writer other
/// than the console is given. Dispose it (or let <see cref="Finished"/> run) to end the live display.
/// </summary>
public sealed class ConsoleProgress : IProgressReporter, IDisposable
{
    private readonly IProgressReporter _inner;

    /// <summary>Whether this is the live (interactive) display rather than plain lines.</summary>
    public bool IsLive { get; }

    private ConsoleProgress(IProgressReporter inner, bool live) { _inner = inner; IsLive = live; }

    /// <summary>
    /// The display for <paramref name="writer"/> (default: standard output): live on an interactive terminal, plain
    /// lines otherwise (see <see cref="ShouldBeLive"/>). A writer other than <see cref="Console.Out"/> always gets plain lines.
    /// </summary>
    public static ConsoleProgress Create(TextWriter? writer = null)
    {
        bool console = writer is null || ReferenceEquals(writer, Console.Out);
        if (console && ShouldBeLive(Console.IsOutputRedirected, Environment.GetEnvironmentVariable))
        {
            var ansi = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.Detect,
                ColorSystem = ColorSystemSupport.Detect,
                Interactive = InteractionSupport.Detect,
                Out = new AnsiConsoleOutput(Console.Out),
            });
            if (ansi.Profile.Capabilities.Ansi && ansi.Profile.Capabilities.Interactive)
                return new ConsoleProgress(new LiveProgress(ansi), live: true);
        }
        return new ConsoleProgress(new PlainProgress(writer ?? Console.Out), live: false);
    }

    /// <summary>
    /// The live display on <paramref name="console"/> (a Spectre.Console console you configured, or a test console),
    /// redrawn at most every <paramref name="updateInterval"/> (default 100 ms). The console must support ANSI escape
    /// sequences; the status line is cut to its width (<c>console.Profile.Width</c>).
    /// </summary>
    public static ConsoleProgress Live(IAnsiConsole console, TimeSpan? updateInterval = null)
    {
        if (console is null) throw new ArgumentNullException(nameof(console));
        if (!console.Profile.Capabilities.Ansi)
            throw new ArgumentException("The live progress display redraws its line with ANSI escape sequences; this console does not support them (use PlainProgress).", nameof(console));
        return new ConsoleProgress(new LiveProgress(console, updateInterval), live: true);
    }

    /// <summary>
    /// Whether a console whose output is <paramref name="outputRedirected"/> or not, in an environment read through
    /// <paramref name="environment"/>, should get the live display: not when redirected, not when <c>NO_COLOR</c> is
    /// set to anything non-empty (no-color.org), not when <c>TERM</c> is <c>dumb</c>, and not under CI (<c>CI</c> set to
    /// anything but <c>false</c>/<c>0</c>).
    /// </summary>
    public static bool ShouldBeLive(bool outputRedirected, Func<string, string?> environment)
    {
        if (environment is null) throw new ArgumentNullException(nameof(environment));
        if (outputRedirected) return false;
        if (!string.IsNullOrEmpty(environment("NO_COLOR"))) return false;
        if (string.Equals(environment("TERM"), "dumb", StringComparison.OrdinalIgnoreCase)) return false;
        string? ci = environment("CI");
        if (!string.IsNullOrEmpty(ci) && ci != "0" && !string.Equals(ci, "false", StringComparison.OrdinalIgnoreCase)) return false;
        return true;
    }

    /// <inheritdoc/>
    public void Started(TrainingInfo info) => _inner.Started(info);

    /// <inheritdoc/>
    public void Step(StepInfo info) => _inner.Step(info);

    /// <inheritdoc/>
    public void Epoch(EpochInfo info) => _inner.Epoch(info);

    /// <inheritdoc/>
    public void Finished(FinishedInfo info) => _inner.Finished(info);

    /// <summary>Ends the live display if it is still running (e.g. when training threw); nothing for plain lines.</summary>
    public void Dispose() => (_inner as IDisposable)?.Dispose();
}
