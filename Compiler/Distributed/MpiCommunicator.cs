using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading;

namespace Nabla.Distributed;

/// <summary>
/// The processes of one <c>mpirun</c>/<c>mpiexec</c> job (MPI_COMM_WORLD), over the system's MPI library through a thin
/// layer of unmanaged function pointers (Open MPI, or the MPICH family with <see cref="MpiOptions.Library"/> set).
/// Create it with <see cref="Create"/> (or <see cref="Communicator.FromEnvironment"/>), once per process, and dispose it
/// at the end (that calls <c>MPI_Finalize</c>; a process that exits without it makes <c>mpirun</c> report an error).
/// <para>
/// No hang: a collective that has not completed after <see cref="MpiOptions.CollectiveTimeout"/> means another rank
/// has died or is stuck; this rank then writes one line to standard error (<c>rank 0: MPI_Allreduce of 15210 floats
/// waited 30 s for the other ranks; a rank has died or is stuck. Aborting the job.</c>) and aborts the whole job with
/// exit code <see cref="TimeoutExitCode"/>. The watch is one background thread that wakes up to once a second and looks
/// at a timestamp each collective sets and clears: a collective pays a clock read and a few memory writes, no thread
/// start. <see cref="Dispose"/>'s <c>MPI_Finalize</c> is watched the same way.
/// </para>
/// <para>
/// Call it from one thread at a time (MPI is initialized with <c>MPI_THREAD_SERIALIZED</c>). Errors come back as
/// return codes (the communicator's error handler is set to <c>MPI_ERRORS_RETURN</c>) and become
/// <see cref="MpiException"/>s naming the call, the code and the library's text.
/// </para>
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    /// <summary>The exit code of a job aborted because a collective timed out: 124, as GNU <c>timeout</c>'s.</summary>
    public const int TimeoutExitCode = 124;

    private static readonly object s_gate = new();
    private static MpiCommunicator? s_current;
    private static bool s_finalized;

    private readonly MpiLibrary _mpi;
    private readonly bool _ownsInit;
    private readonly int _maxPerCall;
    private readonly TimeSpan _timeout;
    private readonly Thread? _watchdog;
    private readonly ManualResetEventSlim _stopWatchdog = new(false);
    private int _disposed;
    private int _unwatched; // open WithoutTimeout scopes

    // What the current collective is, for the watchdog: written before _enteredAt (a volatile write publishes them).
    private long _enteredAt; // Stopwatch timestamp; 0 when no collective is under way
    private string _call = "";
    private long _count;
    private string _unit = "";

    private MpiCommunicator(MpiLibrary mpi, bool ownsInit, int rank, int size, TimeSpan timeout, int maxPerCall)
    {
        _mpi = mpi;
        _ownsInit = ownsInit;
        Rank = rank;
        Size = size;
        _timeout = timeout;
        _maxPerCall = maxPerCall;
        Description = $"{mpi.Version()} ({mpi.Name})";
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            _watchdog = new Thread(Watch) { IsBackground = true, Name = "Nabla MPI collective watchdog" };
            _watchdog.Start();
        }
    }

    /// <summary>
    /// Loads the MPI library, initializes MPI (unless something else in the process already did) and returns the
    /// communicator over every rank of the job. MPI can be initialized only once per process, so there is one
    /// <see cref="MpiCommunicator"/> per process: a second call while it is alive, or any call after it was
    /// disposed, throws <see cref="InvalidOperationException"/> (share <see cref="Current"/> instead).
    /// </summary>
    /// <exception cref="MpiException">The library cannot be loaded, is not MPI, or <c>MPI_Init_thread</c> fails.</exception>
    public static MpiCommunicator Create(MpiOptions? options = null)
    {
        options ??= new MpiOptions();
        var library = options.ResolvedLibrary();
        var timeout = options.ResolvedTimeout();
        if (options.MaxElementsPerCall <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxElementsPerCall, "MpiOptions.MaxElementsPerCall must be positive.");
        lock (s_gate)
        {
            if (s_current is { } live)
                throw new InvalidOperationException(
                    $"An MpiCommunicator already exists in this process (rank {live.Rank} of {live.Size}); MPI can be initialized once per process, so share that instance (MpiCommunicator.Current).");
            if (s_finalized)
                throw new InvalidOperationException("MPI was finalized in this process when its MpiCommunicator was disposed; MPI cannot be initialized twice in one process.");

            var mpi = MpiLibrary.Load(library, options.Abi);
            int flag = 0;
            Check(mpi, mpi.Finalized(&flag), "MPI_Finalized");
            if (flag != 0) throw new InvalidOperationException("MPI was already finalized in this process; it cannot be initialized again.");
            Check(mpi, mpi.Initialized(&flag), "MPI_Initialized");
            var ownsInit = flag == 0;
            if (ownsInit)
            {
                int provided = 0;
                var rc = mpi.InitThread(null, null, MpiLibrary.ThreadSerialized, &provided);
                if (rc != 0) throw new MpiException("MPI_Init_thread", rc, null);
            }
            Check(mpi, mpi.CommSetErrhandler(mpi.CommWorld, mpi.ErrorsReturn), "MPI_Comm_set_errhandler");
            int rank = 0, size = 0;
            Check(mpi, mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
            Check(mpi, mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
            s_current = new MpiCommunicator(mpi, ownsInit, rank, size, timeout, options.MaxElementsPerCall);
            return s_current;
        }
    }

    /// <summary>The live communicator of this process, or null when none was created or it was disposed.</summary>
    public static MpiCommunicator? Current
    {
        get { lock (s_gate) return s_current; }
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <summary>The library's version line and file, e.g. <c>Open MPI v4.1.4 (libmpi.so.40)</c>.</summary>
    public string Description { get; }

    /// <summary>The binary interface in use (<see cref="MpiAbi.OpenMpi"/> or <see cref="MpiAbi.Mpich"/>).</summary>
    public MpiAbi Abi => _mpi.Abi;

    /// <summary>The collective timeout in force after the environment override (<see cref="Timeout.InfiniteTimeSpan"/> for none).</summary>
    public TimeSpan CollectiveTimeout => _timeout;

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> values) => AllReduce(values, _mpi.Float, "floats");

    /// <inheritdoc/>
    public void AllReduceSum(Span<double> values) => AllReduce(values, _mpi.Double, "doubles");

    /// <inheritdoc/>
    public void Broadcast(Span<byte> data, int root) => Broadcast(data, root, _mpi.Byte, "bytes");

    /// <inheritdoc/>
    public void Broadcast(Span<float> data, int root) => Broadcast(data, root, _mpi.Float, "floats");

    // One in-place allreduce of a span of MPI type `type`, watched, in chunks of at most MaxElementsPerCall.
    private void AllReduce<T>(Span<T> values, nint type, string unit) where T : unmanaged
    {
        ThrowIfDisposed();
        if (values.IsEmpty) return;
        Enter("MPI_Allreduce", values.Length, unit);
        try
        {
            fixed (T* p = values) AllReduceInPlace(p, values.Length, sizeof(T), type);
        }
        finally { Leave(); }
    }

    // One broadcast from `root` of a span of MPI type `type`, watched, in chunks of at most MaxElementsPerCall.
    private void Broadcast<T>(Span<T> data, int root, nint type, string unit) where T : unmanaged
    {
        ThrowIfDisposed();
        CheckRoot(root);
        if (data.IsEmpty) return;
        Enter("MPI_Bcast", data.Length, unit);
        try
        {
            fixed (T* p = data) BroadcastChunks(p, data.Length, sizeof(T), type, root);
        }
        finally { Leave(); }
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        ThrowIfDisposed();
        Enter("MPI_Barrier", -1, "");
        try { Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier"); }
        finally { Leave(); }
    }

    /// <summary>
    /// Writes <c>rank R: </c><paramref name="message"/> as one line to standard error and calls <c>MPI_Abort</c> on
    /// MPI_COMM_WORLD with <paramref name="exitCode"/>: <c>mpirun</c> then ends every rank and exits with that code
    /// (Open MPI also prints its own MPI_ABORT notice). After <see cref="Dispose"/> it exits this process only.
    /// </summary>
    [DoesNotReturn]
    public void Abort(string message, int exitCode = 2)
    {
        WriteLine($"rank {Rank}: {message}");
        if (Volatile.Read(ref _disposed) == 0) _mpi.Abort(_mpi.CommWorld, exitCode);
        Environment.Exit(exitCode);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>
    /// Calls <c>MPI_Finalize</c> (when this communicator initialized MPI) and stops the watchdog, once; later calls do
    /// nothing. MPI_Finalize synchronizes with the other ranks, so call it on every rank; it is watched like a
    /// collective (a rank that never gets there makes the others abort after the timeout).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            lock (s_gate)
            {
                s_current = null;
                if (!_ownsInit) return;
                s_finalized = true;
                // MPI_Finalize synchronizes with the other ranks: watched like a collective, so a stuck rank cannot hang it.
                Enter("MPI_Finalize", -1, "");
                int rc;
                try { rc = _mpi.Finalize(); }
                finally { Leave(); }
                Check(rc, "MPI_Finalize");
            }
        }
        finally { _stopWatchdog.Set(); }
    }

    /// <summary>MPI_Allreduce in place over <paramref name="length"/> elements, at most <see cref="MpiOptions.MaxElementsPerCall"/> a call.</summary>
    private void AllReduceInPlace(void* data, int length, int elementSize, nint type)
    {
        for (int offset = 0; offset < length;)
        {
            var count = Math.Min(_maxPerCall, length - offset);
            Check(_mpi.Allreduce(_mpi.InPlace, (byte*)data + (long)offset * elementSize, count, type, _mpi.Sum, _mpi.CommWorld), "MPI_Allreduce");
            offset += count; // never past length, so never overflows
        }
    }

    /// <summary>MPI_Bcast of <paramref name="length"/> elements, at most <see cref="MpiOptions.MaxElementsPerCall"/> a call.</summary>
    private void BroadcastChunks(void* data, int length, int elementSize, nint type, int root)
    {
        for (int offset = 0; offset < length;)
        {
            var count = Math.Min(_maxPerCall, length - offset);
            Check(_mpi.Bcast((byte*)data + (long)offset * elementSize, count, type, root, _mpi.CommWorld), "MPI_Bcast");
            offset += count;
        }
    }

    /// <summary>
    /// A scope in which collectives (and <see cref="Dispose"/>'s MPI_Finalize) wait as long as it takes, without
    /// <see cref="CollectiveTimeout"/>: for waits that are long by design, such as ranks that finished their share of a
    /// search waiting for a long trial on another rank, or ranks waiting for rank 0 to write its files. A rank that dies
    /// meanwhile still ends the job through <c>mpirun</c>. Dispose the scope to restore the timeout.
    /// </summary>
    public IDisposable WithoutTimeout()
    {
        Interlocked.Increment(ref _unwatched);
        return new Unwatched(this);
    }

    private sealed class Unwatched(MpiCommunicator owner) : IDisposable
    {
        private int _done;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref owner._unwatched); }
    }

    private void Enter(string call, long count, string unit)
    {
        if (Volatile.Read(ref _unwatched) > 0) return; // a long wait by design: not watched
        _call = call;
        _count = count;
        _unit = unit;
        Volatile.Write(ref _enteredAt, Stopwatch.GetTimestamp());
    }

    private void Leave() => Volatile.Write(ref _enteredAt, 0);

    private void Watch()
    {
        var timeout = _timeout;
        var interval = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 10, TimeSpan.TicksPerMillisecond * 20, TimeSpan.TicksPerSecond));
        while (!_stopWatchdog.Wait(interval))
        {
            var entered = Volatile.Read(ref _enteredAt);
            if (entered == 0) continue;
            var waited = Stopwatch.GetElapsedTime(entered);
            if (waited < timeout) continue;
            var call = _call;
            var count = _count;
            var unit = _unit;
            if (Volatile.Read(ref _enteredAt) != entered) continue; // it completed (and maybe another began) meanwhile
            var what = count < 0 ? call : $"{call} of {count} {unit}";
            WriteLine($"rank {Rank}: {what} waited {waited.TotalSeconds:0} s for the other ranks; a rank has died or is stuck. Aborting the job.");
            // MPI_Abort from this thread while the main thread is inside a collective: Open MPI 4.1 ends every rank
            // (tested by the MpiDriver "stuck" scenario). Should a library not return from it nor end the process, exit
            // this process anyway after a grace period; mpirun then ends the others since this one did not finalize.
            var exit = new Thread(() => { Thread.Sleep(TimeSpan.FromSeconds(10)); Environment.Exit(TimeoutExitCode); }) { IsBackground = true };
            exit.Start();
            _mpi.Abort(_mpi.CommWorld, TimeoutExitCode);
            Environment.Exit(TimeoutExitCode);
        }
    }

    private static void WriteLine(string line)
    {
        var error = Console.Error;
        error.WriteLine(line);
        error.Flush();
    }

    private void CheckRoot(int root)
    {
        if ((uint)root >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"The broadcast root must be a rank, 0 … {Size - 1}.");
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0) throw new ObjectDisposedException(nameof(MpiCommunicator), "This MpiCommunicator was disposed (MPI is finalized).");
    }

    private void Check(int rc, string call) => Check(_mpi, rc, call);

    private static void Check(MpiLibrary mpi, int rc, string call)
    {
        if (rc != 0) throw new MpiException(call, rc, mpi.ErrorText(rc));
    }
}
