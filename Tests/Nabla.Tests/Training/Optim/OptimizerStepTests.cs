using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Tests.Dsl;
using Xunit;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Tests.Training;

/// <summary>
/// Each optimizer's first three updates on a tiny least-squares problem, run by the reference interpreter on the
/// lowered <c>TrainStep</c> IR (as built and after the rewrite pipeline), against the textbook update rules written
/// out here in plain scalar arithmetic with a hand-derived gradient.
/// </summary>
public class OptimizerStepTests
{
    // y = w·x + b on 3 examples with 2 features; loss (1/m)·Σ (y − t)² (least squares per example, mean over the batch).
    private static readonly double[,] X = { { 1.0, 2.0 }, { -1.0, 0.5 }, { 0.5, -1.5 } };
    private static readonly double[] T = { 1.0, -2.0, 0.5 };
    private static readonly double[] W0 = { 0.25, -0.5 };
    private const double B0 = 0.125;
    private const double Lr = 0.1;

    /// <summary>The hand-derived gradient of (1/m)·Σᵢ (w·xᵢ + b − tᵢ)² (or the sum when <paramref name="sum"/>): [dw0, dw1, db].</summary>
    private static double[] Grad(double[] p, bool sum = false)
    {
        int m = T.Length;
        var g = new double[3];
        for (int i = 0; i < m; i++)
        {
            double r = p[0] * X[i, 0] + p[1] * X[i, 1] + p[2] - T[i];
            g[0] += 2 * r * X[i, 0]; g[1] += 2 * r * X[i, 1]; g[2] += 2 * r;
        }
        if (!sum) for (int j = 0; j < 3; j++) g[j] /= m;
        return g;
    }

    /// <summary>Three steps of the update rule <paramref name="rule"/>(k, p, g) → new p (k = 1, 2, 3), from the initial values.</summary>
    private static List<double[]> Reference(Func<int, double[], double[], double[]> rule, bool sum = false)
    {
        var p = new[] { W0[0], W0[1], B0 };
        var steps = new List<double[]>();
        for (int k = 1; k <= 3; k++)
        {
            p = rule(k, p, Grad(p, sum));
            steps.Add(p);
        }
        return steps;
    }

    private static Model TinyModel() =>
        Model.Build(new Sequential(Dense.FromValues(2, 1, W0.Select(v => (float)v).ToArray(), new[] { (float)B0 })), 2);

    /// <summary>Runs three TrainSteps of the lowered model through the interpreter (f64), feeding updates back.</summary>
    private static List<double[]> Interpreted(Optimizer opt, Reduction reduction = Reduction.Mean, bool optimized = false)
    {
        var model = TinyModel();
        var lowered = Lowerer.Lower(model, new TrainingSetup(Loss.LeastSquares(), opt) { DType = DType.F64, Reduction = reduction });
        var f = optimized ? lowered.Optimized(TrainingSignature.TrainStepMethod) : lowered.TrainStep;
        var b = new Dictionary<string, Tensor>
        {
            ["0.weight"] = Tensor.Of(W0.ToArray(), 1, 2),
            ["0.bias"] = Tensor.Of(new[] { B0 }, 1),
            ["x"] = Tensor.Of(new double[] { X[0, 0], X[0, 1], X[1, 0], X[1, 1], X[2, 0], X[2, 1] }, 3, 2),
            ["t"] = Tensor.Of(T.ToArray(), 3, 1),
            ["lr"] = Tensor.Scalar(Lr),
        };
        foreach (var s in lowered.Signature.State)
            b[s.Name] = new Tensor(s.Shape.ToArray(), Enumerable.Repeat(s.Initial, s.Shape.Aggregate(1, (a, d) => a * d)).ToArray());
        var steps = new List<double[]>();
        for (int k = 0; k < 3; k++)
        {
            var r = Interpreter.Run(f, b);
            foreach (var u in r.Updates) b[u.Key] = u.Value;
            steps.Add(new[] { b["0.weight"].Data[0], b["0.weight"].Data[1], b["0.bias"].Data[0] });
        }
        return steps;
    }

