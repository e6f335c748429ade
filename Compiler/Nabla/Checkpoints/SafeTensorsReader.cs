using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Nabla.Checkpoints;

/// <summary>Parses and validates safetensors bytes (see <see cref="SafeTensors"/>); every error names the source and the tensor.</summary>
internal static class SafeTensorsReader
{
    private readonly record struct Entry(string Name, TensorDType DType, int[] Shape, long Begin, long End);

    public static SafeTensorsFile Read(ReadOnlyMemory<byte> memory, string source)
    {
        var bytes = memory.Span;
        if (bytes.Length < 8)
            throw Fail(source, $"{bytes.Length} bytes is too short for a safetensors file (it starts with an 8-byte header length); the file is truncated or empty.");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (n > (ulong)(bytes.Length - 8))
            throw Fail(source, $"the header length {n} (bytes 0–7) reaches past the end of the file ({bytes.Length} bytes); the file is truncated or not a safetensors file.");
        if (n > SafeTensors.MaxHeaderBytes)
            throw Fail(source, $"the header length {n} is over the limit of {SafeTensors.MaxHeaderBytes} bytes.");
        if (n < 2 || bytes[8] != (byte)'{')
            throw Fail(source, "the header does not start with '{'; this is not a safetensors file.");
        int headerLength = (int)n;
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Slice(8, headerLength)))
            throw Fail(source, "the header is not valid UTF-8; the file is corrupt or not a safetensors file.");
        long dataLength = bytes.Length - 8 - headerLength;

        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(memory.Slice(8, headerLength)); }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw Fail(source, $"the header is not valid JSON: {FirstLine(e.Message)}", inner: e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Fail(source, $"the header is a JSON {doc.RootElement.ValueKind}, not an object of tensors.");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (!seen.Add(p.Name)) throw Fail(source, $"the header names '{Clip(p.Name)}' twice.", p.Name);
                    if (p.Name == SafeTensors.MetadataKey) ReadMetadata(p.Value, source, metadata);
                    else entries.Add(ReadEntry(p.Name, p.Value, source, dataLength));
                }
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json cannot give a value as asked: mostly a string escape that is not valid UTF-16 (a lone
                // surrogate such as \ud800).
                throw Fail(source, $"the header holds a value that cannot be read (a string that is not valid Unicode?): {FirstLine(e.Message)}", inner: e);
            }
        }

        // The data of the tensors must tile [0, dataLength) exactly: sorted by offset, each begins where the previous ended.
        var order = entries.ToArray();
        Array.Sort(order, (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long at = 0;
        string? previous = null;
        foreach (var e in order)
        {
            if (e.Begin < at)
                throw Fail(source, $"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] overlap tensor '{previous}' (which ends at {at}).", e.Name);
            if (e.Begin > at)
                throw Fail(source, $"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] leave bytes {at}–{e.Begin} unused (" +
                                   (previous is null ? "before the first tensor" : $"after tensor '{previous}'") + ").", e.Name);
            at = e.End;
            previous = e.Name;
        }
        if (at != dataLength)
            throw Fail(source, $"{dataLength - at} bytes follow the last tensor's data" + (previous is null ? "" : $" ('{previous}')") + " that no tensor covers.");

        var data = bytes.Slice(8 + headerLength);
        var tensors = new List<SafeTensor>(order.Length);
        foreach (var e in order)
        {
            var raw = data.Slice((int)e.Begin, (int)(e.End - e.Begin));
            tensors.Add(e.DType switch
            {
                TensorDType.F32 => new SafeTensor(e.Name, e.Shape, ToSingle(raw)),
                TensorDType.I64 => new SafeTensor(e.Name, e.Shape, ToInt64(raw)),
                _ => new SafeTensor(e.Name, e.Shape, ToDouble(raw)),
            });
        }
        return new SafeTensorsFile(source, tensors, metadata);
    }

    private static void ReadMetadata(JsonElement value, string source, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail(source, $"'{SafeTensors.MetadataKey}' is a JSON {value.ValueKind}, not an object of strings.");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw Fail(source, $"metadata '{m.Name}' is a JSON {m.Value.ValueKind}; metadata values must be strings.");
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                throw Fail(source, $"metadata '{m.Name}' appears twice.");
        }
    }

    private static Entry ReadEntry(string name, JsonElement value, string source, long dataLength)
    {
        if (name.Length == 0) throw Fail(source, "a tensor has an empty name.", name);
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail(source, $"tensor '{name}': the entry is a JSON {value.ValueKind}, not an object with dtype, shape and data_offsets.", name);

        if (!value.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw Fail(source, $"tensor '{name}': no dtype string.", name);
        string dts = dt.GetString()!;
        TensorDType dtype = dts switch
        {
            "F32" => TensorDType.F32,
            "F64" => TensorDType.F64,
            "I64" => TensorDType.I64,
            _ => throw Fail(source, $"tensor '{name}': dtype '{dts}' is not supported (Nabla reads F32, F64 and I64).", name),
        };

        if (!value.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw Fail(source, $"tensor '{name}': no shape array.", name);
        var shape = new int[sh.GetArrayLength()];
        long elements = 1;
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int v) || v < 0)
                throw Fail(source, $"tensor '{name}': shape entry {i} ({Clip(d.GetRawText())}) is not a non-negative integer.", name);
            shape[i++] = v;
            elements = v == 0 || elements == 0 ? 0 : (elements > long.MaxValue / v ? -1 : elements * v);
            if (elements < 0) throw Fail(source, $"tensor '{name}': shape {SafeTensors.Format(shape)} has too many elements.", name);
        }

        if (!value.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Fail(source, $"tensor '{name}': data_offsets must be an array [begin, end].", name);
        var o = new long[2];
        i = 0;
        foreach (var d in off.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out o[i]) || o[i] < 0)
                throw Fail(source, $"tensor '{name}': data_offsets entry {i} ({Clip(d.GetRawText())}) is not a non-negative integer.", name);
            i++;
        }
        long begin = o[0], end = o[1];
        if (begin > end) throw Fail(source, $"tensor '{name}': data_offsets [{begin}, {end}] end before they begin.", name);
        if (end > dataLength)
            throw Fail(source, $"tensor '{name}': data_offsets [{begin}, {end}] reach past the end of the data ({dataLength} bytes); the file is truncated.", name);
        int size = SafeTensors.ElementSize(dtype);
        if (elements > long.MaxValue / size || elements * size != end - begin)
            throw Fail(source, $"tensor '{name}': shape {SafeTensors.Format(shape)} of {dts} needs {elements} × {size} bytes, but data_offsets [{begin}, {end}] hold {end - begin}.", name);
        if (elements > Array.MaxLength)
            throw Fail(source, $"tensor '{name}': {elements} elements are more than one array can hold.", name);
        return new Entry(name, dtype, shape, begin, end);
    }

    private static float[] ToSingle(ReadOnlySpan<byte> raw)
    {
        var r = new float[raw.Length / 4];
        if (BitConverter.IsLittleEndian) raw.CopyTo(MemoryMarshal.AsBytes(r.AsSpan()));
        else for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i));
        return r;
    }

    private static long[] ToInt64(ReadOnlySpan<byte> raw)
    {
        var r = new long[raw.Length / 8];
        if (BitConverter.IsLittleEndian) raw.CopyTo(MemoryMarshal.AsBytes(r.AsSpan()));
        else for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(8 * i));
        return r;
    }

    private static double[] ToDouble(ReadOnlySpan<byte> raw)
    {
        var r = new double[raw.Length / 8];
        if (BitConverter.IsLittleEndian) raw.CopyTo(MemoryMarshal.AsBytes(r.AsSpan()));
        else for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadDoubleLittleEndian(raw.Slice(8 * i));
        return r;
    }

    /// <summary>At most 60 characters of <paramref name="s"/> (a raw JSON value or a name quoted in a message).</summary>
    private static string Clip(string s) => s.Length <= 60 ? s : s.Substring(0, 57) + "...";

    private static string FirstLine(string s)
    {
        int nl = s.IndexOfAny(new[] { '\r', '\n' });
        return nl < 0 ? s : s.Substring(0, nl);
    }

    private static CheckpointException Fail(string source, string what, string? tensor = null, Exception? inner = null) =>
        new($"{source}: {what}", source, tensor, inner);
}
