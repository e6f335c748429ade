using System;
using System.Linq;
using Nabla.Ir;
using Nabla.Testing;
using Xunit;

namespace Nabla.Tests.Testing;

/// <summary>
/// Deliberately wrong derivative rules are caught, with every seed tried, and shrink to the smallest counterexample:
/// a flipped sign, a missing factor, a rule wrong only for negative inputs, one wrong only at batch &gt; 1, a
/// straight-through op, and a correct VJP with a wrong JVP — all custom ops (Op.Define). A correct stable softplus passes.
/// </summary>
public class WrongRuleTests
{
    // The Expressions backend on the first case (custom ops are inlined before compiling); Roslyn in one test below.
    private static readonly GradCheckOptions Interp = new() { Seed = 1, Roslyn = false, BackendCases = 1 };
    private static readonly ulong[] Seeds = { 1, 2, 3, 4, 5, 6, 7, 8 };

    private static readonly Op SignFlipped = Op.Define("softplus_sign_flipped", F.Softplus, (y, g) => new[] { -(g * F.Sigmoid(y.A)) });
    private static readonly Op MissingFactor = Op.Define("softplus_missing_factor", F.Softplus, (y, g) => new[] { g });
    private static readonly Op WrongForNegatives = Op.Define("square_wrong_below_0", x => x * x,
        (y, g) => new[] { g * F.Where(F.Greater(y.A, y.Graph.Const(0.0, y.DType)), 2.0 * y.A, y.A) });
    private static readonly Op SumsOverBatch = Op.Define("square_sums_over_batch", x => x * x, (y, g) =>
    {
        // 2x·g summed over the batch axis (when there is one) and spread back: right only when the batch is 1.
        var gx = g * 2.0 * y.A;
        int axis = y.Shape.Dims.ToList().IndexOf(Shape.Batch);
        return new[] { axis < 0 ? gx : F.BroadcastTo(F.Sum(gx, new[] { axis }, true), y.Shape) };
    });
    private static readonly Op StraightThrough = Op.Define("step_straight_through", F.Step, (y, g) => new[] { g });
    // Both rules: a JVP derived from this forward is 0 at x = 0 (relu′(0) = sign(0) = 0), where softplus′ is ½ (see below).
    private static readonly Op StableSoftplus = Op.Define("stable_softplus", x => F.Relu(x) + F.Log1p(F.Exp(-F.Abs(x))),
        vjp: (y, g) => new[] { g * F.Sigmoid(y.A) }, jvp: (y, t) => t[0]! * F.Sigmoid(y.A));
    private static readonly Op StableSoftplusVjpOnly = Op.Define("stable_softplus_vjp_only", x => F.Relu(x) + F.Log1p(F.Exp(-F.Abs(x))),
        (y, g) => new[] { g * F.Sigmoid(y.A) });
    private static readonly Op WrongJvp = Op.Define("softplus_wrong_jvp", F.Softplus,
        vjp: (y, g) => new[] { g * F.Sigmoid(y.A) }, jvp: (y, t) => t[0]! * F.Sigmoid(-y.A));

    private static GradCheckFailure Fails(Op op, params GradCheckKind[] checks)
    {
        GradCheckFailure? first = null;
        foreach (var seed in Seeds)
        {
            var r = GradCheck.Op(op, Interp with { Seed = seed });
            Assert.False(r.Passed, $"seed {seed}: {op.Name} passed");
            Assert.Contains(r.Failure!.Check, checks);
            Assert.Throws<GradCheckException>(() => r.ThrowIfFailed());
            first ??= r.Failure;
        }
        return first!;
    }

    // A wrong VJP (with the JVP derived from the forward, so right) fails against finite differences, or — where the
    // shrunk value sits on a kink and no difference is taken — against the JVP. Either way: (true derivative, the rule's).
    private static readonly GradCheckKind[] VjpChecks = { GradCheckKind.FiniteDifferences, GradCheckKind.JvpVsVjp };

    private static (double Truth, double Rule) Sides(GradCheckFailure f) =>
        f.Check == GradCheckKind.FiniteDifferences ? (f.Expected, f.Actual) : (f.Actual, f.Expected);

    [Fact]
    public void A_flipped_sign_is_caught_on_a_scalar()
    {
        var f = Fails(SignFlipped, VjpChecks);
        Assert.Equal(Shape.Scalar, f.Case.Shapes[0]);
        Assert.Equal(1, f.Case.Batch);
        Assert.True(f.Case.SimpleProjection);
        double x = f.Case.Inputs[0].Data[0];
        var (truth, rule) = Sides(f);
        Assert.Equal(Scalar.Sigmoid(x), truth, 6);
        Assert.Equal(-Scalar.Sigmoid(x), rule, 12);
    }

