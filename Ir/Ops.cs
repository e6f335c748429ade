using System;
using static Nabla.Ir.Rules;

namespace Nabla.Ir;

// The entries of the op registry: one per op, each with its meaning, shape rule, derivative rules, facts and lowering.
// To add an op: add an entry here and to All, an F function that builds it, and (if it lowers to one) the runtime
// function its RuntimeFunction names; OpRegistryTests then checks it against every consumer.
public sealed partial class Op
{
    // ---- leaves ----
    /// <summary>A named run-time input (data, labels).</summary>
    public static readonly Op Input = Leaf("input", "a named run-time input", typeof(LeafAttrs));
    /// <summary>A named parameter or optimizer state tensor; may be updated by a training step.</summary>
    public static readonly Op Param = Leaf("param", "a named parameter or optimizer state tensor", typeof(LeafAttrs));
    /// <summary>A constant: a scalar or a tensor (<see cref="ConstAttrs"/>).</summary>
    public static readonly Op Const = Leaf("const", "a scalar or tensor constant", typeof(ConstAttrs));
    /// <summary>The run-time batch size as a scalar (used by means over the batch).</summary>
    public static readonly Op BatchSize = Leaf("batch_size", "the run-time batch size", typeof(Attrs), NonNeg | OpFacts.Finite);

    // ---- unary elementwise ----
    /// <summary>−x.</summary>
    public static readonly Op Neg = Unary("neg", "−x", x => -x,
        (y, g) => new[] { -g }, (y, t) => -t[0]!, symbol: "-");
    /// <summary>eˣ.</summary>
    public static readonly Op Exp = Unary("exp", "eˣ", Math.Exp,
        (y, g) => new[] { g * y }, (y, t) => t[0]! * y, NonNeg);
    /// <summary>Natural logarithm.</summary>
    public static readonly Op Log = Unary("log", "natural logarithm", Math.Log,
        (y, g) => new[] { g / y.A }, (y, t) => t[0]! / y.A);
    /// <summary>log(1 + x), accurate for small x.</summary>
    public static readonly Op Log1p = Unary("log1p", "log(1 + x), accurate near 0", Scalar.Log1p,
        (y, g) => new[] { g / (1.0 + y.A) }, (y, t) => t[0]! / (1.0 + y.A));
    /// <summary>eˣ − 1, accurate for small x.</summary>
    public static readonly Op Expm1 = Unary("expm1", "eˣ − 1, accurate near 0", Scalar.Expm1,
        (y, g) => new[] { g * (y + 1.0) }, (y, t) => t[0]! * (y + 1.0));
    /// <summary>Square root.</summary>
    public static readonly Op Sqrt = Unary("sqrt", "square root", Math.Sqrt,
        (y, g) => new[] { g * 0.5 / y }, (y, t) => t[0]! * 0.5 / y, NonNeg);
    /// <summary>|x|.</summary>
    /// <remarks>The derivative is sign(x), so 0 at x = 0 (PyTorch's <c>abs′(0) = 0</c>).</remarks>
    public static readonly Op Abs = Unary("abs", "|x|", Math.Abs,
        (y, g) => new[] { g * F.Sign(y.A) }, (y, t) => t[0]! * F.Sign(y.A), NonNeg);
    /// <summary>sin x.</summary>
    public static readonly Op Sin = Unary("sin", "sin x", Math.Sin,
        (y, g) => new[] { g * F.Cos(y.A) }, (y, t) => t[0]! * F.Cos(y.A));
    /// <summary>cos x.</summary>
    public static readonly Op Cos = Unary("cos", "cos x", Math.Cos,
        (y, g) => new[] { -(g * F.Sin(y.A)) }, (y, t) => -(t[0]! * F.Sin(y.A)));
    /// <summary>tanh x.</summary>
    public static readonly Op Tanh = Unary("tanh", "tanh x", Math.Tanh,
        (y, g) => new[] { g * (1.0 - y * y) }, (y, t) => t[0]! * (1.0 - y * y));
    /// <summary>The logistic sigmoid 1/(1+e⁻ˣ), evaluated without overflow.</summary>
    public static readonly Op Sigmoid = Unary("sigmoid", "1/(1+e⁻ˣ) without overflow", Scalar.Sigmoid,
        (y, g) => new[] { g * (y * (1.0 - y)) }, (y, t) => t[0]! * (y * (1.0 - y)), NonNeg);
    /// <summary>max(x, 0); NaN stays NaN.</summary>
    /// <remarks>The derivative is step(x): 0 at x = 0 (PyTorch's <c>relu′(0) = 0</c>), so a ReLU zero passes no gradient.</remarks>
    public static readonly Op Relu = Unary("relu", "max(x, 0); NaN stays NaN", x => x > 0 ? x : (x <= 0 ? 0 : x),
        (y, g) => new[] { g * F.Step(y.A) }, (y, t) => t[0]! * F.Step(y.A), NonNeg);
    /// <summary>Heaviside step: 1 where x &gt; 0, else 0 (the derivative of ReLU). Zero derivative.</summary>
    /// <remarks>step(0) = 0 (PyTorch's <c>heaviside(x, 0)</c>, which has no derivative; Nabla's is 0 everywhere, 0 included).</remarks>
    public static readonly Op Step = Unary("step", "1 where x > 0, else 0", x => x > 0 ? 1 : 0,
        None1, NoTangent, NonNeg | OpFacts.Finite);
    /// <summary>Sign: −1, 0 or 1 (NaN stays NaN). Zero derivative.</summary>
    /// <remarks>sign(0) = 0 and the derivative is 0 everywhere, 0 included (PyTorch's <c>sign</c>).</remarks>
    public static readonly Op Sign = Unary("sign", "−1, 0 or 1; NaN stays NaN", x => x > 0 ? 1 : x < 0 ? -1 : x,
        None1, NoTangent);
    /// <summary>log(1+eˣ), evaluated as max(x,0) + log1p(e^−|x|).</summary>
    public static readonly Op Softplus = Unary("softplus", "log(1+eˣ) as max(x,0) + log1p(e^−|x|)", Scalar.Softplus,
        (y, g) => new[] { g * F.Sigmoid(y.A) }, (y, t) => t[0]! * F.Sigmoid(y.A), NonNeg);

