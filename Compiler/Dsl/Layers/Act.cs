using System;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// Activation functions as IR arithmetic, for writing <c>a[β + Ω·x]</c> directly (<c>Act.Relu(fc1[x])</c>), and
/// <see cref="FromName"/>, the activation layer called by a name. Each is built from stable primitives, so its
/// gradient comes from the IR's rules; the module forms (<see cref="ReLU"/>, …) call these.
/// </summary>
public static class Act
{
    /// <summary>√(2/π), the constant of the tanh approximation of GELU.</summary>
    public const double GeluC = 0.79788456080286535588;

    /// <summary>a(x) = x.</summary>
    public static Node Identity(Node x) => x;
    /// <summary>ReLU: max(x, 0).</summary>
    public static Node Relu(Node x) => F.Relu(x);
    /// <summary>Leaky ReLU: x for x &gt; 0, αx otherwise; computed as relu(x) − α·relu(−x) (valid for any α).</summary>
    public static Node LeakyRelu(Node x, double alpha = 0.01) => F.Relu(x) - alpha * F.Relu(-x);
    /// <summary>Logistic sigmoid 1/(1+e⁻ˣ).</summary>
    public static Node Sigmoid(Node x) => F.Sigmoid(x);
    /// <summary>tanh x.</summary>
    public static Node Tanh(Node x) => F.Tanh(x);
    /// <summary>Softplus log(1+eˣ) (stable op).</summary>
    public static Node Softplus(Node x) => F.Softplus(x);
    /// <summary>ELU: x for x &gt; 0, α(eˣ−1) otherwise; computed as relu(x) + α(e^min(x,0) − 1), so eˣ never overflows.</summary>
    public static Node Elu(Node x, double alpha = 1.0) => F.Relu(x) + alpha * (F.Exp(F.Minimum(x, x.Graph.Const(0, x.DType))) - 1.0);
    /// <summary>
    /// GELU in its tanh approximation (Hendrycks and Gimpel; PyTorch's <c>approximate="tanh"</c>):
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). It differs from the exact x·Φ(x) by less than 5·10⁻⁴.
    /// </summary>
    public static Node Gelu(Node x) => 0.5 * x * (1.0 + F.Tanh(GeluC * (x + 0.044715 * (x * x * x))));
    /// <summary>SiLU / swish: x·σ(x).</summary>
    public static Node Silu(Node x) => x * F.Sigmoid(x);

    /// <summary>The names <see cref="FromName"/> knows (case and <c>-</c>/<c>_</c> are ignored).</summary>
    public static readonly string[] Names = { "identity", "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "elu", "gelu", "silu", "swish" };

    /// <summary>The activation called <paramref name="name"/> with default settings; an unknown name is an error listing the known ones.</summary>
    public static ActivationLayer FromName(string name)
    {
        var key = (name ?? "").Trim().ToLowerInvariant().Replace("_", "").Replace("-", "");
        return key switch
        {
            "identity" or "linear" or "none" => new Identity(),
            "relu" => new ReLU(),
            "leakyrelu" => new LeakyReLU(),
            "sigmoid" or "logistic" => new Sigmoid(),
            "tanh" => new Tanh(),
            "softplus" => new Softplus(),
            "elu" => new ELU(),
            "gelu" => new GELU(),
            "silu" or "swish" => new SiLU(),
            _ => throw new ArgumentException($"Unknown activation \"{name}\"; known activations: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}

/// <summary>
/// An activation as a module (no parameters), so it can sit in a <see cref="Sequential"/> and take an index there,
/// as in PyTorch. <see cref="Act.FromName"/> turns a name (<c>"relu"</c>) into one. (Not called <c>Activation</c>:
/// that name is the GEMM epilogue enum <c>Nabla.Runtime.Activation</c>, which a <c>Nabla.Activation</c> would hide
/// in every <c>Nabla.*</c> namespace.)
/// </summary>
public abstract class ActivationLayer : Module
{
    /// <summary>Creates an activation printed as <paramref name="kind"/>.</summary>
    protected ActivationLayer(string kind) : base(kind) { }

    /// <summary>The function itself on a node.</summary>
    public abstract Node Apply(Node x);

    /// <inheritdoc/>
    protected sealed override Node Forward(Node x) => Apply(x);

}

/// <summary>a(x) = x.</summary>
public sealed class Identity : ActivationLayer
{
    /// <summary>Creates the identity.</summary>
    public Identity() : base("Identity") { }
    /// <inheritdoc/>
    public override Node Apply(Node x) => x;
}

/// <summary>ReLU: max(x, 0).</summary>
public sealed class ReLU : ActivationLayer
{
    /// <summary>Creates a ReLU.</summary>
    public ReLU() : base("ReLU") { }
    /// <inheritdoc/>
    public override Node Apply(Node x) => Act.Relu(x);
}

/// <summary>Leaky ReLU with negative slope α (default 0.01, as PyTorch).</summary>
public sealed class LeakyReLU : ActivationLayer
{
    /// <summary>Creates a leaky ReLU with slope <paramref name="alpha"/> for x &lt; 0.</summary>
    public LeakyReLU(double alpha = 0.01) : base("LeakyReLU")
    {
        if (double.IsNaN(alpha) || double.IsInfinity(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "LeakyReLU: the slope must be finite.");
        Alpha = alpha;
    }
    /// <summary>The slope for negative inputs.</summary>
    public double Alpha { get; }
    /// <inheritdoc/>
    public override string Description => $"LeakyReLU({Alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
    /// <inheritdoc/>
    public override Node Apply(Node x) => Act.LeakyRelu(x, Alpha);
}

/// <summary>Logistic sigmoid.</summary>
public sealed class Sigmoid : ActivationLayer
{
    /// <summary>Creates a sigmoid.</summary>
    public Sigmoid() : base("Sigmoid") { }
    /// <inheritdoc/>
    public override Node Apply(Node x) => Act.Sigmoid(x);
}

/// <summary>Hyperbolic tangent.</summary>
public sealed class Tanh : ActivationLayer
{
    /// <summary>Creates a tanh.</summary>
    public Tanh() : base("Tanh") { }
    /// <inheritdoc/>
    public override Node Apply(Node x) => Act.Tanh(x);
}

/// <summary>Softplus log(1+eˣ).</summary>
public sealed class Softplus : ActivationLayer
{
    /// <summary>Creates a softplus.</summary>
    public Softplus() : base("Softplus") { }
    /// <inheritdoc/>
    public override Node Apply(Node x) => Act.Softplus(x);
}

/// <summary>ELU with scale α (default 1).</summary>
public sealed class ELU : ActivationLayer
{
    /// <summary>Creates an ELU.</summary>
    public ELU(double alpha = 1.0) : base("ELU")
    {
        if (double.IsNaN(alpha) || double.IsInfinity(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "ELU: α must be finite.");
        Alpha = alpha;
    }
    /// <summary>The scale of the negative branch.</summary>
    public double Alpha { get; }
    /// <inheritdoc/>
    public override string Description => $"ELU({Alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
    /// <inheritdoc/>
    public override Node Apply(Node x) => Act.Elu(x, Alpha);
}

/// <summary>GELU, tanh approximation (see <see cref="Act.Gelu"/>).</summary>
public sealed class GELU : ActivationLayer
{
    /// <summary>Creates a GELU.</summary>
    public GELU() : base("GELU") { }
    /// <inheritdoc/>
    public override Node Apply(Node x) => Act.Gelu(x);
}

/// <summary>SiLU / swish x·σ(x).</summary>
public sealed class SiLU : ActivationLayer
{
    /// <summary>Creates a SiLU.</summary>
    public SiLU() : base("SiLU") { }
    /// <inheritdoc/>
    public override Node Apply(Node x) => Act.Silu(x);
}
