using System;
using Nabla.Ir;
using System.Linq;
using Nabla.Runtime;

namespace Nabla;

public sealed partial class Network
{
    private float[][] _outputs = Array.Empty<float[]>();
    private readonly float[] _loss = new float[1];
    private int _lastBatch;

    /// <summary>
    /// Inference (evaluation mode: dropout off) on a batch of <paramref name="batch"/> examples: <paramref name="x"/> holds
    /// them row-major (at least batch × <see cref="InputWidth"/> values); the network's single output is written to
    /// <paramref name="y"/> (at least batch × <see cref="OutputWidth"/> values). Allocates nothing.
    /// </summary>
    public void Predict(float[] x, int batch, float[] y)
    {
        Single("Predict", Signature.Inputs.Count, "input"); Single("Predict", Signature.Outputs.Count, "output");
        _fwd.Set(Signature.Inputs[0].Name, x);
        _fwd.SetOutput(Signature.Outputs[0].Name, y);
        CheckIntegers(_fwd, "Predict", batch);
        Compiled.Run(_forward, batch, _fwd.Inputs, _fwd.Outputs);
    }

    /// <summary>Inference on a batch; returns a new array with the single output (batch × <see cref="OutputWidth"/>).</summary>
    public float[] Predict(float[] x, int batch)
    {
        CheckBatch(batch);
        var y = new float[(long)batch * _outputPerExample[0]];
        Predict(x, batch, y);
        return y;
    }

    /// <summary>Inference with several inputs and outputs, each in the order of <see cref="Nabla.Lowering.TrainingSignature.Inputs"/> and <see cref="Nabla.Lowering.TrainingSignature.Outputs"/>.</summary>
    public void Predict(float[][] inputs, int batch, float[][] outputs)
    {
        Count("Predict", inputs, Signature.Inputs.Count, "input"); Count("Predict", outputs, Signature.Outputs.Count, "output");
        for (int i = 0; i < inputs.Length; i++) _fwd.Set(Signature.Inputs[i].Name, inputs[i]);
        for (int i = 0; i < outputs.Length; i++) _fwd.SetOutput(Signature.Outputs[i].Name, outputs[i]);
        CheckIntegers(_fwd, "Predict", batch);
        Compiled.Run(_forward, batch, _fwd.Inputs, _fwd.Outputs);
    }

    /// <summary>
    /// The loss on a batch in evaluation mode (dropout off, no update), with targets <paramref name="t"/> (at least batch ×
    /// <see cref="TargetWidth"/> values). The outputs are then in <see cref="Output"/>. Allocates nothing once the batch fits.
    /// </summary>
    public float Evaluate(float[] x, float[] t, int batch)
    {
        Single("Evaluate", Signature.Inputs.Count, "input"); Single("Evaluate", Signature.Targets.Count, "target");
        _eval.Set(Signature.Inputs[0].Name, x);
        _eval.Set(Signature.Targets[0].Name, t);
        return RunEvaluate(batch);
    }

    /// <summary>The loss on a batch in evaluation mode, with inputs and targets in signature order.</summary>
    public float Evaluate(float[][] inputs, float[][] targets, int batch)
    {
        Count("Evaluate", inputs, Signature.Inputs.Count, "input"); Count("Evaluate", targets, Signature.Targets.Count, "target");
        for (int i = 0; i < inputs.Length; i++) _eval.Set(Signature.Inputs[i].Name, inputs[i]);
        for (int i = 0; i < targets.Length; i++) _eval.Set(Signature.Targets[i].Name, targets[i]);
        return RunEvaluate(batch);
    }

    /// <summary>
    /// One training step on a batch at the network's learning rate (<see cref="LearningRate"/> at <see cref="Step"/>:
    /// the optimizer's rate unless a schedule was set): computes the loss (training mode, with fresh dropout masks;
    /// BatchNorm with batch statistics), then updates the trainable parameters, the optimizer state and the buffers
    /// (running statistics) in place, and counts the step.
    /// Returns the loss before the update; <see cref="Output"/> holds the outputs computed with it. Allocates nothing
    /// once the batch fits.
    /// </summary>
    public float TrainStep(float[] x, float[] t, int batch) => TrainStepAt(x, t, batch, RateNow());

