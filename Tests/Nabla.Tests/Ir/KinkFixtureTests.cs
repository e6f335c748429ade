using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Nabla.Ir;
using Nabla.Tests.Backends;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>
/// Values AT the kinks and ties — relu′(0), abs′(0), sign and step at 0, max/min ties, reduce_max ties, max pooling
/// over ReLU zeros and −∞ padding, mixed eq masks, where on a non-comparison condition, pow of negative and zero bases
/// — against PyTorch 1.13's (Fixtures/kinks.json, made by kinks.py beside it), forward and gradient, in the interpreter
/// (float64 and float32), and in both backends (float64 and float32, plain and optimized schedules, vectors on and
/// off). Finite differences are invalid at a kink, so these fixed values (and <see cref="KinkPropertyTests"/>'s
/// agreement between implementations) are what pin the convention (docs/ARCHITECTURE.md, "Derivatives at kinks and ties").
/// </summary>
[Collection("CSharpBackend")] // ThreeWay switches CompiledModel<T>.VectorsEnabled, which is process-wide
public class KinkFixtureTests
{
    internal sealed record Input(string Name, int[] Shape, double[] Value);

    internal sealed record Case(string Name, string Expr, JsonElement Attrs, Input[] Inputs, double[] U, int[] YShape, double[] Y,
        Dictionary<string, double[]> Grads, double[]? GradHEqualSplit, double[]? GradXEqualSplit, double[]? GradHPyTorch, bool SameGradX);

