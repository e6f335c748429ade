using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml.Linq;

namespace Nabla.Reporting;

/// <summary>
/// A small chart written as SVG by hand (no plotting package): a title, axis labels, "nice" ticks with grid lines, a
/// linear or logarithmic y axis, and any number of named series with a legend: lines (<see cref="Add(string, IReadOnlyList{double}, IReadOnlyList{double})"/>),
/// scattered points with a radius each (<see cref="AddPoints"/>), dashed vertical markers (<see cref="AddVerticalLine"/>)
/// and contour lines of a function of two variables (<see cref="AddContours"/>). Points whose x or y is NaN or infinite
/// (or y ≤ 0 on a log axis) are skipped. The axes cover every plotted point unless <see cref="XRange"/> or
/// <see cref="YRange"/> fix them, in which case whatever lies outside is clipped at the frame; either way all drawing
/// stays inside the view box. Built with System.Xml.Linq, so the output is always well-formed XML.
/// </summary>
/// <example><code>
/// var plot = new SvgPlot("MNIST-1D MLP", "epoch", "loss") { LogY = true };
/// plot.Add("train", epochs, trainLoss).Add("validation", epochs, validationLoss);
/// plot.Save("loss.svg");
/// </code></example>
public sealed class SvgPlot
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly string[] Palette =
        { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };
    private const double Left = 72, Right = 24, Top = 44, Bottom = 56;

    private enum Kind { Line, Points, Segments }

    /// <summary>One thing drawn: a line through X/Y, points at X/Y (radius Sizes[i]), or segments (X/Y in pairs).</summary>
    private sealed record Series(string Name, double[] X, double[] Y, Kind Kind, string? Color, bool Dashed, bool InLegend, double[]? Sizes);

    private readonly List<Series> _series = new();
    private readonly List<(double X, string Name)> _verticals = new();
    private (double Min, double Max)? _xRange, _yRange;
    private int _width = 720, _height = 440;

    /// <summary>The title above the chart.</summary>
    public string Title { get; set; }

    /// <summary>The label under the x axis.</summary>
    public string XLabel { get; set; }

    /// <summary>The label beside the y axis.</summary>
    public string YLabel { get; set; }

    /// <summary>Whether the y axis is logarithmic (base 10); points with y ≤ 0 are then skipped.</summary>
    public bool LogY { get; set; }

    /// <summary>The width of the image in pixels (≥ 200).</summary>
    public int Width
    {
        get => _width;
        set => _width = value >= 200 ? value : throw new ArgumentOutOfRangeException(nameof(Width), value, "The width must be at least 200 pixels.");
    }

    /// <summary>The height of the image in pixels (≥ 150).</summary>
    public int Height
    {
        get => _height;
        set => _height = value >= 150 ? value : throw new ArgumentOutOfRangeException(nameof(Height), value, "The height must be at least 150 pixels.");
    }

    /// <summary>The names of the series added so far (lines, points and contours), in order.</summary>
    public IReadOnlyList<string> SeriesNames => _series.Select(s => s.Name).ToArray();

    /// <summary>
    /// A fixed x axis range (null, the default: the axis covers every point). Drawing outside it is clipped at the frame.
    /// </summary>
    public (double Min, double Max)? XRange
    {
        get => _xRange;
        set => _xRange = CheckRange(value, nameof(XRange));
    }

    /// <summary>
    /// A fixed y axis range (null, the default: the axis covers every point; both ends positive on a log axis).
    /// Drawing outside it is clipped at the frame.
    /// </summary>
    public (double Min, double Max)? YRange
    {
        get => _yRange;
        set => _yRange = CheckRange(value, nameof(YRange));
    }

    private static (double, double)? CheckRange((double Min, double Max)? r, string name) =>
        r is null || (double.IsFinite(r.Value.Min) && double.IsFinite(r.Value.Max) && r.Value.Min < r.Value.Max)
            ? r
            : throw new ArgumentOutOfRangeException(name, r, $"{name} must be two finite numbers, Min < Max.");

    /// <summary>An empty chart.</summary>
    public SvgPlot(string title = "", string xLabel = "", string yLabel = "")
    {
        Title = title ?? "";
        XLabel = xLabel ?? "";
        YLabel = yLabel ?? "";
    }

    /// <summary>Adds a series of points (x[i], y[i]) (copied); the lists must have equal length. Returns this chart.</summary>
    public SvgPlot Add(string name, IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (name is null) throw new ArgumentNullException(nameof(name));
        if (x is null) throw new ArgumentNullException(nameof(x));
        if (y is null) throw new ArgumentNullException(nameof(y));
        if (x.Count != y.Count)
            throw new ArgumentException($"Series '{name}' has {x.Count} x values but {y.Count} y values.", nameof(y));
        _series.Add(new Series(name, x.ToArray(), y.ToArray(), Kind.Line, null, false, true, null));
        return this;
    }

    /// <summary>
    /// Adds a line series drawn in <paramref name="color"/> (any SVG colour, e.g. <c>"#d62728"</c> or <c>"gray"</c>),
    /// dashed if <paramref name="dashed"/>, and listed in the legend unless <paramref name="inLegend"/> is false (for
    /// example a second line of a series already listed). Returns this chart.
    /// </summary>
    public SvgPlot Add(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, string color, bool dashed = false, bool inLegend = true)
    {
        if (string.IsNullOrWhiteSpace(color)) throw new ArgumentException($"Series '{name}': the colour is empty.", nameof(color));
        Add(name, x, y);
        _series[_series.Count - 1] = _series[_series.Count - 1] with { Color = color, Dashed = dashed, InLegend = inLegend };
        return this;
    }

    /// <summary>
    /// Adds points (x[i], y[i]) drawn as filled circles, a scatter series. <paramref name="radii"/> gives each point's
    /// radius in pixels (finite, ≥ 0; e.g. a mixture component's weight times 10); without it every point has radius
    /// 2.5. <paramref name="color"/> overrides the series colour. Returns this chart.
    /// </summary>
    public SvgPlot AddPoints(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<double>? radii = null, string? color = null)
    {
        double[]? sizes = radii?.ToArray();
        if (sizes is not null)
        {
            if (x is not null && sizes.Length != x.Count)
                throw new ArgumentException($"Series '{name}' has {x.Count} points but {sizes.Length} radii.", nameof(radii));
            for (int i = 0; i < sizes.Length; i++)
                if (!(sizes[i] >= 0) || double.IsInfinity(sizes[i]))
                    throw new ArgumentOutOfRangeException(nameof(radii), sizes[i], $"Series '{name}': radius {i} must be finite and ≥ 0.");
        }
        Add(name, x!, y);
        _series[_series.Count - 1] = _series[_series.Count - 1] with { Kind = Kind.Points, Sizes = sizes, Color = string.IsNullOrWhiteSpace(color) ? null : color };
        return this;
    }

    /// <summary>
    /// Adds a dashed grey vertical line at <paramref name="x"/> across the whole plot, with <paramref name="name"/> as
    /// its tooltip (for example a hidden unit's joint, where its ReLU switches on). Not listed in the legend. Returns this chart.
    /// </summary>
    public SvgPlot AddVerticalLine(double x, string name = "")
    {
        if (!double.IsFinite(x)) throw new ArgumentOutOfRangeException(nameof(x), x, "A vertical line needs a finite x.");
        _verticals.Add((x, name ?? ""));
        return this;
    }

    /// <summary>
    /// Adds the contour lines of <paramref name="f"/> at each of <paramref name="levels"/> over the rectangle
    /// [x0, x1] × [y0, y1], traced by marching squares on a <paramref name="resolution"/> × <paramref name="resolution"/>
    /// grid (cells where f is not finite are left out), drawn as thin lines in <paramref name="color"/> and listed
    /// once in the legend as <paramref name="name"/>. Returns this chart.
    /// </summary>
    public SvgPlot AddContours(string name, Func<double, double, double> f, double x0, double x1, double y0, double y1,
        IReadOnlyList<double> levels, int resolution = 120, string color = "#999999")
    {
        if (name is null) throw new ArgumentNullException(nameof(name));
        if (f is null) throw new ArgumentNullException(nameof(f));
        if (levels is null) throw new ArgumentNullException(nameof(levels));
        if (!(double.IsFinite(x0) && double.IsFinite(x1) && x0 < x1 && double.IsFinite(y0) && double.IsFinite(y1) && y0 < y1))
            throw new ArgumentException($"Contours '{name}': the rectangle [{x0}, {x1}] × [{y0}, {y1}] must be finite and non-empty.");
        if (resolution < 1 || resolution > 2000)
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "The contour grid resolution must be in 1..2000.");
        int n = resolution;
        var grid = new double[n + 1, n + 1];
        double X(int i) => x0 + (x1 - x0) * i / n;
        double Y(int j) => y0 + (y1 - y0) * j / n;
        for (int i = 0; i <= n; i++)
            for (int j = 0; j <= n; j++) grid[i, j] = f(X(i), Y(j));
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (double level in levels)
        {
            if (!double.IsFinite(level)) throw new ArgumentOutOfRangeException(nameof(levels), level, $"Contours '{name}': every level must be finite.");
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    // Corners counter-clockwise from (i, j); where the level crosses an edge, interpolate linearly.
                    double a = grid[i, j], b = grid[i + 1, j], c = grid[i + 1, j + 1], d = grid[i, j + 1];
                    if (!(double.IsFinite(a) && double.IsFinite(b) && double.IsFinite(c) && double.IsFinite(d))) continue;
                    var cut = new List<(double X, double Y)>(4);
                    void Edge(double va, double vb, double xa, double ya, double xb, double yb)
                    {
                        if ((va < level) == (vb < level)) return;
                        double t = (level - va) / (vb - va);
                        cut.Add((xa + t * (xb - xa), ya + t * (yb - ya)));
                    }
                    Edge(a, b, X(i), Y(j), X(i + 1), Y(j));
                    Edge(b, c, X(i + 1), Y(j), X(i + 1), Y(j + 1));
                    Edge(c, d, X(i + 1), Y(j + 1), X(i), Y(j + 1));
                    Edge(d, a, X(i), Y(j + 1), X(i), Y(j));
                    // Two crossings: one segment. Four (a saddle: a, c on one side, b, d on the other): the cell's
                    // mean decides which pair the centre joins; cut off the two corners on the other side.
                    if (cut.Count == 4 && ((a + b + c + d) / 4 < level) != (a < level)) cut = new List<(double, double)> { cut[0], cut[3], cut[1], cut[2] };
                    for (int k = 0; k + 1 < cut.Count; k += 2)
                    {
                        xs.Add(cut[k].X); ys.Add(cut[k].Y);
                        xs.Add(cut[k + 1].X); ys.Add(cut[k + 1].Y);
                    }
                }
        }
        _series.Add(new Series(name, xs.ToArray(), ys.ToArray(), Kind.Segments, color, false, true, null));
        return this;
    }

    /// <summary>Adds a series with x = 1, 2, …, n (e.g. per-epoch values). Returns this chart.</summary>
    public SvgPlot Add(string name, IReadOnlyList<double> y)
    {
        if (y is null) throw new ArgumentNullException(nameof(y));
        var x = new double[y.Count];
        for (int i = 0; i < x.Length; i++) x[i] = i + 1;
        return Add(name, x, y);
    }

    /// <summary>The chart as an SVG document (UTF-8 XML text).</summary>
    public string ToSvg() => "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + Build().ToString() + "\n";

    private XElement Build()
    {
        var points = _series.Select(s => Valid(s.X, s.Y)).ToArray();
        var all = points.SelectMany(p => p).ToArray();
        var xs = all.Select(p => p.X).Concat(_verticals.Select(v => v.X)).ToArray();
        var xAxis = _xRange is { } xr ? Axis.Linear(xr.Min, xr.Max) : xs.Length == 0 ? Axis.Linear(0, 1) : Axis.Linear(xs.Min(), xs.Max());
        var yAxis = _yRange is { } yr
            ? (LogY ? Axis.Logarithmic(yr.Min, yr.Max) : Axis.Linear(yr.Min, yr.Max))
            : LogY
                ? (all.Length == 0 ? Axis.Logarithmic(1, 10) : Axis.Logarithmic(all.Min(p => p.Y), all.Max(p => p.Y)))
                : (all.Length == 0 ? Axis.Linear(0, 1) : Axis.Linear(all.Min(p => p.Y), all.Max(p => p.Y)));
        double w = _width - Left - Right, h = _height - Top - Bottom;
        double Px(double x) => Left + xAxis.Fraction(x) * w;
        double Py(double y) => Top + h - yAxis.Fraction(y) * h;

        var root = new XElement(Svg + "svg",
            new XAttribute("width", _width), new XAttribute("height", _height),
            new XAttribute("viewBox", $"0 0 {_width} {_height}"),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", 12));
        root.Add(new XElement(Svg + "rect", new XAttribute("width", _width), new XAttribute("height", _height), new XAttribute("fill", "white")));
        if (Title.Length > 0) root.Add(Text(_width / 2.0, Top / 2 + 5, Title, "middle", 15, bold: true));
        bool clip = _xRange is not null || _yRange is not null;
        if (clip)
            root.Add(new XElement(Svg + "defs", new XElement(Svg + "clipPath", new XAttribute("id", "plot-area"),
                new XElement(Svg + "rect", new XAttribute("x", N(Left)), new XAttribute("y", N(Top)), new XAttribute("width", N(w)), new XAttribute("height", N(h))))));

        var grid = new XElement(Svg + "g", new XAttribute("class", "axes"), new XAttribute("stroke", "#dddddd"), new XAttribute("stroke-width", 1));
        var labels = new XElement(Svg + "g", new XAttribute("class", "ticks"), new XAttribute("fill", "#333333"));
        foreach (var (v, label) in xAxis.Ticks)
        {
            double x = Px(v);
            grid.Add(Line(x, Top, x, Top + h));
            labels.Add(Text(x, Top + h + 16, label, "middle"));
        }
        foreach (var (v, label) in yAxis.Ticks)
        {
            double y = Py(v);
            grid.Add(Line(Left, y, Left + w, y));
            labels.Add(Text(Left - 6, y + 4, label, "end"));
        }
        root.Add(grid, labels);
        root.Add(new XElement(Svg + "rect", new XAttribute("x", N(Left)), new XAttribute("y", N(Top)), new XAttribute("width", N(w)),
            new XAttribute("height", N(h)), new XAttribute("fill", "none"), new XAttribute("stroke", "#333333")));
        if (XLabel.Length > 0) root.Add(Text(Left + w / 2, _height - 12, XLabel, "middle", 13));
        if (YLabel.Length > 0)
        {
            var t = Text(16, Top + h / 2, YLabel, "middle", 13);
            t.Add(new XAttribute("transform", $"rotate(-90 16 {N(Top + h / 2)})"));
            root.Add(t);
        }

        if (_verticals.Count > 0)
        {
            var marks = new XElement(Svg + "g", new XAttribute("class", "vertical-lines"), new XAttribute("stroke", "#888888"),
                new XAttribute("stroke-width", 1), new XAttribute("stroke-dasharray", "4 3"));
            foreach (var (vx, name) in _verticals)
            {
                if (_xRange is { } r && (vx < r.Min || vx > r.Max)) continue;
                var line = Line(Px(vx), Top, Px(vx), Top + h);
                if (name.Length > 0) line.Add(new XElement(Svg + "title", name));
                marks.Add(line);
            }
            root.Add(marks);
        }

        var lines = new XElement(Svg + "g", new XAttribute("class", "series"), new XAttribute("fill", "none"), new XAttribute("stroke-width", 1.5));
        if (clip) lines.Add(new XAttribute("clip-path", "url(#plot-area)"));
        for (int s = 0; s < _series.Count; s++)
        {
            var series = _series[s];
            string color = ColorOf(s);
            var title = new XElement(Svg + "title", series.Name);
            switch (series.Kind)
            {
                case Kind.Line:
                    {
                        var sb = new StringBuilder();
                        foreach (var p in points[s]) sb.Append(sb.Length == 0 ? "" : " ").Append(N(Px(p.X))).Append(',').Append(N(Py(p.Y)));
                        var line = new XElement(Svg + "polyline", new XAttribute("points", sb.ToString()), new XAttribute("stroke", color),
                            new XAttribute("stroke-linejoin", "round"), new XAttribute("data-series", series.Name));
                        if (series.Dashed) line.Add(new XAttribute("stroke-dasharray", "6 4"));
                        line.Add(title);
                        lines.Add(line);
                        if (points[s].Count == 1)
                            lines.Add(new XElement(Svg + "circle", new XAttribute("cx", N(Px(points[s][0].X))), new XAttribute("cy", N(Py(points[s][0].Y))),
                                new XAttribute("r", 2.5), new XAttribute("fill", color)));
                        break;
                    }
                case Kind.Points:
                    {
                        var g = new XElement(Svg + "g", new XAttribute("class", "points"), new XAttribute("fill", color), new XAttribute("stroke", "none"),
                            new XAttribute("data-series", series.Name), title);
                        for (int i = 0; i < series.X.Length; i++)
                            if (Drawable(series.X[i], series.Y[i]) && (series.Sizes is null || series.Sizes[i] > 0))
                                g.Add(new XElement(Svg + "circle", new XAttribute("cx", N(Px(series.X[i]))), new XAttribute("cy", N(Py(series.Y[i]))),
                                    new XAttribute("r", N(series.Sizes?[i] ?? 2.5))));
                        lines.Add(g);
                        break;
                    }
                case Kind.Segments:
                    {
                        var sb = new StringBuilder();
                        for (int i = 0; i + 1 < series.X.Length; i += 2)
                            if (Drawable(series.X[i], series.Y[i]) && Drawable(series.X[i + 1], series.Y[i + 1]))
                                sb.Append(sb.Length == 0 ? "" : " ").Append('M').Append(N(Px(series.X[i]))).Append(',').Append(N(Py(series.Y[i])))
                                  .Append('L').Append(N(Px(series.X[i + 1]))).Append(',').Append(N(Py(series.Y[i + 1])));
                        lines.Add(new XElement(Svg + "path", new XAttribute("d", sb.ToString()), new XAttribute("stroke", color),
                            new XAttribute("stroke-width", 0.8), new XAttribute("data-series", series.Name), title));
                        break;
                    }
            }
        }
        root.Add(lines);
        if (_series.Any(s => s.InLegend)) root.Add(Legend(Left + w, Top));
        return root;
    }

    /// <summary>Series <paramref name="s"/>'s colour: its own, or the next palette colour among the series without one.</summary>
    private string ColorOf(int s)
    {
        if (_series[s].Color is { } c) return c;
        int k = 0;
        for (int i = 0; i < s; i++) if (_series[i].Color is null) k++;
        return Palette[k % Palette.Length];
    }

    private bool Drawable(double x, double y) => double.IsFinite(x) && double.IsFinite(y) && (!LogY || y > 0);

    /// <summary>
    /// Writes <see cref="ToSvg"/> to <paramref name="path"/> atomically: into a temporary file in the same folder,
    /// then renamed over the target, so a reader never sees a half-written chart. Creates the folder if needed.
    /// </summary>
    public void Save(string path) => WriteAtomically(path, ToSvg());

    /// <summary>
    /// Several charts as one SVG document: <paramref name="title"/> on top, then the panels left to right in rows of
    /// <paramref name="columns"/>, each at its own <see cref="Width"/> × <see cref="Height"/> (a row is as tall as its
    /// tallest panel).
    /// </summary>
    public static string Grid(string title, IReadOnlyList<SvgPlot> panels, int columns = 2)
    {
        if (panels is null) throw new ArgumentNullException(nameof(panels));
        if (panels.Count == 0) throw new ArgumentException("A grid needs at least one panel.", nameof(panels));
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "A grid needs at least one column.");
        columns = Math.Min(columns, panels.Count);
        int rows = (panels.Count + columns - 1) / columns;
        double head = string.IsNullOrEmpty(title) ? 0 : 30;
        var rowHeight = Enumerable.Range(0, rows).Select(r => panels.Skip(r * columns).Take(columns).Max(p => p.Height)).ToArray();
        int width = Enumerable.Range(0, rows).Max(r => panels.Skip(r * columns).Take(columns).Sum(p => p.Width));
        double height = head + rowHeight.Sum();
        var root = new XElement(Svg + "svg", new XAttribute("width", width), new XAttribute("height", N(height)),
            new XAttribute("viewBox", $"0 0 {width} {N(height)}"), new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", 12));
        root.Add(new XElement(Svg + "rect", new XAttribute("width", width), new XAttribute("height", N(height)), new XAttribute("fill", "white")));
        if (head > 0) root.Add(Text(width / 2.0, 20, title, "middle", 15, bold: true));
        double top = head;
        for (int r = 0; r < rows; r++)
        {
            double left = 0;
            for (int c = 0; c < columns && r * columns + c < panels.Count; c++)
            {
                var plot = panels[r * columns + c];
                var panel = plot.Build();
                panel.SetAttributeValue("x", N(left));
                panel.SetAttributeValue("y", N(top));
                // Each panel's clip path gets its own id, so panels do not clip each other.
                string id = $"plot-area-{r * columns + c}";
                foreach (var e in panel.Descendants(Svg + "clipPath")) e.SetAttributeValue("id", id);
                foreach (var e in panel.Descendants().Where(e => (string?)e.Attribute("clip-path") == "url(#plot-area)")) e.SetAttributeValue("clip-path", $"url(#{id})");
                root.Add(panel);
                left += plot.Width;
            }
            top += rowHeight[r];
        }
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + root.ToString() + "\n";
    }

    /// <summary>Writes <see cref="Grid"/> of <paramref name="panels"/> to <paramref name="path"/>, atomically as <see cref="Save"/>.</summary>
    public static void SaveGrid(string path, string title, IReadOnlyList<SvgPlot> panels, int columns = 2) =>
        WriteAtomically(path, Grid(title, panels, columns));

    private static void WriteAtomically(string path, string text)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException("The plot path is empty.", nameof(path));
        if (Directory.Exists(Path.GetFullPath(path))) throw new IOException($"Cannot write the plot to '{path}': it is a folder.");
        Nabla.IO.AtomicFile.Write(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));
    }

    private XElement Legend(double right, double top)
    {
        var listed = Enumerable.Range(0, _series.Count).Where(s => _series[s].InLegend).ToArray();
        double width = 34 + 7.2 * listed.Max(s => _series[s].Name.Length), x = right - width - 8, y = top + 8;
        var g = new XElement(Svg + "g", new XAttribute("class", "legend"));
        g.Add(new XElement(Svg + "rect", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("width", N(width)),
            new XAttribute("height", N(8 + 18 * listed.Length)), new XAttribute("fill", "white"), new XAttribute("fill-opacity", 0.85),
            new XAttribute("stroke", "#bbbbbb")));
        for (int k = 0; k < listed.Length; k++)
        {
            int s = listed[k];
            double cy = y + 13 + 18 * k;
            XElement swatch;
            if (_series[s].Kind == Kind.Points)
                swatch = new XElement(Svg + "circle", new XAttribute("cx", N(x + 15)), new XAttribute("cy", N(cy)), new XAttribute("r", 4), new XAttribute("fill", ColorOf(s)));
            else
            {
                swatch = Line(x + 6, cy, x + 24, cy);
                swatch.Add(new XAttribute("stroke", ColorOf(s)), new XAttribute("stroke-width", _series[s].Kind == Kind.Segments ? 1 : 2.5));
                if (_series[s].Dashed) swatch.Add(new XAttribute("stroke-dasharray", "6 4"));
            }
            g.Add(swatch, Text(x + 30, cy + 4, _series[s].Name, "start"));
        }
        return g;
    }

    private List<(double X, double Y)> Valid(double[] x, double[] y)
    {
        var r = new List<(double, double)>(x.Length);
        for (int i = 0; i < x.Length; i++)
            if (double.IsFinite(x[i]) && double.IsFinite(y[i]) && (!LogY || y[i] > 0)) r.Add((x[i], y[i]));
        return r;
    }

    private static XElement Line(double x1, double y1, double x2, double y2) =>
        new(Svg + "line", new XAttribute("x1", N(x1)), new XAttribute("y1", N(y1)), new XAttribute("x2", N(x2)), new XAttribute("y2", N(y2)));

    private static XElement Text(double x, double y, string text, string anchor, double size = 12, bool bold = false)
    {
        var e = new XElement(Svg + "text", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("text-anchor", anchor), text);
        if (size != 12) e.Add(new XAttribute("font-size", size));
        if (bold) e.Add(new XAttribute("font-weight", "bold"));
        return e;
    }

    private static string N(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
