using System;
using System.Linq;
using System.Runtime.Intrinsics;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Backends.CSharp;

/// <summary>The runtime helpers emitted code calls (<see cref="Emitted"/>) against the IR's scalar definitions.</summary>
public class EmittedRuntimeTests
{
    private static readonly double[] Specials =
    {
        0, -0.0, 1e-9, -1e-9, 1e-4, -3e-3, 0.5, -0.5, 1, -1, 2.5, -7, 15, -15, 19.9, -21, 40, -40, 90, -100, 700, -750,
        double.NaN, double.PositiveInfinity, double.NegativeInfinity,
    };

    private static readonly Op[] Unary = { Op.Exp, Op.Log, Op.Sqrt, Op.Abs, Op.Sin, Op.Cos, Op.Tanh, Op.Sigmoid, Op.Relu, Op.Step, Op.Sign, Op.Softplus };

    private static Vector256<double> V(Op op, Vector256<double> x) => op.Name switch
    {
        "exp" => Emitted.Exp(x), "log" => Emitted.Log(x), "sqrt" => Emitted.Sqrt(x), "abs" => Emitted.Abs(x),
        "sin" => Emitted.Sin(x), "cos" => Emitted.Cos(x), "tanh" => Emitted.Tanh(x), "sigmoid" => Emitted.Sigmoid(x),
        "relu" => Emitted.Relu(x), "step" => Emitted.Step(x), "sign" => Emitted.Sign(x), _ => Emitted.Softplus(x),
    };

    private static Vector128<float> V(Op op, Vector128<float> x) => op.Name switch
    {
        "exp" => Emitted.Exp(x), "log" => Emitted.Log(x), "sqrt" => Emitted.Sqrt(x), "abs" => Emitted.Abs(x),
        "sin" => Emitted.Sin(x), "cos" => Emitted.Cos(x), "tanh" => Emitted.Tanh(x), "sigmoid" => Emitted.Sigmoid(x),
        "relu" => Emitted.Relu(x), "step" => Emitted.Step(x), "sign" => Emitted.Sign(x), _ => Emitted.Softplus(x),
    };

    private static bool Close(double want, double got, double tol) =>
        (double.IsNaN(want) && double.IsNaN(got)) || want == got || Math.Abs(want - got) <= tol * Math.Max(1e-300, Math.Abs(want)) || Math.Abs(want - got) <= tol * 1e-3;

    [Fact]
    public void VectorOpsMatchTheIrDefinitionsIncludingSpecialValues()
    {
        foreach (var op in Unary)
            foreach (var x in Specials)
            {
                double want = op.Apply(x);
                double got = V(op, Vector256.Create(x)).GetElement(3);
                Assert.True(Close(want, got, 1e-14), $"{op.Name}({x:R}) double: IR {want:R}, Vector256 {got:R}");
                float gotF = V(op, Vector128.Create((float)x)).GetElement(1);
                double wantF = op.Apply((float)x);
                Assert.True(Close((float)wantF, gotF, 3e-6), $"{op.Name}({(float)x:R}) float: IR {(float)wantF:R}, Vector128 {gotF:R}");
            }
    }

    [Fact]
    public void BinaryAndSelectOpsMatchTheIrDefinitions()
    {
        var ops = new (Op Op, Func<Vector256<double>, Vector256<double>, Vector256<double>> F)[]
        {
            (Op.Max, Emitted.Max), (Op.Min, Emitted.Min), (Op.Greater, Emitted.Gt), (Op.GreaterEqual, Emitted.Ge), (Op.Equal, Emitted.Eq), (Op.Pow, Emitted.Pow),
        };
        foreach (var (op, f) in ops)
            foreach (var a in Specials)
                foreach (var b in new[] { 0, -0.0, 2, -2, 0.5, double.NaN, -7 })
                {
                    double want = op.Apply(a, b), got = f(Vector256.Create(a), Vector256.Create(b)).GetElement(0);
                    Assert.True(Close(want, got, 1e-15) && (want != 0 || double.IsNegative(want) == double.IsNegative(got) || op == Op.Pow),
                        $"{op.Name}({a:R}, {b:R}): IR {want:R}, vector {got:R}");
                }
        foreach (var c in new[] { 0, -0.0, 1, double.NaN, -3 })
            Assert.Equal(c != 0 ? 5.0 : 6.0, Emitted.Where(Vector256.Create(c), Vector256.Create(5.0), Vector256.Create(6.0)).GetElement(2));
    }

    [Fact]
    public void NormalizeMatchesTheReferenceForAnyRowLengthWithAndWithoutVectors()
    {
        var gen = from outer in Gen.Choose(1, 3)
                  from length in Gen.Choose(1, 21)
                  from inner in Gen.Choose(1, 2)
                  from seed in Gen.Choose(0, 100000)
                  select (outer, length, inner, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rnd = new Random(c.seed);
            int n = c.outer * c.length * c.inner;
            var x = Enumerable.Range(0, n).Select(_ => Math.Round(rnd.NextDouble() * 40 - 20, 3)).ToArray();
            if (c.seed % 7 == 0) x[0] = 1000;
            foreach (bool vectors in new[] { true, false })
            {
                var sm = new double[n]; var ls = new double[n]; var lse = new double[c.outer * c.inner];
                Emitted.Normalize(x, c.outer, c.length, c.inner, sm, ls, lse, vectors);
                var smf = new float[n]; var lsf = new float[n];
                Emitted.Normalize(x.Select(v => (float)v).ToArray(), c.outer, c.length, c.inner, smf, lsf, null, vectors);
                for (int o = 0; o < c.outer; o++)
                    for (int i = 0; i < c.inner; i++)
                    {
                        double max = Enumerable.Range(0, c.length).Max(l => x[(o * c.length + l) * c.inner + i]);
                        double sum = Enumerable.Range(0, c.length).Sum(l => Math.Exp(x[(o * c.length + l) * c.inner + i] - max));
                        double want = Math.Log(sum) + max;
                        Assert.True(Math.Abs(lse[o * c.inner + i] - want) <= 1e-12 * (1 + Math.Abs(want)), $"lse {lse[o * c.inner + i]} vs {want}");
                        for (int l = 0; l < c.length; l++)
                        {
                            int at = (o * c.length + l) * c.inner + i;
                            double p = Math.Exp(x[at] - max) / sum;
                            Assert.True(Math.Abs(sm[at] - p) <= 1e-13, $"softmax[{at}] {sm[at]} vs {p} (length {c.length}, vectors {vectors})");
                            Assert.True(Math.Abs(ls[at] - (x[at] - want)) <= 1e-12 * (1 + Math.Abs(x[at] - want)), $"log_softmax[{at}]");
                            Assert.True(Math.Abs(smf[at] - p) <= 1e-6, $"f32 softmax[{at}] {smf[at]} vs {p}");
                            Assert.True(Math.Abs(lsf[at] - (x[at] - want)) <= 1e-5 * (1 + Math.Abs(x[at] - want)), $"f32 log_softmax[{at}] {lsf[at]} vs {x[at] - want}");
                        }
                    }
            }
        }).QuickCheckThrowOnFailure();
    }
}
