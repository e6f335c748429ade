using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Backends.Expressions;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Backends.Expressions;
using Xunit;

namespace Nabla.Tests.Backends;

/// <summary>
/// Random elementwise, reduction and copy kernels over axes of 1, 3, 7, 33 and 100 elements agree with the reference
/// interpreter on both backends: the C# backend (Roslyn) with vectors on and off, and the expression backend at 256 bits,
/// with the vector switch off, at 128 bits and scalar-only; each from the default plans and from 128-bit-only plans.
/// </summary>
[Collection("CSharpBackend")]
public class PlanPropertyTests
{
    private static double Tolerance(DType t) => t == DType.F32 ? 2e-4 : 1e-10;

    /// <summary>Checks a batch of cases: one Roslyn compilation for all of them (compiles are the slow part).</summary>
    private static void CheckCases(PlanCase[] cases)
    {
        var narrow = new PlanOptions { VectorBits = new[] { 128 } };
        var schedules = cases.SelectMany(c =>
        {
            var wide = Scheduler.Build(c.Function);
            var only128 = Scheduler.Build(c.Function);
            Planner.Replan(only128, narrow);
            return new[] { wide, only128 };
        }).ToList();
        var csharp = PlanCase.CompileCSharp(schedules, "PlanCase");
        for (int n = 0; n < cases.Length; n++)
        {
            var c = cases[n];
            var want = Interpreter.Run(c.Function, c.Bindings, c.DType, c.Batch);
            var kernels = schedules[2 * n].Kernels;
            Assert.True(c.Kind switch
            {
                PlanKind.Elementwise => kernels.OfType<ElementwiseKernel>().Any(),
                PlanKind.Reduce => kernels.OfType<ReduceKernel>().Any(),
                _ => kernels.OfType<CopyKernel>().Any(),
            }, $"{c} did not lower to a {c.Kind} kernel:\n{schedules[2 * n]}");
            for (int p = 0; p < 2; p++)
            {
                var s = schedules[2 * n + p];
                string plans = p == 0 ? "default plans" : "128-bit plans";
                var model = csharp(2 * n + p);
                foreach (bool vectors in new[] { true, false })
                    if (CompiledRunner.Compare(want, PlanCase.RunCSharp(model, c, vectors), Tolerance(c.DType)) is { } diff)
                        throw new Xunit.Sdk.XunitException($"C# ({plans}, vectors {(vectors ? "on" : "off")}) disagrees on {c}: {diff}\n{s}");
                foreach (var mode in ExpressionRun.AllModes)
                {
                    object expr = c.DType == DType.F32
                        ? ExpressionBackend.Compile<float>(s, "Eval", ExpressionRun.Options(mode))
                        : ExpressionBackend.Compile<double>(s, "Eval", ExpressionRun.Options(mode));
                    ExpressionRun.AssertClose(want, ExpressionRun.Run(expr, c.Bindings, c.Batch, mode), Tolerance(c.DType), $"expressions ({plans}, {mode}) on {c}\n{s}");
                }
            }
        }
    }

    private static Arbitrary<PlanCase[]> Batches(PlanKind kind) =>
        FsCheck.Fluent.Arb.From(PlanCase.Arb(kind).Generator.ArrayOf(8));

    [Fact]
    public void Random_elementwise_loops_agree_with_the_interpreter_on_both_backends() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(4), Prop.ForAll(Batches(PlanKind.Elementwise), CheckCases));

    [Fact]
    public void Random_reductions_agree_with_the_interpreter_on_both_backends() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(6), Prop.ForAll(Batches(PlanKind.Reduce), CheckCases));

    [Fact]
    public void Random_copies_agree_with_the_interpreter_on_both_backends() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(4), Prop.ForAll(Batches(PlanKind.Copy), CheckCases));
}
