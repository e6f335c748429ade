using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Dsl;

public class LossTests
{
    private static readonly int B = Shape.Batch;

    private static double Value(Loss loss, Tensor y, Tensor t, Reduction r = Reduction.Mean)
    {
        var ys = new Shape(new[] { B }.Concat(y.Shape.Skip(1)).ToArray());
        var ts = new Shape(new[] { B }.Concat(t.Shape.Skip(1)).ToArray());
        return Oracle.Eval(a => loss.Apply(a[0], a[1], r), new[] { ys, ts }, y, t).Value;
    }

    private static Tensor M(double[,] m) => ModelRunner.Matrix(m);

    [Fact]
    public void Mse_and_least_squares_by_hand()
    {
        var y = M(new double[,] { { 1, 2 }, { 3, 5 } });
        var t = M(new double[,] { { 0, 2 }, { 1, 1 } });
        // per-example squared errors: {1, 0} and {4, 16}
        Assert.Equal((0.5 + 10) / 2, Value(Loss.Mse(), y, t));
        Assert.Equal(0.5 + 10, Value(Loss.Mse(), y, t, Reduction.Sum));
        Assert.Equal((1 + 20) / 2.0, Value(Loss.LeastSquares(), y, t));
        Assert.Equal(21, Value(Loss.LeastSquares(), y, t, Reduction.Sum));
        // scalar output per example ([B])
        Assert.Equal((4 + 1) / 2.0, Oracle.Eval(a => Loss.Mse().Apply(a[0], a[1]), new[] { Shape.Of(B), Shape.Of(B) }, Tensor.Of(new[] { 2.0, 0 }, 2), Tensor.Of(new[] { 0.0, 1 }, 2)).Value);
    }

    [Fact]
    public void Binary_cross_entropy_with_logits_by_hand_and_finite_at_1000()
    {
        double S(double z) => 1 / (1 + Math.Exp(-z));
        double Bce(double z, double t) => -(t * Math.Log(S(z)) + (1 - t) * Math.Log(1 - S(z)));
        var z = new[] { 0.0, 2, -1, 0.3 }; var t = new[] { 1.0, 0, 1, 0.25 };
        Oracle.Close(z.Select((v, i) => Bce(v, t[i])).Average(), Value(Loss.BinaryCrossEntropyWithLogits(), Tensor.Of(z, 4, 1), Tensor.Of(t, 4, 1)), 1e-14);
        // Extreme logits: exact values 1000 (wrong side) and 0 (right side); never inf or NaN.
        var big = Value(Loss.BinaryCrossEntropyWithLogits(), Tensor.Of(new[] { 1000.0, -1000, 1000, -1000 }, 4, 1), Tensor.Of(new[] { 0.0, 1, 1, 0 }, 4, 1), Reduction.Sum);
        Assert.Equal(2000, big);
        // Per example the elements are averaged (PyTorch's mean over all elements).
        Oracle.Close((Bce(0, 1) + Bce(2, 0)) / 2, Value(Loss.BinaryCrossEntropyWithLogits(), Tensor.Of(new[] { 0.0, 2 }, 1, 2), Tensor.Of(new[] { 1.0, 0 }, 1, 2)), 1e-14);
    }

