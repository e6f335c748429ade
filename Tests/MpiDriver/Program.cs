using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Nabla.Distributed;

namespace Nabla.MpiDriver;

/// <summary>
/// One scenario per run, named by the first argument; every rank runs the same scenario. Lines on standard output are
/// what the tests read (<c>ok rank=R size=S</c>); a wrong value aborts the whole job with a message and exit code 1.
/// </summary>
public static class Program
{
    /// <summary>Runs the scenario named by <paramref name="args"/>[0].</summary>
    public static int Main(string[] args)
    {
        var scenario = args.Length > 0 ? args[0] : "";
        return scenario switch
        {
            "collectives" => Collectives(),
            "mismatch" => Mismatch(),
            "die" => Die(),
            "stuck" => Stuck(),
            "stuck-at-end" => StuckAtEnd(),
            "abort" => AbortScenario(),
            "bad-length" => BadLength(),
            "bench" => Bench(args.Skip(1).ToArray()),
            _ => Usage(scenario),
        };
    }

    private static int Usage(string scenario)
    {
        Console.Error.WriteLine($"Unknown scenario \"{scenario}\"; use one of: collectives, mismatch, die, stuck, stuck-at-end, abort, bad-length, bench [repetitions].");
        return 64;
    }

    /// <summary>Every collective with values whose sums are exact, spans longer than one MPI call, roots other than 0.</summary>
    private static int Collectives()
    {
        // Small calls, so the chunking of long spans is exercised (2,500 elements = 3 calls of at most 1,000).
        using var comm = Communicator.FromEnvironment(new MpiOptions { MaxElementsPerCall = 1000 });
        int rank = comm.Rank, size = comm.Size;
        if (rank == 0) Console.WriteLine($"description={comm.Description} launched_by_mpi={Communicator.LaunchedByMpi}");

        // Float sums of small integers and halves are exact in any order.
        foreach (var n in new[] { 1, 1000, 2500, 15210 })
        {
            var values = new float[n];
            for (int i = 0; i < n; i++) values[i] = (rank + 1) * (i % 97) + 0.5f * rank;
            comm.AllReduceSum(values);
            for (int i = 0; i < n; i++)
            {
                float expected = 0;
                for (int r = 0; r < size; r++) expected += (r + 1) * (i % 97) + 0.5f * r;
                if (values[i] != expected) Fail(comm, $"AllReduceSum(float[{n}])[{i}] = {values[i]}, expected {expected}");
            }
        }

        // Doubles beyond float precision (integers up to 2^40: exact in double, not in float).
        {
            const int n = 2500;
            var values = new double[n];
            for (int i = 0; i < n; i++) values[i] = 1e12 + i * 1_000_003.0 + rank;
            comm.AllReduceSum(values);
            for (int i = 0; i < n; i++)
            {
                double expected = 0;
                for (int r = 0; r < size; r++) expected += 1e12 + i * 1_000_003.0 + r;
                if (values[i] != expected) Fail(comm, $"AllReduceSum(double[{n}])[{i}] = {values[i]:R}, expected {expected:R}");
            }
        }

        var root = size > 1 ? 1 : 0;
        {
            var bytes = new byte[2500];
            if (rank == root) for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i * 7 + 3);
            comm.Broadcast(bytes, root);
            for (int i = 0; i < bytes.Length; i++)
                if (bytes[i] != (byte)(i * 7 + 3)) Fail(comm, $"Broadcast(byte[2500], root {root})[{i}] = {bytes[i]}, expected {(byte)(i * 7 + 3)}");
        }
        {
            var floats = new float[1500];
            if (rank == root) for (int i = 0; i < floats.Length; i++) floats[i] = i * 0.25f - 7;
            else Array.Fill(floats, float.NaN);
            comm.Broadcast(floats, root);
            for (int i = 0; i < floats.Length; i++)
                if (floats[i] != i * 0.25f - 7) Fail(comm, $"Broadcast(float[1500], root {root})[{i}] = {floats[i]}, expected {i * 0.25f - 7}");
        }

        comm.Barrier();

