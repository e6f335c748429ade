using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Linq.Expressions;
using System.Reflection;
using Nabla.Ir;
using Nabla.Runtime;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

/// <summary>
/// Expressions for the elementwise ops of a fused body, by the one rule both emitters follow, read from the op registry:
/// an op with an <see cref="Op.Operator"/> is that operator (<c>a + b</c>, <c>-a</c>, on scalars and vectors alike), any
/// other is a call of the <see cref="Emitted"/> function named <see cref="Op.RuntimeFunction"/> whose parameters are the
/// operands' types (float/double, or <c>Vector128&lt;T&gt;</c>/<c>Vector256&lt;T&gt;</c> for the generic vector forms), and a
/// kernel op (<see cref="Op.KernelMethod"/>) is a call of the user's method for the operands' type (<see cref="KernelMethods"/>).
/// Emitted C# calls the same functions, and their scalar and vector forms agree bit for bit, so an op has one value in
/// both backends, in a loop's vector body and in its scalar tail. No FMA contraction: a·b + c rounds twice, as in the
/// interpreter.
/// </summary>
internal sealed class ElementOps
{
    private static readonly ConcurrentDictionary<(string, string), MethodInfo> Methods = new();
    private readonly Type _t;
    private readonly VectorIsa? _v;

    public ElementOps(Type element, VectorIsa? isa)
    {
        _t = element;
        _v = isa;
    }

    /// <summary>A scalar constant of the element type.</summary>
    public E Const(double value) => E.Constant(_t == typeof(float) ? (object)(float)value : value, _t);

    /// <summary>The scalar value of <paramref name="op"/> applied to <paramref name="a"/>.</summary>
    public E Scalar(Op op, E[] a) => Apply(op, a);

    /// <summary>The vector value of <paramref name="op"/> applied to the vectors <paramref name="a"/>.</summary>
    public E Vector(Op op, E[] a)
    {
        if (_v is null) throw new InvalidOperationException("No vector instruction set was selected.");
        return Apply(op, a);
    }

    private static E Apply(Op op, E[] a)
    {
        // A kernel op (Op.DefineElementwise): the user's own public static method for the operands' type.
        if (op.IsKernel) return E.Call(KernelMethods.Find(op, a[0].Type), a);
        if (op.Operator is { } symbol)
            return (symbol, a.Length) switch
            {
                ("-", 1) => E.Negate(a[0]),
                ("+", 2) => E.Add(a[0], a[1]),
                ("-", 2) => E.Subtract(a[0], a[1]),
                ("*", 2) => E.Multiply(a[0], a[1]),
                ("/", 2) => E.Divide(a[0], a[1]),
                _ => throw new NotSupportedException($"The expression backend has no rule for the operator '{symbol}' of op {op.Name} with {a.Length} operands."),
            };
        if (op.RuntimeFunction is { } name) return E.Call(RuntimeMethod(name, a.Select(x => x.Type).ToArray()), a);
        throw new NotSupportedException($"The expression backend has no elementwise form for op {op.Name} (neither an operator nor a runtime function).");
    }

    /// <summary>
    /// The public static method of <see cref="Emitted"/> named <paramref name="name"/> taking exactly <paramref name="args"/>:
    /// a scalar overload, or a generic vector overload closed over the vectors' element type (cached).
    /// </summary>
    internal static MethodInfo RuntimeMethod(string name, Type[] args) =>
        Methods.GetOrAdd((name, string.Join(",", args.Select(a => a.FullName))), _ => FindRuntimeMethod(name, args));

    private static MethodInfo FindRuntimeMethod(string name, Type[] args)
    {
        var element = args.Length > 0 && args[0].IsGenericType ? args[0].GetGenericArguments()[0] : null;
        foreach (var m in typeof(Emitted).GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            if (m.Name != name || m.GetParameters().Length != args.Length) continue;
            var closed = m;
            if (m.IsGenericMethodDefinition)
            {
                if (element is null || m.GetGenericArguments().Length != 1) continue;
                try { closed = m.MakeGenericMethod(element); }
                catch (ArgumentException) { continue; }
            }
            var ps = closed.GetParameters();
            bool match = true;
            for (int i = 0; i < ps.Length && match; i++) match = ps[i].ParameterType == args[i];
            if (match) return closed;
        }
        throw new MissingMethodException(
            $"Nabla.Runtime.Emitted.{name}({string.Join(", ", args.Select(a => a.Name))}) does not exist: the runtime has no such form of this op.");
    }
}
