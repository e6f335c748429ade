using System;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;

namespace Nabla.Backends.Expressions;

/// <summary>
/// Where each buffer of each method lives at run time (one <see cref="StorageLayout"/> per method, from the lowered
/// layer), and the <see cref="ModelSpec"/> that <see cref="CompiledModel{T}"/> validates calls against: inputs and outputs
/// in the method's order, parameters in the plan's order, temporaries in their memory-plan slots, constants in arrays
/// the model owns.
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

/// <summary>
/// One method of the model: its <see cref="StorageLayout"/> (where each buffer lives, from the lowered layer), its spec
/// (inputs in the layout's order), and its constants as arrays of the element type.
/// </summary>
internal sealed class MethodLayout
{
    public MethodLayout(ModelPlan plan, string name, Schedule schedule)
    {
        Name = name;
        Schedule = schedule;
        Storage = new StorageLayout(schedule, null, plan);
        var slots = schedule.Slots.Select(s => new SlotSpec(s.Select(d => d.Factor).ToArray(), s.Select(d => d.Power).ToArray())).ToArray();
        Spec = new MethodSpec(name,
            Storage.Inputs.Select(b => new TensorSpec(b.Name!, b.Shape.ToArray(), schedule.HoldsIntegers(b.Name!))).ToArray(),
            schedule.Outputs.Select(o => new TensorSpec(o.Name, o.Buffer.Shape.ToArray(), schedule.HoldsIntegers(o.Name))).ToArray(),
            schedule.Updates.Select(u => u.Name).ToArray(),
            slots);
    }

    /// <summary>The method's name.</summary>
    public string Name { get; }
    /// <summary>Its schedule.</summary>
    public Schedule Schedule { get; }
    /// <summary>Where each buffer's storage lives: which argument array of the compiled method (by kind), and the index into it.</summary>
    public StorageLayout Storage { get; }
    /// <summary>Its spec.</summary>
    public MethodSpec Spec { get; }

    /// <summary>The values of the constant arrays (in <see cref="StorageLayout.Constants"/> order), converted to the element type.</summary>
    public T[][] ConstantArrays<T>() where T : unmanaged =>
        Storage.Constants.Select(b => typeof(T) == typeof(float)
            ? (T[])(object)Array.ConvertAll(b.Data!, v => (float)v)
            : (T[])(object)(double[])b.Data!.Clone()).ToArray();
}
