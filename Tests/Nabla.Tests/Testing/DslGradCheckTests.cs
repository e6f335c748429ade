using System;
using System.Linq;
using Nabla.Ir;
using Nabla.Testing;
using Xunit;
using B = Nabla.Ir.Shape;

namespace Nabla.Tests.Testing;

/// <summary>
/// DSL modules, the losses and a small network checked through the public <see cref="GradCheck"/>: gradients with
/// respect to inputs and every trainable parameter against finite differences, JVP against VJP, and the Expressions
/// backend against the interpreter.
/// </summary>
public class DslGradCheckTests
{
    private static readonly GradCheckOptions Fast = BuiltInOpGradCheckTests.Fast with { Cases = 4 };
    private static int S => B.Batch;

    private sealed class TwoLayerResidual : Module
    {
        private readonly Dense _a = new(4), _b = new(4);
        public TwoLayerResidual() : base("ResidualBlock") { Add("a", _a); Add("b", _b); }
        protected override Node Forward(Node x) => F.Tanh(x + _b[F.Tanh(_a[x])]);
    }

    public static TheoryData<string> Modules => new() { "dense", "conv1d", "conv2d", "residual", "gru", "layernorm", "mlp" };

    private static (Module, B) ModuleFor(string name) => name switch
    {
        "dense" => (new Dense(3, 2), B.Of(S, 3)),
        "conv1d" => (new Conv1d(2, 2, 3, padding: 1), B.Of(S, 2, 4)),
        "conv2d" => (new Conv2d(1, 2, 2, stride: 1, padding: 1), B.Of(S, 1, 3, 3)),
        "residual" => (new Sequential(new Dense(3, 4), new TwoLayerResidual(), new Residual(new Sequential(new Dense(4, 4), new Tanh()))), B.Of(S, 3)),
        "gru" => (new GRU(2, 3), B.Of(S, 3, 2)),
        "layernorm" => (new LayerNorm(4), B.Of(S, 4)),
        "mlp" => (new Sequential(new Dense(3, 5), new ReLU(), new Dense(5, 2), new Softplus()), B.Of(S, 3)),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Modules))]
    public void Module_passes_the_public_gradient_check(string name)
    {
        var (module, shape) = ModuleFor(name);
        var r = GradCheck.Module(module, shape, Fast, seed: 7);
        Assert.True(r.Passed, r.ToString());
    }

    public static TheoryData<string> Losses => new() { "mse", "least_squares", "l1", "huber", "bce", "bce_weighted", "ce_probabilities", "ce_indices", "ce_integer", "ce_smoothing", "nll" };

    private static (Loss, B, TargetKind) LossFor(string name) => name switch
    {
        "mse" => (Loss.Mse(), B.Of(S, 3), TargetKind.Real),
        "least_squares" => (Loss.LeastSquares(), B.Of(S, 2), TargetKind.Real),
        // |y − t| and Huber's |y − t| = δ are kinks at targets the values rarely hit; the check detects any it meets.
        "l1" => (Loss.L1(), B.Of(S, 3), TargetKind.Real),
        "huber" => (Loss.Huber(0.5), B.Of(S, 3), TargetKind.Real),
        "bce" => (Loss.BinaryCrossEntropyWithLogits(), B.Of(S, 2), TargetKind.Binary),
        "bce_weighted" => (Loss.BinaryCrossEntropyWithLogits(new[] { 2.0, 0.5 }), B.Of(S, 2), TargetKind.UnitInterval),
        "ce_probabilities" => (Loss.SoftmaxCrossEntropy(), B.Of(S, 4), TargetKind.Probabilities),
        "ce_indices" => (Loss.SoftmaxCrossEntropy(ClassTargets.Indices), B.Of(S, 4), TargetKind.ClassIndices),
        "ce_integer" => (Loss.SoftmaxCrossEntropy(ClassTargets.IntegerIndices), B.Of(S, 4), TargetKind.Auto),
        "ce_smoothing" => (Loss.SoftmaxCrossEntropy(ClassTargets.IntegerIndices, 0.1, new[] { 1.0, 2.0, 0.5 }), B.Of(S, 3), TargetKind.Auto),
        "nll" => (Loss.Nll(), B.Of(S, 3), TargetKind.Auto),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Losses))]
    public void Loss_passes_the_public_gradient_check(string name)
    {
        var (loss, shape, targets) = LossFor(name);
        var r = GradCheck.Loss(loss, shape, Fast with { Targets = targets });
        Assert.True(r.Passed, r.ToString());
        var sum = GradCheck.Loss(loss, shape, Fast with { Targets = targets, Cases = 2 }, Reduction.Sum);
        Assert.True(sum.Passed, sum.ToString());
    }

    [Fact]
    public void A_small_network_with_its_training_setup_passes()
    {
        var model = Model.Build(new Sequential(new Dense(3, 4), new Tanh(), new Dense(4, 3)), 3, seed: 5);
        var setup = new TrainingSetup(Loss.SoftmaxCrossEntropy(ClassTargets.IntegerIndices), Optimizer.Sgd(0.1))
        {
            Regularizers = new[] { Regularizer.L2(0.01) },
        };
        var r = GradCheck.Network(model, setup, Fast);
        Assert.True(r.Passed, r.ToString());
        Assert.Contains("passed 4 cases", r.ToString());
    }

    private static readonly Op MissingFactor = Op.Define("softplus_missing_factor", F.Softplus, (y, g) => new[] { g });

    [Fact]
    public void A_wrong_custom_op_inside_a_module_is_caught_and_named()
    {
        var module = new Sequential(new Dense(2, 3), Module.Lambda("BadSoftplus", MissingFactor.Call), new Dense(3, 1));
        var r = GradCheck.Module(module, B.Of(S, 2), Fast, seed: 3);
        Assert.False(r.Passed);
        var f = r.Failure!;
        Assert.Contains(f.Check, new[] { GradCheckKind.FiniteDifferences, GradCheckKind.JvpVsVjp });
        Assert.Equal(1, f.Case.Batch); // shrunk from up to 4
        if (f.Check == GradCheckKind.FiniteDifferences) Assert.Contains(f.Variable, new[] { "x", "0.weight", "0.bias", "2.weight", "2.bias" });
        Assert.Contains("module Sequential", r.ToString());
    }

    [Fact]
    public void A_wrong_custom_op_inside_a_network_is_caught_on_a_parameter()
    {
        var model = Model.Build(new Sequential(new Dense(2, 3), Module.Lambda("BadSoftplus", MissingFactor.Call), new Dense(3, 2)), 2, seed: 1);
        var setup = new TrainingSetup(Loss.Mse(), Optimizer.Sgd(0.1));
        var r = GradCheck.Network(model, setup, Fast);
        Assert.False(r.Passed);
        var f = r.Failure!;
        Assert.Contains(f.Check, new[] { GradCheckKind.FiniteDifferences, GradCheckKind.JvpVsVjp });
        if (f.Check == GradCheckKind.FiniteDifferences) Assert.Contains(f.Variable, new[] { "0.weight", "0.bias" }); // only the first layer's gradient passes through the op
    }
}
