using System;
using Xunit;

namespace Nabla.Tests.Training;

public class LearningRateTests
{
    [Fact]
    public void Constant_is_the_same_at_every_step()
    {
        var lr = LearningRate.Constant(0.05);
        foreach (var k in new long[] { 0, 1, 7, 1_000_000 }) Assert.Equal(0.05, lr.At(k));
        LearningRate implicitRate = 0.01;
        Assert.Equal(0.01, implicitRate.At(123));
    }

    [Fact]
    public void Step_decay_multiplies_by_gamma_every_step_size_steps()
    {
        var lr = LearningRate.Step(0.1, stepSize: 10, gamma: 0.5);
        Assert.Equal(0.1, lr.At(0));
        Assert.Equal(0.1, lr.At(9));
        Assert.Equal(0.05, lr.At(10));
        Assert.Equal(0.05, lr.At(19));
        Assert.Equal(0.025, lr.At(20));
        Assert.Equal(0.1 * 0.5 * 0.5 * 0.5, lr.At(35), 15);
    }

    [Fact]
    public void Cosine_goes_from_lr_through_the_midpoint_to_the_minimum()
    {
        var lr = LearningRate.Cosine(0.1, totalSteps: 100, minLr: 0.02);
        Assert.Equal(0.1, lr.At(0), 15);
        Assert.Equal((0.1 + 0.02) / 2, lr.At(50), 15);                                     // cos(π/2) = 0
        Assert.Equal(0.02 + 0.08 * (1 + Math.Sqrt(0.5)) / 2, lr.At(25), 15);               // cos(π/4) = √½
        Assert.Equal(0.02 + 0.08 * (1 - Math.Sqrt(0.5)) / 2, lr.At(75), 15);
        Assert.Equal(0.02, lr.At(100), 15);
        Assert.Equal(0.02, lr.At(5000), 15);
        for (long k = 1; k <= 100; k++) Assert.True(lr.At(k) <= lr.At(k - 1), $"not decreasing at {k}");
    }

    [Fact]
    public void Bad_rates_are_rejected_with_the_parameter_named()
    {
        Assert.Equal("lr", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRate.Constant(0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRate.Constant(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRate.Constant(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRate.Step(0.1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRate.Cosine(0.1, 10, minLr: 0.2));
        var custom = LearningRate.From(k => k < 2 ? 0.1 : -1, "broken");
        Assert.Equal(0.1, custom.At(1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => custom.At(2));
        Assert.Contains("broken", e.Message);
        Assert.Contains("step 2", e.Message);
    }

    [Fact]
    public void Optimizers_reject_bad_learning_rates_and_coefficients()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.Sgd(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.Adam(-1e-3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.Momentum(0.1, beta: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.RmsProp(0.1, epsilon: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.Sgd(0.1, weightDecay: -1));
        var e = Assert.Throws<ArgumentException>(() => Optimizer.FromName("lbfgs"));
        Assert.Contains("adam", e.Message);
        Assert.Equal("adam", Optimizer.FromName("Adam", 0.01).Name);
        Assert.Equal("adam(lr=0.01,beta1=0.9,beta2=0.999,eps=1E-08,weight_decay=0)", Optimizer.Adam(0.01).Describe());
    }
}
