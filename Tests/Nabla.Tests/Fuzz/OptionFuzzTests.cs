using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Nabla.Examples;
using Xunit;

namespace Nabla.Tests.Fuzz;

/// <summary>
/// The examples' option parsers fed random argument lists (seeded): the shared <see cref="OptionReader"/> through
/// <see cref="ExampleHost.Run"/>, and MNIST-1D's <see cref="Mnist1D.Options.Parse"/> (with its search-space parser)
/// through the program's entry point when the options are refused. Asserts: only the documented usage error comes out,
/// shown as one line <c>error: …</c> with exit code 2; options that parse are valid (the invariants the program relies
/// on); nothing is written.
/// </summary>
public class OptionFuzzTests
{
    private static readonly string[] Values =
    {
        "", " ", "0", "1", "-1", "5", "1000000", "2147483648", "-2147483649", "9223372036854775808", "1.5", "1e-3", "1e400", "NaN",
        "Infinity", "-Infinity", "abc", "--", "-", "--x", "-5", "\n", "a\nb", "\u2028", "é", "0x10", "1,2", "100,100", ",", "100,0", " 7 ",
    };

    [Fact]
    public void The_shared_option_reader_refuses_with_one_line_and_exit_code_2()
    {
        var rng = new Random(5);
        string[] names = { "--steps", "--lr", "--seed", "--x", "--mode", "--path", "--unknown", "-h", "--", "value" };
        int ok = 0, bad = 0;
        for (int i = 0; i < 500; i++)
        {
            var args = Enumerable.Range(0, rng.Next(0, 7)).Select(_ => rng.Next(2) == 0 ? names[rng.Next(names.Length)] : Values[rng.Next(Values.Length)]).ToArray();
            var err = new StringWriter();
            int code;
            try
            {
                code = ExampleHost.Run(err, () =>
                {
                    var a = new OptionReader(args);
                    while (a.Next())
                        switch (a.Name)
                        {
                            case "--steps": Assert.InRange(a.Int(1, 1000), 1, 1000); break;
                            case "--lr": var lr = a.Positive(); Assert.True(lr > 0 && double.IsFinite(lr)); break;
                            case "--seed": a.Long(); break;
                            case "--x": Assert.InRange(a.Double(-1, 1), -1, 1); break;
                            case "--mode": Assert.Contains(a.Choice("fast", "slow"), new[] { "fast", "slow" }); break;
                            case "--path": Assert.False(a.String().StartsWith("--", StringComparison.Ordinal)); break;
                            default: throw a.Unknown();
                        }
                    return 0;
                });
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"case {i} [{string.Join("] [", args)}]: {e.GetType().Name} escaped: {e.Message}");
                return;
            }
            if (code == 0) { ok++; Assert.Equal("", err.ToString()); continue; }
            bad++;
            Assert.Equal(2, code);
            Assert.StartsWith("error: ", SpecialFiles.OneLine(err.ToString()));
        }
        Assert.True(ok >= 20 && bad >= 100, $"{ok} accepted, {bad} refused");
    }

    private static readonly string[] MnistOptions =
    {
        "--model", "--hidden", "--no-residual", "--residual", "--init", "--optimizer", "--lr", "--batch", "--epochs", "--steps", "--seed",
        "--threads", "--dropout", "--weight-decay", "--schedule", "--shift", "--noise", "--validation", "--load", "--save", "--normalize",
        "--no-normalize", "--shuffle", "--no-shuffle", "--random-labels", "--backend", "--data", "--plot", "--figure-20-2", "--max-steps",
        "--distributed", "--compare-single", "--search", "--trials", "--workers", "--space", "--search-log", "--pruning", "--report-every",
        "--initial", "--xi", "--confirm", "--frobnicate", "--lr=0.1", "--steps=", "--help=1",
    };

    private static readonly string[] MnistValues =
    {
        "mlp", "gru", "cnn", "logistic", "adam", "sgd", "cosine", "constant", "pytorch", "he", "expressions", "roslyn", "random", "bayes",
        "coarse-to-fine", "all", "median", "none",
        "lr=1e-4..1e-1:log", "lr=1..0", "hidden={64,128}", "dropout=0..0.5; batch={32,64}", "lr=", "x=1..2", "lr=1e-4..1e-1:log;lr=0.1..0.2",
        "hidden={}", "shift=0..6:int", "shift=0.5..6:int", "lr=0..1:log", "lr={a,b}", "optimizer={adam,lbfgs}", "batch={0,-1}", "lr=NaN..1",
        "dropout=0..1", "noise=-1..1", "lr=1e-4..1e-1:log:int", ";;", "{", "lr=1e400..1e401",
    };

    [Fact]
    public void Mnist1D_options_parse_to_valid_settings_or_one_usage_error()
    {
        var rng = new Random(11);
        string outDir = Path.Combine(Path.GetTempPath(), "nabla-optfuzz-" + Guid.NewGuid().ToString("N"));
        int ok = 0, bad = 0;
        for (int i = 0; i < 500; i++)
        {
            var args = new List<string>();
            for (int k = rng.Next(0, 8); k > 0; k--)
            {
                args.Add(MnistOptions[rng.Next(MnistOptions.Length)]);
                if (rng.Next(4) > 0) args.Add(rng.Next(2) == 0 ? MnistValues[rng.Next(MnistValues.Length)] : Values[rng.Next(Values.Length)]);
            }
            // Paths stay in a folder of our own that must stay empty (Parse writes nothing).
            for (int k = 0; k < args.Count - 1; k++)
                if (args[k] is "--save" or "--plot" or "--search-log" or "--load" or "--data" && args[k + 1].Length > 0 && !args[k + 1].StartsWith("-", StringComparison.Ordinal))
                    args[k + 1] = Path.Combine(outDir, "f" + k);
            string shown = "[" + string.Join("] [", args) + "]";
            Mnist1D.Options o;
            try
            {
                o = Mnist1D.Options.Parse(args);
            }
            catch (Mnist1D.UsageException e)
            {
                bad++;
                // The program shows it as one line with exit code 2, before any work.
                var (code, stdout, stderr) = ExampleRunAll(args.ToArray());
                Assert.True(code == 2, $"case {i} {shown}: Parse refused ({e.Message}) but the program exited {code}");
                Assert.Equal("error: " + Mnist1D.Program.OneLine(e.Message), SpecialFiles.OneLine(stderr));
                Assert.Equal("", stdout);
                continue;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} {shown}: {e.GetType().Name} escaped Options.Parse: {e.Message}");
                return;
            }
            ok++;
            // What the program relies on once Parse returned.
            Assert.True(o.LearningRate > 0 && double.IsFinite(o.LearningRate), shown);
            Assert.True(o.Batch > 0, shown);
            Assert.True((o.Steps is > 0) ^ (o.Epochs is > 0) || o.Figure202, shown);
            Assert.True(o.Dropout is >= 0 and < 1, shown);
            Assert.True(o.Hidden.All(h => h > 0), shown);
            Assert.Contains(o.Model, Mnist1D.Options.ModelNames);
            Assert.Contains(o.Optimizer, Mnist1D.Options.OptimizerNames);
            Assert.False(string.IsNullOrWhiteSpace(o.Plot), shown);
            if (o.Search is not null) Assert.True(o.Validation > 0, shown);
        }
        Assert.False(Directory.Exists(outDir), "Options.Parse wrote into the output folder");
        Assert.True(ok >= 20 && bad >= 100, $"{ok} accepted, {bad} refused");
    }

    private static (int Code, string Out, string Err) ExampleRunAll(string[] args) => Examples.ExampleRun.Run(Mnist1D.Program.Run, args);
}
