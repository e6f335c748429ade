using System;
using System.Linq;
using Nabla.Ir;
using Nabla.Testing;
using Xunit;

namespace Nabla.Tests.Testing;

/// <summary>
/// Deliberately wrong derivative rules are caught, with every seed tried, and shrink to the smallest counterexample:
/// a flipped sign, a missing factor, a rule wrong only for negative inputs, one wrong only at batch &gt; 1, a
/// straight-through op, and a correct VJP with a wrong JVP. A correct stable softplus passes.
/// </summary>
public class WrongRuleTests
{
    // No backends: these ops have no lowering (see TestOps).
    private static readonly GradCheckOptions Interp = new() { Seed = 1, Expressions = false, Roslyn = false };
    private static readonly ulong[] Seeds = { 1, 2, 3, 4, 5, 6, 7, 8 };

    private static readonly Op SignFlipped = TestOps.Unary("softplus_sign_flipped", F.Softplus, (y, g) => new[] { -(g * F.Sigmoid(y.A)) });
    private static readonly Op MissingFactor = TestOps.Unary("softplus_missing_factor", F.Softplus, (y, g) => new[] { g });
    private static readonly Op WrongForNegatives = TestOps.Unary("square_wrong_below_0", x => x * x,
        (y, g) => new[] { g * F.Where(F.Greater(y.A, y.Graph.Const(0.0, y.DType)), 2.0 * y.A, y.A) });
    private static readonly Op SumsOverBatch = TestOps.Unary("square_sums_over_batch", x => x * x, (y, g) =>
    {
        // 2x·g summed over the batch axis (when there is one) and spread back: right only when the batch is 1.
        var gx = g * 2.0 * y.A;
        int axis = y.Shape.Dims.ToList().IndexOf(Shape.Batch);
        return new[] { axis < 0 ? gx : F.BroadcastTo(F.Sum(gx, new[] { axis }, true), y.Shape) };
    });
    private static readonly Op StraightThrough = TestOps.Unary("step_straight_through", F.Step, (y, g) => new[] { g });
    private static readonly Op StableSoftplus = TestOps.Unary("stable_softplus", x => F.Relu(x) + F.Log1p(F.Exp(-F.Abs(x))),
        (y, g) => new[] { g * F.Sigmoid(y.A) });
    private static readonly Op WrongJvp = TestOps.Unary("softplus_wrong_jvp", F.Softplus,
        (y, g) => new[] { g * F.Sigmoid(y.A) }, (y, t) => t[0]! * F.Sigmoid(-y.A));

    private static GradCheckFailure Fails(Op op, GradCheckKind check)
    {
        GradCheckFailure? first = null;
        foreach (var seed in Seeds)
        {
            var r = GradCheck.Op(op, Interp with { Seed = seed });
            Assert.False(r.Passed, $"seed {seed}: {op.Name} passed");
            Assert.Equal(check, r.Failure!.Check);
            Assert.Throws<GradCheckException>(() => r.ThrowIfFailed());
            first ??= r.Failure;
        }
        return first!;
    }

    [Fact]
    public void A_flipped_sign_is_caught_on_a_scalar()
    {
        var f = Fails(SignFlipped, GradCheckKind.FiniteDifferences);
        Assert.Equal(Shape.Scalar, f.Case.Shapes[0]);
        Assert.Equal(1, f.Case.Batch);
        Assert.True(f.Case.SimpleProjection);
        double x = f.Case.Inputs[0].Data[0];
        Assert.Equal(Scalar.Sigmoid(x), f.Expected, 6);
        Assert.Equal(-Scalar.Sigmoid(x), f.Actual, 12);
        Assert.Equal("x0", f.Variable);
        Assert.Equal(0, f.Element);
    }

    [Fact]
    public void A_missing_factor_is_caught_on_a_scalar()
    {
        var f = Fails(MissingFactor, GradCheckKind.FiniteDifferences);
        Assert.Equal(Shape.Scalar, f.Case.Shapes[0]);
        double x = f.Case.Inputs[0].Data[0];
        Assert.Equal(1.0, f.Actual); // g with u = 1
        Assert.Equal(Scalar.Sigmoid(x), f.Expected, 6);
    }

    [Fact]
    public void A_rule_wrong_only_for_negative_inputs_shrinks_to_one_negative_value()
    {
        var f = Fails(WrongForNegatives, GradCheckKind.FiniteDifferences);
        Assert.Equal(Shape.Scalar, f.Case.Shapes[0]);
        double x = f.Case.Inputs[0].Data[0];
        Assert.True(x < 0, $"the counterexample x = {x} is not negative");
        Assert.Equal(-1.0, x); // the simplest negative number in [−2, 2]
        Assert.Equal(2 * x, f.Expected, 6);
        Assert.Equal(x, f.Actual, 12);
    }

    [Fact]
    public void A_rule_wrong_only_at_batch_above_one_shrinks_to_batch_two()
    {
        // Generated shapes carry the batch in half the cases of rank > 0, bound to 2–4 in three quarters: every seed finds it.
        var f = Fails(SumsOverBatch, GradCheckKind.FiniteDifferences);
        Assert.Equal(Shape.Of(Shape.Batch), f.Case.Shapes[0]);
        Assert.Equal(2, f.Case.Batch);
        Assert.Equal(new[] { 2 }, f.Case.Inputs[0].Shape);
        // Without a batch axis, or at batch 1, the same rule is right.
        Assert.True(GradCheck.Function(x => SumsOverBatch.Apply1(x[0]), Interp, new[] { Shape.Of(3, 2) }).Passed);
        Assert.True(GradCheck.Function(x => SumsOverBatch.Apply1(x[0]), Interp with { MaxBatch = 1 }, new[] { Shape.Of(Shape.Batch, 2) }).Passed);
    }

    [Fact]
    public void A_straight_through_op_is_reported()
    {
        var f = Fails(StraightThrough, GradCheckKind.FiniteDifferences);
        Assert.Equal(Shape.Scalar, f.Case.Shapes[0]);
        Assert.Equal(0.0, f.Expected); // step is flat away from its jump
        Assert.Equal(1.0, f.Actual);   // the straight-through VJP passes g on
    }

    [Fact]
    public void A_correct_stable_softplus_passes()
    {
        foreach (var seed in Seeds)
        {
            var r = GradCheck.Op(StableSoftplus, Interp with { Seed = seed, Domain = Domain.Of(-30, 30) });
            Assert.True(r.Passed, r.ToString());
        }
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

internal static class OpCall
{
    public static Node Apply1(this Op op, Node x) => x.Graph.Make(op, Attrs.None, x);
}
