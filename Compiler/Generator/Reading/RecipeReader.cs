using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Nabla.Generator.Model;

namespace Nabla.Generator.Reading;

/// <summary>
/// Reads a [Network] class into a <see cref="NetworkRecipe"/>: checks its declaration, finds <c>Build()</c> (and
/// <c>Training()</c>), and reads them, and every static helper they use, into evaluable trees. Used by the source
/// generator and by <c>nabla build</c>, so both accept exactly the same code.
/// </summary>
internal static class RecipeReader
{
    /// <summary>The name of the required network method.</summary>
    public const string BuildMethod = "Build";
    /// <summary>The name of the optional training-setup method.</summary>
    public const string TrainingMethod = "Training";

    /// <summary>Reads the class <paramref name="type"/> of <paramref name="compilation"/>. Never throws (except on cancellation).</summary>
    public static NetworkRecipe Read(INamedTypeSymbol type, Compilation compilation, CancellationToken ct = default)
    {
        var at = SourceLocation.Of(type.Locations.FirstOrDefault());
        var (ns, outer) = Scope(type);
        var hint = (ns.Length > 0 ? ns + "." : "") + string.Concat(ContainingNames(type).Select(n => n + ".")) + type.Name + ".g.cs";
        var empty = new NetworkRecipe(type.Name, ns, EquatableArray.From(outer), Header(type), hint, null, null,
            EquatableArray<UserFunction>.Empty, EquatableArray<MemberName>.Empty, at, EquatableArray<DiagnosticInfo>.Empty, false);
        try
        {
            return ReadChecked(type, compilation, empty, ct);
        }
        catch (OperationCanceledException) { throw; }
        catch (Exception e)
        {
            return empty with { Diagnostics = EquatableArray.Of(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, at, type.Name, e.GetType().Name + ": " + e.Message)) };
        }
    }

    private static NetworkRecipe ReadChecked(INamedTypeSymbol type, Compilation compilation, NetworkRecipe recipe, CancellationToken ct)
    {
        var at = recipe.At;
        if (!IsStaticPartial(type) || type.IsGenericType || !ContainingTypesArePartial(type))
            return recipe with { Diagnostics = EquatableArray.Of(DiagnosticInfo.Create(DiagnosticDescriptors.NotStaticPartial, at, type.Name)) };

        var diags = new List<DiagnosticInfo>();
        var reader = new OperationReader(type, compilation, ct);
        var build = NetworkMethod(type, BuildMethod, "Nabla.Model", required: true, diags, at);
        var training = NetworkMethod(type, TrainingMethod, null, required: false, diags, at);
        UserFunction? buildFn = null, trainingFn = null;
        if (build is not null) buildFn = reader.ReadMember(build);
        if (training is not null) trainingFn = reader.ReadMember(training);
        diags.AddRange(reader.Diagnostics);
        var members = type.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m.CanBeReferencedByName)
            .Select(m => new MemberName(m.Name, SourceLocation.Of(m.Locations.FirstOrDefault())))
            .Concat(type.GetTypeMembers().Select(t => new MemberName(t.Name, SourceLocation.Of(t.Locations.FirstOrDefault()))));
        return recipe with
        {
            Build = buildFn, Training = trainingFn, Helpers = EquatableArray.From(reader.Helpers),
            Members = EquatableArray.From(members), Diagnostics = EquatableArray.From(diags), CompilerErrors = reader.HasCompilerErrors,
        };
    }

    /// <summary>The static, parameterless method <paramref name="name"/> with a body, or null (with NABLA002/NABLA003 when it is wrong).</summary>
    private static IMethodSymbol? NetworkMethod(INamedTypeSymbol type, string name, string? returnType, bool required, List<DiagnosticInfo> diags, SourceLocation? classAt)
    {
        var candidates = type.GetMembers(name).OfType<IMethodSymbol>().ToArray();
        if (candidates.Length == 0)
        {
            if (required) diags.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingBuild, classAt, type.Name));
            return null;
        }
        var m = candidates.FirstOrDefault(c => c.Parameters.Length == 0) ?? candidates[0];
        var want = returnType ?? "a value";
        bool hasBody = m.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is MethodDeclarationSyntax d && (d.Body is not null || d.ExpressionBody is not null));
        bool returnsOk = returnType is null ? !m.ReturnsVoid : m.ReturnType.ToDisplayString() == returnType;
        if (!m.IsStatic || m.Parameters.Length != 0 || !returnsOk || !hasBody || m.IsGenericMethod)
        {
            diags.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadNetworkMethod, SourceLocation.Of(m.Locations.FirstOrDefault()),
                type.Name + "." + name, returnType is null ? "the training setup" : want));
            return null;
        }
        return m;
    }

    private static bool IsStaticPartial(INamedTypeSymbol type) =>
        type.TypeKind == TypeKind.Class && type.IsStatic && type.DeclaringSyntaxReferences.All(r =>
            r.GetSyntax() is ClassDeclarationSyntax c && c.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static bool ContainingTypesArePartial(INamedTypeSymbol type)
    {
        for (var t = type.ContainingType; t is not null; t = t.ContainingType)
            if (t.IsGenericType || t.DeclaringSyntaxReferences.Length == 0 || !t.DeclaringSyntaxReferences.All(r =>
                    r.GetSyntax() is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword) && d is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax))
                return false;
        return true;
    }

    private static (string Namespace, List<string> Outer) Scope(INamedTypeSymbol type)
    {
        var outer = new List<string>();
        for (var t = type.ContainingType; t is not null; t = t.ContainingType) outer.Insert(0, Header(t));
        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        return (ns, outer);
    }

    private static IEnumerable<string> ContainingNames(INamedTypeSymbol type)
    {
        var names = new List<string>();
        for (var t = type.ContainingType; t is not null; t = t.ContainingType) names.Insert(0, t.Name);
        return names;
    }

    /// <summary>The header that re-declares a partial type: <c>static partial class Mnist1dMlp</c>, <c>partial record struct S</c>.</summary>
    private static string Header(INamedTypeSymbol t)
    {
        var keyword = t.IsRecord ? (t.TypeKind == TypeKind.Struct ? "record struct" : "record") : t.TypeKind == TypeKind.Struct ? "struct" : "class";
        return (t.IsStatic ? "static " : "") + "partial " + keyword + " " + t.Name;
    }
}
