using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Checkpoints;

/// <summary>The contents of a safetensors file: its tensors (in file order of their data) and its string metadata.</summary>
public sealed class SafeTensorsFile
{
    private readonly List<SafeTensor> _tensors;
    private readonly Dictionary<string, SafeTensor> _byName;

    /// <summary>Where the contents came from (the path, or the source name given to <see cref="SafeTensors.Parse"/>).</summary>
    public string Source { get; }

    /// <summary>The tensors, in the order of their data in the file.</summary>
    public IReadOnlyList<SafeTensor> Tensors => _tensors;

    /// <summary>The "__metadata__" entries (empty if the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor names, in the order of their data in the file.</summary>
    public IEnumerable<string> Names => _tensors.Select(t => t.Name);

    internal SafeTensorsFile(string source, List<SafeTensor> tensors, Dictionary<string, string> metadata)
    {
        Source = source;
        _tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Metadata = metadata;
    }

    /// <summary>Whether the file has a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGet(string name, out SafeTensor? tensor) => _byName.TryGetValue(name, out tensor);

    /// <summary>The tensor called <paramref name="name"/>; a <see cref="CheckpointException"/> naming the file and the tensor if there is none.</summary>
    public SafeTensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t
        : throw new CheckpointException($"{Source}: no tensor '{name}' (the file has {_tensors.Count}: {Preview()}).", Source, name);

    /// <summary>The metadata value of <paramref name="key"/>, or null.</summary>
    public string? MetadataValue(string key) => Metadata.TryGetValue(key, out var v) ? v : null;

    private string Preview()
    {
        var names = _tensors.Select(t => t.Name).ToList();
        return names.Count <= 8 ? string.Join(", ", names) : string.Join(", ", names.Take(6)) + $", … ({names.Count - 6} more)";
    }
}
