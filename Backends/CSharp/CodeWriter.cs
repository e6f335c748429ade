using System;
using System.Text;

namespace Nabla.Backends.CSharp;

/// <summary>Appends indented lines of C#; <see cref="Block"/> opens a brace block that closes when disposed.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    /// <summary>Writes one line at the current indentation (an empty line when <paramref name="line"/> is empty).</summary>
    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0) _sb.Append(' ', 4 * _indent).Append(line);
        _sb.Append('\n');
        return this;
    }

    /// <summary>Writes <paramref name="header"/> (if any), then <c>{</c>, and indents until the result is disposed (<c>}</c>).</summary>
    public IDisposable Block(string? header = null, string close = "}")
    {
        if (header is not null) Line(header);
        Line("{");
        _indent++;
        return new Closer(this, close);
    }

    /// <summary>Writes every line of <paramref name="text"/> as a <c>//</c> comment.</summary>
    public void Comment(string text)
    {
        foreach (var l in text.Replace("\r", "").Split('\n'))
            if (l.Length > 0) Line("// " + l);
    }

    /// <inheritdoc/>
    public override string ToString() => _sb.ToString();

    private sealed class Closer : IDisposable
    {
        private readonly CodeWriter _w;
        private readonly string _close;
        public Closer(CodeWriter w, string close) { _w = w; _close = close; }
        public void Dispose() { _w._indent--; _w.Line(_close); }
    }
}
