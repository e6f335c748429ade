using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Nabla.Backends.CSharp;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Backends;

/// <summary>
/// One op, one value: every elementwise op of <see cref="Op.All"/> (unary, binary, where, and pow with the constant
/// exponents that are multiplied out), compiled by both backends over vectors whose length is not a multiple of the
/// vector width, gives for EVERY element exactly the bits of the scalar runtime function (<c>Emitted.X(float)</c> /
/// <c>(double)</c>, or the C# operator) applied to that element. The first elements run a loop's vector body and the
/// last ones its scalar tail, so this fails as soon as a vector form and the scalar form of an op differ anywhere.
/// </summary>
[Collection("CSharpBackend")] // CompiledModel<T>.VectorsEnabled is process-wide: run beside the other backend tests that flip it, not during them
public class ElementwiseBitExactTests
{
    private static readonly Op[] Ops = Op.All.Where(o => o.Kind == OpKind.Elementwise).ToArray();
    private static readonly double[] ConstantExponents = { 1, 2, 3, -1, 0.5, -2 };
    private static readonly int[] Lengths = { 37, 3 };

    /// <summary>y_op = op(a[, b]) for each op (where: where(c, a, b)), and pow_k = a^ConstantExponents[k].</summary>
    private static Function Build(DType type, int n)
    {
        var g = new Graph(type);
        var a = g.Input("a", new Shape(n));
        var b = g.Input("b", new Shape(n));
        var c = g.Input("c", new Shape(n));
        var outputs = new List<(string, Node)>();
        foreach (var op in Ops)
            outputs.Add(("y_" + op.Name, op.Arity switch
            {
                1 when op == Op.Cast => F.Cast(F.Cast(a, DType.I32), type), // truncation, then the identity on integers
                1 => g.Make(op, Attrs.None, a),
                2 => g.Make(op, Attrs.None, a, b),
                _ => g.Make(op, Attrs.None, c, a, b),
            }));
        for (int k = 0; k < ConstantExponents.Length; k++) outputs.Add(("pow_" + k, F.Pow(a, ConstantExponents[k])));
        return new Function(g, outputs.ToArray());
    }

    private static ModelPlan Plan(DType type) =>
        new("BitExact" + type.ShortName(), Lengths.Select(n => ("L" + n, Scheduler.Build(Build(type, n)))).ToArray());

    // Special values (NaN with two payloads, ±0, ±∞, huge, tiny, subnormal), the kinks of relu/step/sign/abs, the
    // small integer exponents of pow, the branch points of tanh/exp/sin, then random values.
    private static double[] Pool(bool single) => new[]
    {
        0, -0.0, 1, -1, 0.5, -0.5, 2, 3, -2, 0.625, -0.625, 1e-3, -1e-3, 20, -20, 88.72, -87.5, 100, -105, 709.8, -745.2,
        8191.9, -9000, 7575.9507, 1e5, 1e-20, -1e-20, single ? 1e-40 : 1e-310, single ? -1e-40 : -1e-310,
        single ? 3.4e38 : 1.7e308, single ? -3.4e38 : -1.7e308, double.NaN, double.PositiveInfinity, double.NegativeInfinity,
    };

