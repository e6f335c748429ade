using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Backends.CSharp;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;

namespace Nabla.Testing;

/// <summary>
/// The backend check: a function planned as written (method 0) and after <see cref="Pipeline.Optimize"/> (method 1),
/// compiled in float64 by the Expressions backend and by Roslyn, every method run and compared with the interpreter.
/// </summary>
internal static class Compiled
{
    private const string Namespace = "Nabla.Testing.Generated";

    public static GradCheckFailure? Check(Function f, Dictionary<string, Tensor> bindings, int batch, GradCheckOptions o, IReadOnlyDictionary<string, string> names)
    {
        var want = Interpreter.Run(f, bindings, DType.F64, batch);
        var plan = new ModelPlan("GradCheckModel", new[] { ("Plain", Scheduler.Build(f)), ("Optimized", Scheduler.Build(Pipeline.Optimize(f).Function)) });
        var models = new List<(string, CompiledModel<double>)>();
        if (o.Expressions) models.Add(("expressions", ExpressionBackend.Compile<double>(plan)));
        if (o.Roslyn) models.Add(("roslyn", RoslynBackend.Compile<double>(plan, new EmitOptions { Namespace = Namespace }).Create()));
        foreach (var (backend, model) in models)
            for (int method = 0; method < 2; method++)
            {
                string label = $"{backend} ({(method == 0 ? "as written" : "optimized")})";
                var got = Run(model, method, bindings, batch);
                foreach (var (name, value) in want.Outputs)
                {
                    if (!got.TryGetValue(name, out var other))
                        return new GradCheckFailure(GradCheckKind.Backend, $"{label} did not produce {names[name]}") { Backend = label, Variable = names[name] };
                    if (Worst(value, other, out int i, out double err) > o.BackendTolerance || double.IsNaN(err))
                        return new GradCheckFailure(GradCheckKind.Backend, $"{label} disagrees with the interpreter on {names[name]} at element {i}")
                        {
                            Backend = label, Variable = names[name], Element = i, Index = Engine.Unflat(i, value.Shape),
                            Expected = value.Data[i], Actual = other.Data[i], Error = err, ExpectedTensor = value, ActualTensor = other,
                        };
                }
            }
        return null;
    }

    // The element with the largest |a − b| / (1 + |a|) (NaN matches NaN, an infinity only itself).
    private static double Worst(Tensor want, Tensor got, out int at, out double worst)
    {
        at = 0; worst = 0;
        if (want.Size != got.Size) { worst = double.PositiveInfinity; return worst; }
        for (int i = 0; i < want.Size; i++)
        {
            double a = want.Data[i], b = got.Data[i];
            double e = (double.IsNaN(a) && double.IsNaN(b)) || a == b ? 0
                : double.IsNaN(a) || double.IsNaN(b) || double.IsInfinity(a) || double.IsInfinity(b) ? double.PositiveInfinity
                : Math.Abs(a - b) / (1 + Math.Abs(a));
            if (e > worst) { worst = e; at = i; }
        }
        return worst;
    }

    private static Dictionary<string, Tensor> Run(CompiledModel<double> model, int method, IReadOnlyDictionary<string, Tensor> bind, int batch)
    {
        var spec = model.Spec.Methods[method];
        for (int i = 0; i < model.Spec.Parameters.Count; i++)
            if (bind.TryGetValue(model.Spec.Parameters[i].Name, out var t)) Array.Copy(t.Data, model.Parameters[i], t.Size);
        var inputs = spec.Inputs.Select(x =>
        {
            var a = new double[x.Size(batch)];
            Array.Copy(bind[x.Name].Data, a, a.Length);
            return a;
        }).ToArray();
        var outputs = spec.Outputs.Select(x => new double[x.Size(batch)]).ToArray();
        model.Run(method, batch, inputs, outputs);
        var r = new Dictionary<string, Tensor>();
        for (int i = 0; i < outputs.Length; i++)
            r[spec.Outputs[i].Name] = new Tensor(spec.Outputs[i].Shape.Select(d => d == Shape.Batch ? batch : d).ToArray(), outputs[i]);
        return r;
    }
}
