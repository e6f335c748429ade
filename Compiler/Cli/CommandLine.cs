using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;

namespace Nabla.Cli;

/// <summary>
/// The <c>nabla</c> command line, parsed with System.CommandLine. Conventions: <c>nabla --help</c> (or <c>-h</c>,
/// <c>-?</c>, <c>help</c>) prints the help to stdout with exit code 0, and <c>nabla COMMAND --help</c> the command's
/// help (its argument and every option); <c>nabla</c> alone prints the same help as <c>nabla --help</c> to stdout with
/// exit code 1 (no command was run, as git does); bad input is one line <c>error: …</c> on stderr with exit code 2,
/// naming the offending option or value (System.CommandLine's own parse errors are mapped to that line here). Every
/// command takes <c>--</c> to end its options: what follows is an argument even if it starts with <c>-</c>
/// (<c>nabla grad --at x=1 -- "-x"</c>); before <c>--</c>, an argument that starts with <c>--</c> is an unknown
/// option. Response files (<c>@file</c>) are off: an argument is what it says.
/// </summary>
public static class CommandLine
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;
    /// <summary>Exit code of <c>nabla</c> without arguments: the help is printed, no command ran.</summary>
    public const int NoCommand = 1;
    /// <summary>Exit code for bad input (unknown command, bad arguments, an expression that does not parse...).</summary>
    public const int BadInput = 2;

    /// <summary>Every command, in the order <c>nabla --help</c> lists them. A new command is one more entry here.</summary>
    public static readonly IReadOnlyList<ICommand> Commands = new ICommand[]
    {
        new GradCommand(),
        new IrCommand(),
        new BuildCommand(),
        new ExportCommand(),
    };

    /// <summary>The root command <c>nabla</c> with every command of <see cref="Commands"/> (a new tree on each call).</summary>
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("nabla: a symbolic expression compiler for neural networks.") { HelpName = "nabla" };
        foreach (var c in Commands) root.Add(c.Create());
        var help = root.Options.OfType<HelpOption>().Single();
        if (help.Action is HelpAction standard) help.Action = new HelpWithExamples(standard);
        return root;
    }

    /// <summary>
    /// Runs <c>nabla</c> with <paramref name="args"/>, writing to the given streams (the tests pass
    /// string writers; <see cref="Program.Main"/> passes the console).
    /// </summary>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args is null) throw new ArgumentNullException(nameof(args));
        var root = CreateRoot();
        bool bare = args.Length == 0;
        // `nabla help [COMMAND]` is `nabla [COMMAND] --help`; `nabla` alone prints the same help, with exit code 1.
        if (bare) args = new[] { "--help" };
        else if (args[0] == "help") args = args.Skip(1).Append("--help").ToArray();
        var result = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Action is not (HelpAction or HelpWithExamples))
        {
            var problem = Problem(result, root);
            if (problem is not null)
            {
                stderr.WriteLine(OneLine("error: " + problem));
                return BadInput;
            }
        }
        int code = result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        return bare ? NoCommand : code;
    }

    /// <summary>
    /// An action for <see cref="Command.SetAction(Func{ParseResult, int})"/>: runs <paramref name="body"/> with the
    /// parse result and the output writer; an <see cref="InputException"/> becomes the one error line and exit code 2.
    /// </summary>
    public static Func<ParseResult, int> Action(Func<ParseResult, TextWriter, int> body) => result =>
    {
        try
        {
            return body(result, result.InvocationConfiguration.Output);
        }
        catch (InputException e)
        {
            return Fail(result.InvocationConfiguration.Error, e);
        }
    };

    private static readonly ConditionalWeakTable<Symbol, string> ExamplesText = new();

    /// <summary>Adds <paramref name="examples"/> (lines such as <c>example: nabla grad …</c>) after the command's help.</summary>
    public static Command Examples(Command command, string examples)
    {
        ExamplesText.AddOrUpdate(command, examples);
        return command;
    }

    /// <summary>System.CommandLine's help, then the command's examples (<see cref="Examples"/>).</summary>
    private sealed class HelpWithExamples(HelpAction standard) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            int code = standard.Invoke(parseResult);
            if (ExamplesText.TryGetValue(parseResult.CommandResult.Command, out var examples))
            {
                parseResult.InvocationConfiguration.Output.WriteLine(examples);
                parseResult.InvocationConfiguration.Output.WriteLine();
            }
            return code;
        }
    }

    private static readonly ConditionalWeakTable<Symbol, string> NeedsText = new();
    private static readonly ConditionalWeakTable<Symbol, string> MissingText = new();
    private static readonly ConditionalWeakTable<Symbol, string> UnexpectedText = new();
    private static readonly ConditionalWeakTable<Symbol, string> WhatText = new();

    /// <summary>
    /// Names what <paramref name="option"/> takes for its error lines (<c>--dot needs a file name</c>; default
    /// <c>a value</c>) and, when it is required, the line when it is missing.
    /// </summary>
    public static T Describe<T>(T option, string needs, string? missing = null) where T : Option
    {
        NeedsText.AddOrUpdate(option, needs);
        if (missing is not null) MissingText.AddOrUpdate(option, missing);
        return option;
    }

    /// <summary>
    /// The error lines for <paramref name="argument"/>: what it is (<c>an expression</c>, in "write -- before an
    /// expression that starts with -"), the line when it is missing (<c>missing the expression, e.g. …</c>), and the
    /// remedy after an extra positional value (<c>give the expression as one quoted argument</c>).
    /// </summary>
    public static T Describe<T>(T argument, string what, string missing, string unexpected) where T : Argument
    {
        WhatText.AddOrUpdate(argument, what);
        MissingText.AddOrUpdate(argument, missing);
        UnexpectedText.AddOrUpdate(argument, unexpected);
        return argument;
    }

    /// <summary>
    /// The first problem of the command line, left to right, as the text of its error line, or null: an argument that
    /// looks like an option (before <c>--</c>), an unknown token, an option without its value (or whose value is
    /// another option), a missing argument or required option, and then System.CommandLine's own errors (a custom
    /// parser's message, a repeated option...).
    /// </summary>
    private static string? Problem(ParseResult result, RootCommand root)
    {
        var tokens = result.Tokens;
        int Pos(Token? t)
        {
            if (t is null) return int.MaxValue;
            for (int i = 0; i < tokens.Count; i++) if (ReferenceEquals(tokens[i], t)) return i;
            return int.MaxValue;
        }
        int dd = Enumerable.Range(0, tokens.Count).Where(i => tokens[i].Type == TokenType.DoubleDash).DefaultIfEmpty(int.MaxValue).First();
        var command = result.CommandResult.Command;
        var problems = new List<(int Pos, string Text)>();

        if (command == root)
        {
            var first = result.UnmatchedTokens.FirstOrDefault();
            if (first is null) return result.Errors.Count > 0 ? result.Errors[0].Message : null;
            return first.StartsWith("-", StringComparison.Ordinal) && first.Length > 1
                ? $"unknown option '{first}' (see nabla --help)"
                : $"unknown command '{first}' (commands: {string.Join(", ", Commands.Select(c => c.Name))}; see nabla --help)";
        }

        string? Text(ConditionalWeakTable<Symbol, string> table) =>
            command.Arguments.Select(a => table.TryGetValue(a, out var t) ? t : null).FirstOrDefault(t => t is not null);
        string Unexpected() => Text(UnexpectedText) ?? "see nabla " + command.Name + " --help";
        string UnknownOption(string value)
        {
            var names = command.Options.Where(o => o is not HelpOption).Select(o => o.Name).ToList();
            var takes = names.Count == 0 ? "no options" : names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1];
            return $"unknown option '{value}' ({command.Name} takes {takes}; write -- before {Text(WhatText) ?? "an argument"} that starts with -)";
        }
        bool IsOption(string value) =>
            value.StartsWith("--", StringComparison.Ordinal) || command.Options.Any(o => o.Name == value || o.Aliases.Contains(value));

        // Positional values that look like options (System.CommandLine takes an unknown --x as the argument).
        foreach (var argument in command.Arguments)
        {
            var ar = result.GetResult(argument);
            if (ar is null) continue;
            foreach (var t in ar.Tokens)
                if (Pos(t) < dd && t.Value.StartsWith("--", StringComparison.Ordinal)) problems.Add((Pos(t), UnknownOption(t.Value)));
        }
        // Tokens nothing took: an unknown option, or one positional value too many.
        var claimed = new HashSet<int>();
        foreach (var u in result.UnmatchedTokens)
        {
            int p = Enumerable.Range(0, tokens.Count).Where(i => tokens[i].Type == TokenType.Argument && tokens[i].Value == u && !claimed.Contains(i)).DefaultIfEmpty(int.MaxValue - 1).First();
            claimed.Add(p);
            problems.Add((p, p < dd && u.StartsWith("-", StringComparison.Ordinal) && u.Length > 1
                ? UnknownOption(u)
                : $"unexpected argument '{u}': {Unexpected()}"));
        }
        // Options without their value, or whose value is another option (--at --show).
        foreach (var option in result.CommandResult.Children.OfType<OptionResult>())
        {
            if (option.IdentifierToken is null || option.Option.Arity.MinimumNumberOfValues == 0) continue;
            var name = option.IdentifierToken.Value;
            var needs = NeedsText.TryGetValue(option.Option, out var n) ? n : "a value";
            if (option.Tokens.Count == 0) problems.Add((Pos(option.IdentifierToken), $"{name} needs {needs}"));
            foreach (var t in option.Tokens)
                if (IsOption(t.Value)) problems.Add((Pos(t) - 1, $"{name} needs {needs}, but the next argument '{t.Value}' is an option"));
        }
        // Missing arguments, then missing required options.
        foreach (var argument in command.Arguments)
            if (argument.Arity.MinimumNumberOfValues > 0 && (result.GetResult(argument)?.Tokens.Count ?? 0) == 0)
                problems.Add((int.MaxValue - 1, MissingText.TryGetValue(argument, out var m) ? m : $"missing <{argument.Name}>"));
        foreach (var option in command.Options)
            if (option.Required && result.GetResult(option) is not { IdentifierToken: not null })
                problems.Add((int.MaxValue, MissingText.TryGetValue(option, out var m) ? m : $"missing {option.Name}"));
        if (problems.Count > 0) return problems.OrderBy(p => p.Pos).First().Text;

        // The rest of System.CommandLine's errors (a custom parser's message, an option given twice...).
        foreach (var e in result.Errors) return e.Message;
        return null;
    }

    /// <summary>Writes <paramref name="e"/> as the one error line <c>error: …</c> (line breaks in it shown as \n, \r).</summary>
    internal static int Fail(TextWriter stderr, InputException e)
    {
        stderr.WriteLine(OneLine("error: " + e.Line));
        return BadInput;
    }

    /// <summary><paramref name="text"/> on one line (<see cref="Nabla.IO.OneLine.Of"/>).</summary>
    internal static string OneLine(string text) => Nabla.IO.OneLine.Of(text);
}
