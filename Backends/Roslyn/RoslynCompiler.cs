using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Nabla.Backends.Roslyn;

/// <summary>A compiled, loaded assembly and what it cost.</summary>
public sealed class CompiledAssembly
{
    internal CompiledAssembly(Assembly assembly, AssemblyLoadContext context, string hash, double compileMs)
    {
        Assembly = assembly; Context = context; Hash = hash; CompileMs = compileMs;
    }

    /// <summary>The loaded assembly.</summary>
    public Assembly Assembly { get; }
    /// <summary>The collectible load context holding it.</summary>
    public AssemblyLoadContext Context { get; }
    /// <summary>The SHA-256 of the sources (hex): the cache key.</summary>
    public string Hash { get; }
    /// <summary>Milliseconds spent parsing, compiling, emitting and loading (the first time; cache hits cost nothing).</summary>
    public double CompileMs { get; }

    /// <summary>The type called <paramref name="fullName"/> (namespace-qualified).</summary>
    /// <exception cref="ArgumentException">The assembly has no such type.</exception>
    public Type GetType(string fullName) =>
        Assembly.GetType(fullName) ?? throw new ArgumentException($"The compiled assembly has no type \"{fullName}\" (types: {string.Join(", ", Assembly.GetTypes().Select(t => t.FullName))}).");
}

/// <summary>
/// Compiles C# sources (emitted models) with Roslyn: in memory (optimized, deterministic) into a collectible
/// <see cref="AssemblyLoadContext"/>, cached by a hash of the sources so the same code compiles once per process;
/// or to a DLL on disk that runs with no compiler. In memory, references are the running process's core assemblies
/// and Nabla.Runtime; a DLL for disk is compiled against the net10.0 reference assemblies and Nabla.Runtime, so a
/// program can reference it.
/// </summary>
public static class RoslynCompiler
{
    private static readonly ConcurrentDictionary<string, Lazy<CompiledAssembly>> Cache = new();
    private static readonly Lazy<MetadataReference[]> References = new(LoadReferences);
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>Compiles and loads <paramref name="sources"/> as one assembly, or returns the cached one for the same sources.</summary>
    /// <exception cref="CompilationFailedException">The sources do not compile; the message shows each error and its line.</exception>
    public static CompiledAssembly Compile(params string[] sources) => Compile(Array.Empty<Assembly>(), sources);

    /// <summary>
    /// Compiles and loads <paramref name="sources"/> as one assembly that may also call into <paramref name="references"/>
    /// (e.g. the assemblies defining kernel ops' methods), or returns the cached one for the same sources and references.
    /// </summary>
    /// <exception cref="InvalidOperationException">A reference has no file location (Roslyn reads references from files).</exception>
    /// <exception cref="CompilationFailedException">The sources do not compile; the message shows each error and its line.</exception>
    public static CompiledAssembly Compile(IEnumerable<Assembly> references, params string[] sources)
    {
        var extra = Extra(references);
        var hash = Hash(sources, extra);
        var lazy = Cache.GetOrAdd(hash, h => new Lazy<CompiledAssembly>(() => CompileNew(sources, extra, h)));
        try { return lazy.Value; }
        catch { Cache.TryRemove(hash, out _); throw; }
    }

    /// <summary>True when sources with this hash are already compiled in this process.</summary>
    public static bool IsCached(params string[] sources) => IsCached(Array.Empty<Assembly>(), sources);

    /// <summary>True when these sources with these references are already compiled in this process.</summary>
    public static bool IsCached(IEnumerable<Assembly> references, params string[] sources) =>
        Cache.TryGetValue(Hash(sources, Extra(references)), out var l) && l.IsValueCreated;

    /// <summary>
    /// Compiles <paramref name="sources"/> to the bytes of a DLL named <paramref name="assemblyName"/> that a program can
    /// reference like any library: it is compiled against the net10.0 reference assemblies
    /// (<see cref="ReferenceAssemblies"/>) and Nabla.Runtime, so it targets net10.0. Writing the bytes is the caller's:
    /// <c>Nabla.IO.AtomicFile.Write</c> (in the Nabla library) writes a file atomically and never replaces a device, FIFO
    /// or folder. Code calling kernel ops' methods needs the overload taking references (or
    /// <see cref="RoslynBackend.EmitAssembly{T}"/>, which finds them).
    /// </summary>
    /// <exception cref="ArgumentException">There are no sources, or the name is empty.</exception>
    /// <exception cref="CompilationFailedException">The sources do not compile.</exception>
    public static byte[] EmitAssembly(string assemblyName, params string[] sources) => EmitAssembly(assemblyName, Array.Empty<Assembly>(), sources);

    /// <summary>
    /// Compiles <paramref name="sources"/> to the bytes of a DLL named <paramref name="assemblyName"/> (as
    /// <see cref="EmitAssembly(string, string[])"/>) that may also call into <paramref name="references"/>, e.g. the
    /// assemblies defining kernel ops' methods (<c>Op.DefineElementwise</c>). The DLL then references them: a program
    /// using it references them too (for a kernel defined in the program itself, it already does).
    /// </summary>
    /// <exception cref="ArgumentException">There are no sources, or the name is empty.</exception>
    /// <exception cref="InvalidOperationException">A reference has no file location (Roslyn reads references from files).</exception>
    /// <exception cref="CompilationFailedException">The sources do not compile.</exception>
    public static byte[] EmitAssembly(string assemblyName, IEnumerable<Assembly> references, params string[] sources)
    {
        if (string.IsNullOrWhiteSpace(assemblyName)) throw new ArgumentException("The assembly name is empty.", nameof(assemblyName));
        return Emit(assemblyName, sources, Extra(references), forDisk: true);
    }

