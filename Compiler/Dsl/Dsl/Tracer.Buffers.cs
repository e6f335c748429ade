using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

// Buffer updates of a training trace (see Module.UpdateBuffer) and the dropout switch of training traces.
internal sealed partial class Tracer
{
    private readonly List<Named> _bufferUpdates = new();

    /// <summary>False when a training trace keeps dropout off (<see cref="TrainingSetup.Dropout"/> false): layers still train (BatchNorm uses batch statistics) but dropout is the identity.</summary>
    public bool Dropout { get; init; } = true;

    /// <summary>The new values of the buffers the trace updated (leaf name → value), in the order the layers set them.</summary>
    public IReadOnlyList<Named> BufferUpdates => _bufferUpdates;

    public void UpdateBuffer(Module m, Node buffer, Node value)
    {
        var entry = _paramNodes.FirstOrDefault(kv => ReferenceEquals(kv.Value, buffer));
        if (entry.Key is null || !entry.Key.IsBuffer || !ReferenceEquals(entry.Key.Owner, m))
            throw Error(m, $"UpdateBuffer takes a buffer node of this layer (from Buffer(...)), got {buffer.Describe()}");
        if (Mode != TraceMode.Train)
            throw Error(m, $"buffer {entry.Key.LocalName} can only be updated in a training trace (this one is {Mode})");
        if (!ReferenceEquals(value.Graph, Graph)) throw Error(m, $"the new value of buffer {entry.Key.LocalName} belongs to another graph");
        if (!value.Shape.Equals(buffer.Shape) || value.DType != buffer.DType)
            throw Error(m, $"the new value of buffer {entry.Key.LocalName} is {value.Describe()}, but the buffer is {buffer.Describe()}");
        if (_bufferUpdates.Any(u => u.Name == buffer.Name))
            throw Error(m, $"buffer {entry.Key.LocalName} is updated twice in one training step (is {m.Description} called twice?); " +
                "a module with running statistics can be called once per step");
        _bufferUpdates.Add(new Named(buffer.Name!, value));
    }
}
