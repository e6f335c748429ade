using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Nabla.Ir;

namespace Nabla.Tests.Losses;

/// <summary>Reads the PyTorch fixtures committed in Tests/Nabla.Tests/Fixtures (each next to the script that wrote it).</summary>
internal static class Fixtures
{
    /// <summary>The parsed JSON of fixture <paramref name="file"/> (found from the test's output folder upwards).</summary>
    public static JsonElement Load(string file)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "Tests", "Nabla.Tests", "Fixtures", file);
            if (File.Exists(p)) return JsonDocument.Parse(File.ReadAllText(p)).RootElement.Clone();
        }
        throw new FileNotFoundException($"The fixture {file} was not found above {AppContext.BaseDirectory}; it lives in Tests/Nabla.Tests/Fixtures.");
    }

    /// <summary>A <c>{"shape": [...], "data": [...]}</c> object as a tensor.</summary>
    public static Tensor Tensor(JsonElement e) =>
        new(e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray(), e.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray());

    /// <summary>The data of a tensor object as floats.</summary>
    public static float[] Floats(JsonElement e) => e.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    /// <summary>Sets each of <paramref name="names"/> in <paramref name="model"/> (as float32) to the tensor of that name in <paramref name="tensors"/>.</summary>
    public static void SetParameters(Model model, JsonElement tensors, IEnumerable<string> names)
    {
        foreach (var n in names)
        {
            var t = Tensor(tensors.GetProperty(n));
            model.Parameters.Set(n, t.Shape, t.Data.Select(v => (float)v).ToArray());
        }
    }

    /// <summary>An array of numbers, or null for JSON null.</summary>
    public static double[]? Doubles(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
}
