using System;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

// Module state (buffers): tensors a layer reads and whose new value the training step computes, such as BatchNorm's
// running statistics. See Parameter.IsBuffer.
public abstract partial class Module
{
    /// <summary>
    /// Declares (the first time) and returns the buffer <paramref name="name"/> of this module as an IR node: module state
    /// that is not trained (PyTorch's <c>register_buffer</c>, e.g. BatchNorm's <c>running_mean</c>). It starts at
    /// <paramref name="initial"/> (every element), is named like a parameter (<c>PATH.name</c>), is saved in checkpoints
    /// under that name, and gets no gradient and no optimizer update. Its new value in a training step is set with
    /// <see cref="UpdateBuffer"/>. Call it inside Forward; a later trace that asks for another shape is an error naming
    /// the layer and both shapes.
    /// </summary>
    protected Node Buffer(string name, Shape shape, double initial = 0)
    {
        var tracer = Tracer.CurrentFor(this, $"buffer {name}");
        var p = _params.FirstOrDefault(q => q.LocalName == name);
        if (p is null)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('.'))
                throw tracer.Error(this, $"a buffer name must be non-empty and contain no '.', got \"{name}\"");
            if (shape.HasBatch) throw tracer.Error(this, $"buffer {name} cannot have the batch dimension (shape {shape})");
            tracer.CheckSize(this, name, shape);
            p = new Parameter(this, name, shape, ParamRole.Other, Fans.Of(shape.Dims), Initializer.Constant(initial), trainable: false, isBuffer: true);
            _params.Add(p);
            tracer.Initialize(p);
        }
        else if (!p.IsBuffer)
            throw tracer.Error(this, $"{name} is a parameter of this layer, not a buffer");
        else if (!p.Shape.Equals(shape))
            throw tracer.Error(this, $"buffer {name} has shape {p.Shape} from an earlier trace, but this input needs {shape}");
        return tracer.ParamNode(this, p);
    }

    /// <summary>
    /// Sets the value <paramref name="buffer"/> (a node returned by <see cref="Buffer"/> of this module) takes after the
    /// training step: the compiled <c>TrainStep</c> writes it in place, beside the optimizer's updates. Only in a
    /// <see cref="TraceMode.Train"/> trace, at most once per buffer and trace (a module that updates its state cannot be
    /// called twice in one step), with the buffer's shape. Evaluation traces never change buffers.
    /// </summary>
    protected void UpdateBuffer(Node buffer, Node value) =>
        Tracer.CurrentFor(this, "a buffer update").UpdateBuffer(this, buffer, value);

    /// <summary>True when dropout drops units in this trace: a training trace with dropout on (see <see cref="TrainingSetup.Dropout"/>).</summary>
    internal bool DropoutActive
    {
        get
        {
            var t = Tracer.CurrentFor(this, "the trace mode");
            return t.Mode == TraceMode.Train && t.Dropout;
        }
    }
}
