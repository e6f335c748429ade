namespace Nabla.Generator.Model;

/// <summary>
/// A type named by metadata: <c>Nabla.Dense</c>, <c>System.Collections.Generic.List`1</c> with its arguments, or an
/// array (<see cref="ArrayRank"/> &gt; 0, element in <see cref="Args"/>). Resolved to a <see cref="System.Type"/> when evaluated.
/// </summary>
/// <param name="Name">The metadata name with namespace (nested types joined by <c>+</c>); empty for arrays.</param>
/// <param name="Assembly">The assembly the user's compilation found it in (e.g. <c>Nabla.Dsl</c>, <c>System.Runtime</c>).</param>
/// <param name="Args">Generic arguments, or the element type of an array.</param>
/// <param name="ArrayRank">0 for a non-array.</param>
internal sealed record TypeRef(string Name, string Assembly, EquatableArray<TypeRef> Args, int ArrayRank)
{
    /// <summary>C#-like text for messages: <c>List&lt;Module&gt;</c>, <c>int[]</c>.</summary>
    public string Display
    {
        get
        {
            if (ArrayRank > 0) return Args[0].Display + "[" + new string(',', ArrayRank - 1) + "]";
            var n = Name;
            int tick = n.IndexOf('`');
            if (tick >= 0) n = n.Substring(0, tick);
            n = n.Substring(n.LastIndexOf('.') + 1).Replace('+', '.');
            if (Args.Count == 0) return n;
            var parts = new string[Args.Count];
            for (int i = 0; i < parts.Length; i++) parts[i] = Args[i].Display;
            return n + "<" + string.Join(", ", parts) + ">";
        }
    }
}

/// <summary>A method, constructor (<c>.ctor</c>), operator or property accessor, identified as the compiler bound it.</summary>
/// <param name="Type">The declaring type (constructed when generic).</param>
/// <param name="Name">The metadata name (<c>.ctor</c>, <c>op_Addition</c>, <c>get_Item</c>, <c>Build</c>).</param>
/// <param name="TypeArgs">The method's own type arguments.</param>
/// <param name="Params">The parameter types after substitution of type arguments.</param>
/// <param name="Display">How messages name it, e.g. <c>Dense.Dense(int, int)</c>.</param>
internal sealed record MethodRef(TypeRef Type, string Name, EquatableArray<TypeRef> TypeArgs, EquatableArray<TypeRef> Params, string Display);

/// <summary>A static member of the [Network] class that the evaluator runs from source (a helper method, property or field initializer).</summary>
/// <param name="Id">A unique key (the member's documentation id).</param>
/// <param name="Display">The member as messages name it.</param>
/// <param name="Params">Its parameters' variable ids.</param>
/// <param name="Body">The body (an expression body is a block with one return).</param>
/// <param name="IsField">True for a static field initializer, evaluated once per evaluation run.</param>
/// <param name="At">The declaration.</param>
internal sealed record UserFunction(string Id, string Display, EquatableArray<string> Params, Stmt Body, bool IsField, SourceLocation? At);

/// <summary>A member name of the [Network] class with its location (to report hiding of names the generated code uses).</summary>
/// <param name="Name">The simple name.</param>
/// <param name="At">Its declaration.</param>
internal sealed record MemberName(string Name, SourceLocation? At);

/// <summary>
/// Everything the generator read from one [Network] class: where to put the generated code, the network methods as
/// evaluable trees, the helpers they call, and the problems found while reading. Value-equatable: no symbols, no
/// syntax nodes, no Roslyn locations.
/// </summary>
/// <param name="ClassName">The class's name.</param>
/// <param name="Namespace">Its namespace ("" for the global namespace).</param>
/// <param name="ContainingTypes">Declaration headers of the partial classes around it, outermost first.</param>
/// <param name="Declaration">The header to re-declare the class itself (<c>static partial class Mnist1dMlp</c>).</param>
/// <param name="HintName">The generated file's name.</param>
/// <param name="Build">The Build method, or null when missing or unreadable.</param>
/// <param name="Training">The Training method, or null when the class has none.</param>
/// <param name="Helpers">Static members of the class that the network methods use.</param>
/// <param name="Members">Every member name of the class.</param>
/// <param name="At">The class declaration's identifier.</param>
/// <param name="Diagnostics">Problems found while reading (errors stop generation).</param>
/// <param name="CompilerErrors">True when some of the code does not bind: the compiler reports it, and nothing is generated.</param>
internal sealed record NetworkRecipe(
    string ClassName, string Namespace, EquatableArray<string> ContainingTypes, string Declaration, string HintName,
    UserFunction? Build, UserFunction? Training, EquatableArray<UserFunction> Helpers, EquatableArray<MemberName> Members,
    SourceLocation? At, EquatableArray<DiagnosticInfo> Diagnostics, bool CompilerErrors)
{
    /// <summary>The fully qualified class name (<c>Demo.Mnist1dMlp</c>, <c>Demo.Outer.Mnist1dMlp</c>).</summary>
    public string FullName
    {
        get
        {
            var parts = new System.Collections.Generic.List<string>();
            if (Namespace.Length > 0) parts.Add(Namespace);
            foreach (var c in ContainingTypes) parts.Add(c.Substring(c.LastIndexOf(' ') + 1));
            parts.Add(ClassName);
            return string.Join(".", parts);
        }
    }
}

/// <summary>One generated file.</summary>
/// <param name="HintName">The file name (unique within the compilation).</param>
/// <param name="Source">The C# text.</param>
internal sealed record GeneratedFile(string HintName, string Source);

/// <summary>What the generator adds for one class: the files (none when an error stopped generation) and the diagnostics.</summary>
/// <param name="Files">The generated sources.</param>
/// <param name="Diagnostics">Everything to report.</param>
internal sealed record GeneratorOutput(EquatableArray<GeneratedFile> Files, EquatableArray<DiagnosticInfo> Diagnostics);
