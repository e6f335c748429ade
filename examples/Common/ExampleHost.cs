using System;
using System.Globalization;
using System.IO;
using Nabla.Data;

namespace Nabla.Examples;

/// <summary>Bad input to an example (an option or a data file): printed as one line on stderr, exit code 2.</summary>
public sealed class UsageException : Exception
{
    /// <summary>A problem described by <paramref name="message"/> (one line).</summary>
    public UsageException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>How an example runs: bad input is one line on stderr and exit code 2; results are <c>name=value</c> lines.</summary>
public static class ExampleHost
{
    /// <summary>
    /// Runs <paramref name="body"/>; a <see cref="UsageException"/> or <see cref="DataException"/> becomes
    /// <c>error: message</c> on <paramref name="stderr"/> and exit code 2. Other exceptions propagate (they are bugs).
    /// </summary>
    public static int Run(TextWriter stderr, Func<int> body)
    {
        if (stderr is null) throw new ArgumentNullException(nameof(stderr));
        if (body is null) throw new ArgumentNullException(nameof(body));
        try
        {
            return body();
        }
        catch (Exception e) when (e is UsageException or DataException or InsufficientMemoryException or Nabla.Ir.ShapeException or LayerException)
        {
            stderr.WriteLine("error: " + Nabla.IO.OneLine.Of(e.Message));
            return 2;
        }
    }

    /// <summary>Writes the result line <c>name=value</c> (invariant culture, <paramref name="format"/>).</summary>
    public static void Result(TextWriter stdout, string name, double value, string format = "0.0000") =>
        stdout.WriteLine(name + "=" + value.ToString(format, CultureInfo.InvariantCulture));

    /// <summary>Writes the result line <c>name=value</c> for an integer.</summary>
    public static void Result(TextWriter stdout, string name, long value) =>
        stdout.WriteLine(name + "=" + value.ToString(CultureInfo.InvariantCulture));

    /// <summary><paramref name="v"/> formatted with <paramref name="format"/> in the invariant culture.</summary>
    public static string F(double v, string format = "0.0000") => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>
    /// Checks that <paramref name="path"/> can be written as an output file before any work: not a folder, a device, a
    /// FIFO or a socket (a symbolic link is written through to a regular file or a new path, see
    /// <see cref="Nabla.IO.AtomicFile"/>); its folder is created if missing. Names <paramref name="option"/> in the error.
    /// </summary>
    public static void CheckOutputFile(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option}: the path is empty.");
        if (Directory.Exists(path)) throw new UsageException($"{option}: '{path}' is a folder, not a file.");
        string target;
        try { target = Nabla.IO.AtomicFile.Target(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new UsageException($"{option}: {e.Message}", e);
        }
        string? dir = Path.GetDirectoryName(target);
        if (string.IsNullOrEmpty(dir)) return;
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option}: cannot create the folder '{dir}': {e.Message}", e);
        }
    }
}
