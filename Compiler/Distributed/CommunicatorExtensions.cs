using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace Nabla.Distributed;

/// <summary>
/// Collectives built from the <see cref="ICommunicator"/> primitives: gathering every rank's value, broadcasting a
/// string, and checking at start that every rank agrees on what must be the same. Like every collective, each must
/// be called by every rank in the same order.
/// </summary>
public static class CommunicatorExtensions
{
    /// <summary>
    /// Every rank's <paramref name="mine"/>, indexed by rank, on every rank; the lengths may differ between ranks.
    /// One allreduce of the lengths, then one broadcast per rank.
    /// </summary>
    public static byte[][] AllGather(this ICommunicator comm, ReadOnlySpan<byte> mine)
    {
        ArgumentNullException.ThrowIfNull(comm);
        var lengths = comm.AllGather((double)mine.Length);
        var all = new byte[comm.Size][];
        for (int r = 0; r < all.Length; r++)
        {
            var length = lengths[r];
            if (!(length >= 0 && length <= int.MaxValue && length == Math.Floor(length)))
                throw new InvalidOperationException($"AllGather: rank {r} reported a length of {length} bytes; the ranks' collectives are out of step.");
            var buffer = new byte[(int)length];
            if (r == comm.Rank) mine.CopyTo(buffer);
            comm.Broadcast(buffer, r);
            all[r] = buffer;
        }
        return all;
    }

    /// <summary>Every rank's string, indexed by rank, on every rank (sent as UTF-8).</summary>
    public static string[] AllGather(this ICommunicator comm, string mine)
    {
        ArgumentNullException.ThrowIfNull(mine);
        return comm.AllGather(Encoding.UTF8.GetBytes(mine)).Select(b => Encoding.UTF8.GetString(b)).ToArray();
    }

    /// <summary>Every rank's number, indexed by rank, on every rank (exactly: one allreduce in which only rank r fills slot r).</summary>
    public static double[] AllGather(this ICommunicator comm, double mine)
    {
        ArgumentNullException.ThrowIfNull(comm);
        var all = new double[comm.Size];
        all[comm.Rank] = mine;
        comm.AllReduceSum(all);
        return all;
    }

    /// <summary>The sum of <paramref name="value"/> over all ranks (a loss, a count of correct predictions), on every rank.</summary>
    public static double AllReduceSum(this ICommunicator comm, double value)
    {
        ArgumentNullException.ThrowIfNull(comm);
        Span<double> one = stackalloc double[1];
        one[0] = value;
        comm.AllReduceSum(one);
        return one[0];
    }

    /// <summary>
    /// A scope in which the collectives of <paramref name="comm"/> wait without a timeout
    /// (<see cref="MpiCommunicator.WithoutTimeout"/>; a no-op for other communicators). Dispose it to restore the timeout.
    /// </summary>
    public static IDisposable WithoutTimeout(this ICommunicator comm)
    {
        ArgumentNullException.ThrowIfNull(comm);
        return comm is MpiCommunicator mpi ? mpi.WithoutTimeout() : NoScope.Instance;
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }

