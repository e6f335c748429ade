extern alias NablaGenerator;

using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Steps = NablaGenerator::Nabla.Generator.NetworkGenerator.Steps;

namespace Nabla.Tests.Generator;

/// <summary>
/// Incrementality: the pipeline's models are plain values, so after an edit that does not touch the network the recipe
/// compares equal and the expensive step (evaluate, lower, emit) is served from the cache.
/// </summary>
public class GeneratorIncrementalTests
{
    private const string Network = """
        using Nabla;
        namespace Demo;
        [Network]
        public static partial class Small
        {
            public static Model Build() => Model.Build(new Sequential(new Dense(3, 5), new ReLU(), new Dense(5, 2)), inputWidth: 3);
        }
        """;

    private const string Other = "namespace Demo; public static class Helpers { public static int Answer() => 42; }";

    private static GeneratorDriver FirstRun(out Compilation compilation)
    {
        compilation = GeneratorHarness.Compilation(false, Network, Other);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Equal(2, first.GeneratedSources.Length);
        Assert.All(first.TrackedSteps[Steps.Output].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.New, o.Reason));
        return driver;
    }

    [Fact]
    public void Unrelated_edit_in_another_file_reuses_the_cached_output()
    {
        var driver = FirstRun(out var compilation);
        var otherTree = compilation.SyntaxTrees.Single(t => t.FilePath == "Other1.cs");
        var edited = compilation.ReplaceSyntaxTree(otherTree,
            CSharpSyntaxTree.ParseText(Other.Replace("42", "43"), (CSharpParseOptions)otherTree.Options, otherTree.FilePath));

        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();
        // The recipe is read again (the compilation changed) but compares equal; the output step is not rerun.
        Assert.All(second.TrackedSteps[Steps.Recipe].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, o.Reason.ToString()));
        Assert.All(second.TrackedSteps[Steps.Output].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(2, second.GeneratedSources.Length);
    }

    [Fact]
    public void Edit_after_the_network_class_in_its_own_file_reuses_the_cached_output()
    {
        // Same file, outside the class: the recipe (with its source locations) is unchanged, so nothing is regenerated.
        var driver = FirstRun(out var compilation);
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == GeneratorHarness.UserFile);
        var edited = compilation.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText(Network + "\npublic static class Later { public static int Answer() => 7; }\n", (CSharpParseOptions)tree.Options, tree.FilePath));

        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.All(second.TrackedSteps[Steps.Recipe].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, o.Reason.ToString()));
        Assert.All(second.TrackedSteps[Steps.Output].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(2, second.GeneratedSources.Length);
    }

    [Fact]
    public void Editing_the_network_regenerates()
    {
        var driver = FirstRun(out var compilation);
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == GeneratorHarness.UserFile);
        var edited = compilation.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText(Network.Replace("new Dense(5, 2)", "new Dense(5, 4)"), (CSharpParseOptions)tree.Options, tree.FilePath));

        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.All(second.TrackedSteps[Steps.Output].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
        Assert.Contains("y[B,4]", second.GeneratedSources.Single(s => s.HintName.EndsWith(".Compiled.g.cs")).SourceText.ToString());
    }
}
