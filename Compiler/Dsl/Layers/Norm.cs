using System;
using System.Globalization;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// Layer normalization over the last dimensions (PyTorch's <c>nn.LayerNorm</c>): each example is normalized over the
/// trailing axes <see cref="NormalizedShape"/> with its own mean and biased variance, <c>(x − mean)/√(var + eps)</c>,
/// then scaled by <c>weight</c> and shifted by <c>bias</c> (both of shape <see cref="NormalizedShape"/>, starting at 1
/// and 0) when <see cref="Affine"/>. The same in training and evaluation. The scale has role <see cref="ParamRole.Other"/>
/// and the shift <see cref="ParamRole.Bias"/>, so neither is weight-decayed or L2-regularized by default.
/// </summary>
public sealed class LayerNorm : Module
{
    private readonly int[] _shape;

    /// <summary>Normalizes over the last axis, of size <paramref name="normalizedShape"/>.</summary>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool affine = true) : this(new[] { normalizedShape }, eps, affine) { }

    /// <summary>Normalizes over the last <c>normalizedShape.Length</c> axes, which must have these sizes.</summary>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool affine = true) : base("LayerNorm")
    {
        _shape = (int[])(normalizedShape ?? throw new ArgumentNullException(nameof(normalizedShape))).Clone();
        Eps = eps; Affine = affine;
        if (_shape.Length == 0 || _shape.Any(d => d <= 0)) throw LayerError($"the normalized shape must be non-empty with positive sizes, got [{string.Join(",", _shape)}]");
        if (!(eps > 0) || double.IsInfinity(eps)) throw LayerError($"eps must be positive and finite, got {eps}");
    }

    /// <summary>The sizes of the trailing axes normalized over.</summary>
    public Shape NormalizedShape => new(_shape);
    /// <summary>The value added to the variance.</summary>
    public double Eps { get; }
    /// <summary>True when the layer has <c>weight</c> and <c>bias</c>.</summary>
    public bool Affine { get; }

    /// <inheritdoc/>
    public override string Description => $"LayerNorm([{string.Join(",", _shape)}]{(Eps != 1e-5 ? ", eps=" + Eps.ToString("R", CultureInfo.InvariantCulture) : "")}{(Affine ? "" : ", no affine")})";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        int k = _shape.Length, r = s.Rank;
        bool fits = r > k && Enumerable.Range(0, k).All(i => s[r - k + i] == _shape[i]);
        if (!fits) throw LayerError($"expects an input [B, …, {string.Join(", ", _shape)}] (its last {k} ax{(k == 1 ? "is" : "es")} normalized), got {s}");
        var axes = Enumerable.Range(r - k, k).ToArray();
        var mean = F.Mean(x, axes, true);
        var xc = x - mean;
        var variance = F.Mean(xc * xc, axes, true);
        var y = xc / F.Sqrt(variance + Eps);
        if (!Affine) return y;
        var w = Param("weight", NormalizedShape, ParamRole.Other, Initializer.Ones);
        var b = Param("bias", NormalizedShape, ParamRole.Bias, Initializer.Zeros);
        return y * w + b;
    }
}

