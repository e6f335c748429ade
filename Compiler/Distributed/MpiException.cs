using System;

namespace Nabla.Distributed;

/// <summary>
/// The MPI library could not be loaded or initialized, or an MPI call returned an error code. The message names the
/// call, the code and the library's own text for it.
/// </summary>
public sealed class MpiException : Exception
{
    /// <summary>An error with a message only (loading the library, a missing export).</summary>
    public MpiException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>The MPI function <paramref name="call"/> returned <paramref name="errorCode"/>.</summary>
    public MpiException(string call, int errorCode, string? errorText)
        : base($"{call} failed with MPI error code {errorCode}{(string.IsNullOrWhiteSpace(errorText) ? "" : $" ({errorText.Trim()})")}.")
    {
        Call = call;
        ErrorCode = errorCode;
    }

    /// <summary>The MPI function that failed (<c>MPI_Allreduce</c>), or null when the error is not a return code.</summary>
    public string? Call { get; }

    /// <summary>The error code the call returned (0 when the error is not a return code).</summary>
    public int ErrorCode { get; }
}
