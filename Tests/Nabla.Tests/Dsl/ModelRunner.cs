using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Tests.Dsl;

/// <summary>Runs models with the float64 reference interpreter.</summary>
internal static class ModelRunner
{
    /// <summary>The forward output of <paramref name="model"/> on <paramref name="x"/> (shape [batch, …] of the single input).</summary>
    public static Tensor Forward(Model model, Tensor x, string output = Model.DefaultOutput)
    {
        var t = model.Trace(DType.F64);
        var b = t.ParameterBindings();
        b[model.Inputs[0].Name] = x;
        return Interpreter.Run(t.Forward, b)[output];
    }

    /// <summary>The loss value of a training graph for inputs and targets (dropout masks all ones unless given).</summary>
    public static double Loss(TrainingGraph tg, Dictionary<string, Tensor> data)
    {
        var b = tg.ParameterBindings();
        foreach (var kv in data) b[kv.Key] = kv.Value;
        return Interpreter.Run(tg.Loss, b)[Model.LossOutput].Value;
    }

    public static Tensor Matrix(double[,] m) =>
        new(new[] { m.GetLength(0), m.GetLength(1) }, Enumerable.Range(0, m.Length).Select(i => m[i / m.GetLength(1), i % m.GetLength(1)]).ToArray());
}
