using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Nabla.Backends.Roslyn;

/// <summary>
/// What a model DLL written to disk is compiled against: the net10.0 <em>reference</em> assemblies (embedded in this
/// library, from the Basic.Reference.Assemblies.Net100 package), not the implementation assemblies of the running
/// process. A DLL compiled against implementation assemblies names <c>System.Private.CoreLib</c>, which a program's
/// compiler never references, so the program fails with CS0012; one compiled against these references
/// <c>System.Runtime</c> and friends, as every library built by the SDK does, and a project can reference it
/// like any library. Needs no SDK or targeting pack on the machine that compiles.
/// </summary>
public static class ReferenceAssemblies
{
    /// <summary>
    /// The target framework of a DLL compiled against <see cref="Framework"/>: <c>net10.0</c>. It runs on .NET 10 and
    /// later (a project targeting net10.0 or newer can reference it; an older one cannot).
    /// </summary>
    public const string TargetFramework = "net10.0";

    /// <summary>The framework name written into such a DLL's <c>[TargetFramework]</c> attribute, as the SDK writes it.</summary>
    public const string FrameworkName = ".NETCoreApp,Version=v10.0";

    private static readonly Lazy<MetadataReference[]> All = new(() => Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>().ToArray());

    /// <summary>The net10.0 reference assemblies (<c>System.Runtime</c>, <c>System.Runtime.Intrinsics</c>, <c>netstandard</c>, ...), read once per process.</summary>
    public static IReadOnlyList<MetadataReference> Framework => All.Value;

    /// <summary>
    /// A C# source file declaring the assembly's <c>[TargetFramework]</c> attribute (what the SDK adds to every build), so
    /// that tools reading the DLL see which framework it targets.
    /// </summary>
    public const string TargetFrameworkAttributeSource =
        "[assembly: global::System.Runtime.Versioning.TargetFrameworkAttribute(\"" + FrameworkName + "\", FrameworkDisplayName = \".NET 10.0\")]\n";
}
