using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Ir;
using Nabla.Tests.Schedule;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Backends;

/// <summary>
/// The scheduler's fused window products (<see cref="WindowProductKernel"/>: <c>Conv.WindowProduct</c> and
/// <c>Conv.WindowProductSum</c>) on random stride-1 convolutions (channels, image size, kernel size, padding 0–2, bias
/// and ReLU on or off, batch, plain gradients or an SGD step): both backends and the schedule interpreter agree with the
/// IR interpreter, in float64 and float32, and every schedule holds both fused forms and no im2col.
/// </summary>
public class WindowProductBackendTests
{
    private static readonly Arbitrary<int[]> Recipes = Arb.From(Gen.Choose(0, 9999).ArrayOf(12));

    private sealed record Geometry(int In, int Out, (int H, int W) Kernel, (int H, int W) Pad, int H, int W, int Batch, bool Bias, bool Relu, bool Sgd)
    {
        public override string ToString() =>
            $"conv2d {In}->{Out} k{Kernel} p{Pad} in {H}x{W} batch {Batch}{(Bias ? "" : " no bias")}{(Relu ? " relu" : "")}{(Sgd ? " sgd" : "")}";
    }

    private static Geometry Draw(int[] recipe)
    {
        var c = new Choices(recipe);
        var k = (1 + c.Next(5), 1 + c.Next(5));
        var p = (c.Next(3), c.Next(3));
        // Outputs of at least WindowFusion.MinRows rows of WindowFusion.MinWidth (smaller ones are not fused); some rows
        // wider than one 512-bit vector of floats, so the runtime's row segments and tails are both exercised.
        int h = Math.Max(1, k.Item1 - 2 * p.Item1 + WindowFusion.MinRows - 1) + c.Next(7), w = Math.Max(1, k.Item2 - 2 * p.Item2 + WindowFusion.MinWidth - 1) + c.Next(c.OneIn(3) ? 30 : 9);
        return new Geometry(1 + c.Next(4), 1 + c.Next(9), k, p, h, w, 1 + c.Next(4), !c.OneIn(3), c.OneIn(2), c.OneIn(2));
    }

    /// <summary>
    /// y = conv(x) (or relu(conv(x))), the gradient of sum(u·y) with respect to x, and the parameters' gradients (or, for
    /// an SGD step, the parameters updated in place with learning rate lr).
    /// </summary>
    private static Function Build(Geometry g, DType type)
    {
        var t = Model.Build(new Conv2d(g.In, g.Out, g.Kernel, (1, 1), g.Pad, g.Bias), Shape.Of(Shape.Batch, g.In, g.H, g.W)).Trace(type);
        var y = t.Outputs[0].Node;
        if (g.Relu) y = F.Relu(y);
        var u = t.Graph.Input("u", y.Shape);
        var ps = t.Parameters.Select(p => p.Node).ToArray();
        var grads = Autodiff.Grad(F.Sum(y * u), new[] { t.Inputs[0] }.Concat(ps).ToArray());
        var outputs = new List<Named> { new("y", y), new("grad_x", grads[0]) };
        var updates = new List<Named>();
        var lr = g.Sgd ? t.Graph.Input("lr", Shape.Scalar) : null;
        for (int i = 0; i < ps.Length; i++)
            if (lr is null) outputs.Add(new Named("grad_" + ps[i].Name, grads[i + 1]));
            else updates.Add(new Named(ps[i].Name!, ps[i] - lr * grads[i + 1]));
        return new Function(t.Graph, outputs, updates);
    }

    private static void Agree(Geometry g, DType type, int seed)
    {
        var f = Build(g, type);
        var bind = SchedulerTests.Bindings(f, g.Batch, seed);
        if (type == DType.F32) bind = bind.ToDictionary(kv => kv.Key, kv => new Tensor(kv.Value.Shape, kv.Value.Data.Select(v => (double)(float)v).ToArray()));
        var want = Interpreter.Run(f, bind, batch: g.Batch);
        var s = Scheduler.Build(Pipeline.Optimize(f).Function);
        // Not vacuous: the im2col is gone, and both of its readers run as fused kernels.
        Assert.True(!s.Kernels.Any(k => k is WindowKernel w && w.Op == Op.Im2Col)
            && s.Kernels.OfType<WindowProductKernel>().Any(k => k.Product.Form != GemmForm.Summed)
            && s.Kernels.OfType<WindowProductKernel>().Any(k => k.Product.Form == GemmForm.Summed), $"{g}: not fused as expected:\n{s}");
        double tol = type == DType.F64 ? 1e-11 : 2e-4;
        Assert.Null(CompiledRunner.Compare(want, ScheduleInterpreter.Run(s, bind, g.Batch), tol)?.Insert(0, $"{g} schedule interpreter: "));
        var plan = new ModelPlan("WindowProp", new[] { ("Step", s) });
        if (type == DType.F64)
        {
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(RoslynBackend.Create<double>(plan), 0, bind, g.Batch), tol)?.Insert(0, $"{g} Roslyn: "));
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(ExpressionBackend.Compile<double>(plan), 0, bind, g.Batch), tol)?.Insert(0, $"{g} Expressions: "));
        }
        else
        {
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(RoslynBackend.Create<float>(plan), 0, bind, g.Batch), tol)?.Insert(0, $"{g} Roslyn: "));
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(ExpressionBackend.Compile<float>(plan), 0, bind, g.Batch), tol)?.Insert(0, $"{g} Expressions: "));
        }
    }

    [Fact]
    public void Both_backends_agree_with_the_interpreter_on_random_stride_1_convolutions_in_float64() =>
        Check.One(PropertyConfig.With(10), Prop.ForAll(Recipes, recipe => Agree(Draw(recipe), DType.F64, recipe.Sum())));

    [Fact]
    public void Both_backends_agree_with_the_interpreter_on_random_stride_1_convolutions_in_float32() =>
        Check.One(PropertyConfig.With(6), Prop.ForAll(Recipes, recipe => Agree(Draw(recipe), DType.F32, recipe.Sum() + 1)));
}
