using System;
using Nabla.Ir;
using Nabla.Testing;
using Xunit;

namespace Nabla.Tests.Testing;

/// <summary>Misuse of the public checker is refused with a message saying what to do; options are honoured.</summary>
public class GradCheckApiTests
{
    [Fact]
    public void A_structural_op_without_shapes_is_refused_with_a_hint()
    {
        var e = Assert.Throws<ArgumentException>(() => GradCheck.Op(Op.MatMul));
        Assert.Contains("matmul is not elementwise", e.Message);
        Assert.Contains("give its input shapes", e.Message);
        var a = Assert.Throws<ArgumentException>(() => GradCheck.Op(Op.Sum));
        Assert.Contains("takes AxesAttrs", a.Message);
        Assert.Throws<ArgumentException>(() => GradCheck.Op(Op.Input));
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => GradCheck.Op(Op.Tanh, new GradCheckOptions { Cases = 0 }));
        Assert.Throws<ArgumentException>(() => GradCheck.Op(Op.Tanh, new GradCheckOptions { Step = 0 }));
        Assert.Throws<ArgumentException>(() => GradCheck.Op(Op.Tanh, new GradCheckOptions { KinkFraction = 2 }));
        Assert.Throws<ArgumentException>(() => Domain.Of(1, 0));
        Assert.Throws<ArgumentException>(() => Domain.Of(double.NaN, 0));
    }

    [Fact]
    public void A_function_that_does_not_build_is_reported_not_thrown()
    {
        // matmul of [B,3] and [2,2]: the shape rule refuses it; the report says so (a check result, not a crash).
        var r = GradCheck.Function(x => F.MatMul(x[0], x[1]), new GradCheckOptions { Seed = 1, Cases = 2, Roslyn = false }, new[] { Shape.Of(Shape.Batch, 3), Shape.Of(2, 2) });
        Assert.False(r.Passed);
        Assert.Equal(GradCheckKind.Exception, r.Failure!.Check);
        Assert.IsType<ShapeException>(r.Failure.Exception);
        Assert.Contains("ShapeException while building the function", r.ToString());
    }

    [Fact]
    public void Domains_are_honoured_and_shapes_stay_small()
    {
        // log is checked only where it is defined; generated shapes respect MaxRank and MaxDim.
        var r = GradCheck.Op(Op.Log, new GradCheckOptions { Seed = 2, Domain = Domain.Positive, Roslyn = false, MaxRank = 1, MaxDim = 2 });
        Assert.True(r.Passed, r.ToString());
        var bad = GradCheck.Op(Op.Log, new GradCheckOptions { Seed = 2, Domain = Domain.Of(-1, 1), Roslyn = false, BackendCases = 0 });
        Assert.False(bad.Passed, bad.ToString()); // NaN below 0: the finite difference (NaN) cannot agree
        Assert.True(bad.Failure!.Element >= 0, bad.ToString());
        Assert.True(bad.Failure!.Case.Inputs[0].Data[bad.Failure.Element] <= 0);
    }
}