    /// <summary>One training step with an explicit learning rate <paramref name="lr"/> (obsolete: the rate is given once, see <see cref="LearningRate"/>).</summary>
    [Obsolete(LearningRateTwice)]
    public float TrainStep(float[] x, float[] t, int batch, double lr) => TrainStepAt(x, t, batch, lr);

    /// <summary>One training step at rate <paramref name="lr"/> (the trainer's schedule, or an obsolete explicit rate).</summary>
    internal float TrainStepAt(float[] x, float[] t, int batch, double lr)
    {
        Single("TrainStep", Signature.Inputs.Count, "input"); Single("TrainStep", Signature.Targets.Count, "target");
        _step.Set(Signature.Inputs[0].Name, x);
        _step.Set(Signature.Targets[0].Name, t);
        return RunTrain(batch, lr);
    }

    /// <summary>One training step with inputs and targets in signature order, at the network's <see cref="LearningRate"/>.</summary>
    public float TrainStep(float[][] inputs, float[][] targets, int batch) => TrainStepAt(inputs, targets, batch, RateNow());

    /// <summary>One training step with inputs and targets in signature order and an explicit rate (obsolete: see <see cref="LearningRate"/>).</summary>
    [Obsolete(LearningRateTwice)]
    public float TrainStep(float[][] inputs, float[][] targets, int batch, double lr) => TrainStepAt(inputs, targets, batch, lr);

    /// <summary>One training step with inputs and targets in signature order at rate <paramref name="lr"/>.</summary>
    internal float TrainStepAt(float[][] inputs, float[][] targets, int batch, double lr)
    {
        Count("TrainStep", inputs, Signature.Inputs.Count, "input"); Count("TrainStep", targets, Signature.Targets.Count, "target");
        for (int i = 0; i < inputs.Length; i++) _step.Set(Signature.Inputs[i].Name, inputs[i]);
        for (int i = 0; i < targets.Length; i++) _step.Set(Signature.Targets[i].Name, targets[i]);
        return RunTrain(batch, lr);
    }

    /// <summary>Output <paramref name="index"/> of the last <see cref="Evaluate(float[], float[], int)"/> or <see cref="TrainStep(float[], float[], int)"/>: batch × <see cref="OutputWidth"/> values.</summary>
    public ReadOnlySpan<float> Output(int index = 0) =>
        _lastBatch == 0 ? ReadOnlySpan<float>.Empty : new ReadOnlySpan<float>(_outputs[index], 0, _lastBatch * _outputPerExample[index]);

    private float RunEvaluate(int batch)
    {
        CheckBatch(batch);
        EnsureCapacity(batch);
        _lastBatch = 0;
        CheckIntegers(_eval, "Evaluate", batch);
        Compiled.Run(_evaluate, batch, _eval.Inputs, _eval.Outputs);
        _lastBatch = batch;
        return _loss[0];
    }

    private float RunTrain(int batch, double lr, float[][]? masks = null)
    {
        if (!(lr > 0) || double.IsInfinity(lr))
            throw new ArgumentOutOfRangeException(nameof(lr), lr, "TrainStep: the learning rate must be a positive finite number.");
        CheckBatch(batch);
        CheckTrainingBatch(batch);
        EnsureCapacity(batch);
        _lr[0] = (float)lr;
        if (masks is null) FillMasks(batch, 0, batch);
        else UseMasks(masks, batch);
        _lastBatch = 0;
        CheckIntegers(_step, "TrainStep", batch);
        Compiled.Run(_train, batch, _step.Inputs, _step.Outputs);
        _lastBatch = batch;
        Step++;
        return _loss[0];
    }

