using System;

namespace Nabla;

/// <summary>
/// A network was built or traced with bad input. The message starts with the layer — its path in the network
/// and description, e.g. <c>layer 2 (Dense 100→10)</c> — and names the shapes that disagree.
/// </summary>
public sealed class LayerException : ArgumentException
{
    /// <summary>Creates the exception for the layer at <paramref name="layerPath"/>.</summary>
    public LayerException(string layerPath, string layerDescription, string message, Exception? inner = null)
        : base(message, inner)
    {
        LayerPath = layerPath; LayerDescription = layerDescription;
    }

    /// <summary>The layer's path in the network (<c>2</c>, <c>features.0</c>; empty for the whole network or an untraced layer).</summary>
    public string LayerPath { get; }
    /// <summary>The layer's description, e.g. <c>Dense 100→10</c>.</summary>
    public string LayerDescription { get; }

    /// <summary>How errors refer to a layer: <c>layer 2 (Dense 100→10)</c>, or <c>network (Sequential)</c> for the root.</summary>
    public static string Where(string? path, string description) =>
        path is null ? description : path.Length == 0 ? $"network ({description})" : $"layer {path} ({description})";
}
