using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Mdn;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>The robot-arm mixture density network example: its data generator, and a short in-process run (seconds).</summary>
[Collection("Jit")]
public class MdnExampleTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => ExampleRun.Run(Mdn.Program.Run, args);

    private static double Value(string output, string name) => ExampleRun.Value(output, name);

    [Fact]
    public void Forward_kinematics_at_known_angles()
    {
        // x = L1 (cos θ1, sin θ1) − L2 (cos(θ1+θ2), sin(θ1+θ2)) with L1 = 0.8, L2 = 0.2.
        void At(double t1, double t2, double x1, double x2)
        {
            var (a, b) = RobotArm.Forward(t1, t2);
            Assert.True(Math.Abs(a - x1) < 1e-15 && Math.Abs(b - x2) < 1e-15, $"Forward({t1}, {t2}) = ({a}, {b}), expected ({x1}, {x2})");
        }
        At(0, Math.PI, 1.0, 0);                // stretched out along x1
        At(0, 0, 0.6, 0);                      // folded back
        At(0, Math.PI / 2, 0.8, -0.2);         // elbow at a right angle
        At(Math.PI / 2, Math.PI, 0.8 * Math.Cos(Math.PI / 2) - 0.2 * Math.Cos(1.5 * Math.PI), 1.0);
        var (y1, y2) = RobotArm.Forward(0.7, 2.1);
        Assert.Equal(0.8 * Math.Cos(0.7) - 0.2 * Math.Cos(2.8), y1, 15);
        Assert.Equal(0.8 * Math.Sin(0.7) - 0.2 * Math.Sin(2.8), y2, 15);
    }

    [Fact]
    public void Both_branches_of_the_inverse_reach_the_same_hand_position()
    {
        int two = 0;
        for (double t1 = 0.32; t1 < 1.2; t1 += 0.05)
            for (double t2 = Math.PI / 2 + 0.02; t2 < 1.5 * Math.PI; t2 += 0.07)
            {
                var (x1, x2) = RobotArm.Forward(t1, t2);
                var solutions = RobotArm.Inverse(x1, x2);
                // The angles we started from are among the solutions …
                Assert.Contains(solutions, s => Math.Abs(s.Theta1 - t1) < 1e-9 && Math.Abs(s.Theta2 - t2) < 1e-9);
                // … and every solution is within the limits and puts the hand at the same place.
                foreach (var s in solutions)
                {
                    Assert.InRange(s.Theta1, RobotArm.Theta1Min, RobotArm.Theta1Max);
                    Assert.InRange(s.Theta2, RobotArm.Theta2Min, RobotArm.Theta2Max);
                    var (y1, y2) = RobotArm.Forward(s.Theta1, s.Theta2);
                    Assert.True(Math.Abs(y1 - x1) < 1e-12 && Math.Abs(y2 - x2) < 1e-12);
                }
                if (solutions.Count == 2)
                {
                    two++;
                    // Elbow up and elbow down: θ2 mirrored about π, θ1 different.
                    Assert.Equal(2 * Math.PI, solutions[0].Theta2 + solutions[1].Theta2, 12);
                    Assert.True(Math.Abs(solutions[0].Theta1 - solutions[1].Theta1) > 1e-6);
                }
            }
        Assert.True(two > 100, $"only {two} positions had two solutions");
        // On the ray through the middle of the workspace both poses are always allowed; outside the annulus none.
        Assert.Equal(2, RobotArm.Inverse(0.9 * Math.Cos(0.75), 0.9 * Math.Sin(0.75)).Count);
        Assert.Empty(RobotArm.Inverse(1.01 * Math.Cos(0.75), 1.01 * Math.Sin(0.75)));
        Assert.Empty(RobotArm.Inverse(0.8 * Math.Cos(0.75), 0.8 * Math.Sin(0.75)));
    }

    [Fact]
    public void The_sample_is_seeded_within_the_limits_and_noisy_as_asked()
    {
        var (x, t) = RobotArm.Sample(2000, 7, 0);
        Assert.Equal(4000, x.Length);
        Assert.Equal(4000, t.Length);
        for (int i = 0; i < 2000; i++)
        {
            Assert.InRange(t[2 * i], RobotArm.Theta1Min, RobotArm.Theta1Max);
            Assert.InRange(t[2 * i + 1], RobotArm.Theta2Min, RobotArm.Theta2Max);
            var (a, b) = RobotArm.Forward(t[2 * i], t[2 * i + 1]);
            Assert.True(Math.Abs(a - x[2 * i]) < 1e-6 && Math.Abs(b - x[2 * i + 1]) < 1e-6);
        }
        Assert.Equal(t, RobotArm.Sample(2000, 7, 0).Angles);
        Assert.NotEqual(t, RobotArm.Sample(2000, 8, 0).Angles);
        // The validation stream of the same seed is another sample: no angle pair in common with the training sample.
        var (xv, tv) = RobotArm.Sample(2000, 7, 0, RobotArm.ValidationStream);
        Assert.Equal(tv, RobotArm.Sample(2000, 7, 0, RobotArm.ValidationStream).Angles);
        var pairs = Enumerable.Range(0, 2000).Select(i => (t[2 * i], t[2 * i + 1])).ToHashSet();
        Assert.DoesNotContain(Enumerable.Range(0, 2000), i => pairs.Contains((tv[2 * i], tv[2 * i + 1])));
        Assert.InRange(tv.Where((_, i) => i % 2 == 0).Average(), 0.72, 0.78); // uniform on (0.3, 1.2): mean 0.75
        Assert.Equal(4000, xv.Length);
        // With noise the angles are the same draw's and the positions move by about the noise's standard deviation.
        var (xn, tn) = RobotArm.Sample(2000, 7, 0.01);
        double sd = Math.Sqrt(xn.Select((v, i) => Math.Pow(v - x[i], 2)).Average());
        Assert.InRange(sd, 0.009, 0.011);
        // The draw covers the joint ranges (uniform: 2000 draws leave no gap wider than a few hundredths).
        Assert.InRange(t.Where((_, i) => i % 2 == 0).Min(), RobotArm.Theta1Min, RobotArm.Theta1Min + 0.02);
        Assert.InRange(t.Where((_, i) => i % 2 == 1).Max(), RobotArm.Theta2Max - 0.03, RobotArm.Theta2Max);
    }

    [Fact]
    public void A_short_run_beats_least_squares_in_likelihood_and_draws_the_branches()
    {
        using var dir = new TempDir();
        string svg = dir.File("mdn.svg");
        // --mdn-init kmeans: the k-means start, written into the output layer by its name (Program.OutputLayer).
        var (code, output, err) = Run("--epochs", "20", "--train", "2000", "--validation", "300", "--test", "500", "--mdn-init", "kmeans", "--svg", svg);
        Assert.True(code == 0, err);
        var last = output.TrimEnd().Split('\n').TakeLast(2).ToArray();
        Assert.StartsWith("mdn_test_nll=", last[0]);
        Assert.StartsWith("lsq_test_nll=", last[1]);
        Assert.Contains(" steps=400 ", output); // 20 epochs of 2000 examples in batches of 100
        // Training is watched on the validation sample only: ten progress lines per network, and the test set is not
        // named before the final lines.
        Assert.Equal(2 * 10, output.Split('\n').Count(l => l.Contains(": train loss ") && l.Contains(", validation loss ")));
        Assert.DoesNotContain("test loss", output);
        Assert.Contains("300 validation", output);
        // The validation NLLs are of the same kind as the test ones (different samples, same distribution).
        Assert.True(Value(output, "mdn_validation_nll") < Value(output, "lsq_validation_nll") - 0.5, output);
        // The least-squares network averages the two branches: a Gaussian around its answer with its residual variance
        // (θ2's residual sd about 0.7 rad) has an NLL near ½·log(2π·0.13²)+½ + ½·log(2π·0.7²)+½ ≈ 0.4. The mixture,
        // even after 400 steps, puts its mass on the branches.
        double mdn = Value(output, "mdn_test_nll"), lsq = Value(output, "lsq_test_nll");
        Assert.InRange(lsq, 0.2, 1.0);
        Assert.True(mdn < lsq - 0.5, $"mixture test nll {mdn} vs least squares {lsq}");
        // Hand errors: the true angles miss the measured position by the noise alone (sd 0.005 per coordinate, so
        // 0.005·√(π/2) ≈ 0.0063 on average); the least-squares angles miss it by far more.
        double floor = Value(output, "noise_hand_error");
        Assert.InRange(floor, 0.005, 0.0075);
        Assert.True(Value(output, "lsq_hand_error") > 4 * floor);
        Assert.InRange(Value(output, "mdn_hand_error"), floor, 0.2);

        // Two panels (θ1, θ2), each with the data, the three components' means along the ray and the least-squares line.
        XNamespace ns = "http://www.w3.org/2000/svg";
        var panels = XDocument.Load(svg).Root!.Elements(ns + "svg").ToArray();
        Assert.Equal(2, panels.Length);
        foreach (var p in panels)
        {
            var points = p.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "points")
                .ToDictionary(g => (string)g.Attribute("data-series")!, g => g.Elements(ns + "circle").Select(c => double.Parse((string)c.Attribute("r")!, CultureInfo.InvariantCulture)).ToArray());
            var components = new[] { "MDN component 1", "MDN component 2", "MDN component 3" };
            Assert.Equal(components.Append("data"), points.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.True(points["data"].Length > 100, $"{points["data"].Length} data points near the ray");
            // Means at 41 positions, each circle's area ∝ its weight (radius 6·√π): the weights of a position sum to 1.
            Assert.InRange(components.Sum(c => points[c].Length), 41, 3 * 41);
            double area = components.SelectMany(c => points[c]).Sum(r => r * r) / 36;
            Assert.InRange(area, 40.7, 41.3);
            var line = p.Descendants(ns + "polyline").Single(l => (string?)l.Attribute("data-series") == "least squares");
            Assert.Equal(41, ((string)line.Attribute("points")!).Split(' ').Length);
        }
    }

    [Theory]
    [InlineData("--components 0", "--components: must be in 1..20, got 0.")]
    [InlineData("--lr 0", "--lr: must be positive, got 0.")]
    [InlineData("--epochs x", "--epochs: 'x' is not an integer.")]
    [InlineData("--backend llvm", "--backend: unknown backend 'llvm'")]
    [InlineData("--mdn-init zeros", "--mdn-init: unknown mdn-init 'zeros'")]
    [InlineData("--noise 0.5", "--noise: must be in [0, 0.1], got 0.5.")]
    [InlineData("--batch 500 --train 100", "--batch: 500 is more than the 100 training examples")]
    [InlineData("--components 20 --train 10 --batch 10 --mdn-init kmeans", "--components: the k-means start (--mdn-init kmeans) needs at least 20 training examples (--train), got 10.")]
    [InlineData("--validation 5", "--validation: must be in 10..10000000, got 5.")]
    [InlineData("--seed", "--seed needs a value.")]
    [InlineData("--frobnicate", "unknown option '--frobnicate'")]
    public void Bad_options_give_one_line_and_exit_code_2(string args, string expected)
    {
        Assert.Contains(expected, ExampleRun.BadOptions(Mdn.Program.Run, args, "mdn_test_nll"));
    }

    [Fact]
    public void Help_prints_the_usage()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("--components K", output);
        Assert.Contains("--backend NAME", output);
    }
}
