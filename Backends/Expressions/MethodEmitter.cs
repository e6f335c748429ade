using System;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Buffer = Nabla.Rewrites.Schedule.Buffer;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

/// <summary>
/// Turns a run of kernels of one method into one lambda
/// <c>(batch, inputs, outputs, parameters, slots, constants) =&gt; { ... }</c>: every array the kernels touch is loaded
/// into a local once at entry, <see cref="CompiledModel{T}.VectorsEnabled"/> is read once, then each kernel becomes a
/// block of loops or a runtime-kernel call. This file: the frame, buffers, sizes and loop helpers; one partial file
/// per kernel family.
/// </summary>
internal sealed partial class MethodEmitter<T> where T : unmanaged
{
    private readonly MethodLayout _layout;
    private readonly VectorIsa? _widest;   // the widest vectors this method may use (null: scalar only)
    private VectorIsa? _isa;               // the current kernel's vectors (set from its plan)
    private ElementOps _ops;
    private readonly Dictionary<Buffer, ParameterExpression> _arrays = new();
    private readonly List<E> _prologue = new();
    private readonly ParameterExpression _vec = E.Variable(typeof(bool), "vectors");

    public MethodEmitter(MethodLayout layout, VectorIsa? isa)
    {
        _layout = layout;
        _widest = _isa = isa;
        _ops = new ElementOps(typeof(T), isa);
    }

    /// <summary>The run-time batch size.</summary>
    public ParameterExpression Batch { get; } = E.Parameter(typeof(int), "batch");
    private ParameterExpression Inputs { get; } = E.Parameter(typeof(T[][]), "inputs");
    private ParameterExpression Outputs { get; } = E.Parameter(typeof(T[][]), "outputs");
    private ParameterExpression Parameters { get; } = E.Parameter(typeof(T[][]), "parameters");
    private ParameterExpression Slots { get; } = E.Parameter(typeof(T[][]), "slots");
    private ParameterExpression Constants { get; } = E.Parameter(typeof(T[][]), "constants");

    /// <summary>The lambda running <paramref name="kernels"/> in order.</summary>
    public Expression<Action<int, T[][], T[][], T[][], T[][], T[][]>> Emit(IReadOnlyList<Kernel> kernels, string name)
    {
        _arrays.Clear();
        _prologue.Clear();
        var body = new List<E>();
        foreach (var k in kernels) body.Add(Kernel(k));
        var all = new List<E>();
        if (_widest is not null) all.Add(E.Assign(_vec, E.Property(null, typeof(CompiledModel<T>), nameof(CompiledModel<T>.VectorsEnabled))));
        all.AddRange(_prologue);
        all.AddRange(body);
        all.Add(E.Empty());
        var variables = _arrays.Values.Append(_vec);
        return E.Lambda<Action<int, T[][], T[][], T[][], T[][], T[][]>>(E.Block(variables, all), name,
            new[] { Batch, Inputs, Outputs, Parameters, Slots, Constants });
    }

    private E Kernel(Kernel k)
    {
        try
        {
            return k switch
            {
                ElementwiseKernel e => Elementwise(e),
                ReduceKernel r => Reduce(r),
                GemmKernel g => Gemm(g),
                DenseBackwardKernel d => DenseBackward(d),
                ProductCol2ImKernel pc => ProductCol2Im(pc),
                WindowProductKernel wp => WindowProduct(wp),
                NormalizeKernel n => Normalize(n),
                CopyKernel c => Copy(c),
                WindowKernel w => Window(w),
                MoveKernel m => Move(m),
                IndexKernel x => IndexOp(x),
                PoolKernel p => Pool(p),
                _ => throw new NotSupportedException($"The expression backend has no emitter for {k.GetType().Name}."),
            };
        }
        catch (Exception ex) when (ex is not NotSupportedException)
        {
            throw new InvalidOperationException($"{_layout.Name}: emitting kernel k{k.Id} ({k}) failed: {ex.Message}", ex);
        }
    }

    // ---- buffers and sizes ----

    /// <summary>The local holding a buffer's storage array (loaded once at entry).</summary>
    private ParameterExpression Arr(Buffer b)
    {
        var s = b.Storage;
        if (_arrays.TryGetValue(s, out var local)) return local;
        var at = _layout.Storage.Locate(s);
        var from = at.Kind switch
        {
            StorageKind.Input => Inputs,
            StorageKind.Output => Outputs,
            StorageKind.Parameter => Parameters,
            StorageKind.Slot => Slots,
            _ => Constants,
        };
        local = E.Variable(typeof(T[]), (s.Name ?? "b" + s.Id).Replace('.', '_'));
        _prologue.Add(E.Assign(local, E.ArrayIndex(from, E.Constant(at.Index))));
        return _arrays[s] = local;
    }

    /// <summary>The single value of a one-element constant buffer, or null.</summary>
    private static double? ScalarConstant(Buffer b) =>
        b.Storage.Kind == BufferKind.Const && b.Storage.Data is { Length: 1 } d ? d[0] : null;

    /// <summary>A size as an int expression: a constant, or <c>factor · batch^power</c>.</summary>
    private E Size(Dim d)
    {
        if (d.IsStatic)
        {
            if (d.Factor > int.MaxValue) throw new NotSupportedException($"Size {d.Factor} exceeds the largest array.");
            return E.Constant((int)d.Factor);
        }
        E v = Batch;
        for (int p = 1; p < d.Power; p++) v = E.Multiply(v, Batch);
        return d.Factor == 1 ? v : E.Multiply(E.Constant((int)d.Factor), v);
    }

    private static bool IsOne(Dim d) => d.IsStatic && d.Factor == 1;

    /// <summary>A <see cref="ScalarTerm"/> as a T expression: the constant and batch power in double, times each factor.</summary>
    private E Term(ScalarTerm s)
    {
        E v = E.Constant(s.Constant);
        var b = E.Convert(Batch, typeof(double));
        for (int p = 0; p < Math.Abs(s.BatchPower); p++) v = s.BatchPower > 0 ? E.Multiply(v, b) : E.Divide(v, b);
        foreach (var f in s.Factors)
            v = E.Multiply(v, ScalarConstant(f) is double c ? E.Constant(c) : E.Convert(E.ArrayIndex(Arr(f), E.Constant(0)), typeof(double)));
        return E.Convert(v, typeof(T));
    }

    /// <summary>The vectors switch (false when no vector instruction set was selected).</summary>
    private E Vectors => _widest is null ? E.Constant(false) : _vec;

    // ---- loops ----

    /// <summary><c>i = from; while (i &lt; to) { body; i += step; }</c></summary>
    private static E For(ParameterExpression i, E from, E to, int step, params E[] body) =>
        E.Block(E.Assign(i, from), While(i, to, step, body));

    /// <summary><c>while (i &lt; to) { body; i += step; }</c> (continuing from i's current value).</summary>
    private static E While(ParameterExpression i, E to, int step, params E[] body)
    {
        var exit = E.Label("exit");
        var inner = body.Append(step == 1 ? E.PreIncrementAssign(i) : E.AddAssign(i, E.Constant(step)));
        return E.Loop(E.IfThenElse(E.LessThan(i, to), E.Block(inner), E.Break(exit)), exit);
    }

    private static ParameterExpression Int(string name) => E.Variable(typeof(int), name);
}
