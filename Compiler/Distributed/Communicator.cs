using System;

namespace Nabla.Distributed;

/// <summary>Picks the communicator for how the process was started.</summary>
public static class Communicator
{
    private static readonly string[] s_launcherVariables = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK" };

    /// <summary>
    /// True when <c>mpirun</c>/<c>mpiexec</c> started this process: one of the variables Open MPI (<c>OMPI_COMM_WORLD_SIZE</c>),
    /// PMIx (<c>PMIX_RANK</c>) or MPICH's Hydra (<c>PMI_SIZE</c>) sets is present.
    /// </summary>
    public static bool LaunchedByMpi
    {
        get
        {
            foreach (var name in s_launcherVariables)
                if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) return true;
            return false;
        }
    }

    /// <summary>
    /// How many ranks of the job run on this machine, as the launcher says (<c>OMPI_COMM_WORLD_LOCAL_SIZE</c> of Open
    /// MPI, <c>MPI_LOCALNRANKS</c> of MPICH's Hydra), or 1 when it does not say. Ranks on one machine share its cores:
    /// each should run about <see cref="Environment.ProcessorCount"/> / <see cref="LocalRanks"/> threads.
    /// </summary>
    public static int LocalRanks
    {
        get
        {
            foreach (var name in new[] { "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS" })
                if (int.TryParse(Environment.GetEnvironmentVariable(name), out int n) && n >= 1) return n;
            return 1;
        }
    }

    /// <summary>
    /// <see cref="MpiCommunicator.Create"/> when <see cref="LaunchedByMpi"/> (every rank of the job, even a job of one),
    /// otherwise <see cref="SingleProcessCommunicator.Instance"/>, so the same program runs with and without
    /// <c>mpirun</c> and needs no MPI library installed in the second case. Dispose what it returns at the end.
    /// </summary>
    /// <param name="options">How to load and drive MPI; null for the defaults (and the environment overrides).</param>
    public static ICommunicator FromEnvironment(MpiOptions? options = null) =>
        LaunchedByMpi ? MpiCommunicator.Create(options) : SingleProcessCommunicator.Instance;
}
