using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Reflection;
using Nabla.Backends.Expressions;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Schedule;
using Xunit;

namespace Nabla.Tests.Backends.Expressions;

/// <summary>The expression backend's contract: results, zero allocations, clear errors, and the no-dynamic-code path.</summary>
public class ExpressionBackendTests
{
    private static (ExpressionModel<float> Model, float[][] Inputs, float[][] Outputs) MlpModel(int batch)
    {
        var f = SchedulerTests.MlpStep(new[] { 40, 100, 100, 10 }, DType.F32);
        var model = ExpressionBackend.Compile<float>(Scheduler.Build(f), "TrainStep");
        var bind = SchedulerTests.Bindings(f, batch, 1);
        for (int p = 0; p < model.Spec.Parameters.Count; p++)
            model.Parameters[p] = ExpressionRun.Convert<float>(bind[model.Spec.Parameters[p].Name].Data);
        var m = model.Spec.Methods[0];
        var inputs = m.Inputs.Select(t => ExpressionRun.Convert<float>(bind[t.Name].Data)).ToArray();
        var outputs = m.Outputs.Select(t => new float[t.Size(batch)]).ToArray();
        return (model, inputs, outputs);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(33)]
    public void The_mnist1d_training_step_allocates_nothing_after_warm_up(int batch)
    {
        var (model, inputs, outputs) = MlpModel(batch);
        inputs[model.Spec.Methods[0].InputIndex("lr")][0] = 1e-4f;
        for (int i = 0; i < 3; i++) model.Run(0, batch, inputs, outputs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++) model.Run(0, batch, inputs, outputs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void The_mnist1d_training_step_matches_the_interpreter_over_several_steps()
    {
        // Three SGD steps in a row: parameters updated in place must feed the next step exactly as the interpreter's do.
        var f = SchedulerTests.MlpStep(new[] { 40, 100, 100, 10 }, DType.F64);
        var model = ExpressionBackend.Compile<double>(Scheduler.Build(f), "TrainStep");
        var bind = SchedulerTests.Bindings(f, 8, 2);
        for (int step = 0; step < 3; step++)
        {
            var want = Interpreter.Run(f, bind);
            var got = ExpressionRun.Run(model, bind, 8, VectorMode.Widest);
            ExpressionRun.AssertClose(want, got, 1e-12, $"step {step}");
            foreach (var (name, value) in want.Updates) bind[name] = value;
        }
    }

    [Fact]
    public void A_short_input_array_is_rejected_with_its_name_and_size()
    {
        var (model, inputs, outputs) = MlpModel(4);
        int x = model.Spec.Methods[0].InputIndex("x");
        inputs[x] = new float[3 * 40];
        var e = Assert.Throws<ArgumentException>(() => model.Run(0, 4, inputs, outputs));
        Assert.Contains("\"x\"", e.Message);
        Assert.Contains("160", e.Message);
    }

    [Fact]
    public void A_missing_or_wrong_sized_parameter_is_rejected_by_name()
    {
        var (model, inputs, outputs) = MlpModel(2);
        model.Parameters[0] = new float[5];
        var e = Assert.Throws<InvalidOperationException>(() => model.Run(0, 2, inputs, outputs));
        Assert.Contains(model.Spec.Parameters[0].Name, e.Message);
    }

    [Fact]
    public void NaN_in_the_results_is_reported_when_numerics_are_checked()
    {
        var (model, inputs, outputs) = MlpModel(2);
        model.CheckNumerics = true;
        inputs[model.Spec.Methods[0].InputIndex("x")][3] = float.NaN;
        var e = Assert.Throws<NumericsException>(() => model.Run(0, 2, inputs, outputs));
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void Compiling_with_the_wrong_element_type_names_both_types()
    {
        var f = SchedulerTests.MlpStep(new[] { 3, 4, 2 }, DType.F64);
        var e = Assert.Throws<ArgumentException>(() => ExpressionBackend.Compile<float>(Scheduler.Build(f)));
        Assert.Contains("f64", e.Message);
        Assert.Contains("Compile<double>", e.Message);
    }

    [Fact]
    public void Without_dynamic_code_compile_refuses_and_points_to_build_time_compilation()
    {
        var f = SchedulerTests.MlpStep(new[] { 3, 4, 2 }, DType.F32);
        var options = new ExpressionBackendOptions { DynamicCodeSupported = () => false };
        var e = Assert.Throws<NotSupportedException>(() => ExpressionBackend.Compile<float>(Scheduler.Build(f), "Step", options));
        Assert.Contains("cannot generate code", e.Message);
        Assert.Contains("NativeAOT", e.Message);
        Assert.Contains("source generator", e.Message);
        Assert.Contains("nabla build", e.Message);
    }

    [Fact]
    public void The_public_entry_points_warn_ahead_of_time_compilers()
    {
        var compile = typeof(ExpressionBackend).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name == "Compile").ToList();
        Assert.Equal(2, compile.Count);
        Assert.All(compile, m => Assert.NotNull(m.GetCustomAttribute<RequiresDynamicCodeAttribute>()));
    }

    [Fact]
    public void A_model_with_two_methods_shares_its_parameters()
    {
        // Forward reads the weights that TrainStep updates in place: after a step, Forward sees the new weights.
        var step = SchedulerTests.MlpStep(new[] { 5, 6, 3 }, DType.F64);
        var forward = new Function(step.Graph, ("logits", step["logits"]));
        var plan = new ModelPlan("Mlp", new[] { ("Forward", Scheduler.Build(forward)), ("TrainStep", Scheduler.Build(step)) });
        var model = ExpressionBackend.Compile<double>(plan);
        var bind = SchedulerTests.Bindings(step, 4, 7);
        for (int p = 0; p < model.Spec.Parameters.Count; p++) model.Parameters[p] = (double[])bind[model.Spec.Parameters[p].Name].Data.Clone();
        double[][] Inputs(int m) => model.Spec.Methods[m].Inputs.Select(t => (double[])bind[t.Name].Data.Clone()).ToArray();
        double[][] Outputs(int m) => model.Spec.Methods[m].Outputs.Select(t => new double[t.Size(4)]).ToArray();
        model.Run(model.Spec.MethodIndex("TrainStep"), 4, Inputs(1), Outputs(1));
        var after = Interpreter.Run(step, bind).Updates;
        foreach (var (name, value) in after) bind[name] = value;
        var outputs = Outputs(0);
        model.Run(model.Spec.MethodIndex("Forward"), 4, Inputs(0), outputs);
        var want = Interpreter.Run(forward, bind)["logits"].Data;
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i], outputs[0][i], 12);
    }

    [Fact]
    public void A_long_schedule_is_split_into_several_dynamic_methods_that_still_agree()
    {
        var f = SchedulerTests.MlpStep(new[] { 7, 9, 9, 9, 4 }, DType.F64);
        var s = Scheduler.Build(f);
        var model = ExpressionBackend.Compile<double>(s, "Step", new ExpressionBackendOptions { PartBudget = 30 });
        Assert.True(model.BuildInfo.Parts > 3, $"{model.BuildInfo.Parts} parts");
        var bind = SchedulerTests.Bindings(f, 5, 3);
        ExpressionRun.AssertClose(Interpreter.Run(f, bind), ExpressionRun.Run(model, bind, 5, VectorMode.Widest), 1e-12, "split");
    }
}