    private static void Same(List<double[]> expected, List<double[]> actual, double tol = 1e-13)
    {
        for (int k = 0; k < 3; k++)
            for (int j = 0; j < 3; j++)
                Assert.True(Math.Abs(expected[k][j] - actual[k][j]) <= tol * Math.Max(1, Math.Abs(expected[k][j])),
                    $"step {k + 1}, parameter {j}: expected {expected[k][j]:R}, got {actual[k][j]:R}");
    }

    private static void Check(Optimizer opt, List<double[]> expected, Reduction reduction = Reduction.Mean)
    {
        Same(expected, Interpreted(opt, reduction));
        Same(expected, Interpreted(opt, reduction, optimized: true), 1e-12);
        // The update actually moves the parameters (so a rule that did nothing could not pass).
        Assert.NotEqual(W0[0], expected[0][0]);
    }

    [Fact]
    public void Sgd_first_step_matches_the_numbers_worked_by_hand()
    {
        // Residuals r = w·x + b − t: (0.25 − 1 + 0.125 − 1, −0.25 − 0.25 + 0.125 + 2, 0.125 + 0.75 + 0.125 − 0.5) = (−1.625, 1.625, 0.5).
        // dL/dw0 = (2/3)(−1.625·1 + 1.625·(−1) + 0.5·0.5) = −2; dL/dw1 = (2/3)(−3.25 + 0.8125 − 0.75) = −2.125; dL/db = (2/3)(0.5) = 1/3.
        var first = Interpreted(Optimizer.Sgd(Lr))[0];
        Oracle.Close(0.25 + 0.1 * 2, first[0], 1e-15);
        Oracle.Close(-0.5 + 0.1 * 2.125, first[1], 1e-15);
        Oracle.Close(0.125 - 0.1 / 3, first[2], 1e-15);
    }

    [Fact]
    public void Sgd() =>
        Check(Optimizer.Sgd(Lr), Reference((k, p, g) => p.Select((v, j) => v - Lr * g[j]).ToArray()));

    [Fact]
    public void Sum_reduction_is_an_option_and_scales_the_gradient_by_m() =>
        Check(Optimizer.Sgd(Lr), Reference((k, p, g) => p.Select((v, j) => v - Lr * g[j]).ToArray(), sum: true), Reduction.Sum);

    [Fact]
    public void Momentum_lecture_form()
    {
        const double beta = 0.9;
        var m = new double[3];
        Check(Optimizer.Momentum(Lr, beta), Reference((k, p, g) =>
        {
            for (int j = 0; j < 3; j++) m[j] = beta * m[j] + (1 - beta) * g[j];
            return p.Select((v, j) => v - Lr * m[j]).ToArray();
        }));
    }

    [Fact]
    public void Momentum_pytorch_form()
    {
        const double mu = 0.8;
        var m = new double[3];
        Check(Optimizer.Momentum(Lr, mu, MomentumForm.PyTorch), Reference((k, p, g) =>
        {
            for (int j = 0; j < 3; j++) m[j] = mu * m[j] + g[j];
            return p.Select((v, j) => v - Lr * m[j]).ToArray();
        }));
    }

    [Fact]
    public void Nesterov_pytorch_form()
    {
        const double mu = 0.8;
        var m = new double[3];
        Check(Optimizer.Momentum(Lr, mu, MomentumForm.PyTorch, nesterov: true), Reference((k, p, g) =>
        {
            for (int j = 0; j < 3; j++) m[j] = mu * m[j] + g[j];
            return p.Select((v, j) => v - Lr * (g[j] + mu * m[j])).ToArray();
        }));
    }

    [Fact]
    public void RmsProp()
    {
        const double alpha = 0.9, eps = 1e-8;
        var v = new double[3];
        Check(Optimizer.RmsProp(Lr, alpha, eps), Reference((k, p, g) =>
        {
            for (int j = 0; j < 3; j++) v[j] = alpha * v[j] + (1 - alpha) * g[j] * g[j];
            return p.Select((w, j) => w - Lr * g[j] / (Math.Sqrt(v[j]) + eps)).ToArray();
        }));
    }

