using System;
using Nabla.Ir;
using Nabla.Rewrites.Engine;
using static Nabla.Rewrites.Engine.Patterns;

namespace Nabla.Rewrites.Passes;

/// <summary>
/// Canonical forms, so that equal values get equal graphs (and merge) and the stabilization patterns have one
/// shape to match: commutative operands in a fixed order (tensors, then scalars, then constants — "constants
/// on the right" — ties by structural hash, which is the same in every graph); subtraction of a constant as
/// addition of its negation; division by a scalar as multiplication by its reciprocal (specialization turns
/// it back); scalar factors floated out of products, reductions, matrix products and layout ops, and factored
/// out of sums (<c>x·a − y·a → (x − y)·a</c>); a negative coefficient of a difference flipped into it.
/// Reassociating and factoring may round differently from the original (a few ulps), which the tests allow.
/// <para>
/// Reassociation must not change which intermediate values overflow or underflow, so two guards keep it to rounding:
/// a constant made by combining two (<c>c1·c2</c>, <c>c1 + c2</c>, an exact reciprocal) is made only when it is finite
/// and, unless zero, a normal number of the node's element type — <c>2⁻⁵³·2⁻⁵⁴·2⁻³</c> is 0 in float32, which would
/// turn a finite gradient into <c>∞·0</c>; and a constant <em>range scale</em> (magnitude beyond 2^±20, see
/// <see cref="RangeScaleLimit"/>) stays where the program wrote it instead of floating out of a product, reduction or
/// matrix product: <c>(eˣ·2⁻⁵⁴)·eʸ</c> with both exponentials near e⁴⁰ is finite as written and ∞ as <c>(eˣ·eʸ)·2⁻⁵⁴</c>.
/// </para>
/// </summary>
public static class Canonicalization
{
    private static readonly Capture X = new("x"), Y = new("y"), A = new("a"), S = new("s"), S2 = new("s2"), K = new("k"), K2 = new("k2");

