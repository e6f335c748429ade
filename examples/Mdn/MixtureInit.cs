using System;
using System.Linq;
using Nabla;

namespace Mdn;

/// <summary>
/// Starts a mixture density network at the unconditional mixture of its targets, as Netlab's <c>mdninit</c> does
/// (Nabney, "Netlab", 2002): the targets are clustered by k-means into K groups, and the output layer's biases are set
/// so that, before training, every input gets the mixing weights (the groups' shares), means (their centres) and
/// scales (their per-dimension standard deviations) of those groups. The components then start apart from each other:
/// with the default initialization all K start at the same place, and training often lets one of them take every
/// example while the others fade (a collapse to a single Gaussian between the two branches).
/// </summary>
public static class MixtureInit
{
    /// <summary>
    /// k-means (Lloyd's iterations from a k-means++ start seeded by <paramref name="seed"/>) on the
    /// <paramref name="dims"/>-D rows of <paramref name="targets"/>; returns per group its share of the rows, its centre
    /// and its per-dimension standard deviation (at least <paramref name="minScale"/>).
    /// </summary>
    public static (double[] Shares, double[][] Centres, double[][] Scales) KMeans(float[] targets, int dims, int k, long seed, int iterations = 50, double minScale = 1e-3)
    {
        int n = targets.Length / dims;
        if (n < k) throw new ArgumentException($"k-means needs at least {k} rows, got {n}.", nameof(targets));
        var rng = Rng.ForName(seed, "kmeans");
        double Dist(int i, double[] c) { double s = 0; for (int d = 0; d < dims; d++) { double v = targets[i * dims + d] - c[d]; s += v * v; } return s; }
        double[] Row(int i) => Enumerable.Range(0, dims).Select(d => (double)targets[i * dims + d]).ToArray();

        var centres = new double[k][];
        centres[0] = Row((int)(rng.NextDouble() * n));
        var near = Enumerable.Range(0, n).Select(i => Dist(i, centres[0])).ToArray();
        for (int j = 1; j < k; j++)
        {
            double u = rng.NextDouble() * near.Sum(), acc = 0;
            int pick = n - 1;
            for (int i = 0; i < n; i++) { acc += near[i]; if (acc >= u) { pick = i; break; } }
            centres[j] = Row(pick);
            for (int i = 0; i < n; i++) near[i] = Math.Min(near[i], Dist(i, centres[j]));
        }

        var group = new int[n];
        for (int it = 0; it < iterations; it++)
        {
            for (int i = 0; i < n; i++)
            {
                int best = 0;
                for (int j = 1; j < k; j++) if (Dist(i, centres[j]) < Dist(i, centres[best])) best = j;
                group[i] = best;
            }
            for (int j = 0; j < k; j++)
            {
                var members = Enumerable.Range(0, n).Where(i => group[i] == j).ToArray();
                if (members.Length == 0) continue; // an empty group keeps its centre
                for (int d = 0; d < dims; d++) centres[j][d] = members.Average(i => (double)targets[i * dims + d]);
            }
        }

        var shares = new double[k];
        var scales = new double[k][];
        for (int j = 0; j < k; j++)
        {
            var members = Enumerable.Range(0, n).Where(i => group[i] == j).ToArray();
            shares[j] = Math.Max(members.Length, 1) / (double)n;
            scales[j] = new double[dims];
            for (int d = 0; d < dims; d++)
                scales[j][d] = Math.Max(minScale, members.Length == 0 ? 1 : Math.Sqrt(members.Average(i => Math.Pow(targets[i * dims + d] - centres[j][d], 2))));
        }
        return (shares, centres, scales);
    }

    /// <summary>
    /// Sets the biases <paramref name="bias"/> of <paramref name="network"/>'s output layer (laid out as
    /// <paramref name="loss"/> reads it) to the k-means mixture of <paramref name="targets"/>: logits log share, means
    /// the centres, log-scales log standard deviation. The output weights stay as initialized (small), so the input
    /// moves the mixture only a little at first.
    /// </summary>
    public static void Apply(Network network, string bias, MixtureDensityLoss loss, float[] targets, long seed)
    {
        var b = network.ParameterValues(bias);
        if (b.Length != loss.Width) throw new ArgumentException($"Parameter \"{bias}\" has {b.Length} values; the mixture's output layer has {loss.Width}.", nameof(bias));
        var (shares, centres, scales) = KMeans(targets, loss.D, loss.K, seed);
        for (int k = 0; k < loss.K; k++)
        {
            b[k] = (float)Math.Log(shares[k]);
            for (int d = 0; d < loss.D; d++)
            {
                b[loss.K + k * loss.D + d] = (float)centres[k][d];
                b[loss.K + loss.K * loss.D + k * loss.D + d] = (float)Math.Log(scales[k][d]);
            }
        }
    }
}
