using System;
using System.Threading;

namespace Nabla.Runtime;

/// <summary>Process-wide threading settings for the runtime kernels.</summary>
public static class Parallelism
{
    private static int _maxThreads = Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// Largest number of threads one kernel call may use, counting the calling thread. Defaults to
    /// <see cref="Environment.ProcessorCount"/>; 1 runs everything on the calling thread. Results never depend on
    /// this setting: work is split so that every output element is computed by the same operations in the same order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above 256.</exception>
    public static int MaxThreads
    {
        get => Volatile.Read(ref _maxThreads);
        set
        {
            if (value < 1 || value > 256)
                throw new ArgumentOutOfRangeException(nameof(value), value, "Parallelism.MaxThreads must be between 1 and 256.");
            Volatile.Write(ref _maxThreads, value);
        }
    }
}

/// <summary>Work that a <see cref="WorkerPool"/> splits into <c>parts</c> independent pieces.</summary>
internal interface IParallelWork
{
    /// <summary>Runs piece <paramref name="part"/> of <paramref name="parts"/>; pieces must not write the same memory.</summary>
    void Execute(int part, int parts);
}

/// <summary>
/// A persistent pool: worker threads are created once, spin for a short while after each job (so back-to-back kernel
/// calls of a training step find them awake), then block on a semaphore. One caller owns the pool at a time; a caller
/// that finds it busy runs every piece itself, which gives the same result because pieces are independent.
/// Pieces are claimed dynamically (caller and workers take the next unclaimed index), so a worker that is slow to
/// wake — the machine may be oversubscribed — never makes the caller wait for work nobody started; the partition
/// itself is fixed, so results do not depend on who ran which piece. Posting a job allocates nothing. A spinning
/// worker writes a heartbeat, so a caller can tell whether it is on a CPU now (<see cref="Ready"/>) and run a small job
/// alone when it is not (asleep, or preempted on an oversubscribed machine).
/// </summary>
internal static class WorkerPool
{
    /// <summary>How long an idle worker spins before it blocks (wall time: a worker preempted while spinning blocks sooner).</summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5000; // 200 µs

    /// <summary>A spinning worker whose last heartbeat is older than this is not on a CPU now (preempted).</summary>
    private static readonly long FreshTicks = System.Diagnostics.Stopwatch.Frequency / 50000; // 20 µs

    private static Worker[] _workers = Array.Empty<Worker>();
    private static int _busy;
    private static long _next;     // (generation << 32) | next unclaimed piece
    private static int _done;      // pieces finished in the current generation
    private static int _generation;
    private static Exception? _error;
    private static readonly object Grow = new();

    /// <summary>Tries to take the pool for the calling thread; false if another call holds it.</summary>
    public static bool TryAcquire() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    /// <summary>
    /// <see cref="TryAcquire()"/> for a job on <paramref name="threads"/> threads, creating the workers first even when the
    /// pool is busy: otherwise a caller that only ever found the pool busy while warming up would create them (and
    /// allocate) on a later call — a training step would allocate once after warm-up.
    /// </summary>
    public static bool TryAcquire(int threads)
    {
        if (threads > 1) EnsureWorkers(threads - 1);
        return TryAcquire();
    }

    public static void Release() => Volatile.Write(ref _busy, 0);

    /// <summary>
    /// Whether <paramref name="threads"/> − 1 workers can be expected to join a job now: every one of them is spinning
    /// on a CPU (its heartbeat is fresh). When not, the caller should run a small job alone: posting it would cost the
    /// wake-up and the split (each part packs its shared operand again) and gain nothing, since a worker that is asleep
    /// or preempted arrives after the caller is done. Nothing is woken here: a worker woken for nothing would spin and,
    /// on a loaded machine, take CPU time from the caller (measured: b32 steps 30 % slower). Which thread runs which
    /// part never changes a result, so this only decides speed.
    /// </summary>
    public static bool Ready(int threads)
    {
        Worker[] ws = EnsureWorkers(threads - 1);
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        bool ready = true;
        for (int w = 0; w < threads - 1; w++)
            if (!ws[w].Fresh(now)) ready = false;
        return ready;
    }

