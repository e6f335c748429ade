using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Distributed;
using Xunit;

namespace Nabla.Tests.Distributed;

/// <summary>The single-process communicator, the helpers over any communicator (on a group of threads) and MPI's load errors.</summary>
public class CommunicatorTests
{
    [Fact]
    public void SingleProcessIsRankZeroOfOneAndLeavesDataAsItIs()
    {
        var comm = SingleProcessCommunicator.Instance;
        Assert.Equal(0, comm.Rank);
        Assert.Equal(1, comm.Size);
        Assert.Equal("single process", comm.Description);
        var floats = new[] { 1.5f, -2f, float.NaN };
        comm.AllReduceSum(floats);
        Assert.Equal(new[] { 1.5f, -2f, float.NaN }, floats);
        var doubles = new[] { 0.1, 1e300 };
        comm.AllReduceSum(doubles);
        Assert.Equal(new[] { 0.1, 1e300 }, doubles);
        var bytes = new byte[] { 1, 2, 3 };
        comm.Broadcast(bytes, 0);
        Assert.Equal(new byte[] { 1, 2, 3 }, bytes);
        comm.Broadcast(floats.AsSpan(), 0);
        comm.Barrier();
        Assert.Throws<ArgumentOutOfRangeException>(() => comm.Broadcast(bytes, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => comm.Broadcast(floats.AsSpan(), -1));
    }

    [Fact]
    public void HelpersOnOneProcessReturnTheRanksOwnValues()
    {
        var comm = SingleProcessCommunicator.Instance;
        var all = comm.AllGather(new byte[] { 9, 8 });
        Assert.Single(all);
        Assert.Equal(new byte[] { 9, 8 }, all[0]);
        Assert.Equal(new[] { "x" }, comm.AllGather("x"));
        Assert.Equal(new[] { 2.5 }, comm.AllGather(2.5));
        Assert.Equal(2.5, comm.AllReduceSum(2.5));
        Assert.Equal("run", comm.BroadcastString("run"));
        comm.CheckSame("one process", new KeyValuePair<string, string>[] { new("a", "1") });
    }

    [Fact]
    public void FromEnvironmentOutsideMpirunIsTheSingleProcessCommunicator()
    {
        if (Communicator.LaunchedByMpi) return; // the test host itself runs under mpirun: nothing to check here
        Assert.Same(SingleProcessCommunicator.Instance, Communicator.FromEnvironment());
    }

    [Fact]
    public void AllGatherCollectsDifferentLengthsFromEveryRank()
    {
        var results = ThreadGroup.Run(4, comm =>
        {
            var mine = Enumerable.Range(0, 3 * comm.Rank).Select(i => (byte)(comm.Rank * 50 + i)).ToArray();
            return (Bytes: comm.AllGather(mine), Strings: comm.AllGather($"r{comm.Rank}é"), Numbers: comm.AllGather(comm.Rank * 0.1),
                Sum: comm.AllReduceSum(comm.Rank + 0.5), Name: comm.BroadcastString(comm.Rank == 2 ? "from two ✓" : null, 2));
        });
        foreach (var (value, error) in results)
        {
            Assert.Null(error);
            for (int r = 0; r < 4; r++)
            {
                Assert.Equal(Enumerable.Range(0, 3 * r).Select(i => (byte)(r * 50 + i)).ToArray(), value.Bytes[r]);
                Assert.Equal($"r{r}é", value.Strings[r]);
                Assert.Equal(r * 0.1, value.Numbers[r]);
            }
            Assert.Equal(0.5 + 1.5 + 2.5 + 3.5, value.Sum);
            Assert.Equal("from two ✓", value.Name);
        }
    }

    private static KeyValuePair<string, string>[] Facts(params (string Key, string Value)[] facts) =>
        facts.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)).ToArray();

    private static string[] MismatchMessages(int size, Func<int, KeyValuePair<string, string>[]> facts, out DistributedMismatchException first)
    {
        var results = ThreadGroup.Run(size, comm => { comm.CheckSame("Data-parallel training", facts(comm.Rank)); return 0; });
        var errors = results.Select(r => Assert.IsType<DistributedMismatchException>(r.Error)).ToArray();
        first = errors[0];
        return errors.Select(e => e.Message).ToArray();
    }

    [Fact]
    public void CheckSamePassesWhenEveryRankAgrees()
    {
        var results = ThreadGroup.Run(3, comm => { comm.CheckSame("x", Facts(("model", "mlp 40-100-10"), ("samples", "4000"))); return 1; });
        Assert.All(results, r => Assert.Null(r.Error));
    }

    [Fact]
    public void CheckSameThrowsTheSameMessageOnEveryRankNamingTheFirstDifferingFactAndRanks()
    {
        // Rank 3 differs on an earlier fact than rank 1: that fact is the one named; ranks 2 and 3 differ on it.
        var messages = MismatchMessages(4, rank => Facts(
            ("model signature", rank >= 2 ? "mlp 40-100-12" : "mlp 40-100-10"),
            ("training samples", rank == 1 ? "4001" : "4000")), out var e);
        Assert.All(messages, m => Assert.Equal(messages[0], m));
        Assert.Equal("model signature", e.Fact);
        Assert.Equal(new[] { 2, 3 }, e.Ranks);
        Assert.Equal(
            "Data-parallel training: the ranks disagree on \"model signature\": rank 2 has \"mlp 40-100-12\" (hash " + Hash("mlp 40-100-12") +
            "), rank 0 has \"mlp 40-100-10\" (hash " + Hash("mlp 40-100-10") + "). Ranks that differ from rank 0 on it: 2, 3.",
            messages[0]);
    }

    [Fact]
    public void CheckSameShortensLongValuesAndShowsTheirHashes()
    {
        var longA = "mlp " + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i}-")) + "end A";
        var longB = longA[..^1] + "B";
        var messages = MismatchMessages(2, rank => Facts(("parameters", rank == 1 ? longB : longA)), out var e);
        Assert.Equal(messages[0], messages[1]);
        Assert.Equal(new[] { 1 }, e.Ranks);
        Assert.Contains($"rank 1 has \"{longB[..60]}…{longB[^16..]}\" ({longB.Length} chars, hash {Hash(longB)})", messages[0]);
        Assert.Contains($"rank 0 has \"{longA[..60]}…{longA[^16..]}\" ({longA.Length} chars, hash {Hash(longA)})", messages[0]);
        Assert.NotEqual(Hash(longA), Hash(longB));
    }

    [Fact]
    public void CheckSameNamesMissingAndExtraFacts()
    {
        var missing = MismatchMessages(2, rank => rank == 1 ? Facts(("a", "1")) : Facts(("a", "1"), ("b", "2")), out var e1);
        Assert.Equal("b", e1.Fact);
        Assert.Equal($"x: the ranks disagree on \"b\": rank 1 has no such fact (it has 1 facts, rank 0 has 2), rank 0 has \"2\" (hash {Hash("2")}).",
            missing[0].Replace("Data-parallel training", "x"));
        var extra = MismatchMessages(2, rank => rank == 1 ? Facts(("a", "1"), ("c", "3")) : Facts(("a", "1")), out var e2);
        Assert.Equal("c", e2.Fact);
        Assert.Contains($"rank 1 has \"3\" (hash {Hash("3")}), rank 0 has no such fact", extra[0]);
        var renamed = MismatchMessages(2, rank => rank == 1 ? Facts(("seed", "1")) : Facts(("samples", "1")), out var e3);
        Assert.Equal("samples", e3.Fact);
        Assert.Contains("rank 1 has the fact \"seed\" in its place", renamed[0]);
    }

    private static string Hash(string value) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)), 0, 6).ToLowerInvariant();

    [Fact]
    public void MissingLibraryIsAClearError()
    {
        if (Environment.GetEnvironmentVariable(MpiOptions.LibraryVariable) is { Length: > 0 }) return; // the override would replace the name
        var e = Assert.Throws<MpiException>(() => MpiCommunicator.Create(new MpiOptions { Library = "libnabla-no-such-mpi.so.7" }));
        Assert.Contains("Could not load the MPI library \"libnabla-no-such-mpi.so.7\"", e.Message);
        Assert.Contains(MpiOptions.LibraryVariable, e.Message);
        Assert.Null(MpiCommunicator.Current);
    }

    [Fact]
    public void ALibraryThatIsNotMpiIsNamed()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(MpiOptions.LibraryVariable) is { Length: > 0 }) return;
        var e = Assert.Throws<MpiException>(() => MpiCommunicator.Create(new MpiOptions { Library = "libc.so.6" }));
        Assert.Equal("The MPI library \"libc.so.6\" does not export MPI_Initialized: it is not an MPI library this code supports (Open MPI or the MPICH family).", e.Message);
    }

    [Fact]
    public void ANonPositiveTimeoutIsRefused()
    {
        if (Environment.GetEnvironmentVariable(MpiOptions.TimeoutVariable) is { Length: > 0 }) return;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MpiCommunicator.Create(new MpiOptions { CollectiveTimeout = TimeSpan.Zero }));
        Assert.Contains("Timeout.InfiniteTimeSpan", e.Message);
    }

    [Fact]
    public void MpichErrorStacksAreFlattenedToOneLine()
    {
        // MPI_Error_string of MPICH 4.0.2 for a broadcast received into a too-short buffer (copied from a run).
        const string text = "Message truncated, error stack:\n" +
            "internal_Bcast(107)...........: MPI_Bcast(buffer=0x7f6b8180c1e0, count=5, MPI_BYTE, 0, MPI_COMM_WORLD) failed\n" +
            "MPID_Bcast(95)................: \n" +
            "MPIR_Bcast_impl(378)..........: \n" +
            "MPIR_Bcast_allcomm_auto(317)..: \n" +
            "MPIR_Bcast_intra_binomial(105): \n" +
            "(unknown)(): Message truncated";
        Assert.Equal("Message truncated; MPI_Bcast(buffer=0x7f6b8180c1e0, count=5, MPI_BYTE, 0, MPI_COMM_WORLD) failed", MpiLibrary.OneLine(text));
        Assert.Equal("MPI_ERR_TRUNCATE: message truncated", MpiLibrary.OneLine("MPI_ERR_TRUNCATE: message truncated\0"));
        Assert.Equal("MPI_Bcast failed with MPI error code 15 (MPI_ERR_TRUNCATE: message truncated).",
            new MpiException("MPI_Bcast", 15, "MPI_ERR_TRUNCATE: message truncated").Message);
    }

    [Theory]
    [InlineData("3", 3.0)]
    [InlineData("0.5", 0.5)]
    [InlineData("1e3", 1000.0)]
    [InlineData("0", -1.0)]
    [InlineData("inf", -1.0)]
    [InlineData("None", -1.0)]
    public void TheTimeoutVariableIsSecondsOrNone(string text, double seconds)
    {
        var timeout = MpiOptions.ParseTimeout(text);
        Assert.Equal(seconds < 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds), timeout);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("30s")]
    [InlineData("NaN")]
    public void ABadTimeoutVariableIsNamed(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => MpiOptions.ParseTimeout(text));
        Assert.Equal($"NABLA_MPI_TIMEOUT_S=\"{text}\" is not a number of seconds (use a positive number, or 0, inf or none for no timeout).", e.Message);
    }
}
