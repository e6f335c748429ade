using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>
/// The integer element type and the index ops (cast, gather, scatter_add, one_hot): exact values, derivatives against
/// central differences in float64 (with repeated indices), the interpreter against both backends in f32 and f64, the
/// type rules, and a clear error for a bad index in the interpreter and in both backends' kernels.
/// </summary>
public class IndexOpTests
{
    private static Tensor Ints(int[] shape, params int[] values) => new(shape, values.Select(v => (double)v).ToArray());

    [Fact]
    public void Gather_scatter_add_and_one_hot_give_their_definitions_exactly()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(2, 3));
        var i = g.Input("i", Shape.Of(2, 2), DType.I32);
        var u = g.Input("u", Shape.Of(2, 4));
        var j = g.Input("j", Shape.Of(4), DType.I32);
        var f = new Function(g, new[]
        {
            new Named("rows", F.Gather(x, i, 0)),                // x[i] : [2,2,3]
            new Named("cols", F.Gather(x, i, 1)),                // x[:, i] : [2,2,2]
            new Named("scatter", F.ScatterAdd(u, j, 1, 3)),      // [2,3]
            new Named("hot", F.OneHot(j, 3, DType.F64)),         // [4,3]
            new Named("float", F.Cast(j, DType.F64)),
        });
        var r = Interpreter.Run(f, new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.Of(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3),
            ["i"] = Ints(new[] { 2, 2 }, 1, 0, 1, 1),
            ["u"] = Tensor.Of(new double[] { 1, 2, 3, 4, 10, 20, 30, 40 }, 2, 4),
            ["j"] = Ints(new[] { 4 }, 2, 0, 2, 2),
        });
        Assert.Equal(new[] { 2, 2, 3 }, r["rows"].Shape);
        Assert.Equal(new double[] { 4, 5, 6, 1, 2, 3, 4, 5, 6, 4, 5, 6 }, r["rows"].Data);
        Assert.Equal(new[] { 2, 2, 2 }, r["cols"].Shape);
        Assert.Equal(new double[] { 2, 1, 2, 2, 5, 4, 5, 5 }, r["cols"].Data);
        Assert.Equal(new double[] { 2, 0, 1 + 3 + 4, 20, 0, 10 + 30 + 40 }, r["scatter"].Data); // repeated index 2 accumulates
        Assert.Equal(new double[] { 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 1 }, r["hot"].Data);
        Assert.Equal(new double[] { 2, 0, 2, 2 }, r["float"].Data);
        Assert.Equal(DType.F64, f["hot"].DType);
        Assert.Equal(DType.I32, i.DType);
        Assert.Contains("i32[2,2]", Printer.Print(f));
    }

    [Fact]
    public void Integers_take_no_arithmetic_and_no_gradient()
    {
        var g = new Graph(DType.F64);
        var i = g.Input("i", Shape.Of(Shape.Batch, 3), DType.I32);
        var x = g.Input("x", Shape.Of(Shape.Batch, 3));
        Assert.Contains("not i32 indices", Assert.Throws<ShapeException>(() => i + i).Message);
        Assert.Contains("not i32 indices", Assert.Throws<ShapeException>(() => F.Exp(i)).Message);
        Assert.Contains("element types differ", Assert.Throws<ShapeException>(() => x * i).Message);
        Assert.Contains("must be i32", Assert.Throws<ShapeException>(() => F.Gather(x, x, 0)).Message);
        Assert.Contains("is not a cast", Assert.Throws<ShapeException>(() => F.Cast(x, DType.F32)).Message);
        Assert.Same(i, F.Cast(i, DType.I32));
        // Data movement is allowed: reshape and transpose of indices stay i32.
        Assert.Equal(DType.I32, F.Reshape(i, Shape.Of(Shape.Batch, 3, 1)).DType);
        // No derivative with respect to an integer tensor, and none flows through a cast to i32.
        Assert.Contains("i32", Assert.Throws<ShapeException>(() => Autodiff.Grad(F.Sum(F.Cast(i, DType.F64)), new[] { i })).Message);
        var through = Autodiff.Grad(F.Sum(F.Cast(F.Cast(x * 3.0, DType.I32), DType.F64) + x), new[] { x })[0];
        var r = Interpreter.Evaluate(new[] { through }, new Dictionary<string, Tensor> { ["x"] = Tensor.Of(new[] { 0.3, 1.2, -2.6 }, 1, 3) }, batch: 1)[through];
        Assert.Equal(new double[] { 1, 1, 1 }, r.Data); // only the + x term
    }

    /// <summary>Loss Σ W ⊙ op(x) with random W: gradient and directional derivative against central differences.</summary>
    [Theory]
    [InlineData("gather0")]
    [InlineData("gather1")]
    [InlineData("scatter")]
    public void Derivatives_match_central_differences_in_float64_with_repeated_indices(string which)
    {
        const int batch = 3;
        var rng = new Random(which.GetHashCode() & 0xffff);
        var g = new Graph(DType.F64);
        Node x; Node y; Tensor xv, iv;
        switch (which)
        {
            case "gather0": // embedding-style: a table [5, 3] and indices [B, 4] with repeats
                x = g.Param("x", Shape.Of(5, 3));
                y = F.Gather(x, g.Input("i", Shape.Of(Shape.Batch, 4), DType.I32), 0);
                xv = GradCheck.Random(new[] { 5, 3 }, rng);
                iv = Ints(new[] { batch, 4 }, 1, 1, 4, 0, 2, 1, 1, 3, 4, 4, 4, 0);
                break;
            case "gather1": // along a middle axis with outer > 1
                x = g.Input("x", Shape.Of(Shape.Batch, 4, 2));
                y = F.Gather(x, g.Input("i", Shape.Of(5), DType.I32), 1);
                xv = GradCheck.Random(new[] { batch, 4, 2 }, rng);
                iv = Ints(new[] { 5 }, 3, 0, 3, 3, 1);
                break;
            default: // scatter_add of updates [B, 5, 2] into [B, 3, 2]
                x = g.Input("x", Shape.Of(Shape.Batch, 5, 2));
                y = F.ScatterAdd(x, g.Input("i", Shape.Of(5), DType.I32), 1, 3);
                xv = GradCheck.Random(new[] { batch, 5, 2 }, rng);
                iv = Ints(new[] { 5 }, 2, 2, 0, 2, 1);
                break;
        }
        var w = g.Input("w", y.Shape);
        var loss = F.Sum(w * F.Sin(y));
        var bind = new Dictionary<string, Tensor> { ["x"] = xv, ["i"] = iv, ["w"] = GradCheck.Random(y.Shape.Concrete(batch), rng) };
        var gradNode = Autodiff.Grad(loss, new[] { x })[0];
        var grad = Interpreter.Evaluate(new[] { gradNode }, bind, batch: batch)[gradNode];
        for (int k = 0; k < xv.Size; k++)
        {
            double fd = GradCheck.Central(loss, bind, batch, "x", k, 1e-5);
            Assert.True(GradCheck.Error(grad.Data[k], fd) < 1e-7, $"{which}: d/dx[{k}] = {grad.Data[k]}, central difference {fd}");
        }
        // Forward mode: the tangent of y along a direction v equals the central difference of y along v.
        var v = g.Input("v", x.Shape);
        bind["v"] = GradCheck.Random(xv.Shape, rng);
        var tangent = Autodiff.Jvp(new[] { loss }, new[] { x }, new[] { v })[0];
        double jvp = GradCheck.Scalar(tangent, bind, batch);
        double h = 1e-5;
        var plus = new Dictionary<string, Tensor>(bind) { ["x"] = new Tensor(xv.Shape, xv.Data.Select((a, k) => a + h * bind["v"].Data[k]).ToArray()) };
        var minus = new Dictionary<string, Tensor>(bind) { ["x"] = new Tensor(xv.Shape, xv.Data.Select((a, k) => a - h * bind["v"].Data[k]).ToArray()) };
        double dir = (GradCheck.Scalar(loss, plus, batch) - GradCheck.Scalar(loss, minus, batch)) / (2 * h);
        Assert.True(GradCheck.Error(jvp, dir) < 1e-7, $"{which}: JVP {jvp}, central difference {dir}");
    }

    // An embedding-like function and its gradient: gather (axis 0 and a middle axis), scatter_add (the gradient), one_hot and cast.
    private static (Function F, Dictionary<string, Tensor> Bind) Mixed(DType type, int batch, int badIndex = -100)
    {
        var g = new Graph(type);
        var table = g.Param("table", Shape.Of(6, 4));
        var tokens = g.Input("tokens", Shape.Of(Shape.Batch, 5), DType.I32);
        var labels = g.Input("labels", Shape.Of(Shape.Batch), DType.I32);
        var x = g.Input("x", Shape.Of(Shape.Batch, 3, 4));
        var picked = F.Gather(table, tokens, 0);                                   // [B, 5, 4]
        var pooled = F.Mean(picked, 1);                                            // [B, 4]
        var logits = F.MatMul(pooled, F.T(F.Gather(table, g.Input("sel", Shape.Of(3), DType.I32), 0))); // [B, 3]
        var hot = F.OneHot(labels, 3, type);
        var loss = F.Mean(-F.Sum(hot * F.LogSoftmax(logits), 1), 0);
        var middle = F.Gather(x, g.Input("mid", Shape.Of(2), DType.I32), 1);       // [B, 2, 4]
        var grads = Autodiff.Grad(loss + F.Sum(middle * middle), new[] { table, x });
        var f = new Function(g, new[]
        {
            new Named("loss", loss), new Named("dtable", grads[0]), new Named("dx", grads[1]), new Named("hot", hot),
            new Named("tokens_as_float", F.Cast(tokens, type)), new Named("middle", middle),
        });
        var rng = new Random(5);
        var tok = Enumerable.Range(0, batch * 5).Select(k => k % 7 == 3 ? 2 : rng.Next(6)).ToArray(); // repeats
        if (badIndex != -100) tok[batch * 5 - 2] = badIndex;
        var bind = new Dictionary<string, Tensor>
        {
            ["table"] = GradCheck.Random(new[] { 6, 4 }, rng),
            ["tokens"] = Ints(new[] { batch, 5 }, tok),
            ["labels"] = Ints(new[] { batch }, Enumerable.Range(0, batch).Select(k => k % 3).ToArray()),
            ["x"] = GradCheck.Random(new[] { batch, 3, 4 }, rng),
            ["sel"] = Ints(new[] { 3 }, 5, 0, 5),
            ["mid"] = Ints(new[] { 2 }, 2, 2),
        };
        return (f, bind);
    }

    [Theory]
    [InlineData(DType.F64)]
    [InlineData(DType.F32)]
    public void The_interpreter_and_both_backends_agree(DType type)
    {
        const int batch = 7;
        var (f, bind) = Mixed(type, batch);
        var want = Interpreter.Run(f, bind, type, batch);
        var (optimized, _) = Pipeline.Optimize(f);
        var schedule = Scheduler.Build(optimized);
        Assert.Contains(schedule.Kernels, k => k is IndexKernel { Op.Name: "scatter_add" });
        var plan = new ModelPlan("IndexOps", new[] { ("Eval", schedule) });
        double tol = type == DType.F64 ? 1e-12 : 2e-5;
        if (type == DType.F64)
        {
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(RoslynBackend.Create<double>(plan), 0, bind, batch), tol));
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(ExpressionBackend.Compile<double>(plan), 0, bind, batch), tol));
        }
        else
        {
            var roslyn = RoslynBackend.Create<float>(plan);
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(roslyn, 0, bind, batch), tol));
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(ExpressionBackend.Compile<float>(plan), 0, bind, batch), tol));
            // The spec tells users which inputs hold i32 values.
            var inputs = roslyn.Spec.Methods[0].Inputs;
            Assert.True(inputs.Single(t => t.Name == "tokens").IsInteger);
            Assert.False(inputs.Single(t => t.Name == "x").IsInteger);
            Assert.Equal("tokens[B,5] i32", inputs.Single(t => t.Name == "tokens").ToString());
        }
    }

    [Theory]
    [InlineData(6, "6")]
    [InlineData(-1, "-1")]
    public void A_bad_index_is_a_clear_error_in_the_interpreter_and_both_backends(int bad, string shown)
    {
        const int batch = 2;
        var (f, bind) = Mixed(DType.F64, batch, bad);
        void Check(Exception e)
        {
            Assert.True(e is ArgumentOutOfRangeException, e.ToString());
            Assert.Contains("gather", e.Message);
            Assert.Contains($"index {shown} at position {batch * 5 - 2}", e.Message);
            Assert.Contains("[0, 6)", e.Message);
        }
        Check(Assert.ThrowsAny<Exception>(() => Interpreter.Run(f, bind, batch: batch)));
        var plan = new ModelPlan("BadIndex", new[] { ("Eval", Scheduler.Build(Pipeline.Optimize(f).Item1)) });
        Check(Assert.ThrowsAny<Exception>(() => CompiledRunner.Run(RoslynBackend.Create<double>(plan), 0, bind, batch)));
        Check(Assert.ThrowsAny<Exception>(() => CompiledRunner.Run(ExpressionBackend.Compile<double>(plan), 0, bind, batch)));
    }

    [Fact]
    public void A_fractional_index_and_an_out_of_range_class_are_errors_in_the_kernels()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Emitted.Gather(new float[6], new float[] { 0, 1.5f }, new float[6], 1, 3, 2, 2, "gather %9 \"0 Embedding\""));
        Assert.Equal("gather %9 \"0 Embedding\": index 1.5 at position 1 is not an integer in [0, 3).", e.Message);
        var o = Assert.Throws<ArgumentOutOfRangeException>(() => Emitted.OneHot(new double[] { 3, 4 }, new double[8], 2, 4, "one_hot %3"));
        Assert.Contains("index 4 at position 1 is not an integer in [0, 4)", o.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Emitted.ScatterAdd(new double[2], new double[] { double.NaN }, new double[6], 1, 3, 1, 2, "s"));
        // Nothing was written before the check failed.
        var out1 = new float[] { 7, 7, 7, 7 };
        Assert.Throws<ArgumentOutOfRangeException>(() => Emitted.Gather(new float[] { 1, 2, 3 }, new float[] { 0, 3 }, out1, 1, 3, 2, 1, "g"));
        Assert.Equal(new float[] { 7, 7, 7, 7 }, out1);
    }
}
