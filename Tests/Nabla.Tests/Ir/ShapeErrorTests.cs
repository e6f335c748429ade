using System;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>Shape errors are raised when a node is built, and name the op, each input's id, name or label, and shape.</summary>
public class ShapeErrorTests
{
    private static ShapeException Fails(Func<Node> build) => Assert.Throws<ShapeException>(() => build());

    [Fact]
    public void Broadcasting_mismatch_names_the_op_both_nodes_and_both_shapes()
    {
        var g = new Graph();
        var x = g.Input("x", new Shape(Shape.Batch, 3));
        var y = g.Param("w", new Shape(4));
        var e = Fails(() => x + y);
        Assert.Contains("add(", e.Message);
        Assert.Contains($"%{x.Id} input \"x\" f32[B,3]", e.Message);
        Assert.Contains($"%{y.Id} param \"w\" f32[4]", e.Message);
        Assert.Contains("3 vs 4", e.Message);
    }

    [Fact]
    public void Labels_appear_in_errors()
    {
        var g = new Graph();
        var h = F.Tanh(g.Input("x", new Shape(2, 3)));
        h.Label = "hidden1";
        var e = Fails(() => F.MatMul(h, g.Input("y", new Shape(2, 3))));
        Assert.Contains("matmul(", e.Message);
        Assert.Contains($"%{h.Id} \"hidden1\" f32[2,3]", e.Message);
        Assert.Contains("input \"y\" f32[2,3]", e.Message);
        Assert.Contains("inner dimensions differ (3 vs 2)", e.Message);
    }

    [Fact]
    public void Every_op_family_reports_what_is_wrong()
    {
        var g = new Graph();
        var x = g.Input("x", new Shape(2, 3));
        Assert.Contains("cannot reshape to [4,2]", Fails(() => F.Reshape(x, new Shape(4, 2))).Message);
        Assert.Contains("is not a permutation", Fails(() => F.Transpose(x, 0, 0)).Message);
        Assert.Contains("cannot broadcast to [2,4]", Fails(() => F.BroadcastTo(x, new Shape(2, 4))).Message);
        Assert.Contains("both operands need rank >= 2", Fails(() => F.MatMul(x, g.Input("v", new Shape(3)))).Message);
        Assert.Contains("kernel 3 is larger than the padded height 2", Fails(() => F.Im2Col(g.Input("img", new Shape(1, 1, 2, 2)), 3, 1)).Message);
        var d = g.Input("d", new Shape(2, 3), DType.F64);
        Assert.Contains("element types differ (f32 vs f64)", Fails(() => x * d).Message);
    }

    [Fact]
    public void Axis_errors_name_the_op_and_the_node()
    {
        var g = new Graph();
        var x = g.Input("x", new Shape(2, 3));
        foreach (var build in new Func<Node>[] { () => F.Softmax(x, 2), () => F.LogSoftmax(x, -3), () => F.LogSumExp(x, 5), () => F.Sum(x, 2), () => F.ReduceMax(x, -4) })
        {
            var e = Fails(build);
            Assert.Contains($"(%{x.Id} input \"x\" f32[2,3]): axis", e.Message);
            Assert.Contains("out of range for rank 2", e.Message);
        }
    }

    [Fact]
    public void Leaves_and_functions_check_names_shapes_and_graphs()
    {
        var g = new Graph();
        var x = g.Input("x", new Shape(3));
        Assert.Contains("already defined as input f32[3]", Fails(() => g.Input("x", new Shape(4))).Message);
        Assert.Contains("needs 4 values, got 3", Fails(() => g.Const(new double[3], new Shape(2, 2))).Message);
        var w = g.Param("w", new Shape(3));
        var e = Assert.Throws<ShapeException>(() => new Function(g, new[] { new Named("y", x) }, new[] { new Named("w", F.Sum(x)) }));
        Assert.Contains("the parameter is f32[3]", e.Message);
        var other = new Graph().Input("x", new Shape(3));
        Assert.Throws<ArgumentException>(() => x + other);
        Assert.Throws<ArgumentException>(() => Topo.Reachable(new[] { x, other }));
        Assert.Throws<ArgumentException>(() => Autodiff.Grad(F.Sum(x), new[] { other }));
        Assert.Throws<ShapeException>(() => Autodiff.Grad(x, new[] { x })); // a non-scalar output needs a seed
        Assert.NotNull(w);
    }
}
