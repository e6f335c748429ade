using System;
using System.Diagnostics.CodeAnalysis;

namespace Nabla.Distributed;

/// <summary>
/// One rank alone: sums and broadcasts leave the data as it is, the barrier returns at once, and
/// <see cref="Abort"/> writes its message and exits the process. What a program uses when it is not started by
/// <c>mpirun</c>, so the same code runs with or without MPI.
/// </summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    /// <summary>The shared instance (it holds no state).</summary>
    public static SingleProcessCommunicator Instance { get; } = new();

    private SingleProcessCommunicator() { }

    /// <inheritdoc/>
    public int Rank => 0;
    /// <inheritdoc/>
    public int Size => 1;
    /// <inheritdoc/>
    public string Description => "single process";
    /// <inheritdoc/>
    public void AllReduceSum(Span<float> values) { }
    /// <inheritdoc/>
    public void AllReduceSum(Span<double> values) { }
    /// <inheritdoc/>
    public void Broadcast(Span<byte> data, int root) => CheckRoot(root);
    /// <inheritdoc/>
    public void Broadcast(Span<float> data, int root) => CheckRoot(root);
    /// <inheritdoc/>
    public void Barrier() { }

    /// <inheritdoc/>
    [DoesNotReturn]
    public void Abort(string message, int exitCode = 2)
    {
        Console.Error.WriteLine(message);
        Environment.Exit(exitCode);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Nothing to release.</summary>
    public void Dispose() { }

    private static void CheckRoot(int root)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "A single process has only rank 0.");
    }
}
