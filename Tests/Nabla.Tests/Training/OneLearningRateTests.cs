using System;
using Nabla.Training;
using Xunit;

namespace Nabla.Tests.Training;

/// <summary>
/// The learning rate is given once: the optimizer's is the network's rate, a schedule on the network (or in the Fit
/// options) varies it per step, and a schedule that starts elsewhere than the network's rate is an error naming both.
/// </summary>
public class OneLearningRateTests
{
    private static (float[] X, float[] T) Batch(int n)
    {
        var d = TrainerTests.Blobs(n, 3);
        return (d.Features, d.OneHot());
    }

    private static void SameWeights(Network a, Network b)
    {
        foreach (var p in a.Signature.Parameters) Assert.Equal(a.ParameterValues(p.Name), b.ParameterValues(p.Name));
        Assert.Equal(a.Step, b.Step);
    }

    [Fact]
    public void TrainStepWithoutARateUsesTheOptimizersRate()
    {
        var lowered = TrainerTests.Lowered(Optimizer.Adam(0.02));
        var (x, t) = Batch(16);
        var a = TrainerTests.Fresh(lowered);
        var b = TrainerTests.Fresh(lowered);
        var c = TrainerTests.Fresh(lowered);
        Assert.Equal(0.02, a.LearningRate.At(0));
        for (int k = 0; k < 3; k++)
        {
            a.TrainStep(x, t, 16);
#pragma warning disable CS0618 // the obsolete overload, with the same and with another rate
            b.TrainStep(x, t, 16, 0.02);
            c.TrainStep(x, t, 16, 0.05);
#pragma warning restore CS0618
        }
        SameWeights(a, b);
        Assert.NotEqual(a.ParameterValues(a.Signature.Parameters[0].Name), c.ParameterValues(c.Signature.Parameters[0].Name));
    }

    [Fact]
    public void AScheduleOnTheNetworkSetsTheRateOfEachStep()
    {
        var lowered = TrainerTests.Lowered(Optimizer.Sgd(0.1), dropout: 0);
        var (x, t) = Batch(16);
        var scheduled = TrainerTests.Fresh(lowered);
        var pinned = TrainerTests.Fresh(lowered);
        scheduled.LearningRate = LearningRate.Step(0.1, stepSize: 2, gamma: 0.5);   // 0.1, 0.1, 0.05, 0.05
        foreach (double lr in new[] { 0.1, 0.1, 0.05, 0.05 })
        {
            scheduled.TrainStep(x, t, 16);
#pragma warning disable CS0618
            pinned.TrainStep(x, t, 16, lr);
#pragma warning restore CS0618
        }
        SameWeights(scheduled, pinned);
        Assert.Throws<ArgumentNullException>(() => scheduled.LearningRate = null!);
    }

    [Fact]
    public void AFitScheduleThatDoesNotStartAtTheOptimizersRateIsAnErrorNamingBoth()
    {
        var net = TrainerTests.Fresh(TrainerTests.Lowered(Optimizer.Adam(0.003)));
        var train = TrainerTests.Blobs(40, 1);
        var e = Assert.Throws<ArgumentException>(() => net.Fit(train, new TrainingOptions { Epochs = 1, LearningRate = 0.01 }));
        Assert.Contains("given twice", e.Message);
        Assert.Contains("TrainingOptions.LearningRate starts at 0.01", e.Message);
        Assert.Contains("the network's rate is 0.003", e.Message);
        Assert.Contains("adam(lr=0.003", e.Message);
        Assert.Equal(0, net.Step);                                            // nothing trained
        e = Assert.Throws<ArgumentException>(() => net.Fit(train, new TrainingOptions { Epochs = 1, LearningRate = LearningRate.Cosine(0.01, 100) }));
        Assert.Contains("cosine(0.01", e.Message);
        Assert.Equal(0, net.Step);
    }

    [Fact]
    public void AFitScheduleDrivesItsRunOnlyAndResumesWhenGivenAgain()
    {
        var lowered = TrainerTests.Lowered(Optimizer.Adam(0.02), dropout: 0);
        var train = TrainerTests.Blobs(64, 1);
        var viaFit = TrainerTests.Fresh(lowered);
        var cosine = LearningRate.Cosine(0.02, 8);
        viaFit.Fit(train, new TrainingOptions { Steps = 4, BatchSize = 16, Shuffle = false, LearningRate = cosine });
        Assert.Equal("constant(0.02)", viaFit.LearningRate.ToString()); // the network's own rate is untouched
        Assert.Equal(0.02, viaFit.LearningRate.At(100));
        viaFit.Fit(train, new TrainingOptions { Steps = 8, BatchSize = 16, Shuffle = false, LearningRate = cosine });  // resumes at step 4

        var byHand = TrainerTests.Fresh(lowered);
        byHand.LearningRate = LearningRate.Cosine(0.02, 8);
        var (x, t) = (train.Features, train.OneHot());
        for (int k = 0; k < 8; k++)
        {
            var xs = new float[16 * 4]; var ts = new float[16 * 3];
            Array.Copy(x, (k % 4) * 16 * 4, xs, 0, xs.Length);
            Array.Copy(t, (k % 4) * 16 * 3, ts, 0, ts.Length);
            byHand.TrainStep(xs, ts, 16);
        }
        SameWeights(viaFit, byHand);

        // Past the end of a schedule that ends at 0: a clear error naming the schedule and the step, from Fit and from
        // TrainStep alike (not an out-of-range argument deep inside the step).
        var e1 = Assert.Throws<InvalidOperationException>(() => viaFit.Fit(train, new TrainingOptions { Steps = 9, BatchSize = 16, LearningRate = cosine }));
        Assert.Contains("cosine", e1.Message);
        Assert.Contains("at step 8", e1.Message);
        var e2 = Assert.Throws<InvalidOperationException>(() => byHand.TrainStep(x[..(16 * 4)], t[..(16 * 3)], 16));
        Assert.Contains("Network.LearningRate (cosine", e2.Message);
        Assert.Contains("at step 8", e2.Message);

        // A Fit rejected for its options (early stopping without a validation set) changes nothing.
        var rejected = TrainerTests.Fresh(lowered);
        Assert.Throws<ArgumentException>(() => rejected.Fit(train, new TrainingOptions
        {
            Steps = 4, LearningRate = LearningRate.Step(0.02, 1, 0.001), EarlyStopping = new EarlyStopping(3),
        }));
        Assert.Equal("constant(0.02)", rejected.LearningRate.ToString());
        Assert.Equal(0.02, rejected.LearningRate.At(3));

        // A network whose rate was set: a Fit schedule must start there (the message says where the rate came from).
        var set = TrainerTests.Fresh(lowered);
        set.LearningRate = 0.05;
        var e = Assert.Throws<ArgumentException>(() => set.Fit(train, new TrainingOptions { Steps = 1, LearningRate = 0.02 }));
        Assert.Contains("set as Network.LearningRate", e.Message);
        set.Fit(train, new TrainingOptions { Steps = 1, LearningRate = LearningRate.Step(0.05, 10) });
        Assert.Equal(1, set.Step);
    }
}
