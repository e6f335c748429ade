using System;
using System.Collections.Generic;

namespace Nabla;

/// <summary>
/// The fan-in and fan-out of a parameter, as PyTorch computes them for a weight of shape
/// [out, in, k₁, k₂, …]: fan-in = in·k₁·k₂·…, fan-out = out·k₁·k₂·…. A bias uses its layer's weight fans.
/// </summary>
/// <param name="In">Inputs feeding each output unit.</param>
/// <param name="Out">Outputs each input unit feeds.</param>
public readonly record struct Fans(int In, int Out)
{
    /// <summary>The fans of a weight of <paramref name="dims"/> = [out, in, k…] (rank 1: both are the length).</summary>
    public static Fans Of(IReadOnlyList<int> dims)
    {
        if (dims.Count == 0) return new Fans(1, 1);
        if (dims.Count == 1) return new Fans(dims[0], dims[0]);
        int receptive = 1;
        for (int i = 2; i < dims.Count; i++) receptive *= dims[i];
        return new Fans(dims[1] * receptive, dims[0] * receptive);
    }
}

/// <summary>
/// How a parameter's first values are drawn. Every initializer is deterministic: it reads only the
/// parameter's <see cref="Fans"/> and an <see cref="Rng"/> stream derived from the model seed and the
/// parameter's name (<see cref="Rng.ForName"/>), and rounds each double to float once.
/// </summary>
public abstract class Initializer
{
    /// <summary>A short name, e.g. <c>he_normal</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Fills <paramref name="data"/> (row-major) for a parameter with <paramref name="fans"/>.</summary>
    public abstract void Fill(float[] data, Fans fans, Rng rng);

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>He (Kaiming) normal: N(0, 2/fan_in) — gain √2 for ReLU, fan-in mode. The lecture's choice for ReLU nets.</summary>
    public static Initializer HeNormal { get; } = new Normal("he_normal", f => Math.Sqrt(2.0 / f.In));
    /// <summary>He (Kaiming) uniform: U(−b, b) with b = √(6/fan_in) (the same variance 2/fan_in).</summary>
    public static Initializer HeUniform { get; } = new Uniform("he_uniform", f => Math.Sqrt(6.0 / f.In));
    /// <summary>Glorot (Xavier) normal: N(0, 2/(fan_in + fan_out)).</summary>
    public static Initializer GlorotNormal { get; } = new Normal("glorot_normal", f => Math.Sqrt(2.0 / (f.In + f.Out)));
    /// <summary>Glorot (Xavier) uniform: U(−b, b) with b = √(6/(fan_in + fan_out)).</summary>
    public static Initializer GlorotUniform { get; } = new Uniform("glorot_uniform", f => Math.Sqrt(6.0 / (f.In + f.Out)));
    /// <summary>
    /// PyTorch's default for <c>nn.Linear</c> and <c>nn.Conv*</c> (weights and biases alike): U(−b, b) with b = 1/√fan_in
    /// (what <c>kaiming_uniform_(a=√5)</c> reduces to). Same distribution as PyTorch, not the same numbers.
    /// </summary>
    public static Initializer PyTorchDefault { get; } = new Uniform("pytorch_default", f => 1.0 / Math.Sqrt(f.In));
    /// <summary>All zeros.</summary>
    public static Initializer Zeros { get; } = new ConstantInit("zeros", 0);
    /// <summary>All ones.</summary>
    public static Initializer Ones { get; } = new ConstantInit("ones", 1);

    /// <summary>Every element equal to <paramref name="value"/>.</summary>
    public static Initializer Constant(double value) => new ConstantInit($"constant({value.ToString(System.Globalization.CultureInfo.InvariantCulture)})", value);
    /// <summary>N(0, <paramref name="std"/>²).</summary>
    public static Initializer NormalWithStd(double std) =>
        std >= 0 ? new Normal($"normal({std.ToString(System.Globalization.CultureInfo.InvariantCulture)})", _ => std) : throw new ArgumentOutOfRangeException(nameof(std), std, "A standard deviation must be >= 0.");
    /// <summary>U(−<paramref name="bound"/>, <paramref name="bound"/>).</summary>
    public static Initializer UniformWithBound(double bound) =>
        bound >= 0 ? new Uniform($"uniform({bound.ToString(System.Globalization.CultureInfo.InvariantCulture)})", _ => bound) : throw new ArgumentOutOfRangeException(nameof(bound), bound, "A bound must be >= 0.");

    private sealed class Normal : Initializer
    {
        private readonly string _name; private readonly Func<Fans, double> _std;
        public Normal(string name, Func<Fans, double> std) { _name = name; _std = std; }
        public override string Name => _name;
        public override void Fill(float[] data, Fans fans, Rng rng)
        {
            double s = _std(fans);
            for (int i = 0; i < data.Length; i++) data[i] = (float)(s * rng.NextGaussian());
        }
    }

    private sealed class Uniform : Initializer
    {
        private readonly string _name; private readonly Func<Fans, double> _bound;
        public Uniform(string name, Func<Fans, double> bound) { _name = name; _bound = bound; }
        public override string Name => _name;
        public override void Fill(float[] data, Fans fans, Rng rng)
        {
            double b = _bound(fans);
            for (int i = 0; i < data.Length; i++) data[i] = (float)rng.Uniform(-b, b);
        }
    }

    private sealed class ConstantInit : Initializer
    {
        private readonly string _name; private readonly double _v;
        public ConstantInit(string name, double v) { _name = name; _v = v; }
        public override string Name => _name;
        public override void Fill(float[] data, Fans fans, Rng rng) { for (int i = 0; i < data.Length; i++) data[i] = (float)_v; }
    }
}

/// <summary>
/// The default initializers for parameters whose layer did not name one: one for weights, one for biases.
/// A model is built with one scheme (<see cref="He"/> unless told otherwise).
/// </summary>
/// <param name="Weight">Initializer for weights (<see cref="ParamRole.Weight"/>).</param>
/// <param name="Bias">Initializer for biases and other parameters.</param>
public sealed record InitScheme(Initializer Weight, Initializer Bias)
{
    /// <summary>He normal weights, zero biases (the lecture's setup for ReLU networks, figure 20.2).</summary>
    public static InitScheme He { get; } = new(Initializer.HeNormal, Initializer.Zeros);
    /// <summary>Glorot uniform weights, zero biases (Keras' default; good for tanh/sigmoid nets).</summary>
    public static InitScheme Glorot { get; } = new(Initializer.GlorotUniform, Initializer.Zeros);
    /// <summary>PyTorch's default for Linear/Conv: U(±1/√fan_in) for weights and biases.</summary>
    public static InitScheme PyTorch { get; } = new(Initializer.PyTorchDefault, Initializer.PyTorchDefault);

    /// <summary>The initializer for a parameter of <paramref name="role"/>.</summary>
    public Initializer For(ParamRole role) => role == ParamRole.Weight ? Weight : Bias;
}