    [Fact]
    public void A_missing_factor_is_caught_on_a_scalar()
    {
        var f = Fails(MissingFactor, VjpChecks);
        Assert.Equal(Shape.Scalar, f.Case.Shapes[0]);
        double x = f.Case.Inputs[0].Data[0];
        var (truth, rule) = Sides(f);
        Assert.Equal(1.0, rule); // g with u = 1
        Assert.Equal(Scalar.Sigmoid(x), truth, 6);
    }

    [Fact]
    public void A_rule_wrong_only_for_negative_inputs_shrinks_to_one_negative_value()
    {
        var f = Fails(WrongForNegatives, VjpChecks);
        Assert.Equal(Shape.Scalar, f.Case.Shapes[0]);
        double x = f.Case.Inputs[0].Data[0];
        Assert.True(x < 0, $"the counterexample x = {x} is not negative");
        Assert.Equal(-1.0, x); // the simplest negative number in [−2, 2]
        var (truth, rule) = Sides(f);
        Assert.Equal(2 * x, truth, 6);
        Assert.Equal(x, rule, 12);
    }

    [Fact]
    public void A_rule_wrong_only_at_batch_above_one_shrinks_to_batch_two()
    {
        // Generated shapes carry the batch in half the cases of rank > 0, bound to 2–4 in three quarters: every seed finds it.
        var f = Fails(SumsOverBatch, VjpChecks);
        Assert.Equal(Shape.Of(Shape.Batch), f.Case.Shapes[0]);
        Assert.Equal(2, f.Case.Batch);
        Assert.Equal(new[] { 2 }, f.Case.Inputs[0].Shape);
        // Without a batch axis, or at batch 1, the same rule is right.
        Assert.True(GradCheck.Function(x => SumsOverBatch.Call(x[0]), Interp, new[] { Shape.Of(3, 2) }).Passed);
        Assert.True(GradCheck.Function(x => SumsOverBatch.Call(x[0]), Interp with { MaxBatch = 1 }, new[] { Shape.Of(Shape.Batch, 2) }).Passed);
    }

    [Fact]
    public void A_straight_through_op_is_reported()
    {
        var f = Fails(StraightThrough, VjpChecks);
        Assert.Equal(Shape.Scalar, f.Case.Shapes[0]);
        var (truth, rule) = Sides(f);
        Assert.Equal(0.0, truth); // step is flat away from its jump (and its derived JVP is 0 at it)
        Assert.Equal(1.0, rule);  // the straight-through VJP passes g on
    }

    [Fact]
    public void A_correct_stable_softplus_passes_with_both_backends()
    {
        var both = GradCheck.Op(StableSoftplus, new GradCheckOptions { Seed = 9, BackendCases = 1, Domain = Domain.Of(-30, 30) });
        Assert.True(both.Passed, both.ToString());
        foreach (var seed in Seeds)
        {
            var r = GradCheck.Op(StableSoftplus, Interp with { Seed = seed, Domain = Domain.Of(-30, 30) });
            Assert.True(r.Passed, r.ToString());
        }
    }

    [Fact]
    public void A_vjp_alone_disagrees_with_the_jvp_derived_from_a_forward_with_cancelling_kinks()
    {
        // relu(x) + log1p(exp(−|x|)) is smooth, but its pieces' rules say relu′(0) = sign(0) = 0: the derived JVP is 0 at
        // x = 0 while the hand-written VJP says ½. Finite differences cannot see it (0 is a kink point); the JVP check does.
        var r = GradCheck.Op(StableSoftplusVjpOnly, Interp with { Seed = 9 });
        var f = r.Failure!;
        Assert.Equal(GradCheckKind.JvpVsVjp, f.Check);
        Assert.Equal(0.0, f.Case.Inputs[0].Data[0]);
        Assert.Equal(0.5, f.Expected);
        Assert.Equal(0.0, f.Actual);
    }

    [Fact]
    public void A_correct_vjp_with_a_wrong_jvp_is_caught_by_the_jvp_check()
    {
        var f = Fails(WrongJvp, GradCheckKind.JvpVsVjp);
        Assert.Equal(Shape.Scalar, f.Case.Shapes[0]);
        double x = f.Case.Inputs[0].Data[0];
        Assert.Equal(Scalar.Sigmoid(x), f.Expected, 12);  // <Jᵀu, v> with u = v = 1
        Assert.Equal(Scalar.Sigmoid(-x), f.Actual, 12);   // the wrong JVP
    }
}
