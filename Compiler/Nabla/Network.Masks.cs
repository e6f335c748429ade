using System;

namespace Nabla;

public sealed partial class Network
{
    /// <summary>
    /// One training step with the dropout keep-masks given instead of drawn: <paramref name="masks"/> holds one array per
    /// entry of <see cref="Nabla.Lowering.TrainingSignature.Masks"/>, in that order, each at least batch × (values per
    /// example of that mask) values of 0 (drop) or 1 (keep). The compiled step multiplies the dropped activation by the
    /// mask and by 1/(1−p), exactly as PyTorch's dropout does with the same mask, so a step can be compared with another
    /// implementation. Otherwise as <see cref="TrainStep(float[][], float[][], int)"/> (at the network's
    /// <see cref="LearningRate"/>; the step is counted; the next step without masks draws from
    /// (<see cref="DropoutSeed"/>, <see cref="Step"/>) as usual).
    /// </summary>
    /// <exception cref="ArgumentException">The wrong number of masks, a mask too short for the batch, or a value other than 0 or 1; the message names the mask.</exception>
    public float TrainStep(float[][] inputs, float[][] targets, float[][] masks, int batch) => TrainStepAt(inputs, targets, masks, batch, RateNow());

    /// <summary>One training step with given dropout masks and an explicit rate (obsolete: see <see cref="LearningRate"/>).</summary>
    [Obsolete(LearningRateTwice)]
    public float TrainStep(float[][] inputs, float[][] targets, float[][] masks, int batch, double lr) => TrainStepAt(inputs, targets, masks, batch, lr);

    private float TrainStepAt(float[][] inputs, float[][] targets, float[][] masks, int batch, double lr)
    {
        Count("TrainStep", inputs, Signature.Inputs.Count, "input"); Count("TrainStep", targets, Signature.Targets.Count, "target");
        Count("TrainStep", masks, Signature.Masks.Count, "mask");
        CheckBatch(batch);
        for (int i = 0; i < masks.Length; i++)
        {
            var m = Signature.Masks[i];
            long n = (long)batch * _maskPerExample[i];
            if (masks[i] is null || masks[i].Length < n)
                throw new ArgumentException($"TrainStep: mask \"{m.Name}\" {Nabla.Lowering.TrainingSignature.Format(m.Name, m.Shape)} needs {n} values for a batch of {batch}; {masks[i]?.Length ?? 0} were given.", nameof(masks));
            for (long j = 0; j < n; j++)
                if (masks[i][j] != 0f && masks[i][j] != 1f)
                    throw new ArgumentException($"TrainStep: mask \"{m.Name}\" holds {masks[i][j]} at position {j}; a keep-mask holds only 0 (drop) and 1 (keep).", nameof(masks));
        }
        for (int i = 0; i < inputs.Length; i++) _step.Set(Signature.Inputs[i].Name, inputs[i]);
        for (int i = 0; i < targets.Length; i++) _step.Set(Signature.Targets[i].Name, targets[i]);
        return RunTrain(batch, lr, masks);
    }

    /// <summary>Copies the given masks into this step's mask arrays (checked by the caller).</summary>
    private void UseMasks(float[][] masks, int batch)
    {
        for (int i = 0; i < _maskArrays.Length; i++) Array.Copy(masks[i], _maskArrays[i], batch * _maskPerExample[i]);
    }
}
