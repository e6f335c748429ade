using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla grad "&lt;expr&gt;" --at name=value,... [--show]</c>: parses a scalar formula into IR, differentiates it
/// symbolically with <see cref="Autodiff.Grad(Function, string, string[])"/>, evaluates value and gradient with
/// the reference interpreter in float64, and prints <c>value = V</c> and one <c>d/dNAME = V</c> line per variable
/// (in order of first appearance). <c>--show</c> also prints each derivative as a formula.
/// </summary>
public sealed class GradCommand : ICommand
{
    /// <inheritdoc/>
    public string Name => "grad";

    /// <inheritdoc/>
    public string Summary => "evaluate a scalar formula and its symbolic gradient at a point";

    /// <inheritdoc/>
    public Command Create()
    {
        var expr = CommandLine.Describe(new Argument<string>("expr")
        {
            Description = "a formula: + - * / ^, unary minus, parentheses, numbers (1.5e-3), variables, and the functions " +
                          string.Join(" ", ExpressionParser.FunctionNames) + " (write -- before an <expr> that starts with -)",
        }, "an expression", "missing the expression, e.g. nabla grad \"sin(x1) + x1*x2\" --at x1=2,x2=3",
            "give the expression as one quoted argument");
        var at = new Option<string[]>("--at")
        {
            Description = "the value of every variable (repeatable: --at x=1 --at y=2)",
            HelpName = "name=value,...",
        };
        var show = new Option<bool>("--show") { Description = "also print each derivative as a simplified formula" };
        var command = new Command(Name, Summary) { expr, at, show };
        CommandLine.Examples(command, "example: nabla grad \"sin(x1) + x1*x2\" --at x1=2,x2=3 --show");
        command.SetAction(CommandLine.Action((r, stdout) => Run(r.GetValue(expr)!, r.GetValue(at) ?? Array.Empty<string>(), r.GetValue(show), stdout)));
        return command;
    }

    private static int Run(string expr, string[] at, bool show, TextWriter stdout)
    {
        var g = new Graph(DType.F64);
        var (root, variables) = ExpressionParser.Parse(expr, g);
        var values = ParseValues(at, variables);
        var names = variables.Select(v => v.Name).ToArray();
        var grad = Autodiff.Grad(new Function(g, ("f", root)), "f", names);

        var bindings = values.ToDictionary(kv => kv.Key, kv => Tensor.Scalar(kv.Value));
        var result = Interpreter.Run(grad, bindings, DType.F64);
        stdout.WriteLine($"value = {Format(result["value"].Value)}");
        foreach (var n in names) stdout.WriteLine($"d/d{n} = {Format(result["d/d" + n].Value)}");
        if (show)
        {
            // Constant folding, algebraic simplification and CSE turn 1*x2 + 1*cos(x1) into cos(x1) + x2.
            var simple = Pipeline.Simplify(grad);
            stdout.WriteLine("symbolic:");
            foreach (var n in names) stdout.WriteLine($"  d/d{n} = {Printer.Infix(simple["d/d" + n])}");
        }
        return CommandLine.Ok;
    }

    /// <summary>A number as printed by the command: up to 15 significant digits, invariant culture.</summary>
    public static string Format(double v) => v.ToString("G15", CultureInfo.InvariantCulture);

    // name=value pairs from every --at argument; each variable needs exactly one value, and every value a variable.
    private static Dictionary<string, double> ParseValues(IReadOnlyList<string> at, IReadOnlyList<(string Name, int Column)> variables)
    {
        var values = new Dictionary<string, double>();
        var given = new List<(string Name, int Column, string Source)>();
        foreach (var text in at)
        {
            var source = $"--at '{text}'";
            int col = 1;
            foreach (var item in text.Split(','))
            {
                int eq = item.IndexOf('=');
                var name = (eq < 0 ? item : item.Substring(0, eq)).Trim();
                if (eq < 0 || name.Length == 0)
                    throw new InputException($"expected name=value but found '{item}'", col, source: source);
                var valueText = item.Substring(eq + 1).Trim();
                if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                    throw new InputException($"the value of '{name}' is not a number: '{valueText}'", col + eq + 1, source: source);
                // NaN, ±Infinity and literals beyond ±1.8e308 (which parse to ±∞) are refused, as the CSV reader refuses them.
                if (!double.IsFinite(v))
                    throw new InputException($"the value of '{name}' is not a finite number: '{valueText}'", col + eq + 1, source: source);
                if (values.ContainsKey(name)) throw new InputException($"'{name}' is given two values", col, source: source);
                values[name] = v;
                given.Add((name, col, source));
                col += item.Length + 1;
            }
        }
        foreach (var (name, column) in variables)
            if (!values.ContainsKey(name))
                throw new InputException($"no value for variable '{name}'", column, $"add {name}=... to --at");
        foreach (var (name, column, source) in given)
            if (!variables.Any(x => x.Name == name))
                throw new InputException($"unknown identifier '{name}' (the expression has no such variable)", column,
                    variables.Count > 0 ? $"its variables: {string.Join(", ", variables.Select(x => x.Name))}" : null, source);
        return values;
    }
}
