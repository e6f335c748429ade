using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Nabla.Generator.Model;

/// <summary>
/// Where a piece of the network method is in the source: file, character span and line/column span (zero-based), as
/// plain values so pipeline models stay equatable; <see cref="ToLocation"/> rebuilds the Roslyn location for a diagnostic.
/// </summary>
/// <param name="Path">The file path.</param>
/// <param name="Start">The first character.</param>
/// <param name="Length">The number of characters.</param>
/// <param name="StartLine">The first line (zero-based).</param>
/// <param name="StartColumn">The first column (zero-based).</param>
/// <param name="EndLine">The last line (zero-based).</param>
/// <param name="EndColumn">The column after the end (zero-based).</param>
internal sealed record SourceLocation(string Path, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    /// <summary>The location of <paramref name="node"/>, or null when it is not in a source file.</summary>
    public static SourceLocation? Of(SyntaxNode? node) => node is null ? null : Of(node.GetLocation());

    /// <summary>The plain form of <paramref name="location"/>, or null when it is not in source.</summary>
    public static SourceLocation? Of(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        var span = location.GetLineSpan();
        return new SourceLocation(location.SourceTree.FilePath, location.SourceSpan.Start, location.SourceSpan.Length,
            span.StartLinePosition.Line, span.StartLinePosition.Character, span.EndLinePosition.Line, span.EndLinePosition.Character);
    }

    /// <summary>The Roslyn location.</summary>
    public Location ToLocation() =>
        Location.Create(Path, new TextSpan(Start, Length),
            new LinePositionSpan(new LinePosition(StartLine, StartColumn), new LinePosition(EndLine, EndColumn)));

    /// <summary><c>file(line,column)</c>, one-based as compilers print it.</summary>
    public override string ToString() => $"{Path}({StartLine + 1},{StartColumn + 1})";
}

/// <summary>A diagnostic to report: descriptor id, location and message arguments, all plain values.</summary>
/// <param name="Id">The <c>NABLA…</c> id (see <see cref="DiagnosticDescriptors"/>).</param>
/// <param name="Location">Where, or null for the class as a whole.</param>
/// <param name="Arguments">The message's format arguments.</param>
internal sealed record DiagnosticInfo(string Id, SourceLocation? Location, EquatableArray<string> Arguments)
{
    /// <summary>Creates the info.</summary>
    public static DiagnosticInfo Create(DiagnosticDescriptor d, SourceLocation? at, params string[] args) => new(d.Id, at, new EquatableArray<string>(args));

    /// <summary>The Roslyn diagnostic.</summary>
    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(DiagnosticDescriptors.ById(Id), Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None, Arguments.AsArray());

    /// <summary>The message with its arguments filled in.</summary>
    public string Message => string.Format(System.Globalization.CultureInfo.InvariantCulture, DiagnosticDescriptors.ById(Id).MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture), Arguments.AsArray());

    /// <summary><c>file(line,col): NABLA004: message</c>.</summary>
    public override string ToString() => $"{(Location is null ? "" : Location + ": ")}{Id}: {Message}";
}
