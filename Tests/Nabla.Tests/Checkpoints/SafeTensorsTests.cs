using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Nabla.Checkpoints;
using Nabla.Tests.Data;
using Xunit;

namespace Nabla.Tests.Checkpoints;

public class SafeTensorsTests
{
    private static byte[] File(string header, params byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var r = new byte[8 + h.Length + data.Length];
        BitConverter.GetBytes((ulong)h.Length).CopyTo(r, 0);   // little-endian on the test machines
        h.CopyTo(r, 8);
        data.CopyTo(r, 8 + h.Length);
        return r;
    }

    [Fact]
    public void WritesTheByteLayoutByHand()
    {
        Assert.True(BitConverter.IsLittleEndian);
        var bytes = SafeTensors.Serialize(new[] { new SafeTensor("a", new[] { 2 }, new float[] { 1, -2 }) });
        const string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";   // 54 bytes, padded to 56
        Assert.Equal(54, json.Length);
        var expected = new List<byte> { 56, 0, 0, 0, 0, 0, 0, 0 };
        expected.AddRange(Encoding.ASCII.GetBytes(json + "  "));
        expected.AddRange(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 });   // 1.0f, -2.0f little-endian
        Assert.Equal(expected.ToArray(), bytes);
    }

    [Fact]
    public void ReadsAHandWrittenFileWithMetadataAndBothDTypes()
    {
        // "b" (F64 scalar) comes first in the data although it is listed second.
        var bytes = File(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[8,16]},\"b\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}," +
            "\"__metadata__\":{\"format\":\"pt\",\"step\":\"3\"}}",
            0, 0, 0, 0, 0, 0, 0xF8, 0x3F,      // 1.5 as a double
            0, 0, 0x40, 0x40, 0, 0, 0x80, 0xBF); // 3.0f, -1.0f
        var f = SafeTensors.Parse(bytes, "hand.safetensors");
        Assert.Equal(new[] { "b", "a" }, f.Names);
        Assert.Equal(TensorDType.F64, f["b"].DType);
        Assert.Empty(f["b"].Shape);
        Assert.Equal(new[] { 1.5 }, f["b"].ToDouble());
        Assert.Equal(new[] { 1, 2 }, f["a"].Shape);
        Assert.Equal(new[] { 3f, -1f }, f["a"].ToSingle());
        Assert.Equal("pt", f.MetadataValue("format"));
        Assert.Equal("3", f.Metadata["step"]);
        var e = Assert.Throws<CheckpointException>(() => f["c"]);
        Assert.Equal("c", e.Tensor);
        Assert.Contains("hand.safetensors: no tensor 'c'", e.Message);
    }

    [Fact]
    public void SaveLoadRoundTripsExactly()
    {
        using var dir = new TempDir();
        var rng = new Random(1);
        var w = Enumerable.Range(0, 4000).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        w[0] = float.Epsilon; w[1] = -0f; w[2] = float.MaxValue;
        var m = Enumerable.Range(0, 7).Select(i => Math.PI * i).ToArray();
        string path = dir.File("ckpt/model.safetensors");
        SafeTensors.Save(path, new[]
        {
            new SafeTensor("0.weight", new[] { 100, 40 }, w),
            new SafeTensor("empty", new[] { 0, 3 }, ReadOnlySpan<float>.Empty),
            new SafeTensor("state.m", new[] { 7 }, m),
        }, new Dictionary<string, string> { ["optimizer"] = "adam lr=0.01", ["ünï"] = "ç\"ode" });
        var f = SafeTensors.Load(path);
        Assert.Equal(new[] { "0.weight", "empty", "state.m" }, f.Names);
        Assert.Equal(w.Select(BitConverter.SingleToInt32Bits), f["0.weight"].ToSingle().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(m, f["state.m"].ToDouble());
        Assert.Equal(0, f["empty"].ElementCount);
        Assert.Equal("ç\"ode", f.Metadata["ünï"]);
        // The header is valid JSON padded so the data starts 8-byte aligned.
        var bytes = System.IO.File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, n % 8);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        Assert.Equal("[0,16000]", doc.RootElement.GetProperty("0.weight").GetProperty("data_offsets").GetRawText());
        Assert.Equal(8 + n + 16000 + 56, bytes.Length);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));   // no temporary file left
    }

    [Fact]
    public void CopyToChecksTheShapeAgainstTheModel()
    {
        var t = new SafeTensor("0.weight", new[] { 100, 40 }, new float[4000]);
        var e = Assert.Throws<CheckpointException>(() => t.CopyTo(new float[4000], new[] { 40, 100 }, "m.safetensors"));
        Assert.Equal("m.safetensors: tensor '0.weight' has shape [100, 40], but the model expects [40, 100].", e.Message);
        var dst = new float[4000];
        new SafeTensor("x", new[] { 2 }, new double[] { 0.1, 2 }).CopyTo(dst.AsSpan(0, 2), new[] { 2 });
        Assert.Equal(new[] { 0.1f, 2f }, dst.Take(2));
    }

    public static IEnumerable<object[]> Corrupt() => new[]
    {
        new object[] { File("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 1, 2, 3), "a", "reach past the end of the data (3 bytes)" },
        new object[] { File("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]), "a", "needs 3 × 4 bytes, but data_offsets [0, 8] hold 8" },
        new object[] { File("{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]), "a", "needs 2 × 8 bytes" },
        new object[] { File("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "b", "overlap tensor 'a'" },
        new object[] { File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "a", "leave bytes 0–4 unused" },
        new object[] { File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[8]), null!, "4 bytes follow the last tensor's data ('a')" },
        new object[] { File("{\"a\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", new byte[2]), "a", "dtype 'BF16' is not supported" },
        new object[] { File("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]), "a", "shape entry 0 (-1)" },
        new object[] { File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", new byte[4]), "a", "end before they begin" },
        new object[] { File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "a", "data_offsets must be an array" },
        new object[] { File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "a", "names 'a' twice" },
        new object[] { File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", new byte[4]), null!, "not valid JSON" },
        new object[] { File("{\"__metadata__\":{\"k\":1}}"), null!, "metadata values must be strings" },
        new object[] { File("[1,2]"), null!, "does not start with '{'" },
        new object[] { new byte[] { 200, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}' }, null!, "header length 200 (bytes 0–7) reaches past the end of the file (10 bytes)" },
        new object[] { new byte[] { 1, 2, 3 }, null!, "3 bytes is too short" },
    };

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void CorruptFilesGiveAClearErrorNamingTheFileAndTensor(byte[] bytes, string? tensor, string expected)
    {
        using var dir = new TempDir();
        string path = dir.File("bad.safetensors");
        System.IO.File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(tensor, e.Tensor);
        if (tensor is not null) Assert.Contains($"'{tensor}'", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        Assert.Equal(bytes, System.IO.File.ReadAllBytes(path));   // reading never writes
    }

    [Fact]
    public void EveryTruncationAndManyByteFlipsAreRejectedCleanly()
    {
        var good = SafeTensors.Serialize(new[]
        {
            new SafeTensor("0.weight", new[] { 3, 2 }, new float[] { 1, 2, 3, 4, 5, 6 }),
            new SafeTensor("0.bias", new[] { 3 }, new double[] { 7, 8, 9 }),
        });
        for (int len = 0; len < good.Length; len++)
            Assert.Throws<CheckpointException>(() => SafeTensors.Parse(good.AsMemory(0, len), "t"));
        int headerEnd = 8 + (int)BitConverter.ToUInt64(good, 0);
        var rng = new Random(5);
        for (int trial = 0; trial < 2000; trial++)
        {
            var bad = (byte[])good.Clone();
            for (int flips = 1 + trial % 3; flips > 0; flips--)
                bad[rng.Next(headerEnd)] = (byte)rng.Next(256);   // corrupt the length or the header; data bytes are any floats
            try { SafeTensors.Parse(bad, "t"); }
            catch (CheckpointException) { }        // anything else (IndexOutOfRange, overflow …) fails the test
        }
    }

    [Fact]
    public void AFailedSaveLeavesThePreviousFileIntact()
    {
        using var dir = new TempDir();
        string path = dir.File("model.safetensors");
        SafeTensors.Save(path, new[] { new SafeTensor("w", new[] { 2 }, new float[] { 1, 2 }) });
        var before = System.IO.File.ReadAllBytes(path);

        static IEnumerable<SafeTensor> Failing()
        {
            yield return new SafeTensor("w", new[] { 2 }, new float[] { 3, 4 });
            throw new IOException("disk gone");
        }
        Assert.Throws<IOException>(() => SafeTensors.Save(path, Failing()));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new[]
            { new SafeTensor("w", new[] { 1 }, new float[] { 0 }), new SafeTensor("w", new[] { 1 }, new float[] { 0 }) }));
        Assert.Equal(before, System.IO.File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.Path));

        SafeTensors.Save(path, new[] { new SafeTensor("w", new[] { 2 }, new float[] { 5, 6 }) });   // a successful save replaces it
        Assert.Equal(new[] { 5f, 6f }, SafeTensors.Load(path)["w"].ToSingle());
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void AMissingFileIsAClearError()
    {
        using var dir = new TempDir();
        string path = dir.File("none.safetensors");
        Assert.Equal(path + ": checkpoint file not found.", Assert.Throws<CheckpointException>(() => SafeTensors.Load(path)).Message);
    }
}
