using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Dsl;

public class LayerTests
{
    private static Tensor Run(Module net, Tensor x, Shape inputShape) => ModelRunner.Forward(Model.Build(net, inputShape), x);

    [Fact]
    public void Dense_computes_beta_plus_omega_x_by_hand()
    {
        var d = Dense.FromValues(2, 3, new float[] { 1, 2, 3, 4, 5, 6 }, new float[] { 0.5f, -1, 2 });
        var y = ModelRunner.Forward(Model.Build(d, 2), ModelRunner.Matrix(new double[,] { { 1, -1 }, { 2, 0.5 } }));
        Assert.Equal(new[] { -0.5, -2, 1, 3.5, 7, 15 }, y.Data);
        var nb = Dense.FromValues(2, 1, new float[] { 2, -3 }, null);
        Assert.Equal(new[] { 2 * 1.0 - 3 * 4 }, ModelRunner.Forward(Model.Build(nb, 2), Tensor.Of(new[] { 1.0, 4 }, 1, 2)).Data);
        Assert.Equal(new[] { "weight" }, Model.Build(nb, 2).Parameters.Names);
        // extra leading axes: [B, T, in]
        var y3 = ModelRunner.Forward(Model.Build(d, Shape.Of(Shape.Batch, 2, 2)), Tensor.Of(new[] { 1.0, -1, 2, 0.5 }, 1, 2, 2));
        Assert.Equal(new[] { -0.5, -2, 1, 3.5, 7, 15 }, y3.Data);
    }

    [Fact]
    public void Conv1d_matches_the_direct_sum_with_stride_and_padding()
    {
        var rng = new Rng(5);
        var conv = new Conv1d(3, 4, 3, stride: 2, padding: 1);
        var m = Model.Build(conv, Shape.Of(Shape.Batch, 3, 7), seed: 8, init: InitScheme.PyTorch);
        var x = Oracle.Random(rng, -1, 1, 2, 3, 7);
        var y = ModelRunner.Forward(m, x);
        Assert.Equal(new[] { 2, 4, 4 }, y.Shape); // (7 + 2 − 3)/2 + 1 = 4
        var w = m.Parameters["weight"].ToTensor(); var b = m.Parameters["bias"].ToTensor();
        for (int n = 0; n < 2; n++)
            for (int o = 0; o < 4; o++)
                for (int l = 0; l < 4; l++)
                {
                    double s = b[o];
                    for (int c = 0; c < 3; c++)
                        for (int j = 0; j < 3; j++)
                        {
                            int pos = l * 2 + j - 1;
                            if (pos >= 0 && pos < 7) s += w[o, c, j] * x[n, c, pos];
                        }
                    Oracle.Close(s, y[n, o, l], 1e-14);
                }
    }

