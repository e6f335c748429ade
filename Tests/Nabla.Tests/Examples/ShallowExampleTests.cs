using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Nabla.Analysis;
using Nabla.Tests.Data;
using Shallow;
using Xunit;

namespace Nabla.Tests.Examples;

/// <summary>The shallow-network example called in-process through its entry point (a short run: seconds), and its region counter.</summary>
[Collection("Jit")]
public class ShallowExampleTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => ExampleRun.Run(Shallow.Program.Run, args);

    private static double Value(string output, string name) => ExampleRun.Value(output, name);

    [Fact]
    public void A_short_run_counts_regions_within_their_bounds_and_draws_fits_joints_and_the_composition()
    {
        using var dir = new TempDir();
        string svg = dir.File("shallow.svg");
        var (code, output, err) = Run("--steps", "400", "--svg", svg);
        Assert.True(code == 0, err);
        var last = output.TrimEnd().Split('\n').TakeLast(5).Select(l => l.Split('=')[0]).ToArray();
        Assert.Equal(new[] { "regions_d3", "regions_d10", "regions_composed", "bound_composed", "fit_mse" }, last);

        double d3 = Value(output, "regions_d3"), d10 = Value(output, "regions_d10"), composed = Value(output, "regions_composed");
        Assert.InRange(d3, 1, 4);   // D + 1
        Assert.InRange(d10, 1, 11);
        Assert.True(d10 >= d3, output); // seed 1: 4 and 8 regions
        // The hand-set composition reaches its bound (3 + 1)(3 + 1), more than either factor's 4 and more than either fit.
        Assert.Equal(16, Value(output, "bound_composed"));
        Assert.Equal(16, composed);
        Assert.Contains("f has 4 regions on [-1, 1]", output);
        Assert.Contains("g has 4 on [0, 1]", output);
        Assert.True(composed > d3 && composed > d10);
        Assert.Equal(16, Value(output, "grid_regions_composed"));
        // The grid sees at least every region 3 steps wide and never more than the exact count.
        foreach (int d in new[] { 3, 10 })
        {
            double grid = Value(output, $"grid_regions_d{d}"), wide = Value(output, $"wide_regions_d{d}");
            Assert.InRange(grid, wide, Value(output, $"regions_d{d}"));
        }
        // The D = 10 fit is far better than predicting the mean (the data's variance) and not far below the noise floor
        // σ² = 0.09 (held-out points carry fresh noise).
        double mse = Value(output, "fit_mse"), variance = Value(output, "data_variance"), noise = Value(output, "noise_variance");
        Assert.True(double.IsFinite(mse));
        Assert.Equal(0.09, noise, 12);
        Assert.InRange(variance, 0.6, 0.9);
        Assert.InRange(mse, 0.5 * noise, 0.2 * variance);
        Assert.True(Value(output, "mse_d3") < variance);

        // Six panels: two fits, the training curves, f, g and g∘f.
        XNamespace ns = "http://www.w3.org/2000/svg";
        var panels = XDocument.Load(svg).Root!.Elements(ns + "svg").ToArray();
        Assert.Equal(6, panels.Length);
        string[] Series(XElement p) => p.Descendants().Where(e => e.Attribute("data-series") is not null).Select(e => (string)e.Attribute("data-series")!).ToArray();
        int Verticals(XElement p) => p.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "vertical-lines").SelectMany(g => g.Elements(ns + "line")).Count();
        int Points(XElement p, string name) => ((string)p.Descendants(ns + "polyline").Single(l => (string)l.Attribute("data-series")! == name).Attribute("points")!).Split(' ').Length;
        for (int k = 0; k < 2; k++)
        {
            Assert.Equal(new[] { "data", "true function", "fit" }, Series(panels[k]));
            Assert.Equal(100, panels[k].Descendants(ns + "g").Single(g => (string?)g.Attribute("data-series") == "data").Elements(ns + "circle").Count());
            Assert.Equal(Shallow.Program.GridSteps + 1, Points(panels[k], "fit"));
        }
        // One dashed line per joint inside [−1, 1] (as many as the run printed).
        var inside = System.Text.RegularExpressions.Regex.Matches(output, @"\((\d+) inside \[-1, 1\]\)").Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, inside.Length);
        Assert.Equal(inside[0], Verticals(panels[0]));
        Assert.Equal(inside[1], Verticals(panels[1]));
        Assert.Equal(new[] { "D = 3", "D = 10" }, Series(panels[2]));
        Assert.Equal(new[] { "f", "joints of g (levels)", "joints of g (levels)", "joints of g (levels)" }, Series(panels[3]));
        Assert.Equal(3, Verticals(panels[3]));
        Assert.Equal(new[] { "g" }, Series(panels[4]));
        Assert.Equal(3, Verticals(panels[4]));
        Assert.Equal(new[] { "g(f(x))" }, Series(panels[5]));
        Assert.Equal(15, Verticals(panels[5])); // 16 regions
    }

    // The lecture notebook's shallow network: θ = (0.3, −1), (−1, 2), (−0.5, 0.65); φ = −0.3, 2, −1, 7.
    private static ShallowNet LectureNet() => new(new[] { 0.3, -1.0, -0.5 }, new[] { -1.0, 2.0, 0.65 }, new[] { 2.0, -1.0, 7.0 }, -0.3);

    [Fact]
    public void The_region_counter_sorts_the_joints_and_merges_equal_slopes()
    {
        var net = LectureNet();
        // Joints at 0.3, 0.5 and 0.5/0.65; slopes −2, 0, −2, −2 + 4.55 on [0, 1]: four regions.
        Assert.Equal(new[] { 0.3, 0.5, 0.5 / 0.65 }, RegionCounter.Breakpoints(net, 0, 1));
        Assert.Equal(4, RegionCounter.Count(net, 0, 1));
        Assert.Equal(2, RegionCounter.Count(net, -1, 0.4));
        Assert.Equal(1, RegionCounter.Count(net, 0.8, 5));
        Assert.Equal(-2, net.Slope(0.1)); Assert.Equal(0, net.Slope(0.4)); Assert.Equal(-2, net.Slope(0.6)); Assert.Equal(2.55, net.Slope(0.9), 12);
        // Same as the library's exact decomposition of the same network (float32 weights, float64 trace).
        Assert.Equal(4, LinearRegions.CountPieces(Model.Build(net.ToModule(), 1), 0, 1));

        // relu(x − 1/2) − relu(1/2 − x) = x − 1/2: both units switch at 1/2, the slope is 1 on both sides — one region.
        var straight = new ShallowNet(new[] { -0.5, 0.5 }, new[] { 1.0, -1.0 }, new[] { 1.0, -1.0 }, 0);
        Assert.Empty(RegionCounter.Breakpoints(straight, -1, 1));
        Assert.Equal(1, RegionCounter.Count(straight, -1, 1));
        // A unit with φ = 0 has a joint but no kink; a unit with θ_1 = 0 never switches (its joint is NaN).
        var quiet = new ShallowNet(new[] { 0.0, -0.5, 1.0 }, new[] { 1.0, 1.0, 0.0 }, new[] { 1.0, 0.0, 3.0 }, 0);
        Assert.True(double.IsNaN(quiet.Joints[2]));
        Assert.Equal(new[] { 0.0 }, RegionCounter.Breakpoints(quiet, -1, 1));
        Assert.Throws<ArgumentException>(() => RegionCounter.Count(net, 1, 1));
    }

    [Fact]
    public void The_composition_of_the_folding_and_the_cutting_network_has_sixteen_regions()
    {
        var f = Shallow.Program.FoldingNet();
        var g = Shallow.Program.CuttingNet();
        Assert.Equal(new[] { -2 / 3.0, -1 / 3.0, 1 / 3.0 }, f.Joints.ToArray());
        Assert.Equal(new[] { 0.25, 0.5, 0.75 }, g.Joints.ToArray());
        Assert.Equal(new[] { 0.0, 1, 0, 1, 0 }, new[] { -1, -2 / 3.0, -1 / 3.0, 1 / 3.0, 1 }.Select(x => Math.Round(f.Evaluate(x), 12)).ToArray());
        // On f's first piece, f = 3(x + 1): it crosses g's joints at x = −1 + 1/12, −1 + 1/6, −1 + 1/4.
        var b = RegionCounter.Breakpoints(g, f, -1, 1);
        Assert.Equal(15, b.Count);
        Assert.Equal(new[] { -11 / 12.0, -5 / 6.0, -3 / 4.0, -2 / 3.0 }, b.Take(4).ToArray(), new ToleranceComparer(1e-15));
        Assert.Equal(16, RegionCounter.CountComposed(g, f, -1, 1));
        // Only f's first piece (y sweeps [0, 1] once): g's 4 regions. Up to −1/2 f comes back from 1 to 1/2, crossing 3/4 once: 4 + 2.
        Assert.Equal(4, RegionCounter.CountComposed(g, f, -1, -2 / 3.0));
        Assert.Equal(6, RegionCounter.CountComposed(g, f, -1, -0.5));
        // The library's composition of the two modules, decomposed exactly by LinearRegions, agrees.
        var model = Model.Build(g.ToModule().Compose(f.ToModule()), 1);
        Assert.Equal(16, LinearRegions.CountPieces(model, -1, 1));
        Assert.Equal(b.ToArray(), LinearRegions.Pieces(model, -1, 1).Breakpoints.ToArray(), new ToleranceComparer(1e-6));
    }

    [Fact]
    public void The_grid_count_sees_kinks_and_not_rounding_noise()
    {
        const int n = 4096;
        double h = 2.0 / n;
        var xs = Enumerable.Range(0, n + 1).Select(i => -1 + i * h).ToArray();
        var net = LectureNet();
        Assert.Equal(4, RegionCounter.CountOnGrid(xs.Select(x => net.Evaluate((x + 1) / 2)).ToArray(), h, 1e-6));
        // |x| with float32 rounding of the values: 2 regions with a tolerance above the noise, many without one.
        var abs = xs.Select(x => (double)(float)(Math.Abs(x) * 2.7)).ToArray();
        Assert.Equal(2, RegionCounter.CountOnGrid(abs, h, 0.05));
        Assert.True(RegionCounter.CountOnGrid(abs, h, 0) > 2);
        // A region one step wide is not seen: x ↦ max(0, |x| − h/2)·… has a flat piece of width h around 0.
        var narrow = xs.Select(x => Math.Max(0, Math.Abs(x) - 0.5 * h)).ToArray();
        Assert.Equal(2, RegionCounter.CountOnGrid(narrow, h, 1e-9));
        Assert.Equal(3, RegionCounter.CountWide(new[] { -0.5 * h, 0.5 * h }, -1, 1, 0));
        Assert.Equal(2, RegionCounter.CountWide(new[] { -0.5 * h, 0.5 * h }, -1, 1, 3 * h));
    }

    [Fact]
    public void Help_prints_the_usage()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.StartsWith("usage: dotnet run -c Release --project examples/Shallow", output);
        Assert.DoesNotContain("fit_mse", output);
    }

    [Theory]
    [InlineData("--steps 0", "--steps: must be in 1..")]
    [InlineData("--lr -1", "--lr: must be positive, got -1.")]
    [InlineData("--backend llvm", "--backend: unknown backend 'llvm'")]
    [InlineData("--points 1", "--points: must be in 2..100000, got 1.")]
    [InlineData("--noise -0.5", "--noise: must be in [0, 10], got -0.5.")]
    [InlineData("--seed x", "--seed: 'x' is not an integer.")]
    [InlineData("--svg", "--svg needs a value.")]
    [InlineData("--svg --steps 5", "--svg needs a value, but the next argument '--steps' is an option.")]
    [InlineData("--frobnicate", "unknown option '--frobnicate'")]
    public void Bad_options_give_one_line_and_exit_code_2(string args, string expected)
    {
        Assert.Contains(expected, ExampleRun.BadOptions(Shallow.Program.Run, args, "fit_mse"));
    }

    [Fact]
    public void An_svg_path_that_is_a_folder_is_rejected_before_any_training()
    {
        using var dir = new TempDir();
        var (code, output, err) = Run("--svg", dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("is a folder, not a file", err);
        Assert.DoesNotContain("D=3", output);
    }

    private sealed class ToleranceComparer : System.Collections.Generic.IEqualityComparer<double>
    {
        private readonly double _tol;
        public ToleranceComparer(double tol) { _tol = tol; }
        public bool Equals(double a, double b) => Math.Abs(a - b) <= _tol;
        public int GetHashCode(double v) => 0;
    }
}
