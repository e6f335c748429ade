using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using Nabla.Backends.Expressions;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.Expressions;
using Xunit;

namespace Nabla.Tests.Backends;

/// <summary>Runs alone: it flips <see cref="CompiledModel{T}.VectorsEnabled"/> and needs nobody else to flip it meanwhile.</summary>
[CollectionDefinition("Backends.VectorSwitch", DisableParallelization = true)]
public class VectorSwitchCollection { }

/// <summary>
/// Both backends print the same <see cref="ReducePlan"/>, so at one vector width they sum in the same order: random
/// contiguous and strided reductions (sum, mean, max, with and without a fused prologue) give bit-identical results from
/// the C# and the expression backend — with the default plans (the widest accelerated width, 256 bits here), with
/// 128-bit-only plans, and with vectors switched off.
/// </summary>
[Collection("Backends.VectorSwitch")]
public class SummationOrderTests
{
    [Theory]
    [InlineData(DType.F32, 21)]
    [InlineData(DType.F64, 22)]
    public void Both_backends_reduce_bit_for_bit_alike_at_one_vector_width(DType type, int seed)
    {
        var rnd = new Random(seed);
        var cases = Enumerable.Range(0, 24)
            .Select(_ => PlanCase.Build(Enumerable.Range(0, 12).Select(_ => rnd.Next(10000)).ToArray(), PlanKind.Reduce, type))
            .ToList();
        var schedules = new List<global::Nabla.Rewrites.Schedule.Schedule>();
        foreach (var c in cases)
        {
            schedules.Add(Scheduler.Build(c.Function));
            var narrow = Scheduler.Build(c.Function);
            Planner.Replan(narrow, new PlanOptions { VectorBits = new[] { 128 } });
            schedules.Add(narrow);
        }
        // Both layouts must be among the cases, or the test would not test what it says.
        Assert.Contains(schedules, s => s.Kernels.OfType<ReduceKernel>().Any(k => k.Plan.Layout == ReduceLayout.Contiguous && k.Plan.Widths.Any(w => w.Chains > 1)));
        Assert.Contains(schedules, s => s.Kernels.OfType<ReduceKernel>().Any(k => k.Plan.Layout == ReduceLayout.Strided && k.Plan.Widths.Any(w => w.Chains > 1)));
        var csharp = PlanCase.CompileCSharp(schedules, "SumOrder" + type);
        for (int i = 0; i < schedules.Count; i++)
        {
            var c = cases[i / 2];
            var s = schedules[i];
            object expr = type == DType.F32 ? ExpressionBackend.Compile<float>(s, "Eval") : ExpressionBackend.Compile<double>(s, "Eval");
            foreach (bool vectors in new[] { true, false })
            {
                var mode = vectors ? VectorMode.Widest : VectorMode.SwitchedOff;
                var a = PlanCase.RunCSharp(csharp(i), c, vectors).Outputs["y"].Data;
                var b = ExpressionRun.Run(expr, c.Bindings, c.Batch, mode).Outputs["y"].Data;
                Assert.Equal(a.Length, b.Length);
                for (int j = 0; j < a.Length; j++)
                    if (BitConverter.DoubleToInt64Bits(a[j]) != BitConverter.DoubleToInt64Bits(b[j]))
                        Assert.Fail($"{c} ({(i % 2 == 0 ? "default" : "128-bit")} plans, vectors {(vectors ? "on" : "off")}): y[{j}] is {a[j]:R} from C#, {b[j]:R} from expressions.\n{s}");
            }
        }
    }

    [Fact]
    public void The_order_depends_on_the_width_so_the_test_above_can_fail()
    {
        // A long float row sum: 4 chains of 8 lanes and 4 chains of 4 lanes add in different orders, and in float32 the
        // totals differ in the last bits. (If they did not, bit-identity across backends would prove nothing.)
        var g = new Graph(DType.F32);
        var x = g.Input("x", Shape.Of(Shape.Batch, 1000));
        var f = new Function(g, ("y", F.Sum(x, 1)));
        var rnd = new Random(3);
        var bind = new Dictionary<string, Tensor> { ["x"] = new(new[] { 16, 1000 }, Enumerable.Range(0, 16000).Select(_ => rnd.NextDouble() * 2 - 1).ToArray()) };
        if (!Vector256.IsHardwareAccelerated || !Vector128.IsHardwareAccelerated) return; // one width here: nothing to compare
        var wide = Scheduler.Build(f);
        var narrow = Scheduler.Build(f);
        Planner.Replan(narrow, new PlanOptions { VectorBits = new[] { 128 } });
        var a = ExpressionRun.Run(ExpressionBackend.Compile<float>(wide, "Eval"), bind, 16, VectorMode.Widest).Outputs["y"].Data;
        var b = ExpressionRun.Run(ExpressionBackend.Compile<float>(narrow, "Eval"), bind, 16, VectorMode.Widest).Outputs["y"].Data;
        Assert.False(a.SequenceEqual(b), "256- and 128-bit plans summed 16 rows of 1000 floats to identical bits.");
    }
}
