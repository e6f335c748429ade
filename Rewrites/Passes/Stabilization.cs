using Nabla.Ir;
using Nabla.Rewrites.Engine;
using static Nabla.Rewrites.Engine.Patterns;

namespace Nabla.Rewrites.Passes;

/// <summary>
/// Numerical stabilization: compositions that overflow, underflow or cancel are replaced by the stable
/// primitives the IR has (<c>log_softmax</c>, <c>logsumexp</c>, <c>softplus</c>). The patterns are written
/// against canonical forms and run together with the canonical rules, so a result re-canonicalizes and can
/// enable the next rule: <c>log(1 − σ(x))</c> and <c>log σ(x)</c> become softplus terms that the binary
/// cross-entropy rule then collapses. These rules legitimately change results where the original overflowed
/// (<c>log(1+e¹⁰⁰⁰)</c> was ∞, is now 1000) or divided by an underflowed softmax (NaN, now finite).
/// The softmax cross-entropy gradient needs no rule of its own: the reverse-mode rule of log_softmax plus
/// canonical scalar floating and factoring give <c>(softmax(y)·Σt − t)·(1/B)</c>, which specialization
/// writes as a division by B.
/// </summary>
public static class Stabilization
{
    private static readonly Capture X = new("x"), T = new("t"), G = new("g"), H = new("h"), S = new("s"), Sm = new("softmax"), Sx = new("sum"), N = new("-x");

    /// <summary>The stabilization rules, in the order they are tried.</summary>
    public static readonly RuleSet Rules = new("stabilize")
    {
        Rule("log(softmax(x)) → log_softmax(x)", Log(Softmax(X).As(Sm)), m => F.LogSoftmax(m[X], m[Sm].Attr<AxisAttrs>().Axis)),
        Rule("log(1 + exp(x)) → softplus(x)", Log(Add(Exp(X), One)), m => F.Softplus(m[X])),
        Rule("log(sigmoid(x)) → -softplus(-x)", Log(Sigmoid(X)), m => -F.Softplus(-m[X])),
        Rule("log(1 - sigmoid(x)) → -softplus(x)", Log(Sub(One, Sigmoid(X))), m => -F.Softplus(m[X])),
        Rule("log(exp(x)) → x", Log(Exp(X)), m => m[X]),
        Rule("log(sum(exp(x), axis)) → logsumexp(x, axis)", Log(Sum(Exp(X)).As(Sx).If(OneAxis)),
            m => F.LogSumExp(m[X], m[Sx].Attr<AxesAttrs>().Axes[0], m[Sx].Attr<AxesAttrs>().KeepDims)),
        Rule("exp(x) / sum(exp(x), axis, keep) → softmax(x, axis)", Div(Exp(X), Sum(Exp(X)).As(Sx).If(OneAxisKept)),
            m => F.Softmax(m[X], m[Sx].Attr<AxesAttrs>().Axes[0])),
        Rule("x - logsumexp(x, axis, keep) → log_softmax(x, axis)", Sub(X, LogSumExp(X).As(Sx).If(n => n.Attrs is AxisAttrs { KeepDims: true })),
            m => F.LogSoftmax(m[X], m[Sx].Attr<AxisAttrs>().Axis)),
        Rule("exp(log_softmax(x)) → softmax(x)", Exp(LogSoftmax(X).As(Sm)), m => F.Softmax(m[X], m[Sm].Attr<AxisAttrs>().Axis)),

        // Reverse mode through log(p) divides by p; when p is a softmax or an exponential that can underflow to 0.
        Rule("p * (g/p) → g  (p = softmax, exp)", Mul(Positive(S), Div(G, S)), m => m[G]),
        Rule("p * (g/p - h) → g - p*h  (p = softmax, exp)", Mul(Positive(S), Sub(Div(G, S), H)), m => m[G] - m[S] * m[H]),
        Rule("p * (g/p + h) → g + p*h  (p = softmax, exp)", Mul(Positive(S), Add(Div(G, S), H)), m => m[G] + m[S] * m[H]),

        // Binary cross-entropy with logits: −[t·log σ(x) + (1−t)·log(1−σ(x))], after the rules above,
        // reads t·softplus(−x) + (1−t)·softplus(x) = softplus(x) − t·x.
        // Canonical sign rules move the outer minus into (1−t), so the sum arrives as one of the last two forms; they
        // also write −(a·c) as a·(−c), so "−x" is any node that negates x (see Negates).
        Rule("t·softplus(-x) + (1-t)·softplus(x) → softplus(x) - t·x",
            Add(Mul(T, Softplus(N)), Mul(Sub(One, T), Softplus(X))), m => Negates(m[N], m[X]) ? F.Softplus(m[X]) - m[T] * m[X] : null),
        Rule("t·softplus(-x) - (t-1)·softplus(x) → softplus(x) - t·x",
            Sub(Mul(T, Softplus(N)), Mul(Add(T, Const(-1)), Softplus(X))), m => Negates(m[N], m[X]) ? F.Softplus(m[X]) - m[T] * m[X] : null),
        Rule("(t-1)·softplus(x) - t·softplus(-x) → t·x - softplus(x)",
            Sub(Mul(Add(T, Const(-1)), Softplus(X)), Mul(T, Softplus(N))), m => Negates(m[N], m[X]) ? m[T] * m[X] - F.Softplus(m[X]) : null),
    };

    // Whether n = −x as canonical form writes it: neg(x), x = neg(n), or a·(−c) against x = a·c for a scalar constant c.
    private static bool Negates(Node n, Node x)
    {
        if ((n.Op == Op.Neg && ReferenceEquals(n.A, x)) || (x.Op == Op.Neg && ReferenceEquals(x.A, n))) return true;
        return Scaled(n) is var (a, p) && Scaled(x) is var (b, q) && ReferenceEquals(a, b) && p == -q;
    }

    // a·c or c·a with c a scalar constant, as (a, c).
    private static (Node, double)? Scaled(Node n)
    {
        if (n.Op != Op.Mul) return null;
        if (n.B.Op == Op.Const && n.B.Attrs.Data is null) return (n.A, n.B.Attrs.Value);
        if (n.A.Op == Op.Const && n.A.Attrs.Data is null) return (n.B, n.A.Attrs.Value);
        return null;
    }

    /// <summary>The stabilization rules followed by the canonical ones, run to a joint fixed point.</summary>
    public static readonly RuleSet Joint = Rules.With("stabilize", Canonicalization.Joint);

    /// <summary>The pass: stabilizes <paramref name="f"/> (expects canonical input).</summary>
    public static Function Run(Function f, RewriteOptions? options = null, RewriteReport? report = null) =>
        Rewriter.Run(f, Joint, options, report);

    private static Pattern Positive(Capture c) => c.If(n => n.Op == Op.Softmax || n.Op == Op.Exp);

    private static bool OneAxis(Node sum) => sum.Attrs is AxesAttrs { Axes.Length: 1 };

    private static bool OneAxisKept(Node sum) => sum.Attrs is AxesAttrs { Axes.Length: 1, KeepDims: true };
}
