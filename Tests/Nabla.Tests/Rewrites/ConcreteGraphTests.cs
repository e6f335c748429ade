using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Xunit;

namespace Nabla.Tests.Rewrites;

/// <summary>The optimizer on graphs with known answers: shared subexpressions, and the training step of an MLP.</summary>
public class ConcreteGraphTests
{
    private static Tensor Random(Random rng, params int[] shape)
    {
        var data = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = rng.NextDouble() * 2 - 1;
        return new Tensor(shape, data);
    }

    [Fact]
    public void Shared_subexpressions_of_a_function_and_its_gradient_are_computed_once()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch, 4));
        var y = g.Input("y", Shape.Of(Shape.Batch, 4));
        // Built without sharing: each x*y and exp is a separate call.
        var z = F.Exp(x * y) + F.Exp(x * y) * F.Sin(x * y);
        var grads = Autodiff.Vjp(new[] { z }, new[] { F.Fill(g, 1, z.Shape, DType.F64) }, new[] { x, y });
        var f = new Function(g, ("z", z), ("d/dx", grads[0]), ("d/dy", grads[1]));

        var (opt, report) = Pipeline.Optimize(f, RewriteChecks.Strict());

        int products = opt.Nodes().Count(n => n.Op == Op.Mul && n.Inputs.All(i => i.Op == Op.Input)
                                             && n.Inputs.Select(i => i.Name).OrderBy(s => s).SequenceEqual(new[] { "x", "y" }));
        Assert.Equal(1, products);
        Assert.Equal(1, RewriteChecks.Count(opt, Op.Exp));
        Assert.Equal(1, RewriteChecks.Count(opt, Op.Sin));
        Assert.Equal(1, RewriteChecks.Count(opt, Op.Cos));
        var rng = new Random(1);
        var at = new Dictionary<string, Tensor> { ["x"] = Random(rng, 3, 4), ["y"] = Random(rng, 3, 4) };
        RewriteChecks.SameResults(f, opt, at, 3);
        // By hand: dz/dx = y·e^{xy}(1 + sin xy + cos xy).
        var r = Interpreter.Run(opt, at);
        for (int i = 0; i < 12; i++)
        {
            double xv = at["x"].Data[i], yv = at["y"].Data[i], p = xv * yv;
            Assert.Equal(yv * Math.Exp(p) * (1 + Math.Sin(p) + Math.Cos(p)), r["d/dx"].Data[i], 12);
        }
        Assert.True(report.Passes.Count >= 5);
    }

    /// <summary>The training step of a 40-100-100-10 ReLU MLP with softmax cross-entropy and SGD, built directly with F.</summary>
    internal static (Function Step, Node Logits) Mlp(bool logOfSoftmax, DType type = DType.F64)
    {
        var g = new Graph(type);
        var x = g.Input("x", Shape.Of(Shape.Batch, 40));
        var t = g.Input("t", Shape.Of(Shape.Batch, 10));
        int[] widths = { 40, 100, 100, 10 };
        var parameters = new List<Node>();
        Node h = x;
        Node logits = x;
        for (int l = 0; l < 3; l++)
        {
            var w = g.Param($"{2 * l}.weight", Shape.Of(widths[l + 1], widths[l]));
            var b = g.Param($"{2 * l}.bias", Shape.Of(widths[l + 1]));
            parameters.Add(w); parameters.Add(b);
            var z = F.MatMul(h, F.T(w)) + b;
            if (l < 2) h = F.Relu(z); else logits = z;
        }
        var logp = logOfSoftmax ? F.Log(F.Softmax(logits)) : F.LogSoftmax(logits);
        var loss = F.Mean(-F.Sum(t * logp, 1));
        var grads = Autodiff.Grad(loss, parameters.Append(logits).ToArray());
        var updates = parameters.Select((p, i) => new Named(p.Name!, p - grads[i] * 0.1));
        var outs = new[] { new Named("loss", loss), new Named("dlogits", grads[parameters.Count]) };
        return (new Function(g, outs, updates), logits);
    }

    private static Dictionary<string, Tensor> MlpValues(Function f, int batch)
    {
        var rng = new Random(7);
        var values = f.Params().ToDictionary(p => p.Name!, p => Random(rng, p.Shape.Concrete(batch)));
        values["x"] = Random(rng, batch, 40);
        var t = new double[batch * 10];
        for (int i = 0; i < batch; i++) t[i * 10 + rng.Next(10)] = 1;
        values["t"] = new Tensor(new[] { batch, 10 }, t);
        return values;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Mlp_training_step_is_stable_and_its_logit_gradient_is_softmax_minus_target(bool logOfSoftmax)
    {
        var (step, _) = Mlp(logOfSoftmax);
        var (opt, report) = Pipeline.Optimize(step, RewriteChecks.Strict());

        var nodes = opt.Nodes();
        Assert.DoesNotContain(nodes, n => n.Op == Op.Log && n.A.Op == Op.Softmax);
        Assert.DoesNotContain(nodes, n => n.Op == Op.Mul && n.Inputs.Any(i => i.IsConstValue(1)));
        Assert.DoesNotContain(nodes, n => n.Op == Op.Log || n.Op == Op.Exp);
        // One softmax and one log_softmax of the logits: the shift by the maximum is never computed twice.
        Assert.Equal(1, RewriteChecks.Count(opt, Op.Softmax));
        Assert.Equal(1, RewriteChecks.Count(opt, Op.LogSoftmax));

        // dlogits = (softmax(z)·Σt − t) / B: no exp/log chain, no division by the softmax.
        var d = opt["dlogits"];
        Assert.Equal(Op.Div, d.Op);
        Assert.Equal(Op.BatchSize, d.B.Op);
        var diff = d.A;
        Assert.Equal(Op.Sub, diff.Op);
        Assert.Equal("t", diff.B.Name);
        Assert.Equal(Op.Mul, diff.A.Op);
        var softmax = diff.A.Inputs.Single(i => i.Op == Op.Softmax);
        var sumT = diff.A.Inputs.Single(i => i.Op == Op.Sum);
        Assert.Equal("t", sumT.A.Name);
        Assert.Equal(new[] { 1 }, sumT.Attr<AxesAttrs>().Axes);
        Assert.True(sumT.Attr<AxesAttrs>().KeepDims);
        Assert.Equal(Op.Add, softmax.A.Op); // the logits x·W3ᵀ + b3
        Assert.Same(softmax.A, opt.Nodes().Single(n => n.Op == Op.LogSoftmax).A);

        var values = MlpValues(step, 5);
        RewriteChecks.SameResults(step, opt, values, 5);
        foreach (var u in step.Updates)
        {
            var before = Interpreter.Run(step, values, batch: 5).Updates[u.Name];
            var after = Interpreter.Run(opt, values, batch: 5).Updates[u.Name];
            for (int i = 0; i < before.Size; i++) Assert.Equal(before.Data[i], after.Data[i], 10);
        }
        Assert.True(report.Passes.Last(p => p.Pass == Pipeline.Cleanup).NodesAfter < report.Passes.First().NodesBefore);
    }

    [Fact]
    public void Mlp_logit_gradient_matches_the_formula_by_hand()
    {
        var (step, logits) = Mlp(logOfSoftmax: false);
        var opt = Pipeline.Optimize(step).Function;
        var values = MlpValues(step, 4);
        var z = Interpreter.Evaluate(new[] { logits }, values, batch: 4)[logits];
        var d = Interpreter.Run(opt, values, batch: 4)["dlogits"];
        var t = values["t"];
        for (int b = 0; b < 4; b++)
        {
            double max = Enumerable.Range(0, 10).Max(j => z.Data[b * 10 + j]);
            double sum = Enumerable.Range(0, 10).Sum(j => Math.Exp(z.Data[b * 10 + j] - max));
            for (int j = 0; j < 10; j++)
            {
                double p = Math.Exp(z.Data[b * 10 + j] - max) / sum;
                Assert.Equal((p - t.Data[b * 10 + j]) / 4, d.Data[b * 10 + j], 12);
            }
        }
    }

    [Fact]
    public void Optimize_reports_node_and_op_counts_per_pass()
    {
        var (step, _) = Mlp(logOfSoftmax: true);
        var (opt, report) = Pipeline.Optimize(step);
        Assert.Equal(Pipeline.Inline, report.Passes[0].Pass); // no custom op: it changes nothing
        Assert.Equal(Pipeline.Merge, report.Passes[1].Pass);
        Assert.Equal(step.Nodes().Count, report.Passes[1].NodesBefore);
        Assert.Equal(opt.Nodes().Count, report.Passes.Last(p => p.Pass == Pipeline.Cleanup).NodesAfter);
        Assert.Equal(opt.Nodes().Count(n => n.Op == Op.Softmax), report.Passes.Last(p => p.Pass == Pipeline.Cleanup).OpsAfter["softmax"]);
        Assert.Equal(1, report.Passes[0].OpsBefore["log"]);
        var stabilize = report.Passes.First(p => p.Pass == Pipeline.Stabilize);
        Assert.Equal(1, stabilize.Rules.Fired["log(softmax(x)) → log_softmax(x)"]);
        // The last entry is the confirming round's canonicalization, which gave back the stabilized graph of round 1.
        Assert.Equal(Pipeline.Canonicalize, report.Passes.Last().Pass);
        Assert.Equal(2, report.Passes.Last().Round);
        var text = report.ToString();
        foreach (var name in new[] { "merge", "canonicalize", "stabilize", "specialize", "cleanup", "softmax", "matmul" })
            Assert.Contains(name, text);
        // A second optimization finds nothing to do: one round, which changes nothing.
        var (again, report2) = Pipeline.Optimize(opt);
        Assert.Equal(Printer.Print(opt), Printer.Print(again));
        Assert.Equal(6, report2.Passes.Count);
    }
}
