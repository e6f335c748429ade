using System;
using Nabla.Runtime;

namespace Nabla.Tests.Support;

/// <summary>
/// Sets <see cref="Parallelism.MaxThreads"/> for a block and restores the previous value when it ends, even when the block
/// throws: <c>using (ThreadCount.Set(2)) { … }</c>.
/// </summary>
public readonly struct ThreadCount : IDisposable
{
    private readonly int _saved;

    private ThreadCount(int saved) { _saved = saved; }

    /// <summary>Sets the thread count to <paramref name="threads"/> until the returned scope is disposed.</summary>
    public static ThreadCount Set(int threads)
    {
        var scope = new ThreadCount(Parallelism.MaxThreads);
        Parallelism.MaxThreads = threads;
        return scope;
    }

    /// <summary>Restores the thread count the scope found.</summary>
    public void Dispose() => Parallelism.MaxThreads = _saved;
}
