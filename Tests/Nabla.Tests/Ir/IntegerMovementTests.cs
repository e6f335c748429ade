using System.Collections.Generic;
using Nabla.Backends.CSharp;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Engine;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>
/// Slice, concat and pad move i32 tensors as they move floats (next-token ids are <c>tokens[:, 1:]</c>): the result
/// feeds a gather, and the interpreter, the schedule interpreter and both backends agree; a pad of i32 takes an
/// integer fill only.
/// </summary>
public class IntegerMovementTests
{
    private static (Function F, Dictionary<string, Tensor> Bind) Build(int batch)
    {
        var g = new Graph(DType.F64);
        var tokens = g.Input("tokens", Shape.Of(Shape.Batch, 5), DType.I32);
        var table = g.Param("table", Shape.Of(10, 3));
        var next = F.Slice(tokens, 1, 1, SliceAttrs.End);                                  // [B, 4]
        var ids = F.Concat(1, F.Slice(tokens, 1, 0, 1), F.Pad(next, 1, 0, 2, 9));          // [B, 7], the pad fills id 9
        var y = F.Sum(F.Gather(table, ids, 0), new[] { 2 });                                // [B, 7]
        var rng = new System.Random(5);
        var t = new double[batch * 5];
        for (int i = 0; i < t.Length; i++) t[i] = rng.Next(10);
        var bind = new Dictionary<string, Tensor>
        {
            ["tokens"] = new Tensor(new[] { batch, 5 }, t),
            ["table"] = Nabla.Tests.Support.GradCheck.Random(new[] { 10, 3 }, rng),
        };
        return (new Function(g, new[] { new Named("y", y), new Named("ids", ids) }), bind);
    }

    [Fact]
    public void Integer_ids_moved_by_slice_concat_and_pad_run_alike_in_the_interpreter_and_both_backends()
    {
        const int batch = 3;
        var (f, bind) = Build(batch);
        var want = Interpreter.Run(f, bind, DType.F64, batch);
        Assert.Equal(9.0, want.Outputs["ids"].Data[6]); // the fill, an i32 id
        var (optimized, _) = Pipeline.Optimize(f, new RewriteOptions { Verify = true });
        var schedule = Scheduler.Build(optimized);
        Verifier.CheckSchedule("test", schedule);
        Assert.Null(CompiledRunner.Compare(want, ScheduleInterpreter.Run(schedule, bind, batch), 1e-12));
        var plan = new ModelPlan("IntMoves", new[] { ("Eval", schedule) });
        var roslyn = (CompiledModel<double>)System.Activator.CreateInstance(
            RoslynCompiler.Compile(CSharpEmitter.Emit(plan, new EmitOptions { Namespace = "Nabla.Tests.IntMoves" })).GetType("Nabla.Tests.IntMoves.IntMoves")!)!;
        Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(roslyn, 0, bind, batch), 1e-12));
        Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(ExpressionBackend.Compile<double>(plan), 0, bind, batch), 1e-12));
    }

    [Fact]
    public void An_i32_pad_takes_an_integer_fill_and_arithmetic_on_i32_stays_refused()
    {
        var g = new Graph(DType.F64);
        var tokens = g.Input("tokens", Shape.Of(Shape.Batch, 5), DType.I32);
        Assert.Contains("integer", Assert.Throws<ShapeException>(() => F.Pad(tokens, 1, 0, 1, 0.5)).Message);
        Assert.Equal(DType.I32, F.Concat(1, tokens, tokens).DType);
        Assert.Throws<ShapeException>(() => tokens + tokens);
    }
}
