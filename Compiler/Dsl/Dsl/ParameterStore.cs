using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

/// <summary>A parameter with its full dotted name (PyTorch state-dict style: <c>0.weight</c>, <c>features.2.bias</c>).</summary>
/// <param name="Name">The full name.</param>
/// <param name="Parameter">The parameter (values, shape, trainable flag).</param>
public sealed record NamedParameter(string Name, Parameter Parameter);

/// <summary>
/// The parameters of a network by full name, in PyTorch <c>state_dict</c> order (each module's own parameters,
/// then its children's, depth first in registration order). This is what compiled models, optimizers and
/// checkpoints (safetensors) read and write: names, shapes ([out, in] for weights), float32 values and the
/// trainable flag. The values are the modules' own arrays, so writes here are seen by every trace.
/// </summary>
public sealed class ParameterStore
{
    private readonly List<NamedParameter> _entries;
    private readonly Dictionary<string, NamedParameter> _byName;

    internal ParameterStore(IEnumerable<NamedParameter> entries)
    {
        _entries = entries.ToList();
        _byName = new Dictionary<string, NamedParameter>(StringComparer.Ordinal);
        foreach (var e in _entries) _byName.Add(e.Name, e);
    }

    /// <summary>Every parameter, in state-dict order.</summary>
    public IReadOnlyList<NamedParameter> Entries => _entries;
    /// <summary>The full names, in state-dict order.</summary>
    public IEnumerable<string> Names => _entries.Select(e => e.Name);
    /// <summary>Number of tensors.</summary>
    public int Count => _entries.Count;
    /// <summary>Number of scalars in all parameters (buffers excluded, as PyTorch's <c>parameters()</c>).</summary>
    public long TotalSize => _entries.Where(e => !e.Parameter.IsBuffer).Sum(e => (long)e.Parameter.Size);
    /// <summary>Number of scalars in trainable parameters.</summary>
    public long TrainableSize => _entries.Where(e => e.Parameter.Trainable).Sum(e => (long)e.Parameter.Size);
    /// <summary>The trainable parameters.</summary>
    public IEnumerable<NamedParameter> Trainable => _entries.Where(e => e.Parameter.Trainable);
    /// <summary>The frozen parameters (buffers excluded).</summary>
    public IEnumerable<NamedParameter> Frozen => _entries.Where(e => !e.Parameter.Trainable && !e.Parameter.IsBuffer);
    /// <summary>The buffers (module state such as BatchNorm's running statistics; see <see cref="Parameter.IsBuffer"/>).</summary>
    public IEnumerable<NamedParameter> Buffers => _entries.Where(e => e.Parameter.IsBuffer);

    /// <summary>True when a parameter of that name exists.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The parameter called <paramref name="name"/>; the error lists the known names.</summary>
    public Parameter this[string name] =>
        _byName.TryGetValue(name, out var e) ? e.Parameter
        : throw new KeyNotFoundException($"No parameter \"{name}\"; the model has: {string.Join(", ", Names)}.");

    /// <summary>Looks a parameter up by name.</summary>
    public bool TryGet(string name, out Parameter? parameter)
    {
        parameter = _byName.TryGetValue(name, out var e) ? e.Parameter : null;
        return parameter is not null;
    }

    /// <summary>
    /// Writes values for <paramref name="name"/> after checking that <paramref name="shape"/> is the parameter's
    /// shape (the check a checkpoint loader needs); the error names the parameter and both shapes.
    /// </summary>
    public void Set(string name, IReadOnlyList<int> shape, float[] values)
    {
        var p = this[name];
        if (!p.Shape.Dims.SequenceEqual(shape))
            throw new ArgumentException($"Parameter \"{name}\" has shape {p.Shape}, but the values given have shape [{string.Join(",", shape)}].");
        p.Load(values);
    }

    /// <summary>Sets the trainable flag of every parameter whose name equals <paramref name="nameOrPrefix"/> or starts with it followed by a dot (buffers, never trainable, are skipped).</summary>
    /// <returns>How many parameters changed.</returns>
    public int SetTrainable(string nameOrPrefix, bool trainable)
    {
        int n = 0;
        foreach (var e in _entries)
            if (!e.Parameter.IsBuffer && (e.Name == nameOrPrefix || e.Name.StartsWith(nameOrPrefix + ".", StringComparison.Ordinal))) { e.Parameter.Trainable = trainable; n++; }
        if (n == 0) throw new KeyNotFoundException($"No parameter is called \"{nameOrPrefix}\" or starts with \"{nameOrPrefix}.\"; the model has: {string.Join(", ", Names)}.");
        return n;
    }

    /// <summary>Float64 copies of every parameter, keyed by full name: the bindings the reference interpreter takes.</summary>
    public Dictionary<string, Tensor> ToTensors() => _entries.ToDictionary(e => e.Name, e => e.Parameter.ToTensor());

    /// <summary>A deep copy of every value (e.g. to restore the best weights later).</summary>
    public Dictionary<string, float[]> Snapshot() => _entries.ToDictionary(e => e.Name, e => (float[])e.Parameter.Data.Clone());

    /// <summary>Writes back values taken by <see cref="Snapshot"/>.</summary>
    public void Restore(IReadOnlyDictionary<string, float[]> snapshot)
    {
        foreach (var kv in snapshot) this[kv.Key].Load(kv.Value);
    }
}
