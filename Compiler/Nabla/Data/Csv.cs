using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Nabla.IO;

namespace Nabla.Data;

/// <summary>
/// Reads comma-separated files of examples: a header line naming the columns, then one example per line. Numbers
/// are always read with the invariant culture (a '.' decimal point, whatever the machine's locale). No quoting:
/// the files this reads (e.g. MNIST-1D) hold only numbers. Blank lines are skipped. Lines end at \n, \r\n or a lone \r;
/// a UTF-8 (or UTF-16) byte-order mark is skipped.
/// <para>
/// Limits: only a regular file is read (a FIFO, a device such as <c>/dev/zero</c>, a socket or a folder is refused before
/// it is opened); the file is read as a stream, one line at a time, and a line (the header included) may hold at most
/// <see cref="MaxLineLength"/> characters: a longer one is refused as soon as the limit is passed, so a file of one
/// endless line fails at once instead of filling the memory; the whole data set must fit one array
/// (<see cref="Array.MaxLength"/> values).
/// </para>
/// </summary>
public static class Csv
{
    /// <summary>The longest line read, in characters: 1 MiB (1,048,576), room for about 100,000 numbers on a line.</summary>
    public const int MaxLineLength = 1 << 20;

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

        if (InputFile.Refusal(path, "CSV file") is string refused) throw new DataException(refused, path);
        try
        {
            using var stream = InputFile.OpenRead(path);
            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
            return Read(new LineReader(reader, MaxLineLength), path, labelColumn.Trim(), classes);
        }
        catch (IOException e) { throw new DataException($"{path}: cannot be read: {e.Message}", path, inner: e); }
        catch (UnauthorizedAccessException e) { throw new DataException($"{path}: cannot be read: {e.Message}", path, inner: e); }
    }

    private static Dataset Read(LineReader reader, string path, string labelColumn, int? classes)
    {
        bool any = reader.Next(out var headerLine, out bool tooLong);
        if (tooLong) throw TooLong(path, 1);
        if (!any || headerLine.IsWhiteSpace())
            throw new DataException($"{path}: the file is empty (expected a header line naming the columns, e.g. x0,…,{labelColumn}).", path, any ? 1 : null);
        var names = headerLine.ToString().Split(',');
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

        // Start small (a wide header need not mean many rows) and double: at most about 4 MB before the first row is read.
        int capacity = (int)Math.Clamp((1L << 20) / features, 1, 1024);
        var x = new float[(long)capacity * features];
        var y = new int[capacity];
        int rows = 0, line = 1, maxLabel = -1;
        while (reader.Next(out var s, out tooLong))
        {
            line++;
            if (tooLong) throw TooLong(path, line);
            if (s.IsWhiteSpace()) continue;
            int found = s.Count(',') + 1;
            if (found != columns)
                throw new DataException(
                    $"{path}, line {line}: {found} values, expected {columns} (the header's columns: {features} features and '{labelColumn}').", path, line);
            if (rows == y.Length)
            {
                long grown = Math.Min((long)y.Length * 2, Array.MaxLength / features);
                if (grown <= rows)
                    throw new DataException($"{path}, line {line}: the data set would hold more than {((long)rows * features).ToString("N0", CultureInfo.InvariantCulture)} values, more than one array can hold.", path, line);
                Array.Resize(ref y, (int)grown);
                Array.Resize(ref x, (int)(grown * features));
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

    private static DataException TooLong(string path, int line) =>
        new($"{path}, line {line}: the line is longer than {MaxLineLength.ToString("N0", CultureInfo.InvariantCulture)} characters, the limit of a CSV line (is this a CSV file?).", path, line);

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
