using System;
using System.Globalization;
using System.IO;

namespace Nabla.IO;

/// <summary>
/// How Nabla opens the files it reads (CSV data, checkpoints, search logs, <c>nabla build</c>'s sources and weights): only
/// a regular file (directly or through symbolic links) is opened. A FIFO, a device (<c>/dev/zero</c>), a socket or a
/// folder is refused before it is opened, with an <see cref="IOException"/> naming the path and what it is, so a FIFO
/// never blocks the reader and <c>/dev/zero</c> is never read until memory runs out. Readers that hold a whole file in
/// memory check its length against their limit before allocating.
/// </summary>
public static class InputFile
{
    /// <summary>Throws unless <paramref name="path"/> is a regular file (symbolic links followed).</summary>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>.</exception>
    /// <exception cref="IOException">The path names a directory, a device, a FIFO or a socket (the message says which).</exception>
    public static void Check(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException("The input path is empty.", nameof(path));
        var kind = FileType.Of(path);
        if (kind == FileKind.Regular) return;
        if (kind == FileKind.Missing) throw new FileNotFoundException($"'{path}' not found.", path);
        bool link = FileType.Of(path, followLinks: false) == FileKind.SymbolicLink;
        throw new IOException($"'{path}' is {(link ? "a symbolic link to " : "")}{FileType.Describe(kind)}, not a regular file; only regular files are read.");
    }

    /// <summary>
    /// Why <paramref name="path"/> cannot be read as <paramref name="what"/> (e.g. "CSV file"), as a message for the
    /// reader's own exception, or null when it is a regular file: <c>PATH: is a directory, not a WHAT.</c>,
    /// <c>PATH: MISSING</c>, or <c>PATH: is [a symbolic link to] a FIFO (named pipe), not a WHAT (only regular files are read).</c>
    /// </summary>
    public static string? Refusal(string path, string what, string missing = "file not found.")
    {
        var kind = FileType.Of(path);
        if (kind == FileKind.Regular) return null;
        if (kind == FileKind.Directory) return $"{path}: is a directory, not a {what}.";
        if (kind == FileKind.Missing) return $"{path}: {missing}";
        bool link = FileType.Of(path, followLinks: false) == FileKind.SymbolicLink;
        return $"{path}: is {(link ? "a symbolic link to " : "")}{FileType.Describe(kind)}, not a {what} (only regular files are read).";
    }

    /// <summary>Opens <paramref name="path"/> for reading after <see cref="Check"/>.</summary>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>.</exception>
    /// <exception cref="IOException">The path is not a regular file, or it cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    public static FileStream OpenRead(string path, int bufferSize = 1 << 16)
    {
        Check(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
    }

    /// <summary>
    /// The whole of <paramref name="path"/> (a regular file, see <see cref="Check"/>) when it holds at most
    /// <paramref name="maxBytes"/> bytes; a longer file is refused before anything is allocated.
    /// </summary>
    /// <exception cref="IOException">The path is not a regular file, it is longer than <paramref name="maxBytes"/>, it changed length while being read, or it cannot be read.</exception>
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        if (maxBytes < 0) throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "The limit must not be negative.");
        using var fs = OpenRead(path);
        long length = fs.Length;
        long limit = Math.Min(maxBytes, Array.MaxLength);
        if (length > limit)
            throw new IOException($"'{path}' holds {length.ToString("N0", CultureInfo.InvariantCulture)} bytes, more than the {limit.ToString("N0", CultureInfo.InvariantCulture)} this reader takes.");
        var bytes = new byte[length];
        try { fs.ReadExactly(bytes); }
        catch (EndOfStreamException e) { throw new IOException($"'{path}' became shorter while it was read.", e); }
        if (fs.ReadByte() >= 0) throw new IOException($"'{path}' grew while it was read.");
        return bytes;
    }
}