    // ---- binary elementwise ----
    /// <summary>x + y.</summary>
    public static readonly Op Add = Binary("add", "x + y", (x, y) => x + y,
        (y, g) => new[] { g, g }, (y, t) => Plus(t[0], t[1]), OpFacts.Commutative, "+");
    /// <summary>x − y.</summary>
    public static readonly Op Sub = Binary("sub", "x − y", (x, y) => x - y,
        (y, g) => new[] { g, -g }, (y, t) => Plus(t[0], On(t[1], d => -d)), symbol: "-");
    /// <summary>x · y.</summary>
    public static readonly Op Mul = Binary("mul", "x · y", (x, y) => x * y,
        (y, g) => new[] { g * y.B, g * y.A }, (y, t) => Plus(On(t[0], d => d * y.B), On(t[1], d => y.A * d)), OpFacts.Commutative, "*");
    /// <summary>x / y.</summary>
    public static readonly Op Div = Binary("div", "x / y", (x, y) => x / y,
        (y, g) => new[] { g / y.B, -(g * y / y.B) }, (y, t) => Plus(On(t[0], d => d / y.B), On(t[1], d => -(d * y / y.B))), symbol: "/");
    /// <summary>xʸ.</summary>
    /// <remarks>
    /// PyTorch's conventions where the textbook formulas give 0·∞: ∂/∂x is 0 where y = 0 (x⁰ is the constant 1, also at
    /// x = 0), and ∂/∂y is 0 where x = 0 and y ≥ 0 (xʸ·ln x → 0 there).
    /// </remarks>
    public static readonly Op Pow = Binary("pow", "xʸ", Math.Pow,
        (y, g) => new[] { F.Where(F.Equal(y.B, Zero(y.B)), Zero(g), g * PowDx(y)), F.Where(PowDyIsZero(y), Zero(g), g * (y * F.Log(y.A))) },
        (y, t) => Plus(On(t[0], d => F.Where(F.Equal(y.B, Zero(y.B)), Zero(d), d * PowDx(y))),
                       On(t[1], d => F.Where(PowDyIsZero(y), Zero(d), d * (y * F.Log(y.A))))));
    private static Node PowDx(Node y) => y.B * F.Pow(y.A, y.B - 1.0);
    private static Node PowDyIsZero(Node y) => F.Equal(y.A, Zero(y.A)) * F.GreaterEqual(y.B, Zero(y.B));
    /// <summary>max(x, y).</summary>
    /// <remarks>
    /// At a tie (x = y) the derivative is shared equally, ½ to each side, as PyTorch's <c>torch.maximum</c> (forward mode
    /// likewise: the tangent is the mean of the two); elsewhere it goes to the larger side. A NaN on either side sends the
    /// whole derivative to both, as PyTorch's rule does. See "Derivatives at kinks and ties" in docs/ARCHITECTURE.md.
    /// </remarks>
    public static readonly Op Max = Binary("max", "max(x, y); NaN propagates; ties share the derivative equally", Math.Max,
        (y, g) => new[] { TieShare(F.Greater(y.B, y.A), y, g), TieShare(F.Greater(y.A, y.B), y, g) },
        (y, t) => TieTangent(F.GreaterEqual(y.A, y.B), y, t), OpFacts.Commutative);
    /// <summary>min(x, y).</summary>
    /// <remarks>
    /// At a tie (x = y) the derivative is shared equally, ½ to each side, as PyTorch's <c>torch.minimum</c>; elsewhere it
    /// goes to the smaller side (see <see cref="Max"/>).
    /// </remarks>
    public static readonly Op Min = Binary("min", "min(x, y); NaN propagates; ties share the derivative equally", Math.Min,
        (y, g) => new[] { TieShare(F.Greater(y.A, y.B), y, g), TieShare(F.Greater(y.B, y.A), y, g) },
        (y, t) => TieTangent(F.LessEqual(y.A, y.B), y, t), OpFacts.Commutative);
    // max/min's adjoint for one side: 0 where that side loses, g/2 at a tie, else g (PyTorch's
    // where(a == b, g/2, g).masked_fill(loses, 0)).
    private static Node TieShare(Node loses, Node y, Node g) =>
        F.Where(loses, Zero(g), F.Where(F.Equal(y.A, y.B), g * 0.5, g));
    // max/min's tangent: the mean of both tangents at a tie, else the winner's (wins: where the first side wins or ties).
    private static Node? TieTangent(Node wins, Node y, Node?[] t)
    {
        var pick = Select(wins, t[0], t[1]);
        if (pick is null) return null;
        return F.Where(F.Equal(y.A, y.B), Plus(t[0], t[1])! * 0.5, pick);
    }
    /// <summary>1 where x &gt; y, else 0.</summary>
    public static readonly Op Greater = Binary("gt", "1 where x > y, else 0", (x, y) => x > y ? 1 : 0,
        None2, NoTangent, OpFacts.Comparison | NonNeg | OpFacts.Finite);
    /// <summary>1 where x ≥ y, else 0.</summary>
    public static readonly Op GreaterEqual = Binary("ge", "1 where x ≥ y, else 0", (x, y) => x >= y ? 1 : 0,
        None2, NoTangent, OpFacts.Comparison | NonNeg | OpFacts.Finite);
    /// <summary>1 where x = y, else 0.</summary>
    /// <remarks>Like every comparison, its derivative is 0 everywhere, at x = y too (a mask is a constant to autodiff).</remarks>
    public static readonly Op Equal = Binary("eq", "1 where x = y, else 0", (x, y) => x == y ? 1 : 0,
        None2, NoTangent, OpFacts.Commutative | OpFacts.Comparison | NonNeg | OpFacts.Finite);

