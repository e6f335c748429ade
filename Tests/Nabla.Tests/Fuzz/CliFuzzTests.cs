using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Nabla.Tests.Cli;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Fuzz;

/// <summary>
/// The <c>nabla</c> command line fed random argument lists (seeded) built from its own vocabulary and from adversarial
/// words: options without values, options as values, <c>--</c>, empty strings, line breaks, huge and non-finite numbers,
/// bad paths (a FIFO, /dev/full, a symbolic link to /dev/zero, a folder), and random formulas (short, so never deep).
/// Asserts: no exception escapes; exit code 0 with nothing on stderr, or 2 with exactly one line <c>error: …</c>
/// (1 only for no arguments); on an error nothing was written. <c>nabla build</c> only gets arguments that fail before
/// the compile (a compile takes seconds); its successful path has its own tests.
/// </summary>
public class CliFuzzTests
{
    private static readonly string[] Formula =
    {
        "x", "y", "z1", "1", "0", "2.5", "1e400", "1e-400", "NaN", "+", "-", "*", "/", "^", "(", ")", ",", "sin", "cos", "exp", "log",
        "sqrt", "pow", "max", "relu", "abs", "tanh", "sigmoid", "softplus", " ", "\t", "\n", "é", "$", "..", "1.2.3", "unknown",
    };

    private static string RandomFormula(Random rng)
    {
        int n = rng.Next(0, 12);
        var parts = new List<string>();
        for (int i = 0; i < n; i++) parts.Add(Formula[rng.Next(Formula.Length)]);
        // Mostly well-formed shapes too, so the evaluation and the pipeline run.
        if (rng.Next(3) == 0) return new[] { "x*y", "sin(x)+x*y", "exp(x)/(1+exp(x))", "pow(x,y)", "x^0", "log(x)", "sqrt(x*x)", "max(x,y)", "-x", "--x" }[rng.Next(10)];
        return string.Concat(parts);
    }

    private static string RandomAt(Random rng) => rng.Next(6) switch
    {
        0 => "x=1",
        1 => "x=1,y=2",
        2 => "x=" + new[] { "0", "-3", "1e308", "1e400", "NaN", "-Infinity", "", "abc", "0x1" }[rng.Next(9)],
        3 => "x=1,y=2,z1=0.5",
        4 => new[] { "=", "x", ",", "x=1,x=2", "y=1", "x==1", "x=1,,y=2", "\n" }[rng.Next(8)],
        _ => "x=0.5,y=-0.25",
    };

    private string[] RandomArgs(Random rng, string dir)
    {
        string[] paths = { Path.Combine(dir, "out.dot"), Path.Combine(dir, "sub", "g.dot"), dir, "/dev/full", Path.Combine(dir, "fifo"), Path.Combine(dir, "zero"), "", " ", "/proc/x.dot", Path.Combine(dir, "file.txt", "below.dot") };
        string command = rng.Next(12) switch { 0 => "", 1 => "help", 2 => "--help", 3 => "frobnicate", 4 => "-h", 5 or 6 or 7 => "grad", 8 or 9 or 10 => "ir", _ => "build" };
        var args = new List<string> { command };
        int n = rng.Next(0, 7);
        for (int i = 0; i < n; i++)
        {
            switch (command == "build" ? rng.Next(8) + 20 : rng.Next(14))
            {
                case 0: case 1: case 2: args.Add(RandomFormula(rng)); break;
                case 3: args.Add("--at"); if (rng.Next(4) > 0) args.Add(RandomAt(rng)); break;
                case 4: args.Add("--at=" + RandomAt(rng)); break;
                case 5: args.Add("--show"); break;
                case 6: args.Add("--grad"); break;
                case 7: args.Add("--f32"); break;
                case 8: args.Add("--batch"); if (rng.Next(4) > 0) args.Add(new[] { "1", "0", "-1", "64", "99999999999", "x", "" }[rng.Next(7)]); break;
                case 9: args.Add("--dot"); if (rng.Next(4) > 0) args.Add(paths[rng.Next(paths.Length)]); break;
                case 10: args.Add("--"); break;
                case 11: args.Add(new[] { "-", "--x", "-x", "---", "--help", "-h", "--at=", "--dot=" }[rng.Next(8)]); break;
                case 12: args.Add(new[] { "", " ", "\n", "\r\n", "\u2028", "é", "\0" }[rng.Next(7)]); break;
                case 13: args.Add("help"); break;
                // build: models that fail fast, outputs that are bad, options with bad values.
                case 20: args.Add(new[] { "mlp:", "mlp:0,3", "mlp:a,b", "mlp:4", "mlp:4,,3", "mlp:-4,3", "cnn:4,3", "x.cs", Path.Combine(dir, "zero.cs"), Path.Combine(dir, "fifo.cs"), dir }[rng.Next(11)]); break;
                case 21: args.Add("-o"); if (rng.Next(4) > 0) args.Add(new[] { "", " ", "/dev/full", Path.Combine(dir, "file.txt"), Path.Combine(dir, "fifo") }[rng.Next(5)]); break;
                case 22: args.Add("--name"); if (rng.Next(4) > 0) args.Add(new[] { "", "a b", ".x", "x.", new string('n', 300), "ok" }[rng.Next(6)]); break;
                case 23: args.Add("--optimizer"); if (rng.Next(4) > 0) args.Add(new[] { "adam", "sgd", "lbfgs", "" }[rng.Next(4)]); break;
                case 24: args.Add("--lr"); if (rng.Next(4) > 0) args.Add(new[] { "0", "-1", "NaN", "1e400", "0.1" }[rng.Next(5)]); break;
                case 25: args.Add("--seed"); if (rng.Next(4) > 0) args.Add(new[] { "-1", "x", "99999999999999999999", "3" }[rng.Next(4)]); break;
                case 26: args.Add("--weights"); if (rng.Next(4) > 0) args.Add(new[] { Path.Combine(dir, "zero"), Path.Combine(dir, "fifo"), Path.Combine(dir, "file.txt"), "nowhere.safetensors" }[rng.Next(4)]); break;
                default: args.Add(new[] { "--", "-x", "--frobnicate", "mlp:4,3" }[rng.Next(4)]); break;
            }
        }
        if (command == "") args.RemoveAt(0);
        return args.ToArray();
    }

