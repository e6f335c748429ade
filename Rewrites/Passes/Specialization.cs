using Nabla.Ir;
using Nabla.Rewrites.Engine;
using static Nabla.Rewrites.Engine.Patterns;

namespace Nabla.Rewrites.Passes;

/// <summary>
/// Specialization: after stabilization, canonical forms that exist to make matching easy are turned into the
/// forms that are cheapest to run and clearest to read. Multiplication by a reciprocal becomes a division
/// (one operation instead of two, and exact), addition of a negative constant a subtraction, a square a product.
/// Run with folding only: the canonical rules would undo it.
/// </summary>
public static class Specialization
{
    private static readonly Capture X = new("x"), S = new("s"), K = new("k");

    /// <summary>The specialization rules, in the order they are tried.</summary>
    public static readonly RuleSet Rules = new("specialize")
    {
        Rule("x * (1/s) → x / s  (s scalar)", Mul(X, Div(One, ScalarOf(S))), m => m[X] / m[S]),
        Rule("x * (-1/s) → -(x / s)  (s scalar)", Mul(X, Div(Const(-1), ScalarOf(S))), m => -(m[X] / m[S])),
        Rule("x + (-c) → x - c", Add(X, Const(c => c < 0).As(K)), m => m[X] - m.Const(-m.Value(K))),
        Rule("x ^ 2 → x * x", Pow(X, Const(2)), m => m[X] * m[X]),
    };

    /// <summary>
    /// The specialization rules with folding and operand order only: canonicalization maps every result back to the
    /// canonical form it came from, which keeps the pipeline idempotent; identities here could go further than
    /// canonicalization did and break that.
    /// </summary>
    public static readonly RuleSet Joint = Rules.With("specialize", ConstantFolding.Rules, CommonSubexpressions.Rules);

    /// <summary>The pass: specializes <paramref name="f"/> (expects canonical, stabilized input).</summary>
    public static Function Run(Function f, RewriteOptions? options = null, RewriteReport? report = null) =>
        Rewriter.Run(f, Joint, options, report);
}
