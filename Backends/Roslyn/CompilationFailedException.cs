using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Nabla.Backends.Roslyn;

/// <summary>Emitted C# failed to compile: the message lists every error with the offending source line.</summary>
public sealed class CompilationFailedException : Exception
{
    internal CompilationFailedException(string assemblyName, IReadOnlyList<Diagnostic> errors)
        : base(Describe(assemblyName, errors))
    {
        Errors = errors.Select(e => e.ToString()).ToArray();
    }

    /// <summary>The errors, one line each (<c>(12,5): error CS0103: ...</c>).</summary>
    public IReadOnlyList<string> Errors { get; }

    private static string Describe(string assemblyName, IReadOnlyList<Diagnostic> errors)
    {
        var sb = new StringBuilder();
        sb.Append($"Compiling {assemblyName} failed with {errors.Count} error(s):");
        foreach (var d in errors.Take(20))
        {
            sb.AppendLine().Append("  ").Append(d.Id).Append(": ").Append(d.GetMessage());
            if (d.Location.IsInSource)
            {
                var span = d.Location.GetLineSpan();
                var text = d.Location.SourceTree!.GetText();
                int line = span.StartLinePosition.Line;
                sb.AppendLine().Append($"    at line {line + 1}, column {span.StartLinePosition.Character + 1}:");
                for (int l = Math.Max(0, line - 1); l <= Math.Min(text.Lines.Count - 1, line + 1); l++)
                    sb.AppendLine().Append(l == line ? "  > " : "    ").Append((l + 1).ToString().PadLeft(5)).Append(" | ").Append(text.Lines[l].ToString());
            }
        }
        if (errors.Count > 20) sb.AppendLine().Append($"  ... and {errors.Count - 20} more.");
        return sb.ToString();
    }
}
