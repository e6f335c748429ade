using System.IO;
using Nabla.Examples;

namespace Optimizers;

/// <summary>The Optimizers example (being written for issue 13).</summary>
public static class Program
{
    /// <summary>The process entry point.</summary>
    public static int Main(string[] args) => Run(args, System.Console.Out, System.Console.Error);

    /// <summary>Runs the example with <paramref name="args"/>; returns the exit code (0, or 2 for bad input).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        ExampleHost.Run(stderr, () => throw new UsageException("not written yet"));
}
