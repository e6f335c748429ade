using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace Nabla.Tests.Distributed;

/// <summary>
/// One <c>mpirun</c> job (or one plain <c>dotnet</c> process) started from a test: its exit code, output and duration.
/// Past <c>limit</c> the job is taken to hang: its process tree is killed and the test fails with what it printed.
/// </summary>
internal sealed record MpiJob(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>One application of the job: <paramref name="Ranks"/> copies of <c>dotnet Dll Args…</c>.</summary>
    public sealed record App(int Ranks, string Dll, params string[] Args);

    /// <summary>
    /// Runs <c>mpirun --allow-run-as-root --oversubscribe [-x NAME=VALUE]… -np R dotnet DLL ARGS… [: -np R …]</c> (several
    /// applications make an MPMD job, e.g. ranks with different arguments), or the single application without mpirun
    /// when its rank count is 0.
    /// </summary>
    public static MpiJob Run(IReadOnlyList<App> apps, TimeSpan limit, string? workingDirectory = null, params (string Name, string Value)[] env)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        bool alone = apps.Count == 1 && apps[0].Ranks == 0;
        if (alone)
        {
            start.FileName = Dotnet();
            start.ArgumentList.Add(apps[0].Dll);
            foreach (var a in apps[0].Args) start.ArgumentList.Add(a);
        }
        else
        {
            start.FileName = MpiFactAttribute.MpirunPath ?? throw new InvalidOperationException("mpirun is not on PATH.");
            foreach (var a in new[] { "--allow-run-as-root", "--oversubscribe" }) start.ArgumentList.Add(a);
            foreach (var (name, value) in env) { start.ArgumentList.Add("-x"); start.ArgumentList.Add($"{name}={value}"); }
            for (int i = 0; i < apps.Count; i++)
            {
                if (i > 0) start.ArgumentList.Add(":");
                start.ArgumentList.Add("-np"); start.ArgumentList.Add(apps[i].Ranks.ToString());
                start.ArgumentList.Add(Dotnet()); start.ArgumentList.Add(apps[i].Dll);
                foreach (var a in apps[i].Args) start.ArgumentList.Add(a);
            }
        }
        foreach (var (name, value) in env) start.Environment[name] = value;
        start.Environment["TERM"] = "dumb";
        // The variables mpirun sets must not leak in from a test host that itself runs under mpirun.
        foreach (var name in new[] { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK" }) start.Environment.Remove(name);

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        string what = string.Join(" : ", apps.Select(a => $"{Path.GetFileName(a.Dll)} {string.Join(" ", a.Args)}"));
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"mpirun … {what} did not end within {limit.TotalSeconds} s (killed). stdout:\n{Wait(stdout)}\nstderr:\n{Wait(stderr)}");
        }
        process.WaitForExit(); // drains the redirected streams
        return new MpiJob(process.ExitCode, Wait(stdout), Wait(stderr), clock.Elapsed);
    }

    /// <summary>The lines of standard output.</summary>
    public string[] Lines => LinesOf(Stdout);

    /// <summary>The lines of a text (without their line ends).</summary>
    public static string[] LinesOf(string text) => text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

    /// <summary>What a failed assertion shows.</summary>
    public string Show() => $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0} s\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    private static string Dotnet() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string Wait(Task<string> text) => text.Wait(TimeSpan.FromSeconds(10)) ? text.Result : "(output not closed)";
}
