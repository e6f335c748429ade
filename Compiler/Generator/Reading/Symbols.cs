using System.Linq;
using Microsoft.CodeAnalysis;
using Nabla.Generator.Model;

namespace Nabla.Generator.Reading;

/// <summary>Plain references to the compiler's symbols, and which of them the generator can evaluate at build time.</summary>
internal static class Symbols
{
    // The assemblies whose sources the generator links: everything in them can run inside the compiler.
    private static readonly string[] DslAssemblies = { "Nabla.Dsl", "Nabla.Ir", "Nabla.Rewrites" };

    // Pure library types a network method may use besides the DSL.
    private static readonly string[] LibraryTypes =
    {
        "System.Math", "System.MathF", "System.String", "System.Object", "System.Array", "System.Int32", "System.Int64", "System.Double",
        "System.Single", "System.Boolean", "System.Char", "System.Linq.Enumerable", "System.Collections.Generic.List`1",
        "System.Collections.Generic.IList`1", "System.Collections.Generic.IReadOnlyList`1", "System.Collections.Generic.ICollection`1",
        "System.Collections.Generic.IReadOnlyCollection`1", "System.Collections.Generic.IEnumerable`1",
        "System.Nullable`1", "System.Tuple", "System.ValueTuple",
    };

    /// <summary>The metadata name with namespace, nested types joined by <c>+</c> (<c>System.Collections.Generic.List`1</c>).</summary>
    public static string MetadataName(INamedTypeSymbol t)
    {
        var d = t.OriginalDefinition;
        if (d.ContainingType is { } outer) return MetadataName(outer) + "+" + d.MetadataName;
        var ns = d.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() + "." : "";
        return ns + d.MetadataName;
    }

    /// <summary>The plain reference to <paramref name="type"/>.</summary>
    public static TypeRef Type(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol a:
                return new TypeRef("", "", EquatableArray.Of(Type(a.ElementType)), a.Rank);
            case INamedTypeSymbol n:
                var args = n.IsGenericType ? EquatableArray.From(n.TypeArguments.Select(Type)) : EquatableArray<TypeRef>.Empty;
                if (n.IsTupleType && n.TupleUnderlyingType is { } u) return Type(u);
                return new TypeRef(MetadataName(n), n.ContainingAssembly?.Name ?? "", args, 0);
            default:
                return new TypeRef(type.ToDisplayString(), type.ContainingAssembly?.Name ?? "", EquatableArray<TypeRef>.Empty, 0);
        }
    }

    /// <summary>The plain reference to <paramref name="m"/> (parameters after substitution).</summary>
    public static MethodRef Method(IMethodSymbol m) =>
        new(Type(m.ContainingType), m.MetadataName,
            EquatableArray.From(m.TypeArguments.Select(Type)),
            EquatableArray.From(m.Parameters.Select(p => Type(p.Type))),
            Display(m));

    /// <summary><c>Dense.Dense(int, int)</c>, <c>Model.Build(Module, int, long, InitScheme?)</c>.</summary>
    public static string Display(ISymbol s) => s switch
    {
        IMethodSymbol { MethodKind: MethodKind.Constructor } c => $"new {c.ContainingType.Name}({string.Join(", ", c.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)))})",
        IMethodSymbol m => $"{m.ContainingType?.Name}.{m.Name}({string.Join(", ", m.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)))})",
        _ => (s.ContainingType is { } t ? t.Name + "." : "") + s.Name,
    };

    /// <summary>True when the type's code is linked into the generator (the DSL and the IR).</summary>
    public static bool IsDsl(ITypeSymbol? t)
    {
        if (t is IArrayTypeSymbol a) return IsDsl(a.ElementType);
        return t?.ContainingAssembly is { } asm && DslAssemblies.Contains(asm.Name);
    }

    /// <summary>True when the type is a DSL type or one of the pure library types a network method may use.</summary>
    public static bool IsAvailable(ITypeSymbol? t)
    {
        if (t is null) return false;
        if (t is IArrayTypeSymbol a) return IsAvailable(a.ElementType) || a.ElementType.SpecialType != SpecialType.None;
        // Special types are the primitives and core collections, except the clock (DateTime.Now differs per build).
        if (IsDsl(t) || t.SpecialType is not (SpecialType.None or SpecialType.System_DateTime) || t.TypeKind == TypeKind.Delegate && IsSystemDelegate(t)) return true;
        if (t is INamedTypeSymbol n)
        {
            if (n.IsTupleType) return true;
            var name = MetadataName(n);
            return LibraryTypes.Any(l => name == l || name.StartsWith(l + "`", System.StringComparison.Ordinal));
        }
        return false;
    }

    /// <summary><c>Func&lt;…&gt;</c> and <c>Action&lt;…&gt;</c>.</summary>
    public static bool IsSystemDelegate(ITypeSymbol t) =>
        t is INamedTypeSymbol n && n.ContainingNamespace?.ToDisplayString() == "System" && (n.Name == "Func" || n.Name == "Action");

    /// <summary>True when <paramref name="t"/> derives from <c>Nabla.Module</c>.</summary>
    public static bool IsModule(ITypeSymbol? t)
    {
        for (var b = t as INamedTypeSymbol; b is not null; b = b.BaseType)
            if (b.Name == "Module" && b.ContainingNamespace?.ToDisplayString() == "Nabla" && IsDsl(b)) return true;
        return false;
    }
}
