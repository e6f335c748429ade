using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Nabla.Backends.CSharp;
using Nabla.Generator.Evaluation;
using Nabla.Generator.Model;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Generator.Emit;

/// <summary>
/// Turns a <see cref="NetworkRecipe"/> into generated files: evaluates <c>Build()</c> and <c>Training()</c> with the
/// linked DSL, lowers the model with <see cref="Lowerer.Lower"/>, emits the plan with <see cref="CSharpEmitter"/> as the
/// nested class <see cref="CompiledClass"/> and adds the glue (<see cref="Glue"/>). Never throws (except on
/// cancellation): a failure is a diagnostic, an unexpected one NABLA000 at the class.
/// </summary>
internal static class ModelBuilder
{
    /// <summary>The nested class holding the compiled model.</summary>
    public const string CompiledClass = "Compiled";

    /// <summary>
    /// The generated files and diagnostics for <paramref name="recipe"/>; <paramref name="references"/> says which Nabla
    /// assemblies the compilation has (with <c>Nabla.Network</c>, <c>CreateNetwork()</c> is generated). When the class
    /// cannot be compiled (a NABLA error, or code the compiler rejects), the file holds <see cref="Stubs"/> instead.
    /// </summary>
    public static GeneratorOutput Generate(NetworkRecipe recipe, References references, CancellationToken ct = default)
    {
        var result = GenerateModel(recipe, references.Network, ct);
        if (result.Files.Count > 0 || !Stubs.CanEmit(recipe, result.Diagnostics)) return result;
        var reason = Stubs.Reason(result.Diagnostics.AsArray(), recipe.CompilerErrors);
        var stub = new GeneratedFile(Stem(recipe) + ".g.cs", Stubs.Write(recipe, references, reason));
        return new GeneratorOutput(EquatableArray.Of(stub), result.Diagnostics);
    }

    private static string Stem(NetworkRecipe recipe) =>
        recipe.HintName.EndsWith(".g.cs", StringComparison.Ordinal) ? recipe.HintName.Substring(0, recipe.HintName.Length - 5) : recipe.HintName;

