using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Xunit;

namespace Nabla.Tests.Rewrites;

/// <summary>
/// Each stabilization on inputs of ±1000, where the original composition overflows or underflows: the optimized graph
/// gives finite values equal to the float64 math, written out here by hand.
/// </summary>
public class StabilizationTests
{
    private static readonly double[] Xs = { 1000, -1000, 0, 3.5, -2 };

    private static (double[] Before, double[] After, Function Optimized) Run(Func<Node, Node> build) => Run((x, _) => build(x), new double[Xs.Length]);

    // y = build(x, t) for an input t (labels), evaluated at x = Xs and the given t.
    private static (double[] Before, double[] After, Function Optimized) Run(Func<Node, Node, Node> build, double[] ts)
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Xs.Length));
        var t = g.Input("t", Shape.Of(Xs.Length));
        var f = new Function(g, ("y", build(x, t)));
        var opt = Pipeline.Optimize(f, RewriteChecks.Strict()).Function;
        var at = new Dictionary<string, Tensor> { ["x"] = new Tensor(new[] { Xs.Length }, Xs), ["t"] = new Tensor(new[] { Xs.Length }, ts) };
        return (Interpreter.Run(f, at)["y"].Data, Interpreter.Run(opt, at)["y"].Data, opt);
    }

    private static void AssertMath(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(double.IsFinite(actual[i]), $"element {i} is {actual[i]}");
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    [Fact]
    public void Log_of_softmax_becomes_log_softmax()
    {
        var (before, after, opt) = Run(x => F.Log(F.Softmax(x)));
        double max = Xs.Max(), lse = max + Math.Log(Xs.Sum(v => Math.Exp(v - max)));
        Assert.Contains(before, double.IsNegativeInfinity);
        AssertMath(Xs.Select(v => v - lse).ToArray(), after);
        Assert.Equal(1, RewriteChecks.Count(opt, Op.LogSoftmax));
    }

    [Fact]
    public void Log_of_one_plus_exp_becomes_softplus()
    {
        var (before, after, opt) = Run(x => F.Log(1.0 + F.Exp(x)));
        Assert.True(double.IsPositiveInfinity(before[0]));
        AssertMath(Xs.Select(Softplus).ToArray(), after);
        Assert.Equal(Op.Softplus, opt["y"].Op);
    }

    [Fact]
    public void Log_of_sigmoid_becomes_minus_softplus_of_minus_x()
    {
        var (before, after, _) = Run(x => F.Log(F.Sigmoid(x)));
        Assert.True(double.IsNegativeInfinity(before[1]));
        AssertMath(Xs.Select(v => -Softplus(-v)).ToArray(), after);
        Assert.Equal(-1000, after[1]);
    }

    [Fact]
    public void Log_of_one_minus_sigmoid_becomes_minus_softplus()
    {
        var (before, after, _) = Run(x => F.Log(1.0 - F.Sigmoid(x)));
        Assert.True(double.IsNegativeInfinity(before[0]));
        AssertMath(Xs.Select(v => -Softplus(v)).ToArray(), after);
        Assert.Equal(-1000, after[0]);
    }

    [Fact]
    public void Binary_cross_entropy_of_probabilities_becomes_the_logits_form()
    {
        double[] ts = { 0.3, 0.3, 1, 0, 0.5 };
        var (before, after, opt) = Run((x, t) => -(t * F.Log(F.Sigmoid(x)) + (1.0 - t) * F.Log(1.0 - F.Sigmoid(x))), ts);
        Assert.Contains(before, v => !double.IsFinite(v));
        AssertMath(Xs.Select((v, i) => Softplus(v) - ts[i] * v).ToArray(), after);
        Assert.Equal(700, after[0], 9);
        Assert.Equal(300, after[1], 9);
        Assert.Equal(1, RewriteChecks.Count(opt, Op.Softplus));
        Assert.Equal(0, RewriteChecks.Count(opt, Op.Sigmoid) + RewriteChecks.Count(opt, Op.Log));
    }

    [Fact]
    public void Binary_cross_entropy_spelled_as_a_difference_becomes_the_logits_form_too()
    {
        double[] ts = { 0.3, 0.3, 1, 0, 0.5 };
        var (_, after, opt) = Run((x, t) => -t * F.Log(F.Sigmoid(x)) - (1.0 - t) * F.Log(1.0 - F.Sigmoid(x)), ts);
        AssertMath(Xs.Select((v, i) => Softplus(v) - ts[i] * v).ToArray(), after);
        Assert.Equal(1, RewriteChecks.Count(opt, Op.Softplus));
    }

    [Theory]
    [InlineData(4.0)]
    [InlineData(-0.5)]
    public void Binary_cross_entropy_of_scaled_logits_becomes_the_logits_form(double scale)
    {
        // −(a·c) is canonically a·(−c), not neg(a·c): the rule must still see softplus(a·(−c)) as softplus(−(a·c)).
        double[] ts = { 0.3, 0.3, 1, 0, 0.5 };
        var (before, after, opt) = Run((x, t) =>
        {
            var z = x * scale;
            return -(t * F.Log(F.Sigmoid(z)) + (1.0 - t) * F.Log(1.0 - F.Sigmoid(z)));
        }, ts);
        Assert.Contains(before, v => !double.IsFinite(v));
        AssertMath(Xs.Select((v, i) => Softplus(scale * v) - ts[i] * scale * v).ToArray(), after);
        Assert.Equal(1, RewriteChecks.Count(opt, Op.Softplus));
        Assert.Equal(0, RewriteChecks.Count(opt, Op.Sigmoid) + RewriteChecks.Count(opt, Op.Log));
    }

    [Fact]
    public void Log_of_sum_of_exp_becomes_logsumexp()
    {
        var (before, after, opt) = Run(x => F.Log(F.Sum(F.Exp(x), 0)));
        double max = Xs.Max();
        Assert.True(double.IsPositiveInfinity(before[0]));
        AssertMath(new[] { max + Math.Log(Xs.Sum(v => Math.Exp(v - max))) }, after);
        Assert.Equal(Op.LogSumExp, opt["y"].Op);
    }

    [Fact]
    public void Exp_over_sum_of_exp_becomes_softmax()
    {
        var (before, after, _) = Run(x => F.Exp(x) / F.Sum(F.Exp(x), new[] { 0 }, true));
        Assert.Contains(before, double.IsNaN);
        double max = Xs.Max(), sum = Xs.Sum(v => Math.Exp(v - max));
        AssertMath(Xs.Select(v => Math.Exp(v - max) / sum).ToArray(), after);
    }

    [Fact]
    public void Log_of_exp_is_x()
    {
        var (before, after, opt) = Run(x => F.Log(F.Exp(x)));
        Assert.True(double.IsPositiveInfinity(before[0]));
        AssertMath(Xs, after);
        Assert.Equal(Op.Input, opt["y"].Op);
    }

    [Fact]
    public void Softmax_cross_entropy_gradient_is_finite_at_large_logits()
    {
        // Written the unstable way, log(softmax(z)): its reverse mode divides by the softmax, which underflows to 0.
        var g = new Graph(DType.F64);
        var z = g.Input("z", Shape.Of(Shape.Batch, 3));
        var t = g.Input("t", Shape.Of(Shape.Batch, 3));
        var loss = F.Mean(-F.Sum(t * F.Log(F.Softmax(z)), 1));
        var f = new Function(g, ("loss", loss), ("dz", Autodiff.Grad(loss, new[] { z })[0]));
        var opt = Pipeline.Optimize(f, RewriteChecks.Strict()).Function;
        double[] zs = { 1000, -1000, 0, 2, 1, -3 }, ts = { 0, 1, 0, 1, 0, 0 };
        var at = new Dictionary<string, Tensor> { ["z"] = new Tensor(new[] { 2, 3 }, zs), ["t"] = new Tensor(new[] { 2, 3 }, ts) };
        var before = Interpreter.Run(f, at);
        var after = Interpreter.Run(opt, at);
        Assert.Contains(before["dz"].Data, v => !double.IsFinite(v));
        var expected = new double[6];
        double lossSum = 0;
        for (int b = 0; b < 2; b++)
        {
            double max = Enumerable.Range(0, 3).Max(j => zs[b * 3 + j]);
            double sum = Enumerable.Range(0, 3).Sum(j => Math.Exp(zs[b * 3 + j] - max));
            for (int j = 0; j < 3; j++)
            {
                double p = Math.Exp(zs[b * 3 + j] - max) / sum;
                expected[b * 3 + j] = (p - ts[b * 3 + j]) / 2;
                lossSum -= ts[b * 3 + j] * (zs[b * 3 + j] - max - Math.Log(sum));
            }
        }
        AssertMath(expected, after["dz"].Data);
        AssertMath(new[] { lossSum / 2 }, after["loss"].Data);
        Assert.InRange(after["loss"].Value, 1000, 1001); // the sample whose target sits on z = −1000 costs 2000 nats
    }
}
