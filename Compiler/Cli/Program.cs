using System;

namespace Nabla.Cli;

/// <summary>The entry point of the <c>nabla</c> tool.</summary>
public static class Program
{
    /// <summary>Runs <see cref="CommandLine.Run"/> on the console.</summary>
    public static int Main(string[] args) => CommandLine.Run(args, Console.Out, Console.Error);
}
