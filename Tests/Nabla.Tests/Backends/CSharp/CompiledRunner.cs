using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Runtime;

namespace Nabla.Tests.Backends.CSharp;

/// <summary>Runs a compiled model on interpreter-style bindings and compares results with tolerances.</summary>
internal static class CompiledRunner
{
    /// <summary>Copies bound parameters in, runs method <paramref name="method"/> through <see cref="CompiledModel{T}.Run"/>, returns outputs and updated parameters.</summary>
    public static RunResult Run<T>(CompiledModel<T> model, int method, IReadOnlyDictionary<string, Tensor> bind, int batch) where T : unmanaged
    {
        var spec = model.Spec.Methods[method];
        for (int i = 0; i < model.Spec.Parameters.Count; i++)
            if (bind.TryGetValue(model.Spec.Parameters[i].Name, out var t)) Fill(model.Parameters[i], t.Data);
        var inputs = spec.Inputs.Select(x => { var a = new T[x.Size(batch)]; Fill(a, bind[x.Name].Data); return a; }).ToArray();
        var outputs = spec.Outputs.Select(o => new T[o.Size(batch)]).ToArray();
        model.Run(method, batch, inputs, outputs);
        var outs = new Dictionary<string, Tensor>();
        for (int i = 0; i < outputs.Length; i++) outs[spec.Outputs[i].Name] = new Tensor(Concrete(spec.Outputs[i], batch), ToDouble(outputs[i]));
        var ups = new Dictionary<string, Tensor>();
        foreach (var name in spec.Updates)
        {
            int p = model.Spec.ParameterIndex(name);
            ups[name] = new Tensor(Concrete(model.Spec.Parameters[p], 1), ToDouble(model.Parameters[p]));
        }
        return new RunResult(outs, ups);
    }

    public static int[] Concrete(TensorSpec s, int batch) => s.Shape.Select(d => d == -1 ? batch : d).ToArray();

    public static void Fill<T>(T[] a, double[] data) where T : unmanaged
    {
        if (a.Length != data.Length) throw new ArgumentException($"Binding has {data.Length} values for an array of {a.Length}.");
        for (int i = 0; i < a.Length; i++) a[i] = typeof(T) == typeof(float) ? (T)(object)(float)data[i] : (T)(object)data[i];
    }

    public static double[] ToDouble<T>(T[] a) where T : unmanaged =>
        a.Select(v => typeof(T) == typeof(float) ? (double)(float)(object)v : (double)(object)v).ToArray();

    /// <summary>The first disagreement between two results (outputs and updates), or null: |a−b| ≤ tol·(1 + |a|), NaN equal to NaN, ±∞ only to itself.</summary>
    public static string? Compare(RunResult want, RunResult got, double tol)
    {
        foreach (var (name, value, other) in want.Outputs.Select(kv => (kv.Key, kv.Value, got.Outputs.TryGetValue(kv.Key, out var o) ? o : null))
                     .Concat(want.Updates.Select(kv => (kv.Key, kv.Value, got.Updates.TryGetValue(kv.Key, out var u) ? u : null))))
        {
            if (other is null) return $"{name}: missing from the compiled result";
            if (!value.Shape.SequenceEqual(other.Shape)) return $"{name}: shape [{string.Join(",", other.Shape)}], expected [{string.Join(",", value.Shape)}]";
            for (int i = 0; i < value.Size; i++)
            {
                double a = value.Data[i], b = other.Data[i];
                if (double.IsNaN(a) && double.IsNaN(b)) continue;
                if (a == b) continue;
                // An infinite or NaN value must be matched exactly (tol·(1 + ∞) would accept anything).
                if (double.IsInfinity(a) || double.IsNaN(a) || !(Math.Abs(a - b) <= tol * (1 + Math.Abs(a))))
                    return $"{name}[{i}]: interpreter {a:R}, compiled {b:R} (difference {Math.Abs(a - b):E2}, tolerance {tol:E1})";
            }
        }
        return null;
    }
}