    /// <summary>Unloads every cached assembly (their types must no longer be used).</summary>
    public static void ClearCache()
    {
        foreach (var kv in Cache.ToArray())
            if (Cache.TryRemove(kv.Key, out var l) && l.IsValueCreated) l.Value.Context.Unload();
    }

    private static CompiledAssembly CompileNew(string[] sources, Assembly[] extra, string hash)
    {
        var sw = Stopwatch.StartNew();
        var name = "Nabla.Compiled_" + hash.Substring(0, 16);
        var bytes = Emit(name, sources, extra, forDisk: false);
        var context = new AssemblyLoadContext(name, isCollectible: true);
        // The referenced assemblies are already loaded (perhaps in a context of their own): bind to those very ones.
        if (extra.Length > 0)
            context.Resolving += (_, wanted) => extra.FirstOrDefault(a => AssemblyName.ReferenceMatchesDefinition(wanted, a.GetName()));
        var assembly = context.LoadFromStream(new MemoryStream(bytes));
        return new CompiledAssembly(assembly, context, hash, sw.Elapsed.TotalMilliseconds);
    }

    // In memory (forDisk false): against the running process's own assemblies, the fastest to compile, for loading into
    // this very process. For disk: against the net10.0 reference assemblies, so that other programs can reference the DLL.
    private static byte[] Emit(string assemblyName, string[] sources, Assembly[] extra, bool forDisk)
    {
        if (sources == null || sources.Length == 0) throw new ArgumentException("No sources to compile.");
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"{assemblyName}_{i}.cs", encoding: Encoding.UTF8)).ToList();
        if (forDisk) trees.Add(CSharpSyntaxTree.ParseText(ReferenceAssemblies.TargetFrameworkAttributeSource, ParseOptions, path: "TargetFramework.g.cs", encoding: Encoding.UTF8));
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release, deterministic: true, nullableContextOptions: NullableContextOptions.Enable,
            allowUnsafe: false);
        var framework = forDisk ? ReferenceAssemblies.Framework.Append(RuntimeReference.Value) : References.Value;
        var references = framework.Concat(extra.Select(a => (MetadataReference)MetadataReference.CreateFromFile(a.Location)));
        var compilation = CSharpCompilation.Create(assemblyName, trees, references, options);
        using var ms = new MemoryStream();
        var result = compilation.Emit(ms);
        if (!result.Success)
            throw new CompilationFailedException(assemblyName, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList());
        return ms.ToArray();
    }

    private static readonly Lazy<MetadataReference> RuntimeReference = new(() => MetadataReference.CreateFromFile(RuntimeLocation()));

    private static string RuntimeLocation()
    {
        var runtime = typeof(Nabla.Runtime.CompiledModel<>).Assembly.Location;
        if (string.IsNullOrEmpty(runtime))
            throw new InvalidOperationException("Nabla.Runtime has no file location (single-file or in-memory app), so Roslyn cannot reference it; compile models at build time instead.");
        return runtime;
    }

    // The references beyond the runtime's, each once, in a stable order; each must be a file Roslyn can read.
    private static Assembly[] Extra(IEnumerable<Assembly> references)
    {
        if (references is null) throw new ArgumentNullException(nameof(references));
        var extra = references.Distinct().Where(a => a != typeof(Nabla.Runtime.CompiledModel<>).Assembly).OrderBy(a => a.FullName, StringComparer.Ordinal).ToArray();
        foreach (var a in extra)
            if (a.IsDynamic || string.IsNullOrEmpty(a.Location))
                throw new InvalidOperationException($"Assembly {a.GetName().Name} has no file location (it was loaded from memory or is dynamic), so Roslyn cannot reference it; put the code compiled models call in an assembly loaded from a file.");
        return extra;
    }

    private static string Hash(string[] sources, Assembly[] extra)
    {
        using var sha = SHA256.Create();
        foreach (var s in sources.Concat(extra.Select(a => "\0ref " + a.FullName + " @ " + a.Location + " #" + a.ManifestModule.ModuleVersionId)))
        {
            var b = Encoding.UTF8.GetBytes(s);
            sha.TransformBlock(b, 0, b.Length, null, 0);
            sha.TransformBlock(new byte[] { 0 }, 0, 1, null, 0);
        }
        sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
        return Convert.ToHexString(sha.Hash!);
    }

    // The core library facades emitted code names, plus Nabla.Runtime; read once per process.
    private static MetadataReference[] LoadReferences()
    {
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "System.Private.CoreLib", "System.Runtime", "System.Runtime.Intrinsics", "System.Numerics.Vectors",
            "System.Runtime.InteropServices", "System.Runtime.CompilerServices.Unsafe", "netstandard", "System.Collections",
        };
        var tpa = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "").Split(Path.PathSeparator);
        var paths = tpa.Where(p => wanted.Contains(Path.GetFileNameWithoutExtension(p))).ToList();
        paths.Add(RuntimeLocation());
        if (!paths.Any(p => Path.GetFileNameWithoutExtension(p).Equals("System.Private.CoreLib", StringComparison.OrdinalIgnoreCase)))
            paths.Add(typeof(object).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    }
}