    // ---- ternary ----
    /// <summary>where(c, a, b): a where c ≠ 0, else b.</summary>
    /// <remarks>
    /// Any condition is allowed, not only a comparison: c = 0 (and −0) selects b, every other value (NaN too) selects a.
    /// The derivative goes to the selected side only; the condition gets none (PyTorch's <c>torch.where(c != 0, a, b)</c>).
    /// </remarks>
    public static readonly Op Where = Elementwise(new Op("where", OpKind.Elementwise, 3, "a where c ≠ 0, else b", null, null),
        (y, g) => new Node?[] { null, F.Where(y.A, g, Zero(g)), F.Where(y.A, Zero(g), g) },
        (y, t) => Select(y.A, t[1], t[2]), OpFacts.None, null);

    // ---- reductions ----
    /// <summary>Sum over axes.</summary>
    public static readonly Op Sum = Structural("sum", OpKind.Reduce, 1, "sum over axes", typeof(AxesAttrs), ShapeRules.Reduce, Interpreter.ReduceKernel,
        (y, g) => new[] { F.BroadcastTo(Unreduce(g, y), y.A.Shape) },
        (y, t) => F.Sum(t[0]!, Axes(y), Keep(y)), OpFacts.PassesFacts, Combine.Sum);
    /// <summary>Maximum over axes.</summary>
    /// <remarks>
    /// Ties share the derivative equally: each of the k elements of a slice equal to its maximum gets 1/k (PyTorch's
    /// <c>amax</c>), −∞ elements below the maximum get 0. Max pooling is im2col + reduce_max, so its windows split ties
    /// equally too, where PyTorch's <c>max_pool</c> sends the derivative to the first maximum of a window; over ReLU
    /// zeros (the common tie) the derivative with respect to the ReLU's input is 0 under both. See "Derivatives at kinks
    /// and ties" in docs/ARCHITECTURE.md.
    /// </remarks>
    public static readonly Op ReduceMax = Structural("reduce_max", OpKind.Reduce, 1, "maximum over axes; ties share the derivative equally",
        typeof(AxesAttrs), ShapeRules.Reduce, Interpreter.ReduceKernel,
        (y, g) => new[] { MaxShare(y) * Unreduce(g, y) },
        (y, t) => F.Sum(MaxShare(y) * t[0]!, Axes(y), Keep(y)), OpFacts.PassesFacts, Combine.Max);
    /// <summary>Mean over axes (divides by the run-time count when an axis is the batch).</summary>
    public static readonly Op Mean = Structural("mean", OpKind.Reduce, 1, "mean over axes", typeof(AxesAttrs), ShapeRules.Reduce, Interpreter.ReduceKernel,
        (y, g) => new[] { F.BroadcastTo(Unreduce(g, y) / F.Count(y.A, Axes(y)), y.A.Shape) },
        (y, t) => F.Mean(t[0]!, Axes(y), Keep(y)), OpFacts.PassesFacts, Combine.Mean);

