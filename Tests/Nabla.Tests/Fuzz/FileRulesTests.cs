using System;
using System.IO;
using System.Linq;
using Nabla.Checkpoints;
using Nabla.Cli;
using Nabla.Tests.Cli;
using Nabla.Data;
using Nabla.IO;
using Nabla.Reporting;
using Nabla.Tests.Data;
using Nabla.Tests.Examples;
using Xunit;

namespace Nabla.Tests.Fuzz;

/// <summary>
/// Issue 17, cases 1 and 7: outputs never replace a device, a FIFO, a socket or a folder (and write through a symbolic
/// link to its regular-file target); inputs that are not regular files are refused before they are opened (a FIFO does
/// not hang, /dev/zero does not fill the memory); a CSV line or a checkpoint header beyond its limit is one clear error,
/// at once. /dev/null is never used as an output, even to show it is refused: the tests run as root on the CI machines.
/// </summary>
public class FileRulesTests
{
    private static (int Code, string Out, string Err) Mnist(params string[] args) => ExampleRun.Run(Mnist1D.Program.Run, args);

    private static void AssertCharacterDevice(string path)
    {
        Assert.Equal(FileKind.CharacterDevice, FileType.Of(path, followLinks: false));
    }

    [SpecialFilesFact]
    public void The_probe_tells_every_kind_of_file_apart()
    {
        Assert.True(FileType.ReadsFileModes);
        using var dir = new TempDir();
        string file = dir.Write("f.txt", "x"), fifo = SpecialFiles.Fifo(dir.File("p")), sock = dir.File("s");
        using var socket = SpecialFiles.UnixSocket(sock);
        File.CreateSymbolicLink(dir.File("to-file"), file);
        File.CreateSymbolicLink(dir.File("to-full"), "/dev/full");
        File.CreateSymbolicLink(dir.File("dangling"), dir.File("nowhere"));
        Assert.Equal(FileKind.Regular, FileType.Of(file));
        Assert.Equal(FileKind.Directory, FileType.Of(dir.Path));
        Assert.Equal(FileKind.Fifo, FileType.Of(fifo));
        Assert.Equal(FileKind.Socket, FileType.Of(sock));
        Assert.Equal(FileKind.CharacterDevice, FileType.Of("/dev/full"));
        Assert.Equal(FileKind.Missing, FileType.Of(dir.File("nowhere")));
        Assert.Equal(FileKind.Missing, FileType.Of(Path.Combine(file, "below-a-file")));
        Assert.Equal(FileKind.SymbolicLink, FileType.Of(dir.File("to-file"), followLinks: false));
        Assert.Equal(FileKind.Regular, FileType.Of(dir.File("to-file")));
        Assert.Equal(FileKind.CharacterDevice, FileType.Of(dir.File("to-full")));
        Assert.Equal(FileKind.Missing, FileType.Of(dir.File("dangling")));
        Assert.Equal("a character device", FileType.Describe(FileKind.CharacterDevice));
        Assert.Equal("a FIFO (named pipe)", FileType.Describe(FileKind.Fifo));
        Assert.Equal("a socket", FileType.Describe(FileKind.Socket));
        Assert.Equal("a directory", FileType.Describe(FileKind.Directory));
    }

    // ---- outputs (case 1) ----

