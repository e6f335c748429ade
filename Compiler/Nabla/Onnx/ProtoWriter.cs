using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Nabla.Onnx;

/// <summary>
/// A minimal protocol-buffers writer: varints (wire type 0), length-delimited fields (wire type 2: strings, bytes,
/// packed repeated scalars and nested messages) and 32-bit fixed fields (wire type 5: float). A nested message is
/// written into its own <see cref="ProtoWriter"/> and embedded with <see cref="Message"/>, so every length is known
/// when it is written. Only what the ONNX messages need; no reflection, no dynamic code.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();

    /// <summary>The bytes written so far.</summary>
    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>The number of bytes written so far.</summary>
    public long Length => _buffer.Length;

    /// <summary>Copies the bytes written so far to <paramref name="stream"/>.</summary>
    public void CopyTo(Stream stream) { _buffer.Position = 0; _buffer.CopyTo(stream); }

    private void Tag(int field, int wireType) => Varint(((ulong)(uint)field << 3) | (uint)wireType);

    private void Varint(ulong v)
    {
        while (v >= 0x80) { _buffer.WriteByte((byte)(v | 0x80)); v >>= 7; }
        _buffer.WriteByte((byte)v);
    }

    /// <summary>An int64/int32/enum field (negative values take ten bytes, as protobuf's int64 encoding says).</summary>
    public void Int(int field, long value) { Tag(field, 0); Varint(unchecked((ulong)value)); }

    /// <summary>A string field (UTF-8).</summary>
    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A bytes field.</summary>
    public void Bytes(int field, byte[] value)
    {
        Tag(field, 2);
        Varint((ulong)value.Length);
        _buffer.Write(value, 0, value.Length);
    }

    /// <summary>A float field (fixed32, little-endian).</summary>
    public void Float(int field, float value)
    {
        Tag(field, 5);
        var b = BitConverter.GetBytes(value);
        if (!BitConverter.IsLittleEndian) Array.Reverse(b);
        _buffer.Write(b, 0, 4);
    }

    /// <summary>A packed repeated int64 field (nothing when <paramref name="values"/> is empty).</summary>
    public void PackedInts(int field, IReadOnlyList<long> values)
    {
        if (values.Count == 0) return;
        var inner = new ProtoWriter();
        foreach (var v in values) inner.Varint(unchecked((ulong)v));
        Message(field, inner);
    }

    /// <summary>An embedded message (or any length-delimited payload written into <paramref name="inner"/>).</summary>
    public void Message(int field, ProtoWriter inner)
    {
        Tag(field, 2);
        Varint((ulong)inner._buffer.Length);
        inner._buffer.Position = 0;
        inner._buffer.CopyTo(_buffer);
    }
}
