using System.IO;

namespace Nabla.Tests.Data;

/// <summary>Finds the MNIST-1D files shipped in the repository (examples/Mnist1D/data) from the test's output folder.</summary>
internal static class Mnist1DData
{
    /// <summary>The folder holding train.csv and test.csv, or null.</summary>
    public static string? Find()
    {
        for (var d = new DirectoryInfo(System.AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "examples", "Mnist1D", "data");
            if (File.Exists(Path.Combine(p, "train.csv"))) return p;
        }
        return null;
    }
}
