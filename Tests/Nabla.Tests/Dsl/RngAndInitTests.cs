using System;
using System.Linq;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Dsl;

public class RngAndInitTests
{
    [Fact]
    public void SplitMix64_matches_the_published_reference_sequence()
    {
        // Reference values of SplitMix64 (Steele et al.) for seed 1234567, as published e.g. on Rosetta Code.
        var r = new Rng(1234567);
        Assert.Equal(new[] { 6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL, 4593380528125082431UL, 16408922859458223821UL },
            Enumerable.Range(0, 5).Select(_ => r.NextUInt64()).ToArray());
        Assert.Equal(0xE220A8397B1DCDAFUL, new Rng(0).NextUInt64());
    }

    [Fact]
    public void Portable_log_agrees_with_Math_Log_to_a_few_ulp()
    {
        var rng = new Rng(7);
        Assert.Equal(0.0, Rng.Ln(1.0));
        foreach (var x in Enumerable.Range(0, 20000).Select(_ => Math.Pow(10, rng.Uniform(-310, 308))).Concat(new[] { 1e-320, 5e-324, 0.5, 2, Math.E, 1 - 1e-16, 1 + 2.2e-16, double.MaxValue }))
        {
            double want = Math.Log(x), got = Rng.Ln(x);
            Assert.True(Math.Abs(got - want) <= 4e-16 * Math.Abs(want), $"Ln({x:R}) = {got:R}, Math.Log = {want:R}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Rng.Ln(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rng.Ln(-1));
    }

    [Fact]
    public void Uniform_and_gaussian_streams_have_the_right_moments()
    {
        var r = new Rng(42);
        const int n = 200_000;
        var u = Enumerable.Range(0, n).Select(_ => r.NextDouble()).ToArray();
        Assert.All(u, v => Assert.InRange(v, 0, 1 - 1e-17));
        Assert.InRange(u.Average(), 0.5 - 0.003, 0.5 + 0.003);
        var z = Enumerable.Range(0, n).Select(_ => r.NextGaussian()).ToArray();
        double mean = z.Average(), var = z.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(var, 0.99, 1.01);
        Assert.InRange(z.Count(v => Math.Abs(v) < 1) / (double)n, 0.6827 - 0.004, 0.6827 + 0.004); // P(|Z|<1)
    }

    private static float[] WeightsOf(Initializer init, int fanIn, int fanOut, int seed = 3)
    {
        var m = Model.Build(new Dense(fanIn, fanOut, weightInit: init), fanIn, seed);
        return m.Parameters["weight"].Data;
    }

    private static (double Mean, double Std, double MaxAbs) Stats(float[] w)
    {
        double mean = w.Average(v => (double)v);
        return (mean, Math.Sqrt(w.Average(v => (v - mean) * (v - mean))), w.Max(v => Math.Abs((double)v)));
    }

    [Theory]
    [InlineData("he_normal", 400, 500)]
    [InlineData("he_uniform", 400, 500)]
    [InlineData("glorot_normal", 300, 600)]
    [InlineData("glorot_uniform", 300, 600)]
    [InlineData("pytorch_default", 250, 800)]
    public void Initializers_have_their_documented_spread(string name, int fanIn, int fanOut)
    {
        var (init, std, bound) = name switch
        {
            "he_normal" => (Initializer.HeNormal, Math.Sqrt(2.0 / fanIn), double.PositiveInfinity),
            "he_uniform" => (Initializer.HeUniform, Math.Sqrt(2.0 / fanIn), Math.Sqrt(6.0 / fanIn)),
            "glorot_normal" => (Initializer.GlorotNormal, Math.Sqrt(2.0 / (fanIn + fanOut)), double.PositiveInfinity),
            "glorot_uniform" => (Initializer.GlorotUniform, Math.Sqrt(2.0 / (fanIn + fanOut)), Math.Sqrt(6.0 / (fanIn + fanOut))),
            _ => (Initializer.PyTorchDefault, 1 / Math.Sqrt(3.0 * fanIn), 1 / Math.Sqrt(fanIn)),
        };
        Assert.Equal(name, init.Name);
        var s = Stats(WeightsOf(init, fanIn, fanOut)); // 200,000 draws
        Assert.InRange(s.Mean, -0.01 * std, 0.01 * std);
        Assert.InRange(s.Std, 0.99 * std, 1.01 * std);
        Assert.True(s.MaxAbs <= bound * (1 + 1e-7), $"max |w| {s.MaxAbs} exceeds the bound {bound}");
        if (!double.IsInfinity(bound)) Assert.True(s.MaxAbs > 0.99 * bound);
    }

    [Fact]
    public void Default_scheme_is_He_with_zero_bias_and_PyTorch_scheme_draws_biases_from_the_weight_fan_in()
    {
        var he = Model.Build(new Dense(200, 300), 200, seed: 1);
        Assert.All(he.Parameters["bias"].Data, v => Assert.Equal(0f, v));
        Assert.InRange(Stats(he.Parameters["weight"].Data).Std, 0.98 * Math.Sqrt(2.0 / 200), 1.02 * Math.Sqrt(2.0 / 200));

        var pt = Model.Build(new Dense(200, 3000), 200, seed: 1, init: InitScheme.PyTorch);
        var b = Stats(pt.Parameters["bias"].Data);
        Assert.True(b.MaxAbs <= 1 / Math.Sqrt(200) && b.MaxAbs > 0.9 / Math.Sqrt(200));
    }

    [Fact]
    public void Zeros_and_constant_initializers_fill_exactly()
    {
        Assert.All(WeightsOf(Initializer.Zeros, 5, 7), v => Assert.Equal(0f, v));
        Assert.All(WeightsOf(Initializer.Constant(0.25), 5, 7), v => Assert.Equal(0.25f, v));
        Assert.All(WeightsOf(Initializer.Ones, 5, 7), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Same_seed_gives_identical_bits_and_values_depend_only_on_seed_and_name()
    {
        float[] Build(long seed) => Model.Build(Networks.Mlp(40, new[] { 100, 100 }, 10), 40, seed).Parameters.Entries.SelectMany(e => e.Parameter.Data).ToArray();
        var a = Build(11); var b = Build(11); var c = Build(12);
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        Assert.NotEqual(a, c);

        // A layer appended at the end does not change the weights of the layers before it (streams are per name).
        var small = Model.Build(Networks.Mlp(40, new[] { 100 }, 10), 40, 5);
        var large = Model.Build(Networks.Mlp(40, new[] { 100, 30 }, 10), 40, 5);
        Assert.Equal(small.Parameters["0.weight"].Data, large.Parameters["0.weight"].Data);
        Assert.NotEqual(large.Parameters["0.weight"].Data, large.Parameters["2.weight"].Data.Take(4000));

        // Initialize(seed) redraws the same values as a fresh build with that seed.
        small.Initialize(11);
        var fresh = Model.Build(Networks.Mlp(40, new[] { 100 }, 10), 40, 11);
        Assert.Equal(fresh.Parameters["0.weight"].Data, small.Parameters["0.weight"].Data);
    }

    [Fact]
    public void Fans_follow_PyTorch_for_dense_and_conv_weights()
    {
        Assert.Equal(new Fans(40, 100), Fans.Of(new[] { 100, 40 }));
        Assert.Equal(new Fans(25 * 3, 25 * 3), Fans.Of(new[] { 25, 25, 3 }));
        Assert.Equal(new Fans(3 * 5 * 5, 16 * 5 * 5), Fans.Of(new[] { 16, 3, 5, 5 }));
        var m = Model.Build(new Conv1d(1, 400, 5, weightInit: Initializer.HeUniform), Shape.Of(Shape.Batch, 1, 20));
        Assert.Equal(new Fans(5, 2000), m.Parameters["weight"].Fans);
        Assert.True(m.Parameters["weight"].Data.Max(v => Math.Abs(v)) <= Math.Sqrt(6.0 / 5));
    }
}
