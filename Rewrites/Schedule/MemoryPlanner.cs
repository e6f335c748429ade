using System.Collections.Generic;
using System.Linq;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// Assigns every temporary to a memory slot by liveness, so that temporaries whose lifetimes do not overlap
/// share storage: a slot is free again after the last kernel that reads its occupant, and a fused loop may
/// write its result over an input it reads element by element (in place). Outputs get no slot: backends
/// bind them to the caller's arrays. Runs in O(kernels + buffers · log slots).
/// </summary>
public static class MemoryPlanner
{
    /// <summary>Sets <see cref="Buffer.Slot"/> on each temporary and returns the sizes each slot must hold.</summary>
    public static IReadOnlyList<IReadOnlyList<Dim>> Plan(IReadOnlyList<Kernel> kernels, IReadOnlyList<Buffer> buffers) =>
        Plan(kernels, buffers, new Dictionary<Buffer, int>());

    /// <summary>
    /// <see cref="Plan(IReadOnlyList{Kernel}, IReadOnlyList{Buffer})"/> with storages that a post-pass will have a later
    /// kernel read: each stays live at least until the kernel at the position given (<see cref="WindowFusion.ImageReads"/>).
    /// </summary>
    internal static IReadOnlyList<IReadOnlyList<Dim>> Plan(IReadOnlyList<Kernel> kernels, IReadOnlyList<Buffer> buffers, IReadOnlyDictionary<Buffer, int> readLater)
    {
        var lastUse = new Dictionary<Buffer, int>();
        foreach (var k in kernels)
            foreach (var b in k.Reads)
                if (b.Storage.Kind == BufferKind.Temp) lastUse[b.Storage] = k.Id;
        foreach (var r in readLater)
            if (r.Key.Storage.Kind == BufferKind.Temp && (!lastUse.TryGetValue(r.Key.Storage, out var last) || last < r.Value)) lastUse[r.Key.Storage] = r.Value;

        var free = new FreeSlots();
        var releaseAfter = new List<Buffer>[kernels.Count];
        foreach (var k in kernels)
        {
            var inPlace = InPlaceCandidates(k, lastUse);
            foreach (var b in k.Writes.Select(w => w.Storage).Distinct())
            {
                if (b.Kind != BufferKind.Temp || b.IsOutput || b.Slot >= 0) continue; // outputs live in the caller's arrays
                var c = inPlace.FirstOrDefault(x => x.Size == b.Size);
                int slot;
                if (c is not null) { inPlace.Remove(c); slot = c.Slot; }
                else slot = free.Take(b.Size);
                b.Slot = slot;
                free.Hold(slot, b);
                // A buffer nobody reads dies at once; others after their last reader.
                int dies = lastUse.TryGetValue(b, out var last) ? last : k.Id;
                (releaseAfter[dies] ??= new List<Buffer>()).Add(b);
            }
            if (releaseAfter[k.Id] is { } dead)
                foreach (var b in dead)
                    if (free.Occupant(b.Slot) == b) free.Release(b.Slot);
        }
        return free.Sizes;
    }

    // Temporaries a loop reads element by element that die in it: their slots can take the loop's results.
    private static List<Buffer> InPlaceCandidates(Kernel k, Dictionary<Buffer, int> lastUse)
    {
        var list = new List<Buffer>();
        if (k is not ElementwiseKernel loop) return list;
        var notFull = new HashSet<Buffer>(loop.Inputs.Where(i => i.Access != Access.Full).Select(i => i.Buffer.Storage));
        foreach (var i in loop.Inputs)
        {
            var s = i.Buffer.Storage;
            if (s.Kind == BufferKind.Temp && !s.IsOutput && s.Slot >= 0 && !notFull.Contains(s) && !list.Contains(s)
                && lastUse.TryGetValue(s, out var last) && last == k.Id)
                list.Add(s);
        }
        return list;
    }

    /// <summary>The slots, their occupants, and the free ones indexed by the sizes they have held.</summary>
    private sealed class FreeSlots
    {
        private readonly List<List<Dim>> _sizes = new();
        private readonly List<Buffer?> _occupant = new();
        private readonly SortedSet<int> _free = new();
        private readonly Dictionary<Dim, SortedSet<int>> _freeBySize = new();

        public IReadOnlyList<IReadOnlyList<Dim>> Sizes => _sizes.Select(s => (IReadOnlyList<Dim>)s.ToArray()).ToArray();

        public Buffer? Occupant(int slot) => _occupant[slot];

        /// <summary>A free slot that has held this size, else any free slot, else a new one (not yet held).</summary>
        public int Take(Dim size)
        {
            if (_freeBySize.TryGetValue(size, out var same) && same.Count > 0) return same.Min;
            if (_free.Count > 0) return _free.Min;
            _sizes.Add(new List<Dim>());
            _occupant.Add(null);
            return _sizes.Count - 1;
        }

        public void Hold(int slot, Buffer b)
        {
            // Leave the free sets (a no-op for a new slot or an in-place take of an occupied one).
            if (_free.Remove(slot))
                foreach (var d in _sizes[slot]) _freeBySize[d].Remove(slot);
            if (!_sizes[slot].Contains(b.Size)) _sizes[slot].Add(b.Size);
            _occupant[slot] = b;
        }

        public void Release(int slot)
        {
            _occupant[slot] = null;
            _free.Add(slot);
            foreach (var d in _sizes[slot])
            {
                if (!_freeBySize.TryGetValue(d, out var set)) _freeBySize[d] = set = new SortedSet<int>();
                set.Add(slot);
            }
        }
    }
}
