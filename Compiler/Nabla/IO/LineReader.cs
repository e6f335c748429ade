using System;
using System.IO;

namespace Nabla.IO;

/// <summary>
/// Reads text one line at a time, as <see cref="TextReader.ReadLine"/> splits it (at \n, \r or \r\n), but never holds
/// more than <see cref="MaxLength"/> characters of a line: a longer line is reported as soon as the limit is passed,
/// after reading at most that many characters of it, so a file of one endless line costs neither the memory nor the
/// time of reading it.
/// </summary>
internal sealed class LineReader
{
    private readonly TextReader _reader;
    private readonly char[] _buffer = new char[1 << 16];
    private int _start, _end;
    private char[] _line = new char[256];
    private bool _pendingCr; // the previous line ended at '\r': a '\n' right after it belongs to that line end

    public LineReader(TextReader reader, int maxLength)
    {
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength));
        MaxLength = maxLength;
    }

    /// <summary>The longest line accepted, in characters (UTF-16 code units, the line end not counted).</summary>
    public int MaxLength { get; }

    /// <summary>
    /// The next line (without its line end) in <paramref name="line"/>, valid until the next call; false at the end of the
    /// text. Returns true with <paramref name="tooLong"/> set when the line is longer than <see cref="MaxLength"/> (the
    /// line then holds its first <see cref="MaxLength"/> characters and the reader stops there).
    /// </summary>
    public bool Next(out ReadOnlySpan<char> line, out bool tooLong)
    {
        int length = 0;
        tooLong = false;
        bool any = false;
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = _reader.Read(_buffer, 0, _buffer.Length);
                if (_end <= 0)
                {
                    _end = 0;
                    line = _line.AsSpan(0, length);
                    return any;
                }
            }
            if (_pendingCr)
            {
                _pendingCr = false;
                if (_buffer[_start] == '\n') { _start++; continue; }
            }
            any = true;
            var chunk = _buffer.AsSpan(_start, _end - _start);
            int stop = chunk.IndexOfAny('\n', '\r');
            int take = stop < 0 ? chunk.Length : stop;
            if (length + take > MaxLength)
            {
                Append(ref length, chunk.Slice(0, MaxLength - length));
                tooLong = true;
                line = _line.AsSpan(0, length);
                return true;
            }
            Append(ref length, chunk.Slice(0, take));
            if (stop < 0) { _start = _end; continue; }
            _start += stop + 1;
            if (chunk[stop] == '\r') _pendingCr = true;
            line = _line.AsSpan(0, length);
            return true;
        }
    }

    private void Append(ref int length, ReadOnlySpan<char> part)
    {
        if (length + part.Length > _line.Length)
            Array.Resize(ref _line, Math.Min(Math.Max(_line.Length * 2, length + part.Length), Math.Max(MaxLength, length + part.Length)));
        part.CopyTo(_line.AsSpan(length));
        length += part.Length;
    }
}