    /// <summary>The compiled model's files, or none and the diagnostics.</summary>
    private static GeneratorOutput GenerateModel(NetworkRecipe recipe, bool bindable, CancellationToken ct)
    {
        var diags = new List<DiagnosticInfo>(recipe.Diagnostics);
        if (recipe.CompilerErrors || diags.Count > 0 || recipe.Build is null) return Output(null, diags);
        try
        {
            ct.ThrowIfCancellationRequested();
            var interpreter = new Interpreter(recipe);
            var (model, setup, error) = Evaluate(recipe, interpreter);
            if (error is not null) { diags.Add(error); return Output(null, diags); }
            ct.ThrowIfCancellationRequested();

            LoweredModel lowered;
            // Lowering runs the network's lambdas again, and custom ops' forwards and rules for the first time.
            try { lowered = Lowerer.Lower(model!, setup!); }
            catch (Exception e) when (Values.Located(e) is { } located)
            {
                diags.Add(located.Diagnostic); // located in the lambda that failed
                return Output(null, diags);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                diags.Add(CustomOpError(e, interpreter) ?? DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNetwork, (recipe.Training ?? recipe.Build).At, e.Message));
                return Output(null, diags);
            }
            ct.ThrowIfCancellationRequested();

            var containing = recipe.ContainingTypes.Concat(new[] { recipe.Declaration }).ToArray();
            var source = CSharpEmitter.Emit(lowered.Plan, new EmitOptions
            {
                Namespace = recipe.Namespace, ContainingTypes = containing, ClassName = CompiledClass,
                InputOrder = lowered.Signature.InputOrder, IrComments = false,
            });
            source = WithoutNullableAnalysis(source);
            var glue = Glue.Write(recipe, lowered, bindable);
            foreach (var clash in Glue.Clashes(recipe, source)) diags.Add(clash);
            if (diags.Count > 0) return Output(null, diags);
            var stem = Stem(recipe);
            return Output(new[] { new GeneratedFile(stem + ".g.cs", glue), new GeneratedFile(stem + ".Compiled.g.cs", source) }, diags);
        }
        catch (OperationCanceledException) { throw; }
        catch (Exception e)
        {
            diags.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, recipe.At, recipe.FullName, e.GetType().Name + ": " + e.Message));
            return Output(null, diags);
        }
    }

    /// <summary>
    /// NABLA013 at the <c>Op.Define</c> (or <c>Op.DefineElementwise</c>) call of the custom or kernel op an IR error names
    /// (<c>Custom op "name" …</c>, <c>The VJP of kernel op "name" …</c>), when the network method defined it; otherwise null.
    /// </summary>
    private static DiagnosticInfo? CustomOpError(Exception e, Interpreter interpreter)
    {
        // "Custom op \"name\"", "The VJP of custom op \"name\"", and the same of kernel ops (Op.DefineElementwise).
        int start = -1;
        foreach (var marker in new[] { "ustom op \"", "ernel op \"" })
            if ((start = e.Message.IndexOf(marker, StringComparison.Ordinal)) >= 0) { start += marker.Length; break; }
        if (start < 0) return null;
        int end = e.Message.IndexOf('"', start);
        if (end < 0) return null;
        var name = e.Message.Substring(start, end - start);
        return interpreter.CustomOps.TryGetValue(name, out var at)
            ? DiagnosticInfo.Create(DiagnosticDescriptors.InvalidCustomOp, at, name, e.Message)
            : null;
    }

    /// <summary>
    /// The compiled model with <c>#nullable disable</c> instead of the emitter's <c>#nullable enable</c>: the compiler's
    /// nullable flow analysis of the long kernel methods was about a quarter of what compiling the generated file costs
    /// in every build (measured with csc on the MNIST-1D MLP: ~0.5 s of ~2 s CPU), and the emitted code checks its
    /// arrays for null itself. The emitted code has no nullable annotations, so nothing else changes.
    /// </summary>
    internal static string WithoutNullableAnalysis(string source)
    {
        const string enable = "#nullable enable";
        int at = source.IndexOf(enable, StringComparison.Ordinal);
        if (at < 0) return source;
        int end = at + enable.Length;
        bool wholeLine = (at == 0 || source[at - 1] == '\n') && (end == source.Length || source[end] == '\r' || source[end] == '\n');
        return wholeLine ? source.Substring(0, at) + "#nullable disable" + source.Substring(end) : source;
    }

    /// <summary>Runs <c>Build()</c> and <c>Training()</c> (or the default setup) at build time.</summary>
    internal static (global::Nabla.Model? Model, TrainingSetup? Setup, DiagnosticInfo? Error) Evaluate(NetworkRecipe recipe, Interpreter interpreter)
    {
        try
        {
            var built = interpreter.Call(recipe.Build!, Array.Empty<object?>(), recipe.Build!.At);
            if (built is not global::Nabla.Model model)
                return (null, null, DiagnosticInfo.Create(DiagnosticDescriptors.WrongResult, recipe.Build.At, recipe.ClassName + ".Build()", Describe(built), "Nabla.Model"));
            TrainingSetup setup;
            if (recipe.Training is null) setup = DefaultSetup();
            else
            {
                var trained = interpreter.Call(recipe.Training, Array.Empty<object?>(), recipe.Training.At);
                if (trained is not TrainingSetup s)
                    return (null, null, DiagnosticInfo.Create(DiagnosticDescriptors.WrongResult, recipe.Training.At, recipe.ClassName + ".Training()", Describe(trained), "Nabla.TrainingSetup"));
                setup = s;
            }
            return (model, setup, null);
        }
        catch (EvaluationError e) { return (null, null, e.Diagnostic); }
    }

    /// <summary>The setup used when the class has no <c>Training()</c>: softmax cross-entropy, plain SGD.</summary>
    public static TrainingSetup DefaultSetup() => TrainingSetup.Classification(Optimizer.Sgd());

    private static string Describe(object? v) => v is null ? "null" : "a " + v.GetType().Name;

    private static GeneratorOutput Output(GeneratedFile[]? files, List<DiagnosticInfo> diags) =>
        new(files is null ? EquatableArray<GeneratedFile>.Empty : new EquatableArray<GeneratedFile>(files), EquatableArray.From(diags));
}
