using System.CommandLine;

namespace Nabla.Cli;

/// <summary>
/// One sub-command of the <c>nabla</c> tool (<c>nabla NAME args...</c>). Each command lives in its own file, builds its
/// System.CommandLine <see cref="Command"/> (argument, options, action) and is listed once in
/// <see cref="CommandLine.Commands"/>.
/// </summary>
public interface ICommand
{
    /// <summary>The word that selects the command, e.g. <c>grad</c>.</summary>
    string Name { get; }

    /// <summary>A one-line description for <c>nabla --help</c>.</summary>
    string Summary { get; }

    /// <summary>
    /// A new <see cref="Command"/> named <see cref="Name"/>: its argument and options, and an action made with
    /// <see cref="CommandLine.Action"/> (results to the invocation's output; bad input one line on its error writer).
    /// </summary>
    Command Create();
}
