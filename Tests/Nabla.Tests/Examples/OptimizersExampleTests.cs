using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Xml.Linq;
using Nabla.Tests.Data;
using Optimizers;
using Xunit;
using OptimizersProgram = Optimizers.Program;

namespace Nabla.Tests.Examples;

/// <summary>
/// The optimizer-paths example (lecture 002's figure) called in-process (short runs: seconds), and a cross-check that
/// the paths it draws are the library's optimizers: the first steps of each compiled training step equal a
/// hand-written float64 implementation of the optimizer's formula to float32 rounding.
/// </summary>
[Collection("Jit")]
public class OptimizersExampleTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static (int Code, string Out, string Err) Run(params string[] args) => ExampleRun.Run(OptimizersProgram.Run, args);

    private static string[] Lines(string output) => output.Replace("\r", "").TrimEnd().Split('\n');

    private static string Value(string output, string name) =>
        Lines(output).Last(l => l.StartsWith(name + "=", StringComparison.Ordinal)).Substring(name.Length + 1);

    /// <summary>The last five lines are steps_gd … steps_adam, each an integer in 1..cap; returns them by key.</summary>
    private static Dictionary<string, int> Steps(string output, int cap)
    {
        var last = Lines(output).TakeLast(5).ToArray();
        var steps = new Dictionary<string, int>();
        for (int i = 0; i < 5; i++)
        {
            string key = OptimizersProgram.Keys[i];
            Assert.StartsWith($"steps_{key}=", last[i]);
            string v = last[i].Substring($"steps_{key}=".Length);
            Assert.True(int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n), $"steps_{key}={v} is not an integer");
            Assert.InRange(n, 1, cap);
            steps[key] = n;
        }
        return steps;
    }

    /// <summary>The keys on the <c>not_reached=</c> line, which comes right before the five steps lines.</summary>
    private static string[] NotReached(string output)
    {
        string line = Lines(output).TakeLast(6).First();
        Assert.StartsWith("not_reached=", line);
        string v = line.Substring("not_reached=".Length);
        return v.Length == 0 ? Array.Empty<string>() : v.Split(',');
    }

    /// <summary>The figure: contour lines, five paths (each its own colour, from the start point), the start and the minimum.</summary>
    private static void CheckFigure(string svg, TestFunction f)
    {
        var root = XDocument.Load(svg).Root!;
        var contours = root.Descendants(Svg + "path").Where(p => ((string?)p.Attribute("data-series") ?? "").StartsWith("f = ", StringComparison.Ordinal)).ToArray();
        Assert.Single(contours);
        Assert.True(((string)contours[0].Attribute("d")!).Split('M').Length > 100, "the contour lines are nearly empty");
        var paths = root.Descendants(Svg + "polyline").ToArray();
        Assert.Equal(5, paths.Length);
        for (int i = 0; i < 5; i++)
        {
            Assert.StartsWith(OptimizersProgram.Labels[i] + ", lr ", (string)paths[i].Attribute("data-series")!);
            Assert.Equal(OptimizersProgram.Colors[i], (string)paths[i].Attribute("stroke")!);
            Assert.True(((string)paths[i].Attribute("points")!).Split(' ').Length >= 3, $"path {i} has fewer than 3 points");
        }
        Assert.Equal(5, paths.Select(p => (string)p.Attribute("stroke")!).Distinct().Count());
        var points = root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "points").Select(g => (string)g.Attribute("data-series")!).ToArray();
        Assert.Contains(points, p => p.StartsWith("minimum (" + f.Minimum.X.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Assert.Contains(points, p => p.StartsWith("start (", StringComparison.Ordinal));
    }

    [Fact]
    public void Beale_with_each_learning_rate_chosen_on_the_grid_reaches_the_minimum_and_draws_five_paths_over_contours()
    {
        using var dir = new TempDir();
        string svg = dir.File("beale.svg");
        var (code, output, err) = Run("--function", "beale", "--max-steps", "1500", "--svg", svg);
        Assert.True(code == 0, err);
        var steps = Steps(output, 1500);
        // On Beale from (1, 1.5) every optimizer's best grid rate reaches the tolerance well within the cap of 1500
        // steps (measured: 984, 455, 473, 692, 129), and Adam is the fastest by far.
        Assert.All(steps.Values, n => Assert.True(n < 1500, $"steps {n} hit the cap"));
        Assert.Empty(NotReached(output));
        Assert.True(steps["adam"] < steps["gd"], $"adam {steps["adam"]} vs gd {steps["gd"]}");
        foreach (var key in OptimizersProgram.Keys)
            Assert.Contains(double.Parse(Value(output, "lr_" + key), CultureInfo.InvariantCulture), OptimizersProgram.Grid);
        Assert.Contains("grid: 0.0001→", output);
        CheckFigure(svg, TestFunction.Beale);
    }

    [Fact]
    public void Rosenbrock_with_fixed_rates_reports_the_cap_for_an_optimizer_that_does_not_converge()
    {
        using var dir = new TempDir();
        string svg = dir.File("rosenbrock.svg");
        var (code, output, err) = Run("--max-steps", "1000", "--lr-gd", "0.002", "--lr-momentum", "0.02", "--lr-adagrad", "0.5",
            "--lr-rmsprop", "0.001", "--lr-adam", "0.5", "--tolerance", "1e-3", "--svg", svg);
        Assert.True(code == 0, err);
        var steps = Steps(output, 1000);
        // Measured with these rates: momentum 861 and Adam 668 steps; gradient descent, AdaGrad and RMSProp need
        // about 8,300-8,900, so they print the cap and say so on an earlier line.
        Assert.InRange(steps["momentum"], 700, 999);
        Assert.InRange(steps["adam"], 500, 999);
        foreach (var key in new[] { "gd", "adagrad", "rmsprop" })
        {
            Assert.Equal(1000, steps[key]);
            Assert.Contains($"did not reach the tolerance within 1000 steps; steps_{key} below is the cap, and not_reached lists it", output);
        }
        Assert.Equal(new[] { "gd", "adagrad", "rmsprop" }, NotReached(output));
        Assert.Equal("0.002", Value(output, "lr_gd"));
        Assert.Contains("fixed by --lr-adam", output);
        Assert.DoesNotContain("grid:", output);
        CheckFigure(svg, TestFunction.Rosenbrock);
    }

    [Fact]
    public void Reaching_the_tolerance_at_exactly_the_cap_is_told_apart_from_never_reaching_it()
    {
        // Adam on Beale at lr 0.5 needs n steps; with the cap n it prints steps_adam=n and is not on the not_reached
        // line; with the cap n − 1 it prints steps_adam=n − 1 and is.
        var f = TestFunction.Beale;
        var adam = OptimizersProgram.Descend(OptimizersProgram.Compile(f, OptimizersProgram.Create("adam", 0.5), "expressions"), f, 0.5, 5000, 1e-3);
        Assert.True(adam.Reached, "Adam at lr 0.5 should reach the tolerance on Beale");
        int n = adam.Steps;
        Assert.InRange(n, 2, 5000);
        using var dir = new TempDir();
        foreach (int cap in new[] { n, n - 1 })
        {
            var (code, output, err) = Run("--function", "beale", "--max-steps", cap.ToString(CultureInfo.InvariantCulture), "--lr-gd", "0.02",
                "--lr-momentum", "0.05", "--lr-adagrad", "2", "--lr-rmsprop", "0.02", "--lr-adam", "0.5", "--svg", dir.File($"cap{cap}.svg"));
            Assert.True(code == 0, err);
            Assert.Equal(cap, Steps(output, cap)["adam"]);
            Assert.Equal(cap == n ? 0 : 1, NotReached(output).Count(k => k == "adam"));
            Assert.Equal(cap == n, !output.Contains("steps_adam below is the cap"));
        }
    }

    // ---- The paths are the library's optimizers: a hand-written float64 reference of each formula. ----

    /// <summary>∇f written out again here (independently of the example): Rosenbrock and Beale, in <typeparamref name="T"/> arithmetic.</summary>
    private static (T Dx, T Dy) Gradient<T>(string function, T x, T y) where T : IBinaryFloatingPointIeee754<T>
    {
        T N(double v) => T.CreateChecked(v);
        if (function == "rosenbrock") return (-N(2) * (N(1) - x) - N(400) * x * (y - x * x), N(200) * (y - x * x));
        T a = N(1.5) - x + x * y, b = N(2.25) - x + x * y * y, c = N(2.625) - x + x * y * y * y;
        return (N(2) * a * (y - N(1)) + N(2) * b * (y * y - N(1)) + N(2) * c * (y * y * y - N(1)),
                N(2) * a * x + N(4) * b * x * y + N(6) * c * x * y * y);
    }

    /// <summary>
    /// The lecture's update rules in <typeparamref name="T"/> arithmetic (with the library's default constants):
    /// gradient descent w ← w − α·g; momentum m ← β·m + (1−β)·g, w ← w − α·m (β = 0.9); AdaGrad v ← v + g²,
    /// w ← w − α·g/(√v + ε) (ε = 1e-10); RMSProp v ← γ·v + (1−γ)·g², w ← w − α·g/(√v + ε) (γ = 0.99, ε = 1e-8);
    /// Adam m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − α·(m/(1−β₁ᵏ))/(√(v/(1−β₂ᵏ)) + ε) (β₁ = 0.9, β₂ = 0.999,
    /// ε = 1e-8). <paramref name="adamBiasCorrection"/> false and <paramref name="pytorchMomentum"/> true are wrong
    /// formulas the comparison must reject.
    /// </summary>
    private static List<(double X, double Y)> Reference<T>(string function, string key, double lr, (double X, double Y) start, int steps,
        bool adamBiasCorrection = true, bool pytorchMomentum = false) where T : IBinaryFloatingPointIeee754<T>
    {
        T N(double v) => T.CreateChecked(v);
        T a = N(lr), one = N(1);
        var w = new[] { N(start.X), N(start.Y) };
        var m = new[] { T.Zero, T.Zero };
        var v = new[] { T.Zero, T.Zero };
        var path = new List<(double, double)> { (double.CreateChecked(w[0]), double.CreateChecked(w[1])) };
        for (int k = 1; k <= steps; k++)
        {
            var (gx, gy) = Gradient(function, w[0], w[1]);
            var g = new[] { gx, gy };
            for (int i = 0; i < 2; i++)
            {
                switch (key)
                {
                    case "gd": w[i] -= a * g[i]; break;
                    case "momentum":
                        m[i] = N(0.9) * m[i] + (pytorchMomentum ? one : N(1 - 0.9)) * g[i];
                        w[i] -= a * m[i];
                        break;
                    case "adagrad":
                        v[i] += g[i] * g[i];
                        w[i] -= a * g[i] / (T.Sqrt(v[i]) + N(1e-10));
                        break;
                    case "rmsprop":
                        v[i] = N(0.99) * v[i] + N(1 - 0.99) * g[i] * g[i];
                        w[i] -= a * g[i] / (T.Sqrt(v[i]) + N(1e-8));
                        break;
                    case "adam":
                        m[i] = N(0.9) * m[i] + N(1 - 0.9) * g[i];
                        v[i] = N(0.999) * v[i] + N(1 - 0.999) * g[i] * g[i];
                        T c1 = adamBiasCorrection ? one - T.Pow(N(0.9), N(k)) : one, c2 = adamBiasCorrection ? one - T.Pow(N(0.999), N(k)) : one;
                        w[i] -= a * (m[i] / c1) / (T.Sqrt(v[i] / c2) + N(1e-8));
                        break;
                    default: throw new ArgumentException(key);
                }
            }
            path.Add((double.CreateChecked(w[0]), double.CreateChecked(w[1])));
        }
        return path;
    }

    /// <summary>The difference between two points, relative to each reference coordinate (at least 1).</summary>
    private static double Difference((double X, double Y) a, (double X, double Y) b) =>
        Math.Max(Math.Abs(a.X - b.X) / Math.Max(1, Math.Abs(b.X)), Math.Abs(a.Y - b.Y) / Math.Max(1, Math.Abs(b.Y)));

    /// <summary>The largest <see cref="Difference"/> along two paths.</summary>
    private static double MaxRelativeDifference(IReadOnlyList<(double X, double Y)> a, IReadOnlyList<(double X, double Y)> b)
    {
        Assert.Equal(b.Count, a.Count);
        return a.Zip(b, Difference).Max();
    }

    /// <summary>
    /// What "exact to float32 rounding" allows at step k: 4 times the largest distance, up to step k, between the same
    /// formula run in float32 and in float64 (how far float32 rounding alone moves the path: constants such as 0.999,
    /// which is 0.99900001287 in float32, and every operation), and at least 2⁻²² (a few float32 ulps).
    /// </summary>
    private static double[] Float32Budget(string function, string key, double lr, (double X, double Y) start, int steps)
    {
        var r64 = Reference<double>(function, key, lr, start, steps);
        var r32 = Reference<float>(function, key, lr, start, steps);
        var budget = new double[steps + 1];
        double worst = 0;
        for (int k = 0; k <= steps; k++)
        {
            worst = Math.Max(worst, Difference(r32[k], r64[k]));
            budget[k] = Math.Max(4 * worst, Math.Pow(2, -22));
        }
        return budget;
    }

    [Theory]
    [InlineData("rosenbrock", "gd", 0.002, "expressions")]
    [InlineData("rosenbrock", "momentum", 0.02, "expressions")]
    [InlineData("rosenbrock", "adagrad", 0.5, "expressions")]
    [InlineData("rosenbrock", "rmsprop", 0.001, "expressions")]
    [InlineData("rosenbrock", "adam", 0.5, "expressions")]
    [InlineData("beale", "gd", 0.02, "expressions")]
    [InlineData("beale", "momentum", 0.05, "expressions")]
    [InlineData("beale", "adagrad", 1.0, "expressions")]
    [InlineData("beale", "rmsprop", 0.02, "expressions")]
    [InlineData("beale", "adam", 0.5, "expressions")]
    [InlineData("rosenbrock", "momentum", 0.02, "roslyn")]
    [InlineData("rosenbrock", "adam", 0.5, "roslyn")]
    public void The_first_steps_of_each_compiled_optimizer_equal_its_formula_in_float64(string function, string key, double lr, string backend)
    {
        const int steps = 6;
        var f = TestFunction.ByName(function);
        var network = OptimizersProgram.Compile(f, OptimizersProgram.Create(key, lr), backend);
        var run = OptimizersProgram.Descend(network, f, lr, steps, tolerance: 0);
        Assert.False(run.Diverged);
        Assert.Equal(steps + 1, run.Path.Count);
        var reference = Reference<double>(function, key, lr, f.Start, steps);
        var budget = Float32Budget(function, key, lr, f.Start, steps);
        for (int k = 0; k <= steps; k++)
        {
            double diff = Difference(run.Path[k], reference[k]);
            Assert.True(diff <= budget[k], $"{key} on {function}, step {k}: the compiled point ({run.Path[k].X:R}, {run.Path[k].Y:R}) differs from " +
                                           $"the formula's ({reference[k].X:R}, {reference[k].Y:R}) by {diff:G3} (relative); float32 rounding allows {budget[k]:G3}");
        }
        // Every step moved the point (a stuck path cannot pass for a formula that moves).
        for (int k = 1; k <= steps; k++) Assert.NotEqual(run.Path[k - 1], run.Path[k]);
        // Running it again from the start (fresh optimizer state) gives the same path.
        Assert.Equal(run.Path, OptimizersProgram.Descend(network, f, lr, steps, tolerance: 0).Path);
    }

    [Fact]
    public void The_comparison_rejects_a_slightly_wrong_formula()
    {
        // Adam without bias correction and momentum in PyTorch's form (m ← βm + g) or no momentum at all: each misses
        // the compiled path by more than 100 times what float32 rounding allows.
        var f = TestFunction.Rosenbrock;
        const int steps = 6;
        var adam = OptimizersProgram.Descend(OptimizersProgram.Compile(f, OptimizersProgram.Create("adam", 0.5), "expressions"), f, 0.5, steps, 0);
        double adamBudget = Float32Budget("rosenbrock", "adam", 0.5, f.Start, steps).Max();
        Assert.True(MaxRelativeDifference(adam.Path, Reference<double>("rosenbrock", "adam", 0.5, f.Start, steps, adamBiasCorrection: false)) > 100 * adamBudget);
        var momentum = OptimizersProgram.Descend(OptimizersProgram.Compile(f, OptimizersProgram.Create("momentum", 0.002), "expressions"), f, 0.002, steps, 0);
        double momentumBudget = Float32Budget("rosenbrock", "momentum", 0.002, f.Start, steps).Max();
        Assert.True(MaxRelativeDifference(momentum.Path, Reference<double>("rosenbrock", "momentum", 0.002, f.Start, steps, pytorchMomentum: true)) > 100 * momentumBudget);
        Assert.True(MaxRelativeDifference(momentum.Path, Reference<double>("rosenbrock", "gd", 0.002, f.Start, steps)) > 100 * momentumBudget);
    }

    [Fact]
    public void The_example_test_function_matches_its_gradient_and_its_least_squares_form()
    {
        // The example's f and ∇f (used for the contours, distances and the printout) against central differences and
        // against the gradient written above; and f equals the loss the compiled step reports (Σ (g − c)² at the start).
        foreach (var f in new[] { TestFunction.Rosenbrock, TestFunction.Beale })
            foreach (var (x, y) in new[] { f.Start, (0.3, -0.7), (2.1, 0.4) })
            {
                const double h = 1e-6;
                var (dx, dy) = f.Gradient(x, y);
                Assert.Equal((f.Value(x + h, y) - f.Value(x - h, y)) / (2 * h), dx, 1e-4 * Math.Max(1, Math.Abs(dx)));
                Assert.Equal((f.Value(x, y + h) - f.Value(x, y - h)) / (2 * h), dy, 1e-4 * Math.Max(1, Math.Abs(dy)));
                var (rx, ry) = Gradient(f.Name, x, y);
                Assert.Equal(rx, dx, 1e-9 * Math.Max(1, Math.Abs(dx)));
                Assert.Equal(ry, dy, 1e-9 * Math.Max(1, Math.Abs(dy)));
            }
        foreach (var f in new[] { TestFunction.Rosenbrock, TestFunction.Beale })
        {
            var network = OptimizersProgram.Compile(f, OptimizersProgram.Create("gd", 1e-4), "expressions");
            float loss = network.TrainStep(new float[] { 1 }, f.Targets.Select(c => (float)c).ToArray(), 1, 1e-4);
            double expected = f.Value((float)f.Start.X, (float)f.Start.Y);
            Assert.Equal(expected, loss, 1e-5 * expected);
            Assert.Equal(0, f.Value(f.Minimum.X, f.Minimum.Y), 1e-12);
        }
    }

    [Theory]
    [InlineData("--function himmelblau", "--function: unknown function 'himmelblau' (rosenbrock, beale).")]
    [InlineData("--max-steps 0", "--max-steps: must be in 1..")]
    [InlineData("--tolerance -1", "--tolerance: must be positive, got -1.")]
    [InlineData("--lr-adam 0", "--lr-adam: must be positive, got 0.")]
    [InlineData("--backend llvm", "--backend: unknown backend 'llvm'")]
    [InlineData("--max-steps", "--max-steps needs a value.")]
    [InlineData("--frobnicate", "unknown option '--frobnicate'")]
    public void Bad_options_give_one_line_and_exit_code_2(string args, string expected)
    {
        Assert.Contains(expected, ExampleRun.BadOptions(Optimizers.Program.Run, args, "steps_gd"));
    }

    [Fact]
    public void A_folder_as_the_svg_path_is_one_line_and_exit_code_2_before_any_run()
    {
        using var dir = new TempDir();
        var (code, output, err) = Run("--svg", dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("--svg: ", err);
        Assert.Contains("is a folder, not a file", err);
        Assert.DoesNotContain("grid:", output);
    }

    [Fact]
    public void Help_prints_the_usage()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("--function NAME", output);
        Assert.Contains("--max-steps N", output);
        Assert.Contains("--tolerance X", output);
        Assert.Contains("--backend NAME", output);
        Assert.Contains("--svg FILE", output);
        Assert.Contains("not_reached=KEY,KEY", output);
    }
}
