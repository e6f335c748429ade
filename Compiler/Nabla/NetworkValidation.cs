using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Runtime;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla;

/// <summary>Thrown when a compiled model does not match the model or signature it is bound to; the message names the tensor.</summary>
public sealed class BindingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BindingException(string message) : base(message) { }
}

/// <summary>The checks of <see cref="Network.Bind"/>: every name and shape of the compiled spec against the signature and the model.</summary>
internal static class NetworkValidation
{
    public static void Check(Model model, ModelSpec spec, TrainingSignature sig)
    {
        string where = $"Binding model \"{sig.ModelName}\" to compiled model \"{spec.Name}\"";
        if (spec.DType != "f32" || sig.DType != "f32")
            throw new BindingException($"{where}: a Network runs float32 models, but the compiled model is {spec.DType} and the signature says {sig.DType}.");

        // Parameters: the signature's list is the model's, name for name, shape for shape, trainable flag for flag.
        var entries = model.Parameters.Entries;
        foreach (var e in entries)
        {
            var info = sig.Parameters.FirstOrDefault(p => p.Name == e.Name)
                ?? throw new BindingException($"{where}: the model has parameter \"{e.Name}\" {e.Parameter.Shape}, which the signature does not list; compile the model again.");
            if (!info.Shape.SequenceEqual(e.Parameter.Shape.Dims))
                throw new BindingException($"{where}: parameter \"{e.Name}\" is {e.Parameter.Shape} in the model but {Dims(info.Shape)} in the compiled model.");
            if (info.Trainable != e.Parameter.Trainable)
                throw new BindingException($"{where}: parameter \"{e.Name}\" was {(info.Trainable ? "trainable" : "frozen")} when the model was compiled but is {(e.Parameter.Trainable ? "trainable" : "frozen")} now; compile again after freezing or unfreezing layers.");
        }
        foreach (var p in sig.Parameters)
            if (!model.Parameters.Contains(p.Name))
                throw new BindingException($"{where}: the compiled model has parameter \"{p.Name}\" {Dims(p.Shape)}, which the model does not (the model has: {string.Join(", ", model.Parameters.Names)}).");

        // Every tensor the compiled model holds is a model parameter or a state tensor, of the same shape.
        foreach (var t in spec.Parameters)
        {
            var shape = sig.Parameters.FirstOrDefault(p => p.Name == t.Name)?.Shape ?? sig.State.FirstOrDefault(s => s.Name == t.Name)?.Shape
                ?? throw new BindingException($"{where}: the compiled model holds \"{t.Name}\" {Dims(t.Shape)}, which is neither a parameter of the model nor an optimizer state tensor of the signature.");
            if (!shape.SequenceEqual(t.Shape))
                throw new BindingException($"{where}: \"{t.Name}\" is {Dims(shape)} in the signature but {Dims(t.Shape)} in the compiled model.");
        }
        foreach (var s in sig.State)
            if (spec.ParameterIndex(s.Name) < 0)
                throw new BindingException($"{where}: the compiled model has no optimizer state tensor \"{s.Name}\" {Dims(s.Shape)}; it was compiled for another optimizer.");

        foreach (var method in sig.Methods) Method(where, spec, sig, method);
    }

    private static void Method(string where, ModelSpec spec, TrainingSignature sig, string name)
    {
        var idx = Enumerable.Range(0, spec.Methods.Count).FirstOrDefault(i => spec.Methods[i].Name == name, -1);
        if (idx < 0) throw new BindingException($"{where}: the compiled model has no method \"{name}\" (methods: {string.Join(", ", spec.Methods.Select(m => m.Name))}).");
        var m = spec.Methods[idx];
        var known = Known(sig);
        var allowed = sig.MethodInputs(name);
        foreach (var input in m.Inputs)
        {
            if (!allowed.Contains(input.Name))
                throw new BindingException($"{where}: {name} reads input \"{input.Name}\" {Dims(input.Shape)}, which the signature does not give it (inputs: {string.Join(", ", allowed)}).");
            var want = known[input.Name];
            if (!want.SequenceEqual(input.Shape))
                throw new BindingException($"{where}: {name} input \"{input.Name}\" is {Dims(input.Shape)} in the compiled model but {Dims(want)} in the signature.");
        }
        foreach (var output in sig.MethodOutputs(name))
        {
            int o = m.OutputIndex(output);
            if (o < 0) throw new BindingException($"{where}: {name} has no output \"{output}\" (outputs: {string.Join(", ", m.Outputs.Select(x => x.Name))}).");
            var want = known[output];
            if (!want.SequenceEqual(m.Outputs[o].Shape))
                throw new BindingException($"{where}: {name} output \"{output}\" is {Dims(m.Outputs[o].Shape)} in the compiled model but {Dims(want)} in the signature.");
        }
        if (m.Outputs.Count != sig.MethodOutputs(name).Count)
            throw new BindingException($"{where}: {name} has outputs {string.Join(", ", m.Outputs.Select(x => x.Name))}; the signature expects {string.Join(", ", sig.MethodOutputs(name))}.");
    }

    private static Dictionary<string, IReadOnlyList<int>> Known(TrainingSignature sig)
    {
        var d = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        foreach (var t in sig.Inputs.Concat(sig.Targets).Concat(sig.Outputs)) d[t.Name] = t.Shape;
        foreach (var m in sig.Masks) d[m.Name] = m.Shape;
        d[sig.LearningRateInput] = Array.Empty<int>();
        d[sig.LossOutput] = Array.Empty<int>();
        if (sig.SplitStep) d[TrainingSignature.GradientsName] = new[] { sig.GradientLength };
        return d;
    }

    private static string Dims(IReadOnlyList<int> shape) => "[" + string.Join(",", shape.Select(d => d == -1 ? "B" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
