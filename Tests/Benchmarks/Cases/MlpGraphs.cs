using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// IR builders for the MNIST-1D MLPs of the benchmarks and the C# backend tests: dense layers named as PyTorch's
/// <c>nn.Sequential</c> state dict (<c>"0.weight"</c> [out, in], <c>"0.bias"</c>, then <c>"2.weight"</c> after the ReLU at 1),
/// ReLU on hidden layers, mean softmax cross-entropy against one-hot targets, and an SGD or Adam update. (The training
/// library's optimizers will replace these builders; until then they are the reference training steps.)
/// </summary>
public static class MlpGraphs
{
    /// <summary>Adam's β1.</summary>
    public const double Beta1 = 0.9;
    /// <summary>Adam's β2.</summary>
    public const double Beta2 = 0.999;
    /// <summary>Adam's ε.</summary>
    public const double Epsilon = 1e-8;

    /// <summary>"40-100-100-10" → { 40, 100, 100, 10 }.</summary>
    public static int[] Widths(string name) => name.Replace("mlp-", "").Split('-').Select(int.Parse).ToArray();

    /// <summary>The forward pass: inputs <c>x</c> [B, in]; output <c>logits</c> [B, out].</summary>
    public static Function Forward(int[] widths, DType type)
    {
        var g = new Graph(type);
        var x = g.Input("x", Shape.Of(Shape.Batch, widths[0]));
        var (logits, _) = Layers(g, x, widths);
        return new Function(g, ("logits", logits));
    }

    /// <summary>
    /// One training step: inputs <c>x</c> [B, in], one-hot <c>t</c> [B, out], <c>lr</c> [] (Adam also <c>bc1</c> = 1/(1−β1^k) and
    /// <c>bc2</c> = 1/(1−β2^k) for step k); output <c>loss</c> (and <c>logits</c> when <paramref name="withLogits"/>); updates every
    /// weight and bias (Adam also the moments <c>"{name}.m"</c> and <c>"{name}.v"</c>).
    /// </summary>
    public static Function TrainStep(int[] widths, string optimizer, DType type, bool withLogits = false)
    {
        var g = new Graph(type);
        var x = g.Input("x", Shape.Of(Shape.Batch, widths[0]));
        var t = g.Input("t", Shape.Of(Shape.Batch, widths[widths.Length - 1]));
        var lr = g.Input("lr", Shape.Scalar);
        var (logits, ps) = Layers(g, x, widths);
        var loss = F.Mean(-F.Sum(t * F.LogSoftmax(logits), 1));
        var grads = Autodiff.Grad(loss, ps);
        var updates = new List<Named>();
        if (optimizer == "sgd")
            for (int i = 0; i < ps.Count; i++) updates.Add(new Named(ps[i].Name!, ps[i] - lr * grads[i]));
        else if (optimizer == "adam")
        {
            var bc1 = g.Input("bc1", Shape.Scalar);
            var bc2 = g.Input("bc2", Shape.Scalar);
            for (int i = 0; i < ps.Count; i++)
            {
                var p = ps[i]; var gr = grads[i];
                var m = g.Param(p.Name + ".m", p.Shape);
                var v = g.Param(p.Name + ".v", p.Shape);
                var m2 = Beta1 * m + (1 - Beta1) * gr;
                var v2 = Beta2 * v + (1 - Beta2) * (gr * gr);
                var w2 = p - lr * (m2 * bc1) / (F.Sqrt(v2 * bc2) + Epsilon);
                updates.Add(new Named(p.Name!, w2));
                updates.Add(new Named(m.Name!, m2));
                updates.Add(new Named(v.Name!, v2));
            }
        }
        else throw new ArgumentException($"Unknown optimizer \"{optimizer}\" (sgd or adam).");
        var outputs = new List<Named> { new("loss", loss) };
        if (withLogits) outputs.Add(new Named("logits", logits));
        return new Function(g, outputs, updates);
    }

    /// <summary>The schedule of <paramref name="f"/> (optimized by the standard rewrite pipeline first) as a one-method model plan.</summary>
    public static ModelPlan Plan(string model, string method, Function f, bool optimize = true) =>
        new(model, new[] { (method, Scheduler.Build(optimize ? Pipeline.Optimize(f).Function : f)) });

    private static (Node Logits, List<Node> Params) Layers(Graph g, Node x, int[] widths)
    {
        Node h = x;
        var ps = new List<Node>();
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            var w = g.Param($"{2 * i}.weight", Shape.Of(widths[i + 1], widths[i]));
            var b = g.Param($"{2 * i}.bias", Shape.Of(widths[i + 1]));
            ps.Add(w); ps.Add(b);
            h = F.MatMul(h, F.T(w)) + b;
            if (i + 2 < widths.Length) h = F.Relu(h);
        }
        return (h, ps);
    }

    /// <summary>He-initialized weights, zero biases and moments, reproducible from <paramref name="seed"/>.</summary>
    public static void Initialize<T>(Nabla.Runtime.CompiledModel<T> model, int seed) where T : unmanaged
    {
        var rnd = new Random(seed);
        for (int i = 0; i < model.Parameters.Length; i++)
        {
            var spec = model.Spec.Parameters[i];
            var a = model.Parameters[i];
            bool weight = spec.Name.EndsWith(".weight", StringComparison.Ordinal);
            double scale = weight ? Math.Sqrt(2.0 / spec.Shape[1]) : 0;
            for (int j = 0; j < a.Length; j++)
            {
                double v = weight ? scale * Gaussian(rnd) : 0;
                a[j] = typeof(T) == typeof(float) ? (T)(object)(float)v : (T)(object)v;
            }
        }
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
