using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>The shared random-graph and MLP generators do what their docs promise.</summary>
public class RandomGraphsTests
{
    [Fact]
    public void A_recipe_always_builds_the_same_case()
    {
        Check.One(PropertyConfig.With(50), Prop.ForAll(RandomGraphs.Arb(), c =>
        {
            var again = RandomGraphs.Build(c.Recipe, c.Options);
            Assert.Equal(c.ToString(), again.ToString());
        }));
    }

    [Fact]
    public void Cases_keep_their_margins_sizes_and_bindings()
    {
        Check.One(PropertyConfig.With(PropertyConfig.Cases), Prop.ForAll(RandomGraphs.Arb(), c =>
        {
            Assert.Empty(Margins.Violations(c));
            Assert.All(c.Function.Nodes(), n => Assert.True(n.Shape.Size(c.Batch) <= c.Options.MaxElements, Printer.Line(n)));
            var leaves = c.Variables.Select(n => n.Name!).OrderBy(s => s, StringComparer.Ordinal);
            Assert.Equal(leaves, c.Bindings.Keys.OrderBy(s => s, StringComparer.Ordinal));
            Assert.All(c.Function.Nodes(), n => Assert.Equal(n.DType == DType.I32 ? DType.I32 : c.Options.DType, n.DType)); // i32: index constants of gather, one_hot, cast
        }));
    }

    // Recipes drawn by seeded System.Random that once built a node over the limit: the op's result fitted but an operand
    // it made did not (the builder checked only the result).
    [Theory]
    [InlineData(3848)] // im2col's own image leaf [B,2,3,3] at batch 3: 54 elements
    [InlineData(9778)] // matmul's right operand [7,3,3] after a concat lengthened the leading axis to 7: 63 elements
    public void The_operands_an_op_makes_fit_the_element_limit_too(int seed)
    {
        var rng = new Random(seed);
        var recipe = Enumerable.Range(0, RandomGraphs.RecipeLength).Select(_ => rng.Next(0, 10000)).ToArray();
        var c = RandomGraphs.Build(recipe);
        Assert.All(c.Function.Nodes(), n => Assert.True(n.Shape.Size(c.Batch) <= c.Options.MaxElements, Printer.Line(n)));
        Assert.Empty(Margins.Violations(c));
    }

    [Fact]
    public void Cases_cover_the_batch_dimension_broadcasting_and_both_leaf_kinds()
    {
        var cases = RandomGraphs.Sample(300, seed: 1);
        Assert.Contains(cases, c => c.Function.Nodes().Any(n => n.Shape.HasBatch) && c.Batch > 1);
        Assert.Contains(cases, c => c.Function.Nodes().Any(n => n.Op.Arity == 2 && n.Op.Kind == OpKind.Elementwise && !n.A.Shape.Equals(n.B.Shape)));
        Assert.Contains(cases, c => c.Function.Nodes().Any(n => n.Op == Op.Param));
        Assert.Contains(cases, c => c.Function.Nodes().Any(n => n.Op == Op.MatMul && n.Shape.Rank > 2));
        Assert.Contains(cases, c => c.Function.Nodes().Count >= 10);
    }

    [Fact]
    public void Options_restrict_ops_and_type()
    {
        var o = new GraphOptions { Ops = GraphOptions.SmoothOps, DType = DType.F32, UseBatch = false };
        foreach (var c in RandomGraphs.Sample(100, seed: 2, o))
        {
            Assert.All(c.OpsUsed, op => Assert.False(RandomGraphs.IsKinked(op), op.Name));
            Assert.All(c.Function.Nodes(), n => { Assert.Equal(n.DType == DType.I32 ? DType.I32 : DType.F32, n.DType); Assert.False(n.Shape.HasBatch); }); // i32: index constants
        }
    }

    [Fact]
    public void A_failing_property_reports_a_small_shrunk_graph_in_printer_form()
    {
        var e = Assert.ThrowsAny<Exception>(() => Check.One(PropertyConfig.With(200),
            Prop.ForAll(RandomGraphs.Arb(), c => !c.OpsUsed.Contains(Op.Softmax))));
        var msg = e.Message;
        int shrunk = msg.IndexOf("Shrunk", StringComparison.Ordinal);
        Assert.True(shrunk >= 0, msg);
        var tail = msg.Substring(shrunk);
        Assert.Contains("softmax(", tail);
        Assert.Contains("return y = %", tail);
        Assert.Contains("batch = ", tail);
        int original = msg.IndexOf("Original", StringComparison.Ordinal);
        Assert.True(original >= 0 && original < shrunk, msg);
        static int NodeLines(string s) => s.Split('\n').Count(l => l.TrimStart().StartsWith("%", StringComparison.Ordinal));
        int before = NodeLines(msg.Substring(original, shrunk - original)), after = NodeLines(tail);
        Assert.InRange(after, 2, Math.Max(2, Math.Min(before, 10))); // usually just an input and the softmax
    }

    [Fact]
    public void Mlp_cases_compute_the_cross_entropy_and_its_gradient()
    {
        var o = new MlpOptions { DType = DType.F64 };
        Check.One(PropertyConfig.With(30), Prop.ForAll(RandomMlp.Arb(o), c =>
        {
            var r = Interpreter.Run(c.Step, c.Bindings);
            // The loss by hand: forward pass in plain loops, then mean over the batch of −log softmax at the target.
            var act = c.Bindings["x"].Data;
            for (int l = 0; l < c.Sizes.Length - 1; l++)
            {
                int fin = c.Sizes[l], fout = c.Sizes[l + 1];
                var w = c.Bindings[$"{2 * l}.weight"].Data; var b = c.Bindings[$"{2 * l}.bias"].Data;
                var next = new double[c.Batch * fout];
                for (int n = 0; n < c.Batch; n++)
                    for (int j = 0; j < fout; j++)
                    {
                        double s = b[j];
                        for (int k = 0; k < fin; k++) s += act[n * fin + k] * w[j * fin + k];
                        bool last = l == c.Sizes.Length - 2;
                        next[n * fout + j] = last ? s : c.Activation == "relu" ? Math.Max(0, s) : Math.Tanh(s);
                    }
                act = next;
            }
            int classes = c.Sizes[^1];
            double loss = 0;
            for (int n = 0; n < c.Batch; n++)
            {
                var row = act.Skip(n * classes).Take(classes).ToArray();
                double lse = Math.Log(row.Sum(Math.Exp));
                int target = Array.IndexOf(c.Bindings["t"].Data, 1.0, n * classes, classes) - n * classes;
                loss += lse - row[target];
            }
            Assert.Equal(loss / c.Batch, r["loss"].Value, 1e-12);
            // Gradients against central differences, and the SGD update.
            var lossNode = c.Step["loss"];
            var b2 = c.Bindings.ToDictionary(kv => kv.Key, kv => new Tensor(kv.Value.Shape, (double[])kv.Value.Data.Clone()));
            foreach (var p in c.ParamNames)
            {
                var g = r["d/d" + p];
                for (int i = 0; i < g.Size; i++)
                {
                    double fd = GradCheck.Central(lossNode, b2, c.Batch, p, i, 1e-6);
                    Assert.True(GradCheck.Error(fd, g.Data[i]) < 1e-6, $"d/d{p}[{i}]: {g.Data[i]} vs {fd}");
                    Assert.Equal(c.Bindings[p].Data[i] - c.LearningRate * g.Data[i], r.Updates[p].Data[i], 1e-12);
                }
            }
        }));
    }
}
