using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Nabla.Cli;
using Nabla.Rewrites;
using Xunit;

namespace Nabla.Tests.Cli;

/// <summary><c>nabla ir</c> prints the pipeline list: every stage in order, with node counts, kernels and times.</summary>
public class IrPipelineListTests
{
    private static string Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        Assert.Equal(0, CommandLine.Run(args, o, e));
        return o.ToString();
    }

    // The lines of the pipeline list: from the header after "passes:" to the blank line.
    private static string[] ListLines(string stdout)
    {
        var lines = stdout.Replace("\r", "").Split('\n');
        int start = System.Array.IndexOf(lines, "passes:") + 1;
        Assert.StartsWith("stage", lines[start]);
        return lines.Skip(start + 1).TakeWhile(l => l.Length > 0).ToArray();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_list_names_every_stage_in_order_with_counts(bool grad)
    {
        var args = grad ? new[] { "ir", "exp(x*y) + exp(x*y)*sin(x*y)", "--grad" } : new[] { "ir", "log(1 + exp(x*y))" };
        var stdout = Run(args);
        var rows = ListLines(stdout);
        // Top-level rows (not indented) are exactly the stages of the list, in order.
        var top = rows.Where(r => !r.StartsWith(" ")).Select(r => r.Split(' ')[0]).ToArray();
        Assert.Equal(Pipeline.Stages.Select(s => s.Name), top);
        // Under the round: its passes, round after round, ending with the round that stopped it.
        var round = rows.SkipWhile(r => !r.StartsWith("rewrite ")).Skip(1).TakeWhile(r => r.StartsWith("  ")).Select(r => r.Trim().Split(' ')[0]).ToArray();
        Assert.Equal(Pipeline.Round.Select(p => p.Name), round.Take(4));
        Assert.Equal("canonicalize", round.Last()); // the confirming round stops after canonicalize
        int kernels = int.Parse(Regex.Match(stdout, @"kernels: \d+ unoptimized -> (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        foreach (var row in rows)
        {
            // name [(round)] nodes-before nodes-after [kernels] ms ...
            var m = Regex.Match(row, @"^\s*(?<name>[a-z-]+)(?: \(\d+\))?\s+(?<before>\S+)\s+(?<after>\S+)\s+(?<rest>.*)$");
            Assert.True(m.Success, row);
            var name = m.Groups["name"].Value;
            if (name == "emit" || (name == "autodiff" && !grad)) { Assert.Equal("-", m.Groups["before"].Value); continue; }
            Assert.True(int.TryParse(m.Groups["before"].Value, out _) && int.TryParse(m.Groups["after"].Value, out _), row);
            // Once scheduled, the kernel count; every stage that ran has its time.
            if (name is "kernels" or "order" or "memory-plan") Assert.StartsWith(kernels.ToString(CultureInfo.InvariantCulture) + " ", m.Groups["rest"].Value);
            Assert.Matches(@"\d+\.\d\d", m.Groups["rest"].Value);
        }
        if (grad) Assert.Contains("d/dx, d/dy", rows.Single(r => r.StartsWith("autodiff")));
        else Assert.Contains("not asked", rows.Single(r => r.StartsWith("autodiff")));
    }
}
