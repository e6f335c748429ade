using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace Nabla.Distributed;

/// <summary>
/// The few MPI functions and handles <see cref="MpiCommunicator"/> uses, resolved from a loaded library with
/// <see cref="NativeLibrary.GetExport"/> into unmanaged function pointers (no <c>DllImport</c>: the library name is chosen
/// at run time, nothing loads until used, and it works under NativeAOT). Handles are passed as pointer-sized integers:
/// Open MPI's are addresses of exported globals; MPICH's are 32-bit integers, which the x64 and arm64 calling
/// conventions pass in the low half of the same register.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    // MPICH family's fixed handles (mpi.h of MPICH 3.x/4.x; Intel MPI and MVAPICH share them).
    private const int MpichCommWorld = 0x44000000;
    private const int MpichFloat = 0x4c00040a;
    private const int MpichDouble = 0x4c00080b;
    private const int MpichByte = 0x4c00010d;
    private const int MpichSum = 0x58000003;
    private const int MpichErrorsReturn = 0x54000001;

    /// <summary><c>MPI_THREAD_SERIALIZED</c> (the same value, 2, in Open MPI and MPICH).</summary>
    public const int ThreadSerialized = 2;

    public readonly string Name;
    public readonly MpiAbi Abi;
    public readonly nint CommWorld, Float, Double, Byte, Sum, ErrorsReturn;
    public readonly void* InPlace;

    public readonly delegate* unmanaged<int*, int> Initialized;
    public readonly delegate* unmanaged<int*, int> Finalized;
    public readonly delegate* unmanaged<int*, byte***, int, int*, int> InitThread;
    public readonly delegate* unmanaged<int> Finalize;
    public readonly delegate* unmanaged<nint, int*, int> CommRank;
    public readonly delegate* unmanaged<nint, int*, int> CommSize;
    public readonly delegate* unmanaged<nint, nint, int> CommSetErrhandler;
    public readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> Allreduce;
    public readonly delegate* unmanaged<void*, int, nint, int, nint, int> Bcast;
    public readonly delegate* unmanaged<nint, int> Barrier;
    public readonly delegate* unmanaged<nint, int, int> Abort;
    public readonly delegate* unmanaged<int, byte*, int*, int> ErrorString;
    public readonly delegate* unmanaged<byte*, int*, int> GetLibraryVersion; // MPI-3; null when absent
    public readonly delegate* unmanaged<int*, int*, int> GetVersion;

    private MpiLibrary(string name, nint handle, MpiAbi abi)
    {
        Name = name;
        Initialized = (delegate* unmanaged<int*, int>)Export(handle, name, "MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export(handle, name, "MPI_Finalized");
        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export(handle, name, "MPI_Init_thread");
        Finalize = (delegate* unmanaged<int>)Export(handle, name, "MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export(handle, name, "MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export(handle, name, "MPI_Comm_size");
        CommSetErrhandler = (delegate* unmanaged<nint, nint, int>)Export(handle, name, "MPI_Comm_set_errhandler");
        Allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export(handle, name, "MPI_Allreduce");
        Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export(handle, name, "MPI_Bcast");
        Barrier = (delegate* unmanaged<nint, int>)Export(handle, name, "MPI_Barrier");
        Abort = (delegate* unmanaged<nint, int, int>)Export(handle, name, "MPI_Abort");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Export(handle, name, "MPI_Error_string");
        GetVersion = (delegate* unmanaged<int*, int*, int>)Export(handle, name, "MPI_Get_version");
        GetLibraryVersion = NativeLibrary.TryGetExport(handle, "MPI_Get_library_version", out var lv)
            ? (delegate* unmanaged<byte*, int*, int>)lv : null;

        var hasOmpiWorld = NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out var ompiWorld);
        Abi = abi == MpiAbi.Auto ? (hasOmpiWorld ? MpiAbi.OpenMpi : MpiAbi.Mpich) : abi;
        if (Abi == MpiAbi.OpenMpi)
        {
            if (!hasOmpiWorld)
                throw new MpiException($"The MPI library \"{name}\" does not export ompi_mpi_comm_world, so it is not Open MPI; use MpiAbi.Mpich or MpiAbi.Auto for MPICH-family libraries.");
            CommWorld = ompiWorld;
            Float = Export(handle, name, "ompi_mpi_float");
            Double = Export(handle, name, "ompi_mpi_double");
            Byte = Export(handle, name, "ompi_mpi_byte");
            Sum = Export(handle, name, "ompi_mpi_op_sum");
            ErrorsReturn = Export(handle, name, "ompi_mpi_errors_return");
            InPlace = (void*)1;
        }
        else
        {
            CommWorld = MpichCommWorld;
            Float = MpichFloat;
            Double = MpichDouble;
            Byte = MpichByte;
            Sum = MpichSum;
            ErrorsReturn = MpichErrorsReturn;
            InPlace = (void*)-1;
        }
    }

    /// <summary>Loads <paramref name="name"/> and resolves every function; a clear <see cref="MpiException"/> when it cannot.</summary>
    public static MpiLibrary Load(string name, MpiAbi abi)
    {
        nint handle;
        try
        {
            handle = NativeLibrary.Load(name, typeof(MpiLibrary).Assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.ApplicationDirectory);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new MpiException(
                $"Could not load the MPI library \"{name}\" ({e.Message.Trim()}). Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin) " +
                $"or name another library with {MpiOptions.LibraryVariable} or MpiOptions.Library (MPICH, Intel MPI: libmpi.so.12).", e);
        }
        return new MpiLibrary(name, handle, abi);
    }

    private static nint Export(nint handle, string library, string symbol)
    {
        if (NativeLibrary.TryGetExport(handle, symbol, out var address)) return address;
        throw new MpiException($"The MPI library \"{library}\" does not export {symbol}: it is not an MPI library this code supports (Open MPI or the MPICH family).");
    }

    /// <summary>The library's text for an error code (<c>MPI_Error_string</c>), or null when it has none.</summary>
    public string? ErrorText(int code)
    {
        var buffer = stackalloc byte[4096]; // MPI_MAX_ERROR_STRING: 256 in Open MPI, 1024 in MPICH
        int length = 0;
        if (ErrorString(code, buffer, &length) != 0 || length <= 0) return null;
        return OneLine(Encoding.UTF8.GetString(buffer, Math.Min(length, 4095)));
    }

    /// <summary>
    /// An error text on one line: MPICH's are an error stack, one frame a line (<c>MPIR_Bcast_impl(378)....: detail</c>,
    /// most with no detail); this keeps the details, in order, without repeats.
    /// </summary>
    internal static string OneLine(string text)
    {
        var parts = new System.Collections.Generic.List<string>();
        foreach (var raw in text.TrimEnd('\0').Split('\n'))
        {
            var line = raw.Trim();
            var frame = s_frame.Match(line);
            if (frame.Success) line = frame.Groups[1].Value.Trim();
            if (line.EndsWith(", error stack:", StringComparison.Ordinal)) line = line[..^", error stack:".Length];
            if (line.Length > 0 && !parts.Contains(line)) parts.Add(line);
        }
        return string.Join("; ", parts);
    }

    private static readonly System.Text.RegularExpressions.Regex s_frame = new(@"^\S*\(\S*\)\.*:\s*(.*)$");

    /// <summary>The first line of <c>MPI_Get_library_version</c> (up to its first comma), e.g. <c>Open MPI v4.1.4</c>, <c>MPICH 4.0.2</c>.</summary>
    public string Version()
    {
        if (GetLibraryVersion != null)
        {
            var buffer = stackalloc byte[8192 + 1]; // MPI_MAX_LIBRARY_VERSION_STRING: 256 in Open MPI, 8192 in MPICH
            int length = 0;
            if (GetLibraryVersion(buffer, &length) == 0 && length > 0)
            {
                var text = Encoding.UTF8.GetString(buffer, Math.Min(length, 8192)).TrimEnd('\0');
                var line = text.Split('\n')[0];
                var comma = line.IndexOf(',');
                if (comma > 0) line = line[..comma];
                // Open MPI: "Open MPI v4.1.4, package: …"; MPICH: "MPICH Version:\t4.0.2" (→ "MPICH 4.0.2").
                line = string.Join(" ", line.Split(new[] { ' ', '\t', '\r' }, StringSplitOptions.RemoveEmptyEntries).Where(w => w != "Version:"));
                if (line.Length > 0) return line;
            }
        }
        int major = 0, minor = 0;
        GetVersion(&major, &minor);
        return $"{(Abi == MpiAbi.OpenMpi ? "Open MPI" : "MPI")} (MPI standard {major}.{minor})";
    }
}