    [Fact]
    public void Conv2d_matches_the_direct_sum_with_rectangular_kernel_stride_and_padding()
    {
        var rng = new Rng(6);
        var conv = new Conv2d(2, 3, (3, 2), (2, 1), (1, 0));
        var m = Model.Build(conv, Shape.Of(Shape.Batch, 2, 5, 4), seed: 2, init: InitScheme.PyTorch);
        var x = Oracle.Random(rng, -1, 1, 2, 2, 5, 4);
        var y = ModelRunner.Forward(m, x);
        Assert.Equal(new[] { 2, 3, 3, 3 }, y.Shape); // H: (5+2−3)/2+1 = 3, W: (4−2)/1+1 = 3
        var w = m.Parameters["weight"].ToTensor(); var b = m.Parameters["bias"].ToTensor();
        for (int n = 0; n < 2; n++)
            for (int o = 0; o < 3; o++)
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++)
                    {
                        double s = b[o];
                        for (int c = 0; c < 2; c++)
                            for (int p = 0; p < 3; p++)
                                for (int q = 0; q < 2; q++)
                                {
                                    int r = i * 2 + p - 1, col = j + q;
                                    if (r >= 0 && r < 5) s += w[o, c, p, q] * x[n, c, r, col];
                                }
                        Oracle.Close(s, y[n, o, i, j], 1e-14);
                    }
    }

    [Fact]
    public void Pools_by_hand_including_padding()
    {
        var s1 = Shape.Of(Shape.Batch, 1, 5);
        Assert.Equal(new[] { 3.0, 5 }, Run(Pool.Max1d(2), Tensor.Of(new[] { 1.0, 3, 2, 5, 4 }, 1, 1, 5), s1).Data);
        // Max pooling pads with −∞: the first window [pad, −1, −2] gives −1, not 0.
        Assert.Equal(new[] { -1.0, -2 }, Run(Pool.Max1d(3, 2, 1), Tensor.Of(new[] { -1.0, -2, -3, -4 }, 1, 1, 4), Shape.Of(Shape.Batch, 1, 4)).Data);
        Assert.Equal(new[] { 2.0, 3.5 }, Run(Pool.Avg1d(2), Tensor.Of(new[] { 1.0, 3, 2, 5 }, 1, 1, 4), Shape.Of(Shape.Batch, 1, 4)).Data);
        // Average pooling counts zero padding (PyTorch's count_include_pad=True): [0,1], [3,2], [5,0].
        Assert.Equal(new[] { 0.5, 2.5, 2.5 }, Run(Pool.Avg1d(2, 2, 1), Tensor.Of(new[] { 1.0, 3, 2, 5 }, 1, 1, 4), Shape.Of(Shape.Batch, 1, 4)).Data);
        var img = Tensor.Of(Enumerable.Range(0, 16).Select(v => (double)((v * 7) % 16)).ToArray(), 1, 1, 4, 4);
        // rows: 0 7 14 5 / 12 3 10 1 / 8 15 6 13 / 4 11 2 9
        Assert.Equal(new[] { 12.0, 14, 15, 13 }, Run(Pool.Max2d(2), img, Shape.Of(Shape.Batch, 1, 4, 4)).Data);
        Assert.Equal(new[] { 22 / 4.0, 30 / 4.0, 38 / 4.0, 30 / 4.0 }, Run(Pool.Avg2d(2), img, Shape.Of(Shape.Batch, 1, 4, 4)).Data);
        Assert.Equal("MaxPool1d k3 s2 p1", Pool.Max1d(3, 2, 1).Description);
    }

    [Fact]
    public void Flatten_reshape_and_residual()
    {
        var x = Oracle.Random(new Rng(1), -1, 1, 2, 2, 3);
        var flat = Run(new Flatten(), x, Shape.Of(Shape.Batch, 2, 3));
        Assert.Equal(new[] { 2, 6 }, flat.Shape);
        Assert.Equal(x.Data, flat.Data);
        var back = Run(new Reshape(2, 3), flat, Shape.Of(Shape.Batch, 6));
        Assert.Equal(new[] { 2, 2, 3 }, back.Shape);
        var inner = Dense.FromValues(2, 2, new float[] { 0, 1, 2, 0 }, new float[] { 1, 1 });
        Assert.Equal(new[] { 3.0 + 4 + 1, 4 + 6 + 1 }, Run(new Residual(inner), Tensor.Of(new[] { 3.0, 4 }, 1, 2), Shape.Of(Shape.Batch, 2)).Data);
    }

    [Fact]
    public void Dropout_is_identity_in_eval_and_reads_a_scaled_mask_in_train_mode()
    {
        var net = new Sequential(new Dense(3, 4), new Dropout(0.25), new Dense(4, 2));
        var m = Model.Build(net, 3, seed: 1);
        var eval = m.Trace(DType.F64);
        Assert.Empty(eval.Masks);
        Assert.DoesNotContain(eval.Forward.Inputs(), i => i.Name!.EndsWith(".mask"));

        var train = m.Trace(DType.F64, TraceMode.Train);
        var mask = Assert.Single(train.Masks);
        Assert.Equal(("1.mask", Shape.Of(Shape.Batch, 4), 0.25, "1"), (mask.InputName, mask.Shape, mask.P, mask.Layer));
        Assert.Contains(train.Forward.Inputs(), i => i.Name == "1.mask");

        // y = Dense2(h ⊙ m / (1 − p)): with m = all ones the train output is Dense2(h / 0.75).
        var x = Tensor.Of(new[] { 0.5, -1, 2 }, 1, 3);
        var b = train.ParameterBindings(); b["x"] = x;
        b["1.mask"] = Tensor.Of(new[] { 1.0, 0, 1, 1 }, 1, 4);
        var yTrain = Interpreter.Run(train.Forward, b)["y"];
        var h = Enumerable.Range(0, 4).Select(j => Enumerable.Range(0, 3).Sum(k => x[0, k] * b["0.weight"][j, k]) + b["0.bias"][j]).ToArray();
        var kept = new[] { h[0], 0, h[2], h[3] }.Select(v => v / 0.75).ToArray();
        for (int o = 0; o < 2; o++) Oracle.Close(Enumerable.Range(0, 4).Sum(j => kept[j] * b["2.weight"][o, j]) + b["2.bias"][o], yTrain[0, o]);

        // Masks are seeded, deterministic and keep each unit with probability 1 − p.
        var s1 = mask.Sample(new Rng(3), 50_000); var s2 = mask.Sample(new Rng(3), 50_000);
        Assert.Equal(s1, s2);
        Assert.Equal(200_000, s1.Length);
        Assert.All(s1, v => Assert.True(v == 0 || v == 1));
        Assert.InRange(s1.Average(v => (double)v), 0.75 - 0.005, 0.75 + 0.005);
    }

    [Fact]
    public void Shared_dropout_gets_one_mask_per_call()
    {
        var drop = new Dropout(0.5);
        var m = Model.Build(Module.Lambda("TwiceDropped", x => drop[drop[x]], ("drop", drop)), 3);
        Assert.Equal(new[] { "drop.mask", "drop.mask_2" }, m.Trace(mode: TraceMode.Train).Masks.Select(k => k.InputName));
    }

    [Fact]
    public void Gradients_through_every_layer_kind_agree_with_central_differences()
    {
        // One model with Dense, Conv1d, pooling, flatten, residual and smooth activations; check ∂(u·y)/∂(x, every parameter).
        var net = new Sequential(
            new Reshape(1, 9), new Conv1d(1, 2, 3, stride: 1, padding: 1), new Tanh(), Pool.Max1d(2, 2, 1), new ELU(0.7),
            Pool.Avg1d(2, 1), new Flatten(), new Dense(4), new Residual(new Sequential(new Dense(4, 4), new GELU())), new SiLU(), new Dense(2), new LeakyReLU(0.2));
        var m = Model.Build(net, 9, seed: 21, init: InitScheme.Glorot);
        foreach (var p in m.Parameters.Entries.Where(e => e.Parameter.Role == ParamRole.Bias))
            p.Parameter.Load(Enumerable.Range(0, p.Parameter.Size).Select(i => 0.1f * (i + 1)).ToArray());
        var t = m.Trace(DType.F64);
        var g = t.Graph;
        var u = g.Input("u", t.Outputs[0].Node.Shape);
        var scalar = F.Sum(t.Outputs[0].Node * u);
        var wrt = new[] { t.Inputs[0] }.Concat(t.Parameters.Select(p => p.Node)).ToArray();
        var grads = Autodiff.Grad(scalar, wrt);
        var rng = new Rng(4);
        var b = t.ParameterBindings();
        b["x"] = Oracle.Random(rng, -1, 1, 3, 9);
        b["u"] = Oracle.Random(rng, -1, 1, 3, 2);
        var gv = Interpreter.Evaluate(grads, b);
        double worst = 0;
        for (int k = 0; k < wrt.Length; k++)
        {
            var v = b[wrt[k].Name!];
            for (int e = 0; e < v.Size; e++)
            {
                double keep = v.Data[e];
                v.Data[e] = keep + 1e-6; double fp = Interpreter.Evaluate(new[] { scalar }, b)[scalar].Value;
                v.Data[e] = keep - 1e-6; double fm = Interpreter.Evaluate(new[] { scalar }, b)[scalar].Value;
                v.Data[e] = keep;
                double an = gv[grads[k]].Data[e];
                worst = Math.Max(worst, Math.Abs((fp - fm) / 2e-6 - an) / Math.Max(1, Math.Abs(an)));
            }
        }
        Assert.True(worst < 1e-6, $"worst relative gradient error {worst:E2}");
    }
}