    [Fact]
    public void AdaGrad_with_an_initial_accumulator()
    {
        const double eps = 1e-10, init = 0.5;
        var v = new[] { init, init, init };
        Check(Optimizer.AdaGrad(Lr, eps, init), Reference((k, p, g) =>
        {
            for (int j = 0; j < 3; j++) v[j] += g[j] * g[j];
            return p.Select((w, j) => w - Lr * g[j] / (Math.Sqrt(v[j]) + eps)).ToArray();
        }));
    }

    [Fact]
    public void Adam_with_bias_correction()
    {
        const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var m = new double[3]; var v = new double[3];
        Check(Optimizer.Adam(Lr, b1, b2, eps), Reference((k, p, g) =>
        {
            var next = new double[3];
            for (int j = 0; j < 3; j++)
            {
                m[j] = b1 * m[j] + (1 - b1) * g[j];
                v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
                double mh = m[j] / (1 - Math.Pow(b1, k)), vh = v[j] / (1 - Math.Pow(b2, k));
                next[j] = p[j] - Lr * mh / (Math.Sqrt(vh) + eps);
            }
            return next;
        }));
    }

    [Fact]
    public void Adam_first_step_moves_each_parameter_by_lr_times_the_sign_of_its_gradient()
    {
        // With bias correction m̂ = g and v̂ = g² at step 1, so the step is lr·g/(|g| + ε) ≈ lr·sign(g): the classic check.
        var first = Interpreted(Optimizer.Adam(Lr))[0];
        var g = Grad(new[] { W0[0], W0[1], B0 });
        var p0 = new[] { W0[0], W0[1], B0 };
        for (int j = 0; j < 3; j++) Oracle.Close(p0[j] - Lr * Math.Sign(g[j]), first[j], 1e-7);
    }

    [Fact]
    public void Sgd_with_L2_weight_decay_adds_lambda_w_to_the_gradient_of_every_parameter()
    {
        const double lambda = 0.05;
        Check(Optimizer.Sgd(Lr, weightDecay: lambda), Reference((k, p, g) => p.Select((v, j) => v - Lr * (g[j] + lambda * v)).ToArray()));
    }

    [Fact]
    public void AdamW_decays_the_weights_decoupled_from_the_adaptive_step()
    {
        const double b1 = 0.9, b2 = 0.999, eps = 1e-8, lambda = 0.1;
        var m = new double[3]; var v = new double[3];
        Check(Optimizer.AdamW(Lr, b1, b2, eps, lambda), Reference((k, p, g) =>
        {
            var next = new double[3];
            for (int j = 0; j < 3; j++)
            {
                m[j] = b1 * m[j] + (1 - b1) * g[j];
                v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
                double mh = m[j] / (1 - Math.Pow(b1, k)), vh = v[j] / (1 - Math.Pow(b2, k));
                next[j] = p[j] - Lr * (mh / (Math.Sqrt(vh) + eps) + lambda * p[j]);
            }
            return next;
        }));
    }

    [Fact]
    public void L2_regularizer_term_adds_lambda_w_to_the_weight_gradient_only()
    {
        const double lambda = 0.2;
        var model = TinyModel();
        var setup = new TrainingSetup(Loss.LeastSquares(), Optimizer.Sgd(Lr)) { DType = DType.F64, Regularizers = new[] { Regularizer.L2(lambda) } };
        var lowered = Lowerer.Lower(model, setup);
        var b = new Dictionary<string, Tensor>
        {
            ["0.weight"] = Tensor.Of(W0.ToArray(), 1, 2), ["0.bias"] = Tensor.Of(new[] { B0 }, 1),
            ["x"] = Tensor.Of(new double[] { 1, 2, -1, 0.5, 0.5, -1.5 }, 3, 2), ["t"] = Tensor.Of(T.ToArray(), 3, 1), ["lr"] = Tensor.Scalar(Lr),
        };
        var r = Interpreter.Run(lowered.TrainStep, b);
        var p = new[] { W0[0], W0[1], B0 };
        var g = Grad(p);
        Oracle.Close(p[0] - Lr * (g[0] + lambda * p[0]), r.Updates["0.weight"].Data[0], 1e-14);
        Oracle.Close(p[1] - Lr * (g[1] + lambda * p[1]), r.Updates["0.weight"].Data[1], 1e-14);
        Oracle.Close(p[2] - Lr * g[2], r.Updates["0.bias"].Data[0], 1e-14);
    }
}
