using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Nabla.Tests.Generator;

/// <summary>
/// Custom ops the generator cannot compile are NABLA diagnostics at the offending code (never NABLA000, never a
/// crash): an op defined outside the [Network] class, a rule that fails when the model is differentiated (at the
/// <c>Op.Define</c> call), an error inside a rule's lambda (at the failing call in it), a bad op name.
/// </summary>
public class GeneratedCustomOpDiagnosticTests
{
    private const string Header = "using System;\nusing Nabla;\nusing Nabla.Ir;\n\nnamespace Demo;\n\n";

    private static string Net(string build, string more = "") =>
        Header + "[Network]\npublic static partial class Net\n{\n    public static Model Build()\n    {\n" + build +
        "\n    }\n" + more + "}\n";

    /// <summary>Runs the generator; asserts exactly one diagnostic, <paramref name="id"/>, starting at <paramref name="marker"/>, and no compiled model (only stubs).</summary>
    private static Diagnostic Expect(string source, string id, string marker)
    {
        var (_, diagnostics, run) = GeneratorHarness.Run(GeneratorHarness.Compilation(false, source));
        Assert.All(run.Results, r => Assert.Null(r.Exception));
        var d = Assert.Single(diagnostics);
        Assert.Equal(id, d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        int at = source.IndexOf(marker, System.StringComparison.Ordinal);
        Assert.True(at >= 0, "marker not in source");
        Assert.Equal(GeneratorHarness.UserFile, d.Location.GetLineSpan().Path);
        Assert.Equal(Microsoft.CodeAnalysis.Text.SourceText.From(source).Lines.GetLinePosition(at), d.Location.GetLineSpan().StartLinePosition);
        if (id == "NABLA001") Assert.Empty(run.Results.SelectMany(r => r.GeneratedSources)); // a class that is not partial cannot get stubs
        else GeneratorHarness.AssertOnlyStubs(run, id);
        return d;
    }

    [Fact]
    public void An_op_defined_in_another_class_of_the_project_is_NABLA005() =>
        Expect(Net("        return Model.Build(new Sequential(new Dense(4, 3), Module.Lambda(\"Sp\", MyOps.Softplus.Call)), inputWidth: 4);") + """

            public static class MyOps
            {
                public static readonly Op Softplus = Op.Define("softplus2", x => F.Log1p(F.Exp(x)));
            }
            """, "NABLA005", "MyOps.Softplus");

    [Fact]
    public void A_VJP_with_the_wrong_number_of_contributions_is_NABLA013_at_its_definition()
    {
        var d = Expect(Net("""
                    var twice = Op.Define("twice", x => x * 2.0, vjp: (y, g) => new[] { g, g });
                    return Model.Build(new Sequential(new Dense(4, 3), Module.Lambda("Twice", twice.Call)), inputWidth: 4);
            """), "NABLA013", "Op.Define(\"twice\"");
        Assert.Contains("'twice'", d.GetMessage());
        Assert.Contains("returned 2 contribution(s) for 1 input(s)", d.GetMessage());
    }

    [Fact]
    public void A_VJP_of_the_wrong_shape_is_NABLA013_at_its_definition()
    {
        var d = Expect(Net("""
                    var op = Op.Define("rowsum_rule", x => x * 2.0, vjp: (y, g) => new[] { F.Sum(g, new[] { 1 }, keepDims: false) });
                    return Model.Build(new Sequential(new Dense(4, 3), Module.Lambda("Op", op.Call)), inputWidth: 4);
            """), "NABLA013", "Op.Define(\"rowsum_rule\"");
        Assert.Contains("does not fit its shape", d.GetMessage());
    }

    [Fact]
    public void A_kernel_ops_VJP_of_the_wrong_length_is_NABLA013_at_its_definition()
    {
        // The kernel method is never called at build time (the generator only prints the call), so any name will do here.
        var d = Expect(Net("""
                    var k = Op.DefineElementwise("twice_k", x => 2 * x, "Demo.Kernels.Twice", vjp: (y, g) => new[] { g, g });
                    return Model.Build(new Sequential(new Dense(4, 3), Module.Lambda("Twice", k.Call)), inputWidth: 4);
            """), "NABLA013", "Op.DefineElementwise(\"twice_k\"");
        Assert.Contains("The VJP of kernel op \"twice_k\" returned 2 contribution(s) for 1 input(s)", d.GetMessage());
    }

    [Fact]
    public void An_error_inside_a_rule_is_reported_at_the_failing_call_in_the_rule() =>
        Expect(Net("""
                    var op = Op.Define("bad_rule", x => x * 2.0, vjp: (y, g) => new[] { F.Reshape(g, Shape.Of(7)) });
                    return Model.Build(new Sequential(new Dense(4, 3), Module.Lambda("Op", op.Call)), inputWidth: 4);
            """), "NABLA007", "F.Reshape(g");

    [Fact]
    public void An_extension_method_as_a_delegate_is_NABLA004()
    {
        // Instance method groups (softplus.Call) are evaluated; an extension method's group has no instance method to bind.
        var d = Expect(Net("""
                    var widths = new System.Collections.Generic.List<int> { 3 };
                    Func<int> total = widths.Sum;
                    return Model.Build(new Sequential(new Dense(4, total())), inputWidth: 4);
            """).Replace("using System;", "using System;\nusing System.Linq;"), "NABLA004", "widths.Sum;");
        Assert.Contains("extension method", d.GetMessage());
    }

    [Fact]
    public void A_built_in_op_name_is_NABLA008_at_the_definition()
    {
        var d = Expect(Net("""
                    var op = Op.Define("exp", x => F.Exp(x));
                    return Model.Build(new Sequential(new Dense(4, 3), Module.Lambda("Op", op.Call)), inputWidth: 4);
            """), "NABLA008", "Op.Define(\"exp\"");
        Assert.Contains("built-in op", d.GetMessage());
    }
}