    /// <summary>The canonicalization rules, in the order they are tried.</summary>
    public static readonly RuleSet Rules = new("canonicalize")
    {
                Rule("x - c → x + -c", Sub(X, AnyConst.As(K)), m => m[X] + m.Const(-m.Value(K))),
        Rule("x / c → x * (1/c)  (1/c exact)", Div(X, AnyConst.As(K)), m => ExactReciprocal(m.Value(K)) is { } r && Fits(r, m.Root.DType) ? m[X] * m.Const(r) : null),
        Rule("x / s → x * (1/s)  (s scalar)", Div(X, ScalarOf(S)),
            m => m.Facts.Uniform(m[X], out _) || m.Facts.Uniform(m[S], out _) ? null : m[X] * (m.Const(1) / m[S])),
        Rule("(c1/x)*c2 → (c1*c2)/x", Mul(Div(AnyConst.As(K), X), AnyConst.As(K2)), m => Folded(m, m.Value(K) * m.Value(K2), m.Value(K), m.Value(K2)) is { } c ? c / m[X] : null),

        // ---- constants and scalar factors gather on the right ----
        Rule("(x*c1)*c2 → x*(c1*c2)", Mul(Mul(X, AnyConst.As(K)), AnyConst.As(K2)), m => Folded(m, m.Value(K) * m.Value(K2), m.Value(K), m.Value(K2)) is { } c ? m[X] * c : null),
        Rule("(x+c1)+c2 → x+(c1+c2)", Add(Add(X, AnyConst.As(K)), AnyConst.As(K2)), m => Folded(m, m.Value(K) + m.Value(K2), m.Value(K), m.Value(K2)) is { } c ? m[X] + c : null),
        Rule("(x*c)*y → (x*y)*c  (x, y scalars)", Mul(Mul(ScalarOf(X), AnyConst.As(K)), ScalarOf(Y)),
            m => m.Facts.Uniform(m[Y], out _) || RangeScale(m, K) ? null : m[X] * m[Y] * m[K]),
        Rule("(x*s)*y → (x*y)*s  (s scalar)", Mul(Mul(TensorOf(X), ScalarOf(S)), TensorOf(Y)), m => RangeScale(m, S) ? null : m[X] * m[Y] * m[S]),
        Rule("(x*s1)*s2 → x*(s1*s2)  (s1, s2 scalars)", Mul(Mul(TensorOf(X), ScalarOf(S)), ScalarOf(S2)),
            m => m.Facts.Uniform(m[S], out double a) && m.Facts.Uniform(m[S2], out double b) && (!Fits(a * b, m.Root.DType) || (a * b == 0 && a != 0 && b != 0))
                ? null : m[X] * (m[S] * m[S2])),
        Rule("sum(x*s) → sum(x)*s", Sum(Mul(TensorOf(X), ScalarOf(S))), m => RangeScale(m, S) ? null : F.Sum(m[X], m.Root.Attr<AxesAttrs>().Axes, m.Root.Attr<AxesAttrs>().KeepDims) * m[S]),
        Rule("mean(x*s) → mean(x)*s", Mean(Mul(TensorOf(X), ScalarOf(S))), m => RangeScale(m, S) ? null : F.Mean(m[X], m.Root.Attr<AxesAttrs>().Axes, m.Root.Attr<AxesAttrs>().KeepDims) * m[S]),
        Rule("sum(-x) → -sum(x)", Sum(Neg(X)), m => -F.Sum(m[X], m.Root.Attr<AxesAttrs>().Axes, m.Root.Attr<AxesAttrs>().KeepDims)),
        Rule("mean(-x) → -mean(x)", Mean(Neg(X)), m => -F.Mean(m[X], m.Root.Attr<AxesAttrs>().Axes, m.Root.Attr<AxesAttrs>().KeepDims)),
        Rule("matmul(x*s, y) → matmul(x, y)*s", MatMul(Mul(TensorOf(X), ScalarOf(S)), Y), m => RangeScale(m, S) ? null : F.MatMul(m[X], m[Y]) * m[S]),
        Rule("matmul(x, y*s) → matmul(x, y)*s", MatMul(X, Mul(TensorOf(Y), ScalarOf(S))), m => RangeScale(m, S) ? null : F.MatMul(m[X], m[Y]) * m[S]),
        Rule("matmul(-x, y) → -matmul(x, y)", MatMul(Neg(X), Y), m => -F.MatMul(m[X], m[Y])),
        Rule("matmul(x, -y) → -matmul(x, y)", MatMul(X, Neg(Y)), m => -F.MatMul(m[X], m[Y])),
        Rule("transpose(x*s) → transpose(x)*s", Transpose(Mul(TensorOf(X), ScalarOf(S))), m => F.Transpose(m[X], m.Root.Attr<PermutationAttrs>().Perm) * m[S]),
        Rule("reshape(x*s) → reshape(x)*s", Reshape(Mul(TensorOf(X), ScalarOf(S))), m => F.Reshape(m[X], m.Root.Shape) * m[S]),
        Rule("transpose(-x) → -transpose(x)", Transpose(Neg(X)), m => -F.Transpose(m[X], m.Root.Attr<PermutationAttrs>().Perm)),
        Rule("reshape(-x) → -reshape(x)", Reshape(Neg(X)), m => -F.Reshape(m[X], m.Root.Shape)),

        // ---- common factors and signs ----
        Rule("x*a + y*a → (x + y)*a", Add(Mul(X, A), Mul(Y, A)), m => (m[X] + m[Y]) * m[A]),
        Rule("x*a - y*a → (x - y)*a", Sub(Mul(X, A), Mul(Y, A)), m => (m[X] - m[Y]) * m[A]),
        Rule("a + x*k → a - x*(-k)  (k negative)", Add(X, Mul(Y, K)),
            m => Algebra.IsNegativeForm(m[K], m.Facts) ? m[X] - m[Y] * Algebra.Negate(m[K], m.Facts, subtractions: false)! : null),
        Rule("a - x*k → a + x*(-k)  (k negative)", Sub(X, Mul(Y, K)),
            m => Algebra.IsNegativeForm(m[K], m.Facts) ? m[X] + m[Y] * Algebra.Negate(m[K], m.Facts, subtractions: false)! : null),
        Rule("x*k - a → -(x*(-k) + a)  (k negative)", Sub(Mul(Y, K), X),
            m => Algebra.IsNegativeForm(m[K], m.Facts) ? -(m[Y] * Algebra.Negate(m[K], m.Facts, subtractions: false)! + m[X]) : null),
        Rule("(a - b)*k → (b - a)*(-k)  (k negative)", Mul(Sub(X, Y), K),
            m => Algebra.IsNegativeForm(m[K], m.Facts) ? (m[Y] - m[X]) * Algebra.Negate(m[K], m.Facts, subtractions: false)! : null),
    };

