using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Nabla.Data;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Fuzz;

/// <summary>
/// The CSV reader fed random and adversarial files (seeded): random bytes, NaN and ∞ spelled every way, ragged rows,
/// byte-order marks, CR-only and mixed line ends, NUL bytes, lines at and beyond the length limit, and well-formed files
/// whose values are known. Only <see cref="DataException"/> may come out, its message one line naming the file; a
/// well-formed file reads back exactly; the reader writes nothing.
/// </summary>
public class CsvFuzzTests
{
    private static Dataset? LoadOrRefuse(string path, int? classes, string what)
    {
        try
        {
            var d = Csv.LoadClassification(path, classes: classes);
            Assert.True(d.Count > 0, what);
            return d;
        }
        catch (DataException e)
        {
            Assert.False(e.Message.IndexOfAny(new[] { '\n', '\r', '\u2028', '\u2029', '\u0085' }) >= 0, $"{what}: not one line: {e.Message}");
            Assert.StartsWith(path, e.Message);
            return null;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} escaped the CSV reader: {e.Message}");
            return null;
        }
    }

    [Fact]
    public void Random_bytes_give_a_data_error_or_a_dataset()
    {
        using var dir = new TempDir();
        var rng = new Random(2024);
        string path = dir.File("r.csv");
        for (int i = 0; i < 300; i++)
        {
            var bytes = new byte[rng.Next(0, 400)];
            rng.NextBytes(bytes);
            // Bias some cases towards text: digits, commas and line ends, so some headers and rows get far.
            if (i % 2 == 0)
                for (int k = 0; k < bytes.Length; k++) bytes[k] = (byte)"0123456789,.-eE\n\r label,x\t\0\u00ff"[rng.Next(28)];
            File.WriteAllBytes(path, bytes);
            var before = SpecialFiles.Snapshot(dir.Path);
            LoadOrRefuse(path, rng.Next(2) == 0 ? null : rng.Next(1, 12), $"random case {i}");
            SpecialFiles.AssertUnchanged(before, dir.Path, $"random case {i}");
        }
    }

    private static readonly string[] BadValues =
    {
        "NaN", "nan", "-NaN", "Infinity", "-Infinity", "inf", "-inf", "∞", "1e400", "-1e39", "3.5e38", "1,5", "0x10", "", " ", "abc",
        "1.2.3", "--1", "1e", "\0", "١", "1_000", "+", "٫5",
    };

    private static readonly string[] BadLabels = { "-1", "10", "1.5", "2147483648", "", "a", "NaN", "1e1", "+-1" };

    [Fact]
    public void Structured_files_read_back_exactly_or_name_the_bad_line()
    {
        using var dir = new TempDir();
        var rng = new Random(31);
        string path = dir.File("s.csv");
        int good = 0;
        for (int i = 0; i < 300; i++)
        {
            int features = rng.Next(1, 6), rows = rng.Next(1, 12);
            int labelAt = rng.Next(features + 1);
            var names = Enumerable.Range(0, features).Select(k => "x" + k).ToList();
            names.Insert(labelAt, "label");
            string nl = new[] { "\n", "\r\n", "\r" }[rng.Next(3)];
            var sb = new StringBuilder();
            if (rng.Next(4) == 0) sb.Append('\uFEFF');                                  // a byte-order mark
            sb.Append(string.Join(rng.Next(2) == 0 ? "," : " , ", names)).Append(nl);
            var x = new List<float>();
            var y = new List<int>();
            int? badLine = null;
            for (int r = 0; r < rows; r++)
            {
                if (rng.Next(6) == 0) sb.Append(rng.Next(2) == 0 ? "" : "  \t").Append(nl);   // blank lines are skipped
                var fields = new List<string>();
                for (int c = 0; c < features + 1; c++)
                {
                    if (c == labelAt)
                    {
                        int label = rng.Next(0, 10);
                        y.Add(label);
                        fields.Add(label.ToString(CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        float v = (float)(rng.NextDouble() * 200 - 100);
                        x.Add(v);
                        fields.Add(v.ToString("R", CultureInfo.InvariantCulture));
                    }
                }
                // One defect in some rows: a bad value, a bad label, a missing or an extra field.
                if (badLine is null && rng.Next(8) == 0)
                {
                    int c = rng.Next(fields.Count);
                    switch (rng.Next(4))
                    {
                        case 0 when c != labelAt: fields[c] = BadValues[rng.Next(BadValues.Length)]; break;
                        case 1: fields[labelAt] = BadLabels[rng.Next(BadLabels.Length)]; break;
                        case 2: fields.RemoveAt(c); break;
                        default: fields.Add("1"); break;
                    }
                    badLine = CountLines(sb) + 1;
                }
                sb.Append(string.Join(",", fields));
                if (r < rows - 1 || rng.Next(2) == 0) sb.Append(nl);
            }
            File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
            var d = LoadOrRefuse(path, 10, $"structured case {i}");
            if (badLine is null)
            {
                Assert.True(d is not null, $"structured case {i} is well formed but was refused");
                Assert.Equal(rows, d!.Count);
                Assert.Equal(new[] { features }, d.ExampleShape);
                Assert.Equal(x.ToArray(), d.Features);
                Assert.Equal(y.ToArray(), d.Labels);
                good++;
            }
            else if (d is null)
            {
                var e = Assert.Throws<DataException>(() => Csv.LoadClassification(path, classes: 10));
                Assert.Equal(badLine, e.Line);
            }
            // A defect can be harmless: "-0" style values parse, and a label such as "+1"… only names a bad line when refused.
        }
        Assert.InRange(good, 100, 299);
    }

    /// <summary>The number of lines in <paramref name="sb"/> so far, as the reader counts them (\n, \r\n and \r each end one).</summary>
    private static int CountLines(StringBuilder sb)
    {
        int lines = 0;
        for (int i = 0; i < sb.Length; i++)
        {
            if (sb[i] == '\n') lines++;
            else if (sb[i] == '\r') { lines++; if (i + 1 < sb.Length && sb[i + 1] == '\n') i++; }
        }
        return lines;
    }

    [Fact]
    public void Long_lines_around_the_limit_wide_headers_and_nul_bytes()
    {
        using var dir = new TempDir();
        string path = dir.File("l.csv");
        foreach (int extra in new[] { -1, 0, 1, 4096 })
        {
            // A header of one long name plus the label column.
            File.WriteAllText(path, new string('h', Csv.MaxLineLength - 6 + extra) + ",label\n1,0\n");
            var d = LoadOrRefuse(path, null, $"header {extra}");
            Assert.Equal(extra <= 0, d is not null);
        }
        // 300,000 columns on one line is within the limit: a wide header costs no more than its rows.
        File.WriteAllText(path, string.Join(",", Enumerable.Range(0, 300_000).Select(_ => "x")) + ",label\n" + string.Join(",", Enumerable.Repeat("0", 300_001)) + "\n");
        var wide = LoadOrRefuse(path, null, "wide");
        Assert.Equal(300_000, wide!.ExampleSize);
        // NUL bytes, and a line of nothing but NULs beyond the limit.
        File.WriteAllText(path, "x0,label\n\0,1\n");
        Assert.Null(LoadOrRefuse(path, null, "nul value"));
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("x0,label\n").Concat(new byte[Csv.MaxLineLength + 10]).ToArray());
        var e = Assert.Throws<DataException>(() => Csv.LoadClassification(path));
        Assert.Equal(2, e.Line);
        Assert.Contains("longer than 1,048,576 characters", e.Message);
        // A header name with a line break cannot exist (the break ends the line); other control characters stay on one line.
        File.WriteAllText(path, "x\u2028y,x\u0085z\n1,2\n");
        e = Assert.Throws<DataException>(() => Csv.LoadClassification(path));
        Assert.Contains("x\\u2028y", e.Message);
    }
}