    [Fact]
    public void Softmax_cross_entropy_by_hand_for_probabilities_one_hot_and_indices()
    {
        var logits = M(new double[,] { { 1, 2, 3 }, { 0.5, -1, 0 } });
        double Lse(params double[] v) => Math.Log(v.Sum(Math.Exp));
        // one-hot class 2 and class 0
        double want = ((Lse(1, 2, 3) - 3) + (Lse(0.5, -1, 0) - 0.5)) / 2;
        Oracle.Close(want, Value(Loss.SoftmaxCrossEntropy(), logits, M(new double[,] { { 0, 0, 1 }, { 1, 0, 0 } })), 1e-14);
        Oracle.Close(want, Value(Loss.SoftmaxCrossEntropy(ClassTargets.Indices), logits, Tensor.Of(new[] { 2.0, 0 }, 2)), 1e-14);
        Oracle.Close(Math.Log(1 + Math.Exp(-1) + Math.Exp(-2)), Value(Loss.SoftmaxCrossEntropy(), Tensor.Of(new[] { 1.0, 2, 3 }, 1, 3), Tensor.Of(new[] { 0.0, 0, 1 }, 1, 3)), 1e-14);
        // probability targets: −Σ t log p
        var p = new[] { 0.2, 0.3, 0.5 };
        Oracle.Close(-p.Select((pi, c) => pi * (new[] { 1.0, 2, 3 }[c] - Lse(1, 2, 3))).Sum(),
            Value(Loss.SoftmaxCrossEntropy(), Tensor.Of(new[] { 1.0, 2, 3 }, 1, 3), Tensor.Of(p, 1, 3)), 1e-14);
        // stable for huge logits
        Assert.Equal(1000, Value(Loss.SoftmaxCrossEntropy(ClassTargets.Indices), Tensor.Of(new[] { 1000.0, 0, -1000 }, 1, 3), Tensor.Of(new[] { 1.0 }, 1)));
    }

    [Fact]
    public void Softmax_cross_entropy_gradient_is_softmax_minus_target_over_the_batch()
    {
        var g = new Graph(DType.F64);
        var z = g.Input("z", Shape.Of(B, 3)); var t = g.Input("t", Shape.Of(B));
        var loss = Loss.SoftmaxCrossEntropy(ClassTargets.Indices).Apply(z, t);
        var dz = Autodiff.Grad(loss, new[] { z })[0];
        var zv = new[] { 1.0, 2, 3, 0.5, -1, 0 };
        var r = Interpreter.Evaluate(new[] { dz }, new System.Collections.Generic.Dictionary<string, Tensor> { ["z"] = Tensor.Of(zv, 2, 3), ["t"] = Tensor.Of(new[] { 2.0, 0 }, 2) })[dz];
        var onehot = new[] { 0.0, 0, 1, 1, 0, 0 };
        for (int i = 0; i < 2; i++)
        {
            double s = Enumerable.Range(0, 3).Sum(c => Math.Exp(zv[i * 3 + c]));
            for (int c = 0; c < 3; c++) Oracle.Close((Math.Exp(zv[i * 3 + c]) / s - onehot[i * 3 + c]) / 2, r.Data[i * 3 + c], 1e-14);
        }
    }

    private static double Gaussian(double t, double mu, double s) => -0.5 * Math.Pow((t - mu) / Math.Exp(s), 2) - s - 0.5 * Math.Log(2 * Math.PI);

    [Fact]
    public void Mixture_density_nll_with_one_component_is_the_gaussian_nll()
    {
        // [a | μ | s] for K = 1, D = 1; the mixing logit is irrelevant.
        var y = M(new double[,] { { 3.0, 0.5, -0.2 }, { -7.0, -1, 0.3 } });
        var t = M(new double[,] { { 1.1 }, { -2 } });
        double want = -(Gaussian(1.1, 0.5, -0.2) + Gaussian(-2, -1, 0.3)) / 2;
        Oracle.Close(want, Value(Loss.MixtureDensity(1), y, t), 1e-14);
        // D = 2: the log-likelihoods of the coordinates add. Layout [a | μ1 μ2 | s1 s2].
        var y2 = Tensor.Of(new[] { 0.0, 0.5, -1, 0.1, 0.2 }, 1, 5);
        Oracle.Close(-(Gaussian(0.3, 0.5, 0.1) + Gaussian(0.7, -1, 0.2)), Value(Loss.MixtureDensity(1, 2), y2, Tensor.Of(new[] { 0.3, 0.7 }, 1, 2)), 1e-14);
    }

