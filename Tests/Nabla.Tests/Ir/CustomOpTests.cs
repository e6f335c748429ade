using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Tests.Backends;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>
/// Custom ops (<see cref="Op.Define(string, int, Func{Node[], Node}, Func{Node, Node, Node?[]}?, Func{Node, Node?[], Node?}?)"/>):
/// shape and type from the forward, the interpreter's value, their own rules used by autodiff and derived ones equal to
/// the forward's derivative (finite differences), inlining before the passes, both backends against the interpreter,
/// and the errors that name the op.
/// </summary>
public class CustomOpTests
{
    /// <summary>log(1 + eˣ) as relu(x) + log1p(e^−|x|), with the hand-written VJP σ(x)·g.</summary>
    internal static Op StableSoftplus() => Op.Define("stable_softplus", x => F.Relu(x) + F.Log1p(F.Exp(-F.Abs(x))),
        vjp: (y, g) => new[] { g * F.Sigmoid(y.A) });

    private static Tensor Values(params double[] v) => new(new[] { v.Length }, v);

    [Fact]
    public void A_custom_op_has_its_forwards_shape_and_type_and_is_hash_consed()
    {
        var sp = StableSoftplus();
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 3));
        var y = sp.Call(x);
        Assert.Equal(Shape.Of(Shape.Batch, 3), y.Shape);
        Assert.Equal(DType.F64, y.DType);
        Assert.Same(y, sp.Call(x));
        Assert.Equal(OpKind.Composite, sp.Kind);
        Assert.True(sp.IsCustom && sp.HasOwnVjp && !sp.HasOwnJvp);
        Assert.Contains("stable_softplus(%0)", Printer.Print(new Function(g, ("y", y))));

        var pair = Op.Define("outer", (a, b) => F.MatMul(a, F.T(b)));
        var m = pair.Call(g.Input("a", Shape.Of(Shape.Batch, 4)), g.Input("b", Shape.Of(5, 4)));
        Assert.Equal(Shape.Of(Shape.Batch, 5), m.Shape);
    }

    [Fact]
    public void The_interpreter_evaluates_a_custom_op_by_its_forward_without_overflow()
    {
        var sp = StableSoftplus();
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(5));
        var f = new Function(g, ("y", sp.Call(x)));
        var xs = new[] { -1000.0, -1, 0, 2, 1000 };
        var got = Interpreter.Run(f, new Dictionary<string, Tensor> { ["x"] = Values(xs) })["y"].Data;
        for (int i = 0; i < xs.Length; i++)
            Assert.Equal(Math.Max(xs[i], 0) + Math.Log(1 + Math.Exp(-Math.Abs(xs[i]))), got[i], 15);
        Assert.Equal(1000.0, got[4]);
    }

    [Fact]
    public void Autodiff_applies_the_ops_own_VJP_and_a_derived_JVP_that_agree_with_finite_differences()
    {
        var sp = StableSoftplus();
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(6));
        var loss = F.Sum(sp.Call(x) * sp.Call(x));
        var dx = Autodiff.Grad(loss, new[] { x })[0];
        // The own rule is in the graph: a sigmoid, which the forward (relu, log1p, exp, abs) does not contain.
        Assert.Contains(Topo.Reachable(new[] { dx }), n => n.Op == Op.Sigmoid);
        var b = new Dictionary<string, Tensor> { ["x"] = Values(-3, -0.5, 0.25, 1, 2.5, 7) };
        var grad = Interpreter.Evaluate(new[] { dx }, b)[dx].Data;
        for (int i = 0; i < 6; i++)
            Assert.True(GradCheck.Error(GradCheck.Central(loss, b, 1, "x", i, 1e-6), grad[i]) < 1e-8, $"element {i}");

        // Forward mode, derived from the forward: ⟨1, J v⟩ equals the VJP's ⟨Jᵀ1, v⟩.
        var v = g.Input("v", Shape.Of(6));
        var jv = Autodiff.Jvp(new[] { loss }, new[] { x }, new[] { v })[0];
        b["v"] = Values(0.5, -1, 2, 0.25, -0.75, 1.5);
        double want = grad.Zip(b["v"].Data, (a, c) => a * c).Sum();
        Assert.Equal(want, Interpreter.Evaluate(new[] { jv }, b)[jv].Value, 12);
    }

    [Fact]
    public void Derived_rules_see_each_input_on_its_own_even_when_they_are_one_node()
    {
        // op(a, b) = a·b² applied to (x, x) is x³: the derived VJP must give b² and 2ab, not double-count either.
        var cube = Op.Define("a_b2", (a, b) => a * b * b);
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(3));
        var dx = Autodiff.Grad(F.Sum(cube.Call(x, x)), new[] { x })[0];
        var got = Interpreter.Evaluate(new[] { dx }, new Dictionary<string, Tensor> { ["x"] = Values(-2, 0.5, 3) })[dx].Data;
        Assert.Equal(new[] { 12.0, 0.75, 27 }, got);
        // And forward mode: d/dt (x + t)³ at t = 0 along v = 1 is 3x².
        var t = Autodiff.Jvp(new[] { cube.Call(x, x) }, new[] { x }, new[] { g.Const(1.0) })[0];
        Assert.Equal(new[] { 12.0, 0.75, 27 }, Interpreter.Evaluate(new[] { t }, new Dictionary<string, Tensor> { ["x"] = Values(-2, 0.5, 3) })[t].Data);
    }

    [Fact]
    public void A_straight_through_VJP_is_kept_as_written_through_inlining_and_optimization()
    {
        // Forward: the step function (derivative 0 everywhere); VJP: the identity (the straight-through estimator).
        var ste = Op.Define("ste_step", x => F.Step(x), vjp: (y, g) => new[] { g });
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(4));
        var f = Autodiff.Grad(new Function(g, ("y", F.Sum(ste.Call(x) * x))), "y", "x");
        var b = new Dictionary<string, Tensor> { ["x"] = Values(-1, 0.5, 2, -3) };
        // d/dx [step(x)·x] by the rule: g·x (through the op) + step(x) = x + step(x).
        var want = new[] { -1.0, 1.5, 3, -3 };
        Assert.Equal(want, Interpreter.Run(f, b)["d/dx"].Data);
        var inlined = Op.Inline(f);
        Assert.DoesNotContain(inlined.Nodes(), n => n.Op.IsCustom);
        Assert.Equal(want, Interpreter.Run(inlined, b)["d/dx"].Data);
        Assert.Equal(want, Interpreter.Run(Pipeline.Optimize(f).Function, b)["d/dx"].Data);
    }

    [Fact]
    public void Custom_ops_built_of_custom_ops_inline_completely_and_second_derivatives_go_through_own_rules()
    {
        var sp = StableSoftplus();
        var twice = Op.Define("softplus2", x => sp.Call(sp.Call(x)));
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(3));
        var y = F.Sum(twice.Call(x));
        var dx = Autodiff.Grad(y, new[] { x })[0];
        // Hessian-vector product through the own VJP (σ(x)·g is differentiable again).
        var hv = Autodiff.HessianVectorProduct(y, new[] { x }, new[] { g.Const(1.0) })[0];
        var f = new Function(g, ("y", y), ("dx", dx), ("hv", hv));
        var inlined = Op.Inline(f);
        Assert.DoesNotContain(inlined.Nodes(), n => n.Op.IsCustom);
        var b = new Dictionary<string, Tensor> { ["x"] = Values(-1.5, 0.2, 2) };
        var want = Interpreter.Run(f, b);
        var got = Interpreter.Run(inlined, b);
        foreach (var name in new[] { "y", "dx", "hv" })
            for (int i = 0; i < want[name].Data.Length; i++) Assert.Equal(want[name].Data[i], got[name].Data[i], 13);
        // s(s(x))' = σ(s(x))·σ(x); its derivative by finite differences of the gradient.
        for (int i = 0; i < 3; i++)
        {
            double xi = b["x"].Data[i], s = Math.Log(1 + Math.Exp(xi));
            Assert.Equal(Sig(s) * Sig(xi), want["dx"].Data[i], 13);
            double h = 1e-5, d2 = (D(xi + h) - D(xi - h)) / (2 * h);
            Assert.Equal(d2, want["hv"].Data[i], 7);
        }
        static double Sig(double z) => 1 / (1 + Math.Exp(-z));
        static double D(double z) => Sig(Math.Log(1 + Math.Exp(z))) * Sig(z);
    }

    [Fact]
    public void Both_backends_run_custom_ops_and_their_gradients_as_the_interpreter_does()
    {
        var sp = StableSoftplus();
        var ste = Op.Define("ste_sign", x => F.Sign(x), vjp: (y, g) => new[] { g * F.Step(1.0 - F.Abs(y.A)) });
        var norm = Op.Define("row_normalize", x => x / F.Sqrt(F.Sum(x * x, new[] { 1 }, true)));
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 5));
        var w = g.Param("w", Shape.Of(5, 5));
        var h = norm.Call(F.MatMul(sp.Call(x), w)) + ste.Call(x);
        var loss = F.Sum(h * h) / g.BatchSize();
        var grads = Autodiff.Grad(loss, new[] { x, w });
        var f = new Function(g, ("loss", loss), ("dx", grads[0]), ("dw", grads[1]));
        var rng = new Random(3);
        var b = new Dictionary<string, Tensor> { ["x"] = GradCheck.Random(new[] { 7, 5 }, rng), ["w"] = GradCheck.Random(new[] { 5, 5 }, rng) };
        var plan = ThreeWay.Plan(f, "CustomOps");
        var roslyn = ThreeWay.CompileAll(new[] { plan }, out _)("CustomOps");
        Assert.Null(ThreeWay.Check(f, plan, roslyn, b, 7, 1e-12));
        // The gradient of the straight-through part is the rule's: |x| < 1 passes g, not sign's zero derivative.
        var plain = Interpreter.Run(new Function(g, ("d", Autodiff.Grad(F.Sum(ste.Call(x)), new[] { x })[0])), b)["d"].Data;
        Assert.Equal(b["x"].Data.Select(v => Math.Abs(v) < 1 ? 1.0 : 0.0), plain);
    }

    [Fact]
    public void Errors_name_the_custom_op_and_what_is_wrong()
    {
        Assert.Contains("\"exp\" is a built-in op", Assert.Throws<ArgumentException>(() => Op.Define("exp", x => x)).Message);
        Assert.Contains("character ' '", Assert.Throws<ArgumentException>(() => Op.Define("my op", x => x)).Message);
        Assert.Contains("at least one input", Assert.Throws<ArgumentException>(() => Op.Define("none", 0, xs => xs[0])).Message);

        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 3));
        var w = g.Param("w", Shape.Of(3, 2));
        // A forward whose shapes do not fit: the message names the op and the input shapes.
        var bad = Op.Define("needs_square", a => F.MatMul(a, a));
        var e = Assert.Throws<ShapeException>(() => bad.Call(x));
        Assert.StartsWith("Custom op \"needs_square\" on (f64[B,3])", e.Message);
        // A forward reaching into the caller's graph, or making a parameter of its own.
        Assert.Contains("one of its inputs", Assert.Throws<InvalidOperationException>(() => Op.Define("captures", a => F.MatMul(a, w)).Call(x)).Message);
        Assert.Contains("creates param \"v\"", Assert.Throws<InvalidOperationException>(() => Op.Define("own_param", a => a * a.Graph.Param("v", Shape.Scalar)).Call(x)).Message);
        // A forward that calls its own op.
        Op? self = null;
        self = Op.Define("recursive", a => self!.Call(a));
        Assert.Contains("nested more than 64 deep", Assert.Throws<InvalidOperationException>(() => self.Call(x)).Message);
        // A VJP of the wrong length, or of a shape that fits neither input nor output.
        var twoParts = Op.Define("two_parts", a => a * 2.0, vjp: (y, gr) => new[] { gr, gr });
        Assert.Contains("returned 2 contribution(s) for 1 input(s)", Assert.Throws<InvalidOperationException>(() => Autodiff.Grad(F.Sum(twoParts.Call(x)), new[] { x })).Message);
        var wrongShape = Op.Define("wrong_shape", a => a * 2.0, vjp: (y, gr) => new[] { F.Sum(gr, new[] { 1 }) });
        Assert.Contains("does not fit its shape", Assert.Throws<ShapeException>(() => Autodiff.Grad(F.Sum(wrongShape.Call(x)), new[] { x })).Message);
        // Call on an op that takes attributes.
        Assert.Contains("build it with its F function", Assert.Throws<ArgumentException>(() => Op.Sum.Call(x)).Message);
    }
}
