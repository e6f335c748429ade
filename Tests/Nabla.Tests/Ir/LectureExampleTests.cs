using System;
using System.Collections.Generic;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>The lectures' worked examples, reproduced exactly by the interpreter and the symbolic derivatives.</summary>
public class LectureExampleTests
{
    private static Dictionary<string, Tensor> At(params (string Name, Tensor Value)[] values)
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (n, v) in values) d[n] = v;
        return d;
    }

    [Fact]
    public void Computational_graph_example_value_and_gradient()
    {
        // z = sin(x1) + x1·x2 at (2, 3): z = sin 2 + 6 = 6.909…, dz/dx1 = cos 2 + x2 = 2.584…, dz/dx2 = x1 = 2.
        var g = new Graph(DType.F64);
        var x1 = g.Input("x1", Shape.Scalar);
        var x2 = g.Input("x2", Shape.Scalar);
        var z = F.Sin(x1) + x1 * x2;
        var grad = Autodiff.Grad(new Function(g, ("z", z)), "z", "x1", "x2");
        var r = Interpreter.Run(grad, At(("x1", Tensor.Scalar(2)), ("x2", Tensor.Scalar(3))));

        Assert.Equal(Math.Sin(2) + 2 * 3, r["value"].Value);
        Assert.Equal(Math.Cos(2) + 3, r["d/dx1"].Value);
        Assert.Equal(2.0, r["d/dx2"].Value);
        Assert.Equal(6.909, r["value"].Value, 3);   // the lecture's rounded figures
        Assert.Equal(2.584, r["d/dx1"].Value, 3);
    }

    [Fact]
    public void Computational_graph_example_in_forward_mode_and_second_order()
    {
        var g = new Graph(DType.F64);
        var x1 = g.Input("x1", Shape.Scalar);
        var x2 = g.Input("x2", Shape.Scalar);
        var z = F.Sin(x1) + x1 * x2;
        var one = g.Const(1.0); var zero = g.Const(0.0);
        // Forward mode, one seed per variable: ż along e1 is ∂z/∂x1, along e2 it is ∂z/∂x2.
        var alongX1 = Autodiff.Jvp(new[] { z }, new[] { x1, x2 }, new[] { one, zero })[0];
        var alongX2 = Autodiff.Jvp(new[] { z }, new[] { x1, x2 }, new[] { zero, one })[0];
        // The Hessian [[−sin x1, 1], [1, 0]] times (1, 0), by forward-over-reverse.
        var hv = Autodiff.HessianVectorProduct(z, new[] { x1, x2 }, new[] { one, zero });
        var at = At(("x1", Tensor.Scalar(2)), ("x2", Tensor.Scalar(3)));
        var v = Interpreter.Evaluate(new[] { alongX1, alongX2, hv[0], hv[1] }, at);

        Assert.Equal(Math.Cos(2) + 3, v[alongX1].Value);
        Assert.Equal(2.0, v[alongX2].Value);
        Assert.Equal(-Math.Sin(2), v[hv[0]].Value, 15);
        Assert.Equal(1.0, v[hv[1]].Value);
    }

    [Theory]
    [InlineData(-3.0)]
    [InlineData(-0.5)]
    [InlineData(0.0)]
    [InlineData(0.7)]
    [InlineData(4.0)]
    public void Sigmoid_derivative_is_sigma_times_one_minus_sigma(double x)
    {
        var g = new Graph(DType.F64);
        var xn = g.Input("x", Shape.Scalar);
        var d = Autodiff.Grad(F.Sigmoid(xn), new[] { xn })[0];
        var r = Interpreter.Evaluate(new[] { d }, At(("x", Tensor.Scalar(x))))[d].Value;
        double s = 1 / (1 + Math.Exp(-x));
        Assert.Equal(s * (1 - s), r, 15);
    }

    [Fact]
    public void Relu_derivative_is_the_step_function()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", new Shape(5));
        var d = Autodiff.Grad(F.Sum(F.Relu(x)), new[] { x })[0];
        var r = Interpreter.Evaluate(new[] { d }, At(("x", Tensor.Of(new[] { -2.0, -0.1, 0.3, 5, -7 }, 5))))[d];
        Assert.Equal(new[] { 0.0, 0, 1, 1, 0 }, r.Data);
    }

    [Fact]
    public void Softmax_cross_entropy_gradient_is_y_minus_t()
    {
        // L = −Σ t·log softmax(z): ∂L/∂z = softmax(z) − t.
        var g = new Graph(DType.F64);
        var z = g.Input("z", new Shape(4));
        var t = g.Input("t", new Shape(4));
        var loss = -F.Sum(t * F.LogSoftmax(z));
        var d = Autodiff.Grad(loss, new[] { z })[0];
        var logits = new[] { 1.0, -2.0, 0.5, 3.0 };
        var target = new[] { 0.0, 0, 1, 0 };
        var r = Interpreter.Evaluate(new[] { d }, At(("z", Tensor.Of(logits, 4)), ("t", Tensor.Of(target, 4))))[d];

        double sum = 0; foreach (var v in logits) sum += Math.Exp(v);
        for (int i = 0; i < 4; i++) Assert.Equal(Math.Exp(logits[i]) / sum - target[i], r.Data[i], 15);
    }

    [Fact]
    public void Mean_softmax_cross_entropy_over_the_batch_has_gradient_y_minus_t_over_B()
    {
        var g = new Graph(DType.F64);
        var z = g.Input("z", new Shape(Shape.Batch, 3));
        var t = g.Input("t", new Shape(Shape.Batch, 3));
        var loss = F.Mean(-F.Sum(t * F.LogSoftmax(z, 1), 1));
        var d = Autodiff.Grad(loss, new[] { z })[0];
        var logits = new[] { 0.2, 1.0, -1.0, 2.0, 2.0, 0.0 };
        var target = new[] { 0.0, 1, 0, 1, 0, 0 };
        var r = Interpreter.Evaluate(new[] { d, loss }, At(("z", Tensor.Of(logits, 2, 3)), ("t", Tensor.Of(target, 2, 3))));

        Assert.Equal(new[] { 2, 3 }, r[d].Shape);
        double expectedLoss = 0;
        for (int b = 0; b < 2; b++)
        {
            double sum = 0; for (int k = 0; k < 3; k++) sum += Math.Exp(logits[b * 3 + k]);
            for (int k = 0; k < 3; k++)
            {
                double y = Math.Exp(logits[b * 3 + k]) / sum;
                Assert.Equal((y - target[b * 3 + k]) / 2, r[d].Data[b * 3 + k], 15);
                if (target[b * 3 + k] == 1) expectedLoss -= Math.Log(y) / 2;
            }
        }
        Assert.Equal(expectedLoss, r[loss].Value, 14);
    }
}
