using System;

namespace Nabla.Ir;

/// <summary>The structural family of an op; passes and backends dispatch on it.</summary>
public enum OpKind
{
    /// <summary>No inputs: <c>input</c>, <c>param</c>, <c>const</c>, <c>batch_size</c>.</summary>
    Leaf,
    /// <summary>Elementwise with NumPy broadcasting (unary, binary, comparison, <c>where</c>).</summary>
    Elementwise,
    /// <summary>Reduction over axes: <c>sum</c>, <c>max</c>, <c>mean</c>.</summary>
    Reduce,
    /// <summary>Data movement without arithmetic: <c>reshape</c>, <c>transpose</c>, <c>broadcast</c>.</summary>
    Layout,
    /// <summary>Batched matrix product.</summary>
    MatMul,
    /// <summary>Numerically stable normalizers along one axis: <c>softmax</c>, <c>log_softmax</c>, <c>logsumexp</c>.</summary>
    Normalize,
    /// <summary>Sliding windows for convolution and pooling: <c>im2col</c> and its adjoint <c>col2im</c>.</summary>
    Window,
}

/// <summary>
/// An IR operation: its printed name, family and arity, plus the scalar function that defines
/// elementwise ops (the reference interpreter evaluates exactly this). The full set of ops is the
/// table of static fields below; shape rules live in <see cref="ShapeRules"/>, derivative rules in
/// <c>Autodiff/VjpRules.cs</c> and <c>Autodiff/JvpRules.cs</c>.
/// </summary>
public sealed class Op
{
    private readonly Func<double, double>? _f1;
    private readonly Func<double, double, double>? _f2;

    private Op(string name, OpKind kind, int arity, Func<double, double>? f1 = null, Func<double, double, double>? f2 = null,
        bool commutative = false, bool comparison = false, string? symbol = null)
    {
        Name = name; Kind = kind; Arity = arity; _f1 = f1; _f2 = f2;
        IsCommutative = commutative; IsComparison = comparison;
        if (kind == OpKind.Elementwise)
        {
            Operator = symbol;
            if (symbol is null) RuntimeFunction = RuntimeName(name);
        }
    }

    // The runtime function of an elementwise op: its name in PascalCase (exp → Exp, gt → Gt).
    private static string RuntimeName(string name) => char.ToUpperInvariant(name[0]) + name.Substring(1);

    /// <summary>
    /// How an elementwise op lowers, when it is a C# operator: <c>+ - * /</c>, or <c>-</c> for the unary negation
    /// (both emitters print it as the operator on scalars and vectors alike). Null for the other ops.
    /// </summary>
    public string? Operator { get; }

    /// <summary>
    /// How an elementwise op lowers when it is not an operator: the name of the function of <c>Nabla.Runtime.Emitted</c>
    /// that computes it, overloaded for float, double, <c>Vector128&lt;T&gt;</c> and <c>Vector256&lt;T&gt;</c> with the same
    /// value in every form (<c>Exp</c>, <c>Gt</c>, <c>Where</c>). Null for operators and for ops that are not elementwise.
    /// </summary>
    public string? RuntimeFunction { get; }

    /// <summary>Printed name, e.g. <c>mul</c>.</summary>
    public string Name { get; }
    /// <summary>The op's family.</summary>
    public OpKind Kind { get; }
    /// <summary>Number of inputs.</summary>
    public int Arity { get; }
    /// <summary>True for <c>add</c>, <c>mul</c>, <c>max</c>, <c>min</c>, <c>eq</c>: operand order does not matter.</summary>
    public bool IsCommutative { get; }
    /// <summary>True for comparisons, which produce 1 or 0 and have zero derivative.</summary>
    public bool IsComparison { get; }
    /// <summary>True for elementwise ops of one input.</summary>
    public bool IsUnary => Kind == OpKind.Elementwise && Arity == 1;
    /// <summary>True for elementwise ops of two inputs.</summary>
    public bool IsBinary => Kind == OpKind.Elementwise && Arity == 2;

    /// <summary>Applies a unary elementwise op to one value (float64 semantics).</summary>
    public double Apply(double x) => _f1 is not null ? _f1(x) : throw new InvalidOperationException($"{Name} is not a unary elementwise op.");

    /// <summary>Applies a binary elementwise op to two values (float64 semantics).</summary>
    public double Apply(double x, double y) => _f2 is not null ? _f2(x, y) : throw new InvalidOperationException($"{Name} is not a binary elementwise op.");

