using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Rewrites.Schedule;

/// <summary>Which run-time storage a buffer of a compiled method lives in.</summary>
public enum StorageKind
{
    /// <summary>One of the caller's input arrays (index: position in the method's input order).</summary>
    Input,
    /// <summary>One of the caller's output arrays (index: position in <see cref="Schedule.Outputs"/>).</summary>
    Output,
    /// <summary>A model parameter (index: position in <see cref="ModelPlan.Parameters"/>, or among the schedule's
    /// parameters when the layout has no plan).</summary>
    Parameter,
    /// <summary>A memory-plan slot shared by temporaries whose lifetimes do not overlap (index: the slot).</summary>
    Slot,
    /// <summary>A constant array the compiled model owns (index: position among the method's constants, in buffer order).</summary>
    Constant,
}

/// <summary>Where one storage lives: a kind and an index into the method's list of that kind.</summary>
public readonly struct StorageLocation : IEquatable<StorageLocation>
{
    /// <summary>Creates a location.</summary>
    public StorageLocation(StorageKind kind, int index) { Kind = kind; Index = index; }
    /// <summary>The kind of storage.</summary>
    public StorageKind Kind { get; }
    /// <summary>The index into the method's list of that kind.</summary>
    public int Index { get; }
    /// <inheritdoc/>
    public bool Equals(StorageLocation other) => Kind == other.Kind && Index == other.Index;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is StorageLocation l && Equals(l);
    /// <inheritdoc/>
    public override int GetHashCode() => (int)Kind * 397 ^ Index;
    /// <summary>Same kind and index.</summary>
    public static bool operator ==(StorageLocation a, StorageLocation b) => a.Equals(b);
    /// <summary>Different kind or index.</summary>
    public static bool operator !=(StorageLocation a, StorageLocation b) => !a.Equals(b);
    /// <summary><c>slot 2</c>, <c>input 0</c>.</summary>
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} {Index}";
}

/// <summary>
/// Where every storage buffer of one schedule lives at run time: the method's inputs (in its input order), its outputs,
/// the model's parameters, the memory-plan slots, and its constants. Computed once per method; both emitters bind
/// buffers to arrays from it, and the scheduler's post-passes ask it whether two buffers share storage.
/// </summary>
public sealed class StorageLayout
{
    private readonly Dictionary<Buffer, StorageLocation> _location = new();

    /// <summary>
    /// Lays out <paramref name="schedule"/>. Inputs come in <paramref name="inputOrder"/> (names not listed follow in
    /// schedule order; unknown names are ignored); parameters are indexed in <paramref name="plan"/>'s parameter list
    /// when given, else among the schedule's own parameters.
    /// </summary>
    /// <exception cref="InvalidOperationException">A parameter is missing from the plan, or a temporary has no slot.</exception>
    public StorageLayout(Schedule schedule, IReadOnlyList<string>? inputOrder = null, ModelPlan? plan = null)
    {
        Schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        var order = inputOrder ?? Array.Empty<string>();
        Inputs = schedule.Inputs.Select((b, i) => (b, i)).OrderBy(x => Rank(order, x.b.Name!)).ThenBy(x => x.i).Select(x => x.b).ToArray();
        for (int i = 0; i < Inputs.Count; i++) _location[Inputs[i]] = new StorageLocation(StorageKind.Input, i);
        Outputs = schedule.Outputs.Select(o => o.Buffer.Storage).ToArray();
        for (int i = 0; i < Outputs.Count; i++) _location[Outputs[i]] = new StorageLocation(StorageKind.Output, i);
        Parameters = schedule.Params.ToArray();
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            int index = plan is null ? i : plan.ParameterIndex(p.Name!);
            if (index < 0) throw new InvalidOperationException($"Parameter \"{p.Name}\" of the schedule is not in model \"{plan!.Name}\"'s parameter list.");
            _location[p] = new StorageLocation(StorageKind.Parameter, index);
        }
        Constants = schedule.Buffers.Where(b => b.ViewOf is null && b.Kind == BufferKind.Const).ToArray();
        for (int i = 0; i < Constants.Count; i++) _location[Constants[i]] = new StorageLocation(StorageKind.Constant, i);
        foreach (var b in schedule.Buffers.Where(b => b.ViewOf is null && b.Kind == BufferKind.Temp && !b.IsOutput))
        {
            if (b.Slot < 0) throw new InvalidOperationException($"Temporary {b} has no memory slot.");
            _location[b] = new StorageLocation(StorageKind.Slot, b.Slot);
        }
    }

    /// <summary>The layout of method <paramref name="method"/> of <paramref name="plan"/> (parameters indexed in the plan).</summary>
    public static StorageLayout Of(ModelPlan plan, int method, IReadOnlyList<string>? inputOrder = null) =>
        new((plan ?? throw new ArgumentNullException(nameof(plan))).Methods[method].Schedule, inputOrder, plan);

    /// <summary>The schedule laid out.</summary>
    public Schedule Schedule { get; }
    /// <summary>The input buffers in the method's input order (<see cref="StorageKind.Input"/> index i is the i-th).</summary>
    public IReadOnlyList<Buffer> Inputs { get; }
    /// <summary>The output buffers in <see cref="Schedule.Outputs"/> order.</summary>
    public IReadOnlyList<Buffer> Outputs { get; }
    /// <summary>The parameter buffers in schedule order (their <see cref="StorageKind.Parameter"/> index comes from <see cref="Locate"/>).</summary>
    public IReadOnlyList<Buffer> Parameters { get; }
    /// <summary>The constant buffers in schedule order (<see cref="StorageKind.Constant"/> index i is the i-th).</summary>
    public IReadOnlyList<Buffer> Constants { get; }
    /// <summary>The number of memory slots.</summary>
    public int SlotCount => Schedule.Slots.Count;

    /// <summary>Where <paramref name="b"/>'s storage lives (a view lives where the buffer it views does).</summary>
    /// <exception cref="ArgumentException">The buffer does not belong to this layout's schedule.</exception>
    public StorageLocation Locate(Buffer b)
    {
        if (b is null) throw new ArgumentNullException(nameof(b));
        return _location.TryGetValue(b.Storage, out var l) ? l
            : throw new ArgumentException($"Buffer {b} is not a buffer of this schedule.", nameof(b));
    }

    /// <summary>
    /// True when writing one of the buffers can change what the other holds: the same storage buffer (a view and what it
    /// views included), or two temporaries in the same memory slot.
    /// </summary>
    public bool SharesStorage(Buffer a, Buffer b) => Locate(a) == Locate(b);

    private static int Rank(IReadOnlyList<string> order, string name)
    {
        for (int i = 0; i < order.Count; i++) if (order[i] == name) return i;
        return int.MaxValue;
    }
}
