using System;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Nabla.Distributed;

namespace Nabla.Tests.Distributed;

/// <summary>
/// A group of in-process ranks, one thread each, whose collectives meet at a shared barrier: lets the helpers built
/// on <see cref="ICommunicator"/> (AllGather, CheckSame) be tested with several ranks without MPI. Sums run in rank
/// order; a broadcast of a different length on some rank throws (as it would be a protocol error under MPI).
/// </summary>
internal sealed class ThreadGroup
{
    private readonly Barrier _barrier;
    private readonly object?[] _slots;
    private readonly CancellationTokenSource _failed = new();

    private ThreadGroup(int size)
    {
        _barrier = new Barrier(size);
        _slots = new object?[size];
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="size"/> ranks at once and returns each rank's result (or exception).</summary>
    public static (T? Value, Exception? Error)[] Run<T>(int size, Func<ICommunicator, T> body)
    {
        var group = new ThreadGroup(size);
        var tasks = Enumerable.Range(0, size).Select(rank => Task.Factory.StartNew<(T? Value, Exception? Error)>(() =>
        {
            try { return (body(new Member(group, rank)), null); }
            catch (Exception e)
            {
                // A rank that ends with an exception releases the others from the barrier (they see a cancellation)
                // unless they are done: a test of "every rank throws" then fails fast instead of timing out.
                group._failed.Cancel();
                return (default, e);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        // Only a stuck rank takes this long: a group (a few training steps per rank) takes seconds
        // quiet, but far longer on a CI machine loaded by parallel builds, where 30 s was once not enough.
        if (!Task.WaitAll(tasks, TimeSpan.FromSeconds(150))) throw new TimeoutException("A rank of the thread group is stuck in a collective.");
        return tasks.Select(t => t.Result).ToArray();
    }

    private sealed class Member(ThreadGroup group, int rank) : ICommunicator
    {
        public int Rank => rank;
        public int Size => group._slots.Length;
        public string Description => $"thread group of {Size}";

        public void AllReduceSum(Span<float> values) => AllReduce(values);
        public void AllReduceSum(Span<double> values) => AllReduce(values);

        // Every rank sums the deposited copies in rank order, so all get the same bits.
        private void AllReduce<T>(Span<T> values) where T : System.Numerics.INumber<T>
        {
            group._slots[rank] = values.ToArray();
            group._barrier.SignalAndWait(group._failed.Token);
            for (int i = 0; i < values.Length; i++)
            {
                T sum = T.Zero;
                foreach (var slot in group._slots) sum += ((T[])slot!)[i];
                values[i] = sum;
            }
            group._barrier.SignalAndWait(group._failed.Token);
        }

        public void Broadcast(Span<byte> data, int root) => Broadcast<byte>(data, root);
        public void Broadcast(Span<float> data, int root) => Broadcast<float>(data, root);

        private void Broadcast<T>(Span<T> data, int root)
        {
            group._slots[rank] = data.ToArray();
            group._barrier.SignalAndWait(group._failed.Token);
            var source = (T[])group._slots[root]!;
            var length = source.Length;
            group._barrier.SignalAndWait(group._failed.Token);
            if (length != data.Length) throw new InvalidOperationException($"rank {rank} broadcast {data.Length} elements, root {root} {length}");
            source.CopyTo(data);
        }

        public void Barrier() => group._barrier.SignalAndWait(group._failed.Token);
        [DoesNotReturn] public void Abort(string message, int exitCode = 2) => throw new InvalidOperationException($"rank {rank}: {message}");
        public void Dispose() { }
    }
}
