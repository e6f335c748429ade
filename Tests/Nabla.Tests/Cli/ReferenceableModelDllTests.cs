using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using System.Runtime.Versioning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Nabla.Backends.CSharp;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Runtime;
using Nabla.Tests.Backends;
using Nabla.Tests.Backends.CSharp;
using Xunit;

namespace Nabla.Tests.Cli;

/// <summary>
/// A model DLL written to disk (by <c>nabla build</c> or <see cref="RoslynBackend.EmitAssembly{T}"/>) is referenced by a
/// program exactly as a project does: the program is compiled with Roslyn against the SDK's net10.0 reference assemblies
/// (the targeting pack a csproj uses), the DLL and the Nabla libraries, with no diagnostic at all; then it runs and
/// computes what the in-process model (or the interpreter) computes. A DLL compiled against implementation assemblies
/// fails here with CS0012 (the harness is shown to catch that).
/// </summary>
[Collection("CSharpBackend")] // runs kernel-op models; KernelOpTests switches CompiledModel<T>.VectorsEnabled
public sealed class ReferenceableModelDllTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nabla-refdll-" + Guid.NewGuid().ToString("N"));

    public ReferenceableModelDllTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// The reference assemblies a net10.0 project compiles against: the SDK's targeting pack
    /// (<c>packs/Microsoft.NETCore.App.Ref/10.*/ref/net10.0</c> beside the running runtime), independent of the ones
    /// the library embeds; those only where no SDK is installed.
    /// </summary>
    private static readonly Lazy<IReadOnlyList<MetadataReference>> Framework = new(() =>
    {
        var shared = Path.GetDirectoryName(typeof(object).Assembly.Location)!; // <root>/shared/Microsoft.NETCore.App/<version>
        var packs = Path.GetFullPath(Path.Combine(shared, "..", "..", "..", "packs", "Microsoft.NETCore.App.Ref"));
        var dir = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .Select(d => (Dir: Path.Combine(d, "ref", "net10.0"), Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version(0, 0)))
                .Where(p => p.Version.Major == 10 && Directory.Exists(p.Dir)).OrderBy(p => p.Version).Select(p => p.Dir).LastOrDefault()
            : null;
        if (dir is null) return ReferenceAssemblies.Framework;
        return Directory.GetFiles(dir, "*.dll").Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    /// <summary>What a project referencing the Nabla library gets: its assemblies (built for net10.0) and Spectre.Console.</summary>
    private static IEnumerable<string> NablaLibraries() => new[]
    {
        typeof(Network).Assembly, typeof(Model).Assembly, typeof(Graph).Assembly, typeof(Nabla.Rewrites.Pipeline).Assembly,
        typeof(CompiledModel<>).Assembly, typeof(Nabla.Distributed.ICommunicator).Assembly, typeof(Spectre.Console.AnsiConsole).Assembly,
    }.Select(a => a.Location);

    /// <summary>The assembly names <paramref name="dll"/> references (from its metadata).</summary>
    private static List<string> AssemblyReferences(string dll)
    {
        using var pe = new PEReader(File.OpenRead(dll));
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList();
    }

    /// <summary>Compiles <paramref name="source"/> as a program would be, against the framework and <paramref name="libraries"/>.</summary>
    private static (byte[]? Bytes, IReadOnlyList<Diagnostic> Diagnostics) CompileConsumer(string source, IEnumerable<string> libraries)
    {
        var compilation = CSharpCompilation.Create("Consumer_" + Guid.NewGuid().ToString("N"),
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)) },
            Framework.Value.Concat(libraries.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var ms = new MemoryStream();
        var result = compilation.Emit(ms);
        // Every diagnostic counts: a warning such as CS1701 (assembly version unification) is a sign of a wrong reference set.
        var diagnostics = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        return (result.Success ? ms.ToArray() : null, diagnostics);
    }

    private static Assembly LoadConsumer(string source, IEnumerable<string> libraries, IReadOnlyDictionary<string, string> onDisk, out AssemblyLoadContext context)
    {
        var (bytes, diagnostics) = CompileConsumer(source, libraries);
        Assert.True(diagnostics.Count == 0, "the consumer did not compile cleanly:\n" + string.Join("\n", diagnostics));
        context = new AssemblyLoadContext("consumer-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        // Nabla's libraries resolve to the test's own (the default context); the model DLLs from their folder.
        context.Resolving += (c, name) => name.Name is { } n && onDisk.TryGetValue(n, out var path) ? c.LoadFromAssemblyPath(path) : null;
        return context.LoadFromStream(new MemoryStream(bytes!));
    }

    private static void AssertReferenceable(string dll)
    {
        var refs = AssemblyReferences(dll);
        Assert.DoesNotContain("System.Private.CoreLib", refs);
        Assert.Contains("System.Runtime", refs);
    }

    [Fact]
    public void A_program_compiled_against_reference_assemblies_uses_a_nabla_build_dll_and_trains_like_the_in_process_model()
    {
        var (code, stdout, stderr) = CliRun.Run("build", "mlp:6,10,3", "-o", _dir, "--seed", "4");
        Assert.True(code == 0, stderr);
        var dll = Path.Combine(_dir, "Mlp_6_10_3.dll");
        Assert.Contains("wrote " + dll, stdout);
        AssertReferenceable(dll);

        const string program = """
            using Nabla;
            using NablaModels;

            public static class Program
            {
                public static object[] Run(float[] x, float[] t, int batch)
                {
                    var network = Mlp_6_10_3.CreateNetwork();
                    var losses = new float[3];
                    for (int i = 0; i < losses.Length; i++) losses[i] = network.TrainStep(x, t, batch);
                    return new object[] { network.Predict(x, batch), losses };
                }
            }
            """;
        var consumer = LoadConsumer(program, NablaLibraries().Append(dll), new Dictionary<string, string> { ["Mlp_6_10_3"] = dll }, out var context);
        try
        {
            var rng = new Random(3);
            var x = Enumerable.Range(0, 5 * 6).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var t = new float[5 * 3];
            for (int b = 0; b < 5; b++) t[b * 3 + rng.Next(3)] = 1;
            var result = (object[])consumer.GetType("Program", throwOnError: true)!.GetMethod("Run")!.Invoke(null, new object[] { x, t, 5 })!;

            // The same network compiled in this process, stepped the same way: the same emitted code, the same bits.
            var reference = Model.Build(new Sequential(new Dense(6, 10), new ReLU(), new Dense(10, 3)), inputWidth: 6, seed: 4)
                .Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)));
            var losses = Enumerable.Range(0, 3).Select(_ => reference.TrainStep(x, t, 5)).ToArray();
            Assert.Equal(losses, (float[])result[1]);
            Assert.Equal(reference.Predict(x, 5), (float[])result[0]);
            Assert.True(losses[2] < losses[0], $"training lowered no loss: {string.Join(", ", losses)}");

            var model = context.Assemblies.Single(a => a.GetName().Name == "Mlp_6_10_3");
            Assert.Equal(ReferenceAssemblies.FrameworkName, model.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName);
        }
        finally { context.Unload(); }
    }

    [Fact]
    public void A_nabla_build_dll_with_a_kernel_op_is_referenced_and_its_network_matches_the_run_time_compiled_one()
    {
        var source = Path.Combine(_dir, "RefSoft.cs");
        File.WriteAllText(source, """
            using System;
            using System.Runtime.Intrinsics;
            using Nabla;
            using Nabla.Ir;

            namespace RefDemo;

            /// <summary>The kernel op's method, compiled into the model DLL with the network.</summary>
            public static class Kernels
            {
                public static float Softsign(float x) => x / (1f + MathF.Abs(x));
                public static double Softsign(double x) => x / (1.0 + Math.Abs(x));
                public static Vector128<T> Softsign<T>(Vector128<T> x) => x / (Vector128<T>.One + Vector128.Abs(x));
                public static Vector256<T> Softsign<T>(Vector256<T> x) => x / (Vector256<T>.One + Vector256.Abs(x));
            }

            [Network]
            public static partial class RefSoft
            {
                private static Op Softsign() => Op.DefineElementwise("softsign", x => x / (1 + Math.Abs(x)), "RefDemo.Kernels.Softsign",
                    (y, g) => new[] { g / F.Square(1.0 + F.Abs(y.A)) }, vectorized: true);

                public static Model Build() =>
                    Model.Build(new Sequential(new Dense(5, 12), Module.Lambda("Softsign", x => Softsign().Call(x)), new Dense(12, 3)), inputWidth: 5, seed: 2);

                public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.Adam(0.01));
            }
            """);
        var (code, _, stderr) = CliRun.Run("build", source, "-o", _dir);
        Assert.True(code == 0, stderr);
        var dll = Path.Combine(_dir, "RefSoft.dll");
        AssertReferenceable(dll);

        const string program = """
            using RefDemo;

            public static class Program
            {
                public static object[] Run(float[] x, float[] t, int batch)
                {
                    var network = RefSoft.CreateNetwork();
                    float loss = network.TrainStep(x, t, batch);
                    return new object[] { network.Predict(x, batch), loss, Kernels.Softsign(3f) };
                }
            }
            """;
        var consumer = LoadConsumer(program, NablaLibraries().Append(dll), new Dictionary<string, string> { ["RefSoft"] = dll }, out var context);
        try
        {
            var rng = new Random(5);
            var x = Enumerable.Range(0, 7 * 5).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
            var t = new float[7 * 3];
            for (int b = 0; b < 7; b++) t[b * 3 + rng.Next(3)] = 1;
            var result = (object[])consumer.GetType("Program", throwOnError: true)!.GetMethod("Run")!.Invoke(null, new object[] { x, t, 7 })!;
            Assert.Equal(0.75f, (float)result[2]);

            // The DLL's own Build(), compiled at run time by the expression backend (which calls the same method).
            var type = context.Assemblies.Single(a => a.GetName().Name == "RefSoft").GetType("RefDemo.RefSoft", throwOnError: true)!;
            var jit = ((Model)type.GetMethod("Build")!.Invoke(null, null)!).Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)), Backend.Expressions);
            Assert.Equal(jit.TrainStep(x, t, 7), (float)result[1], 5);
            var (p, q) = (jit.Predict(x, 7), (float[])result[0]);
            Assert.Equal(p.Length, q.Length);
            for (int i = 0; i < p.Length; i++) Assert.Equal(p[i], q[i], 5);
        }
        finally { context.Unload(); }
    }

    private static Function SoftsignFunction()
    {
        var g = new Graph(DType.F32);
        var x = g.Input("x", Shape.Of(Shape.Batch, 37));
        var b = g.Input("b", Shape.Of(37));
        return new Function(g, ("y", KernelOpTests.Softsign().Call(x * 2.0 + b) - x));
    }

    [Fact]
    public void RoslynBackend_EmitAssembly_references_a_kernel_ops_assembly_and_a_program_using_the_dll_matches_the_interpreter()
    {
        var f = SoftsignFunction();
        var plan = ThreeWay.Plan(f, "RefKernelModel");
        var dll = Path.Combine(_dir, "RefKernelModel.dll");
        File.WriteAllBytes(dll, RoslynBackend.EmitAssembly<float>(plan, "RefKernelModel", new EmitOptions { Namespace = "RefModels" }));
        AssertReferenceable(dll);
        Assert.Contains(typeof(TestKernels).Assembly.GetName().Name!, AssemblyReferences(dll)); // the kernel's assembly

        // A program referencing the DLL, Nabla.Runtime and the kernel's assembly (here the test assembly; usually the program itself).
        const string program = """
            public static class Program
            {
                public static Nabla.Runtime.CompiledModel<float> Create() => new RefModels.RefKernelModel();
            }
            """;
        var libraries = new[] { dll, typeof(CompiledModel<>).Assembly.Location, typeof(TestKernels).Assembly.Location };
        var consumer = LoadConsumer(program, libraries, new Dictionary<string, string> { ["RefKernelModel"] = dll }, out var context);
        try
        {
            var model = (CompiledModel<float>)consumer.GetType("Program", throwOnError: true)!.GetMethod("Create")!.Invoke(null, null)!;
            var rng = new Random(9);
            var bind = new Dictionary<string, Tensor>
            {
                ["x"] = new(new[] { 3, 37 }, Enumerable.Range(0, 3 * 37).Select(_ => rng.NextDouble() * 6 - 3).ToArray()),
                ["b"] = new(new[] { 37 }, Enumerable.Range(0, 37).Select(_ => rng.NextDouble() * 6 - 3).ToArray()),
            };
            var want = Interpreter.Run(f, bind, DType.F32, 3);
            for (int method = 0; method < 2; method++)
                Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(model, method, bind, 3), 2e-5));
        }
        finally { context.Unload(); }
    }

    [Fact]
    public void A_kernel_op_whose_assembly_has_no_file_is_an_error_naming_the_op()
    {
        // The kernel's assembly loaded from bytes: Roslyn cannot reference it, and says which op needs it.
        var kernelBytes = RoslynCompiler.EmitAssembly("RefMemKernels", """
            namespace RefMem;
            public static class K
            {
                public static float Half(float x) => 0.5f * x;
                public static double Half(double x) => 0.5 * x;
            }
            """);
        var context = new AssemblyLoadContext("mem-kernels", isCollectible: true);
        try
        {
            context.LoadFromStream(new MemoryStream(kernelBytes));
            var half = Op.DefineElementwise("refmem_half", x => 0.5 * x, "RefMem.K.Half", (y, g) => new[] { g * 0.5 });
            var g = new Graph(DType.F32);
            var x = g.Input("x", Shape.Of(4));
            var plan = ThreeWay.Plan(new Function(g, ("y", half.Call(x))), "RefMem");
            var e = Assert.Throws<InvalidOperationException>(() => RoslynBackend.EmitAssembly<float>(plan, "RefMem"));
            Assert.Contains("'refmem_half'", e.Message);
            Assert.Contains("RefMem.K.Half", e.Message);
            Assert.Contains("loaded from memory", e.Message);

            var missing = Op.DefineElementwise("refmissing", x => x, "RefNowhere.K.Same", (y, g) => new[] { g });
            var g2 = new Graph(DType.F32);
            var plan2 = ThreeWay.Plan(new Function(g2, ("y", missing.Call(g2.Input("x", Shape.Of(4))))), "RefMissing");
            var e2 = Assert.Throws<InvalidOperationException>(() => RoslynBackend.EmitAssembly<float>(plan2, "RefMissing"));
            Assert.Contains("refmissing", e2.Message);
        }
        finally { context.Unload(); }
    }

    [Fact]
    public void The_harness_catches_a_dll_compiled_against_implementation_assemblies()
    {
        // What nabla build wrote before: a library compiled against the running process's System.Private.CoreLib.
        var impl = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var lib = CSharpCompilation.Create("ImplLib",
            new[] { CSharpSyntaxTree.ParseText("namespace ImplLib; public static class Thing { public static object Make() => new object(); }") },
            new[] { "System.Private.CoreLib.dll", "System.Runtime.dll" }.Select(f => (MetadataReference)MetadataReference.CreateFromFile(Path.Combine(impl, f))),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var path = Path.Combine(_dir, "ImplLib.dll");
        using (var file = File.Create(path)) Assert.True(lib.Emit(file).Success);
        Assert.Contains("System.Private.CoreLib", AssemblyReferences(path));

        var (_, diagnostics) = CompileConsumer("public static class P { public static object M() => ImplLib.Thing.Make(); }", new[] { path });
        Assert.Contains(diagnostics, d => d.Id == "CS0012" && d.GetMessage().Contains("System.Private.CoreLib"));
    }
}
