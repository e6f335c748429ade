using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Tests.Dsl;
using Nabla.Tests.Losses;
using Xunit;
using Nabla.Tests.Backends.Expressions;

namespace Nabla.Tests.Training;

/// <summary>
/// Adam and AdamW against PyTorch in float32 (Fixtures/adam_steps.py → adam_steps.json): six steps of
/// Sequential(Dense(4,5), Tanh, Dense(5,2)) with MSE, lr 0.1 and weights of at most 0.05, so every weight is mostly
/// the sum of its steps and a step that is 6e-6 (relative) short — what float32 bias corrections 1 − βᵏ with β
/// rounded to float cost — is many float32 ulps off. PyTorch computes the bias corrections in double.
/// </summary>
[Collection("Jit")]
public class AdamStepTests
{
    private static readonly JsonElement Data = Fixtures.Load("adam_steps.json");
    private static readonly string[] Names = { "0.weight", "0.bias", "2.weight", "2.bias" };
    private static Model Mlp()
    {
        var model = Model.Build(new Sequential(new Dense(4, 5), new Tanh(), new Dense(5, 2)), 4);
        Fixtures.SetParameters(model, Data.GetProperty("initial"), Names);
        return model;
    }

    private static Optimizer Make(string which)
    {
        double lr = Data.GetProperty("lr").GetDouble(), eps = Data.GetProperty("eps").GetDouble();
        var betas = Data.GetProperty("betas");
        double b1 = betas[0].GetDouble(), b2 = betas[1].GetDouble();
        return which == "adam" ? Optimizer.Adam(lr, b1, b2, eps) : Optimizer.AdamW(lr, b1, b2, eps, Data.GetProperty("adamw_weight_decay").GetDouble());
    }

    [Theory]
    [InlineData("adam", Backend.Expressions)]
    [InlineData("adam", Backend.Roslyn)]
    [InlineData("adamw", Backend.Expressions)]
    [InlineData("adamw", Backend.Roslyn)]
    public void Float32_steps_match_PyTorch(string which, Backend backend)
    {
        int batch = Data.GetProperty("batch").GetInt32();
        double lr = Data.GetProperty("lr").GetDouble();
        var net = Lowerer.Lower(Mlp(), new TrainingSetup(Loss.Mse(), Make(which))).Compile(backend);
        var batches = Data.GetProperty("batches").EnumerateArray().ToArray();
        var steps = Data.GetProperty(which).EnumerateArray().ToArray();
        for (int s = 0; s < steps.Length; s++)
        {
            float loss = net.TrainStep(Fixtures.Floats(batches[s].GetProperty("x")), Fixtures.Floats(batches[s].GetProperty("t")), batch, lr);
            Oracle.Close(steps[s].GetProperty("loss").GetDouble(), loss, 1e-6);
            // Each Adam step moves a weight by about lr; float32 rounding of the gradients and of the update costs a few
            // 1e-7·lr per step (measured: 2.2e-7·lr after step 1, 1.04e-6·lr after step 6). Float32 bias corrections
            // (the old 1 − pow(βf, k)) were 6.6e-6·lr off after step 1 and 3e-5·lr after step 3.
            double tol = 5e-7 * lr * (s + 1);
            foreach (var n in Names)
            {
                var want = Fixtures.Floats(steps[s].GetProperty("after").GetProperty(n));
                var have = net.ParameterValues(n);
                for (int i = 0; i < want.Length; i++)
                    if (!(Math.Abs(have[i] - want[i]) <= tol))
                        Assert.Fail($"{which} on {backend}, step {s + 1}: {n}[{i}] is {have[i]:R}, PyTorch's is {want[i]:R} (tolerance {tol:E2}).");
            }
        }
        Assert.Equal(steps.Length, net.Step);
    }

