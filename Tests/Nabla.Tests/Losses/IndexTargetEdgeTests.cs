using System;
using System.Collections.Generic;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Losses;

/// <summary>
/// Edges of class-index targets and index arithmetic found in review: a −∞ log-probability outside the target class,
/// float class indices that are not integers or out of range at the Network boundary, and sizes that would overflow int.
/// </summary>
public class IndexTargetEdgeTests
{
    private static readonly double Inf = double.PositiveInfinity;

    [Fact]
    public void Nll_ignores_a_minus_infinite_log_probability_of_another_class_as_PyTorch_does()
    {
        // torch.nn.functional.nll_loss(tensor([[-0.5,-inf,-1],[-2,-0.1,-inf]]), tensor([0,1])) = 0.3, grad [[-0.5,0,0],[0,-0.5,0]].
        var g = new Graph(DType.F64);
        var y = g.Input("y", Shape.Of(Shape.Batch, 3));
        var t = g.Input("t", Shape.Of(Shape.Batch), DType.I32);
        var loss = Loss.Nll().Apply(y, t);
        var grad = Autodiff.Grad(loss, new[] { y })[0];
        var bind = new Dictionary<string, Tensor>
        {
            ["y"] = new Tensor(new[] { 2, 3 }, new[] { -0.5, -Inf, -1, -2, -0.1, -Inf }),
            ["t"] = new Tensor(new[] { 2 }, new[] { 0.0, 1.0 }),
        };
        var got = Interpreter.Evaluate(new[] { loss, grad }, bind);
        Assert.Equal(0.3, got[loss].Value, 12);
        Assert.Equal(new[] { -0.5, 0, 0, 0, -0.5, 0 }, got[grad].Data);
    }

    [Theory]
    [InlineData(ClassTargets.Indices)]
    [InlineData(ClassTargets.IntegerIndices)]
    public void Cross_entropy_with_index_targets_stays_finite_with_a_minus_infinite_logit_elsewhere(ClassTargets kind)
    {
        var g = new Graph(DType.F64);
        var z = g.Input("z", Shape.Of(Shape.Batch, 3));
        var t = g.Input("t", Shape.Of(Shape.Batch), kind == ClassTargets.IntegerIndices ? DType.I32 : DType.F64);
        var loss = Loss.SoftmaxCrossEntropy(kind).Apply(z, t);
        var grad = Autodiff.Grad(loss, new[] { z })[0];
        var bind = new Dictionary<string, Tensor>
        {
            ["z"] = new Tensor(new[] { 1, 3 }, new[] { 1.0, -Inf, 2.0 }),
            ["t"] = new Tensor(new[] { 1 }, new[] { 0.0 }),
        };
        var got = Interpreter.Evaluate(new[] { loss, grad }, bind);
        double want = Math.Log(Math.Exp(1) + Math.Exp(2)) - 1; // logsumexp over the finite logits minus the target's
        Assert.Equal(want, got[loss].Value, 12);
        Assert.All(got[grad].Data, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void Float_class_indices_are_checked_at_the_network_boundary()
    {
        var model = Model.Build(new Dense(2, 3), 2, seed: 1);
        var net = model.Compile(new TrainingSetup(Loss.SoftmaxCrossEntropy(ClassTargets.Indices), Optimizer.Sgd(0.1)), Backend.Expressions);
        Assert.Contains("indices < 3", net.Signature.Targets[0].ToString());
        var x = new float[] { 1, 2, 3, 4 };
        Assert.True(float.IsFinite(net.TrainStep(x, new float[] { 0, 2 }, 2, 0.1)));
        var half = Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(x, new float[] { 1.5f, 0 }, 2, 0.1));
        Assert.Contains("1.5", half.Message);
        Assert.Contains("example 0", half.Message);
        var big = Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(x, new float[] { 0, 7 }, 2, 0.1));
        Assert.Contains("[0, 3)", big.Message);
    }

    [Fact]
    public void A_huge_slice_step_takes_one_element_and_a_huge_dilation_is_a_named_shape_error()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(2, 7));
        Assert.Equal(Shape.Of(2, 1), F.Slice(x, 1, 0, 5, int.MaxValue).Shape);
        Assert.Equal(Shape.Of(2, 1), F.Slice(x, 1, 3, SliceAttrs.End, int.MaxValue - 1).Shape);
        var img = g.Input("img", Shape.Of(1, 1, 5, 5));
        var e = Assert.Throws<ShapeException>(() => F.Im2Col(img, 3, 3, 1, 1, 0, 0, 1 << 30, 1));
        Assert.Contains("spans", e.Message);
        var layer = Assert.ThrowsAny<Exception>(() => Model.Build(new Conv2d(1, 1, 3, dilation: 1 << 30), Shape.Of(Shape.Batch, 1, 5, 5)));
        Assert.Contains("spans", layer.Message);
    }
}
