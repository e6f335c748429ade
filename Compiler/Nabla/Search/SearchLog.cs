using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Nabla.Search;

/// <summary>
/// The JSON-lines log of a search. Line 1 is a header identifying the search:
/// <c>{"nabla_search":2,"space":"lr=0.0001..0.1:log; …","strategy":"random","seed":1,"workers":2,"goal":"maximize","trials":30,"pruning":"none","objective":"…"}</c>;
/// each later line is one finished trial, appended and flushed as a whole line when the trial ends:
/// <c>{"trial":3,"seed":…,"config":{"lr":0.0031,"hidden":128,"optimizer":"adam"},"value":0.93,"error":null,"seconds":1.2,"reports":[[100,0.8]]}</c>
/// (a failed trial has <c>"value":null</c> and its error; a trial stopped by the pruning rule has <c>"pruned":true</c>). Numbers are written in round-trip form, so values read
/// back are bit-identical. A file whose first line is not such a header is never written to.
/// </summary>
public sealed class SearchLog : IDisposable
{
    /// <summary>The header's format version.</summary>
    public const int FormatVersion = 2; // 2: the header names the pruning rule and the objective

    private readonly FileStream _stream;
    private readonly SearchSpace _space;

    private SearchLog(string path, FileStream stream, SearchSpace space, IReadOnlyList<TrialResult> trials)
    {
        Path = path; _stream = stream; _space = space; Trials = trials;
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>The trials already in the log when it was opened, in index order.</summary>
    public IReadOnlyList<TrialResult> Trials { get; }

    /// <summary>
    /// Opens the log at <paramref name="path"/> for the search described by the other arguments: creates it with its
    /// header when it does not exist or is empty; otherwise checks that its header describes the same search and reads
    /// its trials. A last line cut short by a crash (no final newline) is dropped from the file.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a search log, or not a regular file (a FIFO, a device:
    /// nothing is written to it), its header
    /// describes another search (the message names the file and the field that differs), or a trial line is
    /// malformed (the message names the file and the line).</exception>
    public static SearchLog Open(string path, SearchSpace space, ISearchStrategy strategy, long seed, int workers, bool maximize, int trials, IPruningRule? pruning = null, string? objective = null)
    {
        var header = new Dictionary<string, string>
        {
            ["space"] = space.ToString(), ["strategy"] = strategy.Name, ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["workers"] = workers.ToString(CultureInfo.InvariantCulture), ["goal"] = maximize ? "maximize" : "minimize",
            ["trials"] = trials.ToString(CultureInfo.InvariantCulture), ["pruning"] = pruning?.Name ?? "none",
            ["objective"] = objective ?? "",
        };
        var found = new List<TrialResult>();
        // Only a regular file (or a new path) is a log: a FIFO would block the open, a device would be appended to.
        var kind = Nabla.IO.FileType.Of(path);
        if (kind is not (Nabla.IO.FileKind.Regular or Nabla.IO.FileKind.Missing))
            throw new InvalidDataException($"Search log '{path}' is {Nabla.IO.FileType.Describe(kind)}, not a regular file; nothing was written to it.");
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        if (File.Exists(path) && new FileInfo(path).Length > 0)
        {
            byte[] bytes = File.ReadAllBytes(path);
            int firstNl = Array.IndexOf(bytes, (byte)'\n');
            var first = firstNl < 0 ? bytes : bytes.AsSpan(0, firstNl).ToArray();
            var old = ReadHeader(path, first);
            foreach (var (key, want) in header)
                if (!old.TryGetValue(key, out var have) || have != want)
                    throw new InvalidDataException($"Search log '{path}' belongs to another search: its {key} is '{have ?? "(missing)"}', this search's is '{want}'. Use another log file or the same settings.");
            int lastNl = Array.LastIndexOf(bytes, (byte)'\n');
            long keep = lastNl + 1;
            int line = 1;
            var seen = new HashSet<int>();
            for (int start = firstNl + 1; firstNl >= 0 && start < keep;)
            {
                int end = Array.IndexOf(bytes, (byte)'\n', start);
                line++;
                var seg = bytes.AsSpan(start, end - start);
                start = end + 1;
                if (seg.Trim((byte)'\r').Length == 0) continue;
                var t = ReadTrial($"Search log '{path}', line {line}", seg, space, trials);
                if (!seen.Add(t.Index)) throw new InvalidDataException($"Search log '{path}', line {line}: trial {t.Index} appears twice.");
                found.Add(t);
            }
            var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
            if (firstNl < 0) { fs.Seek(0, SeekOrigin.End); fs.WriteByte((byte)'\n'); }
            else if (keep < bytes.Length) fs.SetLength(keep); // a torn last line from a crash
            fs.Seek(0, SeekOrigin.End);
            found.Sort((a, b) => a.Index.CompareTo(b.Index));
            return new SearchLog(path, fs, space, found);
        }
        var s = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        var log = new SearchLog(path, s, space, found);
        log.WriteLine(w =>
        {
            w.WriteNumber("nabla_search", FormatVersion);
            w.WriteString("space", header["space"]); w.WriteString("strategy", header["strategy"]);
            w.WriteNumber("seed", seed); w.WriteNumber("workers", workers);
            w.WriteString("goal", header["goal"]); w.WriteNumber("trials", trials);
            w.WriteString("pruning", header["pruning"]);
            w.WriteString("objective", header["objective"]);
        });
        return log;
    }

    /// <summary>Appends one finished trial as one line, written with a single write and flushed to disk. Not thread-safe (the runner serializes calls).</summary>
    public void Append(TrialResult t) => WriteLine(w => WriteTrial(w, t, _space));

    /// <summary>One trial as its log line's JSON object (UTF-8, no newline): how trials travel between ranks too.</summary>
    internal static byte[] Encode(TrialResult t, SearchSpace space)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject(); WriteTrial(w, t, space); w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The trial <see cref="Encode"/> wrote; <paramref name="where"/> names the source in errors.</summary>
    internal static TrialResult Decode(ReadOnlySpan<byte> text, SearchSpace space, int trials, string where) => ReadTrial(where, text, space, trials);

    private static void WriteTrial(Utf8JsonWriter w, TrialResult t, SearchSpace space)
    {
        w.WriteNumber("trial", t.Index);
        w.WriteNumber("seed", t.Seed);
        w.WriteStartObject("config");
        for (int i = 0; i < space.Dimension; i++)
        {
            string name = space.Parameters[i].Name;
            switch (t.Configuration.Values[i])
            {
                case string s: w.WriteString(name, s); break;
                case long l: w.WriteNumber(name, l); break;
                case double d: w.WriteNumber(name, d); break;
            }
        }
        w.WriteEndObject();
        if (t.Succeeded) w.WriteNumber("value", t.Value); else w.WriteNull("value");
        if (t.Error == null) w.WriteNull("error"); else w.WriteString("error", t.Error);
        if (t.Pruned) w.WriteBoolean("pruned", true);
        w.WriteNumber("seconds", Math.Round(t.Seconds, 6));
        w.WriteStartArray("reports");
        foreach (var r in t.Reports)
        {
            w.WriteStartArray(); w.WriteNumberValue(r.Step);
            if (double.IsFinite(r.Value)) w.WriteNumberValue(r.Value); else w.WriteNullValue();
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    private void WriteLine(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject(); body(w); w.WriteEndObject();
        }
        var bytes = new byte[buffer.WrittenCount + 1];
        buffer.WrittenSpan.CopyTo(bytes);
        bytes[^1] = (byte)'\n';
        _stream.Write(bytes, 0, bytes.Length);
        _stream.Flush(flushToDisk: true);
    }

    private static Dictionary<string, string> ReadHeader(string path, byte[] first)
    {
        var refuse = new InvalidDataException($"'{path}' is not a Nabla search log (its first line is not a {{\"nabla_search\":…}} header); refusing to write to it. Choose another log file.");
        try
        {
            using var doc = JsonDocument.Parse(first);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("nabla_search", out var v) || v.ValueKind != JsonValueKind.Number)
                throw refuse;
            if (v.GetInt32() != FormatVersion)
                throw new InvalidDataException($"Search log '{path}' has format version {v.GetRawText()}, this program writes version {FormatVersion}; delete it or choose another log file.");
            var h = new Dictionary<string, string>();
            foreach (var p in root.EnumerateObject())
                h[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            return h;
        }
        catch (JsonException) { throw refuse; }
    }

    private static TrialResult ReadTrial(string where, ReadOnlySpan<byte> text, SearchSpace space, int trials)
    {
        try
        {
            using var doc = JsonDocument.Parse(text.ToArray());
            var r = doc.RootElement;
            int index = r.GetProperty("trial").GetInt32();
            if (index < 0 || index >= trials) throw new InvalidDataException($"{where}: trial index {index} is outside [0, {trials}).");
            long seed = r.GetProperty("seed").GetInt64();
            var values = new Dictionary<string, object>();
            foreach (var p in r.GetProperty("config").EnumerateObject())
            {
                if (!space.Contains(p.Name)) throw new InvalidDataException($"{where}: unknown hyperparameter '{p.Name}'.");
                var hp = space[p.Name];
                values[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!
                    : hp.Kind == HyperparameterKind.Integer ? p.Value.GetInt64() : p.Value.GetDouble();
            }
            var config = space.Create(values);
            var ev = r.GetProperty("error");
            string? error = ev.ValueKind == JsonValueKind.Null ? null : ev.GetString();
            var vv = r.GetProperty("value");
            double value = vv.ValueKind == JsonValueKind.Null ? double.NaN : vv.GetDouble();
            if (error == null && !double.IsFinite(value)) throw new InvalidDataException($"{where}: a trial without error has no value.");
            double seconds = r.TryGetProperty("seconds", out var sv) ? sv.GetDouble() : 0;
            var reports = new List<TrialReport>();
            if (r.TryGetProperty("reports", out var rv))
                foreach (var e in rv.EnumerateArray())
                    reports.Add(new TrialReport(e[0].GetInt64(), e[1].ValueKind == JsonValueKind.Null ? double.NaN : e[1].GetDouble()));
            bool pruned = r.TryGetProperty("pruned", out var pv) && pv.GetBoolean();
            return new TrialResult(index, seed, config, value, error, seconds, reports, pruned);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{where}: malformed trial ({e.Message}).", e);
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();
}
