using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Nabla.Cli;
using Xunit;

namespace Nabla.Tests.Cli;

/// <summary><c>nabla grad</c>, run in-process with captured output.</summary>
public class GradCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    private static double Value(string stdout, string name) => CliRun.Value(stdout, name);

    [Fact]
    public void Lecture_example_prints_value_and_gradient()
    {
        var (code, stdout, stderr) = Run("grad", "sin(x1) + x1*x2", "--at", "x1=2,x2=3");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Equal(new[] { "value = 6.90929742682568", "d/dx1 = 2.58385316345286", "d/dx2 = 2", "" }, stdout.Split('\n'));
        Assert.Equal(Math.Sin(2) + 6, Value(stdout, "value"), 13);
        Assert.Equal(Math.Cos(2) + 3, Value(stdout, "d/dx1"), 13);
    }

    [Fact]
    public void Show_prints_the_simplified_derivatives_as_a_person_would_write_them()
    {
        var (code, stdout, _) = Run("grad", "sin(x1) + x1*x2", "--at", "x1=2,x2=3", "--show");
        Assert.Equal(0, code);
        var lines = stdout.Split('\n');
        Assert.Contains(lines, l => l == "  d/dx1 = cos(x1) + x2" || l == "  d/dx1 = x2 + cos(x1)");
        Assert.Contains("  d/dx2 = x1", lines);
        Assert.Equal(Math.Cos(2) + 3, Value(stdout, "d/dx1"), 13);   // the numeric lines are still there
    }

    [Fact]
    public void Variables_are_listed_in_order_of_first_appearance()
    {
        var (_, stdout, _) = Run("grad", "b*a + a^2 + c", "--at", "a=1,b=2", "--at", "c=5");
        var names = stdout.Split('\n').Where(l => l.StartsWith("d/d", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]);
        Assert.Equal(new[] { "d/db", "d/da", "d/dc" }, names);
        Assert.Equal(2 + 2 * 1, Value(stdout, "d/da"));
        Assert.Equal(1, Value(stdout, "d/db"));
    }

    [Theory]
    [InlineData("2^3^2 + 0*x", 512)]            // ^ is right-associative
    [InlineData("-2^2 + 0*x", -4)]              // unary minus binds looser than ^
    [InlineData("2^-1 + 0*x", 0.5)]
    [InlineData("2*3 + 4 - 1 + 0*x", 9)]
    [InlineData("(2 + 3)*4/2 + 0*x", 10)]
    [InlineData("8/4/2 + 0*x", 1)]              // / is left-associative
    [InlineData("x - -x + +x", 4.5)]
    [InlineData("1.5e-3*x*1E3", 2.25)]
    [InlineData(".5*x", 0.75)]
    public void Parses_precedence_associativity_and_numbers(string expr, double expected)
    {
        var (code, stdout, stderr) = Run("grad", expr, "--at", "x=1.5");
        Assert.True(code == 0, stderr);
        Assert.Equal(expected, Value(stdout, "value"), 12);
    }

    [Theory]
    [InlineData("sin", 0.7)] [InlineData("cos", 0.7)] [InlineData("exp", 0.7)] [InlineData("log", 0.7)]
    [InlineData("sqrt", 0.7)] [InlineData("abs", -0.7)] [InlineData("tanh", 0.7)] [InlineData("sigmoid", -0.7)]
    [InlineData("relu", 0.7)] [InlineData("relu", -0.7)] [InlineData("softplus", 0.7)]
    public void Functions_of_one_argument_have_the_right_value_and_derivative(string fn, double x)
    {
        Func<double, double> f = fn switch
        {
            "sin" => Math.Sin, "cos" => Math.Cos, "exp" => Math.Exp, "log" => Math.Log, "sqrt" => Math.Sqrt, "abs" => Math.Abs,
            "tanh" => Math.Tanh, "sigmoid" => v => 1 / (1 + Math.Exp(-v)), "relu" => v => Math.Max(v, 0),
            _ => v => Math.Log(1 + Math.Exp(v)),
        };
        var (code, stdout, _) = Run("grad", $"{fn}(x)", "--at", "x=" + x.ToString("R", CultureInfo.InvariantCulture));
        Assert.Equal(0, code);
        Assert.Equal(f(x), Value(stdout, "value"), 12);
        double h = 1e-6, fd = (f(x + h) - f(x - h)) / (2 * h);
        Assert.Equal(fd, Value(stdout, "d/dx"), 8);
    }

    [Fact]
    public void Functions_of_two_arguments()
    {
        var (_, s1, _) = Run("grad", "max(x, y) + 10*min(x, y)", "--at", "x=2,y=3");
        Assert.Equal(3 + 20, Value(s1, "value"));
        Assert.Equal(10, Value(s1, "d/dx"));
        Assert.Equal(1, Value(s1, "d/dy"));
        var (_, s2, _) = Run("grad", "pow(x, y)", "--at", "x=2,y=3");
        Assert.Equal(8, Value(s2, "value"));
        Assert.Equal(12, Value(s2, "d/dx"), 12);
        Assert.Equal(8 * Math.Log(2), Value(s2, "d/dy"), 12);
    }

    [Fact]
    public void Output_is_culture_invariant()
    {
        var saved = Thread.CurrentThread.CurrentCulture;
        try
        {
            Thread.CurrentThread.CurrentCulture = new CultureInfo("de-DE");
            var (code, stdout, _) = Run("grad", "x*1.5", "--at", "x=0.25");
            Assert.Equal(0, code);
            Assert.Contains("value = 0.375", stdout);
            Assert.Contains("d/dx = 1.5", stdout);
        }
        finally { Thread.CurrentThread.CurrentCulture = saved; }
    }

    [Theory]
    [InlineData(new[] { "grad", "sinn(x1) + x1*x2", "--at", "x1=2,x2=3" }, "error: unknown function 'sinn' at column 1")]
    [InlineData(new[] { "grad", "x1 + ", "--at", "x1=2" }, "error: unexpected end of expression at column 6")]
    [InlineData(new[] { "grad", "sin(x1 + 2", "--at", "x1=2" }, "error: missing ')' at column 11")]
    [InlineData(new[] { "grad", "x1 $ 2", "--at", "x1=2" }, "error: unexpected '$' at column 4")]
    [InlineData(new[] { "grad", "x1 * (2 + )", "--at", "x1=2" }, "error: expected a value before ')' at column 11")]
    [InlineData(new[] { "grad", "sin(x1, 2)", "--at", "x1=2" }, "error: sin takes 1 argument, got 2 at column 1")]
    [InlineData(new[] { "grad", "max(x1)", "--at", "x1=2" }, "error: max takes 2 arguments, got 1 at column 1")]
    [InlineData(new[] { "grad", "2 * sin", "--at", "x1=2" }, "error: 'sin' is a function; call it as sin(...) at column 5")]
    [InlineData(new[] { "grad", "x1*x2", "--at", "x1=2" }, "error: no value for variable 'x2' at column 4")]
    [InlineData(new[] { "grad", "x1*x2" }, "error: no value for variable 'x1' at column 1")]
    [InlineData(new[] { "grad", "x1", "--at", "x1=2,y=3" }, "error: unknown identifier 'y' (the expression has no such variable) at column 6 of --at 'x1=2,y=3'")]
    [InlineData(new[] { "grad", "x1", "--at", "x1=two" }, "error: the value of 'x1' is not a number: 'two' at column 4 of --at 'x1=two'")]
    [InlineData(new[] { "grad", "x1", "--at", "x1" }, "error: expected name=value but found 'x1' at column 1 of --at 'x1'")]
    [InlineData(new[] { "grad", "x1", "--at", "x1=1,x1=2" }, "error: 'x1' is given two values at column 6 of --at 'x1=1,x1=2'")]
    [InlineData(new[] { "grad", "x1", "--at" }, "error: --at needs a value")]
    [InlineData(new[] { "grad", "x1", "--att", "x1=1" }, "error: unknown option '--att'")]
    [InlineData(new[] { "grad", "--at", "x1=1" }, "error: missing the expression")]
    [InlineData(new[] { "grad", "", "--at", "x1=1" }, "error: empty expression at column 1")]
    [InlineData(new[] { "grad", "1.2.3*x", "--at", "x=1" }, "error: malformed number '1.2.3' at column 1")]
    [InlineData(new[] { "grad", "x*2e", "--at", "x=1" }, "error: unexpected 'e' at column 4")]      // no implicit products
    [InlineData(new[] { "frobnicate" }, "error: unknown command 'frobnicate'")]
    public void Bad_input_exits_with_2_and_one_line_naming_the_problem_and_the_column(string[] args, string expectedStart)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var lines = stderr.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith(expectedStart, lines[0]);
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        var (code, stdout, _) = Run("--help");
        Assert.Equal(0, code);
        foreach (var c in CommandLine.Commands) Assert.Contains($"  {c.Name}", stdout);
        Assert.Contains("grad", stdout);
        var (code2, usage, _) = Run("grad", "--help");
        Assert.Equal(0, code2);
        Assert.Contains("nabla grad <expr> [options]", usage);
        Assert.Contains("--at <name=value,...>", usage);
        Assert.Contains("--show", usage);
        // Issue 17: nabla alone prints the help to stdout with exit code 1 (no command ran), as git does.
        var (code3, help, err) = Run();
        Assert.Equal(1, code3);
        Assert.Contains("Commands:", help);
        Assert.Equal("", err);
    }
}
