using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Dsl;

/// <summary>Helpers that evaluate graphs with the float64 reference interpreter and check gradients by central differences.</summary>
internal static class Oracle
{
    /// <summary>Evaluates <paramref name="build"/> applied to inputs a0, a1, … of the given shapes bound to <paramref name="values"/>.</summary>
    public static Tensor Eval(Func<Node[], Node> build, Shape[] shapes, params Tensor[] values)
    {
        var g = new Graph(DType.F64);
        var ins = shapes.Select((s, i) => g.Input("a" + i, s)).ToArray();
        var y = build(ins);
        return Interpreter.Evaluate(new[] { y }, Bind(values))[y];
    }

    /// <summary>Evaluates a one-input function at the values given (shape as given, no batch axis).</summary>
    public static double[] Map(Func<Node, Node> f, params double[] xs) =>
        Eval(a => f(a[0]), new[] { Shape.Of(xs.Length) }, Tensor.Of(xs, xs.Length)).Data;

    public static Dictionary<string, Tensor> Bind(Tensor[] values)
    {
        var d = new Dictionary<string, Tensor>();
        for (int i = 0; i < values.Length; i++) d["a" + i] = values[i];
        return d;
    }

    /// <summary>
    /// Checks the IR gradient of the scalar sum(u ⊙ f(inputs)) (u fixed random weights; or f itself when scalar) with
    /// respect to each input listed in <paramref name="wrt"/> against central differences with step <paramref name="h"/>.
    /// Returns the largest error relative to max(1, |gradient|).
    /// </summary>
    public static double GradError(Func<Node[], Node> build, Shape[] shapes, Tensor[] values, int[] wrt, double h = 1e-6, int seed = 1)
    {
        var g = new Graph(DType.F64);
        var ins = shapes.Select((s, i) => g.Input("a" + i, s)).ToArray();
        var y = build(ins);
        var bind = Bind(values);
        var yv = Interpreter.Evaluate(new[] { y }, bind)[y];
        Node scalar = y;
        if (y.Shape.Rank > 0)
        {
            var rng = new Rng((ulong)seed);
            var u = Enumerable.Range(0, yv.Size).Select(_ => rng.Uniform(-1, 1)).ToArray();
            g.Input("u", y.Shape);
            bind["u"] = new Tensor(yv.Shape, u);
            scalar = F.Sum(y * g.Find("u")!);
        }
        var grads = Autodiff.Grad(scalar, wrt.Select(i => ins[i]).ToArray());
        var gv = Interpreter.Evaluate(grads, bind);
        double worst = 0;
        for (int k = 0; k < wrt.Length; k++)
        {
            var x = values[wrt[k]];
            var analytic = gv[grads[k]];
            for (int e = 0; e < x.Size; e++)
            {
                double keep = x.Data[e];
                x.Data[e] = keep + h; double fp = Interpreter.Evaluate(new[] { scalar }, bind)[scalar].Value;
                x.Data[e] = keep - h; double fm = Interpreter.Evaluate(new[] { scalar }, bind)[scalar].Value;
                x.Data[e] = keep;
                double fd = (fp - fm) / (2 * h), an = analytic.Data[e];
                Assert.False(double.IsNaN(an), $"NaN gradient for input {wrt[k]} element {e}");
                worst = Math.Max(worst, Math.Abs(fd - an) / Math.Max(1, Math.Abs(an)));
            }
        }
        return worst;
    }

    /// <summary>Uniform values in [lo, hi) from a seeded stream.</summary>
    public static Tensor Random(Rng rng, double lo, double hi, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return new Tensor(shape, Enumerable.Range(0, n).Select(_ => rng.Uniform(lo, hi)).ToArray());
    }

    /// <summary>Values in [lo, hi) kept at least <paramref name="gap"/> away from each of the kinks.</summary>
    public static Tensor AwayFrom(Rng rng, double lo, double hi, double gap, double[] kinks, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var d = new double[n];
        for (int i = 0; i < n; i++)
        {
            double v;
            do v = rng.Uniform(lo, hi); while (kinks.Any(k => Math.Abs(v - k) < gap));
            d[i] = v;
        }
        return new Tensor(shape, d);
    }

    public static void Close(double expected, double actual, double tol = 1e-12)
    {
        Assert.True(Math.Abs(expected - actual) <= tol * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");
    }
}