    /// <summary>
    /// Runs <paramref name="parts"/> pieces on the calling thread and up to <paramref name="threads"/> − 1 workers.
    /// The caller must hold the pool (<see cref="TryAcquire(int)"/>).
    /// </summary>
    public static void RunAcquired(IParallelWork work, int parts, int threads)
    {
        if (parts <= 1 || threads <= 1)
        {
            for (int p = 0; p < parts; p++) work.Execute(p, parts);
            return;
        }
        Worker[] workers = EnsureWorkers(threads - 1);
        int gen = unchecked(++_generation);
        _error = null;
        Volatile.Write(ref _done, 0);
        Volatile.Write(ref _next, (long)gen << 32);
        for (int w = 0; w < threads - 1; w++) workers[w].Post(work, gen, parts);
        Exception? mine = null;
        try { Participate(work, gen, parts); }
        catch (Exception e) { mine = e; }
        var spin = new SpinWait();
        while (Volatile.Read(ref _done) < parts) spin.SpinOnce(sleep1Threshold: -1);
        if (mine != null) throw mine;
        if (_error != null) throw new AggregateException("A runtime worker thread failed.", _error);
    }

    /// <summary>Claims and runs pieces of generation <paramref name="gen"/> until none is left.</summary>
    private static void Participate(IParallelWork work, int gen, int parts, Worker? worker = null)
    {
        while (true)
        {
            long v = Volatile.Read(ref _next);
            if ((int)(v >> 32) != gen || (int)v >= parts) return;
            if (Interlocked.CompareExchange(ref _next, v + 1, v) != v) continue;
            try { work.Execute((int)v, parts); }
            finally
            {
                worker?.Beat(); // before the caller can see the job done and ask whether this worker is ready
                Interlocked.Increment(ref _done);
            }
        }
    }

    /// <summary>Runs the pieces on up to <paramref name="threads"/> threads, or all on the calling thread if the pool is busy.</summary>
    public static void Run(IParallelWork work, int parts, int threads)
    {
        if (parts > 1 && threads > 1 && TryAcquire(threads))
        {
            try { RunAcquired(work, parts, threads); }
            finally { Release(); }
        }
        else
        {
            for (int p = 0; p < parts; p++) work.Execute(p, parts);
        }
    }

    private static Worker[] EnsureWorkers(int count)
    {
        Worker[] ws = _workers;
        if (ws.Length >= count) return ws;
        lock (Grow)
        {
            ws = _workers;
            if (ws.Length >= count) return ws;
            var grown = new Worker[count];
            Array.Copy(ws, grown, ws.Length);
            for (int i = ws.Length; i < count; i++) grown[i] = new Worker(i + 1);
            _workers = grown;
            return grown;
        }
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _wake = new(0);
        private IParallelWork? _work;
        private int _gen, _parts;
        private long _posted;
        private int _sleeping;
        private long _beat;

        /// <summary>Spinning (not blocked) and on a CPU within the last <see cref="FreshTicks"/>.</summary>
        public bool Fresh(long now) => Volatile.Read(ref _sleeping) == 0 && now - Volatile.Read(ref _beat) < FreshTicks;

        /// <summary>Records that the worker is on a CPU now.</summary>
        public void Beat() => Volatile.Write(ref _beat, System.Diagnostics.Stopwatch.GetTimestamp());

        public Worker(int index)
        {
            var t = new Thread(Loop, 256 * 1024) { IsBackground = true, Name = $"Nabla runtime worker {index}" };
            t.Start();
        }

        /// <summary>Publishes a job with a sequence lock: odd while the fields change, even when they are consistent.</summary>
        public void Post(IParallelWork work, int gen, int parts)
        {
            Interlocked.Increment(ref _posted);
            _work = work; _gen = gen; _parts = parts;
            Interlocked.Increment(ref _posted);
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Release();
        }

        private void Loop()
        {
            long seen = 0;
            while (true)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                Volatile.Write(ref _beat, start);
                int n = 0;
                while (Volatile.Read(ref _posted) == seen)
                {
                    if (++n < 4) { Thread.SpinWait(8); continue; } // SpinWait(8) is about 0.5 µs here: a heartbeat every ~2 µs
                    n = 0;
                    long now = System.Diagnostics.Stopwatch.GetTimestamp();
                    Volatile.Write(ref _beat, now);
                    if (now - start < SpinTicks) continue;
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Volatile.Read(ref _posted) != seen)
                    {
                        // A post raced with going to sleep: if the poster saw us asleep it released the semaphore; consume it.
                        if (Interlocked.Exchange(ref _sleeping, 0) == 0) _wake.Wait();
                        break;
                    }
                    _wake.Wait();
                    start = System.Diagnostics.Stopwatch.GetTimestamp();
                }
                // Read a consistent snapshot of the job; a newer post may be under way, then retry.
                long seq = Volatile.Read(ref _posted);
                if ((seq & 1) != 0) { Thread.SpinWait(1); continue; }
                IParallelWork? work = _work;
                int gen = _gen, parts = _parts;
                if (Volatile.Read(ref _posted) != seq) continue;
                seen = seq;
                if (work == null) continue;
                try { Participate(work, gen, parts, this); }
                catch (Exception e) { _error = e; }
            }
        }
    }
}
