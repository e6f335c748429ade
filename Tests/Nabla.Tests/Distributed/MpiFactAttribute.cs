using System;
using System.IO;
using Xunit;

namespace Nabla.Tests.Distributed;

/// <summary>A fact that runs only where <c>mpirun</c> is on PATH (CI installs openmpi-bin); elsewhere an xunit skip with the reason.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpirunPath is null)
            Skip = "mpirun is not on PATH: the MPI tests need Open MPI (Debian/Ubuntu: apt-get install openmpi-bin).";
    }

    /// <summary>The full path of <c>mpirun</c>, or null when it is not on PATH.</summary>
    public static string? MpirunPath { get; } = Find("mpirun");

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
