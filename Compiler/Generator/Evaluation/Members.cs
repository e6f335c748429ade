using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Reflection;
using Nabla.Generator.Model;

namespace Nabla.Generator.Evaluation;

/// <summary>
/// Finds the run-time <see cref="Type"/>s and members behind the compiler's references: DSL types in this assembly (the
/// generator links the DSL's sources, so <c>Nabla.Dense</c> here is the same code as in Nabla.Dsl), library types in the
/// runtime the compiler runs on. Members are found by the exact signature the compiler chose, never by our own overload
/// resolution.
/// </summary>
internal static class Members
{
    private static readonly Assembly Self = typeof(Members).Assembly;
    private static readonly ConcurrentDictionary<TypeRef, Type?> Types = new();
    private static readonly ConcurrentDictionary<MethodRef, MethodBase?> Methods = new();
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>The type, or null when this process does not have it.</summary>
    public static Type? Type(TypeRef t) => Types.GetOrAdd(t, Load);

    /// <summary>The type, or an error naming it at <paramref name="at"/>.</summary>
    public static Type Require(TypeRef t, SourceLocation? at) =>
        Type(t) ?? throw new EvaluationError(DiagnosticInfo.Create(DiagnosticDescriptors.UnavailableMember, at, t.Display));

    private static Type? Load(TypeRef t)
    {
        if (t.ArrayRank > 0)
        {
            var e = Type(t.Args[0]);
            return e is null ? null : t.ArrayRank == 1 ? e.MakeArrayType() : e.MakeArrayType(t.ArrayRank);
        }
        var def = Definition(t.Name, t.Assembly);
        if (def is null || t.Args.Count == 0) return def;
        var args = t.Args.Select(Type).ToArray();
        return args.Any(a => a is null) ? null : def.MakeGenericType(args!);
    }

    private static Type? Definition(string name, string assembly)
    {
        if (name.StartsWith("Nabla.", StringComparison.Ordinal)) return Self.GetType(name);
        var t = System.Type.GetType(name) ?? (assembly.Length > 0 ? System.Type.GetType(name + ", " + assembly) : null);
        if (t is not null) return t;
        foreach (var known in new[] { typeof(Enumerable), typeof(System.Collections.Generic.List<>), typeof(Math) })
            if (known.Assembly.GetType(name) is { } k) return k;
        return null;
    }

    /// <summary>The constructor or method, or an error naming it.</summary>
    public static MethodBase Method(MethodRef m, SourceLocation? at) =>
        Methods.GetOrAdd(m, Find) ?? throw new EvaluationError(DiagnosticInfo.Create(DiagnosticDescriptors.UnavailableMember, at, m.Display));

    private static MethodBase? Find(MethodRef m)
    {
        var type = Type(m.Type);
        var ps = m.Params.Select(Type).ToArray();
        if (type is null || ps.Any(p => p is null)) return null;
        if (m.Name == ".ctor") return type.GetConstructor(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, null, ps!, null);
        foreach (var candidate in type.GetMethods(All).Where(x => x.Name == m.Name && x.GetParameters().Length == ps.Length))
        {
            var method = candidate;
            if (m.TypeArgs.Count > 0)
            {
                if (!candidate.IsGenericMethodDefinition || candidate.GetGenericArguments().Length != m.TypeArgs.Count) continue;
                var targs = m.TypeArgs.Select(Type).ToArray();
                if (targs.Any(a => a is null)) return null;
                try { method = candidate.MakeGenericMethod(targs!); } catch (ArgumentException) { continue; }
            }
            else if (candidate.IsGenericMethodDefinition) continue;
            if (method.GetParameters().Select(p => p.ParameterType).SequenceEqual(ps!)) return method;
        }
        return null;
    }

    /// <summary>The property (or indexer) <paramref name="name"/> of <paramref name="type"/> with these index parameters.</summary>
    public static PropertyInfo Property(TypeRef type, string name, EquatableArray<TypeRef> index, string display, SourceLocation? at)
    {
        var t = Require(type, at);
        var ps = index.Select(Type).ToArray();
        var p = ps.Any(x => x is null) ? null
            : t.GetProperties(All).FirstOrDefault(x => x.Name == name && x.GetIndexParameters().Select(i => i.ParameterType).SequenceEqual(ps!));
        return p ?? throw new EvaluationError(DiagnosticInfo.Create(DiagnosticDescriptors.UnavailableMember, at, display));
    }

    /// <summary>The field <paramref name="name"/> of <paramref name="type"/>.</summary>
    public static FieldInfo Field(TypeRef type, string name, string display, SourceLocation? at) =>
        Require(type, at).GetField(name, All) ?? throw new EvaluationError(DiagnosticInfo.Create(DiagnosticDescriptors.UnavailableMember, at, display));
}
