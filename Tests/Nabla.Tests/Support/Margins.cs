using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Tests.Support;

/// <summary>
/// Checks that a case's values keep the distances from kinks and domain edges that <see cref="GraphOptions.Margin"/>
/// promises, so that central differences and float32/float64 comparisons are valid on it.
/// </summary>
public static class Margins
{
    /// <summary>One line per node whose arguments come closer to a kink or domain edge than promised (empty when none).</summary>
    public static IReadOnlyList<string> Violations(GraphCase c)
    {
        var v = Interpreter.Evaluate(c.Function.Roots, c.Bindings, DType.F64, c.Batch);
        double m = c.Options.Margin;
        var bad = new List<string>();
        void Require(bool ok, Node n, string what) { if (!ok) bad.Add($"{Printer.Line(n)}: {what}"); }
        double Min(Node n) => v[n].Data.DefaultIfEmpty(double.PositiveInfinity).Min();
        double MinAbs(Node n) => v[n].Data.Select(Math.Abs).DefaultIfEmpty(double.PositiveInfinity).Min();
        double Gap(Node n, Node a, Node b)
        {
            if (ReferenceEquals(a, b)) return double.PositiveInfinity;
            var shape = n.Shape.Concrete(c.Batch);
            var va = GraphBuilder.Broadcast(v[a], shape); var vb = GraphBuilder.Broadcast(v[b], shape);
            return va.Zip(vb, (x, y) => Math.Abs(x - y)).DefaultIfEmpty(double.PositiveInfinity).Min();
        }
        foreach (var n in c.Function.Nodes())
        {
            var op = n.Op;
            if (op == Op.Relu || op == Op.Abs || op == Op.Step || op == Op.Sign) Require(MinAbs(n.A) >= m, n, $"an argument is within {m} of 0");
            else if (op == Op.Max || op == Op.Min || op.IsComparison) Require(Gap(n, n.A, n.B) >= m, n, $"the two sides come within {m}");
            else if (op == Op.Where) Require(n.A.Op.IsComparison || MinAbs(n.A) >= m, n, $"the condition is within {m} of 0");
            else if (op == Op.ReduceMax) Require(GraphBuilder.TopGap(v[n.A], n.Attr<AxesAttrs>().Axes) >= m, n, $"the top two of a slice are within {m}");
            else if (op == Op.MaxPool || op == Op.MaxPoolGrad) Require(GraphBuilder.PoolTopGap(v[n.A], n.Attr<WindowAttrs>()) >= m, n, $"the top two of a window are within {m}");
            else if (op == Op.Log || op == Op.Sqrt) Require(Min(n.A) >= 0.2, n, "an argument is below 0.2");
            else if (op == Op.Log1p) Require(Min(n.A) >= -0.8, n, "an argument is below -0.8");
            else if (op == Op.Pow) Require(Min(n.A) >= 0.2, n, "a base is below 0.2");
            else if (op == Op.Div) Require(MinAbs(n.B) >= 0.25, n, "a divisor is within 0.25 of 0");
            if (v[n].Data.Any(x => double.IsNaN(x) || double.IsInfinity(x))) bad.Add($"{Printer.Line(n)}: not finite");
        }
        return bad;
    }
}
