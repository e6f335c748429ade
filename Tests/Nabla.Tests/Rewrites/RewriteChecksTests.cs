using System;
using System.Collections.Generic;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Engine;
using Xunit;
using Xunit.Sdk;

namespace Nabla.Tests.Rewrites;

/// <summary>
/// The comparison the rewrite properties rely on (<see cref="RewriteChecks.SameResults"/>), on the counterexamples that
/// made <see cref="AlgebraPropertyTests"/> fail now and then: graphs whose original value passes through a division
/// at its singularity, where no rewrite is wrong but the original's finite value is an accident of rounding.
/// </summary>
public class RewriteChecksTests
{
    // c = −0.937: exp(log|c|) + log(eᶜ) is |c| + c = 0 in real arithmetic, but rounds to −1.1e-16.
    private static readonly Dictionary<string, Tensor> AtNegativeC = new() { ["c"] = new Tensor(new[] { 1, 1 }, new[] { -0.937 }) };

    // The shrunk counterexample of AlgebraPropertyTests.Every_pass_alone_keeps_the_results (recipe
    // [0,2569,4902,0,0,9655,0,0,0,0,0,6011,0,0,0,0,5742,0,9670,0,1639,4707,6628,0,0,3075,1045], templates 4 and 5):
    // z = exp(log|c|) + log(eᶜ), y = (z − z) + (z/z)·(z·0); u = 2c reads no division.
    private static Function Residue(double uOffset = 0)
    {
        var g = new Graph(DType.F64);
        var c = g.Input("c", Shape.Of(Shape.Batch, 1));
        var z = F.Exp(F.Log(F.Abs(c))) + F.Log(F.Exp(c));
        var y = z - z + z / z * (z * g.Const(0));
        return new Function(g, ("y", y), ("u", c * 2.0 + uOffset));
    }

    [Fact]
    public void A_division_by_a_rounding_residue_is_not_compared()
    {
        var f = Residue();
        var stabilized = Pipeline.Stabilize.Run(f, RewriteChecks.Strict(), new RewriteReport());
        // The premise: the original divides −1.1e-16 by itself and gets y = 0; stabilization rewrites exp(log|c|) → |c|
        // and log(eᶜ) → c (both exact in real arithmetic), so z is exactly 0 and y = 0/0 = NaN.
        Assert.Equal(0.0, Interpreter.Run(f, AtNegativeC)["y"].Data[0]);
        Assert.True(double.IsNaN(Interpreter.Run(stabilized, AtNegativeC)["y"].Data[0]));
        Assert.Equal(0, RewriteChecks.Count(stabilized, Op.Exp) + RewriteChecks.Count(stabilized, Op.Log));

        RewriteChecks.SameResults(f, stabilized, AtNegativeC, 1, what: "stabilize");
    }

    [Fact]
    public void Outputs_that_avoid_the_singularity_are_still_compared()
    {
        // Same y, but u is off by 1e-6: the check must still see it (the skip is per output, not per graph).
        var f = Residue();
        var wrong = Residue(uOffset: 1e-6);
        var e = Assert.Throws<XunitException>(() => RewriteChecks.SameResults(f, wrong, AtNegativeC, 1, what: "wrong"));
        Assert.Contains("output u[0]", e.Message);
        // Where z has significant digits (c > 0: z = 2c), y goes through no singularity and is compared too.
        var atPositive = new Dictionary<string, Tensor> { ["c"] = new Tensor(new[] { 1, 1 }, new[] { 0.937 }) };
        var g = new Graph(DType.F64);
        var c = g.Input("c", Shape.Of(Shape.Batch, 1));
        var z = F.Exp(F.Log(F.Abs(c))) + F.Log(F.Exp(c));
        var off = new Function(g, ("y", z - z + z / z * (z * g.Const(0)) + 1e-6), ("u", c * 2.0));
        e = Assert.Throws<XunitException>(() => RewriteChecks.SameResults(Residue(), off, atPositive, 1, what: "wrong"));
        Assert.Contains("output y[0]", e.Message);
    }

    [Fact]
    public void A_division_by_a_zero_whose_sign_rewriting_changes_is_not_compared()
    {
        // Shrunk from the same property (canonicalize): q = 1/(Σ(t·0)·(−c)) divides by a zero whose sign decides ±∞, and
        // where(q ≥ x, 0, 1) turns ±∞ into a finite 1 or 0. Canonicalization rewrites Σ(t·0) → Σt·0 and moves the
        // negation into the constant, c·(Σt·−0): both identities of real numbers, but here Σ(t·0)·(−c) = +0·(−0.7) = −0
        // while c·(Σt·−0) = 0.7·(−0.8·−0) = +0, so q flips from −∞ to +∞ and y from 1 to 0. 1/0 has no real value.
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 3));
        var t = g.Input("t", Shape.Of(Shape.Batch, 3));
        var c = g.Input("c", Shape.Of(Shape.Batch, 1));
        var q = g.Const(1) / (F.Sum(t * g.Const(0), 0, 1) * -c);
        var f = new Function(g, ("y", F.Where(F.GreaterEqual(q, x), g.Const(0), g.Const(1))));
        var at = new Dictionary<string, Tensor>
        {
            ["x"] = new Tensor(new[] { 1, 3 }, new[] { 0.1, 0.2, 0.3 }),
            ["t"] = new Tensor(new[] { 1, 3 }, new[] { 0.5, -1, -0.3 }),
            ["c"] = new Tensor(new[] { 1, 1 }, new[] { 0.7 }),
        };
        var canonical = Pipeline.Canonicalize.Run(f, RewriteChecks.Strict(), new RewriteReport());
        Assert.NotEqual(Interpreter.Run(f, at)["y"].Data[0], Interpreter.Run(canonical, at)["y"].Data[0]);

        RewriteChecks.SameResults(f, canonical, at, 1, what: "canonicalize");
    }
}
