using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Training;

/// <summary>
/// A float64 compiled training step run beside the interpreter on the lowered IR: the model's parameters and fresh
/// optimizer state are bound, copied into the compiled model, and each step's loss and updates are compared.
/// </summary>
internal sealed class StepAgainstInterpreter
{
    private readonly LoweredModel _lowered;
    private readonly CompiledModel<double> _compiled;

    /// <summary>The interpreter's bindings: parameters and optimizer state now, data and lr once the caller adds them.</summary>
    public Dictionary<string, Tensor> Bindings { get; }

    public StepAgainstInterpreter(Model model, LoweredModel lowered, Backend backend)
    {
        _lowered = lowered;
        _compiled = Jit.CompileModel<double>(lowered, backend);
        Bindings = model.Parameters.ToTensors();
        foreach (var s in lowered.Signature.State)
            Bindings[s.Name] = new Tensor(s.Shape.ToArray(), Enumerable.Repeat(s.Initial, s.Shape.Aggregate(1, (a, d) => a * d)).ToArray());
        var spec = _compiled.Spec;
        for (int i = 0; i < spec.Parameters.Count; i++)
            Array.Copy(Bindings[spec.Parameters[i].Name].Data, _compiled.Parameters[i], _compiled.Parameters[i].Length);
    }

    /// <summary>
    /// One TrainStep on both: asserts that the compiled loss and every updated parameter equal the interpreter's to
    /// <paramref name="digits"/> decimal places, then carries the updates into the bindings. Returns the loss.
    /// </summary>
    public double Step(int batch, int digits = 12)
    {
        var spec = _compiled.Spec;
        int m = spec.MethodIndex("TrainStep");
        var method = spec.Methods[m];
        var expected = Interpreter.Run(_lowered.TrainStep, Bindings);
        var outputs = method.Outputs.Select(o => new double[o.Size(batch)]).ToArray();
        _compiled.Run(m, batch, method.Inputs.Select(i => Bindings[i.Name].Data).ToArray(), outputs);
        double loss = outputs[method.OutputIndex("loss")][0];
        Assert.Equal(expected["loss"].Value, loss, digits);
        foreach (var u in expected.Updates)
        {
            var got = _compiled.Parameters[spec.ParameterIndex(u.Key)];
            for (int i = 0; i < got.Length; i++) Assert.Equal(u.Value.Data[i], got[i], digits);
            Bindings[u.Key] = u.Value;
        }
        return loss;
    }
}
