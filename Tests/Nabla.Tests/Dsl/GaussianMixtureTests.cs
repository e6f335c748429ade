using System;
using System.Linq;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Dsl;

/// <summary><see cref="MixtureDensityLoss.Mixture"/>: decoding a mixture density network's outputs into its mixture, agreeing with the loss.</summary>
public class GaussianMixtureTests
{
    [Fact]
    public void Decodes_the_layout_by_hand()
    {
        // K = 2, D = 2: [a1 a2 | μ11 μ12 μ21 μ22 | s11 s12 s21 s22]; a second example follows.
        var outputs = new float[] { 0.5f, -0.5f, 1, 2, 3, 4, 0, -1, 0.5f, 0.25f,
                                    0, 3, -1, -2, -3, -4, 0, 0, 0, 0 };
        var mdn = new MixtureDensityLoss(2, 2);
        var m = mdn.Mixture(outputs, 0);
        Assert.Equal((2, 2), (m.K, m.D));
        double w1 = 1 / (1 + Math.Exp(-1.0));
        Oracle.Close(w1, m.Weight(0), 1e-15);
        Oracle.Close(1 - w1, m.Weight(1), 1e-15);
        Assert.Equal(0, m.MostProbable);
        Assert.Equal(new[] { 1.0, 2 }, m.Mean(0));
        Assert.Equal(3, m.Mean(1, 0));
        Assert.Equal(4, m.Mean(1, 1));
        Oracle.Close(Math.Exp(-1), m.Scale(0, 1), 1e-15);
        Oracle.Close(Math.Exp(0.25), m.Scale(1, 1), 1e-15);
        var second = mdn.Mixture(outputs, 1);
        Assert.Equal(1, second.MostProbable);
        Assert.Equal(new[] { -3.0, -4 }, second.Mean(1));
        // One component, one dimension: the log-density is the Gaussian's.
        var g = new MixtureDensityLoss(1).Mixture(new float[] { 7, 0.5f, -0.25f }, 0);
        Oracle.Close(-0.5 * Math.Pow((1.5 - 0.5) / Math.Exp(-0.25), 2) + 0.25 - 0.5 * Math.Log(2 * Math.PI), g.LogDensity(new[] { 1.5 }), 1e-14);
    }

    [Fact]
    public void Log_density_is_minus_the_loss_per_example_for_random_outputs()
    {
        var rng = new Rng(11);
        foreach (var (k, d) in new[] { (1, 1), (3, 1), (2, 2), (4, 3) })
        {
            var mdn = new MixtureDensityLoss(k, d);
            const int b = 5;
            // float outputs (as Predict returns them), given to the float64 interpreter exactly.
            var y = Enumerable.Range(0, b * mdn.Width).Select(_ => (float)rng.Uniform(-2, 2)).ToArray();
            var t = Enumerable.Range(0, b * d).Select(_ => rng.Uniform(-3, 3)).ToArray();
            var per = Oracle.Eval(a => mdn.PerExample(a[0], a[1]), new[] { Shape.Of(Shape.Batch, mdn.Width), Shape.Of(Shape.Batch, d) },
                new Tensor(new[] { b, mdn.Width }, y.Select(v => (double)v).ToArray()), new Tensor(new[] { b, d }, t)).Data;
            for (int i = 0; i < b; i++)
            {
                var m = mdn.Mixture(y, i);
                Oracle.Close(-per[i], m.LogDensity(t.Skip(i * d).Take(d).ToArray()), 1e-13);
                Oracle.Close(1, Enumerable.Range(0, k).Sum(m.Weight), 1e-14);
            }
        }
    }

    [Fact]
    public void Stays_finite_far_from_every_component()
    {
        // Each component alone would underflow exp(): the log-density is still the exact logsumexp.
        var m = new MixtureDensityLoss(2).Mixture(new float[] { 0, 0, 0, 1, -3, -3 }, 0);
        double z0 = 40 / Math.Exp(-3), z1 = 39 / Math.Exp(-3);
        double l0 = Math.Log(0.5) - 0.5 * z0 * z0 + 3 - 0.5 * Math.Log(2 * Math.PI), l1 = Math.Log(0.5) - 0.5 * z1 * z1 + 3 - 0.5 * Math.Log(2 * Math.PI);
        Oracle.Close(Math.Max(l0, l1) + Math.Log(1 + Math.Exp(Math.Min(l0, l1) - Math.Max(l0, l1))), m.LogDensity(new[] { 40.0 }), 1e-14);
    }

