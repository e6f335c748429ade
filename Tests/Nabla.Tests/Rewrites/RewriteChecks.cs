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
    /// finite are skipped: stabilization legitimately turns ∞ or NaN into the right finite value. Whole outputs are
    /// skipped where <paramref name="a"/>'s value is not defined by real arithmetic, which is all a rewrite preserves:
    /// outputs computed from intermediates beyond 1e12 (next to a singularity: the original's finite value is an
    /// accident of rounding), below 1e-200 (nearly underflowed: the original has lost digits that stabilization keeps),
    /// or through an operation at its singularity (a division by a zero or by a rounding residue; see <see cref="Singular"/>).
    /// Returns how many outputs were compared and how many skipped, so a property can check it still compares something.
    /// </summary>
    public static (int Compared, int Skipped) SameResults(Function a, Function b, IReadOnlyDictionary<string, Tensor> bindings, int batch,
        double tolerance = 1e-9, DType precision = DType.F64, string what = "")
    {
        int compared = 0, skipped = 0;
        var values = Interpreter.Evaluate(a.Roots, bindings, precision, batch);
        var rb = Interpreter.Run(b, bindings, precision, batch);
        HashSet<Node>? singular = null;
        foreach (var o in a.Outputs)
        {
            var ta = values[o.Node]; var tb = rb[o.Name];
            if (!ta.Shape.SequenceEqual(tb.Shape))
                throw new XunitException($"{what}: output {o.Name} has shape [{string.Join(",", tb.Shape)}], expected [{string.Join(",", ta.Shape)}].");
            var reachable = Topo.Reachable(new[] { o.Node });
            var magnitudes = reachable.SelectMany(n => values[n].Data)
                .Where(v => !double.IsNaN(v) && !double.IsInfinity(v)).Select(Math.Abs).ToList();
            double scale = magnitudes.DefaultIfEmpty(0).Max();
            // Values beyond 1e12 from inputs within ±2 mean the graph sits next to a singularity (log of a difference
            // that is 0 in exact arithmetic, ...): rounding, and any rewrite, decides between a finite value and NaN there.
            // Values below 1e-200 mean the original has (nearly) underflowed — log(softmax) of a logit 700 below the
            // maximum — and has lost the digits that stabilization keeps: it is the less accurate side.
            if (scale > 1e12 || magnitudes.Any(v => v != 0 && v < 1e-200)) { skipped++; continue; }
            // At a singularity (division by 0 or by a rounding residue of a value that is 0 in real arithmetic) the
            // real-number value is undefined: the original's 1 = z/z or ±∞ = 1/±0 is an accident of its rounding.
            if ((singular ??= Singular(a, values, precision, batch)).Overlaps(reachable)) { skipped++; continue; }
            compared++;
            for (int i = 0; i < ta.Size; i++)
            {
                double x = ta.Data[i], y = tb.Data[i];
                if (double.IsNaN(x) || double.IsInfinity(x)) continue;
                if (!(Math.Abs(x - y) <= tolerance * (1 + Math.Max(Math.Abs(x), Math.Abs(y))) + 1e-4 * tolerance * scale))
                    throw new XunitException($"{what}: output {o.Name}[{i}] is {y:R} after rewriting, {x:R} before (scale {scale:G3}).\nBefore:\n{Printer.Print(a)}\nAfter:\n{Printer.Print(b)}");
            }
        }
        return (compared, skipped);
    }

    /// <summary>
    /// The nodes of <paramref name="f"/> that apply an operation at its singularity — a division by zero, log, sqrt or a
    /// power of zero — where the argument is 0 in exact arithmetic: exactly 0, or a <em>computational zero</em>, a value
    /// with no significant digit (a rounding residue such as <c>|a| + a = exp(log|a|) + log(eᵃ)</c> for a &lt; 0, 1e-17
    /// where real arithmetic gives 0). There the real-number result is undefined: the original's value (x/x = 1 for a
    /// residue, ±∞ from the sign of a zero) is an accident of its rounding, and a rewrite that is exact in real
    /// arithmetic (log(eᵃ) → a) may round to exact 0 and give NaN instead. This is stochastic arithmetic's test of an
    /// unstable operation (Vignes' CESTAC method, as in the CADNA library): <paramref name="f"/> is evaluated again
    /// with the result of every rounded operation perturbed by a few units in the last place (seeded, so the check is
    /// deterministic); a value is a computational zero when some perturbed evaluation moves it by as much as its own
    /// magnitude. Values with any significant digit are kept: less severe ill-conditioning is the tolerance's business.
    /// </summary>
    private static HashSet<Node> Singular(Function f, Dictionary<Node, Tensor> values, DType precision, int batch)
    {
        var nodes = Topo.Reachable(f.Roots);
        bool f32 = precision == DType.F32;
        double ulp = f32 ? Math.Pow(2, -24) : Math.Pow(2, -53);
        var runs = new List<Dictionary<Node, Tensor>>();
        for (int k = 0; k < 4; k++)
        {
            var rng = new Random(17 + k);
            var v = new Dictionary<Node, Tensor>();
            foreach (var n in nodes)
            {
                if (n.IsLeaf) { v[n] = values[n]; continue; }
                var t = Interpreter.EvalNode(n, n.Inputs.Select(i => v[i]).ToArray(), batch);
                var d = t.Data;
                bool rounds = n.DType != DType.I32 && !Exact(n.Op);
                for (int i = 0; i < d.Length; i++)
                {
                    if (rounds) d[i] *= 1 + (2 * rng.NextDouble() - 1) * 4 * ulp;
                    if (f32) d[i] = (float)d[i];
                }
                v[n] = t;
            }
            runs.Add(v);
        }
        bool Zero(Node n, int i)
        {
            double x = values[n].Data[i];
            if (x == 0) return true;
            if (double.IsNaN(x) || double.IsInfinity(x)) return false;
            return runs.Any(r => !(Math.Abs(r[n].Data[i] - x) < Math.Abs(x)));
        }
        var singular = new HashSet<Node>();
        foreach (var n in nodes)
        {
            int arg = n.Op == Op.Div ? 1 : n.Op == Op.Log || n.Op == Op.Sqrt || n.Op == Op.Pow ? 0 : -1;
            if (arg < 0) continue;
            var x = n.Inputs[arg];
            for (int i = 0; i < values[x].Size; i++)
                if (Zero(x, i)) { singular.Add(n); break; }
        }
        return singular;
    }

    // Ops whose result is exact in floating point (movement, selection, sign changes, comparisons): no rounding to perturb.
    private static bool Exact(Op op) =>
        op.Kind is OpKind.Layout or OpKind.Movement or OpKind.Index || op.IsComparison ||
        op == Op.Neg || op == Op.Abs || op == Op.Relu || op == Op.Sign || op == Op.Step || op == Op.Max || op == Op.Min ||
        op == Op.Where || op == Op.ReduceMax;

    /// <summary>True when every node of <paramref name="f"/> is finite at these values (the premise of fast math).</summary>
    public static bool AllFinite(Function f, IReadOnlyDictionary<string, Tensor> bindings, int batch) =>
        Interpreter.Evaluate(f.Roots, bindings, DType.F64, batch).Values.All(t => t.Data.All(v => !double.IsNaN(v) && !double.IsInfinity(v)));

    /// <summary>Number of reachable nodes of <paramref name="f"/> with op <paramref name="op"/>.</summary>
    public static int Count(Function f, Op op) => f.Nodes().Count(n => n.Op == op);
}
