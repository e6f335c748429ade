using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Nabla.Distributed;
using Xunit;

namespace Nabla.Tests.Distributed;

[CollectionDefinition("Mpi", DisableParallelization = true)]
public sealed class MpiCollection;

/// <summary>
/// Two ranks under <c>mpirun</c> running the scenarios of Tests/MpiDriver: the collectives give exact values; a
/// mismatch, a rank that dies, one that is stuck and one that aborts each end the whole job with the right exit code
/// and message, never a hang (each job is killed and the test fails after <see cref="HardLimit"/>).
/// </summary>
[Collection("Mpi")]
public class MpiTests
{
    /// <summary>Past this a job is taken to hang: its process tree is killed and the test fails.</summary>
    private static readonly TimeSpan HardLimit = TimeSpan.FromSeconds(150);

    /// <summary>
    /// A job that must end by itself (not by the 5-minute default collective timeout, not by <see cref="HardLimit"/>)
    /// ends within this: a job takes 2–5 s on a quiet machine, but starting two .NET processes under mpirun took over
    /// 30 s once on a CI machine loaded by parallel builds, so the bound leaves room for that and is still well below
    /// the 300 s a rank would wait in its collective.
    /// </summary>
    private static readonly TimeSpan EndsBy = TimeSpan.FromSeconds(120);

    private static string DriverPath()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "MpiDriver.dll");
        Assert.True(File.Exists(path), $"MpiDriver.dll is not beside the tests ({path}); it comes from the ProjectReference to Tests/MpiDriver.");
        return path;
    }

    /// <summary>Runs <c>mpirun -np 2 dotnet MpiDriver.dll scenario</c> (or the driver alone when <paramref name="ranks"/> is 0).</summary>
    private static MpiJob Run(string scenario, int ranks = 2, params (string Name, string Value)[] env) =>
        MpiJob.Run(new[] { new MpiJob.App(ranks, DriverPath(), scenario) }, HardLimit, null, env);

    [MpiFact]
    public void CollectivesBetweenTwoRanksGiveExactValues()
    {
        var job = Run("collectives");
        Assert.True(job.ExitCode == 0, job.Show());
        Assert.Contains("description=Open MPI", job.Stdout);
        Assert.Contains("(libmpi.so.40) launched_by_mpi=True", job.Stdout);
        Assert.Contains("ok rank=0 size=2", job.Stdout);
        Assert.Contains("ok rank=1 size=2", job.Stdout);
    }

    [Fact]
    public void TheDriverWithoutMpirunRunsAsOneProcess()
    {
        var job = Run("collectives", ranks: 0);
        Assert.True(job.ExitCode == 0, job.Show());
        Assert.Contains("description=single process launched_by_mpi=False", job.Stdout);
        Assert.Contains("ok rank=0 size=1", job.Stdout);
    }

    [MpiFact]
    public void AMismatchIsReportedIdenticallyByEveryRank()
    {
        var job = Run("mismatch");
        Assert.True(job.ExitCode == 3, job.Show());
        const string message = "Data-parallel training: the ranks disagree on \"training samples\": rank 1 has \"4001\" (hash b0efc797ea75), rank 0 has \"4000\" (hash b090147020e0).";
        var lines = MpiJob.LinesOf(job.Stderr);
        Assert.True(lines.Contains("rank 0: " + message) && lines.Contains("rank 1: " + message), job.Show());
        Assert.DoesNotContain("no mismatch", job.Stdout);
    }

    [MpiFact]
    public void ARankThatDiesEndsTheJob()
    {
        // Rank 0 waits in an allreduce with the default 5-minute timeout; mpirun itself must end it when rank 1 exits.
        var job = Run("die");
        Assert.True(job.ExitCode == 5, job.Show());
        Assert.Contains("rank 1: exiting abruptly with code 5", job.Stderr);
        Assert.DoesNotContain("returned although", job.Stdout);
        Assert.True(job.Elapsed < EndsBy, job.Show());
    }

    [MpiFact]
    public void ARankThatIsStuckMakesTheOthersAbortAfterTheTimeout()
    {
        var job = Run("stuck", 2, (MpiOptions.TimeoutVariable, "3"));
        Assert.True(job.ExitCode == MpiCommunicator.TimeoutExitCode, job.Show());
        Assert.Contains("rank 0: MPI_Allreduce of 15210 floats waited 3 s for the other ranks; a rank has died or is stuck. Aborting the job.", MpiJob.LinesOf(job.Stderr));
        Assert.DoesNotContain("returned although", job.Stdout);
        Assert.True(job.Elapsed >= TimeSpan.FromSeconds(3) && job.Elapsed < EndsBy, job.Show());
    }

    [MpiFact]
    public void ARankThatNeverFinalizesMakesTheOthersAbortInsteadOfWaitingInFinalize()
    {
        var job = Run("stuck-at-end", 2, (MpiOptions.TimeoutVariable, "3"));
        Assert.True(job.ExitCode == MpiCommunicator.TimeoutExitCode, job.Show());
        Assert.Contains("rank 0: MPI_Finalize waited 3 s for the other ranks; a rank has died or is stuck. Aborting the job.", MpiJob.LinesOf(job.Stderr));
        Assert.DoesNotContain("finalized although", job.Stdout);
        Assert.True(job.Elapsed < EndsBy, job.Show());
    }

    [MpiFact]
    public void AnMpiErrorCodeBecomesAnMpiExceptionWithTheLibrarysText()
    {
        // Rank 1 receives rank 0's 10-byte broadcast into 5 bytes: Open MPI returns MPI_ERR_TRUNCATE (15).
        var job = Run("bad-length");
        Assert.True(job.ExitCode == 4, job.Show());
        Assert.Contains("rank 1: MPI_Bcast failed with MPI error code 15 (MPI_ERR_TRUNCATE: message truncated).", job.Stderr);
    }

    [MpiFact]
    public void AbortEndsEveryRankWithItsCodeAndMessage()
    {
        var job = Run("abort");
        Assert.True(job.ExitCode == 2, job.Show());
        Assert.Contains("rank 1: bad data file x.csv", MpiJob.LinesOf(job.Stderr));
        Assert.DoesNotContain("returned although", job.Stdout);
    }
}
