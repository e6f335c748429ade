using System.Text;

namespace Nabla.IO;

/// <summary>
/// Keeps an error message on one line: line and paragraph breaks in it (from a file name, a tensor name, a value) are
/// shown as escapes. The library's exceptions, the <c>nabla</c> command line and the examples all print errors through it.
/// </summary>
public static class OneLine
{
    /// <summary>
    /// <paramref name="text"/> with \r, \n, NEL, LS, PS, VT and FF written as <c>\r</c>, <c>\n</c>, <c>\u0085</c>,
    /// <c>\u2028</c>, <c>\u2029</c>, <c>\u000b</c>, <c>\u000c</c> (null gives the empty string).
    /// </summary>
    public static string Of(string text)
    {
        if (text is null) return "";
        int i = 0;
        while (i < text.Length && !IsBreak(text[i])) i++;
        if (i == text.Length) return text;
        var sb = new StringBuilder(text.Length + 8);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (!IsBreak(c)) { sb.Append(c); continue; }
            sb.Append(c switch { '\r' => "\\r", '\n' => "\\n", _ => "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture) });
        }
        return sb.ToString();
    }

    private static bool IsBreak(char c) => c is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029' or '\v' or '\f';
}
