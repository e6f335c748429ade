using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>
/// Runs an example program in-process through its <c>Program.Run(args, stdout, stderr)</c> entry point and reads what it
/// printed: the <c>name=value</c> result lines, and the one-line error of bad input.
/// </summary>
internal static class ExampleRun
{
    /// <summary>An example's entry point.</summary>
    public delegate int Entry(string[] args, TextWriter stdout, TextWriter stderr);

    /// <summary>The exit code and what <paramref name="entry"/> wrote to stdout and stderr for <paramref name="args"/>.</summary>
    public static (int Code, string Out, string Err) Run(Entry entry, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = entry(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>The text after the last <c>name=</c> in <paramref name="output"/> (up to the next space or line end).</summary>
    public static string Text(string output, string name)
    {
        var token = output.Split(new[] { ' ', '\n', '\r' }, StringSplitOptions.RemoveEmptyEntries).LastOrDefault(t => t.StartsWith(name + "=", StringComparison.Ordinal));
        Assert.True(token is not null, $"no '{name}=' in the output:\n{output}");
        return token!.Substring(name.Length + 1);
    }

    /// <summary>The number after the last <c>name=</c> in <paramref name="output"/>.</summary>
    public static double Value(string output, string name) => double.Parse(Text(output, name), CultureInfo.InvariantCulture);

    /// <summary>
    /// Asserts that <paramref name="args"/> (split at spaces) make <paramref name="entry"/> exit with code 2 and write
    /// exactly one line, <c>error: …</c>, to stderr, and that nothing was printed after it that looks like a result
    /// (<paramref name="resultName"/><c>=</c>). Returns the error line without its <c>error: </c> prefix.
    /// </summary>
    public static string BadOptions(Entry entry, string args, string? resultName = null)
    {
        var (code, output, err) = Run(entry, args.Split(' '));
        Assert.True(code == 2, $"exit code {code} for '{args}'; stderr: {err}");
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        if (resultName is not null) Assert.DoesNotContain(resultName + "=", output);
        return lines[0].TrimEnd('\r').Substring("error: ".Length);
    }
}
