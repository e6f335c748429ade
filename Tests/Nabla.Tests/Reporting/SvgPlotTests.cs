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
}
