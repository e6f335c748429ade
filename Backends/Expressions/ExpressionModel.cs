using System;
using System.Collections.Generic;
using System.Linq.Expressions;
using Nabla.Runtime;

namespace Nabla.Backends.Expressions;

/// <summary>
/// A model compiled by <see cref="ExpressionBackend"/>: each method is one or more dynamic methods compiled from
/// expression trees (a long schedule is split so that no single method grows large enough for the JIT to stop
/// optimizing it). <see cref="CompiledModel{T}.Run"/> validates the arrays and sizes the temporaries; a run then calls
/// the method's delegates in order and allocates nothing.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class ExpressionModel<T> : CompiledModel<T> where T : unmanaged
{
    private readonly Action<int, T[][], T[][], T[][], T[][], T[][]>[][] _methods;
    private readonly T[][][] _constants;

    internal ExpressionModel(ModelSpec spec, Action<int, T[][], T[][], T[][], T[][], T[][]>[][] methods, T[][][] constants,
        IReadOnlyList<IReadOnlyList<LambdaExpression>> lambdas, ExpressionBuildInfo info) : base(spec)
    {
        _methods = methods;
        _constants = constants;
        Lambdas = lambdas;
        BuildInfo = info;
    }

    /// <summary>The expression trees of each method (in method order, then part order), for inspection and debugging.</summary>
    public IReadOnlyList<IReadOnlyList<LambdaExpression>> Lambdas { get; }

    /// <summary>How long building and compiling took, and what was built.</summary>
    public ExpressionBuildInfo BuildInfo { get; }

    /// <inheritdoc/>
    protected override void Execute(int method, int batch, T[][] inputs, T[][] outputs)
    {
        var parts = _methods[method];
        var slots = Slots(method);
        var constants = _constants[method];
        for (int i = 0; i < parts.Length; i++) parts[i](batch, inputs, outputs, Parameters, slots, constants);
    }
}

/// <summary>What <see cref="ExpressionBackend.Compile{T}(Rewrites.Schedule.ModelPlan, ExpressionBackendOptions?)"/> built and how long it took.</summary>
/// <param name="ExpressionMs">Milliseconds spent building the expression trees.</param>
/// <param name="CompileMs">Milliseconds spent in <see cref="LambdaExpression.Compile()"/> (IL generation; the JIT compiles each
/// dynamic method on its first call).</param>
/// <param name="Kernels">Kernels emitted, over all methods.</param>
/// <param name="Parts">Dynamic methods created, over all methods.</param>
/// <param name="VectorBits">Width of the vector loops (256 or 128), or 0 when only scalar loops were emitted.</param>
public sealed record ExpressionBuildInfo(double ExpressionMs, double CompileMs, int Kernels, int Parts, int VectorBits)
{
    /// <summary>Expression building plus compilation.</summary>
    public double TotalMs => ExpressionMs + CompileMs;
}
