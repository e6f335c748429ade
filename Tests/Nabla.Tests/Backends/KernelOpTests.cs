using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using Nabla.Backends.CSharp;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Backends;

/// <summary>
/// Kernel ops (<see cref="Op.DefineElementwise(string, Func{double, double}, string, Func{Node, Node, Node?[]}, Func{Node, Node?[], Node?}?, bool)"/>):
/// elementwise ops whose forward is the user's C# method (<see cref="TestKernels"/>). The interpreter runs the float64
/// reference; both backends call the method, fused into loops of built-in ops, with vector bodies and scalar tails when
/// the op is vectorized and scalar-only loops when it is not; gradients go through the op's VJP (finite differences) and
/// the derived JVP agrees with it; rewrites leave the op alone; and a missing or hidden method is a clear error.
/// </summary>
[Collection("CSharpBackend")] // ThreeWay and the plan tests switch CompiledModel<T>.VectorsEnabled, which is process-wide
public class KernelOpTests
{
    private const string K = "Nabla.Tests.Backends.TestKernels.";
    private static readonly int[] Lengths = { 37, 3 };

    internal static Op Softsign() => Op.DefineElementwise("softsign", x => x / (1 + Math.Abs(x)), K + "Softsign",
        (y, g) => new[] { g / F.Square(1.0 + F.Abs(y.A)) }, vectorized: true);

    internal static Op Gate() => Op.DefineElementwise("gate", (a, b) => a / (1 + Math.Exp(-b)), K + "Gate",
        (y, g) => new[] { g * F.Sigmoid(y.B), g * y * (1.0 - F.Sigmoid(y.B)) });

    private static Op Cube() => Op.DefineElementwise("cube", x => x * x * x, K + "Nested.Cube", (y, g) => new[] { g * 3.0 * y.A * y.A });

    private static Op Spy() => Op.DefineElementwise("spy", x => x + 1, K + "Spy", (y, g) => new[] { g }, vectorized: true);

    private static Tensor Values(Random rng, params int[] shape) =>
        new(shape, Enumerable.Range(0, shape.Aggregate(1, (a, d) => a * d)).Select(_ => rng.NextDouble() * 6 - 3).ToArray());

    // "Vec": the vectorized op fused with built-ins and a row-broadcast input; "Mixed": the scalar-only ops beside it,
    // a reduction whose prologue holds one, an op of a constant, and the gradient through every op.
    private static Function Vec(DType type, int n)
    {
        var g = new Graph(type);
        var x = g.Input("x", Shape.Of(n));
        var b = g.Input("b", Shape.Of(n));
        var r = g.Input("r", Shape.Of(Shape.Batch, n));
        var s = Softsign().Call(x * 2.0 + b) - x;
        return new Function(g, ("s", s), ("rows", Softsign().Call(r * b) + 0.5));
    }

    private static Function Mixed(DType type, int n)
    {
        var g = new Graph(type);
        var x = g.Input("x", Shape.Of(n));
        var b = g.Input("b", Shape.Of(n));
        var gate = Gate();
        var softsign = Softsign();
        var y = gate.Call(softsign.Call(x) * 3.0, b) + Cube().Call(x * 0.5);
        var loss = F.Sum(y * y) + F.Sum(gate.Call(x, softsign.Call(g.Const(0.75, type))));
        var grads = Autodiff.Grad(loss, new[] { x, b });
        return new Function(g, ("y", y), ("loss", loss), ("dx", grads[0]), ("db", grads[1]));
    }

    private static CompiledAssembly CompileAll(IEnumerable<ModelPlan> plans) =>
        RoslynCompiler.Compile(new[] { typeof(TestKernels).Assembly }, plans.Select(ThreeWay.Emit).ToArray());

