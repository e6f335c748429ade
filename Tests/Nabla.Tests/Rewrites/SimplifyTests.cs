using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Xunit;

namespace Nabla.Tests.Rewrites;

/// <summary>Pipeline.Simplify: the form in which derivatives are shown to people.</summary>
public class SimplifyTests
{
    [Fact]
    public void Lecture_example_derivatives_print_as_the_textbook_writes_them()
    {
        var g = new Graph(DType.F64);
        var x1 = g.Input("x1", Shape.Scalar);
        var x2 = g.Input("x2", Shape.Scalar);
        var f = new Function(g, ("z", F.Sin(x1) + x1 * x2));
        var grad = Autodiff.Grad(f, "z", "x1", "x2");

        var s = Pipeline.Simplify(grad);

        Assert.Contains(Printer.Infix(s["d/dx1"]), new[] { "cos(x1) + x2", "x2 + cos(x1)" });
        Assert.Equal("x1", Printer.Infix(s["d/dx2"]));
        Assert.Contains(Printer.Infix(s["value"]), new[] { "sin(x1) + x1*x2", "x1*x2 + sin(x1)", "sin(x1) + x2*x1", "x2*x1 + sin(x1)" });
        var at = new System.Collections.Generic.Dictionary<string, Tensor> { ["x1"] = Tensor.Scalar(2), ["x2"] = Tensor.Scalar(3) };
        var r = Interpreter.Run(s, at);
        Assert.Equal(System.Math.Cos(2) + 3, r["d/dx1"].Value, 12);
        Assert.Equal(2, r["d/dx2"].Value, 12);
        Assert.Equal(System.Math.Sin(2) + 6, r["value"].Value, 12);
    }
}
