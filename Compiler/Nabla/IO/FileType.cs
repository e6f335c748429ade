using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Nabla.IO;

/// <summary>What a path names in the file system, as far as reading and writing files is concerned.</summary>
public enum FileKind
{
    /// <summary>Nothing is there (or a folder on the way is missing or is a file).</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A directory (folder).</summary>
    Directory,

    /// <summary>A symbolic link (only reported when links are not followed).</summary>
    SymbolicLink,

    /// <summary>A character device such as <c>/dev/full</c> or <c>/dev/zero</c>.</summary>
    CharacterDevice,

    /// <summary>A block device such as a disk.</summary>
    BlockDevice,

    /// <summary>A FIFO (named pipe): opening one blocks until the other end is opened.</summary>
    Fifo,

    /// <summary>A Unix domain socket.</summary>
    Socket,

    /// <summary>Something else the probe cannot name.</summary>
    Other,
}

/// <summary>
/// Tells regular files from devices, FIFOs, sockets, folders and symbolic links, which .NET's
/// <see cref="FileSystemInfo"/> does not (a FIFO or <c>/dev/zero</c> "exists" as a file). On Linux (x86-64, arm64 and
/// the other architectures with the kernel's generic <c>struct stat</c>; glibc or musl) the answer comes from libc's
/// <c>stat</c>/<c>lstat</c> (or <c>__xstat</c>/<c>__lxstat</c> on glibc before 2.33), read at the architecture's offset of
/// <c>st_mode</c>; the probe checks itself once on a known file and folder (the running program and <c>/</c>) and is
/// not used if it answers wrongly. Elsewhere (Windows, macOS, or a probe that failed its check) the answer comes from
/// <see cref="FileSystemInfo"/>: folders, symbolic links and (on Windows) devices are told apart, anything else that
/// exists counts as a regular file. No dynamic code: a plain P/Invoke with blittable arguments (NativeAOT-safe).
/// </summary>
public static class FileType
{
    /// <summary>
    /// What <paramref name="path"/> names. With <paramref name="followLinks"/> (the default) a symbolic link is followed
    /// to what it finally names (a dangling link is <see cref="FileKind.Missing"/>); without, a link is
    /// <see cref="FileKind.SymbolicLink"/>.
    /// </summary>
    public static FileKind Of(string path, bool followLinks = true)
    {
        if (path is null) throw new ArgumentNullException(nameof(path));
        if (path.Length == 0 || path.IndexOf('\0') >= 0) return FileKind.Missing;
        if (Native.Usable && Native.Probe(path, followLinks) is FileKind k) return k;
        return Managed(path, followLinks);
    }

    /// <summary>"a regular file", "a character device", "a FIFO", "a directory", "a socket", … (for messages).</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };

    /// <summary>Whether the probe reads the kernel's file type (true on Linux once it passed its self-check).</summary>
    public static bool ReadsFileModes => Native.Usable;

    private static FileKind Managed(string path, bool followLinks)
    {
        try
        {
            var info = new FileInfo(path);
            bool exists = info.Exists || System.IO.Directory.Exists(path);
            if (info.LinkTarget is not null)
            {
                if (!followLinks) return FileKind.SymbolicLink;
                var final = File.ResolveLinkTarget(path, returnFinalTarget: true);
                if (final is null || !final.Exists) return FileKind.Missing;
                info = new FileInfo(final.FullName);
                exists = true;
            }
            if (!exists) return FileKind.Missing;
            var attributes = File.GetAttributes(info.FullName);
            if ((attributes & FileAttributes.Directory) != 0) return FileKind.Directory;
            if ((attributes & FileAttributes.Device) != 0) return FileKind.CharacterDevice;
            return FileKind.Regular;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return FileKind.Missing;
        }
    }

    /// <summary>libc's stat and lstat on Linux; the st_mode field at the architecture's offset.</summary>
    private static class Native
    {
        private const int BufferBytes = 512;   // struct stat is 144 bytes on x86-64, 128 on arm64, 88–104 on 32-bit ARM/x86
        private const int ENOENT = 2, ENOTDIR = 20;
        private const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFBLK = 0x6000,
            S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;

        private static readonly int ModeOffset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 or Architecture.Ppc64le or Architecture.S390x => 24, // st_dev, st_ino, st_nlink (8 bytes each), st_mode
            Architecture.X86 or Architecture.Arm => 16, // st_dev (8), padding (4), st_ino (4), st_mode
            _ => 16,                                // the generic layout (arm64, riscv64, loongarch64): st_dev, st_ino, st_mode
        };

        // 0: stat/lstat (glibc 2.33+, musl); 1: __xstat/__lxstat (older glibc); -1: none.
        private static int _entry;

        public static readonly bool Usable = Check();

        private static bool Check()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return false;
            try
            {
                string? self = Environment.ProcessPath;
                foreach (int entry in new[] { 0, 1 })
                {
                    _entry = entry;
                    try
                    {
                        if (Probe("/", true) == FileKind.Directory && Probe("/", false) == FileKind.Directory
                            && (self is null || Probe(self, true) == FileKind.Regular))
                            return true;
                    }
                    catch (EntryPointNotFoundException) { }
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or MarshalDirectiveException) { }
            _entry = -1;
            return false;
        }

        /// <summary>The kind, or null when the call failed for another reason than a missing path (then the managed view answers).</summary>
        public static FileKind? Probe(string path, bool follow)
        {
            var name = new byte[Encoding.UTF8.GetMaxByteCount(path.Length) + 1];
            int n = Encoding.UTF8.GetBytes(path, 0, path.Length, name, 0);
            name[n] = 0;
            var buffer = new byte[BufferBytes];
            int r = _entry switch
            {
                0 => follow ? stat(ref name[0], ref buffer[0]) : lstat(ref name[0], ref buffer[0]),
                1 => follow ? __xstat(StatVersion, ref name[0], ref buffer[0]) : __lxstat(StatVersion, ref name[0], ref buffer[0]),
                _ => -2,
            };
            if (r != 0)
            {
                if (r == -1 && Marshal.GetLastPInvokeError() is ENOENT or ENOTDIR) return FileKind.Missing;
                return null;
            }
            uint mode = BitConverter.ToUInt32(buffer, ModeOffset);
            return (mode & S_IFMT) switch
            {
                S_IFREG => FileKind.Regular,
                S_IFDIR => FileKind.Directory,
                S_IFLNK => FileKind.SymbolicLink,
                S_IFCHR => FileKind.CharacterDevice,
                S_IFBLK => FileKind.BlockDevice,
                S_IFIFO => FileKind.Fifo,
                S_IFSOCK => FileKind.Socket,
                _ => FileKind.Other,
            };
        }

        // _STAT_VER of glibc's __xstat: 1 on x86-64 (_STAT_VER_LINUX), 3 on 32-bit x86/ARM, 0 on the generic layout.
        private static int StatVersion => RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 1,
            Architecture.X86 or Architecture.Arm => 3,
            _ => 0,
        };

        [DllImport("libc", SetLastError = true)]
        private static extern int stat(ref byte path, ref byte buffer);

        [DllImport("libc", SetLastError = true)]
        private static extern int lstat(ref byte path, ref byte buffer);

        [DllImport("libc", SetLastError = true)]
        private static extern int __xstat(int version, ref byte path, ref byte buffer);

        [DllImport("libc", SetLastError = true)]
        private static extern int __lxstat(int version, ref byte path, ref byte buffer);
    }
}