    // ---- layout ----
    /// <summary>Reinterprets the row-major data with another shape of the same size.</summary>
    public static readonly Op Reshape = Structural("reshape", OpKind.Layout, 1, "the same row-major data with another shape",
        typeof(ShapeAttrs), ShapeRules.Reshape, Interpreter.ReshapeKernel,
        (y, g) => new[] { F.Reshape(g, y.A.Shape) }, (y, t) => F.Reshape(t[0]!, y.Shape), OpFacts.PassesFacts);
    /// <summary>Permutes the axes (output axis i is input axis perm[i]).</summary>
    public static readonly Op Transpose = Structural("transpose", OpKind.Layout, 1, "permutes the axes",
        typeof(PermutationAttrs), ShapeRules.Transpose, Interpreter.TransposeKernel,
        (y, g) => new[] { F.Transpose(g, y.Attr<PermutationAttrs>().Inverse()) },
        (y, t) => F.Transpose(t[0]!, y.Attr<PermutationAttrs>().Perm), OpFacts.PassesFacts);
    /// <summary>Broadcasts to a larger shape by NumPy rules.</summary>
    public static readonly Op Broadcast = Structural("broadcast", OpKind.Layout, 1, "broadcasts to a larger shape by NumPy rules",
        typeof(ShapeAttrs), ShapeRules.Broadcast, Interpreter.ElementwiseKernel,
        (y, g) => new[] { F.SumTo(g, y.A.Shape) }, (y, t) => F.BroadcastTo(t[0]!, y.Shape), OpFacts.PassesFacts);

