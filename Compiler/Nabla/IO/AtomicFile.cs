using System;
using System.IO;
using System.Text.RegularExpressions;

namespace Nabla.IO;

/// <summary>
/// The one way the library writes its output files (checkpoints, plots): the bytes go to a temporary file beside the
/// target, <c>.NAME.&lt;32 hex digits&gt;.tmp</c>, flushed to disk, which is then renamed over the target, so a reader
/// sees the old file or the new one, never half of one. A temporary left behind by a process killed mid-write is
/// removed by the next write to the same target once it is an hour old (younger ones may belong to a write in progress).
/// </summary>
internal static class AtomicFile
{
    /// <summary>How old a temporary of ours must be before a later write removes it.</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically, creating its folder if needed.</summary>
    /// <exception cref="IOException">The target is a folder, or the folder or file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or file cannot be written.</exception>
    public static void Write(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"'{path}' is a folder.");
        string dir = Path.GetDirectoryName(full) ?? ".";
        string name = Path.GetFileName(full);
        Directory.CreateDirectory(dir);
        RemoveStale(dir, name);
        string tmp = Path.Combine(dir, "." + name + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                fs.Write(bytes, 0, bytes.Length);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            try { if (File.Exists(tmp)) File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Deletes this target's temporaries (our naming only) older than <see cref="StaleAfter"/>; never fails.</summary>
    internal static void RemoveStale(string dir, string name)
    {
        try
        {
            var mine = new Regex("^" + Regex.Escape("." + name + ".") + "[0-9a-f]{32}" + Regex.Escape(".tmp") + "$");
            foreach (var file in Directory.EnumerateFiles(dir, "." + name + ".*.tmp"))
            {
                if (!mine.IsMatch(Path.GetFileName(file))) continue;
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) < StaleAfter) continue;
                try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
        catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
