using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>The printer's line format and the infix formulas shown to people.</summary>
public class PrinterTests
{
    [Fact]
    public void Prints_one_node_per_line_with_attributes_type_and_shape()
    {
        var g = new Graph();
        var x = g.Input("x", new Shape(Shape.Batch, 2, 3));
        var w = g.Param("w", new Shape(6, 4));
        var h = F.MatMul(F.Reshape(x, new Shape(Shape.Batch, 6)), w);
        h.Label = "dense";
        var y = F.Sum(F.Relu(h) * 0.5, new[] { 1 }, true);
        var f = new Function(g, new[] { new Named("y", y) }, new[] { new Named("w", w * 0.9) });

        var expected = string.Join("\n",
            "%0 = input \"x\" : f32[B,2,3]",
            "%1 = param \"w\" : f32[6,4]",
            "%2 = reshape(%0) [B,6] : f32[B,6]",
            "%3 = matmul(%2, %1) : f32[B,4]  // dense",
            "%4 = relu(%3) : f32[B,4]",
            "%5 = const 0.5 : f32[]",
            "%6 = mul(%4, %5) : f32[B,4]",
            "%7 = sum(%6) [1] keep : f32[B,1]",
            "%8 = const 0.9 : f32[]",
            "%9 = mul(%1, %8) : f32[6,4]",
            "return y = %7",
            "update w <- %9",
            "");
        Assert.Equal(expected, Printer.Print(f).Replace("\r\n", "\n"));
    }

    [Fact]
    public void Prints_constants_broadcasts_and_windows()
    {
        var g = new Graph(DType.F64);
        var c = g.Const(new[] { 1.5, -2, 0.1, 4, 5, 6, 7 }, new Shape(7));
        Assert.Equal($"%{c.Id} = const {{1.5, -2, 0.1, 4, 5, 6, ... (7 values)}} : f64[7]", Printer.Line(c));
        var b = F.BroadcastTo(g.Const(1e-7), new Shape(Shape.Batch, 2));
        Assert.Equal($"%{b.Id} = broadcast(%{b.A.Id}) [B,2] : f64[B,2]", Printer.Line(b));
        Assert.Equal("1E-07", Printer.Infix(b.A));
        var im = F.Im2Col(g.Input("img", new Shape(Shape.Batch, 1, 4, 4)), 3, 3, 1, 1, 1, 1);
        Assert.Equal($"%{im.Id} = im2col(%{im.A.Id}) k3x3 s1,1 p1,1 : f64[B,9,16]", Printer.Line(im));
        Assert.Equal($"%{g.BatchSize().Id} = batch_size : f64[]", Printer.Line(g.BatchSize()));
    }

    [Fact]
    public void Infix_uses_precedence_and_parenthesizes_only_where_needed()
    {
        var g = new Graph(DType.F64);
        Node a = g.Input("a", Shape.Scalar), b = g.Input("b", Shape.Scalar), c = g.Input("c", Shape.Scalar);
        Assert.Equal("cos(a) + b", Printer.Infix(F.Cos(a) + b));
        Assert.Equal("(a + b)*c", Printer.Infix((a + b) * c));
        Assert.Equal("a + b*c", Printer.Infix(a + b * c));
        Assert.Equal("a - (b - c)", Printer.Infix(a - (b - c)));
        Assert.Equal("a - b - c", Printer.Infix(a - b - c));
        Assert.Equal("a/(b*c)", Printer.Infix(a / (b * c)));
        Assert.Equal("a*b/c", Printer.Infix(a * b / c));
        Assert.Equal("a^b^c", Printer.Infix(F.Pow(a, F.Pow(b, c))));
        Assert.Equal("(a^b)^c", Printer.Infix(F.Pow(F.Pow(a, b), c)));
        Assert.Equal("(-2)^a", Printer.Infix(F.Pow(g.Const(-2.0), a)));
        Assert.Equal("a^(-1)", Printer.Infix(F.Pow(a, -1.0)));
        Assert.Equal("-a^2", Printer.Infix(-F.Pow(a, 2.0)));
        Assert.Equal("(-a)^2", Printer.Infix(F.Pow(-a, 2.0)));
        Assert.Equal("-(a + b)", Printer.Infix(-(a + b)));
        Assert.Equal("a*(-b)", Printer.Infix(a * -b));
        Assert.Equal("max(a, b) + sigmoid(c)", Printer.Infix(F.Maximum(a, b) + F.Sigmoid(c)));
    }
}
