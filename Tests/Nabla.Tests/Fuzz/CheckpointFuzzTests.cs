using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Nabla.Checkpoints;
using Nabla.Tests.Data;
using Nabla.Tests.Training;
using Nabla.Training;
using Xunit;

namespace Nabla.Tests.Fuzz;

/// <summary>
/// The checkpoint reader fed random and adversarial bytes (seeded, so a failure replays): random files, every kind of
/// truncation of a real checkpoint, mutated headers (dtypes, shapes, offsets, names, metadata, JSON syntax, lone
/// surrogates), header lengths from 0 to 2⁶⁴−1, and flipped bytes. Only <see cref="CheckpointException"/> may come out,
/// its message one line naming the source; a network that fails to load keeps its values; nothing is written.
/// </summary>
[Collection("Jit")]
public class CheckpointFuzzTests
{
    private const string Source = "fuzz.safetensors";

    private static byte[] WithHeader(string json, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(json);
        var r = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(r, (ulong)h.Length);
        h.CopyTo(r, 8);
        data.CopyTo(r, 8 + h.Length);
        return r;
    }

    /// <summary>Parses <paramref name="bytes"/>; returns the file or null after checking the error is the documented one.</summary>
    private static SafeTensorsFile? ParseOrRefuse(byte[] bytes, string what)
    {
        try
        {
            var f = SafeTensors.Parse(bytes, Source);
            // What was accepted is consistent: every tensor's data fits its shape.
            foreach (var t in f.Tensors)
            {
                Assert.Equal(t.Shape.Aggregate(1L, (a, d) => a * d), t.ElementCount);
                Assert.Equal(t.ElementCount, (long)t.ToDouble().Length);
            }
            return f;
        }
        catch (CheckpointException e)
        {
            AssertOneLine(e.Message, what);
            Assert.StartsWith(Source + ": ", e.Message);
            return null;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} escaped the checkpoint reader: {e.Message}");
            return null;
        }
    }

    private static void AssertOneLine(string message, string what)
    {
        Assert.False(message.IndexOfAny(new[] { '\n', '\r', '\u2028', '\u2029', '\u0085' }) >= 0, $"{what}: the message is not one line: {message}");
        Assert.True(message.Length > 0, what);
    }

    private static byte[] RealCheckpoint() => SafeTensors.Serialize(new[]
    {
        new SafeTensor("0.weight", new[] { 3, 2 }, new float[] { 1, -2, 3.5f, 0, 1e-3f, -7 }),
        new SafeTensor("0.bias", new[] { 3 }, new double[] { 0.5, -0.25, 2 }),
        new SafeTensor("1.num_batches_tracked", Array.Empty<int>(), new long[] { 12 }),
        new SafeTensor("empty", new[] { 0, 4 }, Array.Empty<float>()),
    }, new Dictionary<string, string> { ["format"] = "pt", ["nabla.step"] = "3" });

    [Fact]
    public void Random_bytes_and_random_header_lengths_are_refused_with_one_line()
    {
        var rng = new Random(1701);
        for (int i = 0; i < 400; i++)
        {
            var bytes = new byte[rng.Next(0, 200)];
            rng.NextBytes(bytes);
            if (bytes.Length >= 8 && rng.Next(2) == 0)
            {
                // A plausible header length: small, exactly the rest, one past it, or huge.
                ulong n = rng.Next(5) switch
                {
                    0 => (ulong)rng.Next(0, 16),
                    1 => (ulong)(bytes.Length - 8),
                    2 => (ulong)(bytes.Length - 7),
                    3 => ulong.MaxValue - (ulong)rng.Next(0, 3),
                    _ => (ulong)rng.NextInt64(long.MaxValue),
                };
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, n);
                if (bytes.Length > 8 && rng.Next(2) == 0) bytes[8] = (byte)'{';
            }
            ParseOrRefuse(bytes, $"random case {i}");
        }
    }

    [Fact]
    public void Every_truncation_and_random_byte_flips_of_a_real_checkpoint_are_caught_or_harmless()
    {
        var real = RealCheckpoint();
        Assert.NotNull(ParseOrRefuse(real, "the real file"));
        for (int cut = 0; cut < real.Length; cut++)
            Assert.Null(ParseOrRefuse(real.AsSpan(0, cut).ToArray(), $"truncated to {cut} bytes"));
        Assert.Null(ParseOrRefuse(real.Concat(new byte[] { 0 }).ToArray(), "one byte appended"));

        var rng = new Random(42);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(real);
        for (int i = 0; i < 400; i++)
        {
            var bytes = (byte[])real.Clone();
            int flips = rng.Next(1, 4);
            for (int f = 0; f < flips; f++)
            {
                int at = rng.Next(2) == 0 ? rng.Next(0, headerEnd) : rng.Next(0, bytes.Length);
                bytes[at] = rng.Next(3) switch { 0 => (byte)rng.Next(256), 1 => (byte)(bytes[at] ^ (1 << rng.Next(8))), _ => (byte)"{}[],:\"0123456789-e.\\u"[rng.Next(21)] };
            }
            ParseOrRefuse(bytes, $"flip case {i}");
        }
    }

    private static readonly string[] DTypes = { "F32", "F64", "I64", "F16", "BF16", "I32", "U8", "BOOL", "f32", "", "F32 ", "\u0000", "F3\u00e92" };

    private static readonly string[] Numbers =
    {
        "0", "1", "2", "3", "4", "8", "12", "-1", "-0", "1.5", "1e3", "2147483647", "2147483648", "4294967296", "9223372036854775807",
        "9223372036854775808", "18446744073709551615", "1e400", "-9223372036854775808", "0.0", "\"3\"", "null", "true", "[]", "{}",
    };

    private static string RandomShape(Random rng)
    {
        int rank = rng.Next(0, 5);
        return "[" + string.Join(",", Enumerable.Range(0, rank).Select(_ => rng.Next(3) == 0 ? Numbers[rng.Next(Numbers.Length)] : rng.Next(0, 5).ToString())) + "]";
    }

    private static string RandomName(Random rng) => rng.Next(8) switch
    {
        0 => "",
        1 => "__metadata__",
        2 => "a\\nb",             // an escaped line break in a tensor name
        3 => "\\ud800",           // a lone surrogate
        4 => "x\\u2028y",
        5 => new string('n', rng.Next(1, 300)),
        _ => "t" + rng.Next(0, 4),
    };

    [Fact]
    public void Mutated_headers_dtypes_shapes_offsets_and_metadata_are_caught()
    {
        var rng = new Random(7);
        int accepted = 0;
        for (int i = 0; i < 500; i++)
        {
            int tensors = rng.Next(0, 4);
            var entries = new List<string>();
            long offset = 0;
            for (int t = 0; t < tensors; t++)
            {
                string dtype = rng.Next(4) == 0 ? DTypes[rng.Next(DTypes.Length)] : new[] { "F32", "F64", "I64" }[rng.Next(3)];
                int[] dims = Enumerable.Range(0, rng.Next(0, 3)).Select(_ => rng.Next(0, 4)).ToArray();
                long bytes = dims.Aggregate(1L, (a, d) => a * d) * (dtype == "F32" ? 4 : 8);
                string shape = rng.Next(5) == 0 ? RandomShape(rng) : "[" + string.Join(",", dims) + "]";
                long begin = offset, end = offset + bytes;
                if (rng.Next(5) == 0) begin += rng.Next(-9, 9);
                if (rng.Next(5) == 0) end += rng.Next(-9, 9);
                string offsets = rng.Next(6) == 0 ? "[" + Numbers[rng.Next(Numbers.Length)] + "," + Numbers[rng.Next(Numbers.Length)] + "]"
                    : rng.Next(12) == 0 ? "[" + begin + "]" : $"[{begin},{end}]";
                var fields = new List<string> { $"\"dtype\":\"{dtype}\"", $"\"shape\":{shape}", $"\"data_offsets\":{offsets}" };
                if (rng.Next(8) == 0) fields.RemoveAt(rng.Next(fields.Count));
                if (rng.Next(10) == 0) fields.Add(fields[rng.Next(fields.Count)]);   // a duplicated key
                string name = rng.Next(3) == 0 ? RandomName(rng) : "t" + t;
                entries.Add(rng.Next(15) == 0 ? $"\"{name}\":{Numbers[rng.Next(Numbers.Length)]}" : $"\"{name}\":{{{string.Join(",", fields)}}}");
                offset = Math.Max(offset, end);
            }
            if (rng.Next(3) == 0)
                entries.Insert(rng.Next(entries.Count + 1), rng.Next(4) switch
                {
                    0 => "\"__metadata__\":{\"format\":\"pt\"}",
                    1 => "\"__metadata__\":{\"k\":3}",
                    2 => "\"__metadata__\":[1]",
                    _ => "\"__metadata__\":{\"k\\n\":\"v\\u2029\"}",
                });
            string json = "{" + string.Join(",", entries) + "}";
            if (rng.Next(10) == 0) json = json.Substring(0, rng.Next(json.Length));                 // cut JSON
            if (rng.Next(10) == 0) json = new string('[', rng.Next(60, 200)) + new string(']', 10);  // deep nesting
            if (rng.Next(10) == 0) json += new string(' ', rng.Next(1, 9));                        // padding, as the format allows
            var data = new byte[Math.Max(0, offset + (rng.Next(6) == 0 ? rng.Next(-3, 4) : 0))];
            rng.NextBytes(data);
            var f = ParseOrRefuse(WithHeader(json, data), $"header case {i}: {json}");
            if (f is not null) accepted++;
        }
        Assert.InRange(accepted, 20, 480);   // the generator reaches both outcomes
    }

    [Fact]
    public void Names_with_line_breaks_or_lone_surrogates_give_one_line_errors()
    {
        // A tensor name with an escaped line break: the error names it with the break shown as \n.
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Parse(WithHeader("{\"a\\nb\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[0,2]}}", new byte[2]), Source));
        Assert.Equal("fuzz.safetensors: tensor 'a\\nb': dtype 'F16' is not supported (Nabla reads F32, F64 and I64).", e.Message);
        Assert.Equal("a\nb", e.Tensor);                                 // the property keeps the name as it is
        // A lone surrogate (not valid UTF-16) in a name or in metadata.
        foreach (var json in new[] { "{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", "{\"__metadata__\":{\"k\":\"\\udc00\"}}" })
        {
            var ex = Record.Exception(() => SafeTensors.Parse(WithHeader(json, new byte[json.Contains("F32") ? 4 : 0]), Source));
            Assert.True(ex is null or CheckpointException, $"{json}: {ex?.GetType().Name}: {ex?.Message}");
            if (ex is not null) AssertOneLine(ex.Message, json);
        }
        // A file name with a line break.
        e = Assert.Throws<CheckpointException>(() => SafeTensors.Parse(new byte[3], "two\nlines"));
        Assert.StartsWith("two\\nlines: 3 bytes is too short", e.Message);
        var de = new Nabla.Data.DataException("a\r\nb\u2028c", "p");
        Assert.Equal("a\\r\\nb\\u2028c", de.Message);
    }

    [Fact]
    public void Network_load_of_a_corrupted_checkpoint_fails_with_one_line_and_leaves_the_network_as_it_was()
    {
        using var dir = new TempDir();
        var trained = TrainerTests.Fresh(TrainerTests.Lowered(Optimizer.Adam(0.01)));
        trained.Fit(TrainerTests.Blobs(40, 3), new TrainingOptions { Steps = 3, BatchSize = 20 });
        string good = dir.File("good.safetensors");
        trained.Save(good);
        var real = File.ReadAllBytes(good);
        var net = TrainerTests.Fresh(TrainerTests.Lowered(Optimizer.Adam(0.01)));
        var before = Values(net);
        var rng = new Random(99);
        string path = dir.File("bad.safetensors");
        int loaded = 0;
        for (int i = 0; i < 150; i++)
        {
            var bytes = (byte[])real.Clone();
            int kind = rng.Next(3);
            if (kind == 0) bytes = bytes.AsSpan(0, rng.Next(bytes.Length)).ToArray();
            else
                for (int f = rng.Next(1, 6); f > 0; f--)
                {
                    int at = rng.Next(bytes.Length);
                    bytes[at] = kind == 1 ? (byte)rng.Next(256) : (byte)(bytes[at] ^ 0x80);   // 0x80: the sign bit of a float's last byte
                }
            File.WriteAllBytes(path, bytes);
            var snapshot = SpecialFiles.Snapshot(dir.Path);
            try
            {
                net.Load(path);
                loaded++;
                net.Load(good);                                      // back to a known state for the next case
                before = Values(net);
            }
            catch (CheckpointException e)
            {
                AssertOneLine(e.Message, $"load case {i}");
                Assert.StartsWith(path + ": ", e.Message);
                Assert.Equal(before, Values(net));                   // nothing was written into the network
            }
            catch (Exception e)
            {
                Assert.Fail($"load case {i}: {e.GetType().Name} escaped Network.Load: {e.Message}");
            }
            SpecialFiles.AssertUnchanged(snapshot, dir.Path, $"load case {i}");
        }
        Assert.InRange(loaded, 1, 149);
    }

    private static string Values(Network n) =>
        string.Join(";", n.Signature.Parameters.Select(p => string.Join(",", n.ParameterValues(p.Name))))
        + "|" + string.Join(";", n.Signature.State.Select(s => string.Join(",", n.StateValues(s.Name)))) + "|" + n.Step + "|" + n.DropoutSeed;
}
