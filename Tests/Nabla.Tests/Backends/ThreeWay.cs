using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Backends.CSharp;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;

namespace Nabla.Tests.Backends;

/// <summary>
/// The interpreter against both backends on one function: the function is planned twice — as written ("Plain", method
/// 0) and after <see cref="Pipeline.Optimize"/> ("Optimized", method 1) — into one model, which Roslyn compiles (many
/// models in ONE compilation: compiles cost seconds each) and the expression backend builds; every method of both runs
/// with vectors on and off and is compared with the interpreter run in the function's own precision.
/// </summary>
internal static class ThreeWay
{
    /// <summary>The namespace of the emitted classes.</summary>
    public const string Namespace = "Nabla.Tests.ThreeWay";

    /// <summary>The plan of <paramref name="f"/>: method 0 its schedule as written, method 1 the optimized one's.</summary>
    public static ModelPlan Plan(Function f, string name) =>
        new(name, new[] { ("Plain", Scheduler.Build(f)), ("Optimized", Scheduler.Build(Pipeline.Optimize(f).Function)) });

    /// <summary>The C# source of a plan (one class named after it).</summary>
    public static string Emit(ModelPlan plan) => CSharpEmitter.Emit(plan, new EmitOptions { Namespace = Namespace });

    /// <summary>Compiles all the plans with Roslyn at once; the result maps a plan's name to its compiled class.</summary>
    public static Func<string, Type> CompileAll(IReadOnlyList<ModelPlan> plans, out double compileMs)
    {
        var asm = RoslynCompiler.Compile(plans.Select(Emit).ToArray());
        compileMs = asm.CompileMs;
        return name => asm.GetType($"{Namespace}.{name}");
    }

    /// <summary>
    /// Null when both methods of both backends (Roslyn's class <paramref name="roslyn"/>, or none when null) agree with
    /// the interpreter on <paramref name="f"/> within <paramref name="tol"/> (|a − b| ≤ tol·(1 + |a|), infinities and NaN
    /// exactly), with vectors on and off; else the first disagreement, named. <paramref name="optimized"/> false checks
    /// the plain method only.
    /// </summary>
    public static string? Check(Function f, ModelPlan plan, Type? roslyn, IReadOnlyDictionary<string, Tensor> bindings, int batch, double tol, bool optimized = true)
    {
        var type = f.Outputs[0].Node.DType;
        return Check(Interpreter.Run(f, bindings, type, batch), type, plan, roslyn, bindings, batch, tol, optimized);
    }

    /// <summary>As <see cref="Check(Function, ModelPlan, Type?, IReadOnlyDictionary{string, Tensor}, int, double, bool)"/>, against given values.</summary>
    public static string? Check(RunResult want, DType type, ModelPlan plan, Type? roslyn, IReadOnlyDictionary<string, Tensor> bindings, int batch, double tol,
        bool optimized = true) =>
        type == DType.F32 ? Check<float>(want, plan, roslyn, bindings, batch, tol, optimized) : Check<double>(want, plan, roslyn, bindings, batch, tol, optimized);

    private static string? Check<T>(RunResult want, ModelPlan plan, Type? roslyn, IReadOnlyDictionary<string, Tensor> bindings, int batch, double tol, bool optimized)
        where T : unmanaged
    {
        var models = new List<(string, CompiledModel<T>)> { ("expressions", ExpressionBackend.Compile<T>(plan)) };
        if (roslyn is not null) models.Add(("roslyn", (CompiledModel<T>)Activator.CreateInstance(roslyn)!));
        foreach (var (backend, model) in models)
            for (int method = 0; method < (optimized ? 2 : 1); method++)
                foreach (bool vectors in new[] { true, false })
                {
                    CompiledModel<T>.VectorsEnabled = vectors;
                    string? diff;
                    try { diff = CompiledRunner.Compare(want, CompiledRunner.Run(model, method, bindings, batch), tol); }
                    catch (Exception e) { diff = $"{e.GetType().Name}: {e.Message}"; }
                    finally { CompiledModel<T>.VectorsEnabled = true; }
                    if (diff is not null)
                        return $"{backend} {(method == 0 ? "plain" : "optimized")}, vectors {(vectors ? "on" : "off")}, batch {batch}: {diff}";
                }
        return null;
    }
}
