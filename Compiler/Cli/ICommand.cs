using System.IO;

namespace Nabla.Cli;

/// <summary>
/// One sub-command of the <c>nabla</c> tool (<c>nabla NAME args...</c>). Each command lives in its own
/// file and is listed once in <see cref="CommandLine.Commands"/>.
/// </summary>
public interface ICommand
{
    /// <summary>The word that selects the command, e.g. <c>grad</c>.</summary>
    string Name { get; }

    /// <summary>A one-line description for <c>nabla --help</c>.</summary>
    string Summary { get; }

    /// <summary>The usage line(s), shown by <c>nabla NAME --help</c> and after a usage error.</summary>
    string Usage { get; }

    /// <summary>
    /// Runs the command with the arguments after its name. Writes results to <paramref name="stdout"/>
    /// and, on bad input, exactly one line to <paramref name="stderr"/>.
    /// </summary>
    /// <returns>The process exit code: 0 on success, 2 for bad input.</returns>
    int Run(string[] args, TextWriter stdout, TextWriter stderr);
}
