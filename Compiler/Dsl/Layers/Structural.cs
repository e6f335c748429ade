using System;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

/// <summary>Flattens every axis after the first (the batch): [B, C, L] → [B, C·L], as PyTorch's <c>nn.Flatten()</c>.</summary>
public sealed class Flatten : Module
{
    /// <summary>Creates a flatten layer.</summary>
    public Flatten() : base("Flatten") { }

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        if (s.Rank < 1) throw LayerError($"expects an input with a batch axis, got a scalar {s}");
        if (s.Rank <= 2) return x;
        long per = PerExample(s, this);
        if (per > int.MaxValue) throw LayerError($"an example of shape {s} has {per.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} values, more than one axis holds ({int.MaxValue.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)})");
        return F.Reshape(x, Shape.Of(s[0], (int)per));
    }

    /// <summary>The number of values per example (axes after the first), which must all be static.</summary>
    internal static long PerExample(Shape s, Module layer)
    {
        long per = 1;
        for (int i = 1; i < s.Rank; i++)
        {
            if (s[i] == Shape.Batch)
                throw layer.LayerError($"only the first axis may be the batch axis, got {s}");
            per = s[i] == 0 || per <= long.MaxValue / s[i] ? per * s[i] : throw layer.LayerError($"an example of shape {s} has more than {long.MaxValue.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} values");
        }
        return per;
    }
}

/// <summary>Reshapes each example, keeping the first (batch) axis: <c>Reshape(1, 40)</c> turns [B, 40] into [B, 1, 40].</summary>
public sealed class Reshape : Module
{
    private readonly int[] _dims;

    /// <summary>Creates a reshape to [B, <paramref name="dims"/>…].</summary>
    public Reshape(params int[] dims) : base("Reshape")
    {
        _dims = (int[])(dims ?? throw new ArgumentNullException(nameof(dims))).Clone();
        if (_dims.Length == 0 || _dims.Any(d => d <= 0)) throw LayerError($"every target size must be positive, got [{string.Join(",", _dims)}]");
    }

    /// <inheritdoc/>
    public override string Description => $"Reshape [{string.Join(",", _dims)}]";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        if (s.Rank < 1) throw LayerError($"expects an input with a batch axis, got a scalar {s}");
        var target = Shape.Of(new[] { s[0] }.Concat(_dims).ToArray());
        long per = Flatten.PerExample(s, this);
        if (per != _dims.Aggregate(1L, (a, b) => a * b))
            throw LayerError($"cannot reshape {s} to {target}: each example has {per} values, the target needs {_dims.Aggregate(1L, (a, b) => a * b)}");
        return F.Reshape(x, target);
    }
}

/// <summary>
/// Dropout with drop probability p. In <see cref="TraceMode.Eval"/> it is the identity. In <see cref="TraceMode.Train"/>
/// it computes <c>x · m / (1−p)</c> where <c>m</c> is a new 0/1 input (the keep-mask) of x's shape named <c>PATH.mask</c>;
/// the training loop feeds a fresh seeded mask each step (see <see cref="Nabla.Lowering.DropoutMask"/> and <see cref="Nabla.Lowering.TracedNetwork.Masks"/>).
/// </summary>
public sealed class Dropout : Module
{
    /// <summary>Creates dropout with probability <paramref name="p"/> ∈ [0, 1) of dropping each unit.</summary>
    public Dropout(double p = 0.5) : base("Dropout")
    {
        P = p;
        if (!(p >= 0 && p < 1)) throw LayerError($"the drop probability must be in [0, 1), got {p}");
    }

    /// <summary>The drop probability.</summary>
    public double P { get; }

    /// <inheritdoc/>
    public override string Description => $"Dropout({P.ToString(System.Globalization.CultureInfo.InvariantCulture)})";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        if (P == 0 || !DropoutActive) return x;
        var mask = MaskInput(x.Shape, P);
        return x * mask * (1.0 / (1.0 - P));
    }
}

/// <summary>
/// A residual (skip) connection around a module: <c>y = x + f(x)</c>; f's output must have x's shape. The wrapped
/// module is the child <c>fn</c> (its parameters are named <c>PATH.fn.…</c>). For other skip patterns write the
/// sum yourself in a module's Forward (<see cref="Module.Lambda"/>).
/// </summary>
public sealed class Residual : Module
{
    private readonly Module _fn;

    /// <summary>Wraps <paramref name="fn"/> in a skip connection.</summary>
    public Residual(Module fn) : base("Residual")
    {
        _fn = Add("fn", fn ?? throw new ArgumentNullException(nameof(fn)));
        if (fn.InputCount != 1 || fn.OutputCount != 1) throw LayerError($"the wrapped {fn.Description} must take one input and return one output");
    }

    /// <inheritdoc/>
    public override string Description => $"Residual({_fn.Description})";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var fx = _fn.Call(x);
        if (!fx.Shape.Equals(x.Shape)) throw LayerError($"the skip connection adds the input {x.Shape} to the output of {_fn.Description}, which is {fx.Shape}; they must match");
        return x + fx;
    }
}