/// <summary>
/// Batch normalization over the channel axis 1 (PyTorch's <c>nn.BatchNorm1d</c> and <c>nn.BatchNorm2d</c>).
/// <list type="bullet">
/// <item>Training (the compiled <c>TrainStep</c>, a <see cref="TraceMode.Train"/> trace): each channel is normalized with
/// the batch's mean and biased variance over every axis but 1, <c>(x − mean)/√(var + eps)</c>; the running statistics
/// become <c>(1 − momentum)·running + momentum·batch</c>, with the <em>unbiased</em> batch variance for
/// <c>running_var</c> (n/(n−1), as PyTorch), and <c>num_batches_tracked</c> grows by 1. With <c>momentum</c> null the
/// running statistics are the cumulative average (factor 1/num_batches_tracked). Gradients flow through the batch
/// statistics.</item>
/// <item>Evaluation (<c>Forward</c>, <c>Evaluate</c>): normalized with <c>running_mean</c> and <c>running_var</c>, which
/// are not changed.</item>
/// <item>Then scaled by <c>weight</c> (starts at 1, role <see cref="ParamRole.Other"/>) and shifted by <c>bias</c>
/// (starts at 0) per channel when <see cref="Affine"/>.</item>
/// </list>
/// The running statistics are buffers (<see cref="Parameter.IsBuffer"/>), saved under PyTorch's names
/// <c>PATH.running_mean</c> [C], <c>PATH.running_var</c> [C] and <c>PATH.num_batches_tracked</c> [] (float32 in the
/// compiled model). Without <see cref="TrackRunningStats"/> there are no buffers and batch statistics are used in
/// evaluation too. In training, each channel needs more than one value per batch, as in PyTorch: a <c>Network</c> refuses a
/// training step on a batch of one for a [B, C] input (<see cref="MinimumTrainingBatch"/>), naming the layer.
/// </summary>
public abstract class BatchNorm : Module
{
    private protected BatchNorm(string kind, int features, double eps, double? momentum, bool affine, bool trackRunningStats) : base(kind)
    {
        Features = features; Eps = eps; Momentum = momentum; Affine = affine; TrackRunningStats = trackRunningStats;
        if (features <= 0) throw LayerError($"the number of features (channels) must be positive, got {features}");
        if (!(eps > 0) || double.IsInfinity(eps)) throw LayerError($"eps must be positive and finite, got {eps}");
        if (momentum is { } m && !(m >= 0 && m <= 1)) throw LayerError($"momentum must be in [0, 1] (or null for a cumulative average), got {m}");
    }

    /// <summary>The number of channels C (axis 1 of the input).</summary>
    public int Features { get; }
    /// <summary>The value added to the variance.</summary>
    public double Eps { get; }
    /// <summary>The weight of the batch statistics in the running ones (0.1 by default); null for a cumulative average.</summary>
    public double? Momentum { get; }
    /// <summary>True when the layer has <c>weight</c> and <c>bias</c>.</summary>
    public bool Affine { get; }
    /// <summary>True when the layer keeps running statistics (buffers) and uses them in evaluation.</summary>
    public bool TrackRunningStats { get; }

    /// <inheritdoc/>
    public override string Description
    {
        get
        {
            var extra = "";
            if (Eps != 1e-5) extra += ", eps=" + Eps.ToString("R", CultureInfo.InvariantCulture);
            if (Momentum != 0.1) extra += ", momentum=" + (Momentum is { } m ? m.ToString("R", CultureInfo.InvariantCulture) : "null");
            if (!Affine) extra += ", no affine";
            if (!TrackRunningStats) extra += ", no running stats";
            return $"{Kind}({Features}{extra})";
        }
    }

    /// <summary>Checks the input's layout and channel count (the error names the layer, the expected and the actual shape).</summary>
    private protected abstract void CheckInput(Shape s);

    /// <summary>
    /// The smallest batch a training step can normalize with batch statistics (more than one value per channel, as PyTorch
    /// requires): 2 when each example holds one value per channel ([B, C], or a length or area of 1), else 1. Known after
    /// the first trace (0 before).
    /// </summary>
    public int MinimumTrainingBatch { get; private set; }