    [Fact]
    public void The_interpreter_and_both_backends_agree_f32_and_f64_vectorized_or_not_at_lengths_37_and_3()
    {
        var cases = new List<(Function F, ModelPlan Plan, DType Type)>();
        foreach (var type in new[] { DType.F32, DType.F64 })
            foreach (var n in Lengths)
                foreach (var (kind, build) in new (string, Func<DType, int, Function>)[] { ("Vec", Vec), ("Mixed", Mixed) })
                {
                    var f = build(type, n);
                    cases.Add((f, ThreeWay.Plan(f, $"Kernel{kind}{type.ShortName()}_{n}"), type));
                }
        var asm = CompileAll(cases.Select(c => c.Plan));
        var rng = new Random(7);
        foreach (var (f, plan, type) in cases)
        {
            int n = f.Graph.Find("x")!.Shape[0];
            var b = new Dictionary<string, Tensor> { ["x"] = Values(rng, n), ["b"] = Values(rng, n) };
            if (f.Graph.Find("r") is not null) b["r"] = Values(rng, 5, n);
            var why = ThreeWay.Check(f, plan, asm.GetType($"{ThreeWay.Namespace}.{plan.Name}"), b, 5, type == DType.F32 ? 2e-5 : 1e-12);
            Assert.True(why is null, $"{plan.Name}: {why}");
        }
    }

    [Fact]
    public void A_kernel_op_fuses_into_one_loop_with_built_in_ops_and_a_scalar_only_op_makes_its_loops_scalar()
    {
        var vec = Scheduler.Build(Pipeline.Optimize(Vec(DType.F32, 37)).Function);
        var loop = vec.Kernels.OfType<ElementwiseKernel>().Single(k => k.Outputs.Any(o => o.Shape.Equals(Shape.Of(37))));
        Assert.Contains(loop.Body.Instrs, i => i.Op?.Name == "softsign");
        Assert.Contains(loop.Body.Instrs, i => i.Op == Op.Add || i.Op == Op.Mul);
        Assert.Contains(loop.Body.Instrs, i => i.Op == Op.Sub);
        Assert.True(loop.Body.IsVectorizable);
        Assert.Equal(new[] { 256, 128 }, loop.Plan.Widths.Select(w => w.Bits));

        var mixed = Scheduler.Build(Pipeline.Optimize(Mixed(DType.F32, 37)).Function);
        var gateLoops = mixed.Kernels.OfType<ElementwiseKernel>().Where(k => k.Body.Instrs.Any(i => i.Op?.Name == "gate")).ToList();
        Assert.NotEmpty(gateLoops);
        Assert.All(gateLoops, k => Assert.Empty(k.Plan.Widths));
        Assert.Contains(gateLoops, k => k.Body.Instrs.Any(i => i.Op?.Name == "softsign")); // fused with the vectorized op: the loop is scalar
        // sum(gate(x, b)) computes gate in the reduction's prologue, which then runs scalar too; sum(softsign(x)) keeps its vectors.
        var gr = new Graph(DType.F32);
        var gx = gr.Input("x", Shape.Of(4, 37));
        var sums = Scheduler.Build(new Function(gr, ("g", F.Sum(Gate().Call(gx, gr.Input("b", Shape.Of(4, 37))), new[] { 1 })), ("s", F.Sum(Softsign().Call(gx), new[] { 1 }))));
        var reduces = sums.Kernels.OfType<ReduceKernel>().ToList();
        Assert.Equal(2, reduces.Count);
        Assert.Empty(reduces.Single(r => r.Body.Instrs.Any(i => i.Op?.Name == "gate")).Plan.Widths);
        Assert.NotEmpty(reduces.Single(r => r.Body.Instrs.Any(i => i.Op?.Name == "softsign")).Plan.Widths);
        Assert.DoesNotContain(sums.Kernels, k => k is ElementwiseKernel);
        // Re-planning keeps a scalar-only body scalar; a vectorized one gets the new widths.
        Planner.Replan(mixed, new PlanOptions { VectorBits = new[] { 128 } });
        Planner.Replan(vec, new PlanOptions { VectorBits = new[] { 128 } });
        Assert.All(mixed.Kernels.OfType<ElementwiseKernel>().Where(e => !e.Body.IsVectorizable), e => Assert.Empty(e.Plan.Widths));
        Assert.Equal(new[] { 128 }, vec.Kernels.OfType<ElementwiseKernel>().Single(k => k.Outputs.Any(o => o.Shape.Equals(Shape.Of(37)))).Plan.Widths.Select(w => w.Bits));

        // The C# calls the user's method, by its global name, at every width of the plan and in the tail.
        var source = CSharpEmitter.Emit(new ModelPlan("K", new[] { ("M", vec) }), new EmitOptions());
        Assert.Contains("global::Nabla.Tests.Backends.TestKernels.Softsign(", source);
        var mixedSource = CSharpEmitter.Emit(new ModelPlan("K", new[] { ("M", mixed) }), new EmitOptions());
        Assert.Contains("global::Nabla.Tests.Backends.TestKernels.Gate(", mixedSource);
        Assert.Contains("global::Nabla.Tests.Backends.TestKernels.Nested.Cube(", mixedSource);
    }

