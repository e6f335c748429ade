using System;
using System.Collections.Generic;

namespace Nabla;

/// <summary>
/// One example's conditional density p(t | x) as a mixture density network predicts it: K Gaussian components over
/// D-dimensional targets with diagonal covariances, decoded from the network's raw output by
/// <see cref="MixtureDensityLoss.Mixture"/> (weights π = softmax(logits), means μ as output, scales σ = e^(log-scale)).
/// Everything is in double precision: <see cref="LogDensity"/> is minus the loss's per-example value evaluated in float64
/// on the same outputs (a float32 network's own loss differs from it by float32 rounding).
/// </summary>
public sealed class GaussianMixture
{
    private readonly double[] _logWeights, _means, _logScales;

    private GaussianMixture(int k, int d, double[] logWeights, double[] means, double[] logScales)
    {
        K = k; D = d; _logWeights = logWeights; _means = means; _logScales = logScales;
    }

    /// <summary>Number of components.</summary>
    public int K { get; }

    /// <summary>Target dimension.</summary>
    public int D { get; }

    /// <summary>The mixing weight π_k of component <paramref name="k"/> (the weights sum to 1).</summary>
    public double Weight(int k) => Math.Exp(_logWeights[CheckK(k)]);

    /// <summary>The mean μ_kd of component <paramref name="k"/> in target dimension <paramref name="d"/>.</summary>
    public double Mean(int k, int d) => _means[CheckK(k) * D + CheckD(d)];

    /// <summary>The standard deviation σ_kd of component <paramref name="k"/> in target dimension <paramref name="d"/>.</summary>
    public double Scale(int k, int d) => Math.Exp(_logScales[CheckK(k) * D + CheckD(d)]);

    /// <summary>The mean vector μ_k of component <paramref name="k"/> (a new array of <see cref="D"/> values).</summary>
    public double[] Mean(int k)
    {
        var m = new double[D];
        Array.Copy(_means, CheckK(k) * D, m, 0, D);
        return m;
    }

    /// <summary>The component with the largest mixing weight (the lowest index among equal weights).</summary>
    public int MostProbable
    {
        get
        {
            int best = 0;
            for (int k = 1; k < K; k++) if (_logWeights[k] > _logWeights[best]) best = k;
            return best;
        }
    }

    /// <summary>
    /// log p(t) = logsumexp_k( log π_k + Σ_d [−½((t_d − μ_kd)/σ_kd)² − log σ_kd − ½ log 2π] ), computed stably; its
    /// negative is the <see cref="MixtureDensityLoss"/> of this example.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="target"/> does not have <see cref="D"/> values, or one is not finite.</exception>
    public double LogDensity(IReadOnlyList<double> target)
    {
        if (target is null) throw new ArgumentNullException(nameof(target));
        if (target.Count != D) throw new ArgumentException($"The target has {target.Count} values, but the mixture is over {D}-D targets.", nameof(target));
        for (int d = 0; d < D; d++)
            if (double.IsNaN(target[d]) || double.IsInfinity(target[d]))
                throw new ArgumentException($"The target's value {d} is {target[d].ToString(System.Globalization.CultureInfo.InvariantCulture)}, not finite.", nameof(target));
        var terms = new double[K];
        double max = double.NegativeInfinity;
        for (int k = 0; k < K; k++)
        {
            double s = _logWeights[k] - 0.5 * D * Math.Log(2 * Math.PI);
            for (int d = 0; d < D; d++)
            {
                // A residual of exactly 0 stays 0 even when e^(−s) overflows (a very narrow component at the target).
                double r = target[d] - _means[k * D + d];
                double z = r == 0 ? 0 : r * Math.Exp(-_logScales[k * D + d]);
                s += -0.5 * z * z - _logScales[k * D + d];
            }
            terms[k] = s;
            if (s > max) max = s;
        }
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        for (int k = 0; k < K; k++) sum += Math.Exp(terms[k] - max);
        return max + Math.Log(sum);
    }

    /// <summary>
    /// Decodes example <paramref name="example"/>'s <paramref name="k"/>·(1 + 2·<paramref name="d"/>) outputs starting
    /// at <paramref name="offset"/>; every value must be finite (the error names the block — logit, mean or log-scale —,
    /// the component, the dimension and the example).
    /// </summary>
    internal static GaussianMixture Decode(IReadOnlyList<float> output, int offset, int example, int k, int d)
    {
        void Check(double v, string block, int component, int dim)
        {
            if (double.IsNaN(v) || double.IsInfinity(v))
                throw new ArgumentException($"The mixture's {block} of component {component}{(dim < 0 ? "" : $", dimension {dim},")} in example {example} is {v.ToString(System.Globalization.CultureInfo.InvariantCulture)}, not finite.", nameof(output));
        }
        var logits = new double[k];
        double max = double.NegativeInfinity;
        for (int j = 0; j < k; j++)
        {
            logits[j] = output[offset + j];
            Check(logits[j], "logit", j, -1);
            if (logits[j] > max) max = logits[j];
        }
        var means = new double[k * d];
        var logScales = new double[k * d];
        for (int j = 0; j < k * d; j++)
        {
            means[j] = output[offset + k + j];
            Check(means[j], "mean", j / d, j % d);
        }
        for (int j = 0; j < k * d; j++)
        {
            logScales[j] = output[offset + k + k * d + j];
            Check(logScales[j], "log-scale", j / d, j % d);
        }
        double sum = 0;
        for (int j = 0; j < k; j++) sum += Math.Exp(logits[j] - max);
        double lse = max + Math.Log(sum);
        for (int j = 0; j < k; j++) logits[j] -= lse;
        return new GaussianMixture(k, d, logits, means, logScales);
    }

    private int CheckK(int k) => k >= 0 && k < K ? k : throw new ArgumentOutOfRangeException(nameof(k), k, $"The mixture has components 0..{K - 1}.");
    private int CheckD(int d) => d >= 0 && d < D ? d : throw new ArgumentOutOfRangeException(nameof(d), d, $"The mixture's targets have dimensions 0..{D - 1}.");
}