    [Fact]
    public void Mixture_density_nll_with_two_components_by_hand()
    {
        // [a1 a2 | μ1 μ2 | s1 s2]
        var y = Tensor.Of(new[] { 0.3, -0.4, 1.0, -2.0, 0.1, -0.5 }, 1, 6);
        double e1 = Math.Exp(0.3), e2 = Math.Exp(-0.4), pi1 = e1 / (e1 + e2), pi2 = e2 / (e1 + e2);
        double want = -Math.Log(pi1 * Math.Exp(Gaussian(0.2, 1, 0.1)) + pi2 * Math.Exp(Gaussian(0.2, -2, -0.5)));
        Oracle.Close(want, Value(Loss.MixtureDensity(2), y, Tensor.Of(new[] { 0.2 }, 1, 1)), 1e-14);
        Assert.Equal(6, new MixtureDensityLoss(2).Width);
    }

    private static double Cos(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum() / Math.Sqrt(a.Sum(x => x * x) * b.Sum(x => x * x));

    [Fact]
    public void InfoNce_with_one_negative_is_the_softplus_of_the_score_gap()
    {
        double[] q = { 1, 2, -1 }, kp = { 0.5, 1.5, 0 }, kn = { -1, 0.2, 2 };
        double tau = 0.5, s0 = Cos(q, kp) / tau, s1 = Cos(q, kn) / tau;
        double want = Math.Log(1 + Math.Exp(s1 - s0)); // softplus(s1 − s0)
        var got = Value(Loss.InfoNce(1, tau), Tensor.Of(q, 1, 3), Tensor.Of(kp.Concat(kn).ToArray(), 1, 2, 3));
        Oracle.Close(want, got, 1e-12);
        // Three negatives: −log(e^{s0} / Σ_j e^{s_j}).
        double[][] keys = { kp, kn, new double[] { 0, 0, 1 }, new double[] { 3, -1, 1 } };
        var s = keys.Select(k => Cos(q, k) / tau).ToArray();
        Oracle.Close(Math.Log(s.Sum(Math.Exp)) - s[0], Value(Loss.InfoNce(3, tau), Tensor.Of(q, 1, 3), Tensor.Of(keys.SelectMany(k => k).ToArray(), 1, 4, 3)), 1e-12);
        // Scale invariance of the embeddings (they are normalized; ε = 1e-12 inside the norm is felt at ~1e-11).
        Oracle.Close(got, Value(Loss.InfoNce(1, tau), Tensor.Of(q.Select(v => 7 * v).ToArray(), 1, 3), Tensor.Of(kp.Concat(kn).Select(v => 0.1 * v).ToArray(), 1, 2, 3)), 1e-9);
    }

    [Fact]
    public void L2_regularizer_is_half_lambda_times_the_squared_trainable_weights()
    {
        var net = new Sequential(Dense.FromValues(2, 2, new float[] { 1, 2, 3, 4 }, new float[] { 10, 10 }), new ReLU(), Dense.FromValues(2, 1, new float[] { 0.5f, -1 }, new float[] { 7 }));
        var m = Model.Build(net, 2);
        var tg = m.BuildLoss(Loss.Mse(), regularizers: new[] { Regularizer.L2(0.1) }, dtype: DType.F64);
        var interp = Interpreter.Evaluate(new[] { tg.Regularization! }, tg.ParameterBindings());
        Oracle.Close(0.05 * (1 + 4 + 9 + 16 + 0.25 + 1), interp[tg.Regularization!].Value);
        var withBias = m.BuildLoss(Loss.Mse(), regularizers: new[] { Regularizer.L2(0.1, includeBiases: true) }, dtype: DType.F64);
        Oracle.Close(0.05 * (30 + 1.25 + 200 + 49), Interpreter.Evaluate(new[] { withBias.Regularization! }, withBias.ParameterBindings())[withBias.Regularization!].Value);
        m.Network.Children[0].Value.Freeze();
        var frozen = m.BuildLoss(Loss.Mse(), regularizers: new[] { Regularizer.L2(0.1) }, dtype: DType.F64);
        Oracle.Close(0.05 * 1.25, Interpreter.Evaluate(new[] { frozen.Regularization! }, frozen.ParameterBindings())[frozen.Regularization!].Value);
        // the objective is data + regularization
        var data = new System.Collections.Generic.Dictionary<string, Tensor> { ["x"] = Tensor.Of(new[] { 1.0, -1 }, 1, 2), ["t"] = Tensor.Of(new[] { 0.0 }, 1, 1) };
        double y = 0.5 * Math.Max(0, 1 - 2 + 10) - Math.Max(0, 3 - 4 + 10) + 7;
        Oracle.Close(y * y + 0.05 * 1.25, ModelRunner.Loss(frozen, data));
    }

    [Fact]
    public void Gradients_of_every_loss_agree_with_central_differences()
    {
        var gen = from kind in Gen.Choose(0, 7)
                  from batch in Gen.Choose(1, 3)
                  from width in Gen.Choose(1, 4)
                  from seed in Gen.Choose(0, 1_000_000)
                  select (kind, batch, width, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(80), Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Rng((ulong)c.seed + 17);
            int b = c.batch, w = c.width;
            Loss loss; Tensor y, t; int[] wrt = { 0, 1 };
            switch (c.kind)
            {
                case 0: loss = Loss.Mse(); y = Oracle.Random(rng, -2, 2, b, w); t = Oracle.Random(rng, -2, 2, b, w); break;
                case 1: loss = Loss.LeastSquares(); y = Oracle.Random(rng, -2, 2, b, w); t = Oracle.Random(rng, -2, 2, b, w); break;
                case 2: loss = Loss.BinaryCrossEntropyWithLogits(); y = Oracle.Random(rng, -6, 6, b, w); t = Oracle.Random(rng, 0, 1, b, w); break;
                case 3:
                    loss = Loss.SoftmaxCrossEntropy(); y = Oracle.Random(rng, -5, 5, b, w + 1); t = Oracle.Random(rng, 0.01, 1, b, w + 1);
                    for (int i = 0; i < b; i++) { double s = 0; for (int j = 0; j <= w; j++) s += t.Data[i * (w + 1) + j]; for (int j = 0; j <= w; j++) t.Data[i * (w + 1) + j] /= s; }
                    break;
                case 4:
                    loss = Loss.SoftmaxCrossEntropy(ClassTargets.Indices); y = Oracle.Random(rng, -5, 5, b, w + 1);
                    t = new Tensor(new[] { b }, Enumerable.Range(0, b).Select(_ => (double)(int)(rng.NextDouble() * (w + 1))).ToArray()); wrt = new[] { 0 };
                    break;
                case 5:
                    { var mdn = new MixtureDensityLoss(w, 1 + b % 2); loss = mdn; y = Oracle.Random(rng, -1, 1, b, mdn.Width); t = Oracle.Random(rng, -1.5, 1.5, b, mdn.D); break; }
                case 6:
                    loss = Loss.InfoNce(w, 0.2 + rng.NextDouble()); y = Oracle.Random(rng, -1, 1, b, 3); t = Oracle.Random(rng, -1, 1, b, w + 1, 3); break;
                default:
                    loss = Loss.InfoNce(1, 0.07); y = Oracle.Random(rng, 0.2, 1, b, w + 1); t = Oracle.Random(rng, -1, 1, b, 2, w + 1); break;
            }
            var shapes = new[] { new Shape(new[] { B }.Concat(y.Shape.Skip(1)).ToArray()), new Shape(new[] { B }.Concat(t.Shape.Skip(1)).ToArray()) };
            foreach (var r in new[] { Reduction.Mean, Reduction.Sum })
            {
                double err = Oracle.GradError(a => loss.Apply(a[0], a[1], r), shapes, new[] { y, t }, wrt, seed: c.seed);
                Assert.True(err < 2e-6, $"{loss.Name} ({r}): relative gradient error {err:E2}");
            }
        }));
    }
}
