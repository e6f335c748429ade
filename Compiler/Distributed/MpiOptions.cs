using System;
using System.Globalization;
using System.Threading;

namespace Nabla.Distributed;

/// <summary>Which binary interface the MPI library has: how its handles and <c>MPI_IN_PLACE</c> look.</summary>
public enum MpiAbi
{
    /// <summary>Open MPI when the library exports <c>ompi_mpi_comm_world</c>, otherwise the MPICH family.</summary>
    Auto,

    /// <summary>Open MPI: handles are the addresses of exported globals (<c>ompi_mpi_comm_world</c>, …), <c>MPI_IN_PLACE</c> is 1.</summary>
    OpenMpi,

    /// <summary>
    /// MPICH and its derivatives (Intel MPI, MVAPICH, Cray MPICH): handles are integers fixed in <c>mpi.h</c>
    /// (<c>MPI_COMM_WORLD</c> = 0x44000000, …), <c>MPI_IN_PLACE</c> is −1.
    /// </summary>
    Mpich,
}

/// <summary>
/// How <see cref="MpiCommunicator.Create"/> finds and drives the MPI library. The environment variables
/// <see cref="LibraryVariable"/> and <see cref="TimeoutVariable"/> override <see cref="Library"/> and
/// <see cref="CollectiveTimeout"/>, so a job script can change them without rebuilding the program.
/// </summary>
public sealed class MpiOptions
{
    /// <summary>The environment variable that overrides <see cref="Library"/>: <c>NABLA_MPI_LIBRARY</c>.</summary>
    public const string LibraryVariable = "NABLA_MPI_LIBRARY";

    /// <summary>
    /// The environment variable that overrides <see cref="CollectiveTimeout"/>: <c>NABLA_MPI_TIMEOUT_S</c>, in seconds
    /// (a decimal number; <c>0</c>, <c>inf</c> or <c>none</c> for no timeout).
    /// </summary>
    public const string TimeoutVariable = "NABLA_MPI_TIMEOUT_S";

    /// <summary>The default <see cref="Library"/>: <c>libmpi.so.40</c>, Open MPI 3.x–5.x on Linux.</summary>
    public const string DefaultLibrary = "libmpi.so.40";

    /// <summary>The default <see cref="MaxElementsPerCall"/>: 2²⁶ elements (256 MiB of floats).</summary>
    public const int DefaultMaxElementsPerCall = 1 << 26;

    /// <summary>
    /// The shared library to load, a file name the dynamic loader searches for (<c>libmpi.so.40</c> for Open MPI,
    /// <c>libmpi.so.12</c> for MPICH and Intel MPI) or a path. Default <see cref="DefaultLibrary"/>.
    /// </summary>
    public string Library { get; init; } = DefaultLibrary;

    /// <summary>The library's binary interface; <see cref="MpiAbi.Auto"/> (the default) detects it.</summary>
    public MpiAbi Abi { get; init; } = MpiAbi.Auto;

    /// <summary>
    /// How long a collective may wait for the other ranks before this rank decides that one of them has died or is
    /// stuck, writes one line to standard error and aborts the whole job (exit code
    /// <see cref="MpiCommunicator.TimeoutExitCode"/>). Default 5 minutes; <see cref="Timeout.InfiniteTimeSpan"/> waits
    /// forever. Make it longer than the longest computation one rank does between two collectives (a validation pass,
    /// writing a checkpoint): the other ranks wait in the next collective meanwhile.
    /// </summary>
    public TimeSpan CollectiveTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The most elements one MPI call moves; longer spans go in several calls (MPI counts are 32-bit, and some
    /// libraries mishandle messages over 2 GiB). Default <see cref="DefaultMaxElementsPerCall"/>.
    /// </summary>
    public int MaxElementsPerCall { get; init; } = DefaultMaxElementsPerCall;

    /// <summary>The library name after the environment override.</summary>
    internal string ResolvedLibrary()
    {
        var fromEnv = Environment.GetEnvironmentVariable(LibraryVariable);
        var name = string.IsNullOrWhiteSpace(fromEnv) ? Library : fromEnv.Trim();
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("MpiOptions.Library is empty: name the MPI shared library (libmpi.so.40 for Open MPI).");
        return name;
    }

    /// <summary>The collective timeout after the environment override (<see cref="Timeout.InfiniteTimeSpan"/> for none).</summary>
    internal TimeSpan ResolvedTimeout()
    {
        var fromEnv = Environment.GetEnvironmentVariable(TimeoutVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv)) return ParseTimeout(fromEnv.Trim());
        if (CollectiveTimeout == Timeout.InfiniteTimeSpan) return CollectiveTimeout;
        if (CollectiveTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(CollectiveTimeout), CollectiveTimeout, "The collective timeout must be positive, or Timeout.InfiniteTimeSpan for none.");
        return CollectiveTimeout;
    }

    internal static TimeSpan ParseTimeout(string text)
    {
        var lower = text.ToLowerInvariant();
        if (lower is "inf" or "infinite" or "infinity" or "none" or "never") return Timeout.InfiniteTimeSpan;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || double.IsNaN(seconds) || seconds < 0)
            throw new ArgumentException($"{TimeoutVariable}=\"{text}\" is not a number of seconds (use a positive number, or 0, inf or none for no timeout).");
        if (seconds == 0 || double.IsPositiveInfinity(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2) return Timeout.InfiniteTimeSpan;
        return TimeSpan.FromSeconds(seconds);
    }
}