    private static T[] Values<T>(Random rnd, int n, bool exponents) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool single = typeof(T) == typeof(float);
        var pool = Pool(single);
        var v = new T[n];
        for (int i = 0; i < n; i++)
        {
            int pick = rnd.Next(10);
            double x = pick < 5 ? pool[rnd.Next(pool.Length)]
                : exponents && pick < 7 ? new double[] { 1, 2, 3, -1, 0, 0.5 }[rnd.Next(6)]
                : (rnd.NextDouble() * 2 - 1) * (pick == 9 ? 1000 : 10);
            v[i] = T.CreateTruncating(x);
            if (rnd.Next(40) == 0) v[i] = NaNWithPayload<T>(); // a NaN whose payload a careless form would lose
        }
        return v;
    }

    private static T NaNWithPayload<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? (T)(object)BitConverter.Int32BitsToSingle(0x7FC00123) : (T)(object)BitConverter.Int64BitsToDouble(0x7FF8000000000123);

    private static long Bits<T>(T v) where T : unmanaged =>
        typeof(T) == typeof(float) ? BitConverter.SingleToInt32Bits((float)(object)v) : BitConverter.DoubleToInt64Bits((double)(object)v);

    /// <summary>The scalar definition: the C# operator, or the runtime's float/double function of that name.</summary>
    private static T Scalar<T>(Op op, params T[] args) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (op.Operator is { } symbol)
            return (symbol, args.Length) switch
            {
                ("-", 1) => -args[0],
                ("+", 2) => args[0] + args[1],
                ("-", 2) => args[0] - args[1],
                ("*", 2) => args[0] * args[1],
                ("/", 2) => args[0] / args[1],
                _ => throw new InvalidOperationException($"No scalar operator {symbol} of arity {args.Length}."),
            };
        var m = typeof(Emitted).GetMethod(op.RuntimeFunction!, Enumerable.Repeat(typeof(T), args.Length).ToArray())
            ?? throw new MissingMethodException($"Emitted.{op.RuntimeFunction}({typeof(T).Name} × {args.Length}) is missing.");
        return (T)m.Invoke(null, args.Cast<object>().ToArray())!;
    }

    private static List<string> Check<T>(string backend, CompiledModel<T> model, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var failures = new List<string>();
        for (int method = 0; method < Lengths.Length; method++)
        {
            var spec = model.Spec.Methods[method];
            int n = Lengths[method];
            var rnd = new Random(seed + method);
            var values = new Dictionary<string, T[]> { ["a"] = Values<T>(rnd, n, false), ["b"] = Values<T>(rnd, n, true), ["c"] = Values<T>(rnd, n, false) };
            var inputs = spec.Inputs.Select(t => values[t.Name]).ToArray();
            var outputs = spec.Outputs.Select(_ => new T[n]).ToArray();
            model.Run(method, 1, inputs, outputs);
            T[] a = values["a"], b = values["b"], c = values["c"];
            foreach (var op in Ops)
            {
                var got = outputs[spec.OutputIndex("y_" + op.Name)];
                for (int i = 0; i < n; i++)
                {
                    var args = op.Arity switch { 1 => new[] { a[i] }, 2 => new[] { a[i], b[i] }, _ => new[] { c[i], a[i], b[i] } };
                    T want = Scalar(op, args);
                    if (Bits(want) != Bits(got[i]))
                        failures.Add($"{backend}, length {n}, {op.Name}({string.Join(", ", args.Select(x => x.ToString("R", null)))}) at [{i}]: "
                            + $"{got[i].ToString("R", null)} (0x{Bits(got[i]):X}), scalar function {want.ToString("R", null)} (0x{Bits(want):X})");
                }
            }
            for (int k = 0; k < ConstantExponents.Length; k++)
            {
                var got = outputs[spec.OutputIndex("pow_" + k)];
                T e = T.CreateTruncating(ConstantExponents[k]);
                for (int i = 0; i < n; i++)
                {
                    T want = Scalar(Op.Pow, a[i], e);
                    if (Bits(want) != Bits(got[i]))
                        failures.Add($"{backend}, length {n}, pow({a[i].ToString("R", null)}, constant {ConstantExponents[k]}) at [{i}]: "
                            + $"{got[i].ToString("R", null)} (0x{Bits(got[i]):X}), scalar function {want.ToString("R", null)} (0x{Bits(want):X})");
                }
            }
        }
        return failures;
    }

    private static void Run<T>(DType type) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(CompiledModel<T>.VectorsEnabled, "vectors must be on for this test to compare vector bodies with scalar tails");
        var plan = Plan(type);
        var failures = new List<string>();
        var models = new (string, CompiledModel<T>)[]
        {
            ("C# (Roslyn)", RoslynBackend.Create<T>(plan)),
            ("Expressions, widest vectors", ExpressionBackend.Compile<T>(plan)),
            ("Expressions, Vector128", ExpressionBackend.Compile<T>(plan, new ExpressionBackendOptions { MaxVectorBits = 128 })),
        };
        for (int seed = 1; seed <= 40; seed += 13)
            foreach (var (name, model) in models) failures.AddRange(Check(name, model, seed));
        Assert.True(failures.Count == 0, $"{failures.Count} elements differ from the scalar runtime function:\n" + string.Join("\n", failures.Take(40)));
    }

    [Fact]
    public void Every_elementwise_op_gives_the_scalar_functions_bits_in_both_backends_f32() => Run<float>(DType.F32);

    [Fact]
    public void Every_elementwise_op_gives_the_scalar_functions_bits_in_both_backends_f64() => Run<double>(DType.F64);

    [Fact]
    public void Emitted_csharp_calls_the_runtime_function_the_registry_names()
    {
        // The C# text of every non-operator op is Emitted.{RuntimeFunction}(...), at every width, and each has a
        // float and a double form (the Expressions backend finds the same methods by reflection).
        string source = CSharpEmitter.Emit(Plan(DType.F32), new EmitOptions());
        foreach (var op in Ops.Where(o => o.Operator is null))
        {
            Assert.Contains($"Emitted.{op.RuntimeFunction}(", source);
            foreach (var t in new[] { typeof(float), typeof(double) })
                Assert.NotNull(typeof(Emitted).GetMethod(op.RuntimeFunction!, Enumerable.Repeat(t, op.Arity).ToArray()));
        }
        Assert.DoesNotContain("Math.", source.Replace("MemoryMarshal.", ""));
    }
}