        // Different lengths per rank, rank 0's empty.
        {
            var mine = Enumerable.Range(0, 5 * rank).Select(i => (byte)(rank * 31 + i)).ToArray();
            var all = comm.AllGather(mine);
            if (all.Length != size) Fail(comm, $"AllGather returned {all.Length} arrays for {size} ranks");
            for (int r = 0; r < size; r++)
            {
                var expected = Enumerable.Range(0, 5 * r).Select(i => (byte)(r * 31 + i)).ToArray();
                if (!all[r].AsSpan().SequenceEqual(expected)) Fail(comm, $"AllGather: rank {r}'s bytes arrived as [{string.Join(",", all[r])}], expected [{string.Join(",", expected)}]");
            }
            var names = comm.AllGather($"rank {rank} ünïcode");
            for (int r = 0; r < size; r++)
                if (names[r] != $"rank {r} ünïcode") Fail(comm, $"AllGather(string): rank {r}'s string arrived as \"{names[r]}\"");
            var numbers = comm.AllGather(rank + 0.1);
            for (int r = 0; r < size; r++)
                if (numbers[r] != r + 0.1) Fail(comm, $"AllGather(double): rank {r}'s number arrived as {numbers[r]:R}");
            var total = comm.AllReduceSum(rank + 1.0);
            if (total != size * (size + 1) / 2.0) Fail(comm, $"AllReduceSum(double) = {total}, expected {size * (size + 1) / 2.0}");
            var run = comm.BroadcastString(rank == root ? "run-2026-12-06 ✓" : null, root);
            if (run != "run-2026-12-06 ✓") Fail(comm, $"BroadcastString from rank {root} arrived as \"{run}\"");
        }

        comm.CheckSame("Collectives scenario", new KeyValuePair<string, string>[] { new("model signature", "mlp 40-100-10"), new("samples", "4000") });

        if (comm is MpiCommunicator mpi)
        {
            // One MpiCommunicator per process: a second Create is refused while it lives and after it finalized MPI.
            if (!ReferenceEquals(MpiCommunicator.Current, mpi)) Fail(comm, "MpiCommunicator.Current is not the live communicator");
            Expect<InvalidOperationException>(comm, () => MpiCommunicator.Create(), "An MpiCommunicator already exists in this process");
            comm.Barrier();
            mpi.Dispose();
            mpi.Dispose(); // idempotent
            if (MpiCommunicator.Current is not null) Fail(comm, "MpiCommunicator.Current is not null after Dispose");
            Expect<InvalidOperationException>(comm, () => MpiCommunicator.Create(), "MPI cannot be initialized twice in one process");
            Expect<ObjectDisposedException>(comm, () => mpi.AllReduceSum(new float[3]), "MPI is finalized");
        }

