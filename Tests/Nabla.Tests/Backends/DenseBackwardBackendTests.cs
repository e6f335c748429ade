using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Benchmarks.Cases;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Schedule;
using Xunit;
using Sched = Nabla.Rewrites.Schedule.Schedule;
using Xunit.Abstractions;

namespace Nabla.Tests.Backends;

/// <summary>
/// The scheduler's fused dense-backward kernel on both backends: each agrees with the schedule interpreter, and with the
/// same schedule split into its two GEMMs (one model holds both methods, so one compilation per backend and type).
/// </summary>
[Collection("CSharpBackend")]
public class DenseBackwardBackendTests
{
    private readonly ITestOutputHelper _out;
    public DenseBackwardBackendTests(ITestOutputHelper o) { _out = o; }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F64)]
    public void Fused_step_agrees_with_the_interpreter_and_the_split_schedule_on_both_backends(DType type)
    {
        // 6-9-7-3, as the C# MLP tests: two fused layers; batch 1 takes the runtime's one-pass path, batch 7 its two GEMMs.
        var f = MlpGraphs.TrainStep(new[] { 6, 9, 7, 3 }, "sgd", type, withLogits: true);
        var s = Scheduler.Build(Pipeline.Optimize(f).Function);
        Assert.Equal(2, s.Kernels.OfType<DenseBackwardKernel>().Count());
        var split = DenseBackwardFusion.Split(s);
        var plan = new ModelPlan("Dense", new[] { ("Fused", s), ("Split", split) });
        if (type == DType.F32) Check(plan, s, f, RoslynBackend.Create<float>(plan), ExpressionBackend.Compile<float>(plan), 2e-5);
        else Check(plan, s, f, RoslynBackend.Create<double>(plan), ExpressionBackend.Compile<double>(plan), 1e-12);
    }

    private void Check<T>(ModelPlan plan, Sched s, Function f, CompiledModel<T> csharp, CompiledModel<T> expressions, double tol) where T : unmanaged
    {
        foreach (int batch in new[] { 1, 7 })
        {
            var bind = SchedulerTests.Bindings(f, batch, 40 + batch);
            if (typeof(T) == typeof(float)) bind = bind.ToDictionary(kv => kv.Key, kv => new Tensor(kv.Value.Shape, kv.Value.Data.Select(v => (double)(float)v).ToArray()));
            var want = ScheduleInterpreter.Run(s, bind);
            var results = new Dictionary<string, RunResult>();
            foreach (var (backend, model) in new[] { ("C#", csharp), ("Expressions", expressions) })
                for (int m = 0; m < plan.Methods.Count; m++)
                {
                    var got = CompiledRunner.Run(model, m, bind, batch);
                    var diff = CompiledRunner.Compare(want, got, tol);
                    Assert.True(diff is null, $"{backend} {plan.Methods[m].Method}, {typeof(T).Name}, batch {batch}: {diff}");
                    results[$"{backend} {plan.Methods[m].Method}"] = got;
                }
            foreach (var backend in new[] { "C#", "Expressions" })
            {
                double max = MaxDifference(results[$"{backend} Fused"], results[$"{backend} Split"]);
                _out.WriteLine($"{typeof(T).Name} batch {batch} {backend}: fused vs split, largest difference {max:E2}");
                Assert.True(max <= tol, $"{backend}, batch {batch}: fused and split differ by {max:E2}");
            }
        }
    }

    private static double MaxDifference(RunResult a, RunResult b) =>
        a.Outputs.Select(kv => (kv.Value, b.Outputs[kv.Key])).Concat(a.Updates.Select(kv => (kv.Value, b.Updates[kv.Key])))
            .SelectMany(p => p.Item1.Data.Zip(p.Item2.Data, (x, y) => Math.Abs(x - y))).Max();
}
