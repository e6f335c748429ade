using System;
using System.IO;
using System.Text.RegularExpressions;

namespace Nabla.IO;

/// <summary>
/// The one way Nabla writes its output files (checkpoints, plots, <c>nabla build</c>'s assemblies, <c>nabla ir --dot</c>):
/// the bytes go to a temporary file beside the target, <c>.NAME.&lt;32 hex digits&gt;.tmp</c>, flushed to disk, which is
/// then renamed over the target, so a reader sees the old file or the new one, never half of one. A temporary left
/// behind by a process killed mid-write is removed by the next write to the same target once it is an hour old (younger
/// ones may belong to a write in progress).
/// <para>
/// What may be replaced: an output goes only to a new path or over a regular file. A path that names a directory, a
/// character or block device (<c>/dev/full</c>, <c>/dev/null</c>), a FIFO or a socket is refused before anything is
/// written (an <see cref="IOException"/> naming the path and what it is), so a device never becomes a regular file.
/// A symbolic link is kept and written through: the bytes go to the link's final target (links to links are followed)
/// when that is a regular file or a new path in an existing folder; a link to anything else (a device, a folder) or
/// into a missing folder is refused. The check is repeated just before the rename.
/// </para>
/// </summary>
public static class AtomicFile
{
    /// <summary>How old a temporary of ours must be before a later write removes it.</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>), creating its
    /// folder if needed; through a symbolic link, to the link's target.
    /// </summary>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="IOException">The target is not a regular file or a new path (the message names it and what it is), or the folder or file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or file cannot be written.</exception>
    public static void Write(string path, byte[] bytes)
    {
        if (bytes is null) throw new ArgumentNullException(nameof(bytes));
        string target = Target(path);
        string dir = Path.GetDirectoryName(target) ?? ".";
        string name = Path.GetFileName(target);
        Directory.CreateDirectory(dir);
        RemoveStale(dir, name);
        string tmp = Path.Combine(dir, "." + TempStem(name) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                fs.Write(bytes, 0, bytes.Length);
                fs.Flush(flushToDisk: true);
            }
            var now = FileType.Of(target, followLinks: false);   // again: the path may have changed during the write
            if (now is not (FileKind.Regular or FileKind.Missing)) throw NotAnOutput(path, now, target);
            File.Move(tmp, target, overwrite: true);
        }
        finally
        {
            try { if (File.Exists(tmp)) File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Checks that <paramref name="path"/> can take an output file and returns the full path the bytes will go to: the
    /// path itself (a regular file or a new path), or the final target of a symbolic link. Nothing is written. The folder
    /// need not exist yet (<see cref="Write"/> creates it), but a folder on the way that is a file fails here.
    /// </summary>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="IOException">The path, or a link's target, is not a regular file or a new path; the message names it and what it is.</exception>
    public static string Target(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("The output path is empty.", nameof(path));
        string full = Path.GetFullPath(path);
        if (Path.GetFileName(full).Length == 0 || EndsWithSeparator(path))
            throw new IOException($"'{path}' names a folder (it ends with a separator), not a file.");
        var kind = FileType.Of(full, followLinks: false);
        if (kind is FileKind.Regular) return full;
        if (kind is FileKind.Missing)
        {
            for (var d = Path.GetDirectoryName(full); !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d))
            {
                var k = FileType.Of(d);
                if (k == FileKind.Missing) continue;
                if (k != FileKind.Directory) throw new IOException($"cannot write '{path}': '{d}' is {FileType.Describe(k)}, not a folder.");
                break;
            }
            return full;
        }
        if (kind is not FileKind.SymbolicLink) throw NotAnOutput(path, kind, null);

        string target;
        try
        {
            var final = File.ResolveLinkTarget(full, returnFinalTarget: true);
            target = final is null ? full : Path.GetFullPath(final.FullName);
        }
        catch (IOException e)
        {
            throw new IOException($"'{path}' is a symbolic link that cannot be followed ({OneLine.Of(e.Message)}).", e);
        }
        var targetKind = FileType.Of(target, followLinks: false);
        if (targetKind == FileKind.Regular) return target;
        if (targetKind == FileKind.Missing)
        {
            string? folder = Path.GetDirectoryName(target);
            if (folder is not null && FileType.Of(folder) == FileKind.Directory && Path.GetFileName(target).Length > 0) return target;
            throw new IOException($"'{path}' is a symbolic link to '{target}', whose folder does not exist.");
        }
        throw NotAnOutput(path, targetKind, target);
    }

    private static bool EndsWithSeparator(string path) =>
        path.EndsWith(Path.DirectorySeparatorChar) || path.EndsWith(Path.AltDirectorySeparatorChar);

    private static IOException NotAnOutput(string path, FileKind kind, string? linkTarget) =>
        new(linkTarget is null || linkTarget == Path.GetFullPath(path)
            ? $"'{path}' is {FileType.Describe(kind)}, not a regular file; an output is written only to a new path or over a regular file."
            : $"'{path}' is a symbolic link to {FileType.Describe(kind)} ('{linkTarget}'); an output is written only to a new path or over a regular file.");

    /// <summary>
    /// The target's name as its temporaries carry it: the name itself, or — when the name is over 200 UTF-8 bytes, so
    /// that the temporary's 38 more would pass the file system's 255 — <c>long~</c> and a 64-bit FNV-1a hash of it.
    /// </summary>
    internal static string TempStem(string name)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(name) <= 200) return name;
        ulong h = 14695981039346656037UL;
        foreach (char c in name) { h ^= c; h *= 1099511628211UL; }
        return "long~" + h.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Deletes this target's temporaries (our naming only) older than <see cref="StaleAfter"/>; never fails.</summary>
    internal static void RemoveStale(string dir, string name)
    {
        try
        {
            string stem = TempStem(name);
            var mine = new Regex("^" + Regex.Escape("." + stem + ".") + "[0-9a-f]{32}" + Regex.Escape(".tmp") + "$");
            foreach (var file in Directory.EnumerateFiles(dir, "." + stem + ".*.tmp"))
            {
                if (!mine.IsMatch(Path.GetFileName(file))) continue;
                if (FileType.Of(file, followLinks: false) != FileKind.Regular) continue;
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) < StaleAfter) continue;
                try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
        catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
