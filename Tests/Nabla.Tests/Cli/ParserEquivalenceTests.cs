using System;
using System.Linq;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Cli;
using Nabla.Ir;
using Xunit;
using Xunit.Sdk;

namespace Nabla.Tests.Cli;

/// <summary>
/// The formula parser works without recursion (issue 17 #2). It must mean exactly what the recursive-descent parser it
/// replaced meant: on random formulas — well formed ones of every construct, and token soup that is mostly malformed —
/// both build the same nodes in the same order (the printed IR, ids included, is equal) with the same variables, or both
/// fail with the same one-line message.
/// </summary>
public class ParserEquivalenceTests
{
    private static readonly string[] Names = { "x", "y", "x1", "_a", "e", "B2" };
    private static readonly string[] Numbers = { "2", "0.5", ".25", "1e-3", "3E+2", "7", "1.2.3", "2e", "0" };
    private static readonly string[] Calls = { "sin", "exp", "log1p", "relu", "max", "min", "pow", "foo" };
    private static readonly string[] Soup =
        { "x", "y", "sin", "max", "pow", "foo", "2", "1.5", "2e", "+", "-", "*", "/", "^", "(", ")", ",", " ", "$", "(", ")", "-", "^" };

    private static string Formula(Random r, int depth)
    {
        string S() => r.Next(4) == 0 ? " " : "";
        if (depth == 0 || r.Next(5) == 0) return r.Next(3) == 0 ? Numbers[r.Next(Numbers.Length)] : Names[r.Next(Names.Length)];
        switch (r.Next(7))
        {
            case 0: case 1: return Formula(r, depth - 1) + S() + "+-*/^"[r.Next(5)] + S() + Formula(r, depth - 1);
            case 2: return "-+"[r.Next(2)] + S() + Formula(r, depth - 1);
            case 3: return "(" + S() + Formula(r, depth - 1) + S() + ")";
            default:
                {
                    var f = Calls[r.Next(Calls.Length)];
                    int args = r.Next(4) == 0 ? r.Next(0, 4) : f is "max" or "min" or "pow" ? 2 : 1;
                    return f + S() + "(" + string.Join("," + S(), Enumerable.Range(0, args).Select(_ => Formula(r, depth - 1))) + ")";
                }
        }
    }

    private static string TokenSoup(Random r)
    {
        var sb = new StringBuilder();
        int n = r.Next(1, 16);
        for (int i = 0; i < n; i++) sb.Append(Soup[r.Next(Soup.Length)]);
        return sb.ToString();
    }

    private delegate (Node Root, System.Collections.Generic.IReadOnlyList<(string Name, int Column)> Variables) Parser(string text, Graph graph);

    private static string Outcome(Parser parse, string text)
    {
        var g = new Graph(DType.F64);
        try
        {
            var (root, vars) = parse(text, g);
            return Printer.Print(new Function(g, ("f", root))) + "variables: " + string.Join(", ", vars.Select(v => $"{v.Name}@{v.Column}"));
        }
        catch (InputException e) { return "error: " + e.Line; }
    }

    private static void Same(string text)
    {
        var want = Outcome(RecursiveReferenceParser.Parse, text);
        var got = Outcome(ExpressionParser.Parse, text);
        if (want != got) throw new XunitException($"'{text}':\nrecursive parser:\n{want}\nthis parser:\n{got}");
    }

    [Fact]
    public void Random_formulas_parse_as_the_recursive_parser_parsed_them()
    {
        int errors = 0;
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var r = new Random(seed);
            var text = r.Next(3) == 0 ? TokenSoup(r) : Formula(r, r.Next(1, 6));
            Same(text);
            if (Outcome(ExpressionParser.Parse, text).StartsWith("error:", StringComparison.Ordinal)) errors++;
        }));
        Assert.InRange(errors, 40, 360); // both kinds of input were drawn: well formed and malformed
    }

    [Theory]
    [InlineData("-x^2")] [InlineData("2^-x^2*3")] [InlineData("a^b^c")] [InlineData("a^-b^c")] [InlineData("-a*b")]
    [InlineData("a*-b^c")] [InlineData("a - -b")] [InlineData("-(a+b)*c/d-e")] [InlineData("max(sin(x), -y)")]
    [InlineData("pow(x, 2) ^ 3")] [InlineData("+x")] [InlineData("x y")] [InlineData("(x, y)")] [InlineData("max(x,)")]
    [InlineData("sin (x")] [InlineData("max(x y)")] [InlineData("x)")] [InlineData("()")] [InlineData("sin()")]
    [InlineData("-")] [InlineData("2 * sin")] [InlineData("((x)")] [InlineData("sin(x))")] [InlineData("a/b/c*d")]
    public void Precedence_and_errors_match_the_recursive_parser(string text) => Same(text);
}
