using System;
using System.IO;
using Xunit;

namespace Nabla.Tests.Distributed;

/// <summary>A fact that runs only where <c>mpirun</c> is on PATH (CI installs openmpi-bin); elsewhere an xunit skip with the reason.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (Find("mpirun") is null)
            Skip = "mpirun is not on PATH: the MPI tests need Open MPI (Debian/Ubuntu: apt-get install openmpi-bin).";
        else if (MpirunPath is null)
            Skip = "the mpirun on PATH is not Open MPI's (the tests pass Open MPI's options and load libmpi.so.40): install openmpi-bin.";
    }

    /// <summary>The full path of Open MPI's <c>mpirun</c>, or null when the one on PATH is missing or another MPI's.</summary>
    public static string? MpirunPath { get; } = Find("mpirun") is { } path && IsOpenMpi(path) ? path : null;

    private static bool IsOpenMpi(string mpirun)
    {
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(mpirun, "--version")
                { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            var text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            return p.WaitForExit(10_000) && text.Contains("Open MPI", StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    private static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
