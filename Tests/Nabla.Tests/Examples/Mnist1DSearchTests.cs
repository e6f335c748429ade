using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Xml.Linq;
using Mnist1D;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>
/// The MNIST-1D example's --search: short in-process searches (a few trials of 100 steps on small MLPs) that check the
/// printed results against the log, resuming, reproducibility across worker counts with real training, the figures,
/// and one-line errors for bad search specs. The full-budget numbers (30 trials of 1,500 steps, seeds 1–3) are in
/// docs/examples/search.md, not asserted here.
/// </summary>
[Collection("Runtime.MaxThreads")] // a search sets the process-wide kernel thread count to 1 while it runs
public sealed class Mnist1DSearchTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nabla-mnist1d-search-" + Guid.NewGuid().ToString("N"));

    public Mnist1DSearchTests() => Directory.CreateDirectory(_dir);

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private const string SmallSpace = "lr=1e-3..1e-1:log; hidden={16,32}; optimizer={sgd,adam}";

    private (int Code, string Out, string Err) Search(string strategy, int workers, string log, string pruning = "median", int trials = 8) =>
        ExampleRun.Run(Program.Run, "--search", strategy, "--trials", trials.ToString(CultureInfo.InvariantCulture),
            "--workers", workers.ToString(CultureInfo.InvariantCulture), "--steps", "100", "--report-every", "25", "--validation", "500",
            "--space", SmallSpace, "--pruning", pruning, "--confirm", "1", "--plot", Path.Combine(_dir, strategy + ".svg"), "--search-log", Path.Combine(_dir, log));

    private static string[] TrialLines(string path) =>
        File.ReadAllLines(path).Skip(1).Select(l =>
        {
            // Everything but the wall time, which is not part of the reproducible result.
            using var doc = JsonDocument.Parse(l);
            return string.Join("|", doc.RootElement.EnumerateObject().Where(p => p.Name != "seconds").Select(p => p.Name + ":" + p.Value.GetRawText()));
        }).OrderBy(s => s, StringComparer.Ordinal).ToArray();

    [Fact]
    public void Bayes_search_prints_the_best_of_its_log_writes_both_figures_and_resumes_to_the_same_result()
    {
        var (code, output, err) = Search("bayes", 2, "bayes.jsonl", trials: 10);
        Assert.True(code == 0, err + output);
        var lines = output.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        // The four result lines come last, in the design notes' order.
        Assert.StartsWith("best_config=", lines[^4]);
        Assert.StartsWith("best_val_accuracy=", lines[^3]);
        Assert.StartsWith("default_val_accuracy=", lines[^2]);
        Assert.StartsWith("test_accuracy=", lines[^1]);
        Assert.Equal(10, lines.Count(l => l.StartsWith("trial ", StringComparison.Ordinal)));

        // best_val_accuracy is the largest value in the log, and best_config that trial's configuration.
        string log = Path.Combine(_dir, "bayes.jsonl");
        var trials = File.ReadAllLines(log).Skip(1).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(10, trials.Length);
        var best = trials.OrderByDescending(t => t.GetProperty("value").GetDouble()).ThenBy(t => t.GetProperty("trial").GetInt32()).First();
        Assert.Equal(best.GetProperty("value").GetDouble(), ExampleRun.Value(output, "best_val_accuracy"), 4);
        Assert.Contains("lr=" + best.GetProperty("config").GetProperty("lr").GetDouble().ToString("R", CultureInfo.InvariantCulture), lines[^4]);
        Assert.Contains("optimizer=" + best.GetProperty("config").GetProperty("optimizer").GetString(), lines[^4]);
        foreach (var name in new[] { "default_val_accuracy", "test_accuracy", "default_test_accuracy", "retrained_best_val_accuracy", "retrained_default_val_accuracy" })
            Assert.InRange(ExampleRun.Value(output, name), 0.1, 1.0);

        // Both figures are SVG; the GP figure has three panels of posterior and three of EI.
        var figure = XDocument.Load(Path.Combine(_dir, "bayes.svg"));
        Assert.Contains("best so far", figure.ToString());
        var gp = XDocument.Load(Path.Combine(_dir, "bayes-gp.svg")).ToString();
        Assert.Equal(3, CountOf(gp, ": expected improvement"));
        Assert.Contains("posterior mean", gp);

        // Run again: every trial comes from the log, nothing is retrained for the search, and the results are the same.
        var again = Search("bayes", 2, "bayes.jsonl", trials: 10);
        Assert.Equal(0, again.Code);
        Assert.Contains("bayes: 10 of 10 trials read from the log", again.Out);
        Assert.DoesNotContain("trial 1/10", again.Out);
        foreach (var name in new[] { "best_config", "best_val_accuracy", "default_val_accuracy", "test_accuracy" })
            Assert.Equal(ExampleRun.Text(output, name), ExampleRun.Text(again.Out, name));

        // Interrupted after six trials (the log cut there): the resumed search re-proposes trials 6-9 from the GP, trains
        // them for real, and writes the same lines as the uninterrupted search.
        var whole = TrialLines(log);
        File.WriteAllLines(log, File.ReadAllLines(log).Take(7)); // header + the first six finished trials
        var resumed = Search("bayes", 2, "bayes.jsonl", trials: 10);
        Assert.Equal(0, resumed.Code);
        Assert.Contains("bayes: 6 of 10 trials read from the log", resumed.Out);
        Assert.Equal(whole, TrialLines(log));
        Assert.Equal(ExampleRun.Text(output, "best_val_accuracy"), ExampleRun.Text(resumed.Out, "best_val_accuracy"));
    }

    private static int CountOf(string s, string what)
    {
        int n = 0;
        for (int i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    [Fact]
    public void Random_search_trains_the_same_trials_on_one_and_on_two_workers()
    {
        Assert.Equal(0, Search("random", 1, "one.jsonl", pruning: "none", trials: 6).Code);
        Assert.Equal(0, Search("random", 2, "two.jsonl", pruning: "none", trials: 6).Code);
        var one = TrialLines(Path.Combine(_dir, "one.jsonl"));
        Assert.Equal(6, one.Length);
        Assert.Equal(one, TrialLines(Path.Combine(_dir, "two.jsonl")));
    }

    [Theory]
    [InlineData("--search bayes --space lr=0.1..0.1:log", "empty range")]
    [InlineData("--search bayes --space lr=-1..1:log", "log")]
    [InlineData("--search bayes --space foo=0..1", "unknown hyperparameter 'foo'")]
    [InlineData("--search bayes --space optimizer={sgd,lbfgs}", "unknown value 'lbfgs'")]
    [InlineData("--search bayes --space dropout=0..1.5", "dropout")]
    [InlineData("--search bayes --space batch=0.5..8", "whole number")]
    [InlineData("--search bayes --space lr=0..0.1", "learning rate must be > 0")]
    [InlineData("--search bayes --space hidden={16,32} --model cnn", "fixed layers")]
    [InlineData("--search grid", "unknown strategy 'grid'")]
    [InlineData("--trials 5", "add --search")]
    [InlineData("--search random --validation 0", "needs a validation split")]
    [InlineData("--search random --trials 0", "at least one trial")]
    [InlineData("--search random --workers 0", "between 1 and 256")]
    [InlineData("--search random --load x.safetensors", "from scratch")]
    [InlineData("--search random --pruning asha", "unknown rule 'asha'")]
    [InlineData("--search random --confirm -1", "0..100")]
    [InlineData("--confirm 2", "add --search")]
    [InlineData("--search random --initial 8", "does not use them")]
    [InlineData("--search coarse-to-fine --xi 0.1", "does not use them")]
    public void Bad_search_options_are_one_line_and_exit_2(string args, string expected)
    {
        string message = ExampleRun.BadOptions(Program.Run, args, "best_config");
        Assert.Contains(expected, message);
    }

    [Fact]
    public void Models_with_fixed_layers_get_a_default_space_without_hidden()
    {
        Assert.Contains("hidden=", Options.Parse(new[] { "--search", "bayes" }).Space);
        foreach (var model in new[] { "cnn", "logistic" })
        {
            var o = Options.Parse(new[] { "--search", "bayes", "--model", model });
            Assert.DoesNotContain("hidden", o.Space);
            Assert.Equal(4, HyperparameterSearch.ParseSpace(o.Space, model).Dimension);
        }
    }

    [Fact]
    public void A_log_file_of_something_else_is_refused_and_left_untouched()
    {
        string path = Path.Combine(_dir, "notes.jsonl");
        File.WriteAllText(path, "{\"my\":\"data\"}\n");
        string message = ExampleRun.BadOptions(Program.Run, $"--search random --trials 2 --steps 10 --search-log {path} --plot {Path.Combine(_dir, "r.svg")}", "best_config");
        Assert.Contains("not a Nabla search log", message);
        Assert.Contains(path, message);
        Assert.Equal("{\"my\":\"data\"}\n", File.ReadAllText(path));
    }
}