    /// <inheritdoc/>
    public override string ToString() => Name;

    // ---- leaves ----
    /// <summary>A named run-time input (data, labels).</summary>
    public static readonly Op Input = new("input", OpKind.Leaf, 0);
    /// <summary>A named parameter or optimizer state tensor; may be updated by a training step.</summary>
    public static readonly Op Param = new("param", OpKind.Leaf, 0);
    /// <summary>A constant: a scalar (attribute Value) or a tensor (attribute Data).</summary>
    public static readonly Op Const = new("const", OpKind.Leaf, 0);
    /// <summary>The run-time batch size as a scalar (used by means over the batch).</summary>
    public static readonly Op BatchSize = new("batch_size", OpKind.Leaf, 0);

    // ---- unary elementwise ----
    /// <summary>−x.</summary>
    public static readonly Op Neg = new("neg", OpKind.Elementwise, 1, x => -x, symbol: "-");
    /// <summary>eˣ.</summary>
    public static readonly Op Exp = new("exp", OpKind.Elementwise, 1, Math.Exp);
    /// <summary>Natural logarithm.</summary>
    public static readonly Op Log = new("log", OpKind.Elementwise, 1, Math.Log);
    /// <summary>Square root.</summary>
    public static readonly Op Sqrt = new("sqrt", OpKind.Elementwise, 1, Math.Sqrt);
    /// <summary>|x|.</summary>
    public static readonly Op Abs = new("abs", OpKind.Elementwise, 1, Math.Abs);
    /// <summary>sin x.</summary>
    public static readonly Op Sin = new("sin", OpKind.Elementwise, 1, Math.Sin);
    /// <summary>cos x.</summary>
    public static readonly Op Cos = new("cos", OpKind.Elementwise, 1, Math.Cos);
    /// <summary>tanh x.</summary>
    public static readonly Op Tanh = new("tanh", OpKind.Elementwise, 1, Math.Tanh);
    /// <summary>The logistic sigmoid 1/(1+e⁻ˣ), evaluated without overflow.</summary>
    public static readonly Op Sigmoid = new("sigmoid", OpKind.Elementwise, 1, Scalar.Sigmoid);
    /// <summary>max(x, 0); NaN stays NaN.</summary>
    public static readonly Op Relu = new("relu", OpKind.Elementwise, 1, x => x > 0 ? x : (x <= 0 ? 0 : x));
    /// <summary>Heaviside step: 1 where x &gt; 0, else 0 (the derivative of ReLU). Zero derivative.</summary>
    public static readonly Op Step = new("step", OpKind.Elementwise, 1, x => x > 0 ? 1 : 0);
    /// <summary>Sign: −1, 0 or 1 (NaN stays NaN). Zero derivative.</summary>
    public static readonly Op Sign = new("sign", OpKind.Elementwise, 1, x => x > 0 ? 1 : x < 0 ? -1 : x);
    /// <summary>log(1+eˣ), evaluated as max(x,0) + log1p(e^−|x|).</summary>
    public static readonly Op Softplus = new("softplus", OpKind.Elementwise, 1, Scalar.Softplus);

    // ---- binary elementwise ----
    /// <summary>x + y.</summary>
    public static readonly Op Add = new("add", OpKind.Elementwise, 2, f2: (x, y) => x + y, commutative: true, symbol: "+");
    /// <summary>x − y.</summary>
    public static readonly Op Sub = new("sub", OpKind.Elementwise, 2, f2: (x, y) => x - y, symbol: "-");
    /// <summary>x · y.</summary>
    public static readonly Op Mul = new("mul", OpKind.Elementwise, 2, f2: (x, y) => x * y, commutative: true, symbol: "*");
    /// <summary>x / y.</summary>
    public static readonly Op Div = new("div", OpKind.Elementwise, 2, f2: (x, y) => x / y, symbol: "/");
    /// <summary>xʸ.</summary>
    public static readonly Op Pow = new("pow", OpKind.Elementwise, 2, f2: Math.Pow);
    /// <summary>max(x, y).</summary>
    public static readonly Op Max = new("max", OpKind.Elementwise, 2, f2: Math.Max, commutative: true);
    /// <summary>min(x, y).</summary>
    public static readonly Op Min = new("min", OpKind.Elementwise, 2, f2: Math.Min, commutative: true);
    /// <summary>1 where x &gt; y, else 0.</summary>
    public static readonly Op Greater = new("gt", OpKind.Elementwise, 2, f2: (x, y) => x > y ? 1 : 0, comparison: true);
    /// <summary>1 where x ≥ y, else 0.</summary>
    public static readonly Op GreaterEqual = new("ge", OpKind.Elementwise, 2, f2: (x, y) => x >= y ? 1 : 0, comparison: true);
    /// <summary>1 where x = y, else 0.</summary>
    public static readonly Op Equal = new("eq", OpKind.Elementwise, 2, f2: (x, y) => x == y ? 1 : 0, commutative: true, comparison: true);

