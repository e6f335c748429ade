using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml.Linq;

namespace Nabla.Reporting;

/// <summary>
/// A small line chart written as SVG by hand (no plotting package): a title, axis labels, "nice" ticks with grid
/// lines, a linear or logarithmic y axis, and any number of named series with a legend. Points whose x or y is NaN
/// or infinite (or y ≤ 0 on a log axis) are skipped. The axes cover every plotted point, so all coordinates lie
/// inside the view box. Built with System.Xml.Linq, so the output is always well-formed XML.
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

    private readonly List<(string Name, double[] X, double[] Y)> _series = new();
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

    /// <summary>The names of the series added so far, in order.</summary>
    public IReadOnlyList<string> SeriesNames => _series.Select(s => s.Name).ToArray();

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
        _series.Add((name, x.ToArray(), y.ToArray()));
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
    public string ToSvg()
    {
        var points = _series.Select(s => Valid(s.X, s.Y)).ToArray();
        var all = points.SelectMany(p => p).ToArray();
        var xAxis = all.Length == 0 ? Axis.Linear(0, 1) : Axis.Linear(all.Min(p => p.X), all.Max(p => p.X));
        var yAxis = LogY
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

        var lines = new XElement(Svg + "g", new XAttribute("class", "series"), new XAttribute("fill", "none"), new XAttribute("stroke-width", 1.5));
        for (int s = 0; s < _series.Count; s++)
        {
            string color = Palette[s % Palette.Length];
            var sb = new StringBuilder();
            foreach (var p in points[s]) sb.Append(sb.Length == 0 ? "" : " ").Append(N(Px(p.X))).Append(',').Append(N(Py(p.Y)));
            var line = new XElement(Svg + "polyline", new XAttribute("points", sb.ToString()), new XAttribute("stroke", color),
                new XAttribute("stroke-linejoin", "round"), new XAttribute("data-series", _series[s].Name));
            line.Add(new XElement(Svg + "title", _series[s].Name));
            lines.Add(line);
            if (points[s].Count == 1)
                lines.Add(new XElement(Svg + "circle", new XAttribute("cx", N(Px(points[s][0].X))), new XAttribute("cy", N(Py(points[s][0].Y))),
                    new XAttribute("r", 2.5), new XAttribute("fill", color)));
        }
        root.Add(lines);
        if (_series.Count > 0) root.Add(Legend(Left + w, Top));
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + root.ToString() + "\n";
    }

    /// <summary>
    /// Writes <see cref="ToSvg"/> to <paramref name="path"/> atomically: into a temporary file in the same folder,
    /// then renamed over the target, so a reader never sees a half-written chart. Creates the folder if needed.
    /// </summary>
    public void Save(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException("The plot path is empty.", nameof(path));
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            File.WriteAllText(tmp, ToSvg(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private XElement Legend(double right, double top)
    {
        double width = 34 + 7.2 * _series.Max(s => s.Name.Length), x = right - width - 8, y = top + 8;
        var g = new XElement(Svg + "g", new XAttribute("class", "legend"));
        g.Add(new XElement(Svg + "rect", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("width", N(width)),
            new XAttribute("height", N(8 + 18 * _series.Count)), new XAttribute("fill", "white"), new XAttribute("fill-opacity", 0.85),
            new XAttribute("stroke", "#bbbbbb")));
        for (int s = 0; s < _series.Count; s++)
        {
            double cy = y + 13 + 18 * s;
            var swatch = Line(x + 6, cy, x + 24, cy);
            swatch.Add(new XAttribute("stroke", Palette[s % Palette.Length]), new XAttribute("stroke-width", 2.5));
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
