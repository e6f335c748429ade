using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Nabla.Generator.Emit;
using Nabla.Generator.Reading;

namespace Nabla.Generator;

/// <summary>
/// The Nabla source generator. For every <c>[Network] static partial class</c> it reads <c>Build()</c> (and
/// <c>Training()</c>) into a value-equatable recipe, evaluates the recipe with the linked DSL at build time, lowers the
/// model (<c>Lowerer.Lower</c>: forward, evaluation and training step with gradients and optimizer updates) and adds
/// the C# of the compiled model as a nested class <c>Compiled</c>, with <c>Signature</c> and <c>CreateNetwork()</c>.
/// Problems are <c>NABLA…</c> diagnostics at their source location, and the class then gets stubs of the same members
/// (throwing <see cref="System.InvalidOperationException"/>), so code using them still binds; the generator never throws.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <summary>The attribute that marks a network class.</summary>
    public const string AttributeName = "Nabla.NetworkAttribute";

    /// <summary>Tracking names of the pipeline's steps (for incrementality tests).</summary>
    internal static class Steps
    {
        /// <summary>The recipe read from each [Network] class.</summary>
        public const string Recipe = "Nabla.Recipe";
        /// <summary>Which Nabla assemblies the compilation references (<c>Nabla.Network</c>, the run-time binder, among them).</summary>
        public const string Bindable = "Nabla.Bindable";
        /// <summary>The generated source and diagnostics of each class.</summary>
        public const string Output = "Nabla.Output";
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Each [Network] class → a recipe: plain values only, so an edit elsewhere leaves it equal.
        var recipes = context.SyntaxProvider.ForAttributeWithMetadataName(AttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => RecipeReader.Read((INamedTypeSymbol)ctx.TargetSymbol, ctx.SemanticModel.Compilation, ct))
            .WithTrackingName(Steps.Recipe);

        // 2. Whether the glue can bind the model to a Nabla.Network (the user project references the Nabla library), and
        //    which types stubs may name after an error.
        var bindable = context.CompilationProvider
            .Select(static (c, _) => new References(
                c.GetTypeByMetadataName("Nabla.Network") is not null,
                c.GetTypeByMetadataName("Nabla.Runtime.CompiledModel`1") is not null,
                c.GetTypeByMetadataName("Nabla.Lowering.TrainingSignature") is not null))
            .WithTrackingName(Steps.Bindable);

        // 3. Recipe → evaluated, lowered and emitted source (or diagnostics).
        var outputs = recipes.Combine(bindable)
            .Select(static (pair, ct) => ModelBuilder.Generate(pair.Left, pair.Right, ct))
            .WithTrackingName(Steps.Output);

        // 4. Report and add.
        context.RegisterSourceOutput(outputs, static (spc, output) =>
        {
            foreach (var d in output.Diagnostics) spc.ReportDiagnostic(d.ToDiagnostic());
            foreach (var file in output.Files) spc.AddSource(file.HintName, file.Source);
        });
    }
}