    // ---- contraction ----
    /// <summary>Batched matrix product [..., m, k] · [..., k, n] → [..., m, n]; leading dims broadcast.</summary>
    public static readonly Op MatMul = Structural("matmul", OpKind.MatMul, 2, "batched matrix product; leading dimensions broadcast",
        typeof(Attrs), ShapeRules.MatMul, Interpreter.MatMulKernel,
        (y, g) => new[] { F.MatMul(g, F.T(y.B)), F.MatMul(F.T(y.A), g) },
        (y, t) => Plus(On(t[0], d => F.MatMul(d, y.B)), On(t[1], d => F.MatMul(y.A, d))));

    // ---- normalizers along one axis ----
    /// <summary>softmax along an axis, shifted by the maximum.</summary>
    public static readonly Op Softmax = Structural("softmax", OpKind.Normalize, 1, "e^(x−max) / Σ e^(x−max) along an axis",
        typeof(AxisAttrs), ShapeRules.Normalize, Interpreter.NormalizeKernel,
        (y, g) => new[] { y * (g - F.Sum(g * y, Axes(y), true)) },
        (y, t) => y * (t[0]! - F.Sum(t[0]! * y, Axes(y), true)), NonNeg);
    /// <summary>log softmax along an axis: x − logsumexp(x).</summary>
    public static readonly Op LogSoftmax = Structural("log_softmax", OpKind.Normalize, 1, "x − logsumexp(x) along an axis",
        typeof(AxisAttrs), ShapeRules.Normalize, Interpreter.NormalizeKernel,
        (y, g) => new[] { g - F.Softmax(y.A, AxisOf(y)) * F.Sum(g, Axes(y), true) },
        (y, t) => t[0]! - F.Sum(F.Softmax(y.A, AxisOf(y)) * t[0]!, Axes(y), true));
    /// <summary>log Σ eˣ along an axis, shifted by the maximum.</summary>
    public static readonly Op LogSumExp = Structural("logsumexp", OpKind.Normalize, 1, "log Σ eˣ along an axis, shifted by the maximum",
        typeof(AxisAttrs), ShapeRules.Normalize, Interpreter.NormalizeKernel,
        (y, g) => new[] { Unreduce(g, y) * F.Softmax(y.A, AxisOf(y)) },
        (y, t) => F.Sum(F.Softmax(y.A, AxisOf(y)) * t[0]!, Axes(y), Keep(y)));

