using System;
using System.Linq;
using Nabla.Data;
using Nabla.Distributed;
using Nabla.Lowering;
using Nabla.Reporting;
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

    private static TrainingOptions Options(int batch, ICommunicator? comm = null, long steps = 45) => new()
    {
        Steps = steps, BatchSize = batch, Seed = 3, Augmentation = new RandomShift(1, ShiftFill.Edge), Communicator = comm,
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

    [Fact]
    public void Rank_0s_weights_optimizer_state_step_and_dropout_seed_are_where_every_rank_resumes()
    {
        var train = Data(200, 1);
        var single = Compile(split: false);
        single.Fit(train, Options(32, steps: 10));
        var resumedOnRank0 = Compile(split: true);
        resumedOnRank0.Fit(train, Options(32, steps: 10)); // one process, 10 steps: Adam's m, v and step are not zero
        Assert.Equal(10, resumedOnRank0.Step);
        single.Fit(train, Options(32));                   // on to step 45
        var fresh = Compile(split: true);
        fresh.DropoutSeed = 12345;                         // another seed and no state: rank 0's must win
        var nets = new[] { resumedOnRank0, fresh };
        var runs = ThreadGroup.Run(2, comm => nets[comm.Rank].Fit(train, Options(32, comm)));
        Assert.All(runs, r => Assert.Null(r.Error));
        foreach (var net in nets)
        {
            Assert.Equal(45, net.Step);
            Assert.Equal(9, net.DropoutSeed);
            foreach (var p in single.Signature.Parameters.Select(p => p.Name))
            {
                var a = single.ParameterValues(p); var b = net.ParameterValues(p);
                double scale = a.Max(Math.Abs);
                for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5 * scale, $"{p}[{i}]: {b[i]} vs one process {a[i]}");
            }
        }
    }

    [Fact]
    public void An_error_on_one_rank_is_thrown_on_every_rank_after_the_step()
    {
        // Token ids 0…9, but row 9 of the first batch (rank 1's half of a batch of 10, in file order) holds 12.
        const int tokens = 10, length = 5;
        var ids = Enumerable.Range(0, 40 * length).Select(i => (float)(i % 7)).ToArray();
        ids[9 * length + 2] = 12;
        var data = new Dataset(ids, new[] { length }, Enumerable.Range(0, 40).Select(i => i % 3).ToArray(), 3);
        Network Net() => Model.Build(new Sequential(new Embedding(tokens, 4), Module.Lambda("MeanOverTokens", x => Nabla.Ir.F.Mean(x, 1)), new Dense(4, 3)),
                new[] { InputSpec.Indices("x", length) }, seed: 1)
            .Compile(new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(0.1)) { SplitStep = true }, Backend.Expressions);
        var nets = new[] { Net(), Net() };
        var runs = ThreadGroup.Run(2, comm => nets[comm.Rank].Fit(data, new TrainingOptions { Steps = 5, BatchSize = 10, Shuffle = false, Communicator = comm }));
        Assert.Contains("12", Assert.IsAssignableFrom<ArgumentException>(runs[1].Error).Message);
        Assert.Contains("1 other rank(s) failed in step 1", Assert.IsType<InvalidOperationException>(runs[0].Error).Message);
        Assert.All(nets, n => Assert.Equal(0, n.Step)); // nobody applied an update
    }

    private sealed class StopAt(int rank, long step) : ITrainingCallback
    {
        public void OnStep(Network network, in StepInfo info, TrainingControl control)
        {
            if (control.Rank == rank && info.Step == step) control.Stop($"rank {rank}'s budget");
        }
    }

    [Fact]
    public void A_callback_that_stops_one_rank_stops_every_rank_at_the_same_step()
    {
        var nets = Enumerable.Range(0, 2).Select(_ => Compile(split: true)).ToArray();
        var runs = ThreadGroup.Run(2, comm =>
        {
            var o = Options(32, comm);
            o.Callbacks.Add(new StopAt(1, 7));
            return nets[comm.Rank].Fit(Data(200, 1), o);
        });
        Assert.All(runs, r => Assert.Null(r.Error));
        Assert.All(nets, n => Assert.Equal(7, n.Step));
        Assert.Contains("rank 1's budget", runs[1].Value!.StoppedEarly);
        Assert.Contains("a callback on another rank stopped the run", runs[0].Value!.StoppedEarly);
    }

    [Fact]
    public void Losses_whose_batch_value_is_not_their_shards_summed_are_refused_on_every_rank()
    {
        var weighted = Enumerable.Range(0, 2).Select(_ => Mlp().Compile(new TrainingSetup(Loss.SoftmaxCrossEntropy(ClassTargets.Indices, 0, new[] { 1.0, 2, 1, 1 }),
            Optimizer.Sgd(0.1)) { SplitStep = true }, Backend.Expressions)).ToArray();
        Assert.NotNull(weighted[0].Signature.ShardingCaveat);
        var runs = ThreadGroup.Run(2, comm => weighted[comm.Rank].Fit(Data(100, 1), Options(20, comm)));
        Assert.All(runs, r => Assert.Contains("summed class weights", Assert.IsType<ArgumentException>(r.Error).Message));
        Assert.Null(Compile(split: true).Signature.ShardingCaveat);
    }

    [Fact]
    public void Shards_too_small_for_BatchNorm_are_refused_with_the_batch_size_that_works()
    {
        Network Net() => Model.Build(new Sequential(new Dense(In, 8), new BatchNorm1d(8), new ReLU(), new Dense(8, Classes)), In, 2)
            .Compile(new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(0.1)) { SplitStep = true }, Backend.Expressions);
        var nets = new[] { Net(), Net() };
        var runs = ThreadGroup.Run(2, comm => nets[comm.Rank].Fit(Data(100, 1), new TrainingOptions { Steps = 3, BatchSize = 3, Communicator = comm }));
        Assert.All(runs, r =>
        {
            var m = Assert.IsType<ArgumentException>(r.Error).Message;
            Assert.Contains("a batch of 3 rows gives shards of 1 row(s)", m);
            Assert.Contains("at least 4 rows", m);
        });
        // Batches of 4 (2 rows per rank) train, and the running statistics are the same on both ranks.
        runs = ThreadGroup.Run(2, comm => nets[comm.Rank].Fit(Data(100, 1), new TrainingOptions { Steps = 3, BatchSize = 4, Communicator = comm }));
        Assert.All(runs, r => Assert.Null(r.Error));
        Assert.Equal(nets[0].ParameterValues("1.running_mean"), nets[1].ParameterValues("1.running_mean"));
        Assert.Equal(nets[0].ParameterValues("1.running_var"), nets[1].ParameterValues("1.running_var"));
    }
}