    /// <summary>The rules this pass runs to a joint fixed point: folding, simplification, layout and canonical forms feed each other.</summary>
    public static readonly RuleSet Joint = CommonSubexpressions.Rules.With("canonicalize", ConstantFolding.Rules, AlgebraicSimplification.Rules, LayoutSimplification.Rules, Rules, MovementSimplification.Rules);

    /// <summary>The pass: brings <paramref name="f"/> to canonical form.</summary>
    public static Function Run(Function f, RewriteOptions? options = null, RewriteReport? report = null) =>
        Rewriter.Run(f, Joint, options, report);


    /// <summary>
    /// A constant factor with magnitude above this, or below its reciprocal, is a range scale that the rules do not move
    /// (2²⁰ ≈ 10⁶: far beyond the factors networks write — 1/N, learning rates, 0.5, He scales — and far inside float32's
    /// 2^±126, so moving any other factor changes an intermediate's magnitude by less than 2²⁰).
    /// </summary>
    public const double RangeScaleLimit = 1 << 20;

    // True when the capture is a uniform constant that is a range scale (|c| beyond 2^±20; not zero).
    private static bool RangeScale(Match m, Capture c)
    {
        if (!m.Facts.Uniform(m[c], out double v) || v == 0 || double.IsNaN(v)) return false;
        double a = Math.Abs(v);
        return a > RangeScaleLimit || a < 1 / RangeScaleLimit;
    }

    // True when v is finite and zero or a normal number of the element type (what a folded constant must be).
    private static bool Fits(double v, DType type)
    {
        if (double.IsNaN(v) || double.IsInfinity(v)) return false;
        if (v == 0) return true;
        double a = Math.Abs(v);
        return type == DType.F32 ? a >= 1.1754943508222875e-38 && a <= float.MaxValue : a >= 2.2250738585072014e-308;
    }

    // The constant c1 ∘ c2 when it fits the root's element type, else null (the rule does not apply). A zero result is
    // a fit only when an operand is zero: (x·1e-200)·1e-200 is 0 in float64, but x·1e-200·1e-200 need not be.
    private static Node? Folded(Match m, double v, double a, double b) =>
        Fits(v, m.Root.DType) && (v != 0 || a == 0 || b == 0 || a == -b) ? m.Const(v) : null;

    // 1/c when it is exact (c a power of two within range), else null.
    private static double? ExactReciprocal(double c)
    {
        if (c == 0 || double.IsNaN(c) || double.IsInfinity(c)) return null;
        long bits = BitConverter.DoubleToInt64Bits(c);
        int exponent = (int)((bits >> 52) & 0x7FF);
        if ((bits & 0xFFFFFFFFFFFFFL) != 0 || exponent == 0 || exponent > 2045 || exponent < 2) return null;
        return 1 / c;
    }
}
