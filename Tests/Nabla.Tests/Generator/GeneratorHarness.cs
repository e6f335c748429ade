extern alias NablaGenerator;

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using NetworkGenerator = NablaGenerator::Nabla.Generator.NetworkGenerator;

namespace Nabla.Tests.Generator;

/// <summary>Runs the Nabla source generator on user code with <see cref="CSharpGeneratorDriver"/> and compiles the result.</summary>
internal static class GeneratorHarness
{
    /// <summary>The file name user sources get (diagnostic locations name it).</summary>
    public const string UserFile = "Network.cs";

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    /// <summary>Framework assemblies plus Nabla.Ir, Nabla.Rewrites, Nabla.Dsl and Nabla.Runtime (and Nabla when <paramref name="withNabla"/>).</summary>
    public static IReadOnlyList<MetadataReference> References(bool withNabla)
    {
        var frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var paths = Directory.GetFiles(frameworkDir, "*.dll").Where(IsManaged).ToList();
        paths.Add(typeof(Nabla.Ir.Graph).Assembly.Location);
        paths.Add(typeof(Nabla.Rewrites.Pipeline).Assembly.Location);
        paths.Add(typeof(Nabla.Model).Assembly.Location);
        paths.Add(typeof(Nabla.Runtime.CompiledModel<>).Assembly.Location);
        if (withNabla) paths.Add(Path.Combine(AppContext.BaseDirectory, "Nabla.dll")); // the run-time library (Nabla.Network)
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    }

    private static bool IsManaged(string path)
    {
        try { AssemblyName.GetAssemblyName(path); return true; }
        catch (BadImageFormatException) { return false; }
    }

    private static readonly Lazy<IReadOnlyList<MetadataReference>> Plain = new(() => References(false));
    private static readonly Lazy<IReadOnlyList<MetadataReference>> WithNabla = new(() => References(true));

    /// <summary>A library compilation of <paramref name="sources"/> (the first is <see cref="UserFile"/>).</summary>
    public static CSharpCompilation Compilation(bool withNabla, params string[] sources) =>
        CSharpCompilation.Create("UserNetworks",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, Parse, path: i == 0 ? UserFile : $"Other{i}.cs")),
            withNabla ? WithNabla.Value : Plain.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Release));

    /// <summary>A driver with the generator and step tracking on.</summary>
    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: Parse,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>The generator's run on <paramref name="compilation"/>: the updated compilation, the generator's diagnostics and the run result.</summary>
    public static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics, GeneratorDriverRunResult Run) Run(Compilation compilation)
    {
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (output, diagnostics, driver.GetRunResult());
    }

    /// <summary>Runs the generator on <paramref name="source"/>, requires no diagnostics at all (warnings included), emits and loads the assembly.</summary>
    public static (Assembly Assembly, GeneratorDriverRunResult Run) CompileAndLoad(string source, bool withNabla = false)
    {
        var (output, diagnostics, run) = Run(Compilation(withNabla, source));
        Assert.Empty(diagnostics);
        var all = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(all.Count == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", all.Take(20)));
        using var ms = new MemoryStream();
        var emit = output.Emit(ms);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        ms.Position = 0;
        var context = new AssemblyLoadContext("generated-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        return (context.LoadFromStream(ms), run);
    }

    /// <summary>
    /// Asserts that the generator compiled no model for a class with an error: the only generated file is the stubs file
    /// (no <c>.Compiled.g.cs</c>, no <c>ModelSpec</c>), whose members throw with a message naming <paramref name="id"/>.
    /// </summary>
    public static void AssertOnlyStubs(GeneratorDriverRunResult run, string id)
    {
        var file = Assert.Single(run.Results.SelectMany(r => r.GeneratedSources));
        Assert.EndsWith(".g.cs", file.HintName);
        Assert.DoesNotContain(".Compiled.", file.HintName);
        var text = file.SourceText.ToString();
        Assert.DoesNotContain("new global::Nabla.Runtime.ModelSpec", text);
        Assert.DoesNotContain("new ModelSpec", text);
        Assert.Contains("throw new global::System.InvalidOperationException(NablaGeneratorError)", text);
        Assert.Contains(id, text);
    }

    /// <summary>The generated sources by hint name.</summary>
    public static IReadOnlyDictionary<string, string> Sources(GeneratorDriverRunResult run) =>
        run.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());
}
