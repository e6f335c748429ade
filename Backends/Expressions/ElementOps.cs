using System;
using System.Linq.Expressions;
using Nabla.Ir;
using Nabla.Runtime;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

/// <summary>
/// Expressions for the elementwise ops of a fused body, in scalar form (operators, Math/MathF, <see cref="VMath"/> and
/// <see cref="ExpressionHelpers"/>, which the JIT inlines into dynamic methods) and in vector form (the static methods
/// of <see cref="VectorIsa"/> and the vector overloads of <see cref="VMath"/>). Both follow the reference interpreter's
/// definitions in <see cref="Op"/>: NaN-propagating max/min and ReLU, step and comparisons as 1/0,
/// where(c, a, b) = c ≠ 0 ? a : b, sigmoid and softplus in their overflow-free forms. The two forms give the same bits
/// for every op (VMath agrees across widths; pow with a small constant exponent is multiplied out in both), so a
/// loop's scalar tail matches its vector body. No FMA contraction: a·b + c rounds twice, as in the interpreter.
/// </summary>
internal sealed class ElementOps
{
    private readonly Type _t;
    private readonly Type _math;
    private readonly VectorIsa? _v;

    public ElementOps(Type element, VectorIsa? isa)
    {
        _t = element;
        _math = element == typeof(float) ? typeof(MathF) : typeof(Math);
        _v = isa;
    }

    /// <summary>A scalar constant of the element type.</summary>
    public E Const(double value) => E.Constant(_t == typeof(float) ? (object)(float)value : value, _t);

    // ---- scalar ----

    /// <summary>The scalar value of <paramref name="op"/> applied to <paramref name="a"/>; <paramref name="exponent"/> as in <see cref="Vector"/>.</summary>
    public E Scalar(Op op, E[] a, double? exponent = null)
    {
        if (op == Op.Neg) return E.Negate(a[0]);
        if (IsVMath(op)) return E.Call(typeof(VMath), Capitalized(op), null, a[0]);
        if (op == Op.Sqrt || op == Op.Abs) return E.Call(_math, Capitalized(op), null, a[0]);
        if (op == Op.Relu) return Helper("Relu", a[0]);
        if (op == Op.Step) return Helper("Step", a[0]);
        if (op == Op.Sign) return Helper("Sign", a[0]);
        if (op == Op.Add) return E.Add(a[0], a[1]);
        if (op == Op.Sub) return E.Subtract(a[0], a[1]);
        if (op == Op.Mul) return E.Multiply(a[0], a[1]);
        if (op == Op.Div) return E.Divide(a[0], a[1]);
        if (op == Op.Pow)
            return exponent switch
            {
                1 => a[0],
                2 => E.Multiply(a[0], a[0]),
                3 => E.Multiply(E.Multiply(a[0], a[0]), a[0]),
                -1 => E.Divide(Const(1), a[0]),
                _ => E.Call(_math, "Pow", null, a[0], a[1]),
            };
        if (op == Op.Max) return E.Call(_math, "Max", null, a[0], a[1]);
        if (op == Op.Min) return E.Call(_math, "Min", null, a[0], a[1]);
        if (op == Op.Greater) return E.Condition(E.GreaterThan(a[0], a[1]), Const(1), Const(0));
        if (op == Op.GreaterEqual) return E.Condition(E.GreaterThanOrEqual(a[0], a[1]), Const(1), Const(0));
        if (op == Op.Equal) return E.Condition(E.Equal(a[0], a[1]), Const(1), Const(0));
        if (op == Op.Where) return E.Condition(E.NotEqual(a[0], Const(0)), a[1], a[2]);
        if (op.RuntimeFunction is { } fn) return E.Call(typeof(Emitted), fn, null, a);
        throw new NotSupportedException($"The expression backend has no scalar form for op {op.Name}.");
    }

    private E Helper(string name, E x) => E.Call(typeof(ExpressionHelpers), name, null, x);

    // The transcendental ops come from VMath, whose scalar and vector overloads agree bit for bit, so a loop's scalar
    // tail computes exactly what its vector body would.
    private static bool IsVMath(Op op) =>
        op == Op.Exp || op == Op.Log || op == Op.Tanh || op == Op.Sigmoid || op == Op.Softplus || op == Op.Sin || op == Op.Cos;

    private static string Capitalized(Op op) => char.ToUpperInvariant(op.Name[0]) + op.Name.Substring(1);

    // ---- vector ----

    /// <summary>
    /// The vector value of <paramref name="op"/> applied to <paramref name="a"/>; <paramref name="exponent"/> is the
    /// constant exponent of a <c>pow</c>, when it is one (x², x³, √x, 1/x, x¹ then need no per-lane power).
    /// </summary>
    public E Vector(Op op, E[] a, double? exponent = null)
    {
        var v = _v ?? throw new InvalidOperationException("No vector instruction set was selected.");
        if (op == Op.Neg) return v.Call("Negate", a[0]);
        if (IsVMath(op)) return E.Call(typeof(VMath), Capitalized(op), null, a[0]);
        if (op == Op.Sqrt) return v.Call("Sqrt", a[0]);
        if (op == Op.Abs) return v.Call("Abs", a[0]);
        if (op == Op.Relu) return v.Call("Max", a[0], v.Constant(0));
        if (op == Op.Step) return OneWhere(v, v.Call("GreaterThan", a[0], v.Constant(0)));
        if (op == Op.Sign)
            return v.Call("ConditionalSelect", v.Call("GreaterThan", a[0], v.Constant(0)), v.Constant(1),
                v.Call("ConditionalSelect", v.Call("LessThan", a[0], v.Constant(0)), v.Constant(-1), a[0]));
        if (op == Op.Add) return v.Call("Add", a[0], a[1]);
        if (op == Op.Sub) return v.Call("Subtract", a[0], a[1]);
        if (op == Op.Mul) return v.Call("Multiply", a[0], a[1]);
        if (op == Op.Div) return v.Call("Divide", a[0], a[1]);
        if (op == Op.Pow) return Pow(v, a[0], a[1], exponent);
        if (op == Op.Max) return v.Call("Max", a[0], a[1]);
        if (op == Op.Min) return v.Call("Min", a[0], a[1]);
        if (op == Op.Greater) return OneWhere(v, v.Call("GreaterThan", a[0], a[1]));
        if (op == Op.GreaterEqual) return OneWhere(v, v.Call("GreaterThanOrEqual", a[0], a[1]));
        if (op == Op.Equal) return OneWhere(v, v.Call("Equals", a[0], a[1]));
        if (op == Op.Where) return v.Call("ConditionalSelect", v.Call("Equals", a[0], v.Constant(0)), a[2], a[1]);
        if (op.RuntimeFunction is { } fn) return E.Call(typeof(Emitted), fn, new[] { v.Element }, a);
        throw new NotSupportedException($"The expression backend has no vector form for op {op.Name}.");
    }

    // 1 in the lanes where the mask is set, 0 elsewhere.
    private static E OneWhere(VectorIsa v, E mask) => v.Call("BitwiseAnd", mask, v.Constant(1));

    private E Pow(VectorIsa v, E x, E y, double? exponent)
    {
        switch (exponent)
        {
            case 1: return x;
            case 2: return v.Call("Multiply", x, x);
            case 3: return v.Call("Multiply", v.Call("Multiply", x, x), x);
            case -1: return v.Call("Divide", v.Constant(1), x);
            default: return E.Call(typeof(ExpressionHelpers), "Pow", null, x, y);
        }
    }
}
