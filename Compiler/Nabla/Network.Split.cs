using System;
using Nabla.Lowering;

namespace Nabla;

/// <summary>
/// Which rows of a global batch a call computes: rows [<see cref="Offset"/>, <see cref="Offset"/> + batch) of a batch of
/// <see cref="GlobalBatch"/> rows. Data-parallel ranks each compute their shard of every global batch; the dropout masks
/// of a shard are the rows of the masks one process would draw for the whole batch, so together the ranks train as
/// one process would.
/// </summary>
/// <param name="Offset">The first row of the shard in the global batch.</param>
/// <param name="GlobalBatch">The number of rows of the global batch.</param>
public readonly record struct BatchShard(int Offset, int GlobalBatch);

public sealed partial class Network
{
    private readonly int _computeGradients = -1, _applyUpdate = -1;
    private readonly Call? _grad, _update;
    // The flat gradient plus spare room at the end for a caller's per-step values, so one collective moves both.
    private readonly float[] _gradients = Array.Empty<float>();

    /// <summary>The number of spare values after the flat gradient in <see cref="GradientBuffer"/>.</summary>
    internal const int GradientSpare = 4;

    /// <summary>True when the compiled model has the split training step (<see cref="TrainingSetup.SplitStep"/>).</summary>
    public bool HasSplitStep => _grad is not null;

    /// <summary>
    /// The flat gradient written by the last <see cref="ComputeGradients(float[][], float[][], int, BatchShard?)"/> and read by
    /// <see cref="ApplyUpdate()"/>: every trainable parameter's gradient, row-major, at the offsets of
    /// <see cref="TrainingSignature.GradientLayout"/>. Writable: scale it, or sum it over processes, between the two calls.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model was compiled without the split step.</exception>
    public Span<float> Gradients => new(RequireSplit("Gradients")._gradients, 0, Signature.GradientLength);

    /// <summary>The flat gradient with <see cref="GradientSpare"/> spare values after it (for the data-parallel trainer).</summary>
    internal float[] GradientBuffer => _gradients;

    /// <summary>
    /// The first half of a training step: the loss and outputs (training mode, dropout masks drawn as
    /// <see cref="TrainStep(float[], float[], int)"/> draws them) and the gradient of the loss with respect to every
    /// trainable parameter, written to <see cref="Gradients"/>; buffers (running statistics) are updated. Nothing else
    /// changes and the step is not counted until <see cref="ApplyUpdate()"/>. Returns the loss.
    /// </summary>
    /// <param name="x">The input rows (the single input).</param>
    /// <param name="t">The target rows (the single target).</param>
    /// <param name="batch">The number of rows.</param>
    /// <param name="shard">When the rows are a shard of a larger batch: where they lie in it (the dropout masks are drawn for the whole batch and this shard's rows used).</param>
    public float ComputeGradients(float[] x, float[] t, int batch, BatchShard? shard = null)
    {
        RequireSplit("ComputeGradients");
        Single("ComputeGradients", Signature.Inputs.Count, "input"); Single("ComputeGradients", Signature.Targets.Count, "target");
        _grad!.Set(Signature.Inputs[0].Name, x);
        _grad.Set(Signature.Targets[0].Name, t);
        return RunGradients(batch, shard);
    }

    /// <summary>The first half of a training step with inputs and targets in signature order; see <see cref="ComputeGradients(float[], float[], int, BatchShard?)"/>.</summary>
    public float ComputeGradients(float[][] inputs, float[][] targets, int batch, BatchShard? shard = null)
    {
        RequireSplit("ComputeGradients");
        Count("ComputeGradients", inputs, Signature.Inputs.Count, "input"); Count("ComputeGradients", targets, Signature.Targets.Count, "target");
        for (int i = 0; i < inputs.Length; i++) _grad!.Set(Signature.Inputs[i].Name, inputs[i]);
        for (int i = 0; i < targets.Length; i++) _grad!.Set(Signature.Targets[i].Name, targets[i]);
        return RunGradients(batch, shard);
    }

    /// <summary>
    /// The second half of a training step: the optimizer's update of every trainable parameter and its state from
    /// <see cref="Gradients"/> at the network's <see cref="LearningRate"/>, as <see cref="TrainStep(float[], float[], int)"/>
    /// would apply it; counts the step.
    /// </summary>
    public void ApplyUpdate() => ApplyUpdateAt(RateNow());

    /// <summary>The second half of a training step with an explicit rate (obsolete: see <see cref="LearningRate"/>).</summary>
    [Obsolete(LearningRateTwice)]
    public void ApplyUpdate(double lr) => ApplyUpdateAt(lr);

    /// <summary>The second half of a training step at rate <paramref name="lr"/>.</summary>
    internal void ApplyUpdateAt(double lr)
    {
        RequireSplit("ApplyUpdate");
        if (!(lr > 0) || double.IsInfinity(lr))
            throw new ArgumentOutOfRangeException(nameof(lr), lr, "ApplyUpdate: the learning rate must be a positive finite number.");
        _lr[0] = (float)lr;
        Compiled.Run(_applyUpdate, 1, _update!.Inputs, _update.Outputs);
        Step++;
    }

    private float RunGradients(int batch, BatchShard? shard)
    {
        CheckBatch(batch);
        CheckTrainingBatch(batch, "ComputeGradients");
        if (shard is { } s && (s.Offset < 0 || s.GlobalBatch < batch || s.Offset > s.GlobalBatch - batch))
            throw new ArgumentOutOfRangeException(nameof(shard), s, $"ComputeGradients: rows [{s.Offset}, {(long)s.Offset + batch}) do not lie in a global batch of {s.GlobalBatch}.");
        EnsureCapacity(batch);
        if (shard is { } sh) FillMasks(batch, sh.Offset, sh.GlobalBatch);
        else FillMasks(batch, 0, batch);
        _lastBatch = 0;
        CheckIntegers(_grad!, "ComputeGradients", batch);
        Compiled.Run(_computeGradients, batch, _grad!.Inputs, _grad.Outputs);
        _lastBatch = batch;
        return _loss[0];
    }

    private Network RequireSplit(string what) => _grad is not null ? this
        : throw new InvalidOperationException($"{what}: model \"{Signature.ModelName}\" was compiled without the split training step; compile it with TrainingSetup.SplitStep = true.");
}
