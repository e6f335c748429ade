using System;

namespace Mnist1D;

/// <summary>Bad input to the example (an option, a data file, a checkpoint): printed as one line on stderr, exit code 2.</summary>
public sealed class UsageException : Exception
{
    /// <summary>A problem described by <paramref name="message"/> (one line).</summary>
    public UsageException(string message, Exception? inner = null) : base(message, inner) { }
}
