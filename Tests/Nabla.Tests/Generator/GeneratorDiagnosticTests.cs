extern alias NablaGenerator;

using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;
using ModelBuilder = NablaGenerator::Nabla.Generator.Emit.ModelBuilder;
using RecipeReader = NablaGenerator::Nabla.Generator.Reading.RecipeReader;
using References = NablaGenerator::Nabla.Generator.Emit.References;

namespace Nabla.Tests.Generator;

/// <summary>
/// Every NABLA diagnostic, each from a network method that triggers it, at the location it names (the start of the
/// marked text in the user's file). A failing class gets no generated code, and the generator never throws.
/// </summary>
public class GeneratorDiagnosticTests
{
    private const string Header = "using System;\nusing System.Collections.Generic;\nusing Nabla;\nusing Nabla.Ir;\n\nnamespace Demo;\n\n";

    private static string Net(string members, string modifiers = "public static partial class") =>
        Header + "[Network]\n" + modifiers + " Net\n{\n" + members + "\n}\n";

    private const string GoodBuild = "    public static Model Build() => Model.Build(new Sequential(new Dense(4, 3)), inputWidth: 4);\n";

    /// <summary>Runs the generator; asserts exactly one diagnostic, <paramref name="id"/>, starting at <paramref name="marker"/>, and no compiled model (only stubs).</summary>
    private static Diagnostic Expect(string source, string id, string marker, int occurrence = 0)
    {
        var (_, diagnostics, run) = GeneratorHarness.Run(GeneratorHarness.Compilation(false, source));
        Assert.All(run.Results, r => Assert.Null(r.Exception));
        var d = Assert.Single(diagnostics);
        Assert.Equal(id, d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        int at = -1;
        for (int i = 0; i <= occurrence; i++) at = source.IndexOf(marker, at + 1, System.StringComparison.Ordinal);
        Assert.True(at >= 0, "marker not in source");
        Assert.Equal(GeneratorHarness.UserFile, d.Location.GetLineSpan().Path);
        var expected = Microsoft.CodeAnalysis.Text.SourceText.From(source).Lines.GetLinePosition(at);
        Assert.Equal(expected, d.Location.GetLineSpan().StartLinePosition);
        if (id == "NABLA001") Assert.Empty(run.Results.SelectMany(r => r.GeneratedSources)); // a class that is not partial cannot get stubs
        else GeneratorHarness.AssertOnlyStubs(run, id);
        return d;
    }

    [Fact]
    public void NABLA001_class_not_static_partial() =>
        Expect(Net(GoodBuild, "public static class"), "NABLA001", "Net\n");

    [Fact]
    public void NABLA002_no_Build_method() =>
        Expect(Net("    public static int Width => 3;"), "NABLA002", "Net\n");

    [Fact]
    public void NABLA003_Build_with_parameters() =>
        Expect(Net("    public static Model Build(int width) => Model.Build(new Sequential(new Dense(4, width)), inputWidth: 4);"), "NABLA003", "Build(int");

    [Fact]
    public void NABLA004_unsupported_statement()
    {
        var d = Expect(Net("""
                public static Model Build()
                {
                    int w = 3;
                    try { w = 4; } finally { }
                    return Model.Build(new Sequential(new Dense(4, w)), inputWidth: 4);
                }
            """), "NABLA004", "try {");
        Assert.Contains("try/catch", d.GetMessage());
    }

    [Fact]
    public void NABLA005_member_not_available_at_build_time() =>
        Expect(Net("    public static Model Build() => Model.Build(new Sequential(new Dense(4, DateTime.Now.Second + 1)), inputWidth: 4);"),
            "NABLA005", "DateTime.Now");

    [Fact]
    public void NABLA006_layer_defined_in_the_user_project()
    {
        var d = Expect(Net("    public static Model Build() => Model.Build(new Sequential(new Dense(4, 3), new Twice()), inputWidth: 4);") + """

            public sealed class Twice : Module
            {
                public Twice() : base("Twice") { }
                protected override Node Forward(Node x) => x + x;
            }
            """, "NABLA006", "new Twice()");
        Assert.Contains("Twice", d.GetMessage());
    }

    [Fact]
    public void NABLA007_width_mismatch_at_the_layer_that_does_not_fit()
    {
        var d = Expect(Net("""
                public static Model Build()
                {
                    var first = new Dense(4, 16);
                    var second = new Dense(8, 3);
                    return Model.Build(new Sequential(first, new ReLU(), second), inputWidth: 4);
                }
            """), "NABLA007", "new Dense(8, 3)");
        Assert.Contains("16", d.GetMessage());
    }

    [Fact]
    public void NABLA007_layer_rejects_its_width() =>
        Expect(Net("    public static Model Build() => Model.Build(new Sequential(new Dense(4, -2)), inputWidth: 4);"), "NABLA007", "new Dense(4, -2)");

    [Fact]
    public void NABLA008_DSL_rejects_an_argument()
    {
        var d = Expect(Net("    public static Model Build() => Model.Build(new Sequential(new Dense(4, 3), Act.FromName(\"relux\")), inputWidth: 4);"),
            "NABLA008", "Act.FromName");
        Assert.Contains("Unknown activation \"relux\"", d.GetMessage());
    }

    [Fact]
    public void NABLA009_loop_without_a_small_bound() =>
        Expect(Net("""
                public static Model Build()
                {
                    int w = 3;
                    while (w > 0) { w = w + 1 - 1; }
                    return Model.Build(new Sequential(new Dense(4, w)), inputWidth: 4);
                }
            """), "NABLA009", "while (w > 0)");

    [Fact]
    public void NABLA010_member_hiding_a_generated_name() =>
        Expect(Net(GoodBuild + "    public static int Signature => 1;"), "NABLA010", "Signature =>");

    [Fact]
    public void NABLA010_member_hiding_a_type_the_compiled_model_uses() =>
        Expect(Net(GoodBuild + "    public static int Emitted => 1;"), "NABLA010", "Emitted =>");

    [Fact]
    public void NABLA011_Build_returns_null() =>
        Expect(Net("    public static Model Build() => null!;"), "NABLA011", "Build()");

    [Fact]
    public void NABLA012_unbounded_recursion_in_a_helper() =>
        Expect(Net("""
                public static Model Build() => Model.Build(new Sequential(new Dense(4, Width(1))), inputWidth: 4);
                private static int Width(int n) => n > 1000 ? n : Width(n + 1);
            """), "NABLA012", "Width(n + 1)");

    [Fact]
    public void NABLA000_internal_error_is_reported_at_the_class_not_thrown()
    {
        var source = Net(GoodBuild);
        var compilation = GeneratorHarness.Compilation(false, source);
        var recipe = RecipeReader.Read(compilation.GetTypeByMetadataName("Demo.Net")!, compilation);
        Assert.Empty(recipe.Diagnostics);
        // A namespace the emitter rejects can only come from a generator bug: it must surface as NABLA000, not an exception.
        var output = ModelBuilder.Generate(recipe with { Namespace = "1 not a namespace" }, new References(Network: false, Runtime: true, Dsl: true));
        var d = Assert.Single(output.Diagnostics);
        Assert.Equal("NABLA000", d.Id);
        Assert.Equal(source.IndexOf("Net\n", System.StringComparison.Ordinal), d.Location!.Start);
        // No compiled model: only the stubs, which name the error.
        var stub = Assert.Single(output.Files);
        Assert.DoesNotContain(".Compiled.", stub.HintName);
        Assert.DoesNotContain("ModelSpec(", stub.Source);
        Assert.Contains("NABLA000", stub.Source);
    }

    [Fact]
    public void Code_that_does_not_bind_gets_only_the_compilers_errors()
    {
        var (output, diagnostics, run) = GeneratorHarness.Run(GeneratorHarness.Compilation(false,
            Net("    public static Model Build() => Model.Build(new Sequential(new Dense(4, NoSuchThing)), inputWidth: 4);")));
        Assert.Empty(diagnostics);
        // Stubs only (no model), so the compiler's error is the only one.
        var file = Assert.Single(run.Results.SelectMany(r => r.GeneratedSources));
        Assert.Contains("compiler errors", file.SourceText.ToString());
        Assert.Equal(new[] { "CS0103" }, output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToArray());
    }
}
