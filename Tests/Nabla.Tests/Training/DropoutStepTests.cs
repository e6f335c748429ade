using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Tests.Dsl;
using Nabla.Tests.Losses;
using Xunit;

namespace Nabla.Tests.Training;

/// <summary>
/// Dropout with an injected mask: two SGD steps of Sequential(Dense(4,6), Tanh, Dropout(0.5), Dense(6,3)) with the
/// keep-masks PyTorch's nn.Dropout drew (Fixtures/dropout_step.py → dropout_step.json), fed to the compiled
/// TrainStep through <see cref="Network.TrainStep(float[][], float[][], float[][], int, double)"/>, against PyTorch's
/// loss, outputs and weights after each step.
/// </summary>
[Collection("Jit")]
public class DropoutStepTests
{
    private static readonly JsonElement Data = Fixtures.Load("dropout_step.json");
    private static readonly string[] Names = { "0.weight", "0.bias", "3.weight", "3.bias" };

    private static Model Mlp()
    {
        var model = Model.Build(new Sequential(new Dense(4, 6), new Tanh(), new Dropout(Data.GetProperty("p").GetDouble()), new Dense(6, 3)), 4);
        Fixtures.SetParameters(model, Data.GetProperty("initial"), Names);
        return model;
    }

    private static TrainingSetup Setup(DType dtype = DType.F32) => new(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(Data.GetProperty("lr").GetDouble())) { DType = dtype };

    [Theory]
    [InlineData(Backend.Expressions)]
    [InlineData(Backend.Roslyn)]
    public void A_dropout_step_with_PyTorchs_mask_matches_PyTorch(Backend backend)
    {
        int batch = Data.GetProperty("batch").GetInt32();
        double lr = Data.GetProperty("lr").GetDouble();
        var net = Lowerer.Lower(Mlp(), Setup()).Compile(backend);
        Assert.Equal("2.mask[B,6] p=0.5", net.Signature.Masks.Single().ToString());
        foreach (var step in Data.GetProperty("steps").EnumerateArray())
        {
            float loss = net.TrainStep(new[] { Fixtures.Floats(step.GetProperty("x")) }, new[] { Fixtures.Floats(step.GetProperty("t")) },
                new[] { Fixtures.Floats(step.GetProperty("mask")) }, batch, lr);
            Oracle.Close(step.GetProperty("loss").GetDouble(), loss, 2e-6);
            var y = Fixtures.Tensor(step.GetProperty("output"));
            var got = net.Output().ToArray();
            for (int i = 0; i < y.Size; i++) Oracle.Close(y.Data[i], got[i], 2e-6);
            foreach (var n in Names)
            {
                var want = Fixtures.Tensor(step.GetProperty("after").GetProperty(n));
                var have = net.ParameterValues(n);
                for (int i = 0; i < want.Size; i++) Oracle.Close(want.Data[i], have[i], 2e-6);
            }
        }
        Assert.Equal(2, net.Step);
    }

    [Fact]
    public void In_float64_the_lowered_step_with_the_mask_input_matches_PyTorch_to_1e12()
    {
        var lowered = Lowerer.Lower(Mlp(), Setup(DType.F64));
        var b = Names.ToDictionary(n => n, n => Fixtures.Tensor(Data.GetProperty("initial").GetProperty(n)));
        b["lr"] = Tensor.Scalar(Data.GetProperty("lr").GetDouble());
        foreach (var step in Data.GetProperty("steps").EnumerateArray())
        {
            b["x"] = Fixtures.Tensor(step.GetProperty("x")); b["t"] = Fixtures.Tensor(step.GetProperty("t")); b["2.mask"] = Fixtures.Tensor(step.GetProperty("mask"));
            var r = Interpreter.Run(lowered.TrainStep, b);
            Oracle.Close(step.GetProperty("loss").GetDouble(), r["loss"].Value, 1e-12);
            foreach (var n in Names)
            {
                var want = Fixtures.Tensor(step.GetProperty("after").GetProperty(n));
                for (int i = 0; i < want.Size; i++) Oracle.Close(want.Data[i], r.Updates[n].Data[i], 1e-12);
                b[n] = r.Updates[n];
            }
        }
    }

    [Fact]
    public void Injected_masks_are_checked_and_the_drawn_masks_still_follow_the_seed_and_step()
    {
        var step = Data.GetProperty("steps")[0];
        float[] x = Fixtures.Floats(step.GetProperty("x")), t = Fixtures.Floats(step.GetProperty("t"));
        var net = Lowerer.Lower(Mlp(), Setup()).Compile(Backend.Expressions);
        var half = Enumerable.Repeat(0.5f, 30).ToArray();
        var e = Assert.Throws<ArgumentException>(() => net.TrainStep(new[] { x }, new[] { t }, new[] { half }, 5, 0.1));
        Assert.Contains("\"2.mask\"", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => net.TrainStep(new[] { x }, new[] { t }, new[] { new float[29] }, 5, 0.1));
        Assert.Contains("needs 30 values", e2.Message);
        Assert.Throws<ArgumentException>(() => net.TrainStep(new[] { x }, new[] { t }, Array.Empty<float[]>(), 5, 0.1));
        Assert.Equal(0, net.Step);

        // An all-ones mask is dropout's training-mode scaling alone: 2·h, not h.
        var ones = Enumerable.Repeat(1f, 30).ToArray();
        var zeros = new float[30];
        float lossOnes = net.TrainStep(new[] { x }, new[] { t }, new[] { ones }, 5, 1e-30);
        float lossZeros = net.TrainStep(new[] { x }, new[] { t }, new[] { zeros }, 5, 1e-30);
        Assert.NotEqual(lossOnes, lossZeros);
        // Everything dropped: every row of the output is the last layer's bias.
        var bias = net.ParameterValues("3.bias").Select(v => (double)v).ToArray();
        double lse = Math.Log(bias.Sum(Math.Exp));
        double want = Enumerable.Range(0, 5).Average(i => lse - Enumerable.Range(0, 3).Sum(c => t[i * 3 + c] * bias[c]));
        Oracle.Close(want, lossZeros, 1e-6);
        // Steps without masks draw them from (DropoutSeed, Step): two networks at the same step draw the same masks.
        var a = Lowerer.Lower(Mlp(), Setup()).Compile(Backend.Expressions, dropoutSeed: 4);
        var c = Lowerer.Lower(Mlp(), Setup()).Compile(Backend.Expressions, dropoutSeed: 4);
        Assert.Equal(a.TrainStep(x, t, 5, 0.1), c.TrainStep(x, t, 5, 0.1));
    }
}