        Console.WriteLine($"ok rank={rank} size={size}");
        return 0;
    }

    private static void Expect<T>(ICommunicator comm, Action action, string messagePart) where T : Exception
    {
        try
        {
            action();
        }
        catch (T e) when (e.Message.Contains(messagePart))
        {
            return;
        }
        catch (Exception e)
        {
            Fail(comm, $"expected {typeof(T).Name} with \"{messagePart}\", got {e.GetType().Name}: {e.Message}");
        }
        Fail(comm, $"expected {typeof(T).Name} with \"{messagePart}\", got no exception");
    }

    /// <summary>Rank 1's data size differs: every rank must throw the same exception and exit 3.</summary>
    private static int Mismatch()
    {
        using var comm = Communicator.FromEnvironment();
        var facts = new KeyValuePair<string, string>[]
        {
            new("model signature", "mlp 40-100-10 relu softmax-cross-entropy"),
            new("training samples", comm.Rank == 1 ? "4001" : "4000"),
            new("seed", "1"),
        };
        try
        {
            comm.CheckSame("Data-parallel training", facts);
        }
        catch (DistributedMismatchException e)
        {
            Console.Error.WriteLine($"rank {comm.Rank}: {e.Message}");
            return 3;
        }
        Console.WriteLine($"no mismatch seen by rank {comm.Rank}");
        return 0;
    }

    /// <summary>Rank 1 exits abruptly before a collective; rank 0 waits in it (with the default 5-minute timeout).</summary>
    private static int Die()
    {
        var comm = Communicator.FromEnvironment();
        if (comm.Rank == 1)
        {
            Console.Error.WriteLine("rank 1: exiting abruptly with code 5");
            Environment.Exit(5);
        }
        comm.AllReduceSum(new float[15210]);
        Console.WriteLine($"rank {comm.Rank}: the allreduce returned although rank 1 died");
        comm.Dispose();
        return 0;
    }

    /// <summary>Rank 1 sleeps forever before a collective; rank 0's watchdog must abort the job (NABLA_MPI_TIMEOUT_S).</summary>
    private static int Stuck()
    {
        var comm = Communicator.FromEnvironment();
        if (comm.Rank == 1) Thread.Sleep(Timeout.Infinite);
        comm.AllReduceSum(new float[15210]);
        Console.WriteLine($"rank {comm.Rank}: the allreduce returned although rank 1 is stuck");
        comm.Dispose();
        return 0;
    }

    /// <summary>Rank 1 sleeps forever instead of finalizing; rank 0's MPI_Finalize (in Dispose) is watched too.</summary>
    private static int StuckAtEnd()
    {
        var comm = Communicator.FromEnvironment();
        comm.Barrier();
        if (comm.Rank == 1) Thread.Sleep(Timeout.Infinite);
        comm.Dispose();
        Console.WriteLine($"rank {comm.Rank}: finalized although rank 1 is stuck");
        return 0;
    }

    /// <summary>
    /// Rank 1 receives a broadcast into a shorter buffer than the root sends: the library's error code comes back as an
    /// MpiException on rank 1 (printed; exit 4), the root's eager send completes.
    /// </summary>
    private static int BadLength()
    {
        using var comm = Communicator.FromEnvironment();
        try
        {
            comm.Broadcast(new byte[comm.Rank == 1 ? 5 : 10], 0);
        }
        catch (MpiException e)
        {
            Console.Error.WriteLine($"rank {comm.Rank}: {e.Message}");
            return 4;
        }
        return 0;
    }

    /// <summary>Rank 1 meets a bad file and aborts the job; rank 0 waits in a barrier meanwhile.</summary>
    private static int AbortScenario()
    {
        var comm = Communicator.FromEnvironment();
        if (comm.Rank == 1) comm.Abort("bad data file x.csv", 2);
        comm.Barrier();
        Console.WriteLine($"rank {comm.Rank}: the barrier returned although rank 1 aborted");
        comm.Dispose();
        return 0;
    }

    /// <summary>Median time of an in-place float allreduce of 15,210 and 1,800,000 elements (the barrier before each is not timed).</summary>
    private static int Bench(string[] args)
    {
        var repetitions = args.Length > 0 ? int.Parse(args[0]) : 200;
        using var comm = Communicator.FromEnvironment();
        if (comm.Rank == 0) Console.WriteLine($"{comm.Description}, {comm.Size} ranks, {repetitions} repetitions after 20 of warm-up");
        foreach (var n in new[] { 15210, 1_800_000 })
        {
            var values = new float[n];
            for (int i = 0; i < n; i++) values[i] = i % 13;
            var times = new double[repetitions];
            for (int k = -20; k < repetitions; k++)
            {
                comm.Barrier();
                var start = Stopwatch.GetTimestamp();
                comm.AllReduceSum(values);
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (k >= 0) times[k] = ms;
                Array.Fill(values, 1f); // keep the values finite
            }
            Array.Sort(times);
            if (comm.Rank == 0)
                Console.WriteLine($"allreduce floats={n} median_ms={times[repetitions / 2]:0.000} p10_ms={times[repetitions / 10]:0.000} p90_ms={times[repetitions * 9 / 10]:0.000}");
        }
        return 0;
    }

    private static void Fail(ICommunicator comm, string message) => comm.Abort($"FAIL {message}", 1);
}
