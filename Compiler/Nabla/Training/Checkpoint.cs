using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Nabla.Checkpoints;

namespace Nabla;

/// <summary>
/// Saving and loading a <see cref="Network"/> as a safetensors checkpoint (<see cref="SafeTensors"/>, written atomically).
/// <list type="bullet">
/// <item>Parameters under their PyTorch <c>nn.Sequential</c> state-dict names and shapes (<c>0.weight</c> [out, in],
/// <c>0.bias</c> [out]), float32: the file loads into the same PyTorch model after dropping the <c>optimizer.</c> keys.</item>
/// <item>Buffers (module state: BatchNorm's <c>1.running_mean</c>, <c>1.running_var</c>, <c>1.num_batches_tracked</c>) under
/// their state-dict names like parameters; <c>num_batches_tracked</c> as int64, as PyTorch stores it (it loads from I64,
/// F32 or F64).</item>
/// <item>Optimizer state under <c>optimizer.{name}</c> (<c>optimizer.0.weight.m</c>) and the step counter of Adam as
/// <c>optimizer.step</c>.</item>
/// <item>Metadata: <c>format=pt</c>, <c>nabla.step</c> (the network's step count), <c>nabla.dropout_seed</c>,
/// <c>nabla.optimizer</c>, <c>nabla.model</c>, <c>nabla.setup</c>.</item>
/// </list>
/// Loading checks every tensor before writing any, so a file that does not fit leaves the network as it was.
/// </summary>
public static class Checkpoint
{
    /// <summary>The prefix of optimizer-state tensors in a checkpoint.</summary>
    public const string OptimizerPrefix = "optimizer.";

