using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Tests.Backends.CSharp;
using Nabla.Rewrites.Schedule;
using Xunit;

namespace Nabla.Tests.Schedule;

/// <summary>How a GEMM kernel is run is decided in the lowered layer (<see cref="GemmKernel.Form"/>), not by the emitters.</summary>
public class GemmFormTests
{
    private static GemmKernel Gemm(System.Func<Graph, Node> build)
    {
        var g = new Graph(DType.F32);
        var s = Scheduler.Build(new Function(g, new[] { new Named("y", build(g)) }));
        return Assert.Single(s.Kernels.OfType<GemmKernel>());
    }

    [Fact]
    public void One_product_batches_without_an_epilogue_and_batches_with_one_take_their_forms()
    {
        var single = Gemm(g => F.MatMul(g.Input("x", Shape.Of(Shape.Batch, 4)), g.Param("w", Shape.Of(4, 5))));
        Assert.Equal(GemmForm.Single, single.Form);

        var batched = Gemm(g => F.MatMul(g.Input("a", Shape.Of(Shape.Batch, 3, 4)), g.Input("b", Shape.Of(Shape.Batch, 4, 5))));
        Assert.NotEqual(new Dim(1), batched.Batch);
        Assert.Equal(GemmForm.Batched, batched.Form);

        var relu = Gemm(g => F.Relu(F.MatMul(g.Input("a", Shape.Of(Shape.Batch, 3, 4)), g.Input("b", Shape.Of(Shape.Batch, 4, 5)))));
        Assert.Equal(Op.Relu, relu.Activation);
        Assert.Equal(GemmForm.PerProduct, relu.Form);
    }
}

/// <summary>
/// A product whose batch axes broadcast only in part ([G, m, k]·[B, G, k, n], the grouped convolution's shape) cannot
/// be one strided batched GEMM: the lowering broadcasts the operand first, and both backends agree with the interpreter.
/// </summary>
public class PartialBatchBroadcastTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_partly_broadcast_batched_product_runs_alike_in_the_interpreter_and_both_backends(bool leftIsShared)
    {
        var g = new Graph(DType.F64);
        var shared = g.Param("w", leftIsShared ? Shape.Of(3, 2, 4) : Shape.Of(1, 3, 4, 5));
        var x = g.Input("x", leftIsShared ? Shape.Of(Shape.Batch, 3, 4, 5) : Shape.Of(Shape.Batch, 3, 2, 4));
        var y = leftIsShared ? F.MatMul(shared, x) : F.MatMul(x, shared);
        var f = new Function(g, new[] { new Named("y", y) });
        var rng = new System.Random(3);
        const int batch = 4;
        var bind = new System.Collections.Generic.Dictionary<string, Tensor>
        {
            ["w"] = Nabla.Tests.Support.GradCheck.Random(shared.Shape.Dims.ToArray(), rng),
            ["x"] = Nabla.Tests.Support.GradCheck.Random(leftIsShared ? new[] { batch, 3, 4, 5 } : new[] { batch, 3, 2, 4 }, rng),
        };
        var want = Interpreter.Run(f, bind, DType.F64, batch);
        var schedule = Scheduler.Build(f);
        Verifier.CheckSchedule("test", schedule);
        Assert.Null(CompiledRunner.Compare(want, ScheduleInterpreter.Run(schedule, bind, batch), 1e-12));
        var plan = new ModelPlan("Partly", new[] { ("Eval", schedule) });
        var ns = "Nabla.Tests.PartlyBroadcast" + (leftIsShared ? "Left" : "Right");
        var roslyn = (Nabla.Runtime.CompiledModel<double>)System.Activator.CreateInstance(
            Nabla.Backends.Roslyn.RoslynCompiler.Compile(Nabla.Backends.CSharp.CSharpEmitter.Emit(plan, new Nabla.Backends.CSharp.EmitOptions { Namespace = ns })).GetType(ns + ".Partly")!)!;
        Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(roslyn, 0, bind, batch), 1e-12));
        var expressions = Nabla.Backends.Expressions.ExpressionBackend.Compile<double>(plan);
        Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(expressions, 0, bind, batch), 1e-12));
    }
}
