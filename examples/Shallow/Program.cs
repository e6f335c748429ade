using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla;
using Nabla.Analysis;
using Nabla.Examples;
using Nabla.Reporting;

namespace Shallow;

/// <summary>
/// The lecture's shallow network <c>y = φ₀ + Σ_d φ_d·relu(θ_d0 + θ_d1·x)</c> on a 1-D regression problem generated in
/// code (<see cref="TrueFunction"/> plus Gaussian noise): fits it with D = 3 and D = 10 hidden units (full-batch Adam,
/// He initialization, a run-time compiled training step), counts each fit's linear regions along the input range
/// exactly from its weights and numerically through the compiled network, against the bound D + 1; then composes two
/// hand-set 3-unit networks (the first folds [−1, 1] onto [0, 1] four times, the second cuts [0, 1] into four pieces)
/// into one network with <see cref="Module.Compose"/> and counts the composition's regions against (3 + 1)·(3 + 1).
/// Writes one SVG with a panel per fit, the training curves, the two factors and their composition.
/// </summary>
public static class Program
{
    /// <summary>The input range: the data, the plots and the region counts are on x ∈ [<see cref="Lo"/>, <see cref="Hi"/>].</summary>
    public const double Lo = -1, Hi = 1;
    /// <summary>Grid steps over [Lo, Hi] for the plotted fits and the numerical region count (step h = 2⁻¹²: every grid x is exact in float32).</summary>
    public const int GridSteps = 8192;
    /// <summary>Held-out points drawn from the same distribution as the training points (for fit_mse).</summary>
    public const int HeldOutPoints = 1000;