    /// <summary>
    /// Writes the network's parameters, optimizer state (unless <paramref name="includeOptimizerState"/> is false, which
    /// writes a plain PyTorch state dict) and step count to <paramref name="path"/>, atomically: on any error the previous
    /// file stays as it was. Non-finite values (a diverged run) are refused, naming the tensor, unless
    /// <paramref name="allowNonFinite"/>, so a good checkpoint is never overwritten by a broken one.
    /// </summary>
    /// <exception cref="CheckpointException">A value is NaN or infinite, or the file cannot be written.</exception>
    public static void Save(this Network network, string path, bool includeOptimizerState = true, bool allowNonFinite = false)
    {
        if (network is null) throw new ArgumentNullException(nameof(network));
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("The checkpoint path is empty.", nameof(path));
        var sig = network.Signature;
        var tensors = new List<SafeTensor>();
        foreach (var p in sig.Parameters)
            tensors.Add(p.Buffer && IsCounter(p.Name) ? Counter(path, p.Name, p.Shape, network.ParameterValues(p.Name))
                : Tensor(path, p.Name, p.Shape, network.ParameterValues(p.Name), allowNonFinite));
        if (includeOptimizerState)
            foreach (var s in sig.State)
                tensors.Add(Tensor(path, StateKey(s.Name), s.Shape, network.StateValues(s.Name), allowNonFinite));
        var meta = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["nabla.step"] = (includeOptimizerState ? network.Step : 0).ToString(CultureInfo.InvariantCulture),
            ["nabla.dropout_seed"] = network.DropoutSeed.ToString(CultureInfo.InvariantCulture),
            ["nabla.optimizer"] = sig.Optimizer,
            ["nabla.model"] = sig.ModelName,
            ["nabla.setup"] = sig.Setup,
        };
        SafeTensors.Save(path, tensors, meta);
    }

    /// <summary>
    /// Loads a checkpoint written by <see cref="Save"/> (or a PyTorch state dict of the same architecture) into the network.
    /// Every parameter must be in the file with the model's shape, and the file may hold no tensor the network does not
    /// have; the error names the tensor and both shapes. With <paramref name="loadOptimizerState"/> (default) the
    /// optimizer state, step count and dropout seed are restored too, so training continues exactly where it stopped; a
    /// file without optimizer state (weights only) resets the optimizer and the step count to 0. Everything is checked
    /// before anything is written: on an error the network is unchanged. Values are checked too: every weight and state
    /// value finite (unless <paramref name="allowNonFinite"/>, the counterpart of <see cref="Save"/>'s), second moments
    /// not negative, step counters whole numbers; the error names the tensor and the first bad index.
    /// </summary>
    /// <exception cref="CheckpointException">The file is missing, truncated or corrupt, does not fit the network, or holds values no training produces.</exception>
    public static void Load(this Network network, string path, bool loadOptimizerState = true, bool allowNonFinite = false)
    {
        if (network is null) throw new ArgumentNullException(nameof(network));
        var file = SafeTensors.Load(path);
        var sig = network.Signature;
        string src = file.Source;

        // 1. Check: parameters present with the right shapes, nothing unknown, optimizer state complete or absent.
        foreach (var p in sig.Parameters)
        {
            if (!file.TryGet(p.Name, out var t) || t is null)
                throw new CheckpointException($"{src}: the checkpoint has no tensor '{p.Name}' (the model's parameter {Fmt(p.Shape)}); it has: {Names(file.Names)}.", src, p.Name);
            Shape(src, t, p.Shape);
        }
        var known = new HashSet<string>(sig.Parameters.Select(p => p.Name), StringComparer.Ordinal);
        // State under optimizer.{name}; files that store it under the bare name ({name}, as examples/Mnist1D wrote) load too.
        var stateKeys = sig.State.Select(s => !file.Contains(StateKey(s.Name)) && file.Contains(s.Name) ? s.Name : StateKey(s.Name)).ToArray();
        foreach (var k in stateKeys) if (!k.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) known.Add(k);
        foreach (var name in file.Names)
        {
            if (known.Contains(name)) continue;
            if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            {
                if (loadOptimizerState && Array.IndexOf(stateKeys, name) < 0)
                    throw new CheckpointException(
                        $"{src}: the checkpoint holds optimizer state '{name}', which the network's optimizer {sig.Optimizer} does not have " +
                        $"(the file was saved with {file.MetadataValue("nabla.optimizer") ?? "another optimizer"}); load with loadOptimizerState: false to take the weights only.", src, name);
                continue;
            }
            throw new CheckpointException($"{src}: tensor '{name}' {Fmt(file[name].Shape)} is not a parameter of the model (it has: {Names(sig.Parameters.Select(p => p.Name))}).", src, name);
        }
        bool withState = false;
        long step = 0;
        long? dropoutSeed = null;
        if (loadOptimizerState)
        {
            int present = stateKeys.Count(file.Contains);
            withState = present > 0 || (sig.State.Count == 0 && file.MetadataValue("nabla.step") is not null);
            if (present > 0 && present < stateKeys.Length)
            {
                var missing = stateKeys.First(k => !file.Contains(k));
                throw new CheckpointException($"{src}: the checkpoint has optimizer state but not '{missing}'; it was saved with another optimizer ({file.MetadataValue("nabla.optimizer") ?? "unknown"}). Load with loadOptimizerState: false to take the weights only.", src, missing);
            }
            for (int i = 0; i < sig.State.Count && present > 0; i++) Shape(src, file[stateKeys[i]], sig.State[i].Shape);
            if (withState)
            {
                var s = file.MetadataValue("nabla.step");
                if (s is null || !long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out step))
                    throw new CheckpointException($"{src}: the checkpoint has optimizer state but no valid step count (metadata nabla.step = {s ?? "missing"}).", src);
                var d = file.MetadataValue("nabla.dropout_seed");
                if (d is not null)
                {
                    if (!long.TryParse(d, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed))
                        throw new CheckpointException($"{src}: metadata nabla.dropout_seed = {d} is not an integer.", src);
                    dropoutSeed = seed;
                }
            }
        }

        // Values: a NaN or infinite weight or state, a negative second moment, a step counter that is not a count, or a
        // step count no run reaches would only show up later as a run that "diverges" (issue 17).
        foreach (var p in sig.Parameters) Finite(src, file[p.Name], allowNonFinite);
        if (withState)
        {
            if (step > MaxStep) throw new CheckpointException($"{src}: metadata nabla.step = {step} is not a step count a run reaches (at most {MaxStep}).", src);
            for (int i = 0; i < sig.State.Count; i++)
            {
                var t = file[stateKeys[i]];
                var values = Finite(src, t, allowNonFinite);
                var slot = sig.State[i].Slot;
                for (int j = 0; j < values.Length; j++)
                {
                    double v = values[j];
                    if (slot == "v" && v < 0) // NaN passes only when allowed
                        throw new CheckpointException($"{src}: optimizer state '{t.Name}' holds {v.ToString("R", CultureInfo.InvariantCulture)} at index {j}; a second moment (sum or average of squares) is never negative.", src, t.Name);
                    if (slot == "step" && (v < 0 || v != Math.Floor(v) || v > MaxStep))
                        throw new CheckpointException($"{src}: optimizer state '{t.Name}' holds {v.ToString("R", CultureInfo.InvariantCulture)}; a step counter is a whole number from 0 to {MaxStep}.", src, t.Name);
                }
            }
        }

        // 2. Write: nothing above wrote anything.
        foreach (var p in sig.Parameters) file[p.Name].CopyTo(network.ParameterValues(p.Name), p.Shape, src);
        if (withState)
        {
            for (int i = 0; i < sig.State.Count; i++) file[stateKeys[i]].CopyTo(network.StateValues(sig.State[i].Name), sig.State[i].Shape, src);
            network.Step = step;
            if (dropoutSeed is { } seed) network.DropoutSeed = seed;
        }
        else network.ResetOptimizer();
    }

    /// <summary>The largest step count a checkpoint may hold (the float32 step counter of Adam is exact up to 2²⁴; beyond 10¹² steps a count is corrupt).</summary>
    private const long MaxStep = 1_000_000_000_000;

    // The tensor's values, after checking every one is finite (the message names the tensor and the first bad index).
    private static double[] Finite(string src, SafeTensor t, bool allowNonFinite)
    {
        var values = t.ToDouble();
        if (allowNonFinite) return values;
        for (int j = 0; j < values.Length; j++)
            if (!double.IsFinite(values[j]))
                throw new CheckpointException($"{src}: tensor '{t.Name}' holds {(double.IsNaN(values[j]) ? "NaN" : values[j] > 0 ? "+infinity" : "-infinity")} at index {j}; a checkpoint holds finite values.", src, t.Name);
        return values;
    }

    /// <summary>The key of optimizer-state tensor <paramref name="name"/> in a checkpoint: <c>optimizer.{name}</c> (the step counter is already <c>optimizer.step</c>).</summary>
    public static string StateKey(string name) => name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) ? name : OptimizerPrefix + name;

    private static SafeTensor Tensor(string path, string name, IReadOnlyList<int> shape, float[] values, bool allowNonFinite)
    {
        if (!allowNonFinite)
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i]))
                    throw new CheckpointException($"{path}: not saved: tensor '{name}' {Fmt(shape)} holds {values[i]} at element {i} (the run diverged?); the previous file is unchanged. Pass allowNonFinite: true to save it anyway.", path, name);
        return new SafeTensor(name, shape, values);
    }

    private static void Shape(string src, SafeTensor t, IReadOnlyList<int> want)
    {
        if (!t.HasShape(want))
            throw new CheckpointException($"{src}: tensor '{t.Name}' has shape {Fmt(t.Shape)}, but the model expects {Fmt(want)}; nothing was loaded.", src, t.Name);
        if (t.DType != TensorDType.F32 && t.DType != TensorDType.F64 && !(t.DType == TensorDType.I64 && IsCounter(t.Name)))
            throw new CheckpointException($"{src}: tensor '{t.Name}' is {t.DType}; only F32 and F64 load (and I64 for a num_batches_tracked counter).", src, t.Name);
    }

    /// <summary>A batch counter (BatchNorm's <c>num_batches_tracked</c>), which PyTorch stores as int64.</summary>
    private static bool IsCounter(string name) => name == "num_batches_tracked" || name.EndsWith(".num_batches_tracked", StringComparison.Ordinal);

    private static SafeTensor Counter(string path, string name, IReadOnlyList<int> shape, float[] values)
    {
        var counts = new long[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (!(values[i] >= 0 && values[i] == Math.Floor(values[i])))
                throw new CheckpointException($"{path}: not saved: the counter '{name}' holds {values[i]} at element {i}, not a count; the previous file is unchanged.", path, name);
            counts[i] = (long)values[i];
        }
        return new SafeTensor(name, shape, counts);
    }

    private static string Fmt(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    private static string Names(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list.Take(12)) + (list.Count > 12 ? $", … ({list.Count} in all)" : "");
    }
}
