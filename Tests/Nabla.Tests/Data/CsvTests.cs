using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Nabla.Data;
using Xunit;

namespace Nabla.Tests.Data;

public class CsvTests
{
    /// <summary>A file in the MNIST-1D layout: x0 … x39, label; row r has x_j = r + j/8 (exact in float) and label r mod 10.</summary>
    private static string Mnist1DLike(int rows, Func<int, string>? labelOf = null)
    {
        var sb = new StringBuilder(string.Join(",", Enumerable.Range(0, 40).Select(j => "x" + j)) + ",label\n");
        for (int r = 0; r < rows; r++)
        {
            sb.Append(string.Join(",", Enumerable.Range(0, 40).Select(j => (r + j / 8.0).ToString("R", CultureInfo.InvariantCulture))));
            sb.Append(',').Append(labelOf is null ? (r % 10).ToString(CultureInfo.InvariantCulture) : labelOf(r)).Append('\n');
        }
        return sb.ToString();
    }

    [Fact]
    public void LoadsTheMnist1DLayout()
    {
        using var dir = new TempDir();
        var d = Csv.LoadClassification(dir.Write("train.csv", Mnist1DLike(12)), classes: 10);
        Assert.Equal(12, d.Count);
        Assert.Equal(new[] { 40 }, d.ExampleShape);
        Assert.Equal(10, d.Classes);
        Assert.Equal(Enumerable.Range(0, 12).Select(r => r % 10).ToArray(), d.Labels);
        Assert.Equal(3f + 17 / 8f, d.Features[3 * 40 + 17]);
        Assert.Equal(11f + 39 / 8f, d.Features[11 * 40 + 39]);
    }

    [Fact]
    public void ReadsNegativeExponentAndScientificValuesAndSkipsBlankLines()
    {
        using var dir = new TempDir();
        var d = Csv.LoadClassification(dir.Write("s.csv", "a,b,label\n-1.5e-3, 2E+2 ,1\n\n0.25,-0,0\n"));
        Assert.Equal(new[] { -0.0015f, 200f, 0.25f, 0f }, d.Features);
        Assert.Equal(new[] { 1, 0 }, d.Labels);
        Assert.Equal(2, d.Classes);    // largest label + 1 when not given
    }

    [Fact]
    public void ParsesWithTheInvariantCultureUnderAGermanCulture()
    {
        var saved = CultureInfo.CurrentCulture;
        var german = (CultureInfo)CultureInfo.GetCultureInfo("de-DE").Clone();
        german.NumberFormat.NumberDecimalSeparator = ",";   // force it even if ICU data is missing
        german.NumberFormat.NumberGroupSeparator = ".";
        try
        {
            CultureInfo.CurrentCulture = german;
            Assert.Equal("1,5", 1.5.ToString(CultureInfo.CurrentCulture));  // the culture really is active
            using var dir = new TempDir();
            var d = Csv.LoadClassification(dir.Write("c.csv", "a,b,label\n1.5,1000.25,2\n"), classes: 3);
            Assert.Equal(new[] { 1.5f, 1000.25f }, d.Features);
            Assert.Equal(new[] { 2 }, d.Labels);
        }
        finally { CultureInfo.CurrentCulture = saved; }
    }

    [Fact]
    public void ABadValueNamesTheFileLineAndColumn()
    {
        using var dir = new TempDir();
        string path = dir.Write("bad.csv", "a,b,label\n1,2,0\n3,4,1\n5,x7,1\n");
        var e = Assert.Throws<DataException>(() => Csv.LoadClassification(path));
        Assert.Equal(path, e.Path);
        Assert.Equal(4, e.Line);
        Assert.Equal(2, e.Column);
        Assert.Contains(path, e.Message);
        Assert.Contains("line 4", e.Message);
        Assert.Contains("'x7'", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void AGermanDecimalCommaIsAWrongColumnCount()
    {
        using var dir = new TempDir();
        string path = dir.Write("de.csv", "a,b,label\n1.5,2.5,0\n1,5,2,5,0\n");
        var e = Assert.Throws<DataException>(() => Csv.LoadClassification(path));
        Assert.Equal(3, e.Line);
        Assert.Contains("5 values, expected 3", e.Message);
    }

    [Fact]
    public void TooFewColumnsIsAnErrorWithTheLine()
    {
        using var dir = new TempDir();
        string text = Mnist1DLike(5);
        var lines = text.Split('\n');
        lines[3] = lines[3].Substring(lines[3].IndexOf(',') + 1);   // drop x0 of data row 3 (file line 4)
        string path = dir.Write("short.csv", string.Join("\n", lines));
        var e = Assert.Throws<DataException>(() => Csv.LoadClassification(path, classes: 10));
        Assert.Equal(4, e.Line);
        Assert.Contains("40 values, expected 41", e.Message);
    }

    [Theory]
    [InlineData("10", "outside [0, 10)")]
    [InlineData("-1", "negative")]
    [InlineData("2.5", "not an integer")]
    [InlineData("", "empty")]
    public void ALabelOutOfRangeOrNotAnIntegerIsAnError(string label, string expected)
    {
        using var dir = new TempDir();
        string path = dir.Write("labels.csv", Mnist1DLike(6, r => r == 4 ? label : "3"));
        var e = Assert.Throws<DataException>(() => Csv.LoadClassification(path, classes: 10));
        Assert.Equal(6, e.Line);         // data row 4 is file line 6
        Assert.Equal(41, e.Column);
        Assert.Contains(expected, e.Message);
        Assert.Contains("'label'", e.Message);
    }

    [Fact]
    public void NonFiniteValuesAreRejected()
    {
        using var dir = new TempDir();
        Assert.Contains("not a finite", Assert.Throws<DataException>(() => Csv.LoadClassification(dir.Write("n.csv", "a,label\nNaN,0\n"))).Message);
        Assert.Contains("float32 range", Assert.Throws<DataException>(() => Csv.LoadClassification(dir.Write("b.csv", "a,label\n1e300,0\n"))).Message);
    }

    [Fact]
    public void MissingEmptyAndHeaderOnlyFilesAreClearErrors()
    {
        using var dir = new TempDir();
        string missing = dir.File("nope.csv");
        var e = Assert.Throws<DataException>(() => Csv.LoadClassification(missing));
        Assert.Equal(missing + ": file not found.", e.Message);
        Assert.Contains("empty", Assert.Throws<DataException>(() => Csv.LoadClassification(dir.Write("e.csv", ""))).Message);
        Assert.Contains("no data rows", Assert.Throws<DataException>(() => Csv.LoadClassification(dir.Write("h.csv", "a,label\n"))).Message);
        Assert.Contains("no column named 'label'", Assert.Throws<DataException>(() => Csv.LoadClassification(dir.Write("l.csv", "a,b\n1,2\n"))).Message);
        Assert.Contains("is a directory", Assert.Throws<DataException>(() => Csv.LoadClassification(dir.Path)).Message);
    }

    [Fact]
    public void LoadsTheShippedMnist1DFiles()
    {
        string? dir = Mnist1DData.Find();
        Assert.True(dir is not null, "examples/Mnist1D/data not found above the test directory");
        var train = Csv.LoadClassification(Path.Combine(dir!, "train.csv"), classes: 10);
        var test = Csv.LoadClassification(Path.Combine(dir!, "test.csv"), classes: 10);
        Assert.Equal(4000, train.Count);
        Assert.Equal(1000, test.Count);
        Assert.Equal(40, train.ExampleSize);
        Assert.All(train.ClassCounts(), c => Assert.InRange(c, 300, 500));   // roughly balanced, every class present
    }
}