    /// <summary>
    /// Draws this step's keep-masks: element j of mask i is 0 with probability p, from a stream seeded by (DropoutSeed,
    /// Step). The stream is indexed by position in the masks of a batch of <paramref name="globalBatch"/> rows, and this
    /// call fills rows [<paramref name="offset"/>, offset + batch) of it, so a shard draws what its rows would in the whole batch.
    /// </summary>
    private void FillMasks(int batch, int offset, int globalBatch)
    {
        if (_maskArrays.Length == 0) return;
        ulong seed = Rng.Mix((ulong)DropoutSeed ^ 0x6A09E667F3BCC909UL) ^ Rng.Mix((ulong)Step + 1);
        ulong before = 0; // elements of the earlier masks in the global batch
        for (int i = 0; i < _maskArrays.Length; i++)
        {
            double p = Signature.Masks[i].P;
            var a = _maskArrays[i];
            int per = _maskPerExample[i];
            int n = batch * per;
            ulong s = seed + (before + (ulong)offset * (ulong)per) * 0x9E3779B97F4A7C15UL;
            for (int j = 0; j < n; j++)
            {
                s += 0x9E3779B97F4A7C15UL;
                double u = (Rng.Mix(s) >> 11) * (1.0 / 9007199254740992.0);
                a[j] = u >= p ? 1f : 0f;
            }
            before += (ulong)globalBatch * (ulong)per;
        }
    }

    /// <summary>Grows the output and mask arrays to hold <paramref name="batch"/> examples (allocates only when the batch grows).</summary>
    private void EnsureCapacity(int batch)
    {
        if (batch <= _capacity) return;
        _outputs = new float[Signature.Outputs.Count][];
        for (int i = 0; i < _outputs.Length; i++)
        {
            _outputs[i] = new float[(long)batch * _outputPerExample[i]];
            _eval.SetOutput(Signature.Outputs[i].Name, _outputs[i]);
            _step.SetOutput(Signature.Outputs[i].Name, _outputs[i]);
            _grad?.SetOutput(Signature.Outputs[i].Name, _outputs[i]);
        }
        _grad?.SetOutput(Signature.LossOutput, _loss);
        _eval.SetOutput(Signature.LossOutput, _loss);
        _step.SetOutput(Signature.LossOutput, _loss);
        for (int i = 0; i < _maskArrays.Length; i++)
        {
            _maskArrays[i] = new float[(long)batch * _maskPerExample[i]];
            _step.Set(Signature.Masks[i].Name, _maskArrays[i]);
            _grad?.Set(Signature.Masks[i].Name, _maskArrays[i]);
        }
        _capacity = batch;
    }

    private void CheckBatch(int batch)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch size must be at least 1.");
        if (batch > _sizesChecked) CheckSizes(batch);
    }

    private int _sizesChecked;

    /// <summary>
    /// Refuses a batch at which some input, output, mask or temporary of a compiled method would not fit in one array
    /// (naming it and its size), or a method's temporaries would need more memory than is available, before anything is
    /// allocated for it. Runs once per new largest batch.
    /// </summary>
    private void CheckSizes(int batch)
    {
        // The whole memory, not what is left: the slots of a smaller batch are already part of the heap.
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long? available = total > 0 ? total : null;
        long bytesPer = sizeof(float);
        foreach (var m in Compiled.Spec.Methods)
        {
            foreach (var t in m.Inputs.Concat(m.Outputs))
                if (t.HasBatch)
                {
                    long n = t.Size(batch); // long.MaxValue when beyond 64 bits: refused here
                    Shape.CheckElements($"{m.Name}: {(m.Inputs.Contains(t) ? "input" : "output")} \"{t.Name}\"", n, $"{t} at batch {batch.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}");
                }
            long temps = 0;
            for (int s = 0; s < m.Slots.Count; s++)
            {
                long n = m.Slots[s].Capacity(batch); // long.MaxValue when beyond 64 bits
                Shape.CheckElements($"{m.Name}: temporary slot {s}", n, $"at batch {batch.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}");
                temps += n;
            }
            if (available is long a && temps * bytesPer > a)
                throw new InsufficientMemoryException($"{m.Name} at batch {batch.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} needs {Bytes(temps * bytesPer)} of temporaries, more than the {Bytes(a)} this process can allocate; use a smaller batch.");
        }
        _sizesChecked = batch;
    }

    private void Single(string method, int count, string what)
    {
        if (count != 1)
            throw new InvalidOperationException($"{method}: model \"{Signature.ModelName}\" has {count} {what}s; use the overload that takes arrays in signature order.");
    }

    private static void Count(string method, float[][] arrays, int count, string what)
    {
        if (arrays is null) throw new ArgumentNullException(what + "s", $"{method}: the {what} arrays are null.");
        if (arrays.Length != count) throw new ArgumentException($"{method}: the model has {count} {what}(s); {arrays.Length} array(s) were given.", what + "s");
    }
}
