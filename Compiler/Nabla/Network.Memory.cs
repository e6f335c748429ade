using System;
using System.Globalization;
using Nabla.Ir;
using Nabla.Lowering;

namespace Nabla;

public sealed partial class Network
{
    /// <summary>
    /// The bytes compiling <paramref name="lowered"/> allocates before its first call, in checked 64-bit arithmetic:
    /// every parameter, buffer and optimizer state tensor of the plan (the compiled model's own copies), the temporaries
    /// of every method at batch 1 (they grow with the batch) and the split step's flat gradient. Each tensor is checked to
    /// fit in one array (at most <see cref="Shape.MaxElements"/> elements); the error names it and its shape.
    /// </summary>
    /// <exception cref="ShapeException">A tensor is larger than one array holds.</exception>
    public static long RequiredBytes(LoweredModel lowered)
    {
        if (lowered is null) throw new ArgumentNullException(nameof(lowered));
        var plan = lowered.Plan;
        long bytesPer = plan.DType.SizeInBytes(), elements = 0;
        string model = $"Model \"{plan.Name}\"";
        foreach (var (name, shape) in plan.Parameters)
        {
            long n = shape.CheckedStaticSize($"{model}: parameter \"{name}\"");
            elements = checked(elements + n);
        }
        foreach (var (method, schedule) in plan.Methods)
            for (int s = 0; s < schedule.Slots.Count; s++)
            {
                long n = 0;
                foreach (var d in schedule.Slots[s])
                    n = Math.Max(n, d.Factor); // at batch 1 every B^p is 1
                Shape.CheckElements($"{model}: {method}'s temporary slot {s}", n, $"[{n}] at batch 1");
                elements = checked(elements + n);
            }
        if (lowered.Signature.SplitStep) elements = checked(elements + lowered.Signature.GradientLength);
        return checked(elements * bytesPer);
    }

    /// <summary>
    /// The bytes this process can still allocate: the GC's <see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/> (physical
    /// memory, or the container's or <c>GCHeapHardLimit</c>'s limit) less what the managed heap holds now; null when the GC
    /// does not know (no limit is then applied).
    /// </summary>
    public static long? AvailableBytes()
    {
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return total > 0 ? Math.Max(0, total - GC.GetTotalMemory(false)) : null;
    }

    /// <summary>
    /// Refuses, before anything is allocated, to compile a model that cannot fit: a tensor larger than one array holds
    /// (<see cref="ShapeException"/> naming it), or more <see cref="RequiredBytes"/> than <paramref name="availableBytes"/>
    /// (default <see cref="AvailableBytes"/>), with a message giving both sizes and the largest tensor.
    /// <c>Jit.Compile</c> and <c>Jit.CompileModel</c> call it; compiled classes (source generator, <c>nabla build</c>)
    /// allocate their parameters when constructed, so call it first there to get the same refusal.
    /// </summary>
    /// <exception cref="ShapeException">A tensor is larger than one array holds.</exception>
    /// <exception cref="InsufficientMemoryException">The model needs more memory than is available.</exception>
    public static void CheckMemory(LoweredModel lowered, long? availableBytes = null)
    {
        long need = RequiredBytes(lowered);
        long? have = availableBytes ?? AvailableBytes();
        if (have is long h && need > h)
        {
            string largest = "";
            long most = -1;
            foreach (var (name, shape) in lowered.Plan.Parameters)
                if (shape.StaticSize > most) { most = shape.StaticSize; largest = $"\"{name}\" {shape}"; }
            string tensors = most < 0 ? "no parameters"
                : $"{lowered.Plan.Parameters.Count} parameter tensors, the largest {largest} with {most.ToString("N0", CultureInfo.InvariantCulture)} elements";
            throw new InsufficientMemoryException(
                $"Model \"{lowered.Plan.Name}\" needs {Bytes(need)} for its parameters, optimizer state and temporaries at batch 1 " +
                $"({tensors}), more than the {Bytes(h)} this process can allocate.");
        }
    }

    /// <summary>Bytes in invariant form with a binary unit: <c>3.4 GiB</c>, <c>512 B</c>.</summary>
    internal static string Bytes(long b)
    {
        string[] units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return u == 0 ? b.ToString(CultureInfo.InvariantCulture) + " B" : v.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[u];
    }
}
