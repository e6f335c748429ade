using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Nabla.Tests.Distributed;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>
/// The MNIST-1D example under <c>mpirun -np 2</c> (skipped where mpirun is missing; CI installs Open MPI): two ranks with
/// global batch 100 end with the weights one process trains (and the same bits run to run on one thread each), only
/// rank 0 prints and writes; ranks that disagree, or a rank that cannot start, end the job with one message; the
/// search over ranks logs the trials of a two-worker search.
/// </summary>
[Collection("Mpi")]
public sealed class Mnist1DDistributedTests : IDisposable
{
    // Past Limit a job is killed as hung. A job that must end by itself (not by the 300 s default collective timeout)
    // must end within EndsBy: 5–20 s quiet, with room for a CI machine loaded by parallel builds.
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(180), EndsBy = TimeSpan.FromSeconds(120);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nabla-mnist1d-mpi-" + Guid.NewGuid().ToString("N"));

    public Mnist1DDistributedTests() => Directory.CreateDirectory(_dir);

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static string Example()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Mnist1D.dll");
        Assert.True(File.Exists(path), $"Mnist1D.dll is not beside the tests ({path}).");
        return path;
    }

    private MpiJob Run(int ranks, params string[] args) => MpiJob.Run(new[] { new MpiJob.App(ranks, Example(), args) }, Limit, _dir);

    private static double Value(MpiJob job, string name)
    {
        var lines = job.Lines.Where(l => l.StartsWith(name + "=", StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 1, $"expected one line {name}=… (rank 0 alone prints), got {lines.Length}\n{job.Show()}");
        return double.Parse(lines[0].Substring(name.Length + 1), CultureInfo.InvariantCulture);
    }

    [MpiFact]
    public void Two_ranks_train_the_weights_of_one_process_and_the_same_bits_every_run()
    {
        var first = Run(2, "--distributed", "--compare-single", "--steps", "100", "--threads", "1", "--plot", "a.svg", "--save", "a.safetensors");
        Assert.True(first.ExitCode == 0, first.Show());
        // Adam with dropout, 100 steps of global batch 100 (50 rows per rank): summation order only (6.9e-7 measured).
        double diff = Value(first, "max_rel_diff");
        Assert.True(diff < 1e-5, $"max_rel_diff={diff}\n{first.Show()}");
        Assert.InRange(Value(first, "test_accuracy"), 0.3, 1);
        Assert.Contains("distributed: 2 ranks (Open MPI", first.Stdout);
        Assert.Matches(new Regex(@"allreduce: [0-9.]+ s of the [0-9.]+ s of training"), first.Stdout);
        Assert.True(File.Exists(Path.Combine(_dir, "a.svg")) && File.Exists(Path.Combine(_dir, "a.safetensors")), first.Show());

        var second = Run(2, "--distributed", "--steps", "100", "--threads", "1", "--plot", "b.svg", "--save", "b.safetensors");
        Assert.True(second.ExitCode == 0, second.Show());
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "a.safetensors")), File.ReadAllBytes(Path.Combine(_dir, "b.safetensors")));
    }

    [MpiFact]
    public void Ranks_with_different_models_stop_at_the_start_with_the_difference_named_once()
    {
        var job = MpiJob.Run(new[]
        {
            new MpiJob.App(1, Example(), "--distributed", "--steps", "50", "--plot", "p.svg"),
            new MpiJob.App(1, Example(), "--distributed", "--steps", "50", "--plot", "p.svg", "--hidden", "100,90"),
        }, Limit, _dir);
        Assert.True(job.ExitCode == 2, job.Show());
        var errors = job.Stderr.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 1, job.Show());
        Assert.Contains("the ranks disagree on \"parameters\": rank 1 has \"0.weight[100,40], 0.bias[100], 3.weight[90,100]", errors[0]);
        Assert.False(File.Exists(Path.Combine(_dir, "p.svg")));
    }

    [MpiFact]
    public void A_rank_that_cannot_start_ends_the_job_with_its_reason()
    {
        var job = MpiJob.Run(new[]
        {
            new MpiJob.App(1, Example(), "--distributed", "--steps", "50", "--plot", "p.svg"),
            new MpiJob.App(1, Example(), "--distributed", "--steps", "50", "--plot", "p.svg", "--data", Path.Combine(_dir, "missing")),
        }, Limit, _dir);
        Assert.True(job.ExitCode == 2, job.Show());
        Assert.Contains("rank 1: error: --data: folder", job.Stderr);
        Assert.True(job.Elapsed < EndsBy, job.Show());
    }

    [MpiFact]
    public void A_search_over_two_ranks_logs_the_trials_of_a_two_worker_search()
    {
        string[] search = { "--search", "random", "--trials", "4", "--steps", "60", "--report-every", "30", "--confirm", "0", "--validation", "500" };
        var ranks = Run(2, search.Concat(new[] { "--distributed", "--search-log", "ranks.jsonl", "--plot", "r.svg" }).ToArray());
        Assert.True(ranks.ExitCode == 0, ranks.Show());
        var one = Run(0, search.Concat(new[] { "--workers", "2", "--search-log", "one.jsonl", "--plot", "o.svg" }).ToArray());
        Assert.True(one.ExitCode == 0, one.Show());
        static string[] Trials(string path) => File.ReadAllLines(path).Skip(1).Select(l => Regex.Replace(l, "\"seconds\":[0-9.eE+-]+", "")).OrderBy(l => l).ToArray();
        var want = Trials(Path.Combine(_dir, "one.jsonl"));
        Assert.Equal(4, want.Length);
        Assert.Equal(want, Trials(Path.Combine(_dir, "ranks.jsonl")));
        Assert.Equal(Value(one, "best_val_accuracy"), Value(ranks, "best_val_accuracy"));
        Assert.Equal(Value(one, "test_accuracy"), Value(ranks, "test_accuracy"));
    }
}
