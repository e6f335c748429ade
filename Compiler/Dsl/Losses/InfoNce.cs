using System;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// InfoNCE (van den Oord et al. 2018), the contrastive loss: the prediction is a query embedding q [B, E]; the target
/// holds the keys [B, 1+N, E] — the positive first, then N negatives. Both are L2-normalized (v/√(‖v‖² + 10⁻¹²)), the
/// scores are cosine similarities over a temperature τ, and the loss is the cross-entropy of picking the positive:
/// <code>ℓ = −log_softmax(s)₀ = logsumexp_j(s_j) − s₀,   s_j = cos(q, k_j)/τ</code>
/// With one negative this is softplus(s₁ − s₀).
/// The keys are target data, so no gradient reaches whatever produced them; when the keys are network outputs too
/// (both views through the encoder, the other examples of the batch as negatives), use <see cref="Loss.InfoNceInBatch"/>
/// with <see cref="LossTerm.Between(string, string, JointLoss, double, string)"/>.
/// </summary>
public sealed class InfoNceLoss : Loss
{
    /// <summary>The ε inside the normalization √(‖v‖² + ε).</summary>
    public const double Epsilon = 1e-12;

    /// <summary>Creates the loss for <paramref name="negatives"/> negatives and temperature <paramref name="temperature"/> &gt; 0.</summary>
    public InfoNceLoss(int negatives, double temperature = 0.1)
    {
        if (negatives <= 0) throw new ArgumentOutOfRangeException(nameof(negatives), negatives, "InfoNCE needs at least one negative.");
        if (!(temperature > 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive and finite.");
        Negatives = negatives; Temperature = temperature;
    }

    /// <summary>Negatives per example.</summary>
    public int Negatives { get; }
    /// <summary>The temperature τ.</summary>
    public double Temperature { get; }

    /// <inheritdoc/>
    public override string Name => $"InfoNCE(N={Negatives}, τ={Temperature.ToString(System.Globalization.CultureInfo.InvariantCulture)})";

    /// <inheritdoc/>
    protected override Shape TargetShapeFor(Shape p)
    {
        if (p.Rank != 2 || p[1] == Shape.Batch) throw Error($"the prediction must be embeddings [B, E]; got {p}");
        return Shape.Of(p[0], 1 + Negatives, p[1]);
    }

    /// <summary>v / √(Σ v² + ε) along <paramref name="axis"/>.</summary>
    public static Node Normalize(Node v, int axis) => v / F.Sqrt(F.Sum(F.Square(v), new[] { axis }, true) + Epsilon);

    /// <inheritdoc/>
    protected override Node Compute(Node y, Node t)
    {
        int b = y.Shape[0], e = y.Shape[1], n = 1 + Negatives;
        var q = F.Reshape(Normalize(y, 1), Shape.Of(b, e, 1));                   // [B, E, 1]
        var k = Normalize(t, 2);                                                   // [B, 1+N, E]
        var scores = F.Reshape(F.MatMul(k, q), Shape.Of(b, n)) / Temperature;      // [B, 1+N]
        var first = new double[n]; first[0] = 1;
        var positive = F.Sum(scores * y.Graph.Const(first, Shape.Of(n), y.DType), new[] { 1 }, false);
        return F.LogSumExp(scores, 1) - positive;
    }
}
