using System.CommandLine;
using System.CommandLine.Help;
using System.Linq;
using Nabla.Cli;
using Xunit;

namespace Nabla.Tests.Cli;

/// <summary>
/// What System.CommandLine brings that users see, through <see cref="CommandLine.Run"/>: per-command help listing every
/// option, and its parse errors (unknown option, missing or bad value, a missing required option, an option given
/// twice) as the one line <c>error: …</c> naming the option or value, with exit code 2 and nothing on stdout.
/// </summary>
public class CommandLineTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    [Fact]
    public void Each_commands_help_lists_its_argument_and_every_option()
    {
        foreach (var c in CommandLine.Commands)
        {
            var (code, stdout, stderr) = Run(c.Name, "--help");
            Assert.Equal(0, code);
            Assert.Equal("", stderr);
            Assert.Contains($"nabla {c.Name} <", stdout);
            Assert.Contains(c.Summary, stdout);
            var options = c.Create().Options.Where(o => o is not HelpOption).ToList();
            Assert.NotEmpty(options);
            foreach (var o in options) Assert.Contains(o.Name, stdout);
            Assert.Equal(stdout, Run(c.Name, "-h").Out);
            Assert.Equal(stdout, Run("help", c.Name).Out);      // nabla help COMMAND = nabla COMMAND --help
        }
        var build = Run("build", "--help").Out;
        Assert.Contains("-o, --output <DIR> (REQUIRED)", build);
        Assert.Contains("--optimizer <sgd|adam>", build);
        Assert.Contains("[default: adam]", build);
        Assert.Contains("--batch <N>", Run("ir", "--help").Out);
        Assert.Contains("example: nabla grad \"sin(x1) + x1*x2\" --at x1=2,x2=3 --show", Run("grad", "--help").Out);
    }

    [Fact]
    public void The_root_help_lists_every_command_with_its_summary_on_one_line()
    {
        var (code, stdout, _) = Run("--help");
        Assert.Equal(0, code);
        var lines = stdout.Split('\n');
        foreach (var c in CommandLine.Commands)
            Assert.Single(lines, l => l.StartsWith("  " + c.Name + " ") && l.EndsWith(c.Summary));
        Assert.DoesNotContain("example", stdout);      // the examples are in each command's own help
    }

    [Theory]
    [InlineData("grad", "x", "--frob")]
    [InlineData("ir", "x", "--frob")]
    [InlineData("build", "mlp:4,3", "-o", "out", "--frob")]
    [InlineData("build", "mlp:4,3", "-o", "out", "--frob", "1")]
    public void An_unknown_option_is_named(params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"error: unknown option '--frob' ({args[0]} takes ", stderr.Substring(0, stderr.IndexOf("takes ") + 6));
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("error: --at needs a value", "grad", "x", "--at")]
    [InlineData("error: --batch needs a value", "ir", "x", "--batch")]
    [InlineData("error: --dot needs a file name", "ir", "x", "--dot")]
    [InlineData("error: -o needs a value", "build", "mlp:4,3", "-o")]
    [InlineData("error: --output needs a value", "build", "mlp:4,3", "--output")]
    [InlineData("error: --lr needs a value", "build", "mlp:4,3", "-o", "out", "--lr")]
    [InlineData("error: --weights needs a value, but the next argument '-o' is an option", "build", "mlp:4,3", "--weights", "-o", "out")]
    [InlineData("error: missing -o DIR (where to write the model assembly)", "build", "mlp:4,3")]
    [InlineData("error: --batch needs a whole number >= 1, not 'x'", "ir", "x", "--batch", "x")]
    [InlineData("error: --seed needs a whole number >= 0, not '-1'", "build", "mlp:4,3", "-o", "out", "--seed", "-1")]
    [InlineData("error: Option '-o' expects a single argument but 2 were provided.", "build", "mlp:4,3", "-o", "a", "-o", "b")]
    [InlineData("error: unexpected '@' at column 1", "grad", "@x", "--at", "x=1")]      // no response files: @x is the expression
    public void A_missing_or_bad_value_is_one_line_naming_the_option(string expected, params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal(expected, stderr.TrimEnd('\n'));
    }
}
