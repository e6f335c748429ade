using System;

namespace Nabla.Search;

/// <summary>The covariance function family of a <see cref="GpKernel"/>.</summary>
public enum GpKernelKind
{
    /// <summary>Matérn ν = 5/2: σ²(1 + √5 r + 5r²/3)·e^(−√5 r) (twice differentiable samples; the usual choice for tuning).</summary>
    Matern52,
    /// <summary>Squared exponential (RBF): σ²·e^(−r²/2) (infinitely smooth samples).</summary>
    Rbf,
}

/// <summary>
/// A stationary covariance with automatic relevance determination: k(x, x′) = σ_f²·g(r) with
/// r² = Σ_k ((x_k − x′_k)/ℓ_k)², one length scale ℓ_k per input dimension, g the Matérn 5/2 or squared-exponential
/// shape, plus <see cref="NoiseVariance"/> σ_n² added on the diagonal of the training covariance (observation noise and
/// numerical jitter). All values are in the standardized output units of <see cref="GaussianProcess"/>.
/// </summary>
public sealed class GpKernel
{
    private readonly double[] _lengthScales;

    /// <summary>Creates a kernel; every length scale and the signal variance must be positive and finite, the noise variance non-negative and finite.</summary>
    public GpKernel(GpKernelKind kind, double[] lengthScales, double signalVariance, double noiseVariance)
    {
        ArgumentNullException.ThrowIfNull(lengthScales);
        if (kind != GpKernelKind.Matern52 && kind != GpKernelKind.Rbf)
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "GpKernel: unknown kernel kind.");
        if (lengthScales.Length == 0) throw new ArgumentException("GpKernel: needs at least one length scale (one per input dimension).", nameof(lengthScales));
        for (int k = 0; k < lengthScales.Length; k++)
            if (!(lengthScales[k] > 0) || double.IsInfinity(lengthScales[k]))
                throw new ArgumentOutOfRangeException(nameof(lengthScales), lengthScales[k], $"GpKernel: length scale {k} must be positive and finite.");
        if (!(signalVariance > 0) || double.IsInfinity(signalVariance))
            throw new ArgumentOutOfRangeException(nameof(signalVariance), signalVariance, "GpKernel: the signal variance must be positive and finite.");
        if (!(noiseVariance >= 0) || double.IsInfinity(noiseVariance))
            throw new ArgumentOutOfRangeException(nameof(noiseVariance), noiseVariance, "GpKernel: the noise variance must be non-negative and finite.");
        Kind = kind;
        _lengthScales = (double[])lengthScales.Clone();
        SignalVariance = signalVariance;
        NoiseVariance = noiseVariance;
    }

    /// <summary>The shape of the covariance.</summary>
    public GpKernelKind Kind { get; }

    /// <summary>The per-dimension length scales ℓ_k (a copy).</summary>
    public double[] LengthScales => (double[])_lengthScales.Clone();

    /// <summary>The number of input dimensions.</summary>
    public int Dimensions => _lengthScales.Length;

    /// <summary>The signal variance σ_f² (the prior variance of the latent function).</summary>
    public double SignalVariance { get; }

    /// <summary>The noise variance σ_n² added on the diagonal of the training covariance.</summary>
    public double NoiseVariance { get; }

    /// <summary>
    /// The hyperparameters in the log space the marginal likelihood is optimized in:
    /// [log ℓ_1, …, log ℓ_d, log σ_f², log σ_n²] (σ_n² must be positive for this).
    /// </summary>
    public double[] ToLogParameters()
    {
        if (!(NoiseVariance > 0)) throw new InvalidOperationException("GpKernel: log parameters need a positive noise variance.");
        var t = new double[Dimensions + 2];
        for (int k = 0; k < Dimensions; k++) t[k] = Math.Log(_lengthScales[k]);
        t[Dimensions] = Math.Log(SignalVariance);
        t[Dimensions + 1] = Math.Log(NoiseVariance);
        return t;
    }

    /// <summary>The kernel with hyperparameters <paramref name="logParameters"/> = [log ℓ_1, …, log ℓ_d, log σ_f², log σ_n²].</summary>
    public static GpKernel FromLogParameters(GpKernelKind kind, double[] logParameters)
    {
        ArgumentNullException.ThrowIfNull(logParameters);
        if (logParameters.Length < 3)
            throw new ArgumentException($"GpKernel: log parameters are [log ℓ_1..ℓ_d, log σ_f², log σ_n²], at least 3 values; got {logParameters.Length}.", nameof(logParameters));
        int d = logParameters.Length - 2;
        var ell = new double[d];
        for (int k = 0; k < d; k++) ell[k] = Math.Exp(logParameters[k]);
        return new GpKernel(kind, ell, Math.Exp(logParameters[d]), Math.Exp(logParameters[d + 1]));
    }

    /// <summary>The covariance k(a, b) without the noise term (a and b have <see cref="Dimensions"/> coordinates).</summary>
    public double Evaluate(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != Dimensions || b.Length != Dimensions)
            throw new ArgumentException($"GpKernel: points must have {Dimensions} coordinates; got {a.Length} and {b.Length}.");
        double r2 = 0;
        for (int k = 0; k < a.Length; k++) { double u = (a[k] - b[k]) / _lengthScales[k]; r2 += u * u; }
        return SignalVariance * Shape(r2);
    }

    internal double Shape(double r2)
    {
        if (Kind == GpKernelKind.Rbf) return Math.Exp(-0.5 * r2);
        double s5r = Math.Sqrt(5 * r2);
        return (1 + s5r + 5 * r2 / 3) * Math.Exp(-s5r);
    }

    // ∂g/∂(log ℓ_k) = DShape(r2)·u_k², u_k = Δ_k/ℓ_k: −(∂g/∂r²)·2 with ∂r²/∂log ℓ_k = −2u_k².
    // RBF: g·1; Matérn 5/2: (5/3)(1 + √5 r)·e^(−√5 r) (no singularity at r = 0).
    internal double DShape(double r2)
    {
        if (Kind == GpKernelKind.Rbf) return Math.Exp(-0.5 * r2);
        double s5r = Math.Sqrt(5 * r2);
        return 5.0 / 3.0 * (1 + s5r) * Math.Exp(-s5r);
    }

    internal double ScaledDiff(double a, double b, int k) => (a - b) / _lengthScales[k];

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Kind}(ℓ=[{string.Join(", ", Array.ConvertAll(_lengthScales, v => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))}], " +
        $"σf²={SignalVariance.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)}, σn²={NoiseVariance.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)})";
}
