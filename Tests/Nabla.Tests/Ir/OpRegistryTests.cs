using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Nabla.Backends.CSharp;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>
/// Every op of the registry against every consumer: shape inference, the printer, the reference interpreter, both
/// derivative rules (and autodiff through them), the optimizer, the scheduler, both emitters and the runtime function
/// its lowering names. A new op that some consumer cannot handle fails here, naming the op and the consumer.
/// Also checks the registry's algebraic facts against the op's values.
/// </summary>
public class OpRegistryTests
{
    public static IEnumerable<object[]> Ops => Op.All.Where(o => o.Kind != OpKind.Leaf).Select(o => new object[] { o.Name });

    private const int Batch = 3;

    /// <summary>A small function whose output "y" is the op applied to inputs in its domain, and the inputs' values.</summary>
    private static (Function F, Dictionary<string, Tensor> Bindings) Example(Op op, DType type = DType.F64)
    {
        var g = new Graph(type);
        var rnd = new Random(op.Name.GetHashCode() & 0xffff);
        var bind = new Dictionary<string, Tensor>();
        Node In(string name, params int[] dims)
        {
            var shape = new Shape(dims);
            var concrete = shape.Concrete(Batch);
            bind[name] = new Tensor(concrete, Enumerable.Range(0, concrete.Aggregate(1, (a, b) => a * b)).Select(_ => 0.3 + 1.4 * rnd.NextDouble()).ToArray());
            return g.Input(name, shape);
        }
        // i32 indices in [0, size), with a repeat (so scatter_add accumulates), bound as exact integers.
        Node Idx(string name, int size, params int[] dims)
        {
            var shape = new Shape(dims);
            var concrete = shape.Concrete(Batch);
            var n = concrete.Aggregate(1, (a, b) => a * b);
            bind[name] = new Tensor(concrete, Enumerable.Range(0, n).Select(i => (double)(i == n - 1 && n > 1 ? 0 : rnd.Next(size))).ToArray());
            return g.Input(name, shape, DType.I32);
        }
        Node y = op.Kind switch
        {
            OpKind.Elementwise when op == Op.Cast => F.Cast(F.Cast(In("x", Shape.Batch, 5) * 3.0, DType.I32), type), // f64 → i32 (truncation) → f64
            OpKind.Elementwise when op.Arity == 1 => g.Make(op, Attrs.None, In("x", Shape.Batch, 5)),
            OpKind.Elementwise when op.Arity == 2 => g.Make(op, Attrs.None, In("x", Shape.Batch, 5), In("z", 5)),
            OpKind.Elementwise when op.Arity == 3 => g.Make(op, Attrs.None, F.Greater(In("c", Shape.Batch, 5), g.Const(1.0)), In("x", Shape.Batch, 5), In("z", 5)),
            OpKind.Reduce => g.Make(op, new AxesAttrs(new[] { 1 }, false), In("x", Shape.Batch, 4, 3)),
            OpKind.Layout when op == Op.Reshape => F.Reshape(In("x", Shape.Batch, 4, 3), new Shape(Shape.Batch, 12)),
            OpKind.Layout when op == Op.Transpose => F.Transpose(In("x", Shape.Batch, 4, 3), 0, 2, 1),
            OpKind.Layout when op == Op.Broadcast => F.BroadcastTo(In("x", 4, 1), new Shape(Shape.Batch, 4, 3)),
            OpKind.MatMul => F.MatMul(In("x", Shape.Batch, 4), In("z", 4, 3)),
            OpKind.Normalize => g.Make(op, new AxisAttrs(1), In("x", Shape.Batch, 4)),
            OpKind.Window when op == Op.Im2Col => F.Im2Col(In("x", Shape.Batch, 2, 4, 4), 3, 3, 1, 1, 1, 1),
            OpKind.Window when op == Op.MaxPool => F.MaxPool(In("x", Shape.Batch, 2, 5, 5), 3, 3, 2, 2, 1, 1),
            OpKind.Window when op == Op.MaxPoolGrad => F.MaxPoolGrad(In("x", Shape.Batch, 2, 5, 5), In("z", Shape.Batch, 2, 3, 3), 3, 3, 2, 2, 1, 1),
            OpKind.Window when op == Op.Col2Im => F.Col2Im(In("x", Shape.Batch, 18, 16), 2, 4, 4, 3, 3, 1, 1, 1, 1),
            OpKind.Movement when op == Op.Slice => F.Slice(In("x", Shape.Batch, 7, 3), 1, -6, 7, 2),
            OpKind.Movement when op == Op.Concat => F.Concat(1, In("x", Shape.Batch, 2, 3), In("z", Shape.Batch, 1, 3), In("w", Shape.Batch, 4, 3)),
            OpKind.Movement when op == Op.Pad => F.Pad(In("x", Shape.Batch, 4, 3), new PadAttrs(new[] { 0, 2, 0 }, new[] { 0, 1, 3 }, new[] { 0, 1, 0 }, 0.5)),
            OpKind.Index when op == Op.Gather => F.Gather(In("x", 5, 3), Idx("i", 5, Shape.Batch, 2), 0),
            OpKind.Index when op == Op.ScatterAdd => F.ScatterAdd(In("x", Shape.Batch, 2, 5, 3), Idx("i", 4, 2, 5), 1, 4),
            OpKind.Index when op == Op.OneHot => F.OneHot(Idx("i", 4, Shape.Batch, 2), 4, type),
            _ => throw new InvalidOperationException($"OpRegistryTests has no example for op {op.Name} (family {op.Kind}): add one."),
        };
        Assert.Same(op, y.Op);
        return (new Function(g, new[] { new Named("y", y) }), bind);
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void Every_op_has_every_part_of_its_entry(string name)
    {
        var op = Op.ByName(name)!;
        Assert.NotNull(op);
        Assert.False(string.IsNullOrWhiteSpace(op.Summary));
        Assert.NotNull(op.Reference);
        Assert.NotNull(op.Vjp);
        Assert.NotNull(op.Jvp);
        switch (op.Kind)
        {
            case OpKind.Elementwise:
                Assert.True(op.Operator is null != (op.RuntimeFunction is null), $"{name}: an elementwise op lowers to exactly one of an operator or a runtime function");
                Assert.Equal(op == Op.Cast ? typeof(CastAttrs) : typeof(Attrs), op.AttrsType); // cast names its result type
                break;
            case OpKind.Index:
                Assert.NotNull(op.RuntimeFunction);
                Assert.Equal(typeof(IndexAttrs), op.AttrsType);
                Assert.NotNull(op.TypeRule);
                break;
            case OpKind.Reduce:
                Assert.NotEqual(Combine.None, op.Combine);
                Assert.Equal(typeof(AxesAttrs), op.AttrsType);
                break;
            case OpKind.Window:
                Assert.NotNull(op.RuntimeFunction);
                break;
        }
        Assert.Equal(op, Op.ByName(op.Name));
        Assert.Single(Op.All, o => o.Name == op.Name);
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void Every_consumer_handles_every_op(string name)
    {
        var op = Op.ByName(name)!;
        var (f, bind) = Example(op);
        var y = f["y"];

        // Printer: the op's name and its attributes.
        Assert.Contains(" = " + op.Name + "(", Printer.Line(y));

        // Interpreter (the reference kernel).
        var want = Interpreter.Run(f, bind, batch: Batch);
        Assert.All(want["y"].Data, v => Assert.False(double.IsNaN(v), $"{name}: NaN on the example's domain"));

        // Autodiff: reverse and forward mode through the entry's rules.
        var inputs = f.Nodes().Where(n => n.Op == Op.Input && n.DType != DType.I32).ToArray(); // no derivative with respect to i32 indices
        var grads = Autodiff.Grad(F.Sum(y), inputs);
        Assert.Equal(inputs.Length, grads.Length);
        var tangents = Autodiff.Jvp(new[] { y }, inputs, inputs.Select(i => F.Fill(i.Graph, 1, i.Shape, i.DType)).ToArray());
        Assert.Equal(y.Shape, tangents[0].Shape);

        // The optimizer and the scheduler.
        var (optimized, _) = Pipeline.Optimize(f);
        var schedule = Scheduler.Build(optimized);
        Assert.NotEmpty(schedule.Kernels);

        // Both emitters, agreeing with the interpreter.
        var plan = new ModelPlan("Example", new[] { ("Eval", schedule) });
        var source = CSharpEmitter.Emit(plan, new EmitOptions { Namespace = "Nabla.Tests.Registry" });
        var roslyn = (CompiledModel<double>)Activator.CreateInstance(RoslynCompiler.Compile(source).GetType("Nabla.Tests.Registry.Example")!)!;
        Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(roslyn, 0, bind, Batch), 1e-12));
        var expressions = ExpressionBackend.Compile<double>(plan);
        Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(expressions, 0, bind, Batch), 1e-12));
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void The_runtime_function_a_lowering_names_exists_in_every_form(string name)
    {
        var op = Op.ByName(name)!;
        if (op.Kind != OpKind.Elementwise || op.RuntimeFunction is null) return;
        var methods = typeof(Emitted).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name == op.RuntimeFunction).ToArray();
        bool Has(Func<Type, bool> param) => methods.Any(m => m.GetParameters().Length == op.Arity && m.GetParameters().All(p => param(p.ParameterType)));
        Assert.True(Has(t => t == typeof(float)), $"Emitted.{op.RuntimeFunction}(float, …) is missing");
        Assert.True(Has(t => t == typeof(double)), $"Emitted.{op.RuntimeFunction}(double, …) is missing");
        foreach (var vector in new[] { typeof(System.Runtime.Intrinsics.Vector128<>), typeof(System.Runtime.Intrinsics.Vector256<>) })
            Assert.True(Has(t => t.IsGenericType && t.GetGenericTypeDefinition() == vector), $"Emitted.{op.RuntimeFunction}({vector.Name}, …) is missing");
    }

    /// <summary>The facts rewrites rely on hold for the op's values: on ordinary, negative, zero and non-finite inputs.</summary>
    [Theory]
    [MemberData(nameof(Ops))]
    public void The_facts_of_an_elementwise_op_hold_for_its_values(string name)
    {
        var op = Op.ByName(name)!;
        if (op.Kind != OpKind.Elementwise) return;
        var values = new[] { -3.5, -1, -0.25, -0.0, 0.0, 0.25, 1, 2.5, 40, double.NaN, double.PositiveInfinity, double.NegativeInfinity };
        var tuples = op.Arity == 1 ? values.Select(v => new[] { v })
            : op.Arity == 2 ? values.SelectMany(a => values.Select(b => new[] { a, b }))
            : values.SelectMany(c => values.Select(a => new[] { c, a, -a }));
        foreach (var args in tuples)
        {
            double r = op.Apply(args);
            if ((op.Facts & OpFacts.NonNegative) != 0) Assert.False(r < 0, $"{name}({string.Join(", ", args)}) = {r} < 0, but the registry says it is never negative");
            if ((op.Facts & OpFacts.Finite) != 0) Assert.True(!double.IsNaN(r) && !double.IsInfinity(r), $"{name}({string.Join(", ", args)}) = {r}, but the registry says it is always finite");
            if (op.IsCommutative)
            {
                double swapped = op.Apply(new[] { args[1], args[0] });
                Assert.True(r.Equals(swapped), $"{name}({args[0]}, {args[1]}) = {r} but {name}({args[1]}, {args[0]}) = {swapped}, and the registry says it is commutative");
            }
            if (op.IsComparison) Assert.True(r == 0 || r == 1, $"{name}({string.Join(", ", args)}) = {r}: a comparison gives 0 or 1");
        }
    }

    /// <summary>
    /// log1p and expm1 (added through the registry) keep full precision near 0 where log(1+x) and eˣ−1 lose it: against
    /// their Taylor series (exact to double rounding for |x| ≤ 1e-5) and known values, in the reference interpreter and in
    /// the runtime functions both backends call (float and double).
    /// </summary>
    [Fact]
    public void Log1p_and_expm1_are_accurate_near_zero_in_the_interpreter_and_the_runtime()
    {
        foreach (double x in new[] { 1e-300, -3e-17, 1e-10, -2.5e-8, 7e-6 })
        {
            double log1p = x - x * x / 2 + x * x * x / 3, expm1 = x + x * x / 2 + x * x * x / 6;
            Assert.Equal(log1p, Op.Log1p.Apply(x), 15);
            Assert.Equal(expm1, Op.Expm1.Apply(x), 15);
            Assert.True(Math.Abs(Emitted.Log1p(x) - log1p) <= 2e-16 * Math.Abs(log1p), $"Emitted.Log1p({x}) = {Emitted.Log1p(x)}, want {log1p}");
            Assert.True(Math.Abs(Emitted.Expm1(x) - expm1) <= 2e-16 * Math.Abs(expm1), $"Emitted.Expm1({x}) = {Emitted.Expm1(x)}, want {expm1}");
            Assert.True(Math.Abs(Emitted.Log1p((float)x) - (float)log1p) <= 2e-7 * Math.Abs(log1p), $"Emitted.Log1p({(float)x}f)");
            Assert.True(Math.Abs(Emitted.Expm1((float)x) - (float)expm1) <= 2e-7 * Math.Abs(expm1), $"Emitted.Expm1({(float)x}f)");
        }
        Assert.Equal(Math.Log(2), Op.Log1p.Apply(1), 15);
        Assert.Equal(Math.E - 1, Op.Expm1.Apply(1), 14);
        Assert.Equal(Math.Log(2), Emitted.Log1p(1.0), 14);
        Assert.Equal(Math.E - 1, Emitted.Expm1(1.0), 14);
        Assert.Equal(double.NegativeInfinity, Op.Log1p.Apply(-1));
        Assert.Equal(double.NegativeInfinity, Emitted.Log1p(-1.0));
        Assert.Equal(-1, Op.Expm1.Apply(-800));
        Assert.Equal(-1, Emitted.Expm1(-800.0));
        Assert.Equal(double.PositiveInfinity, Op.Expm1.Apply(800));
        Assert.Equal(double.PositiveInfinity, Emitted.Expm1(800.0));
        Assert.Equal(double.PositiveInfinity, Emitted.Log1p(double.PositiveInfinity));
        Assert.True(double.IsNaN(Emitted.Log1p(-2.0)) && double.IsNaN(Op.Log1p.Apply(-2)));
    }
}
