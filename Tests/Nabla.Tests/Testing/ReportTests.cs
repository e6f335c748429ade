using System;
using System.Linq;
using Nabla.Ir;
using Nabla.Testing;
using Xunit;

namespace Nabla.Tests.Testing;

/// <summary>The report promises the shrunk shape, the inputs, expected and actual gradients, the largest-error element and the seed.</summary>
public class ReportTests
{
    private static readonly Op Bad = Op.Define("softplus_missing_factor", F.Softplus, (y, g) => new[] { g });

    [Fact]
    public void A_failing_report_shows_the_counterexample()
    {
        // No kink points: the value shrinks to 0, where the finite difference (softplus is smooth) shows the missing σ(0) = ½.
        var r = GradCheck.Op(Bad, new GradCheckOptions { Seed = 42, Roslyn = false, Kinks = Array.Empty<double>() });
        var text = r.ToString();
        var f = r.Failure!;
        Assert.StartsWith("GradCheck op softplus_missing_factor: FAILED after 1 case(s), shrunk ", text);
        Assert.Contains("(seed 42)", text);
        Assert.Contains("check:    VJP vs central finite differences (h = 1E-06, tolerance 1E-05)", text);
        Assert.Contains("shapes:   x0: [] (batch 1)", text);
        Assert.Contains("inputs:   x0 = 0", text);
        Assert.Equal(0.5, f.Expected, 8);
        Assert.Contains("u:        1 (all ones)", text);
        Assert.Contains($"expected (finite differences): d/dx0 = {Report.Num(f.Expected)}", text);
        Assert.Contains("actual   (VJP): d/dx0 = 1", text);
        Assert.Contains($"largest error: d/dx0[] (element 0): expected {Report.Num(f.Expected)}, actual 1, error ", text);
        Assert.EndsWith("replay:   options with { Seed = 42 }", text);
        var e = Assert.Throws<GradCheckException>(() => r.ThrowIfFailed());
        Assert.Equal(text, e.Message);
        Assert.Same(r, e.Result);
    }

    [Fact]
    public void The_largest_error_element_is_named_in_a_tensor()
    {
        // Wrong only for x < 0, on a fixed shape that cannot shrink: the report points at a negative element.
        var op = Op.Define("square_wrong_below_0", x => x * x, (y, g) => new[] { g * F.Where(F.Greater(y.A, y.Graph.Const(0.0, y.DType)), 2.0 * y.A, y.A) });
        var r = GradCheck.Function(x => op.Call(x[0]), new GradCheckOptions { Seed = 3, Roslyn = false }, new[] { Shape.Of(2, 3) }, "square");
        var f = r.Failure!;
        Assert.Equal(GradCheckKind.FiniteDifferences, f.Check);
        Assert.Equal(new[] { 2, 3 }, f.Case.Inputs[0].Shape);
        Assert.True(f.Case.Inputs[0].Data[f.Element] < 0);
        Assert.Equal(new[] { f.Element / 3, f.Element % 3 }, f.Index);
        Assert.Contains($"largest error: d/dx0[{f.Index[0]},{f.Index[1]}] (element {f.Element})", r.ToString());
        Assert.Contains("expected (finite differences): d/dx0 = [[", r.ToString());
    }

    [Fact]
    public void A_passing_report_is_one_line_and_the_seed_replays()
    {
        var o = new GradCheckOptions { Roslyn = false };
        var r = GradCheck.Op(Op.Tanh, o);
        Assert.True(r.Passed);
        Assert.Matches(@"^GradCheck op tanh: passed 20 cases \(seed \d+; \d+ finite differences compared, \d+ skipped at kinks\)\.$", r.ToString());
        Assert.Same(r, r.ThrowIfFailed());
        // Replaying a failing run's seed gives the same counterexample.
        var a = GradCheck.Op(Bad, o);
        var b = GradCheck.Op(Bad, o with { Seed = a.Seed });
        Assert.Equal(a.ToString(), b.ToString());
    }

    private sealed class SoftplusErrorLoss : Loss
    {
        public override string Name => "SoftplusError";
        protected override Node Compute(Node y, Node t) => OverExample(Bad.Call(y - t), mean: true);
    }

    [Fact]
    public void A_user_loss_report_names_the_prediction_and_shows_the_target()
    {
        var r = GradCheck.Loss(new SoftplusErrorLoss(), Shape.Of(Shape.Batch, 2), new GradCheckOptions { Seed = 5, Roslyn = false });
        var f = r.Failure!;
        Assert.Equal(new[] { "prediction" }, f.Case.Names);
        var text = r.ToString();
        Assert.StartsWith("GradCheck loss SoftplusError: FAILED", text);
        Assert.Contains("shapes:   prediction: [B,2] (batch 1)", text);
        Assert.Contains("inputs:   prediction = [[", text);
        Assert.Contains("target:   target = [[", text);
        if (f.Check == GradCheckKind.FiniteDifferences) Assert.Contains("d/dprediction", text);
    }
}
