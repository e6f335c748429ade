using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Lowering;

/// <summary>A trainable parameter's leaf and its gradient node, as an <see cref="Optimizer"/> receives them.</summary>
/// <param name="Name">The parameter's full name (<c>0.weight</c>); its optimizer state is named <c>{Name}.{slot}</c>.</param>
/// <param name="Param">The <see cref="Op.Param"/> leaf.</param>
/// <param name="Grad">∂loss/∂param, same shape as <paramref name="Param"/>.</param>
/// <param name="Role">Weight, bias or other (weight decay may skip biases).</param>
public sealed record ParameterGradient(string Name, Node Param, Node Grad, ParamRole Role = ParamRole.Other);

/// <summary>
/// One optimizer state tensor: a parameter of the training step (an <see cref="Op.Param"/> leaf updated by every step)
/// that starts at <see cref="Initial"/> (0 for every built-in optimizer except AdaGrad with an initial accumulator).
/// Per-parameter state is named <c>{parameter}.{slot}</c> (<c>0.weight.m</c>); the step counter of bias-corrected
/// optimizers is the scalar <c>optimizer.step</c> (<see cref="Optimizer.StepCounterName"/>).
/// </summary>
/// <param name="Name">The leaf's name (also its name in checkpoints).</param>
/// <param name="Shape">Its shape (the parameter's, or [] for the step counter).</param>
/// <param name="Slot">The slot: <c>m</c>, <c>v</c> or <c>step</c>.</param>
/// <param name="Parameter">The parameter it belongs to, or null for optimizer-wide state.</param>
/// <param name="Initial">Its initial value (every element).</param>
public sealed record OptimizerState(string Name, Shape Shape, string Slot, string? Parameter, double Initial = 0);

/// <summary>What <see cref="Optimizer.Apply"/> adds to a training step: the updates (parameters and state) and the state leaves.</summary>
/// <param name="Updates">Parameter name → new value, for every trainable parameter and every state tensor.</param>
/// <param name="State">The state tensors created, in creation order.</param>
public sealed record OptimizerGraph(IReadOnlyList<Named> Updates, IReadOnlyList<OptimizerState> State);

/// <summary>
/// The state of one parameter while an optimizer builds its update: <see cref="State"/> declares a state tensor (a
/// new parameter leaf <c>{param}.{slot}</c>) and <see cref="Update"/> gives its new value; <see cref="StepCount"/> is the
/// shared step counter k (after this step's increment, so 1 at the first step).
/// </summary>
public sealed class OptimizerSlots
{
    private readonly Optimizer.Context _ctx;

    internal OptimizerSlots(Optimizer.Context ctx, ParameterGradient p) { _ctx = ctx; Parameter = p; }

    /// <summary>The parameter being updated.</summary>
    public ParameterGradient Parameter { get; }
    /// <summary>The graph.</summary>
    public Graph Graph => _ctx.Graph;

    /// <summary>The state tensor <c>{param}.{slot}</c> (same shape as the parameter), starting at <paramref name="initial"/>.</summary>
    public Node State(string slot, double initial = 0) =>
        _ctx.NewState(Parameter.Name + "." + slot, Parameter.Param.Shape, slot, Parameter.Name, initial);

    /// <summary>Sets the new value of a state tensor made by <see cref="State"/>.</summary>
    public void Update(Node state, Node value) => _ctx.Updates.Add(new Named(state.Name!, value));

    /// <summary>The step number k of this step (1 at the first): the scalar state <c>optimizer.step</c> plus one.</summary>
    public Node StepCount()
    {
        if (_ctx.StepNext is null)
        {
            var t = _ctx.NewState(Optimizer.StepCounterName, Shape.Scalar, "step", null, 0);
            _ctx.StepNext = t + 1.0;
            _ctx.Updates.Add(new Named(t.Name!, _ctx.StepNext));
        }
        return _ctx.StepNext;
    }
}
