using System;

namespace Nabla.Data;

/// <summary>
/// Bad training data: a missing or malformed file, a bad row, or arguments that do not fit a dataset. The message is
/// one line naming the file and, for a bad row, its 1-based line number and column: line breaks in the message (from a
/// file name or a column name) are shown as the escapes \r, \n, \u2028….
/// </summary>
public sealed class DataException : Exception
{
    /// <summary>The file the problem is in, if it came from a file.</summary>
    public string? Path { get; }

    /// <summary>The 1-based line number of the bad row (the header is line 1), if the problem is in one row.</summary>
    public int? Line { get; }

    /// <summary>The 1-based column number of the bad value, if the problem is in one value.</summary>
    public int? Column { get; }

    /// <summary>A data problem not tied to a file.</summary>
    public DataException(string message) : base(Nabla.IO.OneLine.Of(message)) { }

    /// <summary>A problem in <paramref name="path"/>, optionally at a line and column; the message is used as given (on one line).</summary>
    public DataException(string message, string? path, int? line = null, int? column = null, Exception? inner = null)
        : base(Nabla.IO.OneLine.Of(message), inner)
    {
        Path = path;
        Line = line;
        Column = column;
    }
}