    /// <summary>The input shape of the last trace (null before the first).</summary>
    public Shape? InputShape { get; private set; }

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        CheckInput(s);
        int r = s.Rank, c = Features;
        long perExample = 1;
        for (int i = 2; i < r; i++) perExample *= s[i];
        MinimumTrainingBatch = perExample == 1 ? 2 : 1;
        InputShape = s;
        var axes = new[] { 0 }.Concat(Enumerable.Range(2, r - 2)).ToArray();
        var perChannel = Shape.Of(new[] { 1, c }.Concat(Enumerable.Repeat(1, r - 2)).ToArray());
        var channels = Shape.Of(c);
        Node? w = null, b = null, runningMean = null, runningVar = null, tracked = null;
        if (Affine)
        {
            w = Param("weight", channels, ParamRole.Other, Initializer.Ones);
            b = Param("bias", channels, ParamRole.Bias, Initializer.Zeros);
        }
        if (TrackRunningStats)
        {
            runningMean = Buffer("running_mean", channels, 0);
            runningVar = Buffer("running_var", channels, 1);
            tracked = Buffer("num_batches_tracked", Shape.Scalar, 0);
        }
        Node y;
        if (Mode == TraceMode.Train || !TrackRunningStats)
        {
            var mean = F.Mean(x, axes, true);
            var xc = x - mean;
            var variance = F.Mean(xc * xc, axes, true);
            y = xc / F.Sqrt(variance + Eps);
            if (TrackRunningStats && Mode == TraceMode.Train)
            {
                var n = F.Count(x, axes);
                var trackedNext = tracked! + 1.0;
                var batchMean = F.Reshape(mean, channels);
                var unbiased = F.Reshape(variance, channels) * (n / (n - 1.0));
                if (Momentum is { } m)
                {
                    UpdateBuffer(runningMean!, (1 - m) * runningMean! + m * batchMean);
                    UpdateBuffer(runningVar!, (1 - m) * runningVar! + m * unbiased);
                }
                else
                {
                    var f = 1.0 / trackedNext;
                    UpdateBuffer(runningMean!, (1.0 - f) * runningMean! + f * batchMean);
                    UpdateBuffer(runningVar!, (1.0 - f) * runningVar! + f * unbiased);
                }
                UpdateBuffer(tracked!, trackedNext);
            }
        }
        else
            y = (x - F.Reshape(runningMean!, perChannel)) / F.Sqrt(F.Reshape(runningVar!, perChannel) + Eps);
        if (!Affine) return y;
        return y * F.Reshape(w!, perChannel) + F.Reshape(b!, perChannel);
    }
}

/// <summary>
/// Batch normalization of [B, C] or [B, C, L] inputs over the batch (and length) for each of the C features (PyTorch's
/// <c>nn.BatchNorm1d</c>); see <see cref="BatchNorm"/>.
/// </summary>
public sealed class BatchNorm1d : BatchNorm
{
    /// <summary>Creates the layer for <paramref name="features"/> channels.</summary>
    public BatchNorm1d(int features, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
        : base("BatchNorm1d", features, eps, momentum, affine, trackRunningStats) { }

    private protected override void CheckInput(Shape s)
    {
        bool ok = (s.Rank == 2 || s.Rank == 3) && s[1] == Features && Enumerable.Range(1, s.Rank - 1).All(i => s[i] != Shape.Batch);
        if (!ok) throw LayerError($"expects an input [B, {Features}] or [B, {Features}, L] ({Features} features on axis 1), got {s}");
    }
}

/// <summary>
/// Batch normalization of [B, C, H, W] inputs over the batch and both spatial axes for each of the C channels (PyTorch's
/// <c>nn.BatchNorm2d</c>); see <see cref="BatchNorm"/>.
/// </summary>
public sealed class BatchNorm2d : BatchNorm
{
    /// <summary>Creates the layer for <paramref name="features"/> channels.</summary>
    public BatchNorm2d(int features, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
        : base("BatchNorm2d", features, eps, momentum, affine, trackRunningStats) { }

    private protected override void CheckInput(Shape s)
    {
        bool ok = s.Rank == 4 && s[1] == Features && Enumerable.Range(1, 3).All(i => s[i] != Shape.Batch);
        if (!ok) throw LayerError($"expects an input [B, {Features}, H, W] ({Features} channels on axis 1), got {s}");
    }
}
