using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Backends.CSharp;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Engine;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>
/// The movement ops slice, concat, pad (and stack, built from them): their values against hand-computed ones, Python's
/// slicing rules, shape errors that name the shapes, derivatives against central differences in float64 (at the edges:
/// slices touching both ends, steps, negative indices, empty remainders, parts of different lengths, a slice used twice),
/// and the interpreter against the schedule interpreter and both backends in f32 and f64 with the batch axis symbolic.
/// </summary>
public class MovementOpsTests
{
    private static Tensor Iota(params int[] shape) =>
        new(shape, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(i => (double)i).ToArray());

    private static double[] Eval(Node y, Dictionary<string, Tensor> bind, int? batch = null) =>
        Interpreter.Evaluate(new[] { y }, bind, DType.F64, batch)[y].Data;

    // ---- values ----

    [Fact]
    public void Slice_follows_pythons_rules()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", new Shape(2, 7));
        var bind = new Dictionary<string, Tensor> { ["x"] = Iota(2, 7) };
        // Row 0 holds 0..6, row 1 holds 7..13; (start, stop, step) → the indices Python's range(7)[start:stop:step] gives.
        var cases = new (int Start, int Stop, int Step)[]
        {
            (0, 7, 1), (2, 5, 1), (-3, SliceAttrs.End, 1), (1, -1, 2), (-100, 100, 3), (5, 2, 1), (6, 7, 4), (0, 0, 1), (-1, SliceAttrs.End, 1), (3, -10, 1),
        };
        foreach (var (start, stop, step) in cases)
        {
            var want = Python(7, start, stop, step);
            var y = F.Slice(x, 1, start, stop, step);
            Assert.Equal(new Shape(2, want.Length), y.Shape);
            var got = Eval(y, bind);
            Assert.Equal(want.Select(i => (double)i).Concat(want.Select(i => 7.0 + i)), got);
        }
        Assert.Same(x, F.Slice(x, 1, 0, SliceAttrs.End));
        Assert.Same(x, F.Slice(x, -1, -7, 7));
        Assert.Same(F.Slice(x, 1, 1, -1, 2), F.Slice(x, 1, -6, 6, 2)); // one canonical node
    }

    // What Python's range(n)[start:stop:step] holds.
    private static int[] Python(int n, int start, int stop, int step)
    {
        int Clamp(int i) => (int)Math.Max(0, Math.Min(n, i < 0 ? (long)i + n : i));
        int s = Clamp(start), e = stop == SliceAttrs.End ? n : Clamp(stop);
        var r = new List<int>();
        for (int i = s; i < e; i += step) r.Add(i);
        return r.ToArray();
    }

    [Fact]
    public void Concat_pad_and_stack_give_the_values_torch_gives()
    {
        var g = new Graph(DType.F64);
        var a = g.Input("a", new Shape(2, 2));
        var b = g.Input("b", new Shape(2, 1));
        var c = g.Input("c", new Shape(2, 3));
        var bind = new Dictionary<string, Tensor> { ["a"] = Iota(2, 2), ["b"] = Iota(2, 1), ["c"] = Iota(2, 3) };
        // torch.cat([a, b, c], 1) with a = [[0,1],[2,3]], b = [[0],[1]], c = [[0,1,2],[3,4,5]].
        Assert.Equal(new double[] { 0, 1, 0, 0, 1, 2, 2, 3, 1, 3, 4, 5 }, Eval(F.Concat(1, a, b, c), bind));
        Assert.Equal(new double[] { 0, 1, 2, 3, 0, 1, 2, 3 }, Eval(F.Concat(0, a, a), bind));
        Assert.Same(a, F.Concat(0, a));
        // F.pad(b, (1, 2), value=-1): the last axis gets one element before and two after.
        Assert.Equal(new double[] { -1, 0, -1, -1, -1, 1, -1, -1 }, Eval(F.Pad(b, 1, 1, 2, -1), bind));
        Assert.Equal(new double[] { 0, 0, 0, 0, 1, 0, 2, 3, 0 }, Eval(F.Pad(a, new[] { 1, 0 }, new[] { 0, 1 }), bind));
        Assert.Same(a, F.Pad(a, 0, 0, 0, 5));
        // Interior padding: 0 _ 1 _ 2 with _ = 9.
        Assert.Equal(new double[] { 0, 9, 1, 9, 2, 3, 9, 4, 9, 5 }, Eval(F.Pad(c, new PadAttrs(new[] { 0, 0 }, new[] { 0, 0 }, new[] { 0, 1 }, 9)), bind));
        // torch.stack([a, a + 10], 1) and torch.stack([a, a + 10], 0).
        var a10 = a + 10.0;
        Assert.Equal(new Shape(2, 2, 2), F.Stack(1, a, a10).Shape);
        Assert.Equal(new double[] { 0, 1, 10, 11, 2, 3, 12, 13 }, Eval(F.Stack(1, a, a10), bind));
        Assert.Equal(new double[] { 0, 1, 2, 3, 10, 11, 12, 13 }, Eval(F.Stack(0, a, a10), bind));
        Assert.Equal(new double[] { 0, 10, 1, 11, 2, 12, 3, 13 }, Eval(F.Stack(-1, a, a10), bind));
    }

    [Fact]
    public void Construction_simplifies_slices_of_slices_concats_and_pads()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", new Shape(Shape.Batch, 10));
        var a = g.Input("a", new Shape(Shape.Batch, 3));
        var b = g.Input("b", new Shape(Shape.Batch, 4));
        // A slice of a slice is one slice of x.
        var s = F.Slice(F.Slice(x, 1, 1, 9, 2), 1, 1, 3);
        Assert.Same(F.Slice(x, 1, 3, 7, 2), s);
        Assert.Same(x, s.A);
        // A slice inside one part of a concat is a slice of that part (the whole part: the part itself).
        var c = F.Concat(1, a, b);
        Assert.Same(b, F.Slice(c, 1, 3, 7));
        Assert.Same(F.Slice(b, 1, 1, 3), F.Slice(c, 1, 4, 6));
        Assert.Equal(Op.Slice, F.Slice(c, 1, 2, 5).Op); // across two parts: a real slice
        // A slice of the unpadded elements of a pad is the pad's input.
        var p = F.Pad(a, new PadAttrs(new[] { 0, 2 }, new[] { 0, 1 }, new[] { 0, 1 }));
        Assert.Same(a, F.Slice(p, 1, 2, 7, 2));
        Assert.Same(F.Slice(a, 1, 1, 3), F.Slice(p, 1, 4, 8, 2));
        // Nested concats along one axis are one concat.
        var nested = F.Concat(1, F.Concat(1, a, b), a);
        Assert.Equal(3, nested.Inputs.Count);
    }

    [Fact]
    public void The_gradient_of_many_slices_of_one_tensor_optimizes_to_one_concat_instead_of_a_sum_of_pads()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", new Shape(Shape.Batch, 12, 3));
        var h = F.Tanh(x);
        Node? total = null;
        foreach (int t in new[] { 0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11 }) // step 4 unused: a gap of zeros
        {
            var s = F.Slice(h, 1, t, t + 1);
            var term = F.Sum(s * s) * (t + 1.0);
            total = total is null ? term : total + term;
        }
        var grad = Autodiff.Grad(total!, new[] { x })[0];
        var f = new Function(g, new[] { new Named("g", grad) });
        Assert.Equal(11, f.Nodes().Count(n => n.Op == Op.Pad)); // as built: one full-size pad per slice, then their sum
        var (optimized, _) = Pipeline.Optimize(f, new RewriteOptions { Verify = true });
        Assert.DoesNotContain(optimized.Nodes(), n => n.Op == Op.Pad);
        Assert.Single(optimized.Nodes(), n => n.Op == Op.Concat);
        var bind = new Dictionary<string, Tensor> { ["x"] = GradCheck.Random(new[] { 2, 12, 3 }, new Random(5)) };
        Assert.Null(CompiledRunner.Compare(Interpreter.Run(f, bind), Interpreter.Run(optimized, bind), 1e-14));
        // The gradient of the unused step is zero.
        var value = Interpreter.Run(optimized, bind)["g"];
        for (int b = 0; b < 2; b++) for (int c = 0; c < 3; c++) Assert.Equal(0.0, value[b, 4, c]);
    }

    // ---- errors ----

    [Fact]
    public void Shape_errors_name_the_shapes()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", new Shape(Shape.Batch, 5));
        var y = g.Input("y", new Shape(Shape.Batch, 4, 2));
        var e = Assert.Throws<ShapeException>(() => F.Slice(x, 0, 1, 3));
        Assert.Contains("[B,5]", e.Message); Assert.Contains("batch axis", e.Message);
        e = Assert.Throws<ShapeException>(() => F.Slice(x, 1, 0, 5, 0));
        Assert.Contains("[B,5]", e.Message); Assert.Contains("step", e.Message);
        e = Assert.Throws<ShapeException>(() => F.Slice(x, 2, 0, 1));
        Assert.Contains("[B,5]", e.Message);
        e = Assert.Throws<ShapeException>(() => F.Concat(1, x, y));
        Assert.Contains("[B,5]", e.Message); Assert.Contains("[B,4,2]", e.Message);
        var z = g.Input("z", new Shape(3, 5));
        e = Assert.Throws<ShapeException>(() => F.Concat(0, x, x));
        Assert.Contains("batch axis", e.Message); Assert.Contains("[B,5]", e.Message);
        e = Assert.Throws<ShapeException>(() => F.Concat(1, x, z));
        Assert.Contains("[B,5]", e.Message); Assert.Contains("[3,5]", e.Message);
        e = Assert.Throws<ShapeException>(() => F.Pad(x, 0, 1, 0));
        Assert.Contains("[B,5]", e.Message); Assert.Contains("batch axis", e.Message);
        e = Assert.Throws<ShapeException>(() => F.Pad(x, 1, -1, 0));
        Assert.Contains("[B,5]", e.Message);
        e = Assert.Throws<ShapeException>(() => F.Stack(1, x, g.Input("w", new Shape(Shape.Batch, 6))));
        Assert.Contains("[B,5]", e.Message); Assert.Contains("[B,6]", e.Message);
        Assert.Throws<ArgumentException>(() => F.Concat(0));
    }

    // ---- derivatives against central differences (float64) ----

    /// <summary>
    /// For <c>y = build(inputs)</c> and a random projection u: the gradient of L = Σ u·y with respect to every input
    /// against central differences, and the JVP along random directions against ⟨∇L, v⟩ (so against the differences too).
    /// </summary>
    private static void CheckDerivatives(Shape[] shapes, Func<Node[], Node> build, int batch = 2, int seed = 1)
    {
        var g = new Graph(DType.F64);
        var rng = new Random(seed);
        var bind = new Dictionary<string, Tensor>();
        var xs = shapes.Select((s, i) =>
        {
            bind["x" + i] = GradCheck.Random(s.Concrete(batch), rng);
            return g.Input("x" + i, s);
        }).ToArray();
        var y = build(xs);
        var u = g.Input("u", y.Shape);
        bind["u"] = GradCheck.Random(y.Shape.Concrete(batch), rng);
        var loss = F.Sum(u * y);
        var grads = Autodiff.Grad(loss, xs);
        var values = Interpreter.Evaluate(grads, bind, DType.F64, batch);
        for (int i = 0; i < xs.Length; i++)
        {
            var grad = values[grads[i]];
            for (int k = 0; k < grad.Size; k++)
            {
                double fd = GradCheck.Central(loss, bind, batch, "x" + i, k, PropertyConfig.Step);
                Assert.True(GradCheck.Error(grad.Data[k], fd) < PropertyConfig.Tolerance,
                    $"d/dx{i}[{k}] of {Printer.Infix(y)}: gradient {grad.Data[k]}, central difference {fd}");
            }
        }
        // Forward mode: ⟨u, J·v⟩ = ⟨∇L, v⟩ for random v.
        var dirs = xs.Select((x, i) =>
        {
            bind["v" + i] = GradCheck.Random(x.Shape.Concrete(batch), rng);
            return g.Input("v" + i, x.Shape);
        }).ToArray();
        var jv = Autodiff.Jvp(new[] { y }, xs, dirs)[0];
        var forward = F.Sum(u * jv);
        var all = Interpreter.Evaluate(grads.Append(forward), bind, DType.F64, batch);
        double want = xs.Select((_, i) => GradCheck.Dot(all[grads[i]], bind["v" + i])).Sum();
        Assert.True(GradCheck.Error(all[forward].Value, want) < 1e-10, $"JVP of {Printer.Infix(y)}: {all[forward].Value}, VJP gives {want}");
    }

    [Theory]
    [InlineData(0, 7, 1)]       // the whole axis (returns x)
    [InlineData(0, 3, 1)]       // touches the start
    [InlineData(4, 7, 1)]       // touches the end
    [InlineData(0, 7, 3)]       // both ends with a step
    [InlineData(1, 7, 2)]       // a step, ending on the last element
    [InlineData(-5, -1, 2)]     // negative indices
    [InlineData(-1, SliceAttrs.End, 1)] // the last element
    [InlineData(5, 2, 1)]       // empty
    [InlineData(6, 100, 4)]     // past the end, one element
    public void Slice_derivatives_match_central_differences(int start, int stop, int step)
    {
        CheckDerivatives(new[] { new Shape(Shape.Batch, 7, 2) }, x => F.Slice(x[0], 1, start, stop, step));
        CheckDerivatives(new[] { new Shape(3, 7) }, x => F.Slice(F.Tanh(x[0]), -1, start, stop, step));
    }

    [Fact]
    public void Multi_axis_slices_and_a_slice_used_twice_accumulate_their_gradients()
    {
        CheckDerivatives(new[] { new Shape(Shape.Batch, 5, 6) },
            x => F.Slice(x[0], new SliceAttrs(new[] { 0, -4, 1 }, new[] { SliceAttrs.End, 5, SliceAttrs.End }, new[] { 1, 2, 3 })));
        // x[:, 1:4] used twice, and overlapping slices x[:, 0:3] and x[:, 2:5]: the gradients add up where they overlap.
        CheckDerivatives(new[] { new Shape(Shape.Batch, 5) }, x =>
        {
            var s = F.Slice(x[0], 1, 1, 4);
            return s * s + F.Slice(x[0], 1, 0, 3) * F.Slice(x[0], 1, 2, 5);
        });
    }

    [Fact]
    public void Concat_derivatives_match_central_differences_for_parts_of_different_lengths()
    {
        CheckDerivatives(new[] { new Shape(Shape.Batch, 3, 2), new Shape(Shape.Batch, 1, 2), new Shape(Shape.Batch, 4, 2) },
            x => F.Concat(1, x[0], F.Sin(x[1]), x[2]));
        CheckDerivatives(new[] { new Shape(Shape.Batch, 2), new Shape(Shape.Batch, 1) }, x => F.Concat(-1, x[0], x[1], x[0]) * F.Concat(1, x[1], x[0], x[0]));
        CheckDerivatives(new[] { new Shape(2, 3), new Shape(1, 3) }, x => F.Concat(0, x[0], x[1]));
        CheckDerivatives(new[] { new Shape(Shape.Batch, 3), new Shape(Shape.Batch, 3) }, x => F.Stack(1, x[0], F.Exp(x[1]), x[0]));
    }

    [Fact]
    public void Pad_derivatives_match_central_differences_at_both_sides()
    {
        CheckDerivatives(new[] { new Shape(Shape.Batch, 3) }, x => F.Pad(x[0], 1, 2, 1, 0.5));
        CheckDerivatives(new[] { new Shape(Shape.Batch, 3) }, x => F.Pad(x[0], -1, 0, 3));
        CheckDerivatives(new[] { new Shape(2, 3) }, x => F.Pad(x[0], new PadAttrs(new[] { 1, 0 }, new[] { 2, 1 }, new[] { 0, 2 }, -1)));
        // Second order: the derivative of a pad is a slice, of a slice a pad; differentiate the gradient again.
        CheckDerivatives(new[] { new Shape(Shape.Batch, 6) }, x =>
        {
            var y = F.Slice(x[0], 1, 1, 6, 2);
            var grad = Autodiff.Grad(F.Sum(y * y * y), new[] { x[0] })[0];
            return grad;
        });
    }

    // ---- interpreter against the schedule interpreter and both backends ----

    /// <summary>
    /// A small network over x [B, 6, 4] that uses every movement op: per-step slices x[:, t, :], a stack of their
    /// products with a weight, a pad and a concat, then the loss and its gradient with respect to the weight and x.
    /// </summary>
    private static (Function F, Dictionary<string, Tensor> Bind) Network(DType type, int batch)
    {
        var g = new Graph(type);
        var rng = new Random(7);
        var x = g.Input("x", new Shape(Shape.Batch, 6, 4));
        var w = g.Param("w", new Shape(4, 3));
        var bind = new Dictionary<string, Tensor>
        {
            ["x"] = GradCheck.Random(new[] { batch, 6, 4 }, rng),
            ["w"] = GradCheck.Random(new[] { 4, 3 }, rng),
        };
        var steps = Enumerable.Range(0, 6).Select(t => F.Tanh(F.MatMul(F.Reshape(F.Slice(x, 1, t, t + 1), new Shape(Shape.Batch, 4)), w))).ToArray();
        var h = F.Stack(1, steps);                                   // [B, 6, 3]
        var odd = F.Slice(h, 1, 1, SliceAttrs.End, 2);               // [B, 3, 3]
        var padded = F.Pad(odd, new PadAttrs(new[] { 0, 1, 0 }, new[] { 0, 2, 1 }, new[] { 0, 0, 0 }, 0.25)); // [B, 6, 4]
        var joined = F.Concat(2, h, padded, F.Slice(x, 2, -1, SliceAttrs.End)); // [B, 6, 8]
        var loss = F.Mean(F.Square(joined));
        var grads = Autodiff.Grad(loss, new[] { w, x });
        var f = new Function(g, new[] { new Named("loss", loss), new Named("joined", joined), new Named("dw", grads[0]), new Named("dx", grads[1]) });
        return (f, bind);
    }

    [Theory]
    [InlineData(DType.F64)]
    [InlineData(DType.F32)]
    public void A_network_of_slices_concats_and_pads_runs_alike_in_the_interpreter_and_both_backends(DType type)
    {
        const int batch = 5;
        var (f, bind) = Network(type, batch);
        var want = Interpreter.Run(f, bind, type, batch);
        var (optimized, _) = Pipeline.Optimize(f, new RewriteOptions { Verify = true });
        var schedule = Scheduler.Build(optimized);
        Verifier.CheckSchedule("test", schedule);
        Assert.Contains(schedule.Kernels, k => k is MoveKernel);
        double tol = type == DType.F64 ? 1e-12 : 2e-5;
        Assert.Null(CompiledRunner.Compare(Interpreter.Run(f, bind, DType.F64, batch), ScheduleInterpreter.Run(schedule, bind, batch), 1e-12));
        var plan = new ModelPlan("Moves", new[] { ("Eval", schedule) });
        var source = CSharpEmitter.Emit(plan, new EmitOptions { Namespace = "Nabla.Tests.Movement" + type });
        var asm = RoslynCompiler.Compile(source);
        var expressions = type == DType.F64 ? (object)ExpressionBackend.Compile<double>(plan) : ExpressionBackend.Compile<float>(plan);
        foreach (var b in new[] { batch, 1 })
        {
            var bb = b == batch ? bind : Network(type, b).Bind;
            var w = b == batch ? want : Interpreter.Run(f, bb, type, b);
            if (type == DType.F64)
            {
                var roslyn = (CompiledModel<double>)Activator.CreateInstance(asm.GetType("Nabla.Tests.MovementF64.Moves")!)!;
                Assert.Null(CompiledRunner.Compare(w, CompiledRunner.Run(roslyn, 0, bb, b), tol));
                Assert.Null(CompiledRunner.Compare(w, CompiledRunner.Run((CompiledModel<double>)expressions, 0, bb, b), tol));
            }
            else
            {
                var roslyn = (CompiledModel<float>)Activator.CreateInstance(asm.GetType("Nabla.Tests.MovementF32.Moves")!)!;
                Assert.Null(CompiledRunner.Compare(w, CompiledRunner.Run(roslyn, 0, bb, b), tol));
                Assert.Null(CompiledRunner.Compare(w, CompiledRunner.Run((CompiledModel<float>)expressions, 0, bb, b), tol));
            }
        }
    }
}
