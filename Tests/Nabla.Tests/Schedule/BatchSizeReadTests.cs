using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Rewrites;
using Xunit;

namespace Nabla.Tests.Schedule;

/// <summary>
/// The batch size read from memory rather than as a loop instruction: the rewrites turn the gradient of
/// sum(broadcast(s) [B]) into reshape(batch_size) [1], a view of the batch size that a loop loads. The scheduler gave it
/// no buffer ("no buffer for batch_size"; found by the random-graph pipeline property); it now stores it with a
/// one-element loop, and the interpreter, the schedule interpreter and both backends agree.
/// </summary>
public class BatchSizeReadTests
{
    private static void RunsAlike(Function f, Nabla.Rewrites.Schedule.Schedule schedule, Dictionary<string, Tensor> bind, string name)
    {
        Verifier.CheckSchedule("test", schedule);
        foreach (int batch in new[] { 1, 3 })
        {
            var input = bind.ToDictionary(kv => kv.Key, kv => new Tensor(new[] { batch }, Enumerable.Range(0, batch).Select(i => kv.Value.Data[i]).ToArray()));
            var want = Interpreter.Run(f, input, DType.F64, batch);
            Assert.Null(CompiledRunner.Compare(want, ScheduleInterpreter.Run(schedule, input, batch), 1e-12));
            var plan = new ModelPlan(name, new[] { ("Eval", schedule) });
            var ns = "Nabla.Tests.BatchSizeRead" + name;
            var roslyn = (Nabla.Runtime.CompiledModel<double>)System.Activator.CreateInstance(
                Nabla.Backends.Roslyn.RoslynCompiler.Compile(Nabla.Backends.CSharp.CSharpEmitter.Emit(plan, new Nabla.Backends.CSharp.EmitOptions { Namespace = ns })).GetType(ns + "." + name)!)!;
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(roslyn, 0, input, batch), 1e-12));
            var expressions = Nabla.Backends.Expressions.ExpressionBackend.Compile<double>(plan);
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(expressions, 0, input, batch), 1e-12));
        }
    }

    private static Dictionary<string, Tensor> Bind() => new() { ["x"] = new Tensor(new[] { 3 }, new[] { 1.269, -0.5, 0.75 }) };

    [Fact]
    public void A_reshaped_batch_size_read_by_a_loop_gets_a_buffer()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch));
        var y = x * F.Reshape(g.BatchSize(), Shape.Of(1));
        var f = new Function(g, new[] { new Named("y", y) });
        var schedule = Scheduler.Build(f);
        Assert.Contains(schedule.Kernels, k => k.Nodes.Any(n => n.Op == Op.BatchSize));
        RunsAlike(f, schedule, Bind(), "Reshaped");
    }

    [Fact]
    public void The_gradient_of_a_broadcast_reduce_max_compiles_through_the_whole_pipeline()
    {
        // The shrunk case of the random-graph property: y = broadcast(reduce_max(x)) [B]; d/dx of sum(y) is
        // onehot(argmax)·(sum of B ones), which the rewrites make mul(…, reshape(batch_size) [1]).
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(Shape.Batch));
        var y = F.BroadcastTo(F.ReduceMax(x, 0), Shape.Of(Shape.Batch));
        var d = Autodiff.Grad(F.Sum(y), new[] { x })[0];
        var f = new Function(g, new[] { new Named("y", y), new Named("d", d) });
        var (opt, schedule, _) = Pipeline.Compile(f, RewriteChecks.Strict(), true);
        Assert.Contains(opt.Nodes(), n => n.Op == Op.Reshape && n.A.Op == Op.BatchSize);
        RunsAlike(f, schedule, Bind(), "Gradient");
    }
}
