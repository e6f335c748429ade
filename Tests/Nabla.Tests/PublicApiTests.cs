extern alias NablaGenerator;
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Nabla.Tests.Backends.CSharp;
using Xunit;

namespace Nabla.Tests;

/// <summary>
/// The public API of every shipped assembly, recorded in <c>Tests/Nabla.Tests/PublicApi/NAME.txt</c> (one line per public
/// type and member, sorted), so that a change to it is deliberate: this test fails on any difference and says what was
/// added or removed. Regenerate after an intended change with
/// <c>NABLA_UPDATE_API=1 dotnet test Tests/Nabla.Tests --filter "FullyQualifiedName~PublicApiTests"</c> and review the diff.
/// </summary>
public class PublicApiTests
{
    public static IEnumerable<object[]> Assemblies => Anchors.Keys.Select(k => new object[] { k });

    private static readonly Dictionary<string, Type> Anchors = new()
    {
        ["Nabla.Ir"] = typeof(Nabla.Ir.Op),
        ["Nabla.Rewrites"] = typeof(Nabla.Rewrites.Pipeline),
        ["Nabla.Runtime"] = typeof(Nabla.Runtime.Emitted),
        ["Nabla.Backends.CSharp"] = typeof(Nabla.Backends.CSharp.CSharpEmitter),
        ["Nabla.Backends.Expressions"] = typeof(Nabla.Backends.Expressions.ExpressionBackend),
        ["Nabla.Backends.Roslyn"] = typeof(Nabla.Backends.Roslyn.RoslynCompiler),
        ["Nabla.Dsl"] = typeof(Nabla.Model),
        ["Nabla"] = typeof(Nabla.Network),
        ["Nabla.Jit"] = typeof(Nabla.Jit),
        ["Nabla.Distributed"] = typeof(Nabla.Distributed.ICommunicator),
        ["Nabla.Testing"] = typeof(Nabla.Testing.GradCheck),
        ["Nabla.Generator"] = typeof(NablaGenerator::Nabla.Generator.NetworkGenerator),
    };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_public_api_is_the_recorded_one(string assembly)
    {
        var asm = Anchors[assembly].Assembly;
        Assert.Equal(assembly, asm.GetName().Name);
        var now = Listing(asm);
        var path = Path.Combine(SampleTests.RepoRoot(), "Tests", "Nabla.Tests", "PublicApi", assembly + ".txt");
        if (Environment.GetEnvironmentVariable("NABLA_UPDATE_API") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, string.Join("\n", now) + "\n");
        }
        Assert.True(File.Exists(path), $"{path} is missing: run the test with NABLA_UPDATE_API=1 to record the API.");
        var recorded = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var added = now.Except(recorded).ToArray();
        var removed = recorded.Except(now).ToArray();
        Assert.True(added.Length == 0 && removed.Length == 0,
            $"The public API of {assembly} changed ({added.Length} added, {removed.Length} removed). If that is intended, run the test " +
            $"with NABLA_UPDATE_API=1 and commit {path}.\nAdded:\n  {string.Join("\n  ", added.Take(40))}\nRemoved:\n  {string.Join("\n  ", removed.Take(40))}");
    }

    /// <summary>One line per public (or protected) type and member, sorted.</summary>
    internal static string[] Listing(Assembly asm)
    {
        var lines = new List<string>();
        // The generator compiles the IR, rewrites, DSL and C# emitter from their sources (an analyzer cannot depend on other
        // assemblies); those linked copies are listed with their own assemblies, so its listing is its own namespace.
        var prefix = asm.GetName().Name == "Nabla.Generator" ? "Nabla.Generator" : "";
        foreach (var t in asm.GetExportedTypes().Where(t => (t.Namespace ?? "").StartsWith(prefix, StringComparison.Ordinal)))
        {
            lines.Add($"{Kind(t)} {Name(t)}{Bases(t)}");
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var m in t.GetMembers(all))
            {
                var line = Member(t, m);
                if (line is not null) lines.Add($"{Name(t)}::{line}");
            }
        }
        return lines.Distinct().OrderBy(l => l, StringComparer.Ordinal).ToArray();
    }

    private static string Kind(Type t) =>
        t.IsEnum ? "enum" : t.IsInterface ? "interface" : t.IsValueType ? "struct" : typeof(Delegate).IsAssignableFrom(t) ? "delegate"
        : t.IsAbstract && t.IsSealed ? "static class" : t.IsAbstract ? "abstract class" : t.IsSealed ? "sealed class" : "class";

    private static string Bases(Type t)
    {
        var bases = new List<string>();
        if (t.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum) && !typeof(Delegate).IsAssignableFrom(t)) bases.Add(Name(b));
        bases.AddRange(t.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Select(Name).OrderBy(n => n, StringComparer.Ordinal));
        return bases.Count == 0 ? "" : " : " + string.Join(", ", bases);
    }

    private static bool Visible(MethodBase? m) => m is not null && (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly);

    private static string? Member(Type t, MemberInfo m)
    {
        switch (m)
        {
            case ConstructorInfo c when Visible(c) && !c.IsStatic:
                return $"ctor({Params(c)})";
            case MethodInfo mi when Visible(mi) && !mi.IsSpecialName:
                var generic = mi.IsGenericMethodDefinition ? "<" + string.Join(", ", mi.GetGenericArguments().Select(a => a.Name)) + ">" : "";
                return $"{(mi.IsStatic ? "static " : "")}{Name(mi.ReturnType)} {mi.Name}{generic}({Params(mi)})";
            case MethodInfo op when Visible(op) && op.IsSpecialName && op.Name.StartsWith("op_", StringComparison.Ordinal):
                return $"static {Name(op.ReturnType)} {op.Name}({Params(op)})";
            case PropertyInfo p when Visible(p.GetMethod) || Visible(p.SetMethod):
                var acc = (Visible(p.GetMethod) ? "get; " : "") + (Visible(p.SetMethod) ? (p.SetMethod!.ReturnParameter.GetRequiredCustomModifiers().Any(x => x.Name == "IsExternalInit") ? "init; " : "set; ") : "");
                var index = p.GetIndexParameters();
                var name = index.Length == 0 ? p.Name : $"this[{string.Join(", ", index.Select(i => Name(i.ParameterType)))}]";
                return $"{((p.GetMethod ?? p.SetMethod)!.IsStatic ? "static " : "")}{Name(p.PropertyType)} {name} {{ {acc}}}";
            case FieldInfo f when (f.IsPublic || f.IsFamily) && !f.IsSpecialName:
                return t.IsEnum ? $"{f.Name} = {Convert.ToInt64(f.GetRawConstantValue())}" : $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}{Name(f.FieldType)} {f.Name}";
            case EventInfo e when Visible(e.AddMethod):
                return $"event {Name(e.EventHandlerType!)} {e.Name}";
            default:
                return null;
        }
    }

    private static string Params(MethodBase m) =>
        string.Join(", ", m.GetParameters().Select(p => (p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : "") + Name(p.ParameterType) + (p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")));

    private static string Name(Type t)
    {
        if (t.IsByRef) return Name(t.GetElementType()!);
        if (t.IsArray) return Name(t.GetElementType()!) + "[" + new string(',', t.GetArrayRank() - 1) + "]";
        if (t.IsGenericParameter) return t.Name;
        if (Nullable.GetUnderlyingType(t) is { } u) return Name(u) + "?";
        var name = t.IsNested ? Name(t.DeclaringType!) + "." + t.Name : (t.Namespace is null ? "" : t.Namespace + ".") + t.Name;
        int tick = name.IndexOf('`');
        if (tick >= 0) name = name.Substring(0, tick);
        if (!t.IsGenericType) return name;
        var args = t.GetGenericArguments();
        if (t.IsNested && t.DeclaringType!.IsGenericType) args = args.Skip(t.DeclaringType.GetGenericArguments().Length).ToArray();
        return args.Length == 0 ? name : name + "<" + string.Join(", ", args.Select(Name)) + ">";
    }
}
