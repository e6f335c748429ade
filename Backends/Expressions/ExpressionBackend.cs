using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;

namespace Nabla.Backends.Expressions;

/// <summary>Settings of <see cref="ExpressionBackend.Compile{T}(ModelPlan, ExpressionBackendOptions?)"/>.</summary>
public sealed class ExpressionBackendOptions
{
    /// <summary>The widest vectors the loops may use: 0 (default) for the widest accelerated (256 or 128 bits),
    /// 128 for <c>Vector128</c>, −1 for scalar loops only.</summary>
    public int MaxVectorBits { get; init; }

    /// <summary>
    /// The estimated size (about one unit per local variable) at which a method's kernels are split into another
    /// dynamic method. Very large methods make the JIT fall back to unoptimized code; the split keeps each part small.
    /// Default 400.
    /// </summary>
    public int PartBudget { get; init; } = 400;

    /// <summary>Test seam: replaces the <see cref="RuntimeFeature.IsDynamicCodeSupported"/> check.</summary>
    internal Func<bool>? DynamicCodeSupported { get; init; }
}

/// <summary>
/// The System.Linq.Expressions backend: compiles a <see cref="ModelPlan"/> into a <see cref="CompiledModel{T}"/> in
/// milliseconds. Each method becomes an expression tree — fused elementwise loops vectorized with
/// <c>Vector256</c>/<c>Vector128</c> (with a scalar tail and a scalar path when <see cref="CompiledModel{T}.VectorsEnabled"/>
/// is off), reductions in a fixed order, and calls of the runtime GEMM and row kernels — compiled by
/// <see cref="LambdaExpression.Compile()"/> into dynamic methods that the JIT optimizes like ordinary code.
/// Needs run-time code generation: under NativeAOT use the source generator or an AOT model assembly instead.
/// </summary>
public static class ExpressionBackend
{
    /// <summary>The message of the exception thrown when this process cannot generate code.</summary>
    internal const string NoDynamicCodeMessage =
        "The expression backend cannot run here: this process cannot generate code at run time " +
        "(RuntimeFeature.IsDynamicCodeSupported is false, as under NativeAOT), so System.Linq.Expressions would only " +
        "interpret the model, some 200-330x slower. Compile the model at build time instead: with the Nabla source " +
        "generator ([Network] on a static partial class) or as an AOT model assembly (`nabla build <model> -o <dir>`), " +
        "and reference the generated code.";

    /// <summary>
    /// Compiles every method of <paramref name="plan"/>. <typeparamref name="T"/> must match the plan's element type
    /// (float for f32, double for f64).
    /// </summary>
    /// <exception cref="NotSupportedException">The process cannot generate code (NativeAOT); the message says what to use instead.</exception>
    /// <exception cref="ArgumentException">The element type does not match the plan's.</exception>
    [RequiresDynamicCode("The expression backend generates code at run time. Under NativeAOT compile the model at build time with the Nabla source generator or `nabla build`.")]
    public static ExpressionModel<T> Compile<T>(ModelPlan plan, ExpressionBackendOptions? options = null) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(plan);
        options ??= new ExpressionBackendOptions();
        if (!(options.DynamicCodeSupported?.Invoke() ?? RuntimeFeature.IsDynamicCodeSupported))
            throw new NotSupportedException(NoDynamicCodeMessage);
        var want = typeof(T) == typeof(float) ? DType.F32 : typeof(T) == typeof(double) ? DType.F64
            : throw new ArgumentException($"Element type {typeof(T).Name} is not supported: use float (f32) or double (f64).");
        if (plan.DType != want)
            throw new ArgumentException($"Model \"{plan.Name}\" is {plan.DType.ShortName()}, but Compile<{typeof(T).Name}> builds {want.ShortName()} code; use Compile<{(plan.DType == DType.F32 ? "float" : "double")}>.");

        var clock = Stopwatch.StartNew();
        var layout = new ModelLayout(plan);
        var isa = VectorIsa.Best(typeof(T), options.MaxVectorBits);
        var lambdas = new List<IReadOnlyList<Expression<Action<int, T[][], T[][], T[][], T[][], T[][]>>>>();
        int kernels = 0;
        foreach (var m in layout.Methods)
        {
            var emitter = new MethodEmitter<T>(m, isa);
            var parts = Split(m.Schedule.Kernels, options.PartBudget);
            lambdas.Add(parts.Select((p, i) => emitter.Emit(p, parts.Count == 1 ? m.Name : $"{m.Name}_part{i}")).ToArray());
            kernels += m.Schedule.Kernels.Count;
        }
        double expressionMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        // Compile() also JIT-compiles each dynamic method; parts are independent, so they compile on all cores.
        var all = lambdas.SelectMany(ps => ps).ToArray();
        var compiled = new Action<int, T[][], T[][], T[][], T[][], T[][]>[all.Length];
        if (all.Length == 1) compiled[0] = all[0].Compile();
        else Parallel.For(0, all.Length, i => compiled[i] = all[i].Compile());
        int next = 0;
        var delegates = lambdas.Select(ps => ps.Select(_ => compiled[next++]).ToArray()).ToArray();
        double compileMs = clock.Elapsed.TotalMilliseconds;
        var info = new ExpressionBuildInfo(expressionMs, compileMs, kernels, delegates.Sum(d => d.Length), isa?.Bits ?? 0);
        return new ExpressionModel<T>(layout.Spec, delegates, layout.Methods.Select(m => m.ConstantArrays<T>()).ToArray(),
            lambdas.Select(ps => (IReadOnlyList<LambdaExpression>)ps.ToArray<LambdaExpression>()).ToArray(), info);
    }

    /// <summary>Compiles a single schedule as a model with one method, <paramref name="method"/>.</summary>
    [RequiresDynamicCode("The expression backend generates code at run time. Under NativeAOT compile the model at build time with the Nabla source generator or `nabla build`.")]
    public static ExpressionModel<T> Compile<T>(Schedule schedule, string method = "Run", ExpressionBackendOptions? options = null) where T : unmanaged =>
        Compile<T>(new ModelPlan("Model", new[] { (method, schedule) }), options);

    // Consecutive runs of kernels whose estimated size stays within the budget (at least one kernel per part).
    private static List<List<Kernel>> Split(IReadOnlyList<Kernel> kernels, int budget)
    {
        var parts = new List<List<Kernel>> { new() };
        int used = 0;
        foreach (var k in kernels)
        {
            int cost = Cost(k);
            if (parts[^1].Count > 0 && used + cost > budget) { parts.Add(new List<Kernel>()); used = 0; }
            parts[^1].Add(k);
            used += cost;
        }
        return parts;
    }

    private static int Cost(Kernel k) => k switch
    {
        ElementwiseKernel e => 12 + 2 * e.Body.Instrs.Count,
        ReduceKernel r => 16 + 2 * r.Body.Instrs.Count,
        CopyKernel c => 4 + 2 * c.Output.Shape.Rank,
        MoveKernel m => 4 + m.Moves.Sum(x => 4 + 3 * x.Plan.Loops),
        _ => 4,
    };
}
