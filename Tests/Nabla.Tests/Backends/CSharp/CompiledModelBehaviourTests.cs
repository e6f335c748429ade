using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Nabla.Backends.CSharp;
using Nabla.Backends.Roslyn;
using Nabla.Benchmarks.Cases;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Backends.CSharp;

/// <summary>Run-time behaviour of compiled models: allocation, argument checks, numerics checks, caching, DLL output.</summary>
[Collection("CSharpBackend")]
public class CompiledModelBehaviourTests
{
    private static readonly int[] Widths = { 40, 100, 100, 10 };

    private static RoslynModel<float> Mlp() =>
        RoslynBackend.Compile<float>(MlpGraphs.Plan("BehaviourMlp", "TrainStep", MlpGraphs.TrainStep(Widths, "sgd", DType.F32)),
            new EmitOptions { InputOrder = new[] { "x", "t", "lr" } });

    private static (float[] X, float[] T, float[] Lr, float[] Loss) Data(int batch)
    {
        var rnd = new Random(1);
        var x = Enumerable.Range(0, 40 * batch).Select(_ => (float)rnd.NextDouble()).ToArray();
        var t = new float[10 * batch];
        for (int r = 0; r < batch; r++) t[r * 10 + rnd.Next(10)] = 1;
        return (x, t, new[] { 0.05f }, new float[1]);
    }

    private static MethodInfo TrainStep(CompiledModel<float> m)
    {
        var method = m.GetType().GetMethod("TrainStep")!;
        Assert.Equal(new[] { "batch", "x", "t", "lr", "loss" }, method.GetParameters().Select(p => p.Name));
        return method;
    }

    [Fact]
    public void ATrainingStepAllocatesNothingAfterWarmUp()
    {
        var model = Mlp().Create();
        MlpGraphs.Initialize(model, 3);
        foreach (int batch in new[] { 1, 32 })
        {
            var (x, t, lr, loss) = Data(batch);
            var inputs = new[] { x, t, lr };
            var outputs = new[] { loss };
            for (int i = 0; i < 5; i++) model.Run(0, batch, inputs, outputs);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++) model.Run(0, batch, inputs, outputs);
            long after = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(0, after - before);
            Assert.True(float.IsFinite(loss[0]) && loss[0] > 0, $"loss {loss[0]}");
        }
    }

    [Fact]
    public void BadInputsThrowClearExceptions()
    {
        var model = Mlp().Create();
        var (x, t, lr, loss) = Data(4);
        var step = TrainStep(model);
        Exception Call(params object?[] args) => Assert.IsAssignableFrom<Exception>(Assert.Throws<TargetInvocationException>(() => step.Invoke(model, args)).InnerException);
        var shortX = Call(4, new float[39 * 4], t, lr, loss);
        Assert.IsType<ArgumentException>(shortX);
        Assert.Contains("\"x\"", shortX.Message);
        Assert.Contains("160", shortX.Message);
        var nullT = Call(4, x, null, lr, loss);
        Assert.IsType<ArgumentNullException>(nullT);
        Assert.Contains("\"t\"", nullT.Message);
        var zero = Call(0, x, t, lr, loss);
        Assert.IsType<ArgumentOutOfRangeException>(zero);
        Assert.Contains("batch", zero.Message);
        var noLoss = Call(4, x, t, lr, Array.Empty<float>());
        Assert.Contains("\"loss\"", noLoss.Message);
        // The generic entry checks the same things.
        Assert.Throws<ArgumentException>(() => model.Run(0, 5, new[] { x, t, lr }, new[] { loss }));
        // A replaced parameter array of the wrong size is caught before any kernel runs.
        model.Parameters[0] = new float[3];
        var badParam = Assert.Throws<InvalidOperationException>(() => model.Run(0, 4, new[] { x, t, lr }, new[] { loss }));
        Assert.Contains("0.weight", badParam.Message);
    }

    [Fact]
    public void CheckNumericsCatchesANaN()
    {
        var model = Mlp().Create();
        MlpGraphs.Initialize(model, 3);
        var (x, t, lr, loss) = Data(2);
        x[7] = float.NaN;
        model.Run(0, 2, new[] { x, t, lr }, new[] { loss });   // off: no check
        Assert.True(float.IsNaN(loss[0]));
        model.CheckNumerics = true;
        MlpGraphs.Initialize(model, 3);
        var e = Assert.Throws<TargetInvocationException>(() => TrainStep(model).Invoke(model, new object[] { 2, x, t, lr, loss }));
        Assert.IsType<NumericsException>(e.InnerException);
        Assert.Contains("NaN", e.InnerException!.Message);
        MlpGraphs.Initialize(model, 3);
        Assert.Throws<NumericsException>(() => model.Run(0, 2, new[] { x, t, lr }, new[] { loss }));
    }

    [Fact]
    public void TheSameSourceCompilesOnce()
    {
        var a = Mlp();
        var b = Mlp();
        Assert.Same(a.Type, b.Type);
        Assert.True(b.WasCached);
        Assert.NotSame(a.Create(), b.Create());
    }

    [Fact]
    public void CompileErrorsShowTheOffendingLine()
    {
        var e = Assert.Throws<CompilationFailedException>(() => RoslynCompiler.Compile("namespace N { class C { void M() { int x = undefinedThing; } } }"));
        Assert.Contains("CS0103", e.Message);
        Assert.Contains("undefinedThing", e.Message);
        Assert.Contains("line 1", e.Message);
    }

    [Fact]
    public void ADllWrittenToDiskLoadsAndRunsWithoutTheCompiler()
    {
        var f = MlpGraphs.TrainStep(new[] { 5, 7, 3 }, "sgd", DType.F64, withLogits: true);
        var plan = MlpGraphs.Plan("DiskMlp", "TrainStep", f);
        var source = CSharpEmitter.Emit(plan, new EmitOptions { Namespace = "Nabla.Tests.Disk" });
        var dir = Path.Combine(Path.GetTempPath(), "nabla-emit-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(dir, "DiskMlp.dll");
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(path, RoslynCompiler.EmitAssembly("DiskMlp", source));
            var context = new AssemblyLoadContext("disk", isCollectible: true);
            var asm = context.LoadFromAssemblyPath(path);
            var model = (CompiledModel<double>)Activator.CreateInstance(asm.GetType("Nabla.Tests.Disk.DiskMlp")!)!;
            var bind = Nabla.Tests.Schedule.SchedulerTests.Bindings(f, 3, 9);
            var diff = CompiledRunner.Compare(Interpreter.Run(f, bind), CompiledRunner.Run(model, 0, bind, 3), 1e-10);
            Assert.Null(diff);
            context.Unload();
        }
        finally { try { Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
    }

    [Fact]
    public void EmitterRejectsBadOptions()
    {
        var plan = MlpGraphs.Plan("M", "TrainStep", MlpGraphs.TrainStep(new[] { 2, 2 }, "sgd", DType.F32));
        Assert.Throws<ArgumentException>(() => CSharpEmitter.Emit(plan, new EmitOptions { Accessibility = "private" }));
        Assert.Throws<ArgumentException>(() => CSharpEmitter.Emit(plan, new EmitOptions { Namespace = "a..b" }));
        Assert.Throws<ArgumentException>(() => CSharpEmitter.Emit(plan, new EmitOptions { ClassName = "class" }));
        Assert.Throws<ArgumentException>(() => RoslynBackend.Compile<double>(plan));
    }
}
