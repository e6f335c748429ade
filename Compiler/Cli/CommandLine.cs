using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Nabla.Cli;

/// <summary>
/// The <c>nabla</c> command dispatcher: picks the command named by the first argument and runs it. Conventions:
/// <c>nabla --help</c> (or <c>-h</c>, <c>help</c>) prints the help to stdout with exit code 0; <c>nabla</c> alone prints
/// the same help to stdout with exit code 1 (no command was run, as git does); bad input is one line
/// <c>error: …</c> on stderr with exit code 2. Every command takes <c>--</c> to end its options: what follows is an
/// argument even if it starts with <c>-</c> (<c>nabla grad --at x=1 -- "-x"</c>).
/// </summary>
public static class CommandLine
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;
    /// <summary>Exit code of <c>nabla</c> without arguments: the help is printed, no command ran.</summary>
    public const int NoCommand = 1;
    /// <summary>Exit code for bad input (unknown command, bad arguments, an expression that does not parse...).</summary>
    public const int BadInput = 2;

    /// <summary>Every command, in the order <c>nabla --help</c> lists them.</summary>
    public static readonly IReadOnlyList<ICommand> Commands = new ICommand[]
    {
        new GradCommand(),
        new IrCommand(),
        new BuildCommand(),
        new ExportCommand(),
    };

    /// <summary>
    /// Runs <c>nabla</c> with <paramref name="args"/>, writing to the given streams (the tests pass
    /// string writers; <see cref="Program.Main"/> passes the console).
    /// </summary>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args is null) throw new ArgumentNullException(nameof(args));
        if (args.Length == 0 || IsHelp(args[0]))
        {
            WriteHelp(stdout);
            return args.Length == 0 ? NoCommand : Ok;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            stderr.WriteLine(OneLine($"error: unknown command '{args[0]}' (commands: {string.Join(", ", Commands.Select(c => c.Name))}; see nabla --help)"));
            return BadInput;
        }
        var rest = args.Skip(1).ToArray();
        if (rest.Length == 1 && IsHelp(rest[0]))
        {
            stdout.WriteLine(command.Usage);
            return Ok;
        }
        return command.Run(rest, stdout, stderr);
    }

    /// <summary>Writes <paramref name="e"/> as the one error line <c>error: …</c> (line breaks in it shown as \n, \r).</summary>
    internal static int Fail(TextWriter stderr, InputException e)
    {
        stderr.WriteLine(OneLine("error: " + e.Line));
        return BadInput;
    }

    /// <summary><paramref name="text"/> on one line (<see cref="Nabla.IO.OneLine.Of"/>).</summary>
    internal static string OneLine(string text) => Nabla.IO.OneLine.Of(text);

    /// <summary>True for <c>-h</c>, <c>--help</c> and <c>help</c>.</summary>
    public static bool IsHelp(string arg) => arg is "-h" or "--help" or "help";

    private static void WriteHelp(TextWriter w)
    {
        w.WriteLine("nabla: a symbolic expression compiler for neural networks.");
        w.WriteLine();
        w.WriteLine("usage: nabla <command> [arguments]   (nabla <command> --help for details)");
        w.WriteLine();
        w.WriteLine("commands:");
        int width = Commands.Max(c => c.Name.Length);
        foreach (var c in Commands) w.WriteLine($"  {c.Name.PadRight(width)}  {c.Summary}");
    }
}
