extern alias NablaGenerator;

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Nabla.Checkpoints;
using NetworkGenerator = NablaGenerator::Nabla.Generator.NetworkGenerator;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Cli;

/// <summary>
/// Compiles user code with the Nabla source generator into a model assembly: parse, run the generator (the same one a
/// project gets as an analyzer), compile optimized to bytes, and check the result by loading it in a collectible
/// context. Errors (the compiler's or the generator's) become one <see cref="InputException"/> line with the location.
/// </summary>
internal static class ModelAssembly
{
    /// <summary>The manifest resource holding embedded weights.</summary>
    public const string WeightsResource = "Nabla.Weights.safetensors";

    /// <summary>The assembly and one line per compiled class.</summary>
    public sealed record Result(byte[] Bytes, IReadOnlyList<string> Classes);

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    public static Result Build(string source, string file, string assemblyName, string? weightsPath)
    {
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(source, Parse, path: file),
            CSharpSyntaxTree.ParseText(Nabla.Backends.Roslyn.ReferenceAssemblies.TargetFrameworkAttributeSource, Parse, path: "TargetFramework.g.cs"),
        };
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
            deterministic: true, nullableContextOptions: NullableContextOptions.Enable);
        var compilation = CSharpCompilation.Create(assemblyName, trees, References(), options);
        var networks = NetworkClasses(compilation).ToList();
        if (networks.Count == 0) throw new InputException($"'{file}' has no [Network] class (mark a static partial class with [Network] and give it a static Model Build())");

        byte[]? weights = null;
        if (weightsPath is not null)
        {
            if (networks.Count != 1) throw new InputException($"--weights needs exactly one [Network] class, but '{file}' has {networks.Count}");
            weights = ReadWeights(weightsPath);
            compilation = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(WeightsGlue(networks[0]), Parse, path: "NablaWeights.g.cs"));
        }

        var driver = CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: Parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        FirstError(generatorDiagnostics.Concat(output.GetDiagnostics()));

        using var ms = new MemoryStream();
        var resources = weights is null ? null : new[] { new ResourceDescription(WeightsResource, () => new MemoryStream(weights), isPublic: true) };
        var emit = output.Emit(ms, manifestResources: resources);
        FirstError(emit.Diagnostics);
        var bytes = ms.ToArray();
        return new Result(bytes, Describe(bytes, networks, weights, weightsPath));
    }

    /// <summary>Throws the first error as one line: <c>FILE(LINE,COL): ID: message</c>.</summary>
    private static void FirstError(IEnumerable<Diagnostic> diagnostics)
    {
        var e = diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
        if (e is null) return;
        var span = e.Location.GetLineSpan();
        var at = e.Location.Kind != LocationKind.None && span.IsValid ? $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): " : "";
        throw new InputException($"{at}{e.Id}: {e.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}");
    }

    /// <summary>
    /// What a model assembly is compiled against: the net10.0 reference assemblies (not this process's implementation
    /// assemblies, which would make the DLL name System.Private.CoreLib, and a program referencing it fail with CS0012),
    /// and the Nabla libraries it needs at run time (those of this tool, built for net10.0). So the DLL targets net10.0.
    /// </summary>
    private static IEnumerable<MetadataReference> References()
    {
        var nabla = new[]
        {
            typeof(Nabla.Ir.Graph).Assembly, typeof(Nabla.Rewrites.Pipeline).Assembly, typeof(Model).Assembly,
            typeof(Nabla.Runtime.CompiledModel<>).Assembly, typeof(Network).Assembly,
        };
        return Nabla.Backends.Roslyn.ReferenceAssemblies.Framework
            .Concat(nabla.Distinct().Select(a => (MetadataReference)MetadataReference.CreateFromFile(a.Location)));
    }

    private static IEnumerable<INamedTypeSymbol> NetworkClasses(Compilation c)
    {
        var stack = new Stack<INamespaceOrTypeSymbol>();
        stack.Push(c.Assembly.GlobalNamespace);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            foreach (var m in n.GetMembers())
            {
                if (m is INamespaceOrTypeSymbol nt) stack.Push(nt);
                if (m is INamedTypeSymbol t && t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NetworkGenerator.AttributeName))
                    yield return t;
            }
        }
    }

    private static byte[] ReadWeights(string path)
    {
        try
        {
            var bytes = SafeTensors.ReadFile(path); // a regular file whose header length fits it, checked before it is read
            SafeTensors.Parse(bytes, path); // validates the format now, not in the user's program
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or CheckpointException)
        {
            throw new InputException($"cannot use weights '{path}': {e.Message}");
        }
    }

    /// <summary><c>CreateTrainedNetwork()</c>: the generated network with the embedded weights copied in.</summary>
    private static string WeightsGlue(INamedTypeSymbol t)
    {
        var ns = t.ContainingNamespace is { IsGlobalNamespace: false } n ? $"namespace {n.ToDisplayString()};\n\n" : "";
        var outer = new List<INamedTypeSymbol>();
        for (var c = t; c is not null; c = c.ContainingType) outer.Insert(0, c);
        var open = string.Concat(outer.Select(c => (c.IsStatic ? "static " : "") + "partial class " + c.Name + " {\n"));
        var close = new string('}', outer.Count);
        return ns + open + $$"""
            /// <summary>The network with the weights <c>nabla build --weights</c> embedded in this assembly (by parameter name and shape).</summary>
            public static global::Nabla.Network CreateTrainedNetwork(long dropoutSeed = 0)
            {
                var network = CreateNetwork(dropoutSeed);
                using var stream = typeof({{t.Name}}).Assembly.GetManifestResourceStream("{{WeightsResource}}")
                    ?? throw new global::System.InvalidOperationException("The embedded weights are missing.");
                var bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
                var file = global::Nabla.Checkpoints.SafeTensors.Parse(bytes, "embedded weights");
                foreach (var e in network.Model.Parameters.Entries)
                    file[e.Name].CopyTo(e.Parameter.Data, e.Parameter.Shape.ToArray(), "embedded weights");
                network.LoadParametersFrom(network.Model.Parameters); // the network owns copies made when it was bound
                return network;
            }
            """ + "\n" + close + "\n";
    }

    /// <summary>Loads the assembly in a collectible context to list its models, and checks embedded weights against them.</summary>
    private static IReadOnlyList<string> Describe(byte[] bytes, List<INamedTypeSymbol> networks, byte[]? weights, string? weightsPath)
    {
        var context = new AssemblyLoadContext("nabla-build-check", isCollectible: true);
        try
        {
            var asm = context.LoadFromStream(new MemoryStream(bytes));
            var lines = new List<string>();
            foreach (var n in networks)
            {
                var type = asm.GetType(MetadataName(n), throwOnError: true)!;
                var signature = (TrainingSignature)type.GetProperty("Signature")!.GetValue(null)!;
                long count = signature.Parameters.Where(p => !p.Buffer).Sum(p => p.Shape.Aggregate(1L, (a, d) => a * d));
                long state = signature.Parameters.Where(p => p.Buffer).Sum(p => p.Shape.Aggregate(1L, (a, d) => a * d)); // running statistics
                lines.Add($"{MetadataName(n).Replace('+', '.')}: {count:N0} parameters{(state > 0 ? $" (+{state:N0} buffer values)" : "")}; {TrainingSignature.ForwardMethod}, {TrainingSignature.EvaluateMethod}, {TrainingSignature.TrainStepMethod}; CreateNetwork(){(weights is null ? "" : ", CreateTrainedNetwork()")}");
                if (weights is not null) CheckWeights(SafeTensors.Parse(weights, weightsPath!), signature, weightsPath!);
            }
            return lines;
        }
        finally { context.Unload(); }
    }

    private static void CheckWeights(SafeTensorsFile file, TrainingSignature signature, string path)
    {
        foreach (var p in signature.Parameters)
        {
            if (!file.TryGet(p.Name, out var t) || t is null)
                throw new InputException($"weights '{path}' have no tensor '{p.Name}' (the model's parameters: {string.Join(", ", signature.Parameters.Select(x => x.ToString()))})");
            if (!t.HasShape(p.Shape.ToArray()))
                throw new InputException($"weights '{path}': tensor '{p.Name}' has shape [{string.Join(",", t.Shape)}], the model needs [{string.Join(",", p.Shape)}]");
        }
    }

    private static string MetadataName(INamedTypeSymbol t)
    {
        var names = new List<string>();
        for (var c = t; c is not null; c = c.ContainingType) names.Insert(0, c.MetadataName);
        var ns = t.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() + "." : "";
        return ns + string.Join("+", names);
    }
}
