using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Nabla.Backends.Expressions;
using Nabla.Cli;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Tests.Cli;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>
/// Deep nesting (issue 17 #2, #3): nothing from the parser to the Expressions backend recurses on the depth of a graph.
/// Each check runs on a thread with a 256 KB stack, where recursion 10,000 levels deep cannot fit (it would need at
/// least 26 bytes a level; real frames are several times that), so a recursive stage would end the test run.
/// </summary>
public class DeepGraphTests
{
    private const int Depth = 10_000;

    private static void OnSmallStack(Action body)
    {
        Exception? error = null;
        var t = new Thread(() => { try { body(); } catch (Exception e) { error = e; } }, 256 * 1024);
        t.Start();
        t.Join();
        if (error is not null) throw new Exception("on a 256 KB stack: " + error.Message, error);
    }

    // sin applied `depth` times to x, and its derivative ∏ cos(sin^k(x)), in double.
    private static (double Value, double Slope) SinChain(double x, int depth)
    {
        double v = x, d = 1;
        for (int k = 0; k < depth; k++) { d *= Math.Cos(v); v = Math.Sin(v); }
        return (v, d);
    }

    [Fact]
    public void A_formula_nested_100000_deep_parses_on_a_small_stack()
    {
        const int n = 100_000;
        OnSmallStack(() =>
        {
            var g = new Graph(DType.F64);
            var (root, vars) = ExpressionParser.Parse(string.Concat(Enumerable.Repeat("sin(", n)) + "x" + new string(')', n), g);
            Assert.Equal("x", Assert.Single(vars).Name);
            var f = new Function(g, ("f", root));
            Assert.Equal(n + 1, f.Nodes().Count);
            var want = SinChain(0.9, n).Value;
            Assert.Equal(want, Interpreter.Run(f, new Dictionary<string, Tensor> { ["x"] = Tensor.Scalar(0.9) }, DType.F64)["f"].Value, 12);

            // Parentheses, prefix minus and a right-associative power tower nest as deep.
            var (paren, _) = ExpressionParser.Parse(new string('(', n) + "x" + new string(')', n), new Graph(DType.F64));
            Assert.Equal(Op.Input, paren.Op);
            var g2 = new Graph(DType.F64);
            var (neg, _) = ExpressionParser.Parse(new string('-', n - 1) + "x", g2);
            Assert.Equal(Op.Neg, neg.Op);
            var (tower, _) = ExpressionParser.Parse(string.Join("^", Enumerable.Repeat("x", n)), new Graph(DType.F64));
            Assert.Equal(Op.Pow, tower.Op);
            Assert.Equal(Op.Input, tower.A.Op); // x^(x^(...)): the left operand is x itself
        });
    }

