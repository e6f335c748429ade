using System.Collections.Generic;
using System.Linq;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// Assigns every temporary to a memory slot by liveness, so that temporaries whose lifetimes do not overlap
/// share storage: a slot is free again after the last kernel that reads its occupant, and a fused loop may
/// write its result over an input it reads element by element (in place). Outputs get no slot: backends
/// bind them to the caller's arrays.
/// </summary>
public static class MemoryPlanner
{
    /// <summary>Sets <see cref="Buffer.Slot"/> on each temporary and returns the sizes each slot must hold.</summary>
    public static IReadOnlyList<IReadOnlyList<Dim>> Plan(IReadOnlyList<Kernel> kernels, IReadOnlyList<Buffer> buffers)
    {
        var lastUse = new Dictionary<Buffer, int>();
        foreach (var k in kernels)
            foreach (var b in k.Reads)
                if (b.Storage.Kind == BufferKind.Temp) lastUse[b.Storage] = k.Id;

        var slots = new List<List<Dim>>();
        var occupant = new List<Buffer?>();
        foreach (var k in kernels)
        {
            var inPlace = InPlaceCandidates(k, lastUse);
            foreach (var b in k.Writes.Select(w => w.Storage).Distinct())
            {
                if (b.Kind != BufferKind.Temp || b.IsOutput || b.Slot >= 0) continue; // outputs live in the caller's arrays
                int slot = Pick(b, k, inPlace, occupant, slots, lastUse);
                if (slot < 0) { slot = slots.Count; slots.Add(new List<Dim>()); occupant.Add(null); }
                b.Slot = slot;
                occupant[slot] = b;
                if (!slots[slot].Contains(b.Size)) slots[slot].Add(b.Size);
            }
            // Occupants whose last reader was this kernel (or that are never read) free their slots.
            for (int s = 0; s < occupant.Count; s++)
                if (occupant[s] is { } o && Dead(o, k.Id, lastUse)) occupant[s] = null;
        }
        return slots.Select(s => (IReadOnlyList<Dim>)s.ToArray()).ToArray();
    }

    private static bool Dead(Buffer b, int kernel, Dictionary<Buffer, int> lastUse) =>
        !lastUse.TryGetValue(b, out var last) ? true : last <= kernel;

    // Temporaries a loop reads element by element that die in it: their slots can take the loop's results.
    private static HashSet<Buffer> InPlaceCandidates(Kernel k, Dictionary<Buffer, int> lastUse)
    {
        var set = new HashSet<Buffer>();
        if (k is not ElementwiseKernel loop) return set;
        var notFull = new HashSet<Buffer>(loop.Inputs.Where(i => i.Access != Access.Full).Select(i => i.Buffer.Storage));
        foreach (var i in loop.Inputs)
        {
            var s = i.Buffer.Storage;
            if (s.Kind == BufferKind.Temp && !s.IsOutput && s.Slot >= 0 && !notFull.Contains(s) && lastUse.TryGetValue(s, out var last) && last == k.Id)
                set.Add(s);
        }
        return set;
    }

    private static int Pick(Buffer b, Kernel k, HashSet<Buffer> inPlace, List<Buffer?> occupant, List<List<Dim>> slots, Dictionary<Buffer, int> lastUse)
    {
        // 1. In place over an input of the same size that dies here.
        foreach (var c in inPlace)
            if (c.Size == b.Size && ReferenceEquals(occupant[c.Slot], c))
            {
                inPlace.Remove(c);
                return c.Slot;
            }
        // 2. A free slot that already holds this size; 3. any free slot; 4. none (a new slot).
        int any = -1;
        for (int s = 0; s < slots.Count; s++)
        {
            if (occupant[s] is not null) continue;
            if (slots[s].Contains(b.Size)) return s;
            if (any < 0) any = s;
        }
        return any;
    }
}