    // Which elements of a loop of `len` ran at which width: Spy adds 3 at 256 bits, 2 at 128, 1 in the scalar tail.
    private static double[] Expected(int len, int elementBytes, IReadOnlyList<int> widths, bool cascade)
    {
        var add = new double[len];
        int i = 0;
        foreach (var bits in widths)
        {
            int lanes = bits / 8 / elementBytes;
            if (!(bits == 256 ? Vector256.IsHardwareAccelerated : Vector128.IsHardwareAccelerated)) continue;
            for (; i + lanes <= len; i += lanes) for (int l = 0; l < lanes; l++) add[i + l] = bits == 256 ? 3 : 2;
            if (!cascade) break; // the expression backend runs one width, then the scalar tail
        }
        for (; i < len; i++) add[i] = 1;
        return add;
    }

    [Fact]
    public void A_vectorized_kernel_runs_its_vector_forms_in_the_body_and_its_scalar_form_in_the_tail_and_a_scalar_only_op_never_vectors()
    {
        Assert.True(CompiledModel<float>.VectorsEnabled && CompiledModel<double>.VectorsEnabled, "vectors must be on for this test");
        var spy = Spy();
        bool ranVectors = false;
        var plans = new List<ModelPlan>();
        foreach (var type in new[] { DType.F32, DType.F64 })
        {
            var methods = new List<(string, Nabla.Rewrites.Schedule.Schedule)>();
            foreach (var n in Lengths)
            {
                var g = new Graph(type);
                var x = g.Input("x", Shape.Of(n));
                methods.Add(($"V{n}", Scheduler.Build(new Function(g, ("y", spy.Call(x))))));
                methods.Add(($"S{n}", Scheduler.Build(new Function(g, ("y", Gate().Call(spy.Call(x), g.Const(100.0, type)))))));
            }
            plans.Add(new ModelPlan("Spy" + type.ShortName(), methods));
        }
        var asm = CompileAll(plans);
        foreach (var plan in plans)
        {
            bool single = plan.DType == DType.F32;
            var models = new (string, object)[]
            {
                ("roslyn", Activator.CreateInstance(asm.GetType($"{ThreeWay.Namespace}.{plan.Name}"))!),
                ("expressions", single ? ExpressionBackend.Compile<float>(plan) : ExpressionBackend.Compile<double>(plan)),
            };
            foreach (var (backend, model) in models)
                for (int m = 0; m < plan.Methods.Count; m++)
                {
                    var (name, schedule) = plan.Methods[m];
                    int n = int.Parse(name.Substring(1));
                    var widths = schedule.Kernels.OfType<ElementwiseKernel>().Single().Plan.Widths.Select(w => w.Bits).ToList();
                    if (name[0] == 'S') Assert.Empty(widths);
                    var want = Expected(n, single ? 4 : 8, widths, backend == "roslyn");
                    var xs = Enumerable.Range(0, n).Select(i => (double)(i * 16)).ToArray();
                    var b = new Dictionary<string, Tensor> { ["x"] = new(new[] { n }, xs) };
                    var got = single ? CompiledRunner.Run((CompiledModel<float>)model, m, b, 1)["y"].Data : CompiledRunner.Run((CompiledModel<double>)model, m, b, 1)["y"].Data;
                    // gate(v, 100) is v to float precision: the scalar-only method sees exactly the spy's value.
                    Assert.Equal(xs.Zip(want, (v, a) => v + a).ToArray(), got);
                    if (name[0] == 'S') Assert.All(got.Zip(xs, (r, v) => r - v), d => Assert.Equal(1.0, d));
                    ranVectors |= got.Zip(xs, (r, v) => r - v).Any(d => d > 1);
                }
        }
        // The vector forms did run where the machine has vectors (the test would otherwise only check scalar tails).
        Assert.Equal(Vector128.IsHardwareAccelerated || Vector256.IsHardwareAccelerated, ranVectors);
    }

