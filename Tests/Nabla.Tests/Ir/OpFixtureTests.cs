using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Nabla.Ir;
using Nabla.Tests.Losses;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>
/// Independent values for every op of the registry: PyTorch's forward values and vector-Jacobian products
/// (Fixtures/ops.py → ops.json, float64) against the interpreter, and against the VJP that <see cref="Autodiff.Vjp"/>
/// builds from the registry's rules, evaluated by the interpreter. Each case is one node made with
/// <see cref="Graph.Make"/> from the op's printed name and its typed attributes, so the registry's own entry is what runs.
/// Every op of <see cref="Op.All"/> has a case, except the leaves, which PyTorch has no counterpart for and which
/// <see cref="Leaves_have_their_hand_derived_values"/> checks by hand.
/// </summary>
public class OpFixtureTests
{
    private static readonly JsonElement Data = Fixtures.Load("ops.json");

    /// <summary>
    /// Ops without a PyTorch case, each with the reason. The leaves compute nothing (a leaf's value is its binding, its
    /// constant, or the run-time batch size), so there is nothing for another implementation to compute.
    /// </summary>
    public static readonly IReadOnlyDictionary<Op, string> Excluded = new Dictionary<Op, string>
    {
        [Op.Input] = "a leaf: its value is its binding (hand value below)",
        [Op.Param] = "a leaf: its value is its binding (hand value below)",
        [Op.Const] = "a leaf: its value is the constant (hand value below)",
        [Op.BatchSize] = "a leaf: the run-time batch size (hand value below)",
        [Op.MaxPool] = "checked against F.max_pool2d, value and VJP, by the max_pool2d compositions (Window_layers_built_from_registry_ops_match_PyTorch)",
        [Op.MaxPoolGrad] = "max_pool's VJP: the max_pool2d compositions check it against PyTorch's gradient; its own derivatives against central differences (MaxPoolPropertyTests)",
    };

    /// <summary>Ops that have no derivative at all, so their cases carry no VJP: every input or the result is i32.</summary>
    public static readonly IReadOnlyDictionary<Op, string> NoDerivative = new Dictionary<Op, string>
    {
        [Op.Cast] = "converts between i32 and a float type: one side is always i32, which carries no derivative",
        [Op.OneHot] = "its input is i32 class indices",
    };

    private static IEnumerable<JsonElement> All => Data.GetProperty("cases").EnumerateArray();

