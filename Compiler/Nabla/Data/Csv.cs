using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Nabla.Data;

/// <summary>
/// Reads comma-separated files of examples: a header line naming the columns, then one example per line. Numbers
/// are always read with the invariant culture (a '.' decimal point, whatever the machine's locale). No quoting:
/// the files this reads (e.g. MNIST-1D) hold only numbers. Blank lines are skipped.
/// </summary>
public static class Csv
{
    /// <summary>
    /// Loads a classification dataset: every column except <paramref name="labelColumn"/> is a feature (in file
    /// order; each value parsed as a double with <see cref="NumberStyles.Float"/> and the invariant culture, then
    /// rounded to float), and <paramref name="labelColumn"/> holds the integer class index. The examples have shape
    /// [number of feature columns]. <paramref name="classes"/> fixes the number of classes (labels must be in
    /// [0, classes)); without it the number of classes is the largest label + 1, so pass it when a file might not
    /// contain the last class (a test set should use the training set's count).
    /// </summary>
    /// <exception cref="DataException">
    /// The file is missing, unreadable or empty, has no data rows, has no (or two) label columns, or a row has the
    /// wrong number of values, a value that is not a finite float, or a label that is not an integer in range. The
    /// message is one line naming the file, the line (header = line 1) and the column.
    /// </exception>
    public static Dataset LoadClassification(string path, string labelColumn = "label", int? classes = null)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException("The CSV path is empty.", nameof(path));
        if (string.IsNullOrWhiteSpace(labelColumn)) throw new ArgumentException("The label column name is empty.", nameof(labelColumn));
        if (classes is int c0 && c0 <= 0)
            throw new ArgumentOutOfRangeException(nameof(classes), c0, "The number of classes must be positive.");

        if (Directory.Exists(path)) throw new DataException($"{path}: is a directory, not a CSV file.", path);
        if (!File.Exists(path)) throw new DataException($"{path}: file not found.", path);
        try
        {
            using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
            return Read(reader, path, labelColumn.Trim(), classes);
        }
        catch (IOException e) { throw new DataException($"{path}: cannot be read: {e.Message}", path, inner: e); }
        catch (UnauthorizedAccessException e) { throw new DataException($"{path}: cannot be read: {e.Message}", path, inner: e); }
    }

    private static Dataset Read(TextReader reader, string path, string labelColumn, int? classes)
    {
        string? header = reader.ReadLine();
        if (header is null || header.Trim().Length == 0)
            throw new DataException($"{path}: the file is empty (expected a header line naming the columns, e.g. x0,…,{labelColumn}).", path, header is null ? null : 1);
        var names = header.Split(',');
        int columns = names.Length, labelAt = -1;
        for (int i = 0; i < columns; i++)
        {
            names[i] = names[i].Trim();
            if (names[i] != labelColumn) continue;
            if (labelAt >= 0)
                throw new DataException($"{path}, line 1: the header names the label column '{labelColumn}' twice (columns {labelAt + 1} and {i + 1}).", path, 1, i + 1);
            labelAt = i;
        }
        if (labelAt < 0)
            throw new DataException($"{path}, line 1: the header has no column named '{labelColumn}' (it has {columns}: {Preview(names)}).", path, 1);
        int features = columns - 1;
        if (features == 0)
            throw new DataException($"{path}, line 1: the header has only the label column '{labelColumn}' and no feature columns.", path, 1);

        var x = new float[Math.Max(features * 1024, 16)];
        var y = new int[1024];
        int rows = 0, line = 1, maxLabel = -1;
        string? text;
        while ((text = reader.ReadLine()) is not null)
        {
            line++;
            ReadOnlySpan<char> s = text.AsSpan();
            if (s.IsWhiteSpace()) continue;
            int found = s.Count(',') + 1;
            if (found != columns)
                throw new DataException(
                    $"{path}, line {line}: {found} values, expected {columns} (the header's columns: {features} features and '{labelColumn}').", path, line);
            if (rows == y.Length)
            {
                Array.Resize(ref y, y.Length * 2);
                Array.Resize(ref x, y.Length * features);
            }
            int f = rows * features;
            for (int col = 0; col < columns; col++)
            {
                int comma = s.IndexOf(',');
                var field = (comma < 0 ? s : s.Slice(0, comma)).Trim();
                s = comma < 0 ? ReadOnlySpan<char>.Empty : s.Slice(comma + 1);
                if (col == labelAt) y[rows] = ParseLabel(field, path, line, col, names[col], classes, ref maxLabel);
                else x[f++] = ParseValue(field, path, line, col, names[col]);
            }
            rows++;
        }
        if (rows == 0)
            throw new DataException($"{path}: the header is there but the file has no data rows.", path);
        Array.Resize(ref x, rows * features);
        Array.Resize(ref y, rows);
        return new Dataset(x, new[] { features }, y, classes ?? maxLabel + 1);
    }

    private static float ParseValue(ReadOnlySpan<char> field, string path, int line, int col, string name)
    {
        if (field.IsEmpty) throw Bad(path, line, col, name, "the value is empty");
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
            throw Bad(path, line, col, name, $"'{Clip(field)}' is not a number");
        if (!double.IsFinite(d)) throw Bad(path, line, col, name, $"'{Clip(field)}' is not a finite number");
        float v = (float)d;
        if (float.IsInfinity(v)) throw Bad(path, line, col, name, $"'{Clip(field)}' is outside the float32 range");
        return v;
    }

    private static int ParseLabel(ReadOnlySpan<char> field, string path, int line, int col, string name, int? classes, ref int maxLabel)
    {
        if (field.IsEmpty) throw Bad(path, line, col, name, "the label is empty");
        if (!int.TryParse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int label))
            throw Bad(path, line, col, name, $"the label '{Clip(field)}' is not an integer class index");
        if (label < 0) throw Bad(path, line, col, name, $"the label {label} is negative");
        if (classes is int k && label >= k) throw Bad(path, line, col, name, $"the label {label} is outside [0, {k}) ({k} classes)");
        if (label > maxLabel) maxLabel = label;
        return label;
    }

    private static DataException Bad(string path, int line, int col, string name, string what) =>
        new($"{path}, line {line}, column {col + 1} ('{name}'): {what}.", path, line, col + 1);

    private static string Clip(ReadOnlySpan<char> s) => s.Length <= 40 ? s.ToString() : s.Slice(0, 37).ToString() + "...";

    private static string Preview(IReadOnlyList<string> names)
    {
        if (names.Count <= 6) return string.Join(", ", names);
        return $"{names[0]}, {names[1]}, {names[2]}, …, {names[names.Count - 2]}, {names[names.Count - 1]}";
    }
}
