using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Nabla.Tests.Backends;

/// <summary>
/// Random small convolutional networks (<see cref="ConvGraphs"/>: Conv1d/Conv2d with stride, padding, dilation and
/// groups, ReLU, max and average pooling with padding — max pooling pads with −∞) through the interpreter and both
/// backends, forward and gradient: the VJP against central differences in float64, every gradient finite (no NaN from
/// the −∞ padding), and the expression and Roslyn backends (plain and optimized schedules, vectors on and off) against
/// the interpreter in float64 and float32.
/// </summary>
[Collection("CSharpBackend")] // ThreeWay switches CompiledModel<T>.VectorsEnabled, which is process-wide
public class ConvPoolBackendTests
{
    private readonly ITestOutputHelper _out;
    public ConvPoolBackendTests(ITestOutputHelper o) { _out = o; }

    private static double Tolerance(DType type) => type == DType.F64 ? 1e-10 : 2e-4;

    private static Arbitrary<int> Seeds => Gen.Choose(0, 1_000_000).ToArbitrary();

    [Fact]
    public void Vjp_agrees_with_central_differences_and_gradients_are_finite()
    {
        Check.One(Ir.PropertyConfig.With(Ir.PropertyConfig.Cases / 12), Prop.ForAll(Seeds, seed =>
        {
            var c = ConvGraphs.Build(seed, DType.F64);
            var r = Interpreter.Run(c.Function, c.Bindings, DType.F64, c.Batch);
            foreach (var (name, t) in r.Outputs)
                if (t.Data.Any(x => !double.IsFinite(x))) throw new XunitException($"{name} is not finite, seed {seed}: {c}");
            var bind = c.Bindings.ToDictionary(kv => kv.Key, kv => new Tensor(kv.Value.Shape, (double[])kv.Value.Data.Clone()));
            foreach (var (name, output) in c.Gradients)
            {
                var analytic = r[output].Data;
                for (int i = 0; i < analytic.Length; i++)
                {
                    double fd = GradCheck.Central(c.Loss, bind, c.Batch, name, i, 1e-6);
                    double err = GradCheck.Error(fd, analytic[i]);
                    // A ReLU kink or a max-pooling tie within 1e-6 of the point makes the central difference mix two
                    // slopes (seed 852879: x[15], VJP -0.0967, difference -0.0593 at 1e-6 and -0.0967 at 1e-7); a
                    // tenth of the step must then agree. A wrong VJP disagrees at both steps.
                    if (!(err <= 1e-6))
                    {
                        double fine = GradCheck.Central(c.Loss, bind, c.Batch, name, i, 1e-7);
                        if (!(GradCheck.Error(fine, analytic[i]) <= 1e-5))
                            throw new XunitException($"d/d{name}[{i}]: VJP {analytic[i]:R}, central difference {fd:R} (step 1e-6) and {fine:R} (1e-7), seed {seed}: {c}");
                    }
                }
            }
        }));
    }

    [Theory]
    [InlineData(DType.F64)]
    [InlineData(DType.F32)]
    public void The_expression_backend_agrees_with_the_interpreter(DType type)
    {
        Check.One(Ir.PropertyConfig.With(Ir.PropertyConfig.Cases / 10), Prop.ForAll(Seeds, seed =>
        {
            var c = ConvGraphs.Build(seed, type);
            var diff = ThreeWay.Check(c.Function, ThreeWay.Plan(c.Function, "Conv"), null, c.Bindings, c.Batch, Tolerance(type));
            if (diff is not null) throw new XunitException($"seed {seed}: {diff}\n{c}");
        }));
    }

    [Fact]
    public void Roslyn_agrees_with_the_interpreter()
    {
        var cases = Enumerable.Range(0, 7).Select(s => ConvGraphs.Build(1000 + s, DType.F64))
            .Concat(Enumerable.Range(0, 4).Select(s => ConvGraphs.Build(2000 + s, DType.F32))).ToArray();
        var plans = cases.Select((c, i) => ThreeWay.Plan(c.Function, "Conv" + i)).ToArray();
        var types = ThreeWay.CompileAll(plans, out double ms);
        _out.WriteLine($"{cases.Length} conv/pool cases (plain and optimized) compiled in {ms:F0} ms");
        for (int i = 0; i < cases.Length; i++)
        {
            var type = cases[i].Function.Outputs[0].Node.DType;
            var diff = ThreeWay.Check(cases[i].Function, plans[i], types(plans[i].Name), cases[i].Bindings, cases[i].Batch, Tolerance(type));
            Assert.True(diff is null, $"{diff}\n{cases[i]}");
        }
    }

    [Fact]
    public void The_generator_covers_conv_and_pooling_configurations()
    {
        // The seeds the Roslyn test compiles, and more for the properties' sake.
        var nets = Enumerable.Range(0, 60).Select(s => ConvGraphs.Build(1000 + s, DType.F64).Network)
            .Concat(Enumerable.Range(0, 4).Select(s => ConvGraphs.Build(2000 + s, DType.F64).Network)).ToArray();
        _out.WriteLine(string.Join("\n", nets));
        foreach (var needle in new[] { "Conv1d(", "Conv2d(", " s2 p", " p1 d", " d2 ", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "ReLU -> MaxPool" })
            Assert.Contains(nets, n => n.Contains(needle));
        Assert.Contains(nets, n => System.Text.RegularExpressions.Regex.IsMatch(n, @" g[2-9]"));
        Assert.Contains(nets, n => System.Text.RegularExpressions.Regex.IsMatch(n, @"MaxPool\dd\(k\d s\d p1\)"));
    }
}
