using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Engine;
using Nabla.Tests.Support;
using Xunit.Sdk;

namespace Nabla.Tests.Rewrites;

/// <summary>Shared checks of the rewrite tests: interpreter agreement, and the functions the properties optimize.</summary>
internal static class RewriteChecks
{
    /// <summary>Options for tests: verify every pass and require every rule run to reach its fixed point in one sweep.</summary>
    public static RewriteOptions Strict(bool fastMath = false) => new() { Verify = true, CheckFixpoint = true, FastMath = fastMath };

    /// <summary>
    /// The case's output together with its reverse-mode gradient (seed: ones) with respect to every variable, so
    /// that properties see the shapes gradients produce (broadcasts, sums, where, scalings by 1 and by B).
    /// </summary>
    public static Function WithGradients(GraphCase c)
    {
        var y = c.Output;
        var vars = c.Variables;
        var seed = F.Fill(y.Graph, 1, y.Shape, y.DType);
        var grads = Autodiff.Vjp(new[] { y }, new[] { seed }, vars);
        var outs = new List<Named> { new("y", y) };
        outs.AddRange(vars.Select((v, i) => new Named("d/d" + v.Name, grads[i])));
        return new Function(y.Graph, outs);
    }

    /// <summary>
    /// Throws unless <paramref name="b"/> computes what <paramref name="a"/> computes, output by output: each element
    /// within <paramref name="tolerance"/> relative to 1 + its magnitude, plus 1e-4·<paramref name="tolerance"/> times the
    /// largest magnitude among the values it was computed from (a result that cancels to near 0 carries the rounding
    /// of its large intermediates, and reassociation rounds differently). Elements where <paramref name="a"/> is not
    /// finite are skipped: stabilization legitimately turns ∞ or NaN into the right finite value; so are outputs computed
    /// from intermediates beyond 1e12 (ill-conditioned: the original's finite value is an accident of rounding) or below
    /// 1e-200 (nearly underflowed: the original has lost digits that stabilization keeps).
    /// </summary>
    public static void SameResults(Function a, Function b, IReadOnlyDictionary<string, Tensor> bindings, int batch,
        double tolerance = 1e-9, DType precision = DType.F64, string what = "")
    {
        var values = Interpreter.Evaluate(a.Roots, bindings, precision, batch);
        var rb = Interpreter.Run(b, bindings, precision, batch);
        foreach (var o in a.Outputs)
        {
            var ta = values[o.Node]; var tb = rb[o.Name];
            if (!ta.Shape.SequenceEqual(tb.Shape))
                throw new XunitException($"{what}: output {o.Name} has shape [{string.Join(",", tb.Shape)}], expected [{string.Join(",", ta.Shape)}].");
            var magnitudes = Topo.Reachable(new[] { o.Node }).SelectMany(n => values[n].Data)
                .Where(v => !double.IsNaN(v) && !double.IsInfinity(v)).Select(Math.Abs).ToList();
            double scale = magnitudes.DefaultIfEmpty(0).Max();
            // Values beyond 1e12 from inputs within ±2 mean the graph sits next to a singularity (log of a difference
            // that is 0 in exact arithmetic, ...): rounding, and any rewrite, decides between a finite value and NaN there.
            // Values below 1e-200 mean the original has (nearly) underflowed — log(softmax) of a logit 700 below the
            // maximum — and has lost the digits that stabilization keeps: it is the less accurate side.
            if (scale > 1e12 || magnitudes.Any(v => v != 0 && v < 1e-200)) continue;
            for (int i = 0; i < ta.Size; i++)
            {
                double x = ta.Data[i], y = tb.Data[i];
                if (double.IsNaN(x) || double.IsInfinity(x)) continue;
                if (!(Math.Abs(x - y) <= tolerance * (1 + Math.Max(Math.Abs(x), Math.Abs(y))) + 1e-4 * tolerance * scale))
                    throw new XunitException($"{what}: output {o.Name}[{i}] is {y:R} after rewriting, {x:R} before (scale {scale:G3}).\nBefore:\n{Printer.Print(a)}\nAfter:\n{Printer.Print(b)}");
            }
        }
    }

    /// <summary>True when every node of <paramref name="f"/> is finite at these values (the premise of fast math).</summary>
    public static bool AllFinite(Function f, IReadOnlyDictionary<string, Tensor> bindings, int batch) =>
        Interpreter.Evaluate(f.Roots, bindings, DType.F64, batch).Values.All(t => t.Data.All(v => !double.IsNaN(v) && !double.IsInfinity(v)));

    /// <summary>Number of reachable nodes of <paramref name="f"/> with op <paramref name="op"/>.</summary>
    public static int Count(Function f, Op op) => f.Nodes().Count(n => n.Op == op);
}
