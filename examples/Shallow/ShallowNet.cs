using System;
using System.Collections.Generic;
using System.Linq;
using Nabla;

namespace Shallow;

/// <summary>
/// The lecture's shallow network with one input and one output, <c>y = φ₀ + Σ_d φ_d·relu(θ_d0 + θ_d1·x)</c>, as plain
/// numbers (float64): hidden unit d switches on or off at its joint <c>x = −θ_d0/θ_d1</c>. It reads its weights from a
/// trained <see cref="Network"/> built by <see cref="ToModule"/>'s layout (<c>Dense(1, D), ReLU, Dense(D, 1)</c>) and
/// builds that module with its weights preset.
/// </summary>
public sealed class ShallowNet
{
    private readonly double[] _theta0, _theta1, _phi;

    /// <summary>A network with biases <paramref name="theta0"/>, input weights <paramref name="theta1"/>, output weights <paramref name="phi"/> (one per unit) and output bias <paramref name="phi0"/>.</summary>
    public ShallowNet(IReadOnlyList<double> theta0, IReadOnlyList<double> theta1, IReadOnlyList<double> phi, double phi0)
    {
        if (theta0 is null) throw new ArgumentNullException(nameof(theta0));
        if (theta1 is null) throw new ArgumentNullException(nameof(theta1));
        if (phi is null) throw new ArgumentNullException(nameof(phi));
        if (theta0.Count == 0 || theta1.Count != theta0.Count || phi.Count != theta0.Count)
            throw new ArgumentException($"A shallow network needs one θ_d0, θ_d1 and φ_d per hidden unit; got {theta0.Count}, {theta1.Count} and {phi.Count}.");
        if (!theta0.Concat(theta1).Concat(phi).Append(phi0).All(double.IsFinite)) throw new ArgumentException("The weights of a shallow network must be finite.");
        _theta0 = theta0.ToArray(); _theta1 = theta1.ToArray(); _phi = phi.ToArray(); Phi0 = phi0;
    }

    /// <summary>The number of hidden units D.</summary>
    public int Units => _phi.Length;
    /// <summary>The hidden units' biases θ_d0.</summary>
    public IReadOnlyList<double> Theta0 => _theta0;
    /// <summary>The hidden units' input weights θ_d1.</summary>
    public IReadOnlyList<double> Theta1 => _theta1;
    /// <summary>The output weights φ_d.</summary>
    public IReadOnlyList<double> Phi => _phi;
    /// <summary>The output bias φ₀.</summary>
    public double Phi0 { get; }

    /// <summary>y(x).</summary>
    public double Evaluate(double x)
    {
        double y = Phi0;
        for (int d = 0; d < _phi.Length; d++) y += _phi[d] * Math.Max(0, _theta0[d] + _theta1[d] * x);
        return y;
    }

    /// <summary>dy/dx at <paramref name="x"/>: Σ φ_d·θ_d1 over the units switched on there (at a joint, a unit counts as off).</summary>
    public double Slope(double x)
    {
        double s = 0;
        for (int d = 0; d < _phi.Length; d++) if (_theta0[d] + _theta1[d] * x > 0) s += _phi[d] * _theta1[d];
        return s;
    }

    /// <summary>Each hidden unit's joint −θ_d0/θ_d1, in unit order (NaN for a unit with θ_d1 = 0, which never switches).</summary>
    public IReadOnlyList<double> Joints => _theta0.Select((t0, d) => _theta1[d] == 0 ? double.NaN : -t0 / _theta1[d]).ToArray();

    /// <summary>
    /// The module <c>Sequential(Dense(1, D), ReLU, Dense(D, 1))</c> with these weights preset (rounded to float32): its
    /// parameters are <c>0.weight</c> = θ_·1 [D,1], <c>0.bias</c> = θ_·0, <c>2.weight</c> = φ [1,D], <c>2.bias</c> = φ₀.
    /// </summary>
    public Sequential ToModule() => new(
        Dense.FromValues(1, Units, _theta1.Select(v => (float)v).ToArray(), _theta0.Select(v => (float)v).ToArray()),
        new ReLU(),
        Dense.FromValues(Units, 1, _phi.Select(v => (float)v).ToArray(), new[] { (float)Phi0 }));

    /// <summary>The untrained module <c>Sequential(Dense(1, D), ReLU, Dense(D, 1))</c> (weights drawn by the model's scheme).</summary>
    public static Sequential Module(int units) => new(new Dense(1, units), new ReLU(), new Dense(units, 1));

    /// <summary>
    /// The weights of <paramref name="network"/>, whose parameters are laid out as <see cref="Module"/>'s under
    /// <paramref name="prefix"/> (e.g. <c>"0."</c> for the first network of a composition).
    /// </summary>
    public static ShallowNet FromNetwork(Network network, string prefix = "")
    {
        if (network is null) throw new ArgumentNullException(nameof(network));
        double[] Read(string name) => network.ParameterValues(prefix + name).Select(v => (double)v).ToArray();
        var phi0 = Read("2.bias");
        if (phi0.Length != 1) throw new ArgumentException($"\"{prefix}2.bias\" has {phi0.Length} values; a shallow network has one output.");
        return new ShallowNet(Read("0.bias"), Read("0.weight"), Read("2.weight"), phi0[0]);
    }
}
