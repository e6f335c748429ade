using System;
using System.Collections.Generic;
using System.Linq;

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
    /// <summary>Sliding windows for convolution and pooling: <c>im2col</c> and its adjoint <c>col2im</c>; <c>max_pool</c> and its derivative <c>max_pool_grad</c>.</summary>
    Window,
    /// <summary>Regions moved along axes without arithmetic: <c>slice</c>, <c>concat</c> (variadic) and <c>pad</c>.</summary>
    Movement,
    /// <summary>
    /// Data movement by integer indices: <c>gather</c>, its adjoint <c>scatter_add</c>, and <c>one_hot</c>. Each runs as
    /// one runtime kernel (<see cref="Op.RuntimeFunction"/>) that checks every index it reads.
    /// </summary>
    Index,
    /// <summary>
    /// A custom op made by <c>Op.Define</c>: given by its forward in IR ops (<see cref="Op.Forward"/>) and its own or
    /// derived derivative rules. The pipeline replaces it by its forward (<see cref="Op.Inline"/>) before the graph passes,
    /// so no pass, scheduler or backend meets one.
    /// </summary>
    Composite,
}

/// <summary>The algebraic facts about an op that rewrites and analyses use.</summary>
[Flags]
public enum OpFacts
{
    /// <summary>Nothing known.</summary>
    None = 0,
    /// <summary>Operand order does not matter (<c>add</c>, <c>mul</c>, <c>max</c>, <c>min</c>, <c>eq</c>).</summary>
    Commutative = 1,
    /// <summary>A comparison: the result is 1 or 0.</summary>
    Comparison = 2,
    /// <summary>No element of the result is negative whatever the inputs (NaN may pass through).</summary>
    NonNegative = 4,
    /// <summary>Every element of the result is finite whatever the inputs hold (even NaN or ±∞).</summary>
    Finite = 8,
    /// <summary>The result's elements are the input's, moved or combined by sum, mean or maximum, so a sign known for the input holds for the result (layout ops and reductions).</summary>
    PassesFacts = 16,
}

/// <summary>How a reduction combines the elements of its axes when it is lowered.</summary>
public enum Combine
{
    /// <summary>Not a reduction.</summary>
    None,
    /// <summary>Adds them.</summary>
    Sum,
    /// <summary>Adds them and divides by their number.</summary>
    Mean,
    /// <summary>Takes the (NaN-propagating) maximum.</summary>
    Max,
}

/// <summary>
/// The op registry: every IR operation with everything each stage of the compiler needs to know about it, in one entry —
/// its printed name, family, arity and typed attributes (<see cref="AttrsType"/>); its meaning (the scalar function of
/// an elementwise op, the <see cref="ShapeRule"/>, the reference kernel the interpreter runs); its derivatives
/// (<see cref="Vjp"/> and <see cref="Jvp"/>, written in IR ops so gradients can be differentiated again); the algebraic
/// <see cref="Facts"/> rewrites use; and how it lowers (<see cref="Operator"/> / <see cref="RuntimeFunction"/> for
/// elementwise ops, <see cref="Combine"/> for reductions, <see cref="RuntimeFunction"/> for windows). The entries are
/// the static fields below, in <see cref="All"/>; adding an op means adding an entry (and a runtime function if it lowers
/// to one). A test enumerates every op against every consumer.
/// </summary>
public sealed partial class Op
{
    private readonly Func<double, double>? _f1;
    private readonly Func<double, double, double>? _f2;

    private Op(string name, OpKind kind, int arity, string summary)
    {
        Name = name; Kind = kind; Arity = arity; Summary = summary;
    }

    private Op(string name, OpKind kind, int arity, string summary, Func<double, double>? f1, Func<double, double, double>? f2)
        : this(name, kind, arity, summary)
    {
        _f1 = f1; _f2 = f2;
    }

    /// <summary>Printed name, e.g. <c>mul</c>.</summary>
    public string Name { get; }
    /// <summary>The op's family.</summary>
    public OpKind Kind { get; }
    /// <summary>Number of inputs; <see cref="Variadic"/> (−1) for an op that takes one or more (<c>concat</c>).</summary>
    public int Arity { get; }
    /// <summary>The <see cref="Arity"/> of an op that takes any positive number of inputs.</summary>
    public const int Variadic = -1;
    /// <summary>True when the op takes any positive number of inputs (<see cref="Arity"/> is <see cref="Variadic"/>).</summary>
    public bool IsVariadic => Arity == Variadic;
    /// <summary>One line saying what the op computes (for docs and listings).</summary>
    public string Summary { get; }
    /// <summary>The kind of <see cref="Attrs"/> the op takes (<see cref="Attrs"/> itself: none).</summary>
    public Type AttrsType { get; private set; } = typeof(Attrs);
    /// <summary>The output shape for inputs and attributes, throwing <see cref="ShapeException"/> when they do not fit.</summary>
    public Func<Op, Attrs, Node[], Shape> ShapeRule { get; private set; } = ShapeRules.Leaf;
    /// <summary>The reference kernel: the node's value from its inputs' values and the concrete output shape (float64).</summary>
    public Func<Node, Tensor[], int[], Tensor>? Reference { get; private set; }
    /// <summary>
    /// The reverse-mode rule: for <c>y = op(a, b, …)</c> and the adjoint <c>g = ∂L/∂y</c>, each input's contribution (null
    /// when zero); contributions may have y's broadcast shape. Null for leaves.
    /// </summary>
    public Func<Node, Node, Node?[]>? Vjp { get; private set; }
    /// <summary>
    /// The forward-mode rule: for <c>y = op(a, b, …)</c> and the inputs' tangents (null where an input does not depend on
    /// the seeds), y's tangent (null when zero). Terms of absent tangents are never built. Null for leaves.
    /// </summary>
    public Func<Node, Node?[], Node?>? Jvp { get; private set; }
    /// <summary>The algebraic facts rewrites use.</summary>
    public OpFacts Facts { get; private set; }
    /// <summary>
    /// How an elementwise op lowers when it is a C# operator: <c>+ - * /</c>, or <c>-</c> for the unary negation (both
    /// emitters print it as the operator on scalars and vectors alike). Null for the other ops.
    /// </summary>
    public string? Operator { get; private set; }
    /// <summary>
    /// How the op lowers to the runtime library: for an elementwise op that is not an operator, the function of
    /// <c>Nabla.Runtime.Emitted</c> that computes it, overloaded for float, double, <c>Vector128&lt;T&gt;</c> and
    /// <c>Vector256&lt;T&gt;</c> with the same value in every form (<c>Exp</c>, <c>Gt</c>, <c>Where</c>); for a window op
    /// the runtime's window kernel (<c>Im2Col</c>, <c>Col2Im</c>, <c>MaxPool</c>, <c>MaxPoolBackward</c>). Null otherwise.
    /// </summary>
    public string? RuntimeFunction { get; private set; }
    /// <summary>How a reduction combines its elements (<see cref="Ir.Combine.None"/> for other ops).</summary>
    public Combine Combine { get; private set; }

