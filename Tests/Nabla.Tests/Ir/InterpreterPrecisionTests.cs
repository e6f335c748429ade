using System;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace Nabla.Tests.Ir;

/// <summary>The interpreter's float32 and float64 answers agree within float32 tolerance, for values and gradients.</summary>
public class InterpreterPrecisionTests
{
    private const double Tolerance = 2e-4;

    [Fact]
    public void Float32_and_float64_runs_agree_on_random_graphs_and_their_gradients()
    {
        var options = new GraphOptions { DType = DType.F32 };
        Check.One(PropertyConfig.With(PropertyConfig.Cases), Prop.ForAll(RandomGraphs.Arb(options), c =>
        {
            var rng = new Random(GradCheck.Seed(c));
            var (loss, b) = GradCheck.Projection(c, rng);
            var vars = c.Variables;
            var grads = Autodiff.Grad(loss, vars);
            var roots = new[] { c.Output, loss };
            var all = new Node[roots.Length + grads.Length];
            roots.CopyTo(all, 0); grads.CopyTo(all, roots.Length);
            var f64 = Interpreter.Evaluate(all, b, DType.F64, c.Batch);
            var f32 = Interpreter.Evaluate(all, b, DType.F32, c.Batch);
            foreach (var n in all)
            {
                var scale = 1.0;
                foreach (var v in f64[n].Data) scale = Math.Max(scale, Math.Abs(v));
                for (int i = 0; i < f64[n].Size; i++)
                {
                    double d = f64[n].Data[i], s = f32[n].Data[i];
                    if (s != (float)s) throw new XunitException($"{Printer.Line(n)}[{i}] = {s:R} is not a float32 value.");
                    if (!(Math.Abs(d - s) <= Tolerance * scale))
                        throw new XunitException($"{Printer.Line(n)}[{i}]: float64 {d:R}, float32 {s:R}.");
                }
            }
        }));
    }
}
