using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Nabla;
using Nabla.Checkpoints;

namespace Mnist1D;

/// <summary>
/// The example's checkpoints: every parameter under its PyTorch name (<c>0.weight</c> [out, in], …), the optimizer state
/// tensors under their own names, and metadata (format, optimizer, step). Loading checks names and shapes against the
/// model before anything is written into the network.
/// </summary>
public static class CheckpointIO
{
    /// <summary>The metadata key of the step count.</summary>
    public const string StepKey = "nabla.step";
    /// <summary>The metadata key of the optimizer description.</summary>
    public const string OptimizerKey = "nabla.optimizer";

    /// <summary>
    /// Reads <paramref name="path"/> and checks that it holds every parameter of <paramref name="model"/> with the model's
    /// shape; a <see cref="CheckpointException"/> names the file and the first tensor that is missing or does not match.
    /// </summary>
    public static SafeTensorsFile LoadFor(string path, Model model)
    {
        var file = SafeTensors.Load(path);
        foreach (var p in model.Parameters.Entries)
        {
            var t = file[p.Name];
            if (!t.HasShape(p.Parameter.Shape.Dims))
                throw new CheckpointException(
                    $"{path}: tensor '{p.Name}' has shape {Format(t.Shape)}, but the model ({model.ParameterCount} parameters) expects {Format(p.Parameter.Shape.Dims)}.",
                    path, p.Name);
        }
        return file;
    }

    /// <summary>
    /// Writes the checked <paramref name="file"/> into <paramref name="network"/>: the parameters, and the optimizer state
    /// and step count when the file has state for the same optimizer. Returns whether the optimizer state was restored.
    /// </summary>
    public static bool Apply(SafeTensorsFile file, Network network)
    {
        foreach (var p in network.Signature.Parameters)
            file[p.Name].CopyTo(network.ParameterValues(p.Name), p.Shape, file.Source);
        bool sameOptimizer = file.MetadataValue(OptimizerKey) == network.Signature.Optimizer;
        bool hasState = network.State.All(s => file.TryGet(s.Name, out var t) && t!.HasShape(s.Shape));
        if (!sameOptimizer || !hasState || !long.TryParse(file.MetadataValue(StepKey), NumberStyles.None, CultureInfo.InvariantCulture, out long step))
        {
            network.ResetOptimizer();
            return false;
        }
        foreach (var s in network.State) file[s.Name].CopyTo(network.StateValues(s.Name), s.Shape, file.Source);
        network.Step = step;
        return true;
    }

    /// <summary>Saves the parameters, the optimizer state and the step count of <paramref name="network"/> to <paramref name="path"/> (atomically).</summary>
    public static void Save(string path, Network network, IReadOnlyDictionary<string, string>? extra = null)
    {
        var tensors = new List<SafeTensor>();
        foreach (var p in network.Signature.Parameters) tensors.Add(new SafeTensor(p.Name, p.Shape, network.ParameterValues(p.Name)));
        foreach (var s in network.State) tensors.Add(new SafeTensor(s.Name, s.Shape, network.StateValues(s.Name)));
        var meta = new Dictionary<string, string>
        {
            ["format"] = "pt",
            [OptimizerKey] = network.Signature.Optimizer,
            [StepKey] = network.Step.ToString(CultureInfo.InvariantCulture),
        };
        if (extra is not null) foreach (var kv in extra) meta[kv.Key] = kv.Value;
        SafeTensors.Save(path, tensors, meta);
    }

    private static string Format(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";
}
