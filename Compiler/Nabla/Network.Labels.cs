using System;
using System.Globalization;
using Nabla.Lowering;

namespace Nabla;

// Integer class labels and i32 inputs at the data boundary. A compiled model has one element type, so an i32 tensor
// (token ids for an Embedding, class-index targets) is passed in float arrays holding exact integers. Every call checks
// those values first: a value that is not an integer, or is outside the range the graph reads, is an error naming the
// tensor, the example and the value (the compiled index kernels check again, so nothing is ever read out of bounds).
public sealed partial class Network
{
    private float[] _labelBuffer = Array.Empty<float>();

    /// <summary>
    /// The loss on a batch in evaluation mode with integer class <paramref name="labels"/> (one per example, at least
    /// <paramref name="batch"/> of them), for a network whose single target is a class index per example
    /// (<see cref="ClassTargets.Indices"/>, <see cref="ClassTargets.IntegerIndices"/> or <see cref="Loss.Nll"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes); the message names the example.</exception>
    public float Evaluate(float[] x, int[] labels, int batch) => Evaluate(x, LabelTargets("Evaluate", labels, batch), batch);

    /// <summary>One training step with integer class <paramref name="labels"/> (see <see cref="Evaluate(float[], int[], int)"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes); the message names the example.</exception>
    public float TrainStep(float[] x, int[] labels, int batch) => TrainStepAt(x, LabelTargets("TrainStep", labels, batch), batch, RateNow());

    /// <summary>One training step with integer class <paramref name="labels"/> and an explicit rate (obsolete: see <see cref="LearningRate"/>).</summary>
    [Obsolete(LearningRateTwice)]
    public float TrainStep(float[] x, int[] labels, int batch, double lr) => TrainStepAt(x, LabelTargets("TrainStep", labels, batch), batch, lr);

    // The labels as the float target array (checked against the number of classes).
    private float[] LabelTargets(string method, int[] labels, int batch)
    {
        if (labels is null) throw new ArgumentNullException(nameof(labels));
        Single(method, Signature.Targets.Count, "target");
        CheckBatch(batch);
        var t = Signature.Targets[0];
        if (t.Shape.Count != 1 || t.Shape[0] != -1)
            throw new InvalidOperationException($"{method}: integer labels are one class index per example, but the target {TrainingSignature.Format(t.Name, t.Shape)} takes other values; pass a float target array.");
        if (labels.Length < batch)
            throw new ArgumentException($"{method}: {labels.Length} labels for a batch of {batch}.", nameof(labels));
        int? limit = t.IndexLimit ?? (Signature.Outputs.Count == 1 ? OutputWidth() : null);
        if (_labelBuffer.Length < batch) _labelBuffer = new float[batch];
        for (int j = 0; j < batch; j++)
        {
            int v = labels[j];
            if (v < 0 || (limit is { } l && v >= l))
                throw new ArgumentOutOfRangeException(nameof(labels), $"{method}: label {v} of example {j} is outside [0, {(limit is { } m ? m.ToString(CultureInfo.InvariantCulture) : "∞")}) (the classes of target \"{t.Name}\").");
            _labelBuffer[j] = v;
        }
        return _labelBuffer;
    }

    // Checks every i32 input and target the method reads: each value an integer in [0, limit).
    private void CheckIntegers(Call call, string method, int batch)
    {
        for (int i = 0; i < call.Method.Inputs.Count; i++)
        {
            var spec = call.Method.Inputs[i];
            var info = IntegerInfo(spec.Name, out string kind);
            var a = call.Inputs[i];
            if (info is null || a is null) continue; // not integers; a missing array is reported by the compiled model
            long n = Math.Min(spec.Size(batch), a.Length);
            long per = Math.Max(1, spec.Size(1));
            for (long j = 0; j < n; j++)
            {
                float v = a[j];
                // An integer in [0, limit); without a limit still finite and exact in float (≤ 2²⁴).
                if (v >= 0 && v == MathF.Floor(v) && (info.IndexLimit is { } l ? v < l : v <= 16777216f)) continue;
                string where = per > 1 ? $"example {j / per}, position {j % per}" : $"example {j}";
                throw new ArgumentException($"{method}: the {kind} \"{spec.Name}\" holds {v.ToString("R", CultureInfo.InvariantCulture)} at {where}, "
                    + $"which is not an integer in [0, {(info.IndexLimit is { } m ? m.ToString(CultureInfo.InvariantCulture) : "2^24]")}{(info.IndexLimit is null ? "" : ")")} (it holds {(info.IsInteger ? "i32 " : "")}{(kind == "target" ? "class indices" : "indices")}).");
            }
        }
    }

    // The signature's entry for an i32 input or target called name (null when it is not one).
    private TensorInfo? IntegerInfo(string name, out string kind)
    {
        for (int i = 0; i < Signature.Inputs.Count; i++)
            if (Signature.Inputs[i].Name == name) { kind = "input"; return Signature.Inputs[i].HoldsIndices ? Signature.Inputs[i] : null; }
        for (int i = 0; i < Signature.Targets.Count; i++)
            if (Signature.Targets[i].Name == name) { kind = "target"; return Signature.Targets[i].HoldsIndices ? Signature.Targets[i] : null; }
        kind = "";
        return null;
    }
}
