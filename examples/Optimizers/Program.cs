using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla;
using Nabla.Examples;
using Nabla.Reporting;

namespace Optimizers;

/// <summary>
/// Lecture 002's figure: the paths of gradient descent, momentum, AdaGrad, RMSProp and Adam on a 2-D function with a
/// narrow curved valley (Rosenbrock by default, or Beale), over its contour lines. Every path is taken by the
/// library's own optimizer (<see cref="Optimizer.Sgd"/>, <see cref="Optimizer.Momentum"/>, <see cref="Optimizer.AdaGrad"/>,
/// <see cref="Optimizer.RmsProp"/>, <see cref="Optimizer.Adam"/>) in a run-time compiled training step whose
/// parameters are the point (x, y) and whose loss is f(x, y) (<see cref="PointModel"/>). Each optimizer's learning rate
/// is the best of a small grid (fewest steps to the tolerance) unless fixed by an option. Prints the number of steps
/// each needs until the distance to the minimum is below the tolerance (<c>steps_X</c>; the cap, with X listed on the
/// <c>not_reached=</c> line before, when X never got there); bad input is one line on stderr and exit code 2.
/// </summary>
public static class Program
{
    /// <summary>The optimizers' keys, in the order of the result lines.</summary>
    public static readonly IReadOnlyList<string> Keys = new[] { "gd", "momentum", "adagrad", "rmsprop", "adam" };

    /// <summary>The optimizers' names in the figure, by key order.</summary>
    public static readonly IReadOnlyList<string> Labels = new[] { "gradient descent", "momentum β=0.9", "AdaGrad", "RMSProp α=0.99", "Adam β=(0.9, 0.999)" };

