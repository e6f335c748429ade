using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Passes;
using Xunit;

namespace Nabla.Tests.Rewrites;

/// <summary>
/// Canonicalization reassociates scalar factors, which in floating point may change which intermediates overflow or
/// underflow. Its guards keep reassociation to rounding: no folded constant outside its element type's normal range,
/// and no range scale (a constant beyond 2^±20) moved away from where the program wrote it. Each graph here is finite as
/// written in float32 and was ∞, 0 or NaN after optimization before the guards; the interpreter runs every op in float32.
/// </summary>
public class ReassociationRangeTests
{
    private static readonly double Tiny = Math.Pow(2, -53), Tinier = Math.Pow(2, -54);

    private static Dictionary<string, Tensor> At(string name, params double[] data) =>
        new() { [name] = new Tensor(new[] { data.Length, 1 }, data) };

    // Optimizes f and checks, in float32, that every output is finite where the written graph's is, and agrees.
    private static Function OptimizedAgrees(Function f, Dictionary<string, Tensor> at, double tolerance = 1e-4)
    {
        var opt = Pipeline.Optimize(f, RewriteChecks.Strict()).Function;
        var want = Interpreter.Run(f, at, DType.F32, 1);
        var got = Interpreter.Run(opt, at, DType.F32, 1);
        foreach (var o in f.Outputs)
            for (int i = 0; i < want[o.Name].Size; i++)
            {
                double w = want[o.Name].Data[i], g = got[o.Name].Data[i];
                Assert.True(double.IsFinite(w), $"{o.Name}[{i}] is {w} as written: the case is meant to be finite");
                Assert.True(Math.Abs(w - g) <= tolerance * Math.Abs(w),
                    $"{o.Name}[{i}]: {w:R} as written, {g:R} optimized\n{Printer.Print(opt)}");
            }
        return opt;
    }

    [Fact]
    public void A_gradient_through_scaled_exponentials_stays_finite_in_float32()
    {
        // Found by the wide-domain property (seed 17654288638574038156,11682426241806324125): the VJP's scalar factors
        // 2⁻⁵³·2⁻⁵⁴·2⁻³·… were folded into 8.6e-50 — 0 in float32 — and e³⁹·e³⁹·e³⁵ met before any scale: ∞·0 = NaN.
        var g = new Graph(DType.F32);
        var x = g.Input("x", Shape.Of(4, 1));
        var a = F.Exp(x + 38) * Tinier;
        var b = F.Expm1(a + 27) * Tiny;
        var y = F.Log(b * b * 0.0625 + 0.001);
        var u = g.Input("u", Shape.Of(4, 1));
        var dx = Autodiff.Vjp(new[] { y }, new[] { u }, new[] { x })[0];
        var f = new Function(g, ("y", y), ("dx", dx));
        var at = At("x", 0.905, 1.269, 1.072, 0.233);
        at["u"] = new Tensor(new[] { 4, 1 }, new double[] { 1, 1, 1, 1 });
        var opt = OptimizedAgrees(f, at, 1e-3);
        foreach (var n in opt.Nodes().Where(n => n.Op == Op.Const))
        {
            double c = n.Attr<ConstAttrs>().Value;
            Assert.True(c == 0 || Math.Abs(c) >= 1.1754943508222875e-38, $"constant {c:R} is not a normal float32");
        }
    }

    [Fact]
    public void Two_scales_whose_product_leaves_float32_are_not_folded()
    {
        var g = new Graph(DType.F32);
        var a = g.Input("a", Shape.Of(2, 1));
        var b = g.Input("b", Shape.Of(2, 1));
        var y = a * 1e-30 * 1e-16;                     // 1e-46 is 0 in float32
        var z = b * Math.Pow(2, 100) * Math.Pow(2, 40); // 2¹⁴⁰ is ∞ in float32
        var f = new Function(g, ("y", y), ("z", z));
        var at = At("a", 1e38, -3e37);
        at["b"] = new Tensor(new[] { 2, 1 }, new[] { Math.Pow(2, -70), 5.0 * Math.Pow(2, -80) });
        OptimizedAgrees(f, at);

        // A product that is exactly 0 in float64 is not folded either: x·1e-200·1e-200 is 1e-100 for x = 1e300.
        var g0 = new Graph(DType.F64);
        var x0 = g0.Input("x", Shape.Of(1, 1));
        var f0 = new Function(g0, ("y", x0 * 1e-200 * 1e-200));
        var opt0 = Pipeline.Optimize(f0, RewriteChecks.Strict()).Function;
        var r0 = Interpreter.Run(opt0, new Dictionary<string, Tensor> { ["x"] = new Tensor(new[] { 1, 1 }, new[] { 1e300 }) }, DType.F64, 1);
        Assert.Equal(1e-100, r0["y"].Data[0], 1e-112);

        // In float64 the same products fit, and fold.
        var g64 = new Graph(DType.F64);
        var x64 = g64.Input("x", Shape.Of(2, 1));
        var opt64 = Pipeline.Optimize(new Function(g64, ("y", x64 * 1e-30 * 1e-16)), RewriteChecks.Strict()).Function;
        Assert.Equal(1, RewriteChecks.Count(opt64, Op.Mul));
    }

    [Fact]
    public void A_range_scale_stays_inside_a_matrix_product_and_a_sum()
    {
        var g = new Graph(DType.F32);
        var x = g.Input("x", Shape.Of(2, 2));
        var w = g.Input("w", Shape.Of(2, 2));
        var p = F.MatMul(x * Math.Pow(2, -60), w); // entries 2⁷⁰·2⁻⁶⁰·2⁷⁰: matmul(x, w) first would be 2¹⁴⁰ = ∞
        var s = F.Sum(x * Math.Pow(2, -60) * w, new[] { 0, 1 }, false);
        var f = new Function(g, ("p", p * Math.Pow(2, -60)), ("s", s * Math.Pow(2, -60)));
        var big = Math.Pow(2, 70);
        var at = new Dictionary<string, Tensor>
        {
            ["x"] = new Tensor(new[] { 2, 2 }, new[] { big, -big / 2, big / 4, big }),
            ["w"] = new Tensor(new[] { 2, 2 }, new[] { big, big / 8, -big, big / 2 }),
        };
        OptimizedAgrees(f, at);
    }

    [Fact]
    public void Ordinary_scalar_factors_still_float_out_of_matrix_products()
    {
        // The canonical form the stabilization patterns match: matmul(x·0.5, w) → matmul(x, w)·0.5.
        var g = new Graph(DType.F32);
        var x = g.Input("x", Shape.Of(2, 3));
        var w = g.Input("w", Shape.Of(3, 2));
        var opt = Canonicalization.Run(new Function(g, ("y", F.MatMul(x * 0.5, w))));
        var y = opt.Outputs[0].Node;
        Assert.Equal(Op.Mul, y.Op);
        Assert.Equal(Op.MatMul, y.Inputs[0].Op);
    }
}