    /// <summary>True for <c>add</c>, <c>mul</c>, <c>max</c>, <c>min</c>, <c>eq</c>: operand order does not matter.</summary>
    public bool IsCommutative => (Facts & OpFacts.Commutative) != 0;
    /// <summary>True for comparisons, which produce 1 or 0 and have zero derivative.</summary>
    public bool IsComparison => (Facts & OpFacts.Comparison) != 0;
    /// <summary>True for elementwise ops of one input.</summary>
    public bool IsUnary => Kind == OpKind.Elementwise && Arity == 1;
    /// <summary>True for elementwise ops of two inputs.</summary>
    public bool IsBinary => Kind == OpKind.Elementwise && Arity == 2;

    /// <summary>Applies a unary elementwise op to one value (float64 semantics).</summary>
    public double Apply(double x) => _f1 is not null ? _f1(x) : throw new InvalidOperationException($"{Name} is not a unary elementwise op.");

    /// <summary>Applies a binary elementwise op to two values (float64 semantics).</summary>
    public double Apply(double x, double y) => _f2 is not null ? _f2(x, y) : throw new InvalidOperationException($"{Name} is not a binary elementwise op.");

    /// <summary>Applies an elementwise op of any arity to its operands (<c>where</c>: c ≠ 0 ? a : b).</summary>
    public double Apply(double[] args) => Arity switch
    {
        1 => Apply(args[0]),
        2 => Apply(args[0], args[1]),
        3 when this == Where => args[0] != 0 ? args[1] : args[2],
        _ => throw new InvalidOperationException($"{Name} is not an elementwise op."),
    };

    /// <summary>The op called <paramref name="name"/> (its printed name), or null.</summary>
    public static Op? ByName(string name) => All.FirstOrDefault(o => o.Name == name);

    /// <inheritdoc/>
    public override string ToString() => Name;

    // ---- entry builders ----

    private static Op Leaf(string name, string summary, Type attrs, OpFacts facts = OpFacts.None) =>
        new(name, OpKind.Leaf, 0, summary) { AttrsType = attrs, Facts = facts };

    private static Op Unary(string name, string summary, Func<double, double> f, Func<Node, Node, Node?[]> vjp, Func<Node, Node?[], Node?> jvp,
        OpFacts facts = OpFacts.None, string? symbol = null) =>
        Elementwise(new Op(name, OpKind.Elementwise, 1, summary, f, null), vjp, jvp, facts, symbol);

    private static Op Binary(string name, string summary, Func<double, double, double> f, Func<Node, Node, Node?[]> vjp, Func<Node, Node?[], Node?> jvp,
        OpFacts facts = OpFacts.None, string? symbol = null) =>
        Elementwise(new Op(name, OpKind.Elementwise, 2, summary, null, f), vjp, jvp, facts, symbol);

    private static Op Elementwise(Op op, Func<Node, Node, Node?[]> vjp, Func<Node, Node?[], Node?> jvp, OpFacts facts, string? symbol)
    {
        op.ShapeRule = ShapeRules.Elementwise;
        op.Reference = Interpreter.ElementwiseKernel;
        op.Vjp = vjp; op.Jvp = jvp; op.Facts = facts;
        op.Operator = symbol;
        op.RuntimeFunction = symbol is null ? char.ToUpperInvariant(op.Name[0]) + op.Name.Substring(1) : null;
        return op;
    }

    private static Op Structural(string name, OpKind kind, int arity, string summary, Type attrs, Func<Op, Attrs, Node[], Shape> shape,
        Func<Node, Tensor[], int[], Tensor> reference, Func<Node, Node, Node?[]> vjp, Func<Node, Node?[], Node?> jvp, OpFacts facts = OpFacts.None,
        Combine combine = Combine.None, string? runtime = null) =>
        new(name, kind, arity, summary)
        {
            AttrsType = attrs, ShapeRule = shape, Reference = reference, Vjp = vjp, Jvp = jvp, Facts = facts, Combine = combine,
            RuntimeFunction = runtime,
        };

    // Short names for the rule helpers (Autodiff/Rules.cs) and facts used by the entries below.
    private const OpFacts NonNeg = OpFacts.NonNegative;
    private static Node?[] None1(Node y, Node g) => new Node?[] { null };
    private static Node?[] None2(Node y, Node g) => new Node?[] { null, null };
    private static Node? NoTangent(Node y, Node?[] t) => null;
}