    [SpecialFilesFact]
    public void An_output_never_replaces_a_device_a_fifo_a_socket_or_a_folder()
    {
        using var dir = new TempDir();
        string fifo = SpecialFiles.Fifo(dir.File("p")), sock = dir.File("s"), sub = dir.File("sub");
        using var socket = SpecialFiles.UnixSocket(sock);
        Directory.CreateDirectory(sub);
        File.CreateSymbolicLink(dir.File("to-full"), "/dev/full");
        File.CreateSymbolicLink(dir.File("to-sub"), sub);
        var before = SpecialFiles.Snapshot(dir.Path);
        foreach (var (path, what) in new[]
        {
            ("/dev/full", "'/dev/full' is a character device, not a regular file"),
            (fifo, $"'{fifo}' is a FIFO (named pipe), not a regular file"),
            (sock, $"'{sock}' is a socket, not a regular file"),
            (sub, $"'{sub}' is a directory, not a regular file"),
            (dir.File("to-full"), $"'{dir.File("to-full")}' is a symbolic link to a character device ('/dev/full')"),
            (dir.File("to-sub"), $"'{dir.File("to-sub")}' is a symbolic link to a directory"),
        })
        {
            var e = SpecialFiles.NoHang(() => Record.Exception(() => AtomicFile.Write(path, new byte[] { 1, 2, 3 })), path);
            Assert.IsType<IOException>(e);
            Assert.StartsWith(what, e!.Message);
            Assert.DoesNotContain("\n", e.Message);
        }
        AssertCharacterDevice("/dev/full");
        SpecialFiles.AssertUnchanged(before, dir.Path, "refused outputs");

        // Through the library's writers: a checkpoint, a plot.
        var ce = Assert.Throws<CheckpointException>(() => SafeTensors.Save("/dev/full", new[] { new SafeTensor("a", new[] { 1 }, new float[] { 1 }) }));
        Assert.Equal("/dev/full: cannot write the checkpoint: '/dev/full' is a character device, not a regular file; an output is written only to a new path or over a regular file.", ce.Message);
        var plot = new SvgPlot("t", "x", "y").Add("s", new double[] { 0, 1 }, new double[] { 1, 2 });
        var pe = Assert.Throws<IOException>(() => plot.Save("/dev/full"));
        Assert.Contains("is a character device", pe.Message);
        SpecialFiles.NoHang(() => Assert.Throws<IOException>(() => plot.Save(fifo)), "plot to a FIFO");
        AssertCharacterDevice("/dev/full");
        Assert.Equal(FileKind.Fifo, FileType.Of(fifo));
    }

