using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Buffer = Nabla.Rewrites.Schedule.Buffer;

namespace Nabla.Backends.Expressions;

/// <summary>
/// Where each buffer of each method lives at run time, and the <see cref="ModelSpec"/> that
/// <see cref="CompiledModel{T}"/> validates calls against: inputs and outputs in the method's order, parameters in the
/// plan's order, temporaries in their memory-plan slots, constants in arrays the model owns.
/// </summary>
internal sealed class ModelLayout
{
    public ModelLayout(ModelPlan plan)
    {
        Plan = plan;
        Methods = plan.Methods.Select(m => new MethodLayout(plan, m.Method, m.Schedule)).ToArray();
        var parameters = plan.Parameters.Select(p => new TensorSpec(p.Name, p.Shape.ToArray())).ToArray();
        Spec = new ModelSpec(plan.Name, plan.DType.ShortName(), parameters, Methods.Select(m => m.Spec).ToArray());
    }

    /// <summary>The plan laid out.</summary>
    public ModelPlan Plan { get; }
    /// <summary>One layout per method, in method order.</summary>
    public MethodLayout[] Methods { get; }
    /// <summary>The compiled model's spec.</summary>
    public ModelSpec Spec { get; }
}

/// <summary>Where the storage of every buffer of one method comes from.</summary>
internal sealed class MethodLayout
{
    private readonly Dictionary<Buffer, int> _inputs = new(), _outputs = new(), _consts = new();
    private readonly ModelPlan _plan;

    public MethodLayout(ModelPlan plan, string name, Schedule schedule)
    {
        _plan = plan;
        Name = name;
        Schedule = schedule;
        var inputs = schedule.Inputs.ToArray();
        for (int i = 0; i < inputs.Length; i++) _inputs[inputs[i]] = i;
        for (int i = 0; i < schedule.Outputs.Count; i++) _outputs[schedule.Outputs[i].Buffer.Storage] = i;
        foreach (var b in schedule.Buffers.Where(b => b.Kind == BufferKind.Const && b.ViewOf is null))
        {
            _consts[b] = Constants.Count;
            Constants.Add(b);
        }
        var slots = schedule.Slots.Select(s => new SlotSpec(s.Select(d => d.Factor).ToArray(), s.Select(d => d.Power).ToArray())).ToArray();
        Spec = new MethodSpec(name,
            inputs.Select(b => new TensorSpec(b.Name!, b.Shape.ToArray())).ToArray(),
            schedule.Outputs.Select(o => new TensorSpec(o.Name, o.Buffer.Shape.ToArray())).ToArray(),
            schedule.Updates.Select(u => u.Name).ToArray(),
            slots);
    }

    /// <summary>The method's name.</summary>
    public string Name { get; }
    /// <summary>Its schedule.</summary>
    public Schedule Schedule { get; }
    /// <summary>Its spec.</summary>
    public MethodSpec Spec { get; }
    /// <summary>The constant buffers, in the order of the model's constant arrays for this method.</summary>
    public List<Buffer> Constants { get; } = new();

    /// <summary>Where a storage buffer lives: which argument array of the compiled method, and the index into it.</summary>
    public (Source Source, int Index) Locate(Buffer b)
    {
        var s = b.Storage;
        switch (s.Kind)
        {
            case BufferKind.Input: return (Source.Inputs, _inputs[s]);
            case BufferKind.Param:
                int p = _plan.ParameterIndex(s.Name!);
                if (p < 0) throw new InvalidOperationException($"{Name}: parameter \"{s.Name}\" is not in the model's parameter list.");
                return (Source.Parameters, p);
            case BufferKind.Const: return (Source.Constants, _consts[s]);
            default:
                if (s.IsOutput) return (Source.Outputs, _outputs[s]);
                if (s.Slot < 0) throw new InvalidOperationException($"{Name}: temporary {s} has no memory slot.");
                return (Source.Slots, s.Slot);
        }
    }

    /// <summary>The values of the constant arrays, converted to the element type.</summary>
    public T[][] ConstantArrays<T>() where T : unmanaged =>
        Constants.Select(b => typeof(T) == typeof(float)
            ? (T[])(object)Array.ConvertAll(b.Data!, v => (float)v)
            : (T[])(object)(double[])b.Data!.Clone()).ToArray();
}

/// <summary>The argument arrays of a compiled method.</summary>
internal enum Source
{
    /// <summary>The caller's inputs.</summary>
    Inputs,
    /// <summary>The caller's outputs.</summary>
    Outputs,
    /// <summary>The model's parameters.</summary>
    Parameters,
    /// <summary>The method's memory slots.</summary>
    Slots,
    /// <summary>The method's constants.</summary>
    Constants,
}
