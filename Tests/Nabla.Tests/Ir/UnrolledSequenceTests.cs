using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nabla.Backends.CSharp;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Nabla.Tests.Ir;

/// <summary>
/// A recurrent network unrolled over 40 steps, as the sequence layers build it: x[:, t, :] sliced for every t (or the
/// input projection computed for all steps at once and sliced), a GRU-like cell whose gates are slices of one product,
/// the 40 states stacked, a linear read-out and its gradients. It must optimize, schedule and compile on both backends
/// (the stage times go to the test output; no timing is asserted) and agree with the interpreter.
/// </summary>
public class UnrolledSequenceTests
{
    private readonly ITestOutputHelper _out;
    public UnrolledSequenceTests(ITestOutputHelper o) { _out = o; }

    private const int Features = 2, Hidden = 5;

    private static (Function F, Dictionary<string, Tensor> Bind) Gru(int steps, DType type, int batch, bool projectAll)
    {
        var g = new Graph(type);
        var rng = new Random(3);
        var bind = new Dictionary<string, Tensor>();
        Node Param(string name, params int[] dims)
        {
            bind[name] = GradCheck.Random(dims, rng);
            for (int i = 0; i < bind[name].Size; i++) bind[name].Data[i] *= 0.5;
            return g.Param(name, new Shape(dims));
        }
        var x = g.Input("x", new Shape(Shape.Batch, steps, Features));
        bind["x"] = GradCheck.Random(new[] { batch, steps, Features }, rng);
        var wi = Param("w_ih", Features, 3 * Hidden);
        var wh = Param("w_hh", Hidden, 3 * Hidden);
        var bi = Param("b_ih", 3 * Hidden);
        var wo = Param("w_out", steps * Hidden, 3);
        var all = projectAll ? F.MatMul(x, wi) + bi : null; // [B, T, 3H]
        Node h = F.Zeros(g, new Shape(Shape.Batch, Hidden), type);
        var states = new List<Node>();
        for (int t = 0; t < steps; t++)
        {
            var gi = projectAll
                ? F.Reshape(F.Slice(all!, 1, t, t + 1), new Shape(Shape.Batch, 3 * Hidden))
                : F.MatMul(F.Reshape(F.Slice(x, 1, t, t + 1), new Shape(Shape.Batch, Features)), wi) + bi;
            var gh = F.MatMul(h, wh);
            var r = F.Sigmoid(F.Slice(gi, 1, 0, Hidden) + F.Slice(gh, 1, 0, Hidden));
            var z = F.Sigmoid(F.Slice(gi, 1, Hidden, 2 * Hidden) + F.Slice(gh, 1, Hidden, 2 * Hidden));
            var n = F.Tanh(F.Slice(gi, 1, 2 * Hidden, 3 * Hidden) + r * F.Slice(gh, 1, 2 * Hidden, 3 * Hidden));
            h = (1.0 - z) * n + z * h;
            states.Add(h);
        }
        var seq = F.Stack(1, states.ToArray());                                  // [B, T, H]
        var y = F.MatMul(F.Reshape(seq, new Shape(Shape.Batch, steps * Hidden)), wo);
        var loss = F.Mean(F.Square(y));
        var grads = Autodiff.Grad(loss, new[] { wi, wh, bi, wo });
        var outputs = new List<Named> { new("loss", loss), new("last", F.Slice(seq, 1, -1, SliceAttrs.End)) };
        outputs.AddRange(new[] { "w_ih", "w_hh", "b_ih", "w_out" }.Select((name, i) => new Named("d_" + name, grads[i])));
        return (new Function(g, outputs), bind);
    }

    [Theory]
    [InlineData(40, true, DType.F64)]
    [InlineData(6, false, DType.F32)]
    public void An_unrolled_gru_with_sliced_inputs_and_gates_compiles_on_both_backends_and_agrees_with_the_interpreter(int steps, bool projectAll, DType type)
    {
        const int batch = 3;
        var (f, bind) = Gru(steps, type, batch, projectAll);
        var clock = Stopwatch.StartNew();
        var (optimized, _) = Pipeline.Optimize(f);
        double optimizeMs = clock.Elapsed.TotalMilliseconds;
        var schedule = Scheduler.Build(optimized);
        double scheduleMs = clock.Elapsed.TotalMilliseconds - optimizeMs;
        var plan = new ModelPlan("Gru", new[] { ("Step", schedule) });
        clock.Restart();
        var source = CSharpEmitter.Emit(plan, new EmitOptions { Namespace = $"Nabla.Tests.Unrolled{(projectAll ? "All" : "Each")}{type}" });
        double emitMs = clock.Elapsed.TotalMilliseconds;
        var asm = RoslynCompiler.Compile(source);
        double roslynMs = clock.Elapsed.TotalMilliseconds - emitMs;
        clock.Restart();
        object expressions = type == DType.F64 ? ExpressionBackend.Compile<double>(plan) : ExpressionBackend.Compile<float>(plan);
        double expressionsMs = clock.Elapsed.TotalMilliseconds;
        _out.WriteLine($"{steps} steps, {(projectAll ? "projected once" : "projected per step")}, {type}: {PassReport.CountNodes(f)} nodes -> {PassReport.CountNodes(optimized)} optimized, "
            + $"{schedule.Kernels.Count} kernels ({schedule.Kernels.Count(k => k is MoveKernel)} moves); optimize {optimizeMs:F0} ms, schedule {scheduleMs:F0} ms, "
            + $"emit {emitMs:F0} ms ({source.Length / 1024} KB), Roslyn {roslynMs:F0} ms, expressions {expressionsMs:F0} ms");

        var want = Interpreter.Run(f, bind, type, batch);
        double tol = type == DType.F64 ? 1e-11 : 1e-4;
        var name = $"Nabla.Tests.Unrolled{(projectAll ? "All" : "Each")}{type}.Gru";
        if (type == DType.F64)
        {
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run((CompiledModel<double>)Activator.CreateInstance(asm.GetType(name)!)!, 0, bind, batch), tol));
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run((CompiledModel<double>)expressions, 0, bind, batch), tol));
        }
        else
        {
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run((CompiledModel<float>)Activator.CreateInstance(asm.GetType(name)!)!, 0, bind, batch), tol));
            Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run((CompiledModel<float>)expressions, 0, bind, batch), tol));
        }
    }
}
