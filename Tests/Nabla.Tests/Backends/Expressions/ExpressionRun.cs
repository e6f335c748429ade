using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Backends.Expressions;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Xunit.Sdk;

namespace Nabla.Tests.Backends.Expressions;

/// <summary>The configurations a compiled model is checked in: vector width and the run-time vector switch.</summary>
public enum VectorMode
{
    /// <summary>The widest accelerated vectors (256 bits here), VectorsEnabled on.</summary>
    Widest,
    /// <summary>The widest vectors compiled in, but <see cref="CompiledModel{T}.VectorsEnabled"/> off at run time.</summary>
    SwitchedOff,
    /// <summary>Vector128 loops.</summary>
    Vector128,
    /// <summary>Scalar loops only (no vector code emitted).</summary>
    ScalarOnly,
}

/// <summary>Runs functions through the expression backend from interpreter-style bindings and compares with the interpreter.</summary>
internal static class ExpressionRun
{
    public static readonly VectorMode[] AllModes = (VectorMode[])Enum.GetValues(typeof(VectorMode));

    public static ExpressionBackendOptions Options(VectorMode mode) => new()
    {
        MaxVectorBits = mode switch { VectorMode.Vector128 => 128, VectorMode.ScalarOnly => -1, _ => 0 },
    };

    /// <summary>Compiles <paramref name="f"/> (one method "Run") for its element type, optimized first when asked.</summary>
    public static object Compile(Function f, VectorMode mode, bool optimize = false)
    {
        var s = Scheduler.Build(optimize ? Pipeline.Optimize(f).Function : f);
        return s.DType == DType.F32 ? ExpressionBackend.Compile<float>(s, "Run", Options(mode)) : ExpressionBackend.Compile<double>(s, "Run", Options(mode));
    }

    /// <summary>Runs a compiled model (float or double) once on the bindings; returns outputs and updated parameters.</summary>
    public static RunResult Run(object model, IReadOnlyDictionary<string, Tensor> bindings, int batch, VectorMode mode) =>
        model switch
        {
            ExpressionModel<float> m => Run(m, bindings, batch, mode),
            ExpressionModel<double> m => Run(m, bindings, batch, mode),
            _ => throw new ArgumentException("Not an expression model."),
        };

    public static RunResult Run<T>(ExpressionModel<T> model, IReadOnlyDictionary<string, Tensor> bindings, int batch, VectorMode mode) where T : unmanaged
    {
        var spec = model.Spec.Methods[0];
        for (int p = 0; p < model.Spec.Parameters.Count; p++)
            Array.Copy(Convert<T>(bindings[model.Spec.Parameters[p].Name].Data), model.Parameters[p], model.Parameters[p].Length);
        var inputs = spec.Inputs.Select(t => Convert<T>(bindings[t.Name].Data)).ToArray();
        // Outputs start as NaN so a value the code forgot to write shows up.
        var outputs = spec.Outputs.Select(t => Enumerable.Repeat(Convert<T>(new[] { double.NaN })[0], (int)t.Size(batch)).ToArray()).ToArray();
        bool saved = CompiledModel<T>.VectorsEnabled;
        try
        {
            if (mode == VectorMode.SwitchedOff) CompiledModel<T>.VectorsEnabled = false;
            model.Run(0, batch, inputs, outputs);
        }
        finally { if (mode == VectorMode.SwitchedOff) CompiledModel<T>.VectorsEnabled = saved; }
        var outs = new Dictionary<string, Tensor>();
        for (int o = 0; o < spec.Outputs.Count; o++)
            outs[spec.Outputs[o].Name] = new Tensor(Concrete(spec.Outputs[o], batch), outputs[o].Select(ToDouble).ToArray());
        var updates = new Dictionary<string, Tensor>();
        foreach (var name in spec.Updates)
        {
            int p = model.Spec.ParameterIndex(name);
            updates[name] = new Tensor(Concrete(model.Spec.Parameters[p], 1), model.Parameters[p].Select(ToDouble).ToArray());
        }
        return new RunResult(outs, updates);
    }

    /// <summary>Throws unless every output and update agrees: |want − got| ≤ tol·(1 + |want|), NaN only against NaN.</summary>
    public static void AssertClose(RunResult want, RunResult got, double tol, string context)
    {
        foreach (var (name, w) in want.Outputs.Select(kv => (kv.Key, kv.Value)).Concat(want.Updates.Select(kv => (kv.Key, kv.Value))))
        {
            var g = got.Outputs.TryGetValue(name, out var o) ? o : got.Updates[name];
            if (!w.Shape.SequenceEqual(g.Shape)) throw new XunitException($"{context}: {name} has shape [{string.Join(",", g.Shape)}], want [{string.Join(",", w.Shape)}].");
            for (int i = 0; i < w.Size; i++)
            {
                double a = w.Data[i], b = g.Data[i];
                bool ok = double.IsNaN(a) ? double.IsNaN(b) : double.IsInfinity(a) ? a == b : Math.Abs(a - b) <= tol * (1 + Math.Abs(a));
                if (!ok) throw new XunitException($"{context}: {name}[{i}] is {b:R}, the interpreter gives {a:R} (tolerance {tol:E1}).");
            }
        }
    }

    public static T[] Convert<T>(double[] data) where T : unmanaged =>
        typeof(T) == typeof(float) ? (T[])(object)Array.ConvertAll(data, v => (float)v) : (T[])(object)(double[])data.Clone();

    private static double ToDouble<T>(T v) where T : unmanaged => v is float f ? f : (double)(object)v;

    private static int[] Concrete(TensorSpec t, int batch) => t.Shape.Select(d => d == -1 ? batch : d).ToArray();
}