    // ---- ternary ----
    /// <summary>where(c, a, b): a where c ≠ 0, else b.</summary>
    public static readonly Op Where = new("where", OpKind.Elementwise, 3);

    // ---- reductions (attributes: axes, keep) ----
    /// <summary>Sum over axes.</summary>
    public static readonly Op Sum = new("sum", OpKind.Reduce, 1);
    /// <summary>Maximum over axes.</summary>
    public static readonly Op ReduceMax = new("reduce_max", OpKind.Reduce, 1);
    /// <summary>Mean over axes (divides by the run-time count when an axis is the batch).</summary>
    public static readonly Op Mean = new("mean", OpKind.Reduce, 1);

    // ---- layout ----
    /// <summary>Reinterprets the row-major data with another shape of the same size (attribute: target dims).</summary>
    public static readonly Op Reshape = new("reshape", OpKind.Layout, 1);
    /// <summary>Permutes the axes (attribute: permutation; output axis i is input axis perm[i]).</summary>
    public static readonly Op Transpose = new("transpose", OpKind.Layout, 1);
    /// <summary>Broadcasts to a larger shape by NumPy rules (attribute: target dims).</summary>
    public static readonly Op Broadcast = new("broadcast", OpKind.Layout, 1);

    // ---- contraction ----
    /// <summary>Batched matrix product [..., m, k] · [..., k, n] → [..., m, n]; leading dims broadcast.</summary>
    public static readonly Op MatMul = new("matmul", OpKind.MatMul, 2);

    // ---- normalizers along one axis (attribute: [axis]; logsumexp: keep flag) ----
    /// <summary>softmax along an axis, shifted by the maximum.</summary>
    public static readonly Op Softmax = new("softmax", OpKind.Normalize, 1);
    /// <summary>log softmax along an axis: x − logsumexp(x).</summary>
    public static readonly Op LogSoftmax = new("log_softmax", OpKind.Normalize, 1);
    /// <summary>log Σ eˣ along an axis, shifted by the maximum.</summary>
    public static readonly Op LogSumExp = new("logsumexp", OpKind.Normalize, 1);

    // ---- windows (attributes: [kh, kw, strideH, strideW, padH, padW]) ----
    /// <summary>Sliding windows of an NCHW tensor: [N,C,H,W] → [N, C·kh·kw, OH·OW] (zero padding).</summary>
    public static readonly Op Im2Col = new("im2col", OpKind.Window, 1);
    /// <summary>The adjoint of <see cref="Im2Col"/>: sums windows back into [N,C,H,W] (attribute Ints also holds C,H,W).</summary>
    public static readonly Op Col2Im = new("col2im", OpKind.Window, 1);

    /// <summary>Every op, in table order.</summary>
    public static readonly Op[] All =
    {
        Input, Param, Const, BatchSize,
        Neg, Exp, Log, Sqrt, Abs, Sin, Cos, Tanh, Sigmoid, Relu, Step, Sign, Softplus,
        Add, Sub, Mul, Div, Pow, Max, Min, Greater, GreaterEqual, Equal, Where,
        Sum, ReduceMax, Mean, Reshape, Transpose, Broadcast, MatMul, Softmax, LogSoftmax, LogSumExp, Im2Col, Col2Im,
    };
}

/// <summary>Scalar definitions shared by the interpreter and constant folding.</summary>
public static class Scalar
{
    /// <summary>Logistic sigmoid without overflow for large |x|.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0) return 1 / (1 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1 + e);
    }

    /// <summary>Softplus log(1+eˣ) as max(x,0) + log1p(e^−|x|).</summary>
    public static double Softplus(double x) => double.IsNaN(x) ? x : Math.Max(x, 0) + Log1p(Math.Exp(-Math.Abs(x)));

    /// <summary>log(1+x), accurate for small x.</summary>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }
}
