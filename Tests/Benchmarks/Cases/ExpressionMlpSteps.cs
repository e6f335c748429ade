using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// IR of the MNIST-1D MLP methods benchmarked with the expression backend, as PyTorch's benchmark runs them
/// (<c>Tests/Benchmarks/torch_bench.py</c>): Dense layers <c>x·Wᵀ + b</c> named as <c>nn.Sequential</c> names them,
/// ReLU between them, softmax cross-entropy averaged over the batch, then an SGD or Adam update of every parameter.
/// Built here until the DSL's optimizers exist.
/// </summary>
public static class ExpressionMlpSteps
{
    /// <summary>The widths of a case name such as <c>mlp-40-100-100-10</c>.</summary>
    public static int[] Widths(string caseName) => caseName.Split('-').Skip(1).Select(int.Parse).ToArray();

    /// <summary>Logits of the MLP for input <c>x</c> [B, widths[0]]; adds its parameters to <paramref name="ps"/>.</summary>
    private static Node Logits(Graph g, int[] widths, List<Node> ps)
    {
        Node h = g.Input("x", Shape.Of(Shape.Batch, widths[0]));
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            var w = g.Param($"{2 * i}.weight", Shape.Of(widths[i + 1], widths[i]));
            var b = g.Param($"{2 * i}.bias", Shape.Of(widths[i + 1]));
            ps.Add(w); ps.Add(b);
            h = F.MatMul(h, F.T(w)) + b;
            if (i + 2 < widths.Length) h = F.Relu(h);
        }
        return h;
    }

    /// <summary>Forward pass: output <c>logits</c>.</summary>
    public static Function Forward(int[] widths)
    {
        var g = new Graph(DType.F32);
        return new Function(g, ("logits", Logits(g, widths, new List<Node>())));
    }

    /// <summary>
    /// One training step: inputs <c>x</c>, one-hot targets <c>t</c> [B, classes] and the learning rate <c>lr</c>; output
    /// <c>loss</c>; updates every parameter (and, for Adam, its moments <c>NAME.m</c>, <c>NAME.v</c> and the step count
    /// <c>adam.step</c>).
    /// </summary>
    public static Function TrainStep(int[] widths, string optimizer)
    {
        var g = new Graph(DType.F32);
        var ps = new List<Node>();
        var logits = Logits(g, widths, ps);
        var t = g.Input("t", Shape.Of(Shape.Batch, widths[^1]));
        var lr = g.Input("lr", Shape.Scalar);
        var loss = F.Mean(-F.Sum(t * F.LogSoftmax(logits), 1));
        var grads = Autodiff.Grad(loss, ps);
        var updates = optimizer switch
        {
            "sgd" => ps.Select((p, i) => new Named(p.Name!, p - lr * grads[i])).ToList(),
            "adam" => Adam(g, ps, grads, lr),
            _ => throw new ArgumentException($"Unknown optimizer \"{optimizer}\" (sgd or adam)."),
        };
        return new Function(g, new[] { new Named("loss", loss) }, updates);
    }

    /// <summary>
    /// Adam (PyTorch's defaults β1 = 0.9, β2 = 0.999, ε = 1e-8): with s = step + 1,
    /// m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², w' = w − lr·(m'/(1−β1^s)) / (√(v'/(1−β2^s)) + ε).
    /// </summary>
    private static List<Named> Adam(Graph g, List<Node> ps, IReadOnlyList<Node> grads, Node lr, double b1 = 0.9, double b2 = 0.999, double eps = 1e-8)
    {
        var step = g.Param("adam.step", Shape.Scalar);
        var s = step + 1;
        var c1 = 1 - F.Pow(g.Const(b1, DType.F32), s);
        var c2 = 1 - F.Pow(g.Const(b2, DType.F32), s);
        var updates = new List<Named> { new("adam.step", s) };
        for (int i = 0; i < ps.Count; i++)
        {
            var p = ps[i]; var grad = grads[i];
            var m = g.Param(p.Name + ".m", p.Shape);
            var v = g.Param(p.Name + ".v", p.Shape);
            var m2 = b1 * m + (1 - b1) * grad;
            var v2 = b2 * v + (1 - b2) * (grad * grad);
            updates.Add(new Named(p.Name!, p - lr * (m2 / c1) / (F.Sqrt(v2 / c2) + eps)));
            updates.Add(new Named(m.Name!, m2));
            updates.Add(new Named(v.Name!, v2));
        }
        return updates;
    }
}