    /// <summary>The process entry point.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the example with <paramref name="args"/>, writing to <paramref name="stdout"/> and <paramref name="stderr"/>; returns the exit code (0, or 2 for bad input).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return ExampleHost.Run(stderr, () =>
        {
            var o = Options.Parse(args);
            if (o.Help) { stdout.WriteLine(Options.Usage); return 0; }
            return Execute(o, stdout);
        });
    }

    /// <summary>
    /// The function behind the data: <c>exp(−sin(πx))</c> on [−1, 1] — the lecture notebooks' curve <c>exp(sin(2πu))</c>
    /// on u ∈ [0, 1] (bias–variance and double-descent notebooks), with the input centred as x = 2u − 1 (so that He
    /// initialization's zero biases put every joint in the middle of the data, not at its edge).
    /// </summary>
    public static double TrueFunction(double x) => Math.Exp(-Math.Sin(Math.PI * x));

    /// <summary>A data set: inputs in [Lo, Hi] (sorted) and noisy targets, as float32 arrays ready for the network.</summary>
    public sealed record Data(float[] X, float[] T)
    {
        /// <summary>The number of points.</summary>
        public int Count => X.Length;
    }

    /// <summary>
    /// <paramref name="count"/> points spread over [Lo, Hi] as the notebook spreads them (point i uniform in the i-th of
    /// <paramref name="count"/> equal slices) with t = <see cref="TrueFunction"/>(x) + noise·N(0, 1), drawn from the
    /// stream named <paramref name="name"/> of <paramref name="seed"/> (so the training and held-out sets are
    /// independent and each is the same on every machine).
    /// </summary>
    public static Data Generate(int count, double noise, long seed, string name)
    {
        var rng = Rng.ForName(seed, name);
        var x = new double[count];
        for (int i = 0; i < count; i++) x[i] = Lo + (Hi - Lo) * (i + rng.NextDouble()) / count;
        var t = new float[count];
        for (int i = 0; i < count; i++) t[i] = (float)(TrueFunction(x[i]) + noise * rng.NextGaussian());
        return new Data(x.Select(v => (float)v).ToArray(), t);
    }

    /// <summary>The first factor of the composition, f: [−1, 1] → [0, 1] with joints at −2/3, −1/3, 1/3 and slopes 3, −3, 1.5, −1.5: it folds the input range onto [0, 1] four times.</summary>
    public static ShallowNet FoldingNet() => new(new double[] { 2, 1, 1 }, new double[] { 3, 3, -3 }, new[] { -2, 1.5, -1 }, 4);

    /// <summary>The second factor, g on y ∈ [0, 1] with joints at 1/4, 1/2, 3/4 and slopes −2, 2, −1, 1 (a W shape).</summary>
    public static ShallowNet CuttingNet() => new(new double[] { -1, -2, 3 }, new double[] { 4, 4, -4 }, new[] { 1, -0.75, 0.5 }, -1);

    /// <summary>The grid x values Lo + i·(Hi − Lo)/<see cref="GridSteps"/>, i = 0 … GridSteps.</summary>
    public static float[] Grid() => Enumerable.Range(0, GridSteps + 1).Select(i => (float)(Lo + (Hi - Lo) * i / GridSteps)).ToArray();

    /// <summary>
    /// The slope tolerance of the numerical region count for float32 outputs up to <paramref name="maxOutput"/> in size:
    /// 64 units in the last place of max(1, |y|) over the grid step, 0.09 for |y| ≤ 3 (measured rounding noise of the
    /// slopes inside a region: up to 0.02). Slope changes smaller than this are not seen on the grid.
    /// </summary>
    public static double GridTolerance(double maxOutput) => 64 * Math.Pow(2, -23) * Math.Max(1, maxOutput) / ((Hi - Lo) / GridSteps);

    /// <summary>The result of fitting one shallow network.</summary>
    public sealed record Fit(int Units, ShallowNet Net, float[] Grid, float[] GridY, List<(long Step, double Loss)> Curve,
        double TrainMse, double HeldOutMse, double TrueMse, int Regions, int LibraryRegions, int GridRegions);

    private static int Execute(Options o, TextWriter stdout)
    {
        ExampleHost.CheckOutputFile("--svg", o.Svg);
        var backend = Jit.ParseBackend(o.Backend);
        var train = Generate(o.Points, o.Noise, o.DataSeed, "train");
        var heldOut = Generate(HeldOutPoints, o.Noise, o.DataSeed, "held-out");
        double mean = heldOut.T.Average(v => (double)v), variance = heldOut.T.Average(v => (v - mean) * (v - mean));
        stdout.WriteLine($"data: y = exp(-sin(pi x)) + N(0, {F(o.Noise, "0.###")}^2) on x in [{F(Lo, "0")}, {F(Hi, "0")}]; {train.Count} training and " +
                         $"{heldOut.Count} held-out points (data seed {o.DataSeed.ToString(CultureInfo.InvariantCulture)}); held-out target variance {F(variance)}");
        stdout.WriteLine($"shallow networks 1 -> D -> 1 (ReLU), He init (seed {o.Seed.ToString(CultureInfo.InvariantCulture)}), MSE, full-batch Adam lr {F(o.LearningRate, "G")}, {o.Steps} steps, {o.Backend}");

        var fits = new[] { 3, 10 }.Select(d => FitShallow(d, train, heldOut, o, backend, stdout)).ToArray();

        // The composition g∘f of two hand-set 3-unit networks, one module built by the library's Compose.
        var f = FoldingNet();
        var g = CuttingNet();
        var composedModel = Model.Build(g.ToModule().Compose(f.ToModule()), 1, o.Seed);
        var composed = composedModel.Compile(new TrainingSetup(Loss.Mse(), Optimizer.Adam(o.LearningRate)) { ModelName = "ShallowComposed" }, backend);
        var grid = Grid();
        var composedY = composed.Predict(grid, grid.Length);
        var composedBreaks = RegionCounter.Breakpoints(g, f, Lo, Hi);
        int composedRegions = composedBreaks.Count + 1;
        int composedLibrary = LinearRegions.CountPieces(composedModel, Lo, Hi);
        int composedGrid = GridCount(composedY);
        int boundComposed = (f.Units + 1) * (g.Units + 1);
        stdout.WriteLine($"composition g(f(x)): f has {RegionCounter.Count(f, Lo, Hi)} regions on [-1, 1] (joints {Joints(f.Joints)}), " +
                         $"g has {RegionCounter.Count(g, 0, 1)} on [0, 1] (joints {Joints(g.Joints)}); Sequential of the two, parameters {string.Join(", ", composedModel.Parameters.Entries.Select(e => e.Name))}");
        stdout.WriteLine($"composed regions: exact {composedRegions} (f's joints and where f crosses g's joints), library {composedLibrary} (LinearRegions), " +
                         $"grid {composedGrid} ({GridNote(composedBreaks)}); bound (3+1)(3+1) = {boundComposed}, LinearRegions.UpperBound(1, 3, 3) = {LinearRegions.UpperBound(1, f.Units, g.Units)}");
        if (composedRegions != composedLibrary)
            throw new InvalidOperationException($"The composed network's region counts disagree: {composedRegions} from the joints, {composedLibrary} from LinearRegions.");

        WriteFigure(o.Svg, train, fits, f, g, grid, composedY, composedBreaks, composedRegions);
        stdout.WriteLine($"figure written to {o.Svg}");
        foreach (var fit in fits)
            stdout.WriteLine($"bound_d{fit.Units}={fit.Units + 1} mse_d{fit.Units}={F(fit.HeldOutMse)} train_mse_d{fit.Units}={F(fit.TrainMse)} " +
                             $"true_mse_d{fit.Units}={F(fit.TrueMse)} grid_regions_d{fit.Units}={fit.GridRegions} wide_regions_d{fit.Units}={Wide(RegionCounter.Breakpoints(fit.Net, Lo, Hi))}");
        stdout.WriteLine($"data_variance={F(variance)} noise_variance={F(o.Noise * o.Noise)} grid_regions_composed={composedGrid}");
        ExampleHost.Result(stdout, "regions_d3", fits[0].Regions);
        ExampleHost.Result(stdout, "regions_d10", fits[1].Regions);
        ExampleHost.Result(stdout, "regions_composed", composedRegions);
        ExampleHost.Result(stdout, "bound_composed", boundComposed);
        ExampleHost.Result(stdout, "fit_mse", fits[1].HeldOutMse);
        return 0;
    }

    private static Fit FitShallow(int units, Data train, Data heldOut, Options o, Backend backend, TextWriter stdout)
    {
        var model = Model.Build(ShallowNet.Module(units), 1, o.Seed);
        var clock = Stopwatch.StartNew();
        var network = model.Compile(new TrainingSetup(Loss.Mse(), Optimizer.Adam(o.LearningRate)) { ModelName = $"Shallow{units}" }, backend);
        stdout.WriteLine($"D={units}: {model.ParameterCount} parameters, compiled in {F(clock.Elapsed.TotalMilliseconds, "0")} ms");
        clock.Restart();
        var curve = new List<(long, double)>();
        int every = Math.Max(1, o.Steps / 200);
        for (int step = 1; step <= o.Steps; step++)
        {
            float loss = network.TrainStep(train.X, train.T, train.Count);   // at the optimizer's rate, Adam(o.LearningRate)
            if (!float.IsFinite(loss)) throw new UsageException($"D={units}: the training loss became {loss} at step {step}; lower --lr.");
            if (step == 1 || step % every == 0) curve.Add((step, loss));
            if (step % Math.Max(1, o.Steps / 5) == 0 || step == o.Steps)
                stdout.WriteLine($"  step {step,6}: train mse {F(loss)}, held-out mse {F(Mse(network, heldOut))}");
        }
        double seconds = clock.Elapsed.TotalSeconds;

        // The regions, three ways: the joints of the trained weights, the library's exact decomposition of the model,
        // and slope changes of the compiled network's outputs on a fine grid.
        var net = ShallowNet.FromNetwork(network);
        network.CopyParametersTo(model.Parameters);
        var breaks = RegionCounter.Breakpoints(net, Lo, Hi);
        int regions = breaks.Count + 1;
        int library = LinearRegions.CountPieces(model, Lo, Hi);
        if (regions != library)
            throw new InvalidOperationException($"D={units}: the region counts disagree: {regions} from the joints, {library} from LinearRegions.");
        var grid = Grid();
        var gridY = network.Predict(grid, grid.Length);
        int gridRegions = GridCount(gridY);
        double trueMse = grid.Select((x, i) => Math.Pow(gridY[i] - TrueFunction(x), 2)).Average();
        var joints = net.Joints;
        int inside = joints.Count(j => j > Lo && j < Hi);
        stdout.WriteLine($"  trained in {F(seconds, "0.00")} s; joints {Joints(joints)} ({inside} inside [-1, 1])");
        stdout.WriteLine($"  regions on [-1, 1]: exact {regions} (joints), library {library} (LinearRegions), grid {gridRegions} ({GridNote(breaks)}); bound D + 1 = {units + 1}");
        return new Fit(units, net, grid, gridY, curve, Mse(network, train), Mse(network, heldOut), trueMse, regions, library, gridRegions);
    }

    /// <summary>The mean squared error of <paramref name="network"/>'s predictions on <paramref name="data"/> (in float64).</summary>
    public static double Mse(Network network, Data data)
    {
        var y = network.Predict(data.X, data.Count);
        double sum = 0;
        for (int i = 0; i < data.Count; i++) { double d = y[i] - data.T[i]; sum += d * d; }
        return sum / data.Count;
    }

    /// <summary>The numerical region count of outputs <paramref name="y"/> on <see cref="Grid"/>.</summary>
    public static int GridCount(float[] y)
    {
        double h = (Hi - Lo) / GridSteps, max = y.Max(v => Math.Abs((double)v));
        return RegionCounter.CountOnGrid(y.Select(v => (double)v).ToArray(), h, GridTolerance(max));
    }

    private static string GridNote(IReadOnlyList<double> breakpoints) =>
        $"compiled Predict on {GridSteps + 1} points, step 2^-12; it sees the {Wide(breakpoints)} exact regions at least 3 steps wide";

    // The exact regions at least 3 grid steps wide: those the grid count surely sees (unless a slope change is below its tolerance).
    private static int Wide(IReadOnlyList<double> breakpoints) => RegionCounter.CountWide(breakpoints, Lo, Hi, 3 * (Hi - Lo) / GridSteps);

    private static string Joints(IReadOnlyList<double> joints) =>
        "[" + string.Join(", ", joints.Select(j => double.IsNaN(j) ? "none" : F(j, "0.###"))) + "]";

    /// <summary>
    /// One SVG, three panels a row: the D = 3 and D = 10 fits (data points, the fit on the grid, the true function, the
    /// joints as dashed vertical lines), the training curves; the folding network f with g's joints as levels, the network
    /// g, and the composition g∘f with its breakpoints.
    /// </summary>
    public static void WriteFigure(string path, Data train, IReadOnlyList<Fit> fits, ShallowNet f, ShallowNet g, float[] grid, float[] composedY,
        IReadOnlyList<double> composedBreaks, int composedRegions)
    {
        var xs = grid.Select(v => (double)v).ToArray();
        var panels = new List<SvgPlot>();
        foreach (var fit in fits)
        {
            var p = new SvgPlot($"D = {fit.Units}: {fit.Regions} linear regions (bound {fit.Units + 1})", "x", "y") { Width = 420, Height = 300, XRange = (Lo, Hi) };
            p.AddPoints("data", train.X.Select(v => (double)v).ToArray(), train.T.Select(v => (double)v).ToArray(), color: "#999999");
            p.Add("true function", xs, xs.Select(TrueFunction).ToArray(), "#2ca02c", dashed: true);
            p.Add("fit", xs, fit.GridY.Select(v => (double)v).ToArray(), "#1f77b4");
            for (int d = 0; d < fit.Units; d++)
            {
                double j = fit.Net.Joints[d];
                if (j > Lo && j < Hi) p.AddVerticalLine(j, $"joint of unit {d + 1}: x = {F(j, "0.###")}");
            }
            panels.Add(p);
        }
        var curves = new SvgPlot("training loss (full-batch mse)", "step", "mse") { Width = 420, Height = 300, LogY = true };
        foreach (var fit in fits) curves.Add($"D = {fit.Units}", fit.Curve.Select(c => (double)c.Step).ToArray(), fit.Curve.Select(c => c.Loss).ToArray());
        panels.Add(curves);

        var pf = new SvgPlot($"f: {RegionCounter.Count(f, Lo, Hi)} regions, folds [-1, 1] onto [0, 1]", "x", "y = f(x)") { Width = 420, Height = 300, XRange = (Lo, Hi), YRange = (-0.05, 1.35) };
        pf.Add("f", xs, xs.Select(f.Evaluate).ToArray(), "#1f77b4");
        bool first = true;
        foreach (double c in g.Joints.Where(double.IsFinite).OrderBy(c => c))
        {
            pf.Add("joints of g (levels)", new[] { Lo, Hi }, new[] { c, c }, "#d62728", dashed: true, inLegend: first);
            first = false;
        }
        foreach (double j in f.Joints.Where(j => j > Lo && j < Hi)) pf.AddVerticalLine(j, $"joint of f: x = {F(j, "0.###")}");
        panels.Add(pf);

        var ys = Enumerable.Range(0, 401).Select(i => i / 400.0).ToArray();
        var pg = new SvgPlot($"g: {RegionCounter.Count(g, 0, 1)} regions on [0, 1]", "y", "g(y)") { Width = 420, Height = 300, XRange = (0, 1), YRange = (-0.05, 0.7) };
        pg.Add("g", ys, ys.Select(g.Evaluate).ToArray(), "#ff7f0e");
        foreach (double j in g.Joints.Where(j => j > 0 && j < 1)) pg.AddVerticalLine(j, $"joint of g: y = {F(j, "0.###")}");
        panels.Add(pg);

        var pc = new SvgPlot($"g(f(x)): {composedRegions} regions (bound {(f.Units + 1) * (g.Units + 1)})", "x", "g(f(x))") { Width = 420, Height = 300, XRange = (Lo, Hi), YRange = (-0.05, 0.7) };
        pc.Add("g(f(x))", xs, composedY.Select(v => (double)v).ToArray(), "#9467bd");
        foreach (double b in composedBreaks) pc.AddVerticalLine(b, $"breakpoint x = {F(b, "0.####")}");
        panels.Add(pc);

        SvgPlot.SaveGrid(path, "Shallow networks: fits, their joints and linear regions, and the composition of two networks", panels, columns: 3);
    }

    private static string F(double v, string format = "0.0000") => ExampleHost.F(v, format);
}
