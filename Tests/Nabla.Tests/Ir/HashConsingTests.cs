using System.Linq;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>Identical op + inputs + attributes + type is one node; anything else is a different node.</summary>
public class HashConsingTests
{
    [Fact]
    public void The_same_call_returns_the_same_node()
    {
        var g = new Graph();
        var x = g.Input("x", new Shape(Shape.Batch, 3));
        var y = g.Input("y", new Shape(3));
        Assert.Same(x, g.Input("x", new Shape(Shape.Batch, 3)));
        Assert.Same(x + y, x + y);
        Assert.Same(F.Sin(x), F.Sin(x));
        Assert.Same(g.Const(2.0), g.Const(2.0));
        Assert.Same(x * 2.0, x * 2.0);
        Assert.Same(F.Sum(x, 1), F.Sum(x, -1));                  // axes are normalized first
        Assert.Same(F.Sum(x, new[] { 1, 0 }, true), F.Sum(x, new[] { 0, 1, 0 }, true));
        Assert.Same(g.Const(new[] { 1.0, 2 }, new Shape(2)), g.Const(new[] { 1.0, 2 }, new Shape(2)));
        int before = g.Nodes.Count;
        var again = F.Tanh(x + y) * F.Tanh(x + y);
        Assert.Equal(before + 2, g.Nodes.Count);               // x + y exists already: only tanh and mul are new
        Assert.Same(again.A, again.B);
    }

    [Fact]
    public void Different_attributes_types_or_operand_order_give_different_nodes()
    {
        var g = new Graph();
        var x = g.Input("x", new Shape(2, 3));
        var y = g.Input("y", new Shape(2, 3));
        Assert.NotSame(x + y, y + x);                            // no canonical order: that is a rewrite's job
        Assert.NotSame(F.Sum(x, 0), F.Sum(x, 1));
        Assert.NotSame(F.Sum(x, new[] { 0 }, true), F.Sum(x, new[] { 0 }, false));
        Assert.NotSame(g.Const(0.0), g.Const(-0.0));              // folding must not merge −0 and +0
        Assert.NotSame(g.Const(1.0, DType.F32), g.Const(1.0, DType.F64));
        Assert.NotSame(F.Reshape(x, new Shape(3, 2)), F.Reshape(x, new Shape(6)));
    }

    [Fact]
    public void Node_ids_are_topological_and_dense()
    {
        var g = new Graph();
        var x = g.Input("x", new Shape(3));
        var z = F.Exp(F.Sin(x) * x) + F.Sum(x);
        Assert.All(g.Nodes, n => Assert.All(n.Inputs, i => Assert.True(i.Id < n.Id)));
        Assert.Equal(Enumerable.Range(0, g.Nodes.Count), g.Nodes.Select(n => n.Id));
        Assert.Same(z, g.Nodes[z.Id]);
    }

    [Fact]
    public void Reusing_an_array_after_a_call_does_not_change_the_node()
    {
        var g = new Graph();
        var x = g.Input("x", new Shape(2, 3, 4));
        var y = g.Input("y", new Shape(2, 3, 4));
        var ins = new[] { x, y };
        var add = g.Make(Op.Add, Attrs.None, ins);
        ins[1] = x;                                              // a rewriter reusing its scratch array
        Assert.Same(y, add.B);
        Assert.Same(add, x + y);
        Assert.NotSame(add, x + x);

        var perm = new[] { 2, 0, 1 };
        var t = F.Transpose(x, perm);
        perm[0] = 1; perm[1] = 2; perm[2] = 0;
        Assert.Equal(new[] { 2, 0, 1 }, t.Attr<PermutationAttrs>().Perm);
        Assert.Equal(new Shape(4, 2, 3), t.Shape);
        Assert.Same(t, F.Transpose(x, 2, 0, 1));

        var data = new[] { 1.0, 2.0 };
        var c = g.Const(data, new Shape(2));
        data[0] = 5;
        Assert.Equal(new[] { 1.0, 2.0 }, c.Attrs.Data);
    }
}
