using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Nabla.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian unsigned header length N, then N
/// bytes of UTF-8 JSON <c>{"name": {"dtype": "F32", "shape": [100, 40], "data_offsets": [begin, end]}, …,
/// "__metadata__": {"key": "value"}}</c> (padded with spaces so the data starts 8-byte aligned), then the raw
/// little-endian tensor data, offsets counted from the start of the data. Writes are atomic (a temporary file in the
/// same folder, flushed to disk, then renamed over the target), so a crash or an error never leaves a half-written
/// checkpoint, and the previous file stays as it was. Reading checks everything — header length, JSON, dtypes,
/// shapes against byte counts, offsets in range, neither overlapping nor leaving gaps — and reports the first problem
/// as a <see cref="CheckpointException"/> naming the file and the tensor. The JSON goes through
/// <see cref="Utf8JsonWriter"/> and <see cref="JsonDocument"/> only (no reflection; NativeAOT-safe).
/// </summary>
/// <example><code>
/// SafeTensors.Save("mlp.safetensors", new[] { new SafeTensor("0.weight", new[] { 100, 40 }, w), new SafeTensor("0.bias", new[] { 100 }, b) },
///                  new Dictionary&lt;string, string&gt; { ["format"] = "pt" });
/// var file = SafeTensors.Load("mlp.safetensors");
/// file["0.weight"].CopyTo(w, new[] { 100, 40 }, file.Source);
/// </code></example>
public static class SafeTensors
{
    /// <summary>The reserved header key of the string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The largest header accepted when reading (as the reference implementation: 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int ElementSize(TensorDType dtype) => dtype switch
    {
        TensorDType.F32 => 4,
        TensorDType.F64 => 8,
        TensorDType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>
    /// Writes <paramref name="tensors"/> (unique names; data in the given order) and optional
    /// <paramref name="metadata"/> to <paramref name="path"/> atomically, creating its folder if needed. On any error
    /// the target file is left as it was and no temporary file remains.
    /// </summary>
    public static void Save(string path, IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException("The checkpoint path is empty.", nameof(path));
        byte[] bytes = Serialize(tensors, metadata);   // everything that can fail on the inputs fails before any file is touched
        try
        {
            Nabla.IO.AtomicFile.Write(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"{path}: cannot write the checkpoint: {e.Message}", path, inner: e);
        }
    }

    /// <summary>The file's bytes for <paramref name="tensors"/> and <paramref name="metadata"/> (see <see cref="Save"/>).</summary>
    public static byte[] Serialize(IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (tensors is null) throw new ArgumentNullException(nameof(tensors));
        var list = new List<SafeTensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (t is null) throw new ArgumentException("The tensor list contains null.", nameof(tensors));
            if (!names.Add(t.Name)) throw new ArgumentException($"Two tensors are called '{t.Name}'.", nameof(tensors));
            list.Add(t);
        }

        var json = new MemoryStream();
        long offset = 0;
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is not null && metadata.Count > 0)
            {
                w.WriteStartObject(MetadataKey);
                foreach (var kv in metadata)
                {
                    if (kv.Key is null || kv.Value is null) throw new ArgumentException("Metadata keys and values must not be null.", nameof(metadata));
                    w.WriteString(kv.Key, kv.Value);
                }
                w.WriteEndObject();
            }
            foreach (var t in list)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.DType.ToString());
                w.WriteStartArray("shape");
                foreach (int d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + t.ByteCount);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += t.ByteCount;
            }
            w.WriteEndObject();
        }
        int headerLength = (int)json.Length;
        int padded = (headerLength + 7) / 8 * 8;
        long total = 8 + padded + offset;
        if (total > Array.MaxLength) throw new ArgumentException($"The checkpoint would be {total} bytes, more than one array can hold.", nameof(tensors));
        var bytes = new byte[total];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.GetBuffer().AsSpan(0, headerLength).CopyTo(bytes.AsSpan(8));
        bytes.AsSpan(8 + headerLength, padded - headerLength).Fill((byte)' ');
        var data = bytes.AsSpan(8 + padded);
        foreach (var t in list)
        {
            int n = (int)t.ByteCount;
            if (t.DType == TensorDType.F32) WriteLittleEndian(t.Single, data.Slice(0, n));
            else if (t.DType == TensorDType.I64) WriteLittleEndian(t.Int64, data.Slice(0, n));
            else WriteLittleEndian(t.Double, data.Slice(0, n));
            data = data.Slice(n);
        }
        return bytes;
    }

    /// <summary>Reads and checks the safetensors file at <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">The file is missing, unreadable, not a regular file (a FIFO, a device: refused before it is opened; see <see cref="ReadFile"/>) or not a valid safetensors file; the message names the file and the tensor.</exception>
    public static SafeTensorsFile Load(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException("The checkpoint path is empty.", nameof(path));
        return Parse(ReadFile(path), path);
    }

    /// <summary>
    /// The bytes of the checkpoint file at <paramref name="path"/>, after the checks that need no parsing: a regular file
    /// (a FIFO, a device, a socket or a folder is refused before it is opened), at most <see cref="Array.MaxLength"/>
    /// bytes, and a header length (the first 8 bytes) within the file and within <see cref="MaxHeaderBytes"/> — all
    /// checked before the file is read into memory. <see cref="Parse"/> checks the rest.
    /// </summary>
    /// <exception cref="CheckpointException">The file is missing, not a regular file, too large, or its header length does not fit it.</exception>
    public static byte[] ReadFile(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException("The checkpoint path is empty.", nameof(path));
        if (Nabla.IO.InputFile.Refusal(path, "checkpoint file", "checkpoint file not found.") is string refused) throw new CheckpointException(refused, path);
        try
        {
            using var fs = Nabla.IO.InputFile.OpenRead(path);
            long length = fs.Length;
            if (length > Array.MaxLength)
                throw new CheckpointException($"{path}: the file holds {length} bytes; a checkpoint is read into one array of at most {Array.MaxLength} bytes.", path);
            if (length >= 8)
            {
                Span<byte> head = stackalloc byte[8];
                fs.ReadExactly(head);
                ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head);
                if (n > (ulong)(length - 8))
                    throw new CheckpointException($"{path}: the header length {n} (bytes 0–7) reaches past the end of the file ({length} bytes); the file is truncated or not a safetensors file.", path);
                if (n > MaxHeaderBytes)
                    throw new CheckpointException($"{path}: the header length {n} is over the limit of {MaxHeaderBytes} bytes.", path);
                fs.Position = 0;
            }
            var bytes = new byte[length];
            fs.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"{path}: cannot read the checkpoint: {e.Message}", path, inner: e);
        }
    }

    /// <summary>Reads and checks a safetensors file held in <paramref name="bytes"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="CheckpointException">The bytes are not a valid safetensors file.</exception>
    public static SafeTensorsFile Parse(ReadOnlyMemory<byte> bytes, string source = "checkpoint") => SafeTensorsReader.Read(bytes, source);

    internal static string Format(IReadOnlyList<int> shape)
    {
        var parts = new string[shape.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", parts) + "]";
    }

    private static void WriteLittleEndian(ReadOnlySpan<float> v, Span<byte> dst)
    {
        if (BitConverter.IsLittleEndian) { MemoryMarshal.AsBytes(v).CopyTo(dst); return; }
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(dst.Slice(4 * i), v[i]);
    }

    private static void WriteLittleEndian(ReadOnlySpan<long> v, Span<byte> dst)
    {
        if (BitConverter.IsLittleEndian) { MemoryMarshal.AsBytes(v).CopyTo(dst); return; }
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(dst.Slice(8 * i), v[i]);
    }

    private static void WriteLittleEndian(ReadOnlySpan<double> v, Span<byte> dst)
    {
        if (BitConverter.IsLittleEndian) { MemoryMarshal.AsBytes(v).CopyTo(dst); return; }
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(dst.Slice(8 * i), v[i]);
    }
}
