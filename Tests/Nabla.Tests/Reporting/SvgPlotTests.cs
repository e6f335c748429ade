using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Nabla.Reporting;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Reporting;

public class SvgPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static (double X, double Y)[] Points(XElement polyline) =>
        polyline.Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToArray();

    [Fact]
    public void WritesWellFormedSvgWithEverySeriesInsideTheViewBox()
    {
        using var dir = new TempDir();
        var plot = new SvgPlot("loss <&> accuracy", "epoch", "loss") { Width = 640, Height = 400 };
        plot.Add("train", new double[] { 2.3, 1.1, 0.7, 0.5 })
            .Add("validation & test", new double[] { 1, 2, 3, 4 }, new double[] { 2.4, 1.3, double.NaN, 0.9 });
        string path = dir.File("sub/plot.svg");
        plot.Save(path);

        var doc = XDocument.Load(path);   // throws if not well-formed
        var root = doc.Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal("0 0 640 400", root.Attribute("viewBox")!.Value);
        var lines = root.Descendants(Svg + "polyline").ToArray();
        Assert.Equal(new[] { "train", "validation & test" }, lines.Select(l => l.Attribute("data-series")!.Value));
        Assert.Equal(4, Points(lines[0]).Length);
        Assert.Equal(3, Points(lines[1]).Length);    // the NaN point is skipped
        foreach (var (x, y) in lines.SelectMany(Points))
        {
            Assert.InRange(x, 0, 640);
            Assert.InRange(y, 0, 400);
        }
        // x grows to the right; a smaller loss is drawn lower on the page (larger y).
        var train = Points(lines[0]);
        Assert.True(train[0].X < train[3].X && train[0].Y < train[3].Y);
        var texts = root.Descendants(Svg + "text").Select(t => t.Value).ToArray();
        Assert.Contains("loss <&> accuracy", texts);
        Assert.Contains("epoch", texts);
        Assert.Contains("validation & test", texts);   // the legend
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void LogAxisSkipsNonPositiveValuesAndTicksAtPowersOfTen()
    {
        var plot = new SvgPlot("error", "step", "error") { LogY = true };
        plot.Add("e", new double[] { 1, 2, 3, 4 }, new double[] { 0.9, 0.05, 0, 0.002 });
        var root = XDocument.Parse(plot.ToSvg()).Root!;
        Assert.Equal(3, Points(root.Descendants(Svg + "polyline").Single()).Length);
        var ticks = root.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "ticks").Elements().Select(t => t.Value).ToArray();
        Assert.Contains("0.001", ticks);
        Assert.Contains("1", ticks);
    }

    [Fact]
    public void AnEmptyPlotIsStillValid()
    {
        var root = XDocument.Parse(new SvgPlot().ToSvg()).Root!;
        Assert.Empty(root.Descendants(Svg + "polyline"));
    }

    [Fact]
    public void SeriesLengthsMustAgree() =>
        Assert.Contains("'s' has 2 x values but 1 y values",
            Assert.Throws<ArgumentException>(() => new SvgPlot().Add("s", new double[] { 1, 2 }, new double[] { 1 })).Message);

    [Fact]
    public void PointsAreCirclesWithTheirRadiiAndVerticalLinesSpanThePlot()
    {
        var plot = new SvgPlot("fit", "x", "y");
        plot.AddPoints("data", new double[] { 0, 1, 2 }, new double[] { 0, 1, 4 }, radii: new double[] { 1, 0, 6 })
            .Add("fit", new double[] { 0, 2 }, new double[] { 0, 4 }, color: "black", dashed: true)
            .AddVerticalLine(3, "joint 1");
        var root = XDocument.Parse(plot.ToSvg()).Root!;
        var data = root.Descendants(Svg + "g").Single(g => (string?)g.Attribute("data-series") == "data");
        // The zero-radius point is not drawn; the others keep their radius.
        Assert.Equal(new[] { "1", "6" }, data.Elements(Svg + "circle").Select(c => c.Attribute("r")!.Value));
        var fit = root.Descendants(Svg + "polyline").Single();
        Assert.Equal("black", fit.Attribute("stroke")!.Value);
        Assert.NotNull(fit.Attribute("stroke-dasharray"));
        // The x axis covers the vertical line (x = 3) beyond the last point (x = 2); the line runs from the top to the bottom of the frame.
        var joint = root.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "vertical-lines").Elements(Svg + "line").Single();
        double jx = double.Parse(joint.Attribute("x1")!.Value, CultureInfo.InvariantCulture);
        double lastX = Points(fit).Last().X;
        Assert.True(jx > lastX, $"joint at {jx}, last point at {lastX}");
        Assert.Equal("joint 1", joint.Element(Svg + "title")!.Value);
        Assert.NotEqual(joint.Attribute("y1")!.Value, joint.Attribute("y2")!.Value);
        Assert.Throws<ArgumentException>(() => new SvgPlot().AddPoints("p", new double[] { 1 }, new double[] { 1 }, radii: new double[] { 1, 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SvgPlot().AddPoints("p", new double[] { 1 }, new double[] { 1 }, radii: new double[] { double.NaN }));
    }

    [Fact]
    public void ContoursOfACircleLieOnTheCircle()
    {
        // f = x² + y² at level 1 is the unit circle: every traced segment end is within the grid's interpolation error of it.
        var plot = new SvgPlot("circle") { Width = 400, Height = 400, XRange = (-2, 2), YRange = (-2, 2) };
        plot.AddContours("f = 1", (x, y) => x * x + y * y, -2, 2, -2, 2, new double[] { 1 }, resolution: 80);
        var root = XDocument.Parse(plot.ToSvg()).Root!;
        var path = root.Descendants(Svg + "path").Single();
        var coords = path.Attribute("d")!.Value.Split(new[] { 'M', 'L', ' ' }, StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.True(coords.Length > 100, $"{coords.Length} segment ends");
        // Map pixels back: the frame is 304 × 300 pixels for 4 units, left 72, top 44.
        double w = 400 - 72 - 24, h = 400 - 44 - 56;
        foreach (var c in coords)
        {
            double x = -2 + (c[0] - 72) / w * 4, y = 2 - (c[1] - 44) / h * 4;
            Assert.InRange(Math.Sqrt(x * x + y * y), 0.99, 1.01);
        }
        Assert.Contains(root.Descendants(Svg + "clipPath"), c => (string?)c.Attribute("id") == "plot-area");
        Assert.Throws<ArgumentOutOfRangeException>(() => new SvgPlot { XRange = (1, 1) });
    }

    [Fact]
    public void AContourSaddleIsSplitByTheCellsCentre()
    {
        // f = x·y on one grid cell [-1, 1]²: corners (-1,-1) → 1, (1,-1) → -1, (1,1) → 1, (-1,1) → -1, all four edges
        // cross the level 0.1. The centre's value (0) is below it like the corners (1,-1) and (-1,1), so the two
        // segments must cut off the corners above it, (-1,-1) and (1,1), not join them across the centre.
        var plot = new SvgPlot { XRange = (-1, 1), YRange = (-1, 1), Width = 400, Height = 400 };
        plot.AddContours("xy", (x, y) => x * y, -1, 1, -1, 1, new double[] { 0.1 }, resolution: 1);
        var d = XDocument.Parse(plot.ToSvg()).Root!.Descendants(Svg + "path").Single().Attribute("d")!.Value;
        var segments = d.Split('M', StringSplitOptions.RemoveEmptyEntries)
            .Select(seg => seg.Split('L').Select(p => p.Trim().Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray())
            .ToArray();
        Assert.Equal(2, segments.Length);
        double cx = 72 + (400 - 72 - 24) / 2.0, cy = 44 + (400 - 44 - 56) / 2.0;
        foreach (var seg in segments)
        {
            // Both ends in the same quadrant: left-bottom (x < centre, y below centre on the page) or right-top.
            bool leftBottom = seg.All(p => p[0] < cx && p[1] > cy), rightTop = seg.All(p => p[0] > cx && p[1] < cy);
            Assert.True(leftBottom || rightTop, $"segment {string.Join(" ", seg.Select(p => $"{p[0]},{p[1]}"))}");
        }
    }

    [Fact]
    public void AGridPlacesPanelsInRowsWithTheirOwnClipPaths()
    {
        using var dir = new TempDir();
        var panels = Enumerable.Range(0, 3).Select(k =>
        {
            var p = new SvgPlot($"panel {k}") { Width = 300, Height = 200 + 50 * k, XRange = (0, 1) };
            return p.Add("s", new double[] { 0, 1 }, new double[] { k, k + 1 });
        }).ToArray();
        string path = dir.File("grid.svg");
        SvgPlot.SaveGrid(path, "three panels", panels, columns: 2);
        var root = XDocument.Load(path).Root!;
        var nested = root.Elements(Svg + "svg").ToArray();
        Assert.Equal(3, nested.Length);
        Assert.Equal(new[] { "0", "300", "0" }, nested.Select(n => n.Attribute("x")!.Value));
        // Row 1 is as tall as its taller panel (250): row 2 starts at 30 (the title) + 250.
        Assert.Equal(new[] { "30", "30", "280" }, nested.Select(n => n.Attribute("y")!.Value));
        Assert.Equal("600", root.Attribute("width")!.Value);
        Assert.Equal("580", root.Attribute("height")!.Value);
        var ids = root.Descendants(Svg + "clipPath").Select(c => (string)c.Attribute("id")!).ToArray();
        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(ids.Select(i => $"url(#{i})"), root.Descendants().Select(e => (string?)e.Attribute("clip-path")).Where(v => v is not null));
        Assert.Contains("three panels", root.Elements(Svg + "text").Select(t => t.Value));
        Assert.Throws<ArgumentException>(() => SvgPlot.Grid("", Array.Empty<SvgPlot>()));
        Assert.Throws<IOException>(() => SvgPlot.SaveGrid(dir.Path, "", panels));
    }

    // Issue 17: a kill during a save left a hidden ".NAME.<guid>.tmp" beside the target each time. Writes now remove
    // their own stale temporaries (older than an hour), and nothing else.
    [Fact]
    public void A_save_removes_its_own_stale_temporaries_and_nothing_else()
    {
        using var dir = new TempDir();
        string target = dir.File("plot.svg");
        string Tmp(string middle) => Path.Combine(Path.GetDirectoryName(target)!, ".plot.svg." + middle + ".tmp");
        string old = Tmp(new string('a', 32)), young = Tmp(new string('b', 32)), foreign = Tmp("notours"), other = Path.Combine(Path.GetDirectoryName(target)!, ".other.svg." + new string('c', 32) + ".tmp");
        foreach (var f in new[] { old, young, foreign, other }) File.WriteAllText(f, "left over");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(foreign, DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(other, DateTime.UtcNow.AddHours(-2));

        new SvgPlot("t", "x", "y").Add("a", new double[] { 1, 2 }).Save(target);
        Assert.True(File.Exists(target));
        Assert.False(File.Exists(old));      // ours and stale
        Assert.True(File.Exists(young));     // ours but maybe a write in progress
        Assert.True(File.Exists(foreign));   // not our naming
        Assert.True(File.Exists(other));     // another target's
        Assert.Equal(4, Directory.GetFiles(Path.GetDirectoryName(target)!).Length); // no temporary of this save remains
    }
}
