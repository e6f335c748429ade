using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Engine;
using Nabla.Testing;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>
/// What a review of custom and kernel ops found, each now a regression test: rules that would give silently wrong
/// numbers are refused with the op named, the interpreter takes the batch size from an input, same-named ops stay
/// apart, and a gradient check that compared nothing does not pass.
/// </summary>
public class CustomOpReviewTests
{
    private const string K = "Nabla.Tests.Backends.TestKernels.";

    [Fact]
    public void A_derived_JVP_refuses_a_VJP_contribution_summed_to_a_broadcast_inputs_shape()
    {
        // gate(a, b) = a·σ(b) with a:[3] broadcast over b:[4,3]; the VJP sums a's contribution to [3], which would make
        // the derived tangent of every row the sum over the rows.
        var gate = Op.DefineElementwise("gate_summed", (a, b) => a / (1 + Math.Exp(-b)), K + "Gate",
            (y, g) => new[] { F.SumTo(g * F.Sigmoid(y.B), y.A.Shape), g * y * (1.0 - F.Sigmoid(y.B)) });
        var gr = new Graph(DType.F64);
        var a = gr.Input("a", Shape.Of(3));
        var b = gr.Input("b", Shape.Of(4, 3));
        var e = Assert.Throws<ShapeException>(() => Autodiff.Jvp(new[] { gate.Call(a, b) }, new[] { a }, new[] { a }));
        Assert.StartsWith("Kernel op \"gate_summed\": its VJP gives input 0", e.Message);
        Assert.Contains("give the op a jvp", e.Message);
        // Reverse mode is unaffected: autodiff sums contributions to the input anyway.
        Assert.Equal(Shape.Of(3), Autodiff.Grad(F.Sum(gate.Call(a, b)), new[] { a })[0].Shape);
    }

    [Fact]
    public void A_VJP_contribution_larger_than_the_output_is_refused()
    {
        var ident = Op.Define("ident_wide", x => x * 1.0, vjp: (y, g) => new[] { F.BroadcastTo(g, Shape.Of(5, 3)) });
        var gr = new Graph(DType.F64);
        var x = gr.Input("x", Shape.Of(3));
        var e = Assert.Throws<ShapeException>(() => Autodiff.Grad(F.Sum(ident.Call(x)), new[] { x }));
        Assert.Contains("The VJP of custom op \"ident_wide\" gives input 0", e.Message);
        // The same rule for a kernel op says "kernel op".
        var wide = Op.DefineElementwise("kernel_wide", v => v, K + "Softsign", (y, g) => new[] { F.BroadcastTo(g, Shape.Of(5, 3)) });
        Assert.Contains("The VJP of kernel op \"kernel_wide\"", Assert.Throws<ShapeException>(() => Autodiff.Grad(F.Sum(wide.Call(x)), new[] { x })).Message);
    }

    [Fact]
    public void The_interpreter_takes_the_batch_size_from_an_input_the_forward_does_not_reach()
    {
        var timesBatch = Op.Define("times_batch", 2, xs => xs[1] * xs[0].Graph.BatchSize(xs[1].DType));
        var gr = new Graph(DType.F64);
        var x = gr.Input("x", Shape.Of(Shape.Batch, 3));
        var w = gr.Input("w", Shape.Of(3));
        var f = new Function(gr, ("y", timesBatch.Call(x, w)));
        var b = new Dictionary<string, Tensor> { ["x"] = new(new[] { 4, 3 }, new double[12]), ["w"] = new(new[] { 3 }, new[] { 1.0, 2, 3 }) };
        Assert.Equal(new[] { 4.0, 8, 12 }, Interpreter.Run(f, b)["y"].Data);
        // Inlined, the graph no longer reaches x, so the batch size is given, as a compiled model is given it by its caller.
        Assert.Equal(new[] { 4.0, 8, 12 }, Interpreter.Run(Op.Inline(f), b, batch: 4)["y"].Data);
    }

    [Fact]
    public void Two_ops_with_one_name_stay_two_ops_under_verification()
    {
        var twice = Op.DefineElementwise("scale", v => 2 * v, K + "Twice", (y, g) => new[] { g * 2.0 });
        var triple = Op.DefineElementwise("scale", v => 3 * v, K + "Triple", (y, g) => new[] { g * 3.0 });
        var gr = new Graph(DType.F64);
        var z = gr.Input("z", Shape.Of(4));
        var f = new Function(gr, ("y", twice.Call(z) + triple.Call(z)));
        var opt = Pipeline.Optimize(f, new RewriteOptions { Verify = true }).Function;
        var b = new Dictionary<string, Tensor> { ["z"] = new(new[] { 4 }, new[] { 1.0, -2, 0.5, 3 }) };
        Assert.Equal(new[] { 5.0, -10, 2.5, 15 }, Interpreter.Run(opt, b)["y"].Data);
    }

    [Fact]
    public void Calling_a_custom_op_with_the_wrong_number_of_inputs_says_so()
    {
        var two = Op.Define("two_inputs", (a, b) => a * b);
        var gr = new Graph(DType.F64);
        var x = gr.Input("x", Shape.Of(3));
        Assert.Equal("two_inputs takes 2 input(s), got 1. (Parameter 'inputs')", Assert.Throws<ArgumentException>(() => two.Call(x)).Message);
        Assert.Equal("two_inputs takes 2 input(s), got 1.", Assert.Throws<ShapeException>(() => gr.Make(two, Attrs.None, x)).Message);
    }

    [Fact]
    public void A_gradient_check_that_compared_no_finite_difference_does_not_pass()
    {
        // Every generated value on the kink 0 and a wrong VJP: before, this "passed" with nothing checked.
        var wrong = Op.Define("wrong_cube", x => x * x * x, vjp: (y, g) => new[] { g * 7.0 }, jvp: (y, t) => t[0]! * 7.0);
        var narrow = new GradCheckOptions { Domain = Domain.Of(-1e-7, 1e-7), Roslyn = false, Expressions = false, Seed = 1 };
        var r = GradCheck.Op(wrong, narrow);
        Assert.False(r.Passed);
        Assert.Equal(GradCheckKind.NothingCompared, r.Failure!.Check);
        Assert.Contains("nothing compared", r.ToString());
        Assert.Equal(0, r.Compared);
        Assert.Contains("KinkFraction must be in [0, 1)", Assert.Throws<ArgumentException>(() => GradCheck.Op(wrong, narrow with { KinkFraction = 1 })).Message);
        // A check that compares says how many it compared.
        var ok = GradCheck.Op(Op.Tanh, new GradCheckOptions { Roslyn = false, Seed = 1 });
        Assert.True(ok.Passed && ok.Compared > 0);
        Assert.Contains($"{ok.Compared} finite differences compared", ok.ToString());
    }
}
