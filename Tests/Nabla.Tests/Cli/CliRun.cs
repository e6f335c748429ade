using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla.Cli;

namespace Nabla.Tests.Cli;

/// <summary>The <c>nabla</c> command line run in-process with captured output (line ends normalized to \n).</summary>
internal static class CliRun
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = CommandLine.Run(args, o, e);
        return (code, o.ToString().Replace("\r\n", "\n"), e.ToString().Replace("\r\n", "\n"));
    }

    /// <summary>The number on the output line <c>NAME = V</c>.</summary>
    public static double Value(string stdout, string name)
    {
        var line = stdout.Split('\n').First(l => l.StartsWith(name + " = ", StringComparison.Ordinal));
        return double.Parse(line.Substring(name.Length + 3), CultureInfo.InvariantCulture);
    }
}
