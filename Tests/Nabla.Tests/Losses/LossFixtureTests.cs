using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Nabla.Backends.CSharp;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Dsl;
using Xunit;

namespace Nabla.Tests.Losses;

/// <summary>
/// The losses L1, Huber, cross-entropy with label smoothing and class weights, BCE with posWeight, triplet margin,
/// in-batch InfoNCE and the contrastive margin loss against PyTorch (Fixtures/losses.py → losses.json, float64): the
/// value and the gradient for both reductions, then the gradient against central differences, then every value and
/// gradient compiled by both backends against the interpreter.
/// </summary>
public class LossFixtureTests
{
    private static readonly JsonElement Data = Fixtures.Load("losses.json");

    public static IEnumerable<object[]> Cases() => Data.GetProperty("cases").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) => Data.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("name").GetString() == name);

    /// <summary>The Nabla loss of a fixture case (Loss or JointLoss) and the order of its inputs.</summary>
    private static (Loss Loss, string[] Inputs) Make(JsonElement c)
    {
        var p = c.GetProperty("params");
        switch (c.GetProperty("loss").GetString())
        {
            case "L1": return (Loss.L1(), new[] { "y", "t" });
            case "Huber": return (Loss.Huber(p.GetProperty("delta").GetDouble()), new[] { "y", "t" });
            case "SoftmaxCrossEntropy":
                var targets = p.GetProperty("targets").GetString() == "indices" ? ClassTargets.Indices : ClassTargets.Probabilities;
                return (Loss.SoftmaxCrossEntropy(targets, p.GetProperty("smoothing").GetDouble(), Fixtures.Doubles(p.GetProperty("weights"))), new[] { "z", "t" });
            case "BinaryCrossEntropyWithLogits":
                var pw = Fixtures.Doubles(p.GetProperty("posWeight"))!;
                return (pw.Length == 1 ? Loss.BinaryCrossEntropyWithLogits(pw[0]) : Loss.BinaryCrossEntropyWithLogits(pw), new[] { "z", "t" });
            case "TripletMargin": return (Loss.TripletMargin(p.GetProperty("margin").GetDouble()), new[] { "a", "p", "n" });
            case "InfoNceInBatch": return (Loss.InfoNceInBatch(p.GetProperty("temperature").GetDouble(), p.GetProperty("symmetric").GetBoolean()), new[] { "q", "k" });
            case "ContrastiveMargin": return (Loss.ContrastiveMargin(p.GetProperty("margin").GetDouble()), new[] { "a", "b", "y" });
            default: throw new ArgumentException($"Unknown loss in the fixture: {c.GetProperty("loss")}");
        }
    }

    /// <summary>The loss applied to input nodes in the fixture's order (a joint loss takes its outputs first, then the target).</summary>
    private static Node Apply(Loss loss, Node[] ins, Reduction r) => loss switch
    {
        JointLoss j => j.Apply(ins.Take(j.Arity).ToArray(), j.HasTarget ? ins[j.Arity] : null, r),
        _ => loss.Apply(ins[0], ins[1], r),
    };

    /// <summary>The case's inputs with the batch axis symbolic, as the training graph has them.</summary>
    private static (Tensor[] Values, Shape[] Shapes) Inputs(JsonElement c, string[] names)
    {
        var values = names.Select(n => Fixtures.Tensor(c.GetProperty("inputs").GetProperty(n))).ToArray();
        var shapes = values.Select(v => new Shape(new[] { Shape.Batch }.Concat(v.Shape.Skip(1)).ToArray())).ToArray();
        return (values, shapes);
    }

    private static string[] Differentiated(JsonElement c) => c.GetProperty("grad_mean").EnumerateObject().Select(p => p.Name).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Value_and_gradient_match_PyTorch(string name)
    {
        var c = Case(name);
        var (loss, names) = Make(c);
        var (values, shapes) = Inputs(c, names);
        foreach (var (r, key) in new[] { (Reduction.Mean, "mean"), (Reduction.Sum, "sum") })
        {
            var g = new Graph(DType.F64);
            var ins = names.Select((n, i) => g.Input(n, shapes[i])).ToArray();
            var value = Apply(loss, ins, r);
            var wrt = Differentiated(c);
            var grads = Autodiff.Grad(value, wrt.Select(n => ins[Array.IndexOf(names, n)]).ToArray());
            var bind = names.Select((n, i) => (n, values[i])).ToDictionary(x => x.n, x => x.Item2);
            var got = Interpreter.Evaluate(grads.Prepend(value).ToArray(), bind);
            // Nabla's Sum adds per-example losses, each the mean over the example's elements; PyTorch's adds elements.
            double scale = r == Reduction.Sum && c.GetProperty("params").TryGetProperty("elements_per_example", out var per) ? 1.0 / per.GetInt32() : 1;
            // InfoNCE: Nabla normalizes by √(‖v‖² + 1e-12), PyTorch by max(‖v‖, 1e-12), a relative difference ~1e-12.
            double tol = name.StartsWith("infonce", StringComparison.Ordinal) ? 1e-10 : 1e-12;
            Oracle.Close(scale * c.GetProperty(key).GetDouble(), got[value].Value, tol);
            for (int k = 0; k < wrt.Length; k++)
            {
                var want = Fixtures.Tensor(c.GetProperty("grad_" + key).GetProperty(wrt[k]));
                Assert.Equal(want.Shape, got[grads[k]].Shape);
                for (int e = 0; e < want.Size; e++)
                    Assert.True(Math.Abs(scale * want.Data[e] - got[grads[k]].Data[e]) <= tol * Math.Max(1, Math.Abs(want.Data[e])),
                        $"{name} ({key}): d/d{wrt[k]}[{e}] is {got[grads[k]].Data[e]:R}, PyTorch {scale * want.Data[e]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Vjp_agrees_with_central_differences_in_float64(string name)
    {
        var c = Case(name);
        var (loss, names) = Make(c);
        var (values, shapes) = Inputs(c, names);
        var wrt = Differentiated(c).Select(n => Array.IndexOf(names, n)).ToArray();
        foreach (var r in new[] { Reduction.Mean, Reduction.Sum })
        {
            double err = Oracle.GradError(a => Apply(loss, a, r), shapes, values, wrt);
            Assert.True(err < 1e-7, $"{name} ({r}): relative gradient error {err:E2}");
        }
    }

    /// <summary>
    /// Every case in one function of fixed shapes (outputs: each loss and its gradients for both reductions), compiled
    /// once per backend and compared with the interpreter.
    /// </summary>
    [Fact]
    public void Both_backends_agree_with_the_interpreter_on_every_loss_and_gradient()
    {
        var g = new Graph(DType.F64);
        var outputs = new List<Named>();
        var bind = new Dictionary<string, Tensor>();
        foreach (var c in Data.GetProperty("cases").EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            var (loss, names) = Make(c);
            var (values, _) = Inputs(c, names);
            var ins = names.Select((n, i) => g.Input($"{name}_{n}", new Shape(values[i].Shape))).ToArray();
            for (int i = 0; i < names.Length; i++) bind[$"{name}_{names[i]}"] = values[i];
            foreach (var r in new[] { Reduction.Mean, Reduction.Sum })
            {
                var value = Apply(loss, ins, r);
                outputs.Add(new Named($"{name}_{r}", value));
                var wrt = Differentiated(c);
                var grads = Autodiff.Grad(value, wrt.Select(n => ins[Array.IndexOf(names, n)]).ToArray());
                for (int k = 0; k < wrt.Length; k++) outputs.Add(new Named($"{name}_{r}_d{wrt[k]}", grads[k]));
            }
        }
        var f = new Function(g, outputs);
        var want = Interpreter.Run(f, bind);
        var (optimized, schedule, _) = Pipeline.Compile(f);
        var plan = new ModelPlan("Losses", new[] { ("Eval", schedule) });
        var roslyn = (CompiledModel<double>)Activator.CreateInstance(RoslynCompiler.Compile(CSharpEmitter.Emit(plan, new EmitOptions { Namespace = "Nabla.Tests.Losses" })).GetType("Nabla.Tests.Losses.Losses")!)!;
        Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(roslyn, 0, bind, 1), 1e-12));
        Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(ExpressionBackend.Compile<double>(plan), 0, bind, 1), 1e-12));
        // And the interpreter's values are PyTorch's (the first test checks the same through the symbolic batch).
        foreach (var c in Data.GetProperty("cases").EnumerateArray())
            Oracle.Close(c.GetProperty("mean").GetDouble(), want[$"{c.GetProperty("name").GetString()}_Mean"].Value, 1e-10);
    }
}