    private static readonly Lazy<Case[]> Fixture = new(Load);

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch { "inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity, "nan" => double.NaN, var s => throw new FormatException(s) }
        : e.GetDouble();

    private static Case[] Load()
    {
        string? path = null;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null && path is null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "Tests", "Nabla.Tests", "Fixtures", "kinks.json");
            if (File.Exists(p)) path = p;
        }
        Assert.True(path is not null, "Tests/Nabla.Tests/Fixtures/kinks.json not found above the test folder");
        using var doc = JsonDocument.Parse(File.ReadAllText(path!));
        static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(Number).ToArray();
        static double[]? Opt(JsonElement c, string key) => c.TryGetProperty(key, out var v) ? Doubles(v) : null;
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("name").GetString()!, c.GetProperty("expr").GetString()!, c.GetProperty("attrs").Clone(),
            c.GetProperty("inputs").EnumerateObject().Select(p => new Input(p.Name,
                p.Value.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray(), Doubles(p.Value.GetProperty("value")))).ToArray(),
            Doubles(c.GetProperty("u")), c.GetProperty("y_shape").EnumerateArray().Select(v => v.GetInt32()).ToArray(), Doubles(c.GetProperty("y")),
            c.GetProperty("grads").EnumerateObject().ToDictionary(p => p.Name, p => Doubles(p.Value)),
            Opt(c, "grad_h_equal_split"), Opt(c, "grad_x_equal_split"), Opt(c, "grad_h_pytorch"),
            c.TryGetProperty("same_grad_x", out var s) && s.GetBoolean())).ToArray();
    }

    public static IEnumerable<object[]> Cases => Fixture.Value.Select(c => new object[] { c.Name });
    private static Case Find(string name) => Fixture.Value.Single(c => c.Name == name);

    /// <summary>
    /// The case as one function: outputs y, "grad_" + name = ∂ sum(u·y)/∂name for every input, and for the pooling
    /// cases "grad_h", the gradient with respect to the pooled ReLU output. Pooling is Nabla's own <see cref="Pool"/>
    /// layer (im2col, −∞ padding, reduce_max), traced.
    /// </summary>
    internal static (Function F, Dictionary<string, Tensor> Bind) Build(Case c, DType type)
    {
        Graph g;
        var nodes = new Dictionary<string, Node>();
        Node y;
        Node? h = null;
        if (c.Expr is "relu_max_pool1d" or "relu_max_pool2d")
        {
            int k = c.Attrs.GetProperty("kernel").GetInt32(), s = c.Attrs.GetProperty("stride").GetInt32(), p = c.Attrs.GetProperty("padding").GetInt32();
            var pool = c.Expr == "relu_max_pool1d" ? Pool.Max1d(k, s, p) : Pool.Max2d(k, s, p);
            var net = Module.Lambda("ReluPool", x => pool[F.Relu(x)], ("pool", pool));
            var shape = c.Inputs[0].Shape;
            var t = Model.Build(net, new Shape(new[] { Shape.Batch }.Concat(shape.Skip(1)).ToArray())).Trace(type);
            g = t.Graph;
            y = t.Outputs[0].Node;
            nodes["x"] = t.Inputs[0];
            h = new Function(g, ("y", y)).Nodes().Single(n => n.Op == Op.Relu);
        }
        else
        {
            g = new Graph(type);
            foreach (var i in c.Inputs) nodes[i.Name] = g.Input(i.Name, new Shape(i.Shape));
            Node N(string name) => nodes[name];
            y = c.Expr switch
            {
                "relu" => F.Relu(N("x")),
                "abs" => F.Abs(N("x")),
                "sign" => F.Sign(N("x")),
                "step" => F.Step(N("x")),
                "max" => F.Maximum(N("a"), N("b")),
                "min" => F.Minimum(N("a"), N("b")),
                "reduce_max_1" => F.ReduceMax(N("x"), 1),
                "reduce_max_all" => F.ReduceMax(N("x")),
                "eq_mask" => F.Equal(N("a"), N("b")) * N("c"),
                "where" => F.Where(N("c"), N("a"), N("b")),
                "pow" => F.Pow(N("x"), c.Attrs.GetProperty("exponent").GetDouble()),
                _ => throw new InvalidOperationException($"kinks.json: unknown expr {c.Expr}"),
            };
        }
        var u = g.Input("u", y.Shape);
        var wrt = c.Inputs.Select(i => nodes[i.Name]).Concat(h is null ? Array.Empty<Node>() : new[] { h }).ToArray();
        var grads = Autodiff.Grad(F.Sum(y * u), wrt);
        var outputs = new List<Named> { new("y", y) };
        for (int i = 0; i < c.Inputs.Length; i++) outputs.Add(new Named("grad_" + c.Inputs[i].Name, grads[i]));
        if (h is not null) outputs.Add(new Named("grad_h", grads[^1]));
        var bind = c.Inputs.ToDictionary(i => nodes[i.Name].Name!, i => new Tensor(i.Shape, (double[])i.Value.Clone()));
        bind["u"] = new Tensor(c.YShape, (double[])c.U.Clone());
        return (new Function(g, outputs), bind);
    }

    /// <summary>The values the case must produce: PyTorch's, except where max pooling's tie convention differs (below).</summary>
    private static Dictionary<string, double[]> Expected(Case c)
    {
        var want = new Dictionary<string, double[]> { ["y"] = c.Y };
        foreach (var (name, grad) in c.Grads) want["grad_" + name] = grad;
        if (c.GradHEqualSplit is not null)
        {
            // Nabla's windows split a tie equally (as amax); PyTorch's max_pool sends it to the first maximum. Where the
            // tied elements are ReLU zeros the input's gradient is the same under both, and must equal max_pool's.
            want["grad_h"] = c.GradHEqualSplit;
            if (c.SameGradX) Assert.Equal(c.Grads["x"], c.GradXEqualSplit);
            want["grad_x"] = c.GradXEqualSplit!;
        }
        return want;
    }

    private static void Same(double[] want, double[] got, double tol, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
        {
            double a = want[i], b = got[i];
            bool ok = double.IsNaN(a) ? double.IsNaN(b) : double.IsInfinity(a) ? a == b : Math.Abs(a - b) <= tol * (1 + Math.Abs(a));
            Assert.True(ok, $"{what}[{i}]: PyTorch {a:R}, Nabla {b:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_interpreter_gives_PyTorchs_values_at_the_kink_in_float64_and_float32(string name)
    {
        var c = Find(name);
        var want = Expected(c);
        foreach (var (type, tol) in new[] { (DType.F64, 1e-15), (DType.F32, 1e-7) })
        {
            var (f, bind) = Build(c, type);
            var r = Interpreter.Run(f, bind, type, 1);
            foreach (var (output, values) in want) Same(values, r[output].Data, tol, $"{name} {type.ShortName()} {output}");
        }
    }

    [Fact]
    public void Both_backends_give_PyTorchs_values_at_the_kink_plain_and_optimized()
    {
        var cases = Fixture.Value;
        var built = cases.SelectMany((c, i) => new[] { DType.F64, DType.F32 }.Select(type =>
        {
            var (f, bind) = Build(c, type);
            return (c, type, f, bind, plan: ThreeWay.Plan(f, $"Kink{i}{type.ShortName()}"));
        })).ToArray();
        var types = ThreeWay.CompileAll(built.Select(b => b.plan).ToArray(), out _);
        foreach (var (c, type, f, bind, plan) in built)
        {
            // Every run of both backends against PyTorch's values directly (thirds are the only inexact ones).
            double tol = type == DType.F64 ? 1e-15 : 1e-7;
            var want = new RunResult(Expected(c).ToDictionary(kv => kv.Key, kv => new Tensor(f[kv.Key].Shape.Concrete(1), kv.Value)), new());
            var diff = ThreeWay.Check(want, type, plan, types(plan.Name), bind, 1, tol);
            Assert.True(diff is null, $"{c.Name} {type.ShortName()}: {diff}");
        }
    }

    [Fact]
    public void The_fixture_covers_every_kinked_op_and_both_pooling_conventions()
    {
        var exprs = Fixture.Value.Select(c => c.Expr).ToHashSet();
        foreach (var e in new[] { "relu", "abs", "sign", "step", "max", "min", "reduce_max_1", "reduce_max_all", "relu_max_pool1d", "relu_max_pool2d", "eq_mask", "where", "pow" })
            Assert.Contains(e, exprs);
        var pools = Fixture.Value.Where(c => c.GradHEqualSplit is not null).ToArray();
        Assert.Contains(pools, c => c.SameGradX);
        Assert.Contains(pools, c => !c.SameGradX);
        // PyTorch's max_pool really does send a tie to one element: its dL/dh differs from the equal split somewhere.
        Assert.Contains(pools, c => !c.GradHPyTorch!.SequenceEqual(c.GradHEqualSplit!));
    }
}