    [Theory]
    [InlineData(VectorMode.ScalarOnly)]
    [InlineData(VectorMode.Widest)]
    public void Bias_corrections_in_float32_are_within_one_ulp_of_PyTorchs_double_values(VectorMode mode)
    {
        // The optimized graph of 1 − βᵏ for a vector of step numbers k, compiled by the expression backend in float32
        // (bit-exact with the C# backend: ElementwiseBitExactTests), against PyTorch's 1 − β**k in double rounded to float.
        var cases = Data.GetProperty("bias_corrections").EnumerateArray()
            .Select(e => (Beta: e.GetProperty("beta").GetDouble(), K: e.GetProperty("k").GetDouble(), Value: e.GetProperty("value").GetDouble()))
            .GroupBy(c => c.Beta).ToArray();
        Assert.Equal(4, cases.Length);
        foreach (var group in cases)
        {
            var ks = group.Select(c => c.K).ToArray();
            Assert.Equal(new double[] { 1, 2, 10, 1000, 1_000_000 }, ks);
            var g = new Graph(DType.F32);
            var k = g.Input("k", new Shape(ks.Length));
            var f = new Function(g, ("c", AdamOptimizer.BiasCorrection(g, group.Key, k)));
            var got = ExpressionRun.Run(ExpressionRun.Compile(f, mode, optimize: true),
                new Dictionary<string, Tensor> { ["k"] = new Tensor(new[] { ks.Length }, ks) }, 1, mode).Outputs["c"].Data;
            foreach (var (c, i) in group.Select((c, i) => (c, i)))
            {
                float want = (float)c.Value, have = (float)got[i];
                float ulp = MathF.BitIncrement(want) - want;
                Assert.True(Math.Abs(have - want) <= ulp, $"β={group.Key}, k={c.K}: 1 − βᵏ is {have:R} in float32, PyTorch's double value rounds to {want:R}.");
                // What the float32 form 1 − pow(β, k) gave (β rounded to float first): 111 ulps off at β = 0.999, k = 1.
                if (group.Key == 0.999 && c.K == 1) Assert.True(Math.Abs(1f - MathF.Pow(0.999f, 1f) - want) > 100 * ulp);
            }
            // In float64 the same graph is PyTorch's value to 1e-15 (relative).
            var g64 = new Graph(DType.F64);
            var k64 = g64.Input("k", new Shape(ks.Length));
            var r = Interpreter.Run(new Function(g64, ("c", AdamOptimizer.BiasCorrection(g64, group.Key, k64))),
                new Dictionary<string, Tensor> { ["k"] = new Tensor(new[] { ks.Length }, ks) });
            foreach (var (c, i) in group.Select((c, i) => (c, i))) Oracle.Close(c.Value, r["c"].Data[i], 1e-15);
        }
    }

    [Theory]
    [InlineData(VectorMode.ScalarOnly)]
    [InlineData(VectorMode.Widest)]
    public void The_clamped_exponent_gives_the_same_bits_as_the_plain_expm1_at_every_step(VectorMode mode)
    {
        // BiasCorrection clamps k·ln β at −80 (float32's expm1 is slow on subnormals below −87.3); past the clamp 1 − βᵏ is
        // exactly 1, so the corrections must equal −expm1(k·ln β) bit for bit, in float32 and float64, before and after.
        var ks = Enumerable.Range(1, 4000).Select(i => (double)i).Concat(new double[] { 10_000, 87_000, 100_000, 1_000_000, 16_777_216 }).ToArray();
        foreach (var type in new[] { DType.F32, DType.F64 })
            foreach (var beta in new[] { 0.5, 0.9, 0.99, 0.999 })
            {
                var g = new Graph(type);
                var k = g.Input("k", new Shape(ks.Length));
                var f = new Function(g, ("c", AdamOptimizer.BiasCorrection(g, beta, k)), ("plain", -F.Expm1(k * g.Const(Math.Log(beta), type))));
                var r = ExpressionRun.Run(ExpressionRun.Compile(f, mode, optimize: true),
                    new Dictionary<string, Tensor> { ["k"] = new Tensor(new[] { ks.Length }, ks) }, 1, mode).Outputs;
                for (int i = 0; i < ks.Length; i++)
                    Assert.True(r["c"].Data[i].Equals(r["plain"].Data[i]), $"{type}, β={beta}, k={ks[i]}: {r["c"].Data[i]:R} vs {r["plain"].Data[i]:R}.");
                Assert.Equal(1.0, r["c"].Data[^1]);
            }
    }

    [Fact]
    public void A_zero_beta_gives_a_correction_of_one_and_a_beta_outside_0_1_is_refused()
    {
        var g = new Graph(DType.F64);
        var k = g.Input("k", new Shape(3));
        var one = AdamOptimizer.BiasCorrection(g, 0, k);
        Assert.Equal(k.Shape, one.Shape); // elementwise in k, as documented
        var r = Interpreter.Run(new Function(g, ("c", one)),
            new Dictionary<string, Tensor> { ["k"] = new Tensor(new[] { 3 }, new double[] { 1, 2, 50 }) });
        Assert.Equal(new double[] { 1, 1, 1 }, r["c"].Data);
        Assert.Throws<ArgumentOutOfRangeException>(() => AdamOptimizer.BiasCorrection(g, 1, k));
        Assert.Throws<ArgumentOutOfRangeException>(() => AdamOptimizer.BiasCorrection(g, double.NaN, k));
    }
}