/// <summary>
/// Cross-entropy with label smoothing and class weights takes i32 class indices too
/// (<see cref="ClassTargets.IntegerIndices"/>): the fixture's index cases give PyTorch's value and logit gradient.
/// </summary>
public class SmoothedCrossEntropyIntegerTargetTests
{
    private static readonly JsonElement Data = Fixtures.Load("losses.json");

    public static IEnumerable<object[]> IndexCases() => Data.GetProperty("cases").EnumerateArray()
        .Where(c => c.GetProperty("loss").GetString() == "SoftmaxCrossEntropy" && c.GetProperty("params").GetProperty("targets").GetString() == "indices")
        .Select(c => new object[] { c.GetProperty("name").GetString()! });

    [Theory]
    [MemberData(nameof(IndexCases))]
    public void Integer_class_indices_give_PyTorchs_value_and_gradient(string name)
    {
        var c = Data.GetProperty("cases").EnumerateArray().First(x => x.GetProperty("name").GetString() == name);
        var p = c.GetProperty("params");
        var loss = Loss.SoftmaxCrossEntropy(ClassTargets.IntegerIndices, p.GetProperty("smoothing").GetDouble(), Fixtures.Doubles(p.GetProperty("weights")));
        var z = Fixtures.Tensor(c.GetProperty("inputs").GetProperty("z"));
        var t = Fixtures.Tensor(c.GetProperty("inputs").GetProperty("t"));
        foreach (var (r, key) in new[] { (Reduction.Mean, "mean"), (Reduction.Sum, "sum") })
        {
            var g = new Graph(DType.F64);
            var zi = g.Input("z", new Shape(new[] { Shape.Batch }.Concat(z.Shape.Skip(1)).ToArray()));
            var ti = g.Input("t", Shape.Of(Shape.Batch), DType.I32);
            var value = loss.Apply(zi, ti, r);
            var grad = Autodiff.Grad(value, new[] { zi })[0];
            var got = Interpreter.Evaluate(new[] { value, grad }, new Dictionary<string, Tensor> { ["z"] = z, ["t"] = t });
            Oracle.Close(c.GetProperty(key).GetDouble(), got[value].Value, 1e-12);
            var want = Fixtures.Tensor(c.GetProperty("grad_" + key).GetProperty("z"));
            for (int e = 0; e < want.Size; e++)
                Assert.True(Math.Abs(want.Data[e] - got[grad].Data[e]) <= 1e-12 * Math.Max(1, Math.Abs(want.Data[e])), $"{name} ({key}): dz[{e}]");
        }
        var wrong = new Graph(DType.F64);
        var ex = Assert.ThrowsAny<ArgumentException>(() => loss.Apply(wrong.Input("z", Shape.Of(Shape.Batch, z.Shape[1])), wrong.Input("t", Shape.Of(Shape.Batch))));
        Assert.Contains("i32", ex.Message);
    }
}