    public static IEnumerable<object[]> Cases() => All.Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) => All.First(c => c.GetProperty("name").GetString() == name);

    private static DType Type(string s) => s switch { "f64" => DType.F64, "f32" => DType.F32, "i32" => DType.I32, _ => throw new ArgumentException($"Unknown dtype '{s}' in ops.json.") };

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    private static int[] Pair(JsonElement attrs, string name) => Ints(attrs.GetProperty(name));

    /// <summary>The typed attributes that a case's JSON spells for <paramref name="op"/>'s attribute type.</summary>
    private static Attrs MakeAttrs(Op op, JsonElement a)
    {
        var t = op.AttrsType;
        bool Keep() => a.TryGetProperty("keep", out var k) && k.GetBoolean();
        if (t == typeof(AxesAttrs)) return new AxesAttrs(Ints(a.GetProperty("axes")), Keep());
        if (t == typeof(AxisAttrs)) return new AxisAttrs(a.GetProperty("axis").GetInt32(), Keep());
        if (t == typeof(ShapeAttrs)) return new ShapeAttrs(new Shape(Ints(a.GetProperty("shape"))));
        if (t == typeof(PermutationAttrs)) return new PermutationAttrs(Ints(a.GetProperty("perm")));
        if (t == typeof(SliceAttrs)) return new SliceAttrs(Ints(a.GetProperty("starts")), Ints(a.GetProperty("stops")), Ints(a.GetProperty("steps")));
        if (t == typeof(PadAttrs))
            return new PadAttrs(Ints(a.GetProperty("before")), Ints(a.GetProperty("after")), Ints(a.GetProperty("interior")), a.GetProperty("value").GetDouble());
        if (t == typeof(CastAttrs)) return new CastAttrs(Type(a.GetProperty("type").GetString()!));
        if (t == typeof(IndexAttrs))
            return new IndexAttrs(a.GetProperty("axis").GetInt32(), a.TryGetProperty("size", out var s) ? s.GetInt32() : 0,
                a.TryGetProperty("type", out var ty) ? Type(ty.GetString()!) : null);
        if (t == typeof(WindowAttrs))
        {
            int[] k = Pair(a, "kernel"), s = Pair(a, "stride"), p = Pair(a, "pad"), d = Pair(a, "dilation");
            var w = new WindowAttrs(k[0], k[1], s[0], s[1], p[0], p[1], dilationH: d[0], dilationW: d[1]);
            return a.TryGetProperty("image", out var img) ? w.WithImage(img[0].GetInt32(), img[1].GetInt32(), img[2].GetInt32()) : w;
        }
        if (t is null || t == typeof(Attrs)) return Attrs.None;
        throw new NotSupportedException($"ops.json: no reader for {t.Name} (op {op.Name}); add one here.");
    }

    /// <summary>
    /// The layers that are compositions of window ops, built as Compiler/Dsl/Layers/Conv.cs and Pool.cs build them:
    /// conv2d is im2col, a matrix product and a bias; max pooling is max_pool (its VJP max_pool_grad); average pooling is
    /// im2col, a reshape to [N, C, taps, positions] and mean over the taps.
    /// </summary>
    private static Node Composite(string kind, JsonElement a, IReadOnlyList<Node> ins)
    {
        var x = ins[0];
        int n = x.Shape[0], ch = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int[] s = Pair(a, "stride"), p = Pair(a, "pad");
        int[] d = a.TryGetProperty("dilation", out _) ? Pair(a, "dilation") : new[] { 1, 1 };
        int[] k = kind == "conv2d" ? new[] { ins[1].Shape[2], ins[1].Shape[3] } : Pair(a, "kernel");
        var win = new WindowAttrs(k[0], k[1], s[0], s[1], p[0], p[1], dilationH: d[0], dilationW: d[1]);
        int oh = win.OutH(h), ow = win.OutW(wd);
        var cols = F.Im2Col(x, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]); // [N, C·kh·kw, OH·OW]
        switch (kind)
        {
            case "conv2d":
            {
                int o = ins[1].Shape[0];
                var y = F.MatMul(F.Reshape(ins[1], Shape.Of(o, ch * k[0] * k[1])), cols) + F.Reshape(ins[2], Shape.Of(o, 1)); // [N, O, OH·OW]
                return F.Reshape(y, Shape.Of(n, o, oh, ow));
            }
            case "max_pool2d": return F.MaxPool(x, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]); // its VJP is max_pool_grad
            case "avg_pool2d":
            {
                var taps = F.Reshape(cols, Shape.Of(n, ch, k[0] * k[1], oh * ow));
                return F.Reshape(F.Mean(taps, 2), Shape.Of(n, ch, oh, ow));
            }
            default: throw new ArgumentException($"ops.json: unknown composition '{kind}'.");
        }
    }

    /// <summary>
    /// The case as a function: output <c>y</c> (the op, or for a composition the ops, applied to the inputs) and, for every
    /// input in "diff", <c>d/dNAME</c>, the VJP with the seed input <c>seed</c>.
    /// </summary>
    private static (Function F, Dictionary<string, Tensor> Bindings) Build(JsonElement c, bool composite = false)
    {
        var op = composite ? null : Op.ByName(c.GetProperty("op").GetString()!) ?? throw new ArgumentException($"ops.json names an op the registry does not have: {c.GetProperty("op")}.");
        var g = new Graph(DType.F64);
        var bindings = new Dictionary<string, Tensor>();
        var inputs = new List<Node>();
        foreach (var i in c.GetProperty("inputs").EnumerateArray())
        {
            string name = i.GetProperty("name").GetString()!;
            var t = Fixtures.Tensor(i);
            inputs.Add(g.Input(name, new Shape(t.Shape), Type(i.GetProperty("dtype").GetString()!)));
            bindings[name] = t;
        }
        var y = op is null ? Composite(c.GetProperty("op").GetString()!, c.GetProperty("attrs"), inputs)
            : g.Make(op, MakeAttrs(op, c.GetProperty("attrs")), inputs.ToArray());
        var outs = new List<Named> { new("y", y) };
        var diff = c.GetProperty("diff").EnumerateArray().Select(d => d.GetString()!).ToArray();
        if (diff.Length > 0)
        {
            var seedValue = Fixtures.Tensor(c.GetProperty("seed"));
            var seed = g.Input("seed", new Shape(seedValue.Shape));
            bindings["seed"] = seedValue;
            var wrt = diff.Select(d => inputs.Single(n => n.Name == d)).ToArray();
            var vjp = Autodiff.Vjp(new[] { y }, new[] { seed }, wrt);
            outs.AddRange(diff.Select((d, k) => new Named("d/d" + d, vjp[k])));
        }
        return (new Function(g, outs), bindings);
    }

    /// <summary>
    /// Element by element: |ours − PyTorch's| ≤ 1e-12·|PyTorch's| + 1e-14·(the largest magnitude in the tensor). The second
    /// term only matters for elements that are small by cancellation (a matrix product summing to near 0).
    /// </summary>
    private static void Close(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: shape [{string.Join(",", actual.Shape)}], PyTorch's is [{string.Join(",", expected.Shape)}]");
        double scale = expected.Data.Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int i = 0; i < expected.Size; i++)
        {
            double e = expected.Data[i], a = actual.Data[i];
            Assert.True(Math.Abs(a - e) <= 1e-12 * Math.Abs(e) + 1e-14 * scale,
                $"{what}[{i}] is {a:R}, PyTorch's is {e:R} (difference {Math.Abs(a - e):G3})");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Value_and_vjp_match_PyTorch(string name) => Check(Case(name), name, composite: false);

    public static IEnumerable<object[]> Composites() => Data.GetProperty("composites").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    /// <summary>Convolution and pooling, the layers built from im2col and max_pool, against F.conv2d, F.max_pool2d and F.avg_pool2d.</summary>
    [Theory]
    [MemberData(nameof(Composites))]
    public void Window_layers_built_from_registry_ops_match_PyTorch(string name) =>
        Check(Data.GetProperty("composites").EnumerateArray().First(c => c.GetProperty("name").GetString() == name), name, composite: true);

    private static void Check(JsonElement c, string name, bool composite)
    {
        var (f, bindings) = Build(c, composite);
        var r = Interpreter.Run(f, bindings, DType.F64);
        Close(Fixtures.Tensor(c.GetProperty("output")), r["y"], $"{name}: value");
        if (c.TryGetProperty("vjp", out var vjp))
            foreach (var d in vjp.EnumerateObject())
                Close(Fixtures.Tensor(d.Value), r["d/d" + d.Name], $"{name}: vjp d/d{d.Name}");
    }

    [Fact]
    public void Every_op_of_the_registry_has_a_fixture_case_or_a_justified_exclusion()
    {
        var covered = All.Select(c => c.GetProperty("op").GetString()!).ToHashSet();
        var unknown = covered.Where(n => Op.ByName(n) is null).ToArray();
        Assert.True(unknown.Length == 0, "ops.json names ops the registry does not have: " + string.Join(", ", unknown));
        var missing = Op.All.Where(o => !covered.Contains(o.Name) && !Excluded.ContainsKey(o)).Select(o => o.Name).ToArray();
        Assert.True(missing.Length == 0,
            $"Ops with no case in Fixtures/ops.json (add one to ops.py and rerun it, or exclude the op here with the reason): {string.Join(", ", missing)}");
        var stale = Excluded.Keys.Where(o => covered.Contains(o.Name) || !Op.All.Contains(o)).Select(o => o.Name).ToArray();
        Assert.True(stale.Length == 0, "Excluded ops that have a case or are not in the registry: " + string.Join(", ", stale));
        // Every op with a derivative has a case that checks it.
        var withVjp = All.Where(c => c.GetProperty("diff").GetArrayLength() > 0).Select(c => c.GetProperty("op").GetString()!).ToHashSet();
        var noVjp = Op.All.Where(o => !Excluded.ContainsKey(o) && !NoDerivative.ContainsKey(o) && !withVjp.Contains(o.Name)).Select(o => o.Name).ToArray();
        Assert.True(noVjp.Length == 0, "Ops whose fixture cases check no VJP: " + string.Join(", ", noVjp));
        Assert.Equal(Op.All.Length, covered.Count + Excluded.Count);
    }

    [Fact]
    public void Leaves_have_their_hand_derived_values()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 2));
        var w = g.Param("w", Shape.Of(2));
        var k = g.Const(new[] { 1.5, -0.25 }, Shape.Of(2), DType.F64);
        var c = g.Const(-3.0, DType.F64);
        var b = g.BatchSize(DType.F64);
        var seed = g.Input("seed", Shape.Of(Shape.Batch, 2));
        var grads = Autodiff.Vjp(new[] { x }, new[] { seed }, new[] { x, w });
        var f = new Function(g, ("x", x), ("w", w), ("k", k), ("c", c), ("b", b), ("dx", grads[0]), ("dw", grads[1]));
        var bindings = new Dictionary<string, Tensor>
        {
            ["x"] = new(new[] { 3, 2 }, new[] { 1.0, 2, 3, 4, 5, 6 }),
            ["w"] = new(new[] { 2 }, new[] { 0.5, -0.5 }),
            ["seed"] = new(new[] { 3, 2 }, new[] { -1.0, 0.25, 2, 0, 7, -3 }),
        };
        var r = Interpreter.Run(f, bindings, DType.F64, batch: 3);
        Assert.Equal(new[] { 1.0, 2, 3, 4, 5, 6 }, r["x"].Data);       // an input is its binding
        Assert.Equal(new[] { 0.5, -0.5 }, r["w"].Data);               // a parameter is its binding
        Assert.Equal(new[] { 1.5, -0.25 }, r["k"].Data);              // a tensor constant is its data
        Assert.Equal(new[] { -3.0 }, r["c"].Data);                    // a scalar constant is its value
        Assert.Equal(new[] { 3.0 }, r["b"].Data);                     // the batch size is the run-time batch
        Assert.Equal(new[] { -1.0, 0.25, 2, 0, 7, -3 }, r["dx"].Data); // d x / d x applied to a seed is the seed
        Assert.Equal(new[] { 0.0, 0.0 }, r["dw"].Data);               // x does not depend on w
    }
}