    // ---- windows ----
    /// <summary>Sliding windows of an NCHW tensor: [N,C,H,W] → [N, C·kh·kw, OH·OW] (zero padding).</summary>
    public static readonly Op Im2Col = Structural("im2col", OpKind.Window, 1, "sliding windows [N,C,H,W] → [N, C·kh·kw, OH·OW], zero padding",
        typeof(WindowAttrs), ShapeRules.Im2Col, Interpreter.Im2ColKernel,
        (y, g) => new[] { Col2ImOf(g, y) }, (y, t) => Im2ColOf(t[0]!, y.Attr<WindowAttrs>()), runtime: "Im2Col");
    /// <summary>The adjoint of <see cref="Im2Col"/>: sums windows back into [N,C,H,W] (the attributes record C, H, W).</summary>
    public static readonly Op Col2Im = Structural("col2im", OpKind.Window, 1, "the adjoint of im2col: sums windows back into [N,C,H,W]",
        typeof(WindowAttrs), ShapeRules.Col2Im, Interpreter.Col2ImKernel,
        (y, g) => new[] { Im2ColOf(g, y.Attr<WindowAttrs>()) }, (y, t) => y.Graph.Make(y.Op, y.Attrs, t[0]!), runtime: "Col2Im");

    // ---- max pooling (rule helpers in Ops.Pool.cs, shape rules in ShapeRules.Pool.cs, kernels in Interpret/Kernels.Pool.cs) ----
    /// <summary>
    /// Max pooling of an NCHW tensor: [N,C,H,W] → [N,C,OH,OW], each output the maximum of its window (NaN-propagating;
    /// padded positions count as −∞, so they never win; a window wholly in the padding gives −∞).
    /// </summary>
    /// <remarks>The derivative is shared equally among the window's elements that attain the maximum (as <c>reduce_max</c>'s);
    /// a window whose maximum is NaN passes none.</remarks>
    public static readonly Op MaxPool = Structural("max_pool", OpKind.Window, 1, "window maxima [N,C,H,W] → [N,C,OH,OW], −∞ padding",
        typeof(WindowAttrs), ShapeRules.MaxPool, Interpreter.MaxPoolKernel,
        (y, g) => new[] { MaxPoolGradOf(y.A, g, y) }, (y, t) => On(t[0], d => MaxPoolPick(y.A, d, y.Attr<WindowAttrs>())),
        runtime: "MaxPool"); // not PassesFacts: a window wholly in the padding is −∞ whatever the input's sign
    /// <summary>
    /// The derivative of <see cref="MaxPool"/>: <c>max_pool_grad(x, g)</c> adds each window's adjoint <c>g</c> [N,C,OH,OW]
    /// to the elements of x [N,C,H,W] that attain the window's maximum, shared equally among ties; the result has x's shape.
    /// </summary>
    public static readonly Op MaxPoolGrad = Structural("max_pool_grad", OpKind.Window, 2,
        "routes window adjoints [N,C,OH,OW] to the maxima of x [N,C,H,W], shared among ties",
        typeof(WindowAttrs), ShapeRules.MaxPoolGrad, Interpreter.MaxPoolGradKernel,
        (y, g) => new Node?[] { null, MaxPoolPick(y.A, g, y.Attr<WindowAttrs>()) }, (y, t) => On(t[1], d => MaxPoolGradOf(y.A, d, y)),
        runtime: "MaxPoolBackward");

