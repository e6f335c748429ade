using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Runtime;

public class VMathTests
{
    public static TheoryData<string> Functions => new() { "exp", "log", "tanh", "sigmoid", "softplus", "sin", "cos" };

    private static double Log1p(double u) { double w = 1 + u; return w == 1 ? u : Math.Log(w) * (u / (w - 1)); }

    private static double Reference(string f, double x) => f switch
    {
        "exp" => Math.Exp(x),
        "log" => Math.Log(x),
        "tanh" => Math.Tanh(x),
        "sigmoid" => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x)),
        "softplus" => Math.Max(x, 0) + Log1p(Math.Exp(-Math.Abs(x))),
        "sin" => Math.Sin(x),
        _ => Math.Cos(x),
    };

    private static float F(string f, float x) => f switch
    {
        "exp" => VMath.Exp(x), "log" => VMath.Log(x), "tanh" => VMath.Tanh(x), "sigmoid" => VMath.Sigmoid(x),
        "softplus" => VMath.Softplus(x), "sin" => VMath.Sin(x), _ => VMath.Cos(x),
    };

    private static double D(string f, double x) => f switch
    {
        "exp" => VMath.Exp(x), "log" => VMath.Log(x), "tanh" => VMath.Tanh(x), "sigmoid" => VMath.Sigmoid(x),
        "softplus" => VMath.Softplus(x), "sin" => VMath.Sin(x), _ => VMath.Cos(x),
    };

    private static Vector512<float> F512(string f, Vector512<float> x) => f switch
    {
        "exp" => VMath.Exp(x), "log" => VMath.Log(x), "tanh" => VMath.Tanh(x), "sigmoid" => VMath.Sigmoid(x),
        "softplus" => VMath.Softplus(x), "sin" => VMath.Sin(x), _ => VMath.Cos(x),
    };

    private static Vector256<float> F256(string f, Vector256<float> x) => f switch
    {
        "exp" => VMath.Exp(x), "log" => VMath.Log(x), "tanh" => VMath.Tanh(x), "sigmoid" => VMath.Sigmoid(x),
        "softplus" => VMath.Softplus(x), "sin" => VMath.Sin(x), _ => VMath.Cos(x),
    };

    private static Vector128<float> F128(string f, Vector128<float> x) => f switch
    {
        "exp" => VMath.Exp(x), "log" => VMath.Log(x), "tanh" => VMath.Tanh(x), "sigmoid" => VMath.Sigmoid(x),
        "softplus" => VMath.Softplus(x), "sin" => VMath.Sin(x), _ => VMath.Cos(x),
    };

    private static Vector512<double> D512(string f, Vector512<double> x) => f switch
    {
        "exp" => VMath.Exp(x), "log" => VMath.Log(x), "tanh" => VMath.Tanh(x), "sigmoid" => VMath.Sigmoid(x),
        "softplus" => VMath.Softplus(x), "sin" => VMath.Sin(x), _ => VMath.Cos(x),
    };

    private static Vector256<double> D256(string f, Vector256<double> x) => f switch
    {
        "exp" => VMath.Exp(x), "log" => VMath.Log(x), "tanh" => VMath.Tanh(x), "sigmoid" => VMath.Sigmoid(x),
        "softplus" => VMath.Softplus(x), "sin" => VMath.Sin(x), _ => VMath.Cos(x),
    };

    /// <summary>Random values over the function's interesting range plus edge values.</summary>
    private static List<double> Inputs(string f, bool single)
    {
        // A fixed seed: string.GetHashCode differs per process, which made a failure show up only now and then.
        var rng = new Random(f.Sum(c => c) * 7919);
        var xs = new List<double> { 0.0, -0.0, 1, -1, 0.5, 1e-3, -1e-3, 1e-20, -1e-20, 1e-40, -1e-40, 1.17549435e-38, 20, -20,
            88.7, 88.73, 89, -87.3, -100, -103.9, -104, -110, 700, 709.7, 710, -745, -750, 1e30, -1e30,
            double.PositiveInfinity, double.NegativeInfinity, double.NaN, 8191.9, -8192.5, 99999, 1e6, 3.4e38, -3.4e38, 7575.9507 };
        // The values nearest the zeros of sin and cos (multiples of π/2), where the range reduction must keep the
        // relative precision of x − jπ/2; every 23rd multiple up to the kernels' reduction limit.
        double limit = f is "sin" or "cos" ? (single ? 8192 : 1e5) : 0;
        for (double k = 1; k * Math.PI / 2 < limit; k += 23)
            xs.Add(single ? (float)(k * Math.PI / 2) : k * Math.PI / 2);
        double range = f switch { "exp" => single ? 100 : 745, "log" => 0, "sin" or "cos" => single ? 8192 : 1e5, _ => 60 };
        for (int i = 0; i < 20000; i++)
        {
            double x = f == "log"
                ? Math.Exp(rng.NextDouble() * (single ? 190 : 1400) - (single ? 100 : 710))
                : (rng.NextDouble() * 2 - 1) * (i % 3 == 0 ? Math.Min(range, 4) : range);
            if (i % 7 == 0) x = (rng.Next(2) * 2 - 1) * Math.Exp(rng.NextDouble() * 40 - 35); // small magnitudes
            xs.Add(x);
        }
        return xs;
    }

    private static double UlpsF(float got, double want)
    {
        float w = (float)want;
        if (float.IsNaN(w)) return float.IsNaN(got) ? 0 : double.PositiveInfinity;
        if (float.IsInfinity(w) || float.IsInfinity(got)) return got == w ? 0 : double.PositiveInfinity;
        double ulp = MathF.BitIncrement(Math.Abs(w)) - Math.Abs(w);
        return Math.Abs(got - want) / ulp;
    }

    private static double UlpsD(double got, double want)
    {
        if (double.IsNaN(want)) return double.IsNaN(got) ? 0 : double.PositiveInfinity;
        if (double.IsInfinity(want) || double.IsInfinity(got)) return got == want ? 0 : double.PositiveInfinity;
        double ulp = Math.BitIncrement(Math.Abs(want)) - Math.Abs(want);
        return Math.Abs(got - want) / ulp;
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public void Float_is_within_a_few_ulp_of_math_and_all_widths_agree(string f)
    {
        var xs = Inputs(f, single: true);
        var lanes = new float[16];
        for (int i = 0; i < xs.Count; i++)
        {
            float x = (float)xs[i];
            if (f == "log" && x < 0 && i % 2 == 0) x = -x;
            float got = F(f, x);
            double u = UlpsF(got, Reference(f, x));
            Assert.True(u <= 4, $"{f}({x:R}) = {got:R}, reference {Reference(f, x):R}: {u:F1} ulp");
            lanes[i % 16] = x;
            if (i % 16 != 15) continue;
            var v512 = F512(f, Vector512.Create(lanes));
            var v256 = F256(f, Vector256.Create(lanes, 8));
            var v128 = F128(f, Vector128.Create(lanes, 4));
            for (int l = 0; l < 16; l++)
            {
                int want = BitConverter.SingleToInt32Bits(F(f, lanes[l]));
                Assert.Equal(want, BitConverter.SingleToInt32Bits(v512[l]));
                if (l >= 8 && l < 16) Assert.Equal(want, BitConverter.SingleToInt32Bits(v256[l - 8]));
                if (l >= 4 && l < 8) Assert.Equal(want, BitConverter.SingleToInt32Bits(v128[l - 4]));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public void Double_is_within_a_few_ulp_of_math_and_all_widths_agree(string f)
    {
        var xs = Inputs(f, single: false);
        var lanes = new double[8];
        double tol = f is "sigmoid" or "softplus" ? 8 : 4; // the float64 references themselves carry 1-2 ulp there
        for (int i = 0; i < xs.Count; i++)
        {
            double x = xs[i];
            if (f == "log" && x < 0 && i % 2 == 0) x = -x;
            double got = D(f, x);
            double u = UlpsD(got, Reference(f, x));
            Assert.True(u <= tol, $"{f}({x:R}) = {got:R}, reference {Reference(f, x):R}: {u:F1} ulp");
            lanes[i % 8] = x;
            if (i % 8 != 7) continue;
            var v512 = D512(f, Vector512.Create(lanes));
            var v256 = D256(f, Vector256.Create(lanes, 4));
            for (int l = 0; l < 8; l++)
            {
                long want = BitConverter.DoubleToInt64Bits(D(f, lanes[l]));
                Assert.Equal(want, BitConverter.DoubleToInt64Bits(v512[l]));
                if (l >= 4) Assert.Equal(want, BitConverter.DoubleToInt64Bits(v256[l - 4]));
            }
        }
    }

    [Fact]
    public void Special_values_follow_ieee()
    {
        Assert.Equal(float.PositiveInfinity, VMath.Exp(100f));
        Assert.Equal(0f, VMath.Exp(-110f));
        Assert.Equal(MathF.Exp(-100f), VMath.Exp(-100f)); // subnormal, not flushed
        Assert.Equal(float.PositiveInfinity, VMath.Exp(float.PositiveInfinity));
        Assert.Equal(0f, VMath.Exp(float.NegativeInfinity));
        Assert.True(float.IsNaN(VMath.Exp(float.NaN)));
        Assert.Equal(double.PositiveInfinity, VMath.Exp(710.0));
        Assert.Equal(float.NegativeInfinity, VMath.Log(0f));
        Assert.True(float.IsNaN(VMath.Log(-1f)));
        Assert.Equal(float.PositiveInfinity, VMath.Log(float.PositiveInfinity));
        Assert.Equal(1f, VMath.Tanh(20f));
        Assert.Equal(-1f, VMath.Tanh(-20f));
        Assert.Equal(1.0, VMath.Tanh(40.0));
        Assert.Equal(-1f, VMath.Tanh(float.NegativeInfinity));
        foreach (float x in new[] { float.MaxValue, -float.MaxValue, 1e30f, -1e30f, 100f, -100f })
        {
            Assert.False(float.IsNaN(VMath.Sigmoid(x)));
            Assert.False(double.IsNaN(VMath.Sigmoid((double)x)));
            Assert.False(float.IsNaN(VMath.Softplus(x)));
        }
        Assert.Equal(0f, VMath.Sigmoid(float.NegativeInfinity));
        Assert.Equal(1f, VMath.Sigmoid(float.PositiveInfinity));
        Assert.Equal(1000f, VMath.Softplus(1000f));
        Assert.Equal(0f, VMath.Softplus(-1000f));
        Assert.Equal(MathF.Sin(1e30f), VMath.Sin(1e30f));
        Assert.True(float.IsNaN(VMath.Sin(float.PositiveInfinity)));
        Assert.True(double.IsNaN(VMath.Cos(double.NaN)));
    }
}
