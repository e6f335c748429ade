using System;
using System.Diagnostics.CodeAnalysis;

namespace Nabla.Distributed;

/// <summary>
/// The collective operations data-parallel training and parallel search need, over a fixed group of processes
/// ("ranks" 0 … <see cref="Size"/> − 1). Every rank must call the same collectives in the same order with the same
/// lengths (as in MPI); a collective returns on a rank once every rank has entered it. Implementations:
/// <see cref="SingleProcessCommunicator"/> (one rank; every collective is a no-op) and <see cref="MpiCommunicator"/>
/// (the processes of one <c>mpirun</c>). <see cref="Communicator.FromEnvironment"/> picks one.
/// Not thread-safe: call it from one thread.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's rank, 0 … <see cref="Size"/> − 1. Rank 0 prints and writes files.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int Size { get; }

    /// <summary>What carries the collectives, for logs: <c>single process</c>, <c>Open MPI 4.1.4 (libmpi.so.40)</c>.</summary>
    string Description { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over all ranks (in place).</summary>
    void AllReduceSum(Span<float> values);

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over all ranks (in place).</summary>
    void AllReduceSum(Span<double> values);

    /// <summary>Copies <paramref name="data"/> of rank <paramref name="root"/> into <paramref name="data"/> on every other rank (same length everywhere).</summary>
    void Broadcast(Span<byte> data, int root);

    /// <summary>Copies <paramref name="data"/> of rank <paramref name="root"/> into <paramref name="data"/> on every other rank (same length everywhere).</summary>
    void Broadcast(Span<float> data, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();

    /// <summary>
    /// Ends every rank's process: writes <paramref name="message"/> (prefixed with this rank) to standard error and
    /// makes the launcher stop the others, with exit code <paramref name="exitCode"/>. For errors one rank meets alone,
    /// where the others would otherwise wait in a collective forever.
    /// </summary>
    [DoesNotReturn]
    void Abort(string message, int exitCode = 2);
}
