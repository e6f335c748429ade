using System;
using System.Linq;
using Nabla.Cli;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Cli;

/// <summary>
/// Bad inputs from the robustness review (issue 17), each a regression test: numbers beyond a double, NaN values, an
/// empty --dot, a path option followed by another option, and pow's derivatives at x = 0 (PyTorch's conventions).
/// </summary>
public class HardeningTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    private static double Value(string stdout, string name) => CliRun.Value(stdout, name);

    [Theory]
    [InlineData(new[] { "grad", "1e400*x", "--at", "x=1" }, "error: the number '1e400' is beyond the range of a double")]
    [InlineData(new[] { "grad", "x*2", "--at", "x=NaN" }, "error: the value of 'x' is not a finite number: 'NaN'")]
    [InlineData(new[] { "grad", "x*2", "--at", "x=1e400" }, "error: the value of 'x' is not a finite number: '1e400'")]
    [InlineData(new[] { "grad", "x*2", "--at", "--show" }, "error: --at needs a value")]
    [InlineData(new[] { "ir", "x*y", "--dot", "" }, "error: --dot: the file name is empty")]
    [InlineData(new[] { "ir", "x*y", "--dot", "--grad" }, "error: --dot needs a file name")]
    [InlineData(new[] { "build", "mlp:4,3", "-o", "--name" }, "error: -o needs a value, but the next argument '--name' is an option")]
    // Issue 17, case 14: -o '' wrote into the current folder; an expression that starts with -- was read as an option.
    [InlineData(new[] { "build", "mlp:4,3", "-o", "" }, "error: -o: the folder name is empty (write -o . for the current folder)")]
    [InlineData(new[] { "build", "mlp:4,3", "-o", " " }, "error: -o: the folder name is empty")]
    [InlineData(new[] { "grad", "--x" }, "error: unknown option '--x' (grad takes --at and --show; write -- before an expression that starts with -)")]
    [InlineData(new[] { "grad", "--at", "x=1", "--", "x", "y" }, "error: unexpected argument 'y': give the expression as one quoted argument")]
    [InlineData(new[] { "grad", "--", "x", "--at", "x=1" }, "error: unexpected argument '--at'")]
    [InlineData(new[] { "ir", "--x" }, "error: unknown option '--x' (ir takes --grad, --f32, --batch and --dot; write -- before an expression that starts with -)")]
    [InlineData(new[] { "grad", "x\ny" }, "error: ")]
    public void Bad_input_is_one_line_and_exit_code_2_with_nothing_printed(string[] args, string expectedStart)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var lines = stderr.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith(expectedStart, lines[0]);
    }

    [Fact]
    public void Double_dash_ends_the_options_so_an_expression_may_start_with_a_dash()
    {
        var (code, stdout, stderr) = Run("grad", "--at", "x=2", "--", "--x");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Equal(2, Value(stdout, "value"));          // -(-x)
        Assert.Equal(1, Value(stdout, "d/dx"));
        (code, stdout, _) = Run("grad", "--at", "x=2", "--", "-x*x");
        Assert.Equal(0, code);
        Assert.Equal(-4, Value(stdout, "value"));
        Assert.Equal(-4, Value(stdout, "d/dx"));
        (code, stdout, _) = Run("ir", "--grad", "--", "-x*y");
        Assert.Equal(0, code);
        Assert.Contains("optimized graph:", stdout);
    }

    [Fact]
    public void Nabla_alone_prints_the_help_to_stdout_with_exit_code_1_and_help_exits_0()
    {
        var (code, stdout, stderr) = Run();
        Assert.Equal(CommandLine.NoCommand, code);
        Assert.Equal(1, code);
        Assert.Contains("nabla [command] [options]", stdout);
        Assert.Equal("", stderr);
        foreach (var help in new[] { "--help", "-h", "help" })
        {
            var (c, o, e) = Run(help);
            Assert.Equal(0, c);
            Assert.Equal(stdout, o);
            Assert.Equal("", e);
        }
    }

    [Fact]
    public void A_deep_spec_gets_a_short_deterministic_class_name()
    {
        var widths = Enumerable.Repeat(3, 300).ToArray();
        var name = Nabla.Cli.BuildCommand.SpecClassName(widths);
        Assert.True(name.Length <= 64, name);
        Assert.Matches("^Mlp_3_3_3_n300_[0-9a-f]{16}$", name);
        Assert.Equal(name, Nabla.Cli.BuildCommand.SpecClassName(widths.ToArray()));
        widths[150] = 4;
        Assert.NotEqual(name, Nabla.Cli.BuildCommand.SpecClassName(widths));
        Assert.Equal("Mlp_40_100_100_10", Nabla.Cli.BuildCommand.SpecClassName(new[] { 40, 100, 100, 10 }));   // short specs keep their name
    }

    [Fact]
    public void Pow_has_PyTorchs_derivatives_where_the_formulas_give_zero_times_infinity()
    {
        var (code, stdout, _) = Run("grad", "x^0", "--at", "x=0");
        Assert.Equal(0, code);
        Assert.Equal(1, Value(stdout, "value"));
        Assert.Equal(0, Value(stdout, "d/dx"));          // was NaN: 0·0^(−1)
        (code, stdout, _) = Run("grad", "pow(x,y)", "--at", "x=0,y=2");
        Assert.Equal(0, code);
        Assert.Equal(0, Value(stdout, "d/dx"));
        Assert.Equal(0, Value(stdout, "d/dy"));          // was NaN: 0·ln 0
        (code, stdout, _) = Run("grad", "pow(x,y)", "--at", "x=2,y=3");
        Assert.Equal(12, Value(stdout, "d/dx"), 12);
        Assert.Equal(8 * Math.Log(2), Value(stdout, "d/dy"), 12);
        (code, stdout, _) = Run("grad", "pow(x,y)", "--at", "x=0,y=-1"); // 1/x at 0: infinite, as PyTorch says
        Assert.Equal(double.NegativeInfinity, Value(stdout, "d/dx"));

        // The forward-mode rule agrees with the reverse-mode one at the same points.
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Scalar); var y = g.Input("y", Shape.Scalar);
        var p = F.Pow(x, y);
        var dx = Autodiff.Jvp(new[] { p }, new[] { x, y }, new[] { g.Const(1), g.Const(0) })[0];
        var dy = Autodiff.Jvp(new[] { p }, new[] { x, y }, new[] { g.Const(0), g.Const(1) })[0];
        foreach (var (xv, yv, wantDx, wantDy) in new[] { (0.0, 0.0, 0.0, 0.0), (0.0, 2.0, 0.0, 0.0), (2.0, 3.0, 12.0, 8 * Math.Log(2)) })
        {
            var bind = new System.Collections.Generic.Dictionary<string, Tensor> { ["x"] = Tensor.Scalar(xv), ["y"] = Tensor.Scalar(yv) };
            var r = Interpreter.Run(new Function(g, ("dx", dx), ("dy", dy)), bind);
            Assert.Equal(wantDx, r.Outputs["dx"].Data[0], 12);
            Assert.Equal(wantDy, r.Outputs["dy"].Data[0], 12);
        }
    }
}