    [Fact]
    public void Autodiff_interpreter_rewrites_scheduler_and_expressions_backend_take_a_chain_10000_deep()
    {
        OnSmallStack(() =>
        {
            var g = new Graph(DType.F64);
            var x = g.Input("x", Shape.Scalar, DType.F64);
            Node y = x;
            for (int i = 0; i < Depth; i++) y = F.Sin(y);
            var grad = Autodiff.Grad(new Function(g, ("f", y)), "f", "x");
            var (value, slope) = SinChain(0.9, Depth);
            var bind = new Dictionary<string, Tensor> { ["x"] = Tensor.Scalar(0.9) };
            var interpreted = Interpreter.Run(grad, bind, DType.F64);
            Assert.Equal(value, interpreted["value"].Value, 12);
            Assert.Equal(1, interpreted["d/dx"].Value / slope, 10);

            var (optimized, _) = Pipeline.Optimize(grad);
            var schedule = Scheduler.Build(optimized);
            // 30,000 elementwise nodes (sin, cos, the product) are cut into loops of at most MaxLoopMembers: one loop
            // would need a local per node, beyond what a method may hold.
            var loops = schedule.Kernels.OfType<ElementwiseKernel>().ToList();
            Assert.InRange(loops.Count, 3 * Depth / ScheduleBuilder.MaxLoopMembers, 3 * Depth / ScheduleBuilder.MaxLoopMembers + 6);
            Assert.All(loops, k => Assert.True(k.Body.Instrs.Count <= 3 * ScheduleBuilder.MaxLoopMembers, $"a loop of {k.Body.Instrs.Count} instructions"));
            var scheduled = ScheduleInterpreter.Run(schedule, bind);
            Assert.Equal(1, scheduled.Outputs["d/dx"].Value / slope, 10);

            var model = ExpressionBackend.Compile<double>(new ModelPlan("Deep", new[] { ("Eval", schedule) }));
            var got = Backends.CSharp.CompiledRunner.Run(model, 0, bind, 1);
            Assert.Equal(value, got.Outputs["value"].Data[0], 12);
            Assert.Equal(1, got.Outputs["d/dx"].Data[0] / slope, 10);

            // The printer writes the derivative's shared chain once: the text grows linearly with the depth.
            var text = Printer.Infix(optimized["d/dx"]);
            Assert.Contains(" where %1 = ", text);
            Assert.InRange(text.Length, Depth, 40 * Depth);
            Assert.InRange(Printer.Print(optimized).Length, Depth, 100 * 3 * Depth);
        });
    }

    [Fact]
    public void Infix_writes_a_shared_subexpression_once_and_short_ones_at_each_use()
    {
        var g = new Graph(DType.F64);
        Node a = g.Input("a", Shape.Scalar), b = g.Input("b", Shape.Scalar);
        var s = F.Sin(F.Sin(a));
        Assert.Equal("%1*cos(%1) where %1 = sin(sin(a))", Printer.Infix(s * F.Cos(s)));
        var p = a * b; // an op of leaves is short: written at each use
        Assert.Equal("exp(a*b) + a*b", Printer.Infix(F.Exp(p) + p));
        var t = F.Exp(s);
        Assert.Equal("%2 - %1/%2 where %1 = sin(sin(a)), %2 = exp(%1)", Printer.Infix(t - s / t));
        Assert.Equal("-(%1 + %1) where %1 = exp(a + b)", Printer.Infix(-(F.Exp(a + b) + F.Exp(a + b))));

        // Bindings are numbered by structure, not by node ids: the same formula built in another order prints equally.
        var h = new Graph(DType.F64);
        Node hb = h.Input("b", Shape.Scalar), ha = h.Input("a", Shape.Scalar);
        var ht = F.Exp(F.Sin(F.Sin(ha)));
        var hs = F.Sin(F.Sin(ha));
        Assert.Equal(Printer.Infix(t - s / t), Printer.Infix(ht - hs / ht));
        _ = hb;
    }

    [Fact]
    public void The_cli_differentiates_and_shows_a_formula_nested_9000_deep()
    {
        // The robustness review's case: exit 134 and 8,400 lines of stack before.
        const int n = 9000;
        var expr = string.Concat(Enumerable.Repeat("sin(", n)) + "x" + new string(')', n);
        var (code, stdout, stderr) = CliRun.Run("grad", expr, "--at", "x=1", "--show");
        Assert.True(code == 0, stderr);
        var (value, slope) = SinChain(1, n);
        Assert.Equal(value, CliRun.Value(stdout, "value"), 12);
        Assert.Equal(1, CliRun.Value(stdout, "d/dx") / slope, 10);
        // --show was quadratic in the depth (2.5 MB at 1,000 deep); with bindings it is linear.
        var shown = stdout.Split('\n').Single(l => l.StartsWith("  d/dx = ", StringComparison.Ordinal));
        Assert.Contains(" where ", shown);
        Assert.InRange(shown.Length, n, 40 * n);

        var (irCode, irOut, irErr) = CliRun.Run("ir", expr, "--grad");
        Assert.True(irCode == 0, irErr);
        Assert.Contains("kernels: ", irOut);
    }
}
