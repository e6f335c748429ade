using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// A composition of modules applied in order, <c>x ↦ fₙ(…f₂(f₁(x)))</c> — the deep network of the lectures.
/// As in PyTorch's <c>nn.Sequential</c>, every module is a child named by its index, activations included:
/// <c>Sequential(Dense(40,100), ReLU(), Dense(100,10))</c> has <c>0.weight</c> [100,40], <c>0.bias</c>,
/// <c>2.weight</c> [10,100] and <c>2.bias</c>. Nested sequentials give dotted names (<c>1.0.weight</c>).
/// </summary>
public sealed class Sequential : Module
{
    private readonly Module[] _layers;

    /// <summary>The modules in order, named 0, 1, 2, ….</summary>
    public Sequential(params Module[] layers) : this(layers?.Select((m, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), m)).ToArray()!) { }

    /// <summary>Named modules in order (PyTorch's <c>Sequential(OrderedDict(...))</c>).</summary>
    public Sequential(params (string Name, Module Module)[] layers) : base("Sequential")
    {
        if (layers is null) throw new ArgumentNullException(nameof(layers));
        for (int i = 0; i < layers.Length; i++)
        {
            var (name, m) = layers[i];
            if (m is null) throw new LayerException(name, "?", $"layer {name} of the Sequential is null.");
            if (m.InputCount != 1 || m.OutputCount != 1)
                throw new LayerException(name, m.Description, $"layer {name} ({m.Description}) has {m.InputCount} input(s) and {m.OutputCount} output(s); a Sequential chains one-input, one-output modules.");
            Add(name, m);
        }
        _layers = layers.Select(l => l.Module).ToArray();
    }

    /// <summary>The modules in order.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <inheritdoc/>
    public override string Description => $"Sequential[{_layers.Length}]";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        foreach (var layer in _layers) x = layer.Call(x);
        return x;
    }
}
