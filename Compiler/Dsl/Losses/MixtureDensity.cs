using System;
using System.Collections.Generic;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// The negative log-likelihood of a mixture density network (Bishop 1994) with K Gaussian components over
/// D-dimensional targets, diagonal covariances. The network's output per example has K·(1 + 2D) values laid out as
/// <c>[a₁ … a_K | μ₁,₁ … μ₁,D … μ_K,D | s₁,₁ … s_K,D]</c>: mixing logits a (weights π = softmax(a)), means μ
/// (identity), log-scales s (σ = eˢ). Per example, with t the target [D]:
/// <code>−log Σ_k π_k Π_d N(t_d; μ_kd, σ_kd²) = −logsumexp_k( log_softmax(a)_k + Σ_d [−½((t_d−μ_kd)/σ_kd)² − s_kd − ½log 2π] )</code>
/// computed with <see cref="F.LogSoftmax"/> and <see cref="F.LogSumExp"/>, so it never under- or overflows for
/// reasonable scales. The three blocks are taken from the output by constant 0/1 selection matrices (exact: each
/// entry is one value times 1 plus zeros) because the IR has no slice op.
/// </summary>
public sealed class MixtureDensityLoss : Loss
{
    /// <summary>Creates the loss for <paramref name="components"/> components over <paramref name="dims"/>-D targets.</summary>
    public MixtureDensityLoss(int components, int dims = 1)
    {
        if (components <= 0) throw new ArgumentOutOfRangeException(nameof(components), components, "A mixture needs at least one component.");
        if (dims <= 0) throw new ArgumentOutOfRangeException(nameof(dims), dims, "The target dimension must be positive.");
        K = components; D = dims;
    }

    /// <summary>Number of components.</summary>
    public int K { get; }
    /// <summary>Target dimension.</summary>
    public int D { get; }
    /// <summary>Values per example the network must output: K·(1 + 2D).</summary>
    public int Width => K * (1 + 2 * D);

    /// <inheritdoc/>
    public override string Name => $"MixtureDensity(K={K}, D={D})";

    /// <summary>
    /// The mixture that example <paramref name="example"/> of a batch of network outputs describes: reads its
    /// <see cref="Width"/> values from <paramref name="outputs"/> (row-major [batch, <see cref="Width"/>], as
    /// <c>Network.Predict</c> returns them) and applies this loss's layout (softmax of the logits, σ = e^s).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="outputs"/> does not hold example <paramref name="example"/>, or one of its values (logit, mean, log-scale) is not finite.</exception>
    public GaussianMixture Mixture(IReadOnlyList<float> outputs, int example)
    {
        if (outputs is null) throw new ArgumentNullException(nameof(outputs));
        if (outputs.Count % Width != 0)
            throw new ArgumentException($"{Name}: the outputs hold {outputs.Count} values, not a multiple of the {Width} per example (K·(1+2D)).", nameof(outputs));
        int count = outputs.Count / Width;
        if (example < 0 || example >= count)
            throw new ArgumentOutOfRangeException(nameof(example), example, $"{Name}: the outputs hold examples 0..{count - 1}.");
        return GaussianMixture.Decode(outputs, example * Width, example, K, D);
    }

    /// <inheritdoc/>
    protected override Shape TargetShapeFor(Shape p)
    {
        if (p.Rank != 2 || p[1] != Width)
            throw Error($"the prediction has shape {p}, but it needs [B, {Width}] = [B, K·(1+2D)] (K logits, K·D means, K·D log-scales)");
        return Shape.Of(p[0], D);
    }

    /// <inheritdoc/>
    protected override Node Compute(Node y, Node t)
    {
        var g = y.Graph;
        Node Select(int offset, int count)
        {
            var sel = new double[Width * count];
            for (int j = 0; j < count; j++) sel[(offset + j) * count + j] = 1;
            return F.MatMul(y, g.Const(sel, Shape.Of(Width, count), y.DType));
        }
        var b = y.Shape[0];
        var logits = Select(0, K);                                        // [B, K]
        var mu = F.Reshape(Select(K, K * D), Shape.Of(b, K, D));          // [B, K, D]
        var s = F.Reshape(Select(K + K * D, K * D), Shape.Of(b, K, D));   // [B, K, D]
        var z = (F.Reshape(t, Shape.Of(b, 1, D)) - mu) * F.Exp(-s);
        var logN = F.Sum(-0.5 * F.Square(z) - s, new[] { 2 }, false) - 0.5 * D * Math.Log(2 * Math.PI); // [B, K]
        return -F.LogSumExp(F.LogSoftmax(logits, 1) + logN, 1);
    }
}
