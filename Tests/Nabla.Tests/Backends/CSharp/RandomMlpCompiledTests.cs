using System;
using System.Linq;
using Nabla.Backends.CSharp;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Nabla.Tests.Backends.CSharp;

/// <summary>
/// Property: for random MLP training steps (0–3 hidden ReLU or tanh layers, batches 1..33; loss, every gradient and
/// every SGD update), the compiled step agrees with the interpreter with vectors on and off. Half the cases are scheduled
/// after the standard rewrite pipeline, half without it. One compilation holds every case; a failure is shrunk.
/// </summary>
[Collection("CSharpBackend")]
public class RandomMlpCompiledTests
{
    private readonly ITestOutputHelper _out;
    public RandomMlpCompiledTests(ITestOutputHelper o) { _out = o; }

    [Theory]
    [InlineData(DType.F64, 16, 21)]
    [InlineData(DType.F32, 16, 22)]
    public void CompiledMlpStepsAgreeWithTheInterpreter(DType type, int count, int seed)
    {
        var options = new MlpOptions { DType = type, MaxBatch = 33, MaxWidth = 12, MaxInputs = 10, MaxClasses = 6 };
        var rnd = new Random(seed);
        var cases = Enumerable.Range(0, count).Select(_ => RandomMlp.Build(Enumerable.Range(0, 16).Select(_ => rnd.Next(10000)).ToArray(), options)).ToList();
        var sources = cases.Select((c, i) => Emit(c, "Mlp" + i, optimize: i % 2 == 0)).ToArray();
        var asm = RoslynCompiler.Compile(sources);
        _out.WriteLine($"{count} {type} MLP steps: compiled in {asm.CompileMs:F0} ms");
        for (int i = 0; i < cases.Count; i++)
        {
            if (Check(cases[i], asm.GetType($"Nabla.Tests.Generated.Mlp{i}")) is not { } failure) continue;
            var arb = RandomMlp.Arb(options);
            var failing = cases[i];
            for (int budget = 30, progress = 1; progress == 1 && budget > 0;)
            {
                progress = 0;
                foreach (var candidate in arb.Shrinker(failing))
                {
                    if (--budget < 0) break;
                    string? why;
                    try { why = Check(candidate, RoslynCompiler.Compile(Emit(candidate, "Shrunk", i % 2 == 0)).GetType("Nabla.Tests.Generated.Shrunk")); }
                    catch (Exception e) { why = e.Message; }
                    if (why is not null) { failing = candidate; failure = why; progress = 1; break; }
                }
            }
            Assert.Fail($"MLP case {i} (optimized: {i % 2 == 0}) disagrees: {failure}\nShrunk case:{failing}");
        }
    }

    private static string Emit(MlpCase c, string name, bool optimize)
    {
        var f = optimize ? Pipeline.Optimize(c.Step).Function : c.Step;
        return CSharpEmitter.Emit(new ModelPlan(name, new[] { ("TrainStep", Scheduler.Build(f)) }), new EmitOptions { Namespace = "Nabla.Tests.Generated" });
    }

    private static string? Check(MlpCase c, Type type)
    {
        bool f64 = c.Step.Roots.First().DType == DType.F64;
        var want = Interpreter.Run(c.Step, c.Bindings, f64 ? DType.F64 : DType.F32);
        foreach (bool vectors in new[] { true, false })
        {
            string? diff;
            if (f64)
            {
                CompiledModel<double>.VectorsEnabled = vectors;
                try { diff = CompiledRunner.Compare(want, CompiledRunner.Run((CompiledModel<double>)Activator.CreateInstance(type)!, 0, c.Bindings, c.Batch), 1e-10); }
                finally { CompiledModel<double>.VectorsEnabled = true; }
            }
            else
            {
                CompiledModel<float>.VectorsEnabled = vectors;
                try { diff = CompiledRunner.Compare(want, CompiledRunner.Run((CompiledModel<float>)Activator.CreateInstance(type)!, 0, c.Bindings, c.Batch), 2e-4); }
                finally { CompiledModel<float>.VectorsEnabled = true; }
            }
            if (diff is not null) return $"vectors {(vectors ? "on" : "off")}, batch {c.Batch}: {diff}";
        }
        return null;
    }
}
