using Nabla.Ir;
using Nabla.Rewrites.Engine;
using static Nabla.Rewrites.Engine.Patterns;

namespace Nabla.Rewrites.Passes;

/// <summary>
/// Algebraic identities and sign rules. Semantics kept: every rule here is exact in IEEE arithmetic for
/// every input, including infinities and NaN, up to the sign of a zero result (<c>x+0</c> turns −0 into +0;
/// nothing downstream of a rewrite can observe that except <c>1/x</c>, which then gives ±∞ — accepted). The
/// three identities that are false for non-finite x (<c>x*0 → 0</c>, <c>x−x → 0</c>, <c>x/x → 1</c>) fire only
/// where x is provably finite (and nonzero for x/x) — a constant, a comparison, a step, the batch size — or
/// everywhere under <see cref="RewriteOptions.FastMath"/>.
/// </summary>
public static class AlgebraicSimplification
{
    private static readonly Capture X = new("x"), Y = new("y"), Z = new("z"), C = new("c"), K = new("k");

    /// <summary>The identities, sign rules and <c>where</c> collapses, in the order they are tried.</summary>
    public static readonly RuleSet Rules = new("simplify")
    {
        // ---- identities ----
        Rule("x + 0 → x", Add(X, Zero), m => m[X]),
        Rule("x - 0 → x", Sub(X, Zero), m => m[X]),
        Rule("0 - x → -x", Sub(Zero, X), m => -m[X]),
        Rule("x * 1 → x", Mul(X, One), m => m[X]),
        Rule("x * -1 → -x", Mul(X, Const(-1)), m => -m[X]),
        Rule("x / 1 → x", Div(X, One), m => m[X]),
        Rule("x / -1 → -x", Div(X, Const(-1)), m => -m[X]),
        Rule("x ^ 1 → x", Pow(X, One), m => m[X]),
        Rule("x * 0 → 0  (x finite)", Mul(X, Zero), m => FiniteOrFast(m, X) ? m.Const(0) : null),
        Rule("x - x → 0  (x finite)", Sub(X, X), m => FiniteOrFast(m, X) ? m.Const(0) : null),
        Rule("x / x → 1  (x finite, nonzero)", Div(X, X), m => m.Facts.NonZeroFinite(m[X]) || m.Context.Options.FastMath ? m.Const(1) : null),
        Rule("x * (c/x) → c  (x finite, nonzero)", Mul(X, Div(AnyConst.As(K), X)),
            m => m.Facts.NonZeroFinite(m[X]) || m.Context.Options.FastMath ? m[K] : null),
        Rule("x + x → x*2", Add(X, X), m => m[X] * m.Const(2)),
        Rule("max(x, x) → x", Max(X, X), m => m[X]),
        Rule("min(x, x) → x", Min(X, X), m => m[X]),
        Rule("exp(log x) → x  (x ≥ 0)", Exp(Log(X)), m => m.Facts.NotNegative(m[X]) ? m[X] : null),
        Rule("relu(relu x) → relu x", Relu(Relu(X)), m => F.Relu(m[X])),
        Rule("abs(abs x) → abs x", Abs(Abs(X)), m => F.Abs(m[X])),
        Rule("abs(-x) → abs x", Abs(Neg(X)), m => F.Abs(m[X])),

        // ---- negation: absorbed by constants and subtractions, otherwise moved outward ----
        Rule("--x → x", Neg(Neg(X)), m => m[X]),
        Rule("-(a - b) → b - a", Neg(Sub(X, Y)), m => m[Y] - m[X]),
        Rule("-(x * c) → x * -c", Neg(Mul(X, AnyConst.As(K))), m => m[X] * m.Const(-m.Value(K))),
        Rule("-(c / x) → -c / x", Neg(Div(AnyConst.As(K), X)), m => m.Const(-m.Value(K)) / m[X]),
        Rule("-(x * y) → x * -y  (-y simpler)", Neg(Mul(X, Y)), m => Algebra.Negate(m[Y], m.Facts, subtractions: true) is { } ny ? m[X] * ny : null),
        Rule("-a + -b → -(a + b)", Add(Neg(X), Neg(Y)), m => -(m[X] + m[Y])),
        Rule("a + -b → a - b", Add(X, Neg(Y)), m => m[X] - m[Y]),
        Rule("a - -b → a + b", Sub(X, Neg(Y)), m => m[X] + m[Y]),
        Rule("-a - b → -(a + b)", Sub(Neg(X), Y), m => -(m[X] + m[Y])),
        Rule("-a * -b → a * b", Mul(Neg(X), Neg(Y)), m => m[X] * m[Y]),
        Rule("-a * c → a * -c", Mul(Neg(X), AnyConst.As(K)), m => m[X] * m.Const(-m.Value(K))),
        Rule("-a * b → -(a * b)", Mul(Neg(X), Y), m => -(m[X] * m[Y])),
        Rule("-a / -b → a / b", Div(Neg(X), Neg(Y)), m => m[X] / m[Y]),
        Rule("-a / b → -(a / b)", Div(Neg(X), Y), m => -(m[X] / m[Y])),
        Rule("a / -b → -(a / b)", Div(X, Neg(Y)), m => -(m[X] / m[Y])),

        // ---- selections (the shapes reverse-mode rules for max, min and where produce) ----
        Rule("where(c, x, x) → x", Where(C, X, X), m => m[X]),
        Rule("where(nonzero, a, b) → a", Where(Const(v => v != 0), X, Y), m => m[X]),
        Rule("where(0, a, b) → b", Where(Zero, X, Y), m => m[Y]),
        Rule("where(c, where(c, a, b), d) → where(c, a, d)", Where(C, Where(C, X, Y), Z), m => F.Where(m[C], m[X], m[Z])),
        Rule("where(c, a, where(c, b, d)) → where(c, a, d)", Where(C, X, Where(C, Y, Z)), m => F.Where(m[C], m[X], m[Z])),
        Rule("where(c, a, 0) + where(c, b, 0) → where(c, a + b, 0)", Add(Where(C, X, Zero.As(K)), Where(C, Y, Zero)),
            m => F.Where(m[C], m[X] + m[Y], m[K])),
        Rule("where(c, 0, a) + where(c, 0, b) → where(c, 0, a + b)", Add(Where(C, Zero.As(K), X), Where(C, Zero, Y)),
            m => F.Where(m[C], m[K], m[X] + m[Y])),
        Rule("where(c, a, 0) + where(c, 0, b) → where(c, a, b)", Add(Where(C, X, Zero), Where(C, Zero, Y)),
            m => F.Where(m[C], m[X], m[Y])),
        Rule("-where(c, a, 0) → where(c, -a, 0)", Neg(Where(C, X, Zero.As(K))), m => F.Where(m[C], -m[X], m[K])),
        Rule("-where(c, 0, a) → where(c, 0, -a)", Neg(Where(C, Zero.As(K), X)), m => F.Where(m[C], m[K], -m[X])),
    };

    /// <summary>The pass: applies the identities (with constant folding, which they feed and are fed by).</summary>
    public static Function Run(Function f, RewriteOptions? options = null, RewriteReport? report = null) =>
        Rewriter.Run(f, ConstantFolding.Rules.With("fold+simplify", Rules, LayoutSimplification.Rules), options, report);

    private static bool FiniteOrFast(Match m, Capture x) => m.Context.Options.FastMath || m.Facts.Finite(m[x]);
}