    [Fact]
    public void Gradients_go_through_the_ops_VJP_and_agree_with_finite_differences()
    {
        var rng = new Random(3);
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 4));
        var b = g.Input("b", Shape.Of(4));
        var loss = F.Sum(Gate().Call(Softsign().Call(x) * 2.0, b) * Cube().Call(x - b));
        var grads = Autodiff.Grad(loss, new[] { x, b });
        var bind = new Dictionary<string, Tensor> { ["x"] = Values(rng, 3, 4), ["b"] = Values(rng, 4) };
        var values = Interpreter.Evaluate(grads, bind, DType.F64, 3);
        foreach (var (name, node) in new[] { ("x", grads[0]), ("b", grads[1]) })
            for (int i = 0; i < bind[name].Size; i++)
            {
                double fd = GradCheck.Central(loss, bind, 3, name, i, 1e-6), ad = values[node].Data[i];
                Assert.True(GradCheck.Error(fd, ad) < 1e-7, $"d/d{name}[{i}]: VJP {ad}, finite differences {fd}");
            }
    }

    [Fact]
    public void The_JVP_derived_from_the_VJP_agrees_with_it_and_with_finite_differences_also_under_broadcasting()
    {
        var rng = new Random(11);
        var g = new Graph(DType.F64);
        var a = g.Input("a", Shape.Of(Shape.Batch, 5));
        var b = g.Input("b", Shape.Of(5));
        var y = Gate().Call(Softsign().Call(a), b) + Cube().Call(b);
        var va = g.Input("va", Shape.Of(Shape.Batch, 5));
        var vb = g.Input("vb", Shape.Of(5));
        var u = g.Input("u", Shape.Of(Shape.Batch, 5));
        var jv = Autodiff.Jvp(new[] { y }, new[] { a, b }, new[] { va, vb })[0];
        var vjp = Autodiff.Vjp(new[] { y }, new[] { u }, new[] { a, b });
        var bind = new Dictionary<string, Tensor>
        {
            ["a"] = Values(rng, 4, 5), ["b"] = Values(rng, 5), ["va"] = Values(rng, 4, 5), ["vb"] = Values(rng, 5), ["u"] = Values(rng, 4, 5),
        };
        var v = Interpreter.Evaluate(new[] { jv, vjp[0], vjp[1], y }, bind, DType.F64, 4);
        double uJv = GradCheck.Dot(bind["u"], v[jv]);
        double jTuv = GradCheck.Dot(v[vjp[0]], bind["va"]) + GradCheck.Dot(v[vjp[1]], bind["vb"]);
        Assert.Equal(uJv, jTuv, 10);
        // And J·v against a central difference of the forward along (va, vb).
        double h = 1e-6;
        Tensor Shifted(string name, double s) => new(bind[name].Shape, bind[name].Data.Zip(bind["v" + name].Data, (p, d) => p + s * d).ToArray());
        var plus = new Dictionary<string, Tensor>(bind) { ["a"] = Shifted("a", h), ["b"] = Shifted("b", h) };
        var minus = new Dictionary<string, Tensor>(bind) { ["a"] = Shifted("a", -h), ["b"] = Shifted("b", -h) };
        var yp = Interpreter.Evaluate(new[] { y }, plus, DType.F64, 4)[y].Data;
        var ym = Interpreter.Evaluate(new[] { y }, minus, DType.F64, 4)[y].Data;
        for (int i = 0; i < yp.Length; i++)
            Assert.True(GradCheck.Error((yp[i] - ym[i]) / (2 * h), v[jv].Data[i]) < 1e-7, $"J·v[{i}]");
        // A JVP given by hand is used as given.
        var own = Op.DefineElementwise("softsign_own_jvp", x => x / (1 + Math.Abs(x)), K + "Softsign", (yy, gg) => new[] { gg }, (yy, t) => t[0]! * 7.0);
        var t7 = Autodiff.Jvp(new[] { own.Call(a) }, new[] { a }, new[] { va })[0];
        var got = Interpreter.Evaluate(new[] { t7 }, bind, DType.F64, 4)[t7].Data;
        Assert.Equal(bind["va"].Data.Select(d => d * 7.0), got);
    }

    [Fact]
    public void Rewrites_treat_a_kernel_op_as_opaque_an_op_of_constants_is_not_folded_and_no_facts_are_assumed()
    {
        var softsign = Softsign();
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(3));
        // op(const): kept, so the compiled code runs the kernel (the reference is the interpreter's meaning, not the code's).
        var c = softsign.Call(g.Const(3.0));
        // exp(log(z)) → z needs z ≥ 0: known for sigmoid, not for an opaque op (softsign is negative for x < 0).
        var f = new Function(g, ("c", c + x), ("opaque", F.Exp(F.Log(softsign.Call(x)))), ("known", F.Exp(F.Log(F.Sigmoid(x)))),
            ("algebra", softsign.Call(x) * 1.0 + 0.0));
        var opt = Pipeline.Optimize(f).Function;
        var nodes = Topo.Reachable(opt.Outputs.Select(o => o.Node)).ToList();
        Assert.Contains(nodes, n => n.Op == softsign && n.A.Op == Op.Const && n.A.Attrs.Value == 3.0);
        Node Out(string name) => opt.Outputs.Single(o => o.Name == name).Node;
        Assert.Equal(Op.Exp, Out("opaque").Op);
        Assert.Equal(Op.Sigmoid, Out("known").Op);
        Assert.Same(softsign, Out("algebra").Op);            // the built-in algebra around it still simplifies
        Assert.Equal(OpFacts.None, softsign.Facts);
        Assert.DoesNotContain(Op.All, o => o.IsKernel);     // kernel ops are not registry entries (OpRegistryTests iterate Op.All)
        var b = new Dictionary<string, Tensor> { ["x"] = new(new[] { 3 }, new[] { 0.5, 2, 4 }) };
        Assert.Equal(Interpreter.Run(f, b)["c"].Data, Interpreter.Run(opt, b)["c"].Data);
        Assert.Equal(0.75 + 0.5, Interpreter.Run(opt, b)["c"].Data[0]);

        // Two kernel ops with one name stay two ops (hash-consing and fused bodies go by identity, not by name).
        var twice = Op.DefineElementwise("scale", v => 2 * v, K + "Twice", (y, gg) => new[] { gg * 2.0 });
        var triple = Op.DefineElementwise("scale", v => 3 * v, K + "Triple", (y, gg) => new[] { gg * 3.0 });
        var h = new Graph(DType.F64);
        var z = h.Input("z", Shape.Of(4));
        var pair = new Function(h, ("y", twice.Call(z) + triple.Call(z)));
        var body = Scheduler.Build(Pipeline.Optimize(pair).Function).Kernels.OfType<ElementwiseKernel>().Single().Body;
        Assert.Equal(2, body.Instrs.Count(i => i.Op?.Name == "scale"));
        var source = CSharpEmitter.Emit(new ModelPlan("P", new[] { ("M", Scheduler.Build(pair)) }), new EmitOptions());
        Assert.Contains("TestKernels.Twice(", source);
        Assert.Contains("TestKernels.Triple(", source);
        var run = ExpressionBackend.Compile<double>(new ModelPlan("P", new[] { ("M", Scheduler.Build(pair)) }));
        Assert.Equal(new[] { 5.0, 10, 15, 20 }, CompiledRunner.Run(run, 0, new Dictionary<string, Tensor> { ["z"] = new(new[] { 4 }, new[] { 1.0, 2, 3, 4 }) }, 1)["y"].Data);
    }

    [Fact]
    public void Errors_name_the_op_and_the_method()
    {
        // Definition.
        Assert.Contains("\"exp\" is a built-in op", Assert.Throws<ArgumentException>(() => Op.DefineElementwise("exp", v => v, K + "Softsign", (y, g) => new[] { g })).Message);
        Assert.Contains("not a type-qualified C# method name", Assert.Throws<ArgumentException>(() => Op.DefineElementwise("k", v => v, "Softsign", (y, g) => new[] { g })).Message);
        Assert.Contains("not a type-qualified C# method name", Assert.Throws<ArgumentException>(() => Op.DefineElementwise("k", v => v, "My App.K.F", (y, g) => new[] { g })).Message);
        Assert.Contains("needs a VJP", Assert.Throws<ArgumentNullException>(() => Op.DefineElementwise("k", v => v, K + "Softsign", null!)).Message);
        var gr = new Graph(DType.F64);
        Assert.Contains("shapes do not broadcast", Assert.Throws<ShapeException>(() => Gate().Call(gr.Input("p", Shape.Of(3)), gr.Input("q", Shape.Of(4)))).Message);

        // Compilation: both backends, before any code runs.
        string Fails<T>(Op op) where T : unmanaged
        {
            var g = new Graph(typeof(T) == typeof(float) ? DType.F32 : DType.F64);
            var plan = new ModelPlan("Bad", new[] { ("M", Scheduler.Build(new Function(g, ("y", op.Call(g.Input("x", Shape.Of(9))) + 1.0)))) });
            var e1 = Assert.Throws<InvalidOperationException>(() => ExpressionBackend.Compile<T>(plan));
            var e2 = Assert.Throws<InvalidOperationException>(() => RoslynBackend.Compile<T>(plan));
            Assert.StartsWith("M: emitting kernel k0 (loop", e1.Message); // the expression backend names the method and kernel too
            Assert.EndsWith(" failed: " + e2.Message, e1.Message);
            return e2.Message;
        }
        var missingType = Op.DefineElementwise("nowhere", v => v, "Nabla.Tests.NoSuchKernels.F", (y, g) => new[] { g });
        Assert.Equal("Kernel op \"nowhere\": no loaded assembly defines the type Nabla.Tests.NoSuchKernels of its method Nabla.Tests.NoSuchKernels.F; "
            + "check the name, and load the assembly that defines it before compiling.", Fails<double>(missingType));
        var missingMethod = Op.DefineElementwise("no_method", v => v, K + "NoSuchMethod", (y, g) => new[] { g });
        Assert.Contains("TestKernels has no public static double NoSuchMethod(double)", Fails<double>(missingMethod));
        var doubleOnly = Op.DefineElementwise("double_only", v => v, K + "DoubleOnly", (y, g) => new[] { g });
        Assert.Contains("Kernel op \"double_only\": Nabla.Tests.Backends.TestKernels has no public static float DoubleOnly(float), which code of element type float calls.", Fails<float>(doubleOnly));
        var g64 = new Graph(DType.F64);
        Assert.NotNull(ExpressionBackend.Compile<double>(new ModelPlan("Ok", new[] { ("M", Scheduler.Build(new Function(g64, ("y", doubleOnly.Call(g64.Input("x", Shape.Of(2))))))) })));
        var vecMessage = Fails<float>(Op.DefineElementwise("cube_vec", v => v * v * v, K + "Nested.Cube", (y, g) => new[] { g }, vectorized: true));
        Assert.Contains("has no public static Vector128<float> Cube(Vector128<float>)", vecMessage);
        Assert.Contains("define it with vectorized: false", vecMessage);
        var hidden = Op.DefineElementwise("hidden", v => v, "Nabla.Tests.Backends.HiddenKernels.Id", (y, g) => new[] { g });
        Assert.Contains("Kernel op \"hidden\": its type Nabla.Tests.Backends.HiddenKernels (assembly Nabla.Tests) is not public", Fails<float>(hidden));
    }
}
