using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Xunit;

namespace Nabla.Tests.Fuzz;

/// <summary>
/// FIFOs, sockets and symbolic links for the tests of what may be read and written (Linux; the tests that need them
/// return early elsewhere), a snapshot of a folder to show nothing was written, and a guard that fails a call that hangs
/// (a FIFO opened for reading blocks until a writer comes) instead of hanging the test run.
/// </summary>
internal static class SpecialFiles
{
    /// <summary>Whether FIFOs, sockets and devices such as /dev/full exist here.</summary>
    public static bool Available => RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && File.Exists("/dev/full") && File.Exists("/dev/zero");

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(ref byte path, uint mode);

    /// <summary>Makes a FIFO (named pipe) at <paramref name="path"/>.</summary>
    public static string Fifo(string path)
    {
        var name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        if (mkfifo(ref name[0], Convert.ToUInt32("600", 8)) != 0) throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
        return path;
    }

    /// <summary>Makes a Unix domain socket file at <paramref name="path"/> (the socket stays bound until disposed).</summary>
    public static Socket UnixSocket(string path)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Bind(new UnixDomainSocketEndPoint(path));
        return s;
    }

    /// <summary>Every entry under <paramref name="dir"/> (recursively, links not followed) with its kind and, for regular files, its bytes.</summary>
    public static SortedDictionary<string, string> Snapshot(string dir)
    {
        var r = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, ReturnSpecialDirectories = false }))
        {
            var kind = Nabla.IO.FileType.Of(p, followLinks: false);
            r[Path.GetRelativePath(dir, p)] = kind == Nabla.IO.FileKind.Regular ? "file:" + Convert.ToBase64String(File.ReadAllBytes(p))
                : kind == Nabla.IO.FileKind.SymbolicLink ? "link:" + new FileInfo(p).LinkTarget : kind.ToString();
        }
        return r;
    }

    /// <summary>Asserts that <paramref name="dir"/> holds what <paramref name="before"/> recorded.</summary>
    public static void AssertUnchanged(SortedDictionary<string, string> before, string dir, string what)
    {
        var after = Snapshot(dir);
        var added = after.Keys.Except(before.Keys).ToList();
        var removed = before.Keys.Except(after.Keys).ToList();
        var changed = before.Keys.Intersect(after.Keys).Where(k => before[k] != after[k]).ToList();
        Assert.True(added.Count == 0 && removed.Count == 0 && changed.Count == 0,
            $"{what}: the folder changed (added: {string.Join(", ", added)}; removed: {string.Join(", ", removed)}; changed: {string.Join(", ", changed)})");
    }

    /// <summary>
    /// Runs <paramref name="call"/> and returns its result, failing the test (instead of hanging the run) if it has not
    /// returned after two minutes: the bug it guards against blocks forever (a FIFO opened for reading).
    /// </summary>
    public static T NoHang<T>(Func<T> call, string what)
    {
        var task = Task.Run(call);
        Assert.True(task.Wait(TimeSpan.FromMinutes(2)), $"{what} did not return: it blocks (on a FIFO?)");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>The error line of <paramref name="stderr"/>, after asserting it is exactly one line.</summary>
    public static string OneLine(string stderr)
    {
        var lines = stderr.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        return lines[0];
    }
}

/// <summary>
/// A fact that needs FIFOs and devices (<see cref="SpecialFiles.Available"/>): reported as skipped, with the reason,
/// where they do not exist, rather than passing without checking anything.
/// </summary>
internal sealed class SpecialFilesFactAttribute : FactAttribute
{
    public SpecialFilesFactAttribute()
    {
        if (!SpecialFiles.Available) Skip = "needs Linux with FIFOs, /dev/full and /dev/zero";
    }
}
