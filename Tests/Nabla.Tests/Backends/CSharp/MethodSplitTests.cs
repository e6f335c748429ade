using System.Linq;
using System.Text.RegularExpressions;
using Nabla.Backends.CSharp;
using Nabla.Backends.Roslyn;
using Nabla.Benchmarks.Cases;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Tests.Schedule;
using Xunit;

namespace Nabla.Tests.Backends.CSharp;

/// <summary>
/// <see cref="EmitOptions.MethodBudget"/> cuts a method's kernels into several private methods (issue 17 #2: a formula
/// nested 10,000 deep needed more than the 65,534 locals one method may hold). Cutting must not change a single bit.
/// </summary>
[Collection("CSharpBackend")]
public class MethodSplitTests
{
    [Fact]
    public void An_mlp_training_step_cut_into_one_method_per_kernel_gives_the_same_bits()
    {
        var f = MlpGraphs.TrainStep(new[] { 6, 9, 7, 3 }, "adam", DType.F64, withLogits: true);
        var plan = MlpGraphs.Plan("Mlp", "TrainStep", f);
        var whole = CSharpEmitter.Emit(plan);
        var cut = CSharpEmitter.Emit(plan, new EmitOptions { MethodBudget = 1 });
        int kernels = plan.Methods[0].Schedule.Kernels.Count;
        Assert.DoesNotMatch(new Regex(@"TrainStepKernels_\d+\("), whole);
        Assert.Equal(kernels, Regex.Matches(cut, @"private void TrainStepKernels_\d+\(").Count);

        const int batch = 5;
        var bind = SchedulerTests.Bindings(f, batch, batch);
        bind["bc1"] = Tensor.Scalar(1 / (1 - 0.9)); bind["bc2"] = Tensor.Scalar(1 / (1 - 0.999));
        var a = CompiledRunner.Run(RoslynBackend.Create<double>(plan), 0, bind, batch);
        var b = CompiledRunner.Run(RoslynBackend.Create<double>(plan, new EmitOptions { MethodBudget = 1, ClassName = "MlpCut" }), 0, bind, batch);
        Assert.Null(CompiledRunner.Compare(a, b, 0));
        Assert.Null(CompiledRunner.Compare(Interpreter.Run(f, bind), b, 1e-10));
    }

    [Fact]
    public void A_chain_3000_deep_is_emitted_in_methods_within_the_budget()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Scalar, DType.F64);
        Node y = x;
        for (int i = 0; i < 3000; i++) y = F.Sin(y);
        var (optimized, _) = Pipeline.Optimize(Autodiff.Grad(new Function(g, ("f", y)), "f", "x"));
        var s = Scheduler.Build(optimized);
        var code = CSharpEmitter.Emit(new ModelPlan("Deep", new[] { ("Eval", s) }));
        int instructions = s.Kernels.OfType<ElementwiseKernel>().Sum(k => k.Body.Instrs.Count);
        int parts = Regex.Matches(code, @"private void EvalKernels_\d+\(").Count;
        Assert.InRange(parts, instructions / 4096 + 1, instructions / 4096 + 3);
    }

    [Fact]
    public void An_input_named_like_a_kernels_part_does_not_hide_it()
    {
        var g = new Graph(DType.F64);
        var x = g.Input("EvalKernels_0", new Shape(Shape.Batch, 3));
        var f = new Function(g, ("s", F.Sum(F.Exp(x), 1)), ("d", x * 2.0));
        var plan = new ModelPlan("Clash", new[] { ("Eval", Scheduler.Build(f)) });
        Assert.True(plan.Methods[0].Schedule.Kernels.Count >= 2);
        var bind = new System.Collections.Generic.Dictionary<string, Tensor> { ["EvalKernels_0"] = new Tensor(new[] { 2, 3 }, new[] { 0.5, 1, -1, 2, 0, 0.25 }) };
        var got = CompiledRunner.Run(RoslynBackend.Create<double>(plan, new EmitOptions { MethodBudget = 1 }), 0, bind, 2);
        Assert.Null(CompiledRunner.Compare(Interpreter.Run(f, bind, DType.F64, 2), got, 1e-12));
    }

    [Fact]
    public void A_budget_below_one_is_refused_with_its_name()
    {
        var e = Assert.Throws<System.ArgumentOutOfRangeException>(() => new EmitOptions { MethodBudget = 0 });
        Assert.Contains("MethodBudget", e.Message);
    }
}
