using System;
using System.Collections.Generic;

namespace Nabla.Distributed;

/// <summary>
/// The ranks were started with different settings or data where they must agree (the model, the data size, the seed):
/// thrown by <see cref="CommunicatorExtensions.CheckSame"/> on every rank with the same message, so no rank is left
/// waiting for the others.
/// </summary>
public sealed class DistributedMismatchException : Exception
{
    /// <summary>A mismatch of fact <paramref name="fact"/> between rank 0 and <paramref name="ranks"/>.</summary>
    public DistributedMismatchException(string message, string fact, IReadOnlyList<int> ranks) : base(message)
    {
        Fact = fact;
        Ranks = ranks;
    }

    /// <summary>The name of the first fact on which some rank differs from rank 0.</summary>
    public string Fact { get; }

    /// <summary>The ranks whose value of <see cref="Fact"/> differs from rank 0's, in increasing order.</summary>
    public IReadOnlyList<int> Ranks { get; }
}