    /// <summary>The optimizers' colours in the figure, by key order.</summary>
    public static readonly IReadOnlyList<string> Colors = new[] { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd" };

    /// <summary>The learning rates tried for each optimizer: 1, 2 and 5 per decade from 1e-4 to 5.</summary>
    public static readonly IReadOnlyList<double> Grid = new[] { 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0 };

    /// <summary>A run is stopped as diverged once |x| or |y| exceeds this (or a value is not finite).</summary>
    public const double DivergedBeyond = 1e6;

    /// <summary>The process entry point.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the example with <paramref name="args"/>, writing to <paramref name="stdout"/> and <paramref name="stderr"/>; returns the exit code (0, or 2 for bad input).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return ExampleHost.Run(stderr, () =>
        {
            var o = Options.Parse(args);
            if (o.Help) { stdout.WriteLine(Options.Usage); return 0; }
            return Compare(o, stdout);
        });
    }

    /// <summary>The library optimizer for <paramref name="key"/> with learning rate <paramref name="lr"/> (every other setting the library's default).</summary>
    public static Optimizer Create(string key, double lr) => key switch
    {
        "gd" => Optimizer.Sgd(lr),
        "momentum" => Optimizer.Momentum(lr, beta: 0.9),
        "adagrad" => Optimizer.AdaGrad(lr),
        "rmsprop" => Optimizer.RmsProp(lr),
        "adam" => Optimizer.Adam(lr),
        _ => throw new ArgumentException($"Unknown optimizer key '{key}' ({string.Join(", ", Keys)}).", nameof(key)),
    };

    /// <summary>
    /// Compiles the training step of <paramref name="optimizer"/> on <paramref name="f"/>: the model is
    /// <see cref="PointModel"/> (as the child <c>point</c>: its parameters are <c>point.x</c> and <c>point.y</c>), the loss the library's least squares summed over the batch (one example), so the
    /// loss is f(x, y) and one call of <c>TrainStep</c> is one optimizer step on f.
    /// </summary>
    public static Network Compile(TestFunction f, Optimizer optimizer, string backend)
    {
        var model = Model.Build(new Sequential(("point", new PointModel(f))), 1, seed: 0);
        return model.Compile(new TrainingSetup(Loss.LeastSquares(), optimizer) { Reduction = Reduction.Sum, ModelName = "OptimizerPath" },
            Jit.ParseBackend(backend));
    }

    /// <summary>One run of an optimizer from the start point.</summary>
    /// <param name="LearningRate">The learning rate.</param>
    /// <param name="Steps">The number of steps after which the distance to the minimum was first below the tolerance (0: never, within the cap).</param>
    /// <param name="Diverged">Whether the run was stopped because the point left every bound (or became not finite).</param>
    /// <param name="Path">The points visited: the start, then one per step taken.</param>
    public sealed record PathRun(double LearningRate, int Steps, bool Diverged, IReadOnlyList<(double X, double Y)> Path)
    {
        /// <summary>Whether the tolerance was reached.</summary>
        public bool Reached => Steps > 0;
        /// <summary>The last point.</summary>
        public (double X, double Y) Last => Path[Path.Count - 1];
    }

    /// <summary>
    /// Runs <paramref name="network"/> (compiled by <see cref="Compile"/>) from <paramref name="f"/>'s start point with a
    /// fresh optimizer state for at most <paramref name="maxSteps"/> steps at learning rate <paramref name="lr"/>,
    /// stopping when the distance to the minimum falls below <paramref name="tolerance"/> (0: never) or the run diverges.
    /// </summary>
    public static PathRun Descend(Network network, TestFunction f, double lr, int maxSteps, double tolerance)
    {
        var px = network.ParameterValues("point.x");
        var py = network.ParameterValues("point.y");
        px[0] = (float)f.Start.X;
        py[0] = (float)f.Start.Y;
        network.ResetOptimizer();
        network.LearningRate = lr;   // the rate of this run of the sweep (one compiled step serves every rate)
        var one = new float[] { 1 };
        var target = f.Targets.Select(c => (float)c).ToArray();
        var path = new List<(double, double)> { ((double)px[0], (double)py[0]) };
        for (int k = 1; k <= maxSteps; k++)
        {
            network.TrainStep(one, target, 1);
            double x = px[0], y = py[0];
            path.Add((x, y));
            if (!(Math.Abs(x) <= DivergedBeyond && Math.Abs(y) <= DivergedBeyond)) return new PathRun(lr, 0, true, path);
            if (f.Distance(x, y) < tolerance) return new PathRun(lr, k, false, path);
        }
        return new PathRun(lr, 0, false, path);
    }

    /// <summary>
    /// The best run of the grid: the fewest steps to the tolerance; when no rate reaches it, the smallest final distance
    /// among the runs that did not diverge.
    /// </summary>
    public static (PathRun Best, List<PathRun> All) Search(Network network, TestFunction f, IEnumerable<double> rates, int maxSteps, double tolerance)
    {
        var all = rates.Select(lr => Descend(network, f, lr, maxSteps, tolerance)).ToList();
        var reached = all.Where(r => r.Reached).OrderBy(r => r.Steps).ToList();
        var best = reached.Count > 0 ? reached[0]
            : all.OrderBy(r => r.Diverged).ThenBy(r => r.Diverged ? 0 : f.Distance(r.Last.X, r.Last.Y)).First();
        return (best, all);
    }

    private static int Compare(Options o, TextWriter stdout)
    {
        // 1. Everything that can be wrong, before any work.
        var f = TestFunction.ByName(o.Function);
        string svg = o.SvgPath;
        ExampleHost.CheckOutputFile("--svg", svg);
        stdout.WriteLine($"{f.Name}: f(x, y) = {f.Formula}, minimum 0 at ({F(f.Minimum.X)}, {F(f.Minimum.Y)}), start ({F(f.Start.X)}, {F(f.Start.Y)}), " +
                         $"f(start) = {F(f.Value(f.Start.X, f.Start.Y))}");
        stdout.WriteLine($"converged: distance to the minimum < {F(o.Tolerance, "G")}; at most {o.MaxSteps} steps per run; backend {o.Backend}");

        // 2. Each optimizer: compile its training step once (the learning rate is a run-time input), then run the grid.
        var runs = new PathRun[Keys.Count];
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Keys.Count; i++)
        {
            double fixedLr = o.LearningRates[i];
            // (The rate given to the optimizer is only its default; each run passes its own to TrainStep.)
            var network = Compile(f, Create(Keys[i], double.IsNaN(fixedLr) ? 0.01 : fixedLr), o.Backend);
            var rates = double.IsNaN(fixedLr) ? Grid : new[] { fixedLr };
            var (best, all) = Search(network, f, rates, o.MaxSteps, o.Tolerance);
            runs[i] = best;
            if (all.Count > 1)
                stdout.WriteLine($"{Keys[i],-8} grid: " + string.Join(", ", all.Select(r => $"{F(r.LearningRate, "G")}→{Outcome(r)}")));
            string how = all.Count > 1 ? "best of the grid" : "fixed by --lr-" + Keys[i];
            stdout.WriteLine($"{Keys[i],-8} {Create(Keys[i], best.LearningRate).Describe()} ({how}): " +
                             (best.Reached ? $"reached the tolerance in {best.Steps} steps"
                                 : $"did not reach the tolerance within {o.MaxSteps} steps{(best.Diverged ? " (diverged)" : "")}; steps_{Keys[i]} below is the cap, and not_reached lists it") +
                             $", last point ({F(best.Last.X)}, {F(best.Last.Y)}), f = {F(f.Value(best.Last.X, best.Last.Y), "G4")}");
        }
        stdout.WriteLine($"time_s={F(clock.Elapsed.TotalSeconds, "0.00")}");

        // 3. The figure and the numbers.
        WriteFigure(svg, f, runs, o.Tolerance);
        stdout.WriteLine($"figure written to {svg}");
        for (int i = 0; i < Keys.Count; i++) stdout.WriteLine($"lr_{Keys[i]}={F(runs[i].LearningRate, "G")}");
        // steps_X is the cap both when X reached the tolerance at exactly the last step and when it never did: the
        // not_reached line (the keys that never did, comma-separated; empty when all did) tells the two apart.
        stdout.WriteLine("not_reached=" + string.Join(",", Enumerable.Range(0, Keys.Count).Where(i => !runs[i].Reached).Select(i => Keys[i])));
        for (int i = 0; i < Keys.Count; i++) ExampleHost.Result(stdout, "steps_" + Keys[i], runs[i].Reached ? runs[i].Steps : o.MaxSteps);
        return 0;
    }

    private static string Outcome(PathRun r) => r.Reached ? r.Steps.ToString(CultureInfo.InvariantCulture) : r.Diverged ? "diverged" : "not reached";

    /// <summary>
    /// The paths over the contour lines of f (log-spaced levels), one coloured line per optimizer, the start and the
    /// minimum as points. Each path is thinned to the points that moved at least 1/2000 of the plot's width or height
    /// since the last point kept (the last point is always kept).
    /// </summary>
    public static void WriteFigure(string path, TestFunction f, IReadOnlyList<PathRun> runs, double tolerance)
    {
        var (x0, x1) = f.XRange;
        var (y0, y1) = f.YRange;
        var plot = new SvgPlot($"{f.Name}: optimizer paths to ‖(x, y) − minimum‖ < {F(tolerance, "G")}", "x", "y")
        {
            Width = 860, Height = 680, XRange = (x0, x1), YRange = (y0, y1),
        };
        plot.AddContours($"f = {f.Formula} (levels 10^(k/2))", f.Value, x0, x1, y0, y1, f.Levels, resolution: 240);
        for (int i = 0; i < runs.Count; i++)
        {
            var thin = Thin(runs[i].Path, (x1 - x0) / 2000, (y1 - y0) / 2000);
            string steps = runs[i].Reached ? $"{runs[i].Steps} steps" : $"not reached in {runs[i].Path.Count - 1} steps";
            plot.Add($"{Labels[i]}, lr {F(runs[i].LearningRate, "G")}: {steps}", thin.Select(p => p.X).ToArray(), thin.Select(p => p.Y).ToArray(), Colors[i]);
        }
        plot.AddPoints($"start ({F(f.Start.X, "G")}, {F(f.Start.Y, "G")})", new[] { f.Start.X }, new[] { f.Start.Y }, new[] { 4.0 }, "#555555");
        plot.AddPoints($"minimum ({F(f.Minimum.X, "G")}, {F(f.Minimum.Y, "G")})", new[] { f.Minimum.X }, new[] { f.Minimum.Y }, new[] { 5.0 }, "black");
        plot.Save(path);
    }

    /// <summary>The points of <paramref name="path"/> that moved more than <paramref name="dx"/> or <paramref name="dy"/> since the last one kept, and the last point.</summary>
    public static List<(double X, double Y)> Thin(IReadOnlyList<(double X, double Y)> path, double dx, double dy)
    {
        var kept = new List<(double X, double Y)> { path[0] };
        for (int i = 1; i < path.Count; i++)
        {
            var last = kept[kept.Count - 1];
            if (Math.Abs(path[i].X - last.X) > dx || Math.Abs(path[i].Y - last.Y) > dy || i == path.Count - 1) kept.Add(path[i]);
        }
        return kept;
    }

    private static string F(double v, string format = "0.####") => ExampleHost.F(v, format);
}
