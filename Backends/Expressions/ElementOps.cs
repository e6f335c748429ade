using System;
using System.Linq.Expressions;
using Nabla.Ir;
using Nabla.Runtime;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

/// <summary>
/// Expressions for the elementwise ops of a fused body, in scalar form (Math/MathF and
/// <see cref="ExpressionHelpers"/>, which the JIT inlines into dynamic methods) and in vector form (the static
/// methods of <see cref="VectorIsa"/>). Both follow the reference interpreter's definitions in <see cref="Op"/>:
/// NaN-propagating max/min and ReLU, step and comparisons as 1/0, where(c, a, b) = c ≠ 0 ? a : b, sigmoid and softplus
/// in their overflow-free forms. No FMA contraction: a·b + c rounds twice, as in the interpreter.
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

    /// <summary>The scalar value of <paramref name="op"/> applied to <paramref name="a"/>.</summary>
    public E Scalar(Op op, E[] a)
    {
        if (op == Op.Neg) return E.Negate(a[0]);
        if (op == Op.Exp || op == Op.Log || op == Op.Sqrt || op == Op.Abs || op == Op.Sin || op == Op.Cos || op == Op.Tanh)
            return E.Call(_math, Capitalized(op), null, a[0]);
        if (op == Op.Relu) return Helper("Relu", a[0]);
        if (op == Op.Step) return Helper("Step", a[0]);
        if (op == Op.Sign) return Helper("Sign", a[0]);
        if (op == Op.Sigmoid) return Helper("Sigmoid", a[0]);
        if (op == Op.Softplus) return Helper("Softplus", a[0]);
        if (op == Op.Add) return E.Add(a[0], a[1]);
        if (op == Op.Sub) return E.Subtract(a[0], a[1]);
        if (op == Op.Mul) return E.Multiply(a[0], a[1]);
        if (op == Op.Div) return E.Divide(a[0], a[1]);
        if (op == Op.Pow) return E.Call(_math, "Pow", null, a[0], a[1]);
        if (op == Op.Max) return E.Call(_math, "Max", null, a[0], a[1]);
        if (op == Op.Min) return E.Call(_math, "Min", null, a[0], a[1]);
        if (op == Op.Greater) return E.Condition(E.GreaterThan(a[0], a[1]), Const(1), Const(0));
        if (op == Op.GreaterEqual) return E.Condition(E.GreaterThanOrEqual(a[0], a[1]), Const(1), Const(0));
        if (op == Op.Equal) return E.Condition(E.Equal(a[0], a[1]), Const(1), Const(0));
        if (op == Op.Where) return E.Condition(E.NotEqual(a[0], Const(0)), a[1], a[2]);
        throw new NotSupportedException($"The expression backend has no scalar form for op {op.Name}.");
    }

    private E Helper(string name, E x) => E.Call(typeof(ExpressionHelpers), name, null, x);

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
        if (op == Op.Exp || op == Op.Log || op == Op.Sin || op == Op.Cos) return v.Call(Capitalized(op), a[0]);
        if (op == Op.Sqrt) return v.Call("Sqrt", a[0]);
        if (op == Op.Abs) return v.Call("Abs", a[0]);
        if (op == Op.Tanh) return Tanh(v, a[0]);
        if (op == Op.Sigmoid) return Sigmoid(v, a[0]);
        if (op == Op.Softplus) return Softplus(v, a[0]);
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

    // tanh |x| = −m/(m+2) with m = expm1(−2|x|), expm1 by Kahan's trick (u = eʸ; u = 1 ? y : (u−1)·y/log u), sign restored.
    private E Tanh(VectorIsa v, E x)
    {
        var ax = E.Variable(v.Type, "ax"); var y = E.Variable(v.Type, "y"); var u = E.Variable(v.Type, "u"); var m = E.Variable(v.Type, "m");
        var expm1 = v.Call("ConditionalSelect", v.Call("Equals", u, v.Constant(1)), y,
            v.Call("Divide", v.Call("Multiply", v.Call("Subtract", u, v.Constant(1)), y), v.Call("Log", u)));
        // Beyond 9 (float) or 19 (double) tanh rounds to 1; the cut also keeps e^−2|x| away from denormals and 0.
        var t = v.Call("ConditionalSelect", v.Call("GreaterThan", ax, v.Constant(_t == typeof(float) ? 9 : 19)), v.Constant(1),
            v.Call("Divide", v.Call("Negate", m), v.Call("Add", m, v.Constant(2))));
        return E.Block(v.Type, new[] { ax, y, u, m },
            E.Assign(ax, v.Call("Abs", x)),
            E.Assign(y, v.Call("Multiply", ax, v.Constant(-2))),
            E.Assign(u, v.Call("Exp", y)),
            E.Assign(m, expm1),
            // copysign: the result takes x's sign bit (tanh(−0) = −0, NaN stays NaN).
            v.Call("BitwiseOr", v.Call("AndNot", t, v.Constant(-0.0)), v.Call("BitwiseAnd", x, v.Constant(-0.0))));
    }

    // e = e^−|x|, s = 1/(1+e): s where x ≥ 0, e·s below (the interpreter's overflow-free sigmoid).
    private E Sigmoid(VectorIsa v, E x)
    {
        var e = E.Variable(v.Type, "e"); var s = E.Variable(v.Type, "s");
        return E.Block(v.Type, new[] { e, s },
            E.Assign(e, v.Call("Exp", v.Call("Negate", v.Call("Abs", x)))),
            E.Assign(s, v.Call("Divide", v.Constant(1), v.Call("Add", v.Constant(1), e))),
            v.Call("ConditionalSelect", v.Call("GreaterThanOrEqual", x, v.Constant(0)), s, v.Call("Multiply", e, s)));
    }

    // max(x, 0) + log1p(e^−|x|), log1p by the u = 1+e trick (u = 1 ? e : log u · e/(u−1)); NaN stays NaN.
    private E Softplus(VectorIsa v, E x)
    {
        var e = E.Variable(v.Type, "e"); var u = E.Variable(v.Type, "u");
        var log1p = v.Call("ConditionalSelect", v.Call("Equals", u, v.Constant(1)), e,
            v.Call("Divide", v.Call("Multiply", v.Call("Log", u), e), v.Call("Subtract", u, v.Constant(1))));
        return E.Block(v.Type, new[] { e, u },
            E.Assign(e, v.Call("Exp", v.Call("Negate", v.Call("Abs", x)))),
            E.Assign(u, v.Call("Add", v.Constant(1), e)),
            v.Call("Add", v.Call("Max", x, v.Constant(0)), log1p));
    }
}
