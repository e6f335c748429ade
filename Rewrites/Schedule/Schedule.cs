using System.Collections.Generic;
using System.Linq;
using System.Text;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// The lowered form of a <see cref="Function"/> that backends emit: kernels in execution order over
/// buffers, with temporaries assigned to reusable memory slots by liveness. Running the kernels in order
/// computes every named output into its buffer and writes every update into its parameter's buffer.
/// </summary>
public sealed class Schedule
{
    internal Schedule(Function source, DType type, IReadOnlyList<Buffer> buffers, IReadOnlyList<Kernel> kernels,
        IReadOnlyList<(string Name, Buffer Buffer)> outputs, IReadOnlyList<(string Name, Buffer Buffer)> updates, IReadOnlyList<IReadOnlyList<Dim>> slots)
    {
        Source = source; DType = type; Buffers = buffers; Kernels = kernels; Outputs = outputs; Updates = updates; Slots = slots;
    }

    /// <summary>The function this schedule computes.</summary>
    public Function Source { get; }
    /// <summary>The element type of every buffer.</summary>
    public DType DType { get; }
    /// <summary>Every buffer (inputs, parameters, constants, temporaries, views).</summary>
    public IReadOnlyList<Buffer> Buffers { get; }
    /// <summary>The kernels in execution order.</summary>
    public IReadOnlyList<Kernel> Kernels { get; }
    /// <summary>Named outputs and the buffers holding them after a run.</summary>
    public IReadOnlyList<(string Name, Buffer Buffer)> Outputs { get; }
    /// <summary>Updated parameters: each parameter's buffer holds its new value after a run.</summary>
    public IReadOnlyList<(string Name, Buffer Buffer)> Updates { get; }
    /// <summary>Memory slots of temporaries: each slot's capacity is the largest of the sizes listed.</summary>
    public IReadOnlyList<IReadOnlyList<Dim>> Slots { get; }

    /// <summary>The run-time inputs, in buffer order.</summary>
    public IEnumerable<Buffer> Inputs => Buffers.Where(b => b.Kind == BufferKind.Input && b.ViewOf is null);
    /// <summary>The parameters (and optimizer state), in buffer order.</summary>
    public IEnumerable<Buffer> Params => Buffers.Where(b => b.Kind == BufferKind.Param && b.ViewOf is null);

    /// <summary>Elements a slot must hold at a batch size.</summary>
    public long SlotCapacity(int slot, int batch) => Slots[slot].Max(d => d.Eval(batch));

    /// <summary>Bytes of all temporaries (outputs excluded) at a batch size: the peak, since slots live for the whole run.</summary>
    public long TempBytes(int batch) => Enumerable.Range(0, Slots.Count).Sum(s => SlotCapacity(s, batch)) * DType.SizeInBytes();

    /// <summary>Bytes the temporaries would need without slot reuse, for comparison.</summary>
    public long UnplannedTempBytes(int batch) =>
        Buffers.Where(b => b.Kind == BufferKind.Temp && b.ViewOf is null && !b.IsOutput).Sum(b => b.Size.Eval(batch)) * DType.SizeInBytes();

    /// <summary>A listing: buffers, then one kernel per line, then outputs and updates.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var b in Buffers) sb.AppendLine(b.ToString());
        foreach (var k in Kernels) sb.Append('k').Append(k.Id).Append(": ").AppendLine(k.ToString());
        sb.AppendLine("outputs: " + string.Join(", ", Outputs.Select(o => $"{o.Name} = {o.Buffer.Ref}")));
        if (Updates.Count > 0) sb.AppendLine("updates: " + string.Join(", ", Updates.Select(u => $"{u.Name} <- {u.Buffer.Ref}")));
        sb.AppendLine($"slots: {Slots.Count} ({string.Join("; ", Slots.Select(s => string.Join("|", s)))})");
        return sb.ToString();
    }
}