    /// <summary>
    /// Rank <paramref name="root"/>'s <paramref name="value"/> on every rank (a run name, a time stamp, a directory);
    /// the other ranks' <paramref name="value"/> is ignored and may be null.
    /// </summary>
    public static string BroadcastString(this ICommunicator comm, string? value, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(comm);
        var isRoot = comm.Rank == root;
        var bytes = isRoot && value is not null ? Encoding.UTF8.GetBytes(value) : Array.Empty<byte>();
        // A root without a string still takes part (length −1), so every rank throws instead of the others waiting.
        var lengthBytes = BitConverter.GetBytes(isRoot && value is null ? -1 : bytes.Length);
        comm.Broadcast(lengthBytes, root);
        var n = BitConverter.ToInt32(lengthBytes, 0);
        if (n == -1 && isRoot) throw new ArgumentNullException(nameof(value), "The root rank must pass the string to broadcast.");
        if (n == -1) throw new InvalidOperationException($"BroadcastString: rank {root}, the root, passed no string.");
        if (n < 0) throw new InvalidOperationException($"BroadcastString: rank {root} sent a length of {n}; the ranks' collectives are out of step.");
        if (!isRoot) bytes = new byte[n];
        comm.Broadcast(bytes, root);
        return isRoot ? value! : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>
    /// Checks that every rank has the same <paramref name="facts"/> (name and value, in the same order: the model's
    /// parameter signature, the data set's size, the seed…) and throws the same
    /// <see cref="DistributedMismatchException"/> on every rank when not, naming <paramref name="what"/>, the first fact
    /// some rank has different from rank 0, those ranks, and both values (long values shortened, with a hash of the
    /// whole value): <c>Data-parallel training: the ranks disagree on "model signature": rank 1 has "mlp 40-100-10"
    /// (hash 3f2a9c01d2e4), rank 0 has "mlp 40-100-12" (hash 9b0e11aa57c3).</c> Every rank sees every rank's facts,
    /// so all reach the same verdict and none is left waiting in a later collective.
    /// </summary>
    /// <param name="comm">The communicator.</param>
    /// <param name="what">What is being checked, for the message (<c>Data-parallel training</c>).</param>
    /// <param name="facts">This rank's facts.</param>
    public static void CheckSame(this ICommunicator comm, string what, IReadOnlyList<KeyValuePair<string, string>> facts)
    {
        ArgumentNullException.ThrowIfNull(comm);
        ArgumentNullException.ThrowIfNull(what);
        ArgumentNullException.ThrowIfNull(facts);
        var all = comm.AllGather(Encode(facts)).Select(Decode).ToArray();
        var mismatch = FirstMismatch(all);
        if (mismatch is null) return;
        var (index, ranks) = mismatch.Value;
        var reference = all[0];
        var first = ranks[0];
        var theirs = all[first];
        string fact, message;
        if (index < reference.Count)
        {
            fact = reference[index].Key;
            var ours = $"rank 0 has {Show(reference[index].Value)}";
            string their;
            if (index >= theirs.Count) their = $"rank {first} has no such fact (it has {theirs.Count} facts, rank 0 has {reference.Count})";
            else if (theirs[index].Key != fact) their = $"rank {first} has the fact \"{Clip(theirs[index].Key)}\" in its place";
            else their = $"rank {first} has {Show(theirs[index].Value)}";
            message = $"{what}: the ranks disagree on \"{Clip(fact)}\": {their}, {ours}.";
        }
        else
        {
            fact = theirs[index].Key;
            message = $"{what}: the ranks disagree on \"{Clip(fact)}\": rank {first} has {Show(theirs[index].Value)}, rank 0 has no such fact (it has {reference.Count} facts, rank {first} has {theirs.Count}).";
        }
        if (ranks.Count > 1) message += $" Ranks that differ from rank 0 on it: {string.Join(", ", ranks)}.";
        throw new DistributedMismatchException(message, fact, ranks);
    }

    /// <summary>The first fact index on which some rank differs from rank 0, and every rank that differs there.</summary>
    private static (int Index, List<int> Ranks)? FirstMismatch(IReadOnlyList<KeyValuePair<string, string>>[] all)
    {
        var reference = all[0];
        var firstIndex = int.MaxValue;
        var differing = new int[all.Length];
        for (int r = 1; r < all.Length; r++)
        {
            differing[r] = -1;
            var facts = all[r];
            var n = Math.Max(facts.Count, reference.Count);
            for (int i = 0; i < n; i++)
            {
                if (i < facts.Count && i < reference.Count && facts[i].Key == reference[i].Key && facts[i].Value == reference[i].Value) continue;
                differing[r] = i;
                firstIndex = Math.Min(firstIndex, i);
                break;
            }
        }
        if (firstIndex == int.MaxValue) return null;
        var ranks = new List<int>();
        for (int r = 1; r < all.Length; r++) if (differing[r] == firstIndex) ranks.Add(r);
        return (firstIndex, ranks);
    }

    private static byte[] Encode(IReadOnlyList<KeyValuePair<string, string>> facts)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(facts.Count);
            foreach (var (key, value) in facts)
            {
                writer.Write(key ?? throw new ArgumentException("A fact has a null name.", nameof(facts)));
                writer.Write(value ?? throw new ArgumentException($"The fact \"{key}\" has a null value.", nameof(facts)));
            }
        }
        return stream.ToArray();
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Decode(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        var count = reader.ReadInt32();
        var facts = new List<KeyValuePair<string, string>>(count);
        for (int i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            facts.Add(new(key, reader.ReadString()));
        }
        return facts;
    }

    /// <summary>A value for a one-line message: quoted, shortened when long, with the hash of the whole value.</summary>
    private static string Show(string value)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)), 0, 6).ToLowerInvariant();
        var (text, shortened) = OneLine(value);
        return shortened ? $"\"{text}\" ({value.Length} chars, hash {hash})" : $"\"{text}\" (hash {hash})";
    }

    private static string Clip(string value) => OneLine(value).Text;

    private static (string Text, bool Shortened) OneLine(string value)
    {
        var oneLine = value.Replace("\r", "\\r").Replace("\n", "\\n");
        const int max = 80;
        return oneLine.Length <= max ? (oneLine, false) : ($"{oneLine[..60]}…{oneLine[^16..]}", true);
    }
}
