using System;
using Nabla.Ir;

namespace Nabla;

/// <summary>What a parameter is for; the default initializer and the L2 regularizer read it.</summary>
public enum ParamRole
{
    /// <summary>A weight matrix or kernel Ω (regularized by default, initialized by the scheme's weight initializer).</summary>
    Weight,
    /// <summary>A bias β (not regularized by default).</summary>
    Bias,
    /// <summary>Anything else a custom module declares.</summary>
    Other,
}

/// <summary>
/// One learnable tensor: its owner module and local name (e.g. <c>weight</c>), static shape, float32 values
/// (row-major, PyTorch layout — a Dense weight is [out, in]) and trainable flag. Values live here, in the module,
/// so the same module used in two networks (composition) shares its values; a <see cref="ParameterStore"/> is a
/// named view of them. A parameter is created ("materialized") the first time its module is traced.
/// </summary>
public sealed class Parameter
{
    internal Parameter(Module owner, string localName, Shape shape, ParamRole role, Fans fans, Initializer? initializer, bool trainable, bool isBuffer = false)
    {
        Owner = owner; LocalName = localName; Shape = shape; Role = role; Fans = fans; Initializer = initializer; IsBuffer = isBuffer;
        _trainable = trainable && !isBuffer;
        Data = new float[shape.CheckedStaticSize($"{owner.Description}: {localName}")];
    }

    private bool _trainable;

    /// <summary>The module that declared the parameter.</summary>
    public Module Owner { get; }
    /// <summary>The name inside its module, e.g. <c>weight</c>; the full name adds the module's path (<c>2.weight</c>).</summary>
    public string LocalName { get; }
    /// <summary>The static shape (never contains the batch dimension).</summary>
    public Shape Shape { get; }
    /// <summary>Weight, bias or other.</summary>
    public ParamRole Role { get; }
    /// <summary>The fans its initializer uses.</summary>
    public Fans Fans { get; }
    /// <summary>The initializer the layer asked for, or null to use the model's <see cref="InitScheme"/>.</summary>
    public Initializer? Initializer { get; }
    /// <summary>The values, row-major float32. Read and written in place by compiled models, optimizers and checkpoints.</summary>
    public float[] Data { get; }
    /// <summary>Number of scalars.</summary>
    public int Size => Data.Length;
    /// <summary>False for a frozen parameter: it gets no gradient and no update (transfer learning). Always false for a buffer.</summary>
    /// <exception cref="InvalidOperationException">Set to true on a buffer (<see cref="IsBuffer"/>).</exception>
    public bool Trainable
    {
        get => _trainable;
        set
        {
            if (value && IsBuffer)
                throw new InvalidOperationException($"{LocalName} of {Owner.Description} is a buffer (module state such as a running mean), not a trainable parameter: it has no gradient and only its layer's training step updates it.");
            _trainable = value;
        }
    }

    /// <summary>
    /// True for a buffer: module state (PyTorch's <c>register_buffer</c>, e.g. BatchNorm's <c>running_mean</c>) that a
    /// layer reads and whose new value the training step computes (<see cref="Module.Buffer"/>,
    /// <see cref="Module.UpdateBuffer"/>). A buffer is never trainable: the optimizer gives it no gradient, no update and no
    /// weight decay. It is saved in checkpoints under its full name like a parameter, and is not counted in
    /// <see cref="Model.ParameterCount"/>.
    /// </summary>
    public bool IsBuffer { get; }

    /// <summary>Redraws the values with <paramref name="init"/> from <paramref name="rng"/>.</summary>
    public void Initialize(Initializer init, Rng rng) => init.Fill(Data, Fans, rng);

    /// <summary>Copies <paramref name="values"/> in; the length must equal <see cref="Size"/>.</summary>
    public void Load(float[] values)
    {
        if (values is null) throw new ArgumentNullException(nameof(values));
        if (values.Length != Data.Length)
            throw new ArgumentException($"Parameter {LocalName} of {Owner.Description} has shape {Shape} ({Data.Length} values); got {values.Length} values.");
        Array.Copy(values, Data, Data.Length);
    }

    /// <summary>The values as a float64 interpreter tensor (a copy).</summary>
    public Tensor ToTensor()
    {
        var d = new double[Data.Length];
        for (int i = 0; i < d.Length; i++) d[i] = Data[i];
        return new Tensor(Shape.ToArray(), d);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{LocalName} {Shape}{(IsBuffer ? " (buffer)" : Trainable ? "" : " (frozen)")}";
}
