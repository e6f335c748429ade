using System;
using System.Linq;
using Nabla.Lowering;
using Xunit;

namespace Nabla.Tests.Training;

/// <summary>
/// The training step split at the gradient (<see cref="TrainingSetup.SplitStep"/>): ComputeGradients then ApplyUpdate
/// trains as the fused TrainStep does, on both backends and with every optimizer's state; shards of a batch with their
/// own dropout rows sum to the whole batch's gradient; misuse is refused with a message.
/// </summary>
[Collection("Jit")]
public class SplitStepTests
{
    private const int In = 12, Classes = 5;

    private static Model Mlp(int seed = 3) =>
        Model.Build(new Sequential(new Dense(In, 16), new ReLU(), new Dropout(0.25), new Dense(16, 16), new Tanh(), new Dense(16, Classes)), In, seed);

    private static (float[] X, float[] T) Data(int rows, int seed)
    {
        var r = new Random(seed);
        var x = Enumerable.Range(0, rows * In).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        var t = new float[rows * Classes];
        for (int i = 0; i < rows; i++) t[i * Classes + r.Next(Classes)] = 1;
        return (x, t);
    }

    [Theory]
    [InlineData(Backend.Expressions, "adam")]
    [InlineData(Backend.Roslyn, "adam")]
    [InlineData(Backend.Expressions, "momentum")]
    [InlineData(Backend.Expressions, "sgd")]
    [InlineData(Backend.Expressions, "rmsprop")]
    public void ComputeGradients_then_ApplyUpdate_trains_as_the_fused_step(Backend backend, string optimizer)
    {
        var setup = new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.FromName(optimizer, 0.01, weightDecay: 1e-3)) { SplitStep = true };
        var fused = Mlp().Compile(setup, backend, dropoutSeed: 7);
        var split = Mlp().Compile(setup, backend, dropoutSeed: 7);
        Assert.True(split.HasSplitStep);
        Assert.Equal(split.Signature.Parameters.Sum(p => p.Shape.Aggregate(1, (a, d) => a * d)), split.Gradients.Length);
        const int batch = 24;
        for (int step = 0; step < 30; step++)
        {
            var (x, t) = Data(batch, step);
            float a = fused.TrainStep(x, t, batch, 0.01);
            float b = split.ComputeGradients(x, t, batch);
            split.ApplyUpdate(0.01);
            Assert.True(Math.Abs(a - b) <= 1e-5 * Math.Max(1, Math.Abs(a)), $"step {step}: loss {a} fused, {b} split");
        }
        Assert.Equal(fused.Step, split.Step);
        double worst = 0;
        foreach (var p in fused.Signature.Parameters.Select(p => p.Name).Concat(fused.State.Select(s => s.Name)))
        {
            var (u, v) = fused.Signature.Parameters.Any(q => q.Name == p) ? (fused.ParameterValues(p), split.ParameterValues(p)) : (fused.StateValues(p), split.StateValues(p));
            double scale = u.Max(Math.Abs) + 1e-30;
            for (int i = 0; i < u.Length; i++) worst = Math.Max(worst, Math.Abs(u[i] - v[i]) / scale);
        }
        // The split step sums in another order (the update is a separate loop, not a GEMM epilogue): float32 rounding only.
        Assert.True(worst < 1e-4, $"largest difference after 30 steps: {worst:G3} of the tensor's largest value");
    }

    [Fact]
    public void The_flat_gradient_is_the_SGD_update_divided_by_the_learning_rate()
    {
        var setup = new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(0.5)) { SplitStep = true, Dropout = false };
        var net = Mlp().Compile(setup, Backend.Expressions);
        var (x, t) = Data(10, 1);
        net.ComputeGradients(x, t, 10);
        var g = net.Gradients.ToArray();
        var before = net.SnapshotParameters();
        net.ApplyUpdate(0.5);
        foreach (var slice in net.Signature.GradientLayout!)
        {
            var w0 = before[slice.Parameter]; var w1 = net.ParameterValues(slice.Parameter);
            for (int i = 0; i < w0.Length; i++)
                Assert.True(Math.Abs((w0[i] - w1[i]) / 0.5 - g[slice.Offset + i]) <= 1e-6 + 1e-5 * Math.Abs(g[slice.Offset + i]),
                    $"{slice.Parameter}[{i}]: update/lr {(w0[i] - w1[i]) / 0.5}, gradient {g[slice.Offset + i]}");
        }
        Assert.Contains(g, v => v != 0);
    }

    [Fact]
    public void Shards_of_a_batch_weighted_by_their_rows_give_the_whole_batchs_gradient_and_dropout()
    {
        var setup = new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Adam(0.01)) { SplitStep = true };
        var net = Mlp().Compile(setup, Backend.Expressions, dropoutSeed: 11);
        net.Step = 4;
        const int batch = 30;
        var (x, t) = Data(batch, 5);
        float whole = net.ComputeGradients(x, t, batch);
        var want = net.Gradients.ToArray();
        var sum = new double[want.Length];
        double loss = 0;
        foreach (var (start, rows) in new[] { (0, 13), (13, 9), (22, 8) })
        {
            var xs = x.Skip(start * In).Take(rows * In).ToArray();
            var ts = t.Skip(start * Classes).Take(rows * Classes).ToArray();
            loss += (double)rows / batch * net.ComputeGradients(xs, ts, rows, new BatchShard(start, batch));
            var g = net.Gradients;
            for (int i = 0; i < sum.Length; i++) sum[i] += (double)rows / batch * g[i];
        }
        Assert.True(Math.Abs(loss - whole) < 1e-5, $"loss of the shards {loss}, of the batch {whole}");
        double scale = want.Max(Math.Abs);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(sum[i] - want[i]) <= 2e-6 * scale, $"gradient[{i}]: shards {sum[i]}, whole batch {want[i]}");
        Assert.Equal(4, net.Step); // not counted until ApplyUpdate
    }

    [Fact]
    public void Misuse_is_refused_with_a_message()
    {
        var plain = Mlp().Compile(new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(0.1)), Backend.Expressions);
        var e = Assert.Throws<InvalidOperationException>(() => plain.ComputeGradients(new float[In], new float[Classes], 1));
        Assert.Contains("SplitStep", e.Message);
        Assert.Throws<InvalidOperationException>(() => plain.ApplyUpdate(0.1));

        var net = Mlp().Compile(new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(0.1)) { SplitStep = true }, Backend.Expressions);
        var shard = Assert.Throws<ArgumentOutOfRangeException>(() => net.ComputeGradients(new float[4 * In], new float[4 * Classes], 4, new BatchShard(7, 10)));
        Assert.Contains("[7, 11)", shard.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.ApplyUpdate(double.NaN));

        var frozen = Mlp();
        foreach (var p in frozen.Parameters.Entries) p.Parameter.Trainable = false;
        var none = Assert.Throws<ArgumentException>(() => Lowerer.Lower(frozen, new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(0.1)) { SplitStep = true }));
        Assert.Contains("every parameter is frozen", none.Message);
    }
}
