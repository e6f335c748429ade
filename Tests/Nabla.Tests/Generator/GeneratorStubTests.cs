using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Nabla.Tests.Generator;

/// <summary>
/// After a NABLA error the [Network] class still gets its generated members as stubs (same types and parameter lists,
/// bodies that throw <see cref="InvalidOperationException"/> naming the error), so code that uses
/// <c>CreateNetwork()</c>, <c>Signature</c> and <c>Compiled</c> binds and the only errors are the NABLA ones: no
/// secondary CS0117/CS1061/CS0246. (NABLA001 is the exception: a class that is not partial cannot get members.)
/// </summary>
public class GeneratorStubTests
{
    private const string Header = "using System;\nusing System.Collections.Generic;\nusing Nabla;\nusing Nabla.Ir;\n\nnamespace Demo;\n\n";

    /// <summary>Code outside the network class that uses every generated member the way the README shows.</summary>
    private const string Usage = """
        using Nabla;
        namespace Demo;
        public static class Usage
        {
            public static object Use()
            {
                var network = Net.CreateNetwork(dropoutSeed: 3);
                var signature = Net.Signature;
                var model = new Net.Compiled();
                float[][] parameters = model.Parameters;
                model.Forward(2, new float[8], new float[6]);
                model.Evaluate(2, new float[8], new float[6], new float[1], new float[6]);
                model.TrainStep(2, new float[8], new float[6], new float[1], new float[1], new float[6]);
                return (network, signature, parameters, model.Spec);
            }
        }
        """;

    private static string Net(string members) => Header + "[Network]\npublic static partial class Net\n{\n" + members + "\n}\n";

    private const string GoodBuild = "    public static Model Build() => Model.Build(new Sequential(new Dense(4, 3)), inputWidth: 4);\n";

    /// <summary>One class per NABLA error that a static partial class can have (the members of <c>Net</c>; NABLA006's layer follows the class).</summary>
    public static TheoryData<string, string> Errors() => new()
    {
        { "NABLA002", "    public static int Width => 3;" },
        { "NABLA003", "    public static Model Build(int width) => Model.Build(new Sequential(new Dense(4, width)), inputWidth: 4);" },
        { "NABLA004", "    public static Model Build()\n    {\n        int w = 3;\n        try { w = 4; } finally { }\n        return Model.Build(new Sequential(new Dense(4, w)), inputWidth: 4);\n    }" },
        { "NABLA005", "    public static Model Build() => Model.Build(new Sequential(new Dense(4, DateTime.Now.Second + 1)), inputWidth: 4);" },
        { "NABLA006", "    public static Model Build() => Model.Build(new Sequential(new Dense(4, 3), new Twice()), inputWidth: 4);\n" +
                      "}\npublic sealed class Twice : Module\n{\n    public Twice() : base(\"Twice\") { }\n    protected override Node Forward(Node x) => x + x;" },
        { "NABLA007", "    public static Model Build() => Model.Build(new Sequential(new Dense(4, 16), new ReLU(), new Dense(8, 3)), inputWidth: 4);" },
        { "NABLA008", "    public static Model Build() => Model.Build(new Sequential(new Dense(4, 3), Act.FromName(\"relux\")), inputWidth: 4);" },
        { "NABLA009", "    public static Model Build()\n    {\n        int w = 3;\n        while (w > 0) { w = w + 1 - 1; }\n        return Model.Build(new Sequential(new Dense(4, w)), inputWidth: 4);\n    }" },
        { "NABLA010", GoodBuild + "    public static int Signature => 1;" },
        { "NABLA011", "    public static Model Build() => null!;" },
        { "NABLA012", "    public static Model Build() => Model.Build(new Sequential(new Dense(4, Width(1))), inputWidth: 4);\n" +
                      "    private static int Width(int n) => n > 1000 ? n : Width(n + 1);" },
        { "NABLA013", "    public static Model Build()\n    {\n        var twice = Op.Define(\"twice\", x => x * 2.0, vjp: (y, g) => new[] { g, g });\n" +
                      "        return Model.Build(new Sequential(new Dense(4, 3), Module.Lambda(\"Twice\", twice.Call)), inputWidth: 4);\n    }" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Usage_of_the_generated_members_gives_only_the_NABLA_error(string id, string members)
    {
        var (output, diagnostics, run) = GeneratorHarness.Run(GeneratorHarness.Compilation(true, Net(members), Usage));
        Assert.All(run.Results, r => Assert.Null(r.Exception));
        // Exactly the NABLA error, and nothing from the compiler: no CS0117/CS1061 for the missing members, no error or
        // warning in the stubs.
        Assert.Equal(new[] { id }, diagnostics.Select(d => d.Id).ToArray());
        var compiler = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(compiler.Count == 0, "The compiler reported:\n" + string.Join("\n", compiler));
        GeneratorHarness.AssertOnlyStubs(run, id);

        // The stubs throw, naming the error.
        var usage = Load(output).GetType("Demo.Usage")!.GetMethod("Use")!;
        var e = Assert.Throws<TargetInvocationException>(() => usage.Invoke(null, null));
        var thrown = Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Contains("Demo.Net has no compiled network: error " + id, thrown.Message);
    }

    [Fact]
    public void The_same_usage_compiles_against_the_real_members_and_runs()
    {
        // The stubs' parameter lists are those of the real members: the usage above binds to the compiled model too.
        var (output, diagnostics, run) = GeneratorHarness.Run(GeneratorHarness.Compilation(true, Net(GoodBuild), Usage));
        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(2, run.Results.Single().GeneratedSources.Length);
        var result = Load(output).GetType("Demo.Usage")!.GetMethod("Use")!.Invoke(null, null);
        Assert.NotNull(result);
    }

    [Fact]
    public void Compiler_errors_in_the_network_class_leave_only_the_compilers_error()
    {
        var (output, diagnostics, _) = GeneratorHarness.Run(GeneratorHarness.Compilation(true,
            Net("    public static Model Build() => Model.Build(new Sequential(new Dense(4, NoSuchThing)), inputWidth: 4);"), Usage));
        Assert.Empty(diagnostics);
        Assert.Equal(new[] { "CS0103" }, output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToArray());
    }

    [Fact]
    public void A_class_that_is_not_partial_gets_no_stubs()
    {
        // NABLA001: a generated part would add CS0260; the usage's CS0117 is then the compiler's honest answer.
        var (_, diagnostics, run) = GeneratorHarness.Run(GeneratorHarness.Compilation(true,
            Header + "[Network]\npublic static class Net\n{\n" + GoodBuild + "}\n"));
        Assert.Equal(new[] { "NABLA001" }, diagnostics.Select(d => d.Id).ToArray());
        Assert.Empty(run.Results.SelectMany(r => r.GeneratedSources));
    }

    private static Assembly Load(Compilation output)
    {
        using var ms = new MemoryStream();
        var emit = output.Emit(ms);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        ms.Position = 0;
        return new System.Runtime.Loader.AssemblyLoadContext("stubs-" + Guid.NewGuid().ToString("N"), isCollectible: true).LoadFromStream(ms);
    }
}