    // ---- movement: regions along axes (helpers, shape rules and kernels in Ops.Movement.cs, ShapeRules.Movement.cs,
    // Interpret/Kernels.Movement.cs; entries here so that All, below, is initialized after them) ----
    /// <summary>A region of the input: start:stop:step per axis (Python rules; the batch axis whole).</summary>
    public static readonly Op Slice = Structural("slice", OpKind.Movement, 1, "the region start:stop:step of every axis (Python rules)",
        typeof(SliceAttrs), ShapeRules.Slice, Interpreter.SliceKernel,
        (y, g) => new[] { SliceAdjoint(g, y) }, (y, t) => y.Graph.Make(y.Op, y.Attrs, t[0]!), OpFacts.PassesFacts);
    /// <summary>The inputs joined along one axis (they agree on every other axis).</summary>
    public static readonly Op Concat = Structural("concat", OpKind.Movement, Variadic, "the inputs joined along one axis",
        typeof(AxisAttrs), ShapeRules.Concat, Interpreter.ConcatKernel,
        (y, g) => ConcatAdjoint(g, y), ConcatTangent, OpFacts.PassesFacts);
    /// <summary>The input with elements of a constant value added before, after and between the elements of each axis.</summary>
    public static readonly Op Pad = Structural("pad", OpKind.Movement, 1, "constant padding before, after and between the elements of every axis",
        typeof(PadAttrs), ShapeRules.Pad, Interpreter.PadKernel,
        (y, g) => new[] { PadAdjoint(g, y) }, (y, t) => PadTangent(t[0]!, y));
    // ---- integers and indices (DType.I32) ----
    // Declared here, before All, because static fields initialize in declaration order within a file.
    /// <summary>Converts between i32 and a float type (to i32: truncation toward zero). No gradient flows through it.</summary>
    public static readonly Op Cast = CastEntry();
    /// <summary>
    /// Selects along an axis by i32 indices (NumPy's <c>take</c>, PyTorch's <c>index_select</c> generalized to index
    /// tensors): x [..., n, ...] and indices [i...] give [..., i..., ...]. Every index must be an integer in [0, n).
    /// </summary>
    public static readonly Op Gather = Indexing("gather", 2, "x.take(indices, axis): selects along an axis by i32 indices",
        ShapeRules.Gather, Interpreter.GatherKernel,
        (y, g) => new Node?[] { ScatterAddOf(g, y), null }, (y, t) => On(t[0], d => F.Gather(d, y.B, y.Attr<IndexAttrs>().Axis)), "Gather");
    /// <summary>The adjoint of <see cref="Gather"/>: adds each update into the result at its index along the axis (repeated indices accumulate).</summary>
    public static readonly Op ScatterAdd = Indexing("scatter_add", 2, "adds updates into zeros at i32 indices along an axis (the adjoint of gather)",
        ShapeRules.ScatterAdd, Interpreter.ScatterAddKernel,
        (y, g) => new Node?[] { F.Gather(g, y.B, y.Attr<IndexAttrs>().Axis), null },
        (y, t) => On(t[0], d => y.Graph.Make(y.Op, y.Attrs, d, y.B)), "ScatterAdd");
    /// <summary>One-hot rows of i32 class indices: [i...] → [i..., classes] of a float type. Every index must be in [0, classes).</summary>
    public static readonly Op OneHot = Indexing("one_hot", 1, "one-hot rows [i..., classes] of i32 class indices",
        ShapeRules.OneHot, Interpreter.OneHotKernel, None1, NoTangent, "OneHot");

    /// <summary>Every op, in table order.</summary>
    public static readonly Op[] All =
    {
        Input, Param, Const, BatchSize,
        Neg, Exp, Log, Log1p, Expm1, Sqrt, Abs, Sin, Cos, Tanh, Sigmoid, Relu, Step, Sign, Softplus,
        Add, Sub, Mul, Div, Pow, Max, Min, Greater, GreaterEqual, Equal, Where,
        Sum, ReduceMax, Mean, Reshape, Transpose, Broadcast, MatMul, Softmax, LogSoftmax, LogSumExp, Im2Col, Col2Im,
        Slice, Concat, Pad, // movement (Ops.Movement.cs)
        Cast, Gather, ScatterAdd, OneHot,
        MaxPool, MaxPoolGrad, // max pooling (Ops.Pool.cs)
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

    /// <summary>log(1+x), accurate for small x (Kahan: log(u)·x/(u−1) with u = 1+x).</summary>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        if (u == 1 || double.IsInfinity(u)) return u == 1 ? x : Math.Log(u);
        return Math.Log(u) * x / (u - 1);
    }

    /// <summary>eˣ − 1, accurate for small x (Kahan: (u−1)·x/log u with u = eˣ).</summary>
    public static double Expm1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1) return x;
        double um1 = u - 1;
        if (um1 == -1 || double.IsInfinity(u)) return um1;
        return um1 * x / Math.Log(u);
    }
}