    [Fact]
    public void An_output_with_a_name_of_250_bytes_is_written_and_leaves_no_temporary()
    {
        // The temporary's name adds 38 bytes to the target's: past 200 bytes it carries a hash of the name instead.
        using var dir = new TempDir();
        string name = new string('n', 246) + ".bin";
        AtomicFile.Write(dir.File(name), new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(dir.File(name)));
        Assert.Equal(new[] { name }, Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName).ToArray());
    }

    [SpecialFilesFact]
    public void An_output_through_a_symbolic_link_goes_to_its_target_and_keeps_the_link()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("real"));
        string target = dir.Write(Path.Combine("real", "a.bin"), "old"), link = dir.File("a.bin"), chain = dir.File("chain.bin");
        File.CreateSymbolicLink(link, target);
        File.CreateSymbolicLink(chain, link);
        AtomicFile.Write(chain, new byte[] { 7, 8 });
        Assert.Equal(new byte[] { 7, 8 }, File.ReadAllBytes(target));
        Assert.Equal(FileKind.SymbolicLink, FileType.Of(link, followLinks: false));
        Assert.Equal(FileKind.SymbolicLink, FileType.Of(chain, followLinks: false));
        Assert.Equal(target, AtomicFile.Target(chain));

        // A dangling link into an existing folder: the target is created, the link stays.
        string newLink = dir.File("new.bin"), newTarget = dir.File(Path.Combine("real", "new.bin"));
        File.CreateSymbolicLink(newLink, newTarget);
        AtomicFile.Write(newLink, new byte[] { 9 });
        Assert.Equal(new byte[] { 9 }, File.ReadAllBytes(newTarget));
        Assert.Equal(FileKind.SymbolicLink, FileType.Of(newLink, followLinks: false));

        // A dangling link into a missing folder is refused (no folder is created at the link's whim).
        File.CreateSymbolicLink(dir.File("far.bin"), dir.File(Path.Combine("missing", "far.bin")));
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(dir.File("far.bin"), new byte[] { 1 }));
        Assert.Contains("whose folder does not exist", e.Message);
        Assert.False(Directory.Exists(dir.File("missing")));
        // No temporaries are left anywhere.
        Assert.Empty(Directory.EnumerateFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [SpecialFilesFact]
    public void The_cli_refuses_a_device_as_an_output_before_doing_anything()
    {
        using var dir = new TempDir();
        string fifo = SpecialFiles.Fifo(dir.File("p"));
        var (code, stdout, stderr) = CliRun.Run("ir", "x*y", "--dot", "/dev/full");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: --dot: '/dev/full' is a character device, not a regular file", SpecialFiles.OneLine(stderr));
        (code, stdout, stderr) = SpecialFiles.NoHang(() => CliRun.Run("ir", "x*y", "--dot", fifo), "ir --dot FIFO");
        Assert.Equal(2, code);
        Assert.Contains("is a FIFO", SpecialFiles.OneLine(stderr));
        (code, stdout, stderr) = CliRun.Run("build", "mlp:4,3", "-o", "/dev/full");
        Assert.Equal(2, code);
        Assert.Equal("error: -o: '/dev/full' is a character device, not a folder", SpecialFiles.OneLine(stderr));
        // A symbolic link named NAME.dll that points at a device.
        File.CreateSymbolicLink(dir.File("Mlp_4_3.dll"), "/dev/full");
        (code, stdout, stderr) = CliRun.Run("build", "mlp:4,3", "-o", dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("is a symbolic link to a character device ('/dev/full')", SpecialFiles.OneLine(stderr));
        AssertCharacterDevice("/dev/full");
        Assert.Equal(FileKind.Fifo, FileType.Of(fifo));
    }

    [SpecialFilesFact]
    public void Mnist1D_refuses_a_device_as_plot_or_checkpoint_before_training()
    {
        using var dir = new TempDir();
        string fifo = SpecialFiles.Fifo(dir.File("p"));
        var (code, stdout, stderr) = Mnist("--steps", "20", "--plot", "/dev/full");
        Assert.Equal(2, code);
        Assert.Equal("error: --plot: '/dev/full' is a character device, not a regular file; an output is written only to a new path or over a regular file.", SpecialFiles.OneLine(stderr));
        Assert.DoesNotContain("compiled", stdout);     // refused before the compile and the training
        (code, stdout, stderr) = SpecialFiles.NoHang(() => Mnist("--steps", "20", "--plot", dir.File("p.svg"), "--save", fifo), "--save FIFO");
        Assert.Equal(2, code);
        Assert.StartsWith($"error: --save: '{fifo}' is a FIFO (named pipe), not a regular file", SpecialFiles.OneLine(stderr));
        Assert.False(File.Exists(dir.File("p.svg")));
        (code, _, stderr) = Mnist("--figure-20-2", "--max-steps", "1", "--plot", "/dev/full");
        Assert.Equal(2, code);
        Assert.Contains("is a character device", SpecialFiles.OneLine(stderr));
        (code, _, stderr) = SpecialFiles.NoHang(() => Mnist("--search", "random", "--trials", "1", "--steps", "1", "--search-log", fifo, "--plot", dir.File("s.svg")), "--search-log FIFO");
        Assert.Equal(2, code);
        Assert.Contains("is a FIFO", SpecialFiles.OneLine(stderr));
        AssertCharacterDevice("/dev/full");
        Assert.Equal(FileKind.Fifo, FileType.Of(fifo));
    }

    // ---- inputs (case 7) ----

    [SpecialFilesFact]
    public void Inputs_that_are_not_regular_files_are_refused_before_they_are_opened()
    {
        using var dir = new TempDir();
        string fifo = SpecialFiles.Fifo(dir.File("p"));
        File.CreateSymbolicLink(dir.File("zero.csv"), "/dev/zero");

        var de = SpecialFiles.NoHang(() => Assert.Throws<DataException>(() => Csv.LoadClassification(fifo)), "CSV FIFO");
        Assert.Equal($"{fifo}: is a FIFO (named pipe), not a CSV file (only regular files are read).", de.Message);
        de = Assert.Throws<DataException>(() => Csv.LoadClassification("/dev/zero"));
        Assert.Equal("/dev/zero: is a character device, not a CSV file (only regular files are read).", de.Message);
        de = Assert.Throws<DataException>(() => Csv.LoadClassification(dir.File("zero.csv")));
        Assert.Equal($"{dir.File("zero.csv")}: is a symbolic link to a character device, not a CSV file (only regular files are read).", de.Message);

        var ce = SpecialFiles.NoHang(() => Assert.Throws<CheckpointException>(() => SafeTensors.Load(fifo)), "checkpoint FIFO");
        Assert.Equal($"{fifo}: is a FIFO (named pipe), not a checkpoint file (only regular files are read).", ce.Message);
        ce = Assert.Throws<CheckpointException>(() => SafeTensors.Load("/dev/zero"));
        Assert.Equal("/dev/zero: is a character device, not a checkpoint file (only regular files are read).", ce.Message);

        var ie = SpecialFiles.NoHang(() => Assert.Throws<IOException>(() => InputFile.ReadAllBytes(fifo, 100)), "ReadAllBytes FIFO");
        Assert.Contains("is a FIFO", ie.Message);
        Assert.Throws<FileNotFoundException>(() => InputFile.Check(dir.File("nowhere")));
    }

    [SpecialFilesFact]
    public void Mnist1D_refuses_a_fifo_or_dev_zero_as_data_or_checkpoint()
    {
        using var dir = new TempDir();
        string fifo = SpecialFiles.Fifo(dir.File("p"));
        var (code, _, stderr) = Mnist("--load", "/dev/zero", "--plot", dir.File("p.svg"));
        Assert.Equal(2, code);
        Assert.Equal("error: /dev/zero: is a character device, not a checkpoint file (only regular files are read).", SpecialFiles.OneLine(stderr));
        (code, _, stderr) = SpecialFiles.NoHang(() => Mnist("--load", fifo, "--plot", dir.File("p.svg")), "--load FIFO");
        Assert.Equal(2, code);
        Assert.Contains("is a FIFO", SpecialFiles.OneLine(stderr));

        // A data folder whose train.csv is /dev/zero (a link), then a FIFO.
        string data = dir.File("data");
        Directory.CreateDirectory(data);
        File.Copy(Path.Combine(Mnist1DData.Find()!, "test.csv"), Path.Combine(data, "test.csv"));
        File.CreateSymbolicLink(Path.Combine(data, "train.csv"), "/dev/zero");
        (code, _, stderr) = Mnist("--data", data, "--plot", dir.File("p.svg"));
        Assert.Equal(2, code);
        Assert.Equal($"error: {Path.Combine(data, "train.csv")}: is a symbolic link to a character device, not a CSV file (only regular files are read).", SpecialFiles.OneLine(stderr));
        File.Delete(Path.Combine(data, "train.csv"));
        SpecialFiles.Fifo(Path.Combine(data, "train.csv"));
        (code, _, stderr) = SpecialFiles.NoHang(() => Mnist("--data", data, "--plot", dir.File("p.svg")), "train.csv FIFO");
        Assert.Equal(2, code);
        Assert.Contains("is a FIFO (named pipe), not a CSV file", SpecialFiles.OneLine(stderr));
        Assert.False(File.Exists(dir.File("p.svg")));
    }

    [Fact]
    public void A_one_line_file_of_1_1_GB_is_one_clear_error_after_reading_one_MiB()
    {
        using var dir = new TempDir();
        string path = dir.File("train.csv");
        using (var fs = new FileStream(path, FileMode.CreateNew)) fs.SetLength(1_100_000_000);   // sparse: no disk space, no write time
        var e = Assert.Throws<DataException>(() => Csv.LoadClassification(path));
        Assert.Equal($"{path}, line 1: the line is longer than 1,048,576 characters, the limit of a CSV line (is this a CSV file?).", e.Message);
        Assert.Equal(1, e.Line);

        // A data line too long, after a good header: named by its line number.
        File.WriteAllText(path, "x0,label\n1,0\n" + new string('1', Csv.MaxLineLength + 1) + ",0\n");
        e = Assert.Throws<DataException>(() => Csv.LoadClassification(path));
        Assert.StartsWith($"{path}, line 3: the line is longer than 1,048,576 characters", e.Message);
        // Exactly at the limit is fine.
        File.WriteAllText(path, "x0,label\n" + "1" + new string(' ', Csv.MaxLineLength - 3) + ",0\n");
        Assert.Equal(1, Csv.LoadClassification(path).Count);
    }

    [Fact]
    public void A_checkpoint_header_length_is_checked_against_the_file_before_anything_is_allocated()
    {
        using var dir = new TempDir();
        string path = dir.File("c.safetensors");
        var bytes = new byte[64];
        BitConverter.GetBytes(1UL << 40).CopyTo(bytes, 0);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Load(path));
        Assert.Equal($"{path}: the header length 1099511627776 (bytes 0–7) reaches past the end of the file (64 bytes); the file is truncated or not a safetensors file.", e.Message);
        // A large file (sparse) whose header length is within it but over the cap: refused before the file is read.
        using (var fs = new FileStream(path, FileMode.Create))
        {
            fs.Write(BitConverter.GetBytes(200_000_000UL));
            fs.SetLength(300_000_000);
        }
        e = Assert.Throws<CheckpointException>(() => SafeTensors.Load(path));
        Assert.Equal($"{path}: the header length 200000000 is over the limit of 100000000 bytes.", e.Message);
        // A file larger than one array.
        using (var fs = new FileStream(path, FileMode.Create)) fs.SetLength(3_000_000_000);
        e = Assert.Throws<CheckpointException>(() => SafeTensors.Load(path));
        Assert.StartsWith($"{path}: the file holds 3000000000 bytes; a checkpoint is read into one array of at most", e.Message);
    }
}