    /// <summary>
    /// Whether a build would get past its checks to the (slow) compile: it names the one valid spec, and the same
    /// arguments with that spec made invalid fail on the spec alone (so every option before it was accepted).
    /// </summary>
    private static bool WouldCompile(string[] args)
    {
        if (args.Length == 0 || args[0] != "build" || !args.Contains("mlp:4,3")) return false;
        var (code, _, err) = CliRun.Run(args.Select(a => a == "mlp:4,3" ? "mlp:4" : a).ToArray());
        return code == 2 && err.Contains("needs at least an input and an output width");
    }

    [SpecialFilesFact]
    public void Random_command_lines_exit_0_or_2_with_one_error_line_and_write_nothing_on_error()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("file.txt"), "not a folder");
        SpecialFiles.Fifo(dir.File("fifo"));
        SpecialFiles.Fifo(dir.File("fifo.cs"));
        File.CreateSymbolicLink(dir.File("zero"), "/dev/zero");
        File.CreateSymbolicLink(dir.File("zero.cs"), "/dev/zero");
        var rng = new Random(17);
        int ok = 0, bad = 0;
        for (int i = 0; i < 400; i++)
        {
            var args = RandomArgs(rng, dir.Path);
            if (WouldCompile(args)) continue;
            string shown = string.Join(" ", args.Select(a => "[" + a + "]"));
            var before = SpecialFiles.Snapshot(dir.Path);
            int code;
            string stdout, stderr;
            try
            {
                (code, stdout, stderr) = SpecialFiles.NoHang(() => CliRun.Run(args), shown);
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} {shown}: {e.GetType().Name} escaped: {e.Message}");
                return;
            }
            if (args.Length == 0) { Assert.Equal(1, code); continue; }
            Assert.True(code is 0 or 2, $"case {i} {shown}: exit code {code}");
            if (code == 0)
            {
                Assert.True(stderr == "", $"case {i} {shown}: exit 0 with stderr {stderr}");
                ok++;
                // A successful --dot wrote its file: leave the folder as it was for the next case.
                foreach (var f in Directory.EnumerateFiles(dir.Path, "*.dot", SearchOption.AllDirectories)) File.Delete(f);
                if (Directory.Exists(dir.File("sub"))) Directory.Delete(dir.File("sub"), true);
                continue;
            }
            bad++;
            var line = SpecialFiles.OneLine(stderr);
            Assert.StartsWith("error: ", line);
            SpecialFiles.AssertUnchanged(before, dir.Path, $"case {i} {shown}");
        }
        Assert.Equal(Nabla.IO.FileKind.CharacterDevice, Nabla.IO.FileType.Of("/dev/full", followLinks: false));
        Assert.True(ok >= 20 && bad >= 100, $"{ok} successes and {bad} errors: the generator should reach both");
    }
}
