using System;
using System.Linq;
using Nabla.Data;
using Nabla.Distributed;
using Nabla.Training;
using Xunit;

namespace Nabla.Tests.Distributed;

/// <summary>
/// Data-parallel training (<see cref="TrainingOptions.Communicator"/>) with ranks on threads of this process: the ranks
/// together train as one process does (Adam with dropout and a shift augmentation, even and uneven shards), report the
/// same progress numbers, and refuse a mismatch or a model without the split step on every rank.
/// </summary>
[Collection("Jit")]
public class DataParallelTrainingTests
{
    private const int In = 10, Classes = 4;

    private static Dataset Data(int count, int seed)
    {
        var r = new Random(seed);
        var x = Enumerable.Range(0, count * In).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        // Labels that depend on the inputs, so training makes progress.
        var y = Enumerable.Range(0, count).Select(i => Math.Abs((int)(x[i * In] * 7 + x[i * In + 1] * 3)) % Classes).ToArray();
        return new Dataset(x, new[] { In }, y, Classes);
    }

    private static Model Mlp() => Model.Build(new Sequential(new Dense(In, 24), new ReLU(), new Dropout(0.2), new Dense(24, Classes)), In, 5);

    private static Network Compile(bool split) =>
        Mlp().Compile(new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Adam(0.01)) { SplitStep = split }, Backend.Expressions, dropoutSeed: 9);

    private static TrainingOptions Options(int batch, ICommunicator? comm = null) => new()
    {
        Steps = 45, BatchSize = batch, Seed = 3, Augmentation = new RandomShift(1, ShiftFill.Edge), Communicator = comm,
    };

    [Theory]
    [InlineData(2, 32)] // 16 rows per rank; the last batch of each epoch has 8 (200 = 6 × 32 + 8)
    [InlineData(3, 20)] // 6 or 7 rows per rank
    public void Ranks_train_as_one_process_does(int ranks, int batch)
    {
        var train = Data(200, 1); var validation = Data(50, 2);
        var single = Compile(split: false);
        var want = single.Fit(train, Options(batch), validation);
        var nets = Enumerable.Range(0, ranks).Select(_ => Compile(split: true)).ToArray();
        // Ranks other than 0 start from other weights: rank 0's are broadcast.
        foreach (var n in nets.Skip(1)) foreach (var p in n.Signature.Parameters) n.ParameterValues(p.Name).AsSpan().Fill(0.5f);
        var runs = ThreadGroup.Run(ranks, comm => nets[comm.Rank].Fit(train, Options(batch, comm), validation));
        foreach (var (_, error) in runs) Assert.Null(error);
        for (int r = 0; r < ranks; r++)
        {
            var got = runs[r].Value!;
            Assert.Equal(want.Steps, got.Steps);
            Assert.Equal(want.Epochs.Count, got.Epochs.Count);
            for (int e = 0; e < want.Epochs.Count; e++)
            {
                Assert.Equal(want.Epochs[e].TrainAccuracy, got.Epochs[e].TrainAccuracy);
                Assert.Equal(want.Epochs[e].ValidationAccuracy, got.Epochs[e].ValidationAccuracy);
                Assert.True(Math.Abs(want.Epochs[e].TrainLoss - got.Epochs[e].TrainLoss) < 1e-5, $"rank {r} epoch {e + 1}: loss {got.Epochs[e].TrainLoss} vs {want.Epochs[e].TrainLoss}");
                Assert.True(Math.Abs(want.Epochs[e].ValidationLoss!.Value - got.Epochs[e].ValidationLoss!.Value) < 1e-5);
            }
            foreach (var p in single.Signature.Parameters)
            {
                var a = single.ParameterValues(p.Name); var b = nets[r].ParameterValues(p.Name);
                double scale = a.Max(Math.Abs);
                for (int i = 0; i < a.Length; i++)
                    Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5 * scale, $"rank {r} {p.Name}[{i}]: {b[i]} vs one process {a[i]}");
            }
            Assert.Equal(single.Step, nets[r].Step);
        }
        // Every rank holds the same weights, bit for bit.
        foreach (var p in single.Signature.Parameters)
            for (int r = 1; r < ranks; r++) Assert.Equal(nets[0].ParameterValues(p.Name), nets[r].ParameterValues(p.Name));
    }

    [Fact]
    public void A_rank_with_other_data_or_options_is_named_on_every_rank()
    {
        var nets = Enumerable.Range(0, 2).Select(_ => Compile(split: true)).ToArray();
        var runs = ThreadGroup.Run(2, comm => nets[comm.Rank].Fit(Data(comm.Rank == 0 ? 200 : 180, 1), Options(32, comm)));
        foreach (var (_, error) in runs)
        {
            var e = Assert.IsType<DistributedMismatchException>(error);
            Assert.Contains("training set", e.Message);
            Assert.Contains("180 examples", e.Message);
        }
        runs = ThreadGroup.Run(2, comm => nets[comm.Rank].Fit(Data(200, 1), Options(comm.Rank == 0 ? 32 : 16, comm)));
        Assert.All(runs, run => Assert.Contains("batch size", Assert.IsType<DistributedMismatchException>(run.Error).Message));
    }

    [Fact]
    public void A_model_without_the_split_step_is_refused_before_any_collective()
    {
        var runs = ThreadGroup.Run(2, comm => Compile(split: false).Fit(Data(100, 1), Options(20, comm)));
        Assert.All(runs, run => Assert.Contains("SplitStep", Assert.IsType<ArgumentException>(run.Error).Message));
    }
}