    [Fact]
    public void Bad_arguments_are_clear_errors()
    {
        var mdn = new MixtureDensityLoss(2, 1);
        var e = Assert.Throws<ArgumentException>(() => mdn.Mixture(new float[7], 0));
        Assert.Contains("the outputs hold 7 values, not a multiple of the 6 per example", e.Message);
        Assert.Contains("examples 0..1", Assert.Throws<ArgumentOutOfRangeException>(() => mdn.Mixture(new float[12], 2)).Message);
        Assert.Contains("logit of component 0 in example 0 is NaN", Assert.Throws<ArgumentException>(() => mdn.Mixture(new float[] { float.NaN, 0, 0, 0, 0, 0 }, 0)).Message);
        var m = mdn.Mixture(new float[6], 0);
        Assert.Contains("1-D targets", Assert.Throws<ArgumentException>(() => m.LogDensity(new[] { 1.0, 2 })).Message);
        Assert.Contains("target's value 0 is NaN", Assert.Throws<ArgumentException>(() => m.LogDensity(new[] { double.NaN })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Weight(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Mean(0, 1));
    }

    [Theory]
    // K = 2, D = 2, two examples of 10 outputs: [a1 a2 | μ11 μ12 μ21 μ22 | s11 s12 s21 s22].
    [InlineData(1, 0, "logit of component 0 in example 1 is NaN")]
    [InlineData(1, 1, "logit of component 1 in example 1 is Infinity")]
    [InlineData(0, 2, "mean of component 0, dimension 0, in example 0 is NaN")]
    [InlineData(1, 5, "mean of component 1, dimension 1, in example 1 is -Infinity")]
    [InlineData(0, 7, "log-scale of component 0, dimension 1, in example 0 is NaN")]
    [InlineData(1, 8, "log-scale of component 1, dimension 0, in example 1 is Infinity")]
    public void Every_non_finite_output_is_named_by_block_component_and_example(int example, int index, string expected)
    {
        var outputs = Enumerable.Range(0, 20).Select(i => 0.1f * i).ToArray();
        float bad = index switch { 1 or 8 => float.PositiveInfinity, 5 => float.NegativeInfinity, _ => float.NaN };
        outputs[example * 10 + index] = bad;
        var mdn = new MixtureDensityLoss(2, 2);
        var e = Assert.Throws<ArgumentException>(() => mdn.Mixture(outputs, example));
        Assert.Contains(expected, e.Message);
        // The other example decodes, and its log-density is finite.
        Assert.True(double.IsFinite(mdn.Mixture(outputs, 1 - example).LogDensity(new[] { 0.5, -0.5 })));
    }

    [Fact]
    public void A_component_so_narrow_that_its_inverse_scale_overflows_still_gives_a_number_at_its_mean()
    {
        // log-scale −1000: e^1000 overflows, but the residual at the mean is exactly 0 (not 0·∞ = NaN); the density there
        // is that of the narrow component, log(½) + 1000 − ½ log 2π (the wide one's share is negligible).
        var m = new MixtureDensityLoss(2).Mixture(new float[] { 0, 0, 0.5f, 3, -1000, 0 }, 0);
        Oracle.Close(Math.Log(0.5) + 1000 - 0.5 * Math.Log(2 * Math.PI), m.LogDensity(new[] { 0.5 }), 1e-14);
        // Off its mean it contributes nothing (−∞) and the wide component's density remains.
        Oracle.Close(Math.Log(0.5) - 0.5 * Math.Pow(0.25, 2) - 0.5 * Math.Log(2 * Math.PI), m.LogDensity(new[] { 3.25 }), 1e-14);
    }
}
