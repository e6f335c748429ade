using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck.Fluent;
using Nabla.Backends.CSharp;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Nabla.Tests.Backends.CSharp;

/// <summary>
/// Property: for random graphs (every op, f64 and f32, batches 1..33 so vector tails are exercised), the Roslyn-compiled
/// model agrees with the reference interpreter with vectors on and off. Compiles are expensive, so all cases of a run
/// go into ONE compilation (one class per case); a failing case is then shrunk through the generator's shrinker,
/// compiling candidates one at a time, and reported in full.
/// </summary>
[Collection("CSharpBackend")]
public class RandomGraphCompiledTests
{
    private readonly ITestOutputHelper _out;
    public RandomGraphCompiledTests(ITestOutputHelper o) { _out = o; }

    private static GraphOptions Options(DType type) => new()
    {
        DType = type, MaxBatch = 33, MaxElements = 400, MaxDim = 5, MaxSteps = 10,
    };

    private static double Tolerance(DType type) => type == DType.F64 ? 1e-10 : 2e-4;

    [Theory]
    [InlineData(DType.F64, 100, 11)]
    [InlineData(DType.F32, 60, 12)]
    public void CompiledRandomGraphsAgreeWithTheInterpreter(DType type, int count, int seed)
    {
        var rnd = new Random(seed);
        var options = Options(type);
        var cases = Enumerable.Range(0, count)
            .Select(_ => RandomGraphs.Build(Enumerable.Range(0, RandomGraphs.RecipeLength).Select(_ => rnd.Next(10000)).ToArray(), options))
            .ToList();
        var sources = cases.Select((c, i) => Emit(c, "Case" + i)).ToArray();
        var asm = RoslynCompiler.Compile(sources);
        _out.WriteLine($"{count} {type} cases: {sources.Sum(s => s.Split('\n').Length)} lines compiled in {asm.CompileMs:F0} ms");
        for (int i = 0; i < cases.Count; i++)
        {
            var failure = Check(cases[i], asm.GetType($"Nabla.Tests.Generated.Case{i}"));
            if (failure is null) continue;
            var (shrunk, why) = Shrink(cases[i], failure);
            Assert.Fail($"Case {i} disagrees: {why}\nShrunk case:{shrunk}\n\nEmitted code:\n{Emit(shrunk, "Shrunk")}");
        }
    }

    private static string Emit(GraphCase c, string name) =>
        CSharpEmitter.Emit(new ModelPlan(name, new[] { ("Eval", Scheduler.Build(c.Function)) }), new EmitOptions { Namespace = "Nabla.Tests.Generated" });

    /// <summary>Null when the compiled model agrees with the interpreter with vectors on and off; else the first difference.</summary>
    private static string? Check(GraphCase c, Type type)
    {
        var want = Interpreter.Run(c.Function, c.Bindings, c.Function["y"].DType, c.Batch);
        foreach (bool vectors in new[] { true, false })
        {
            string? diff;
            if (c.Function["y"].DType == DType.F64)
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

    private static string? CheckAlone(GraphCase c)
    {
        try { return Check(c, RoslynCompiler.Compile(Emit(c, "Shrunk")).GetType("Nabla.Tests.Generated.Shrunk")); }
        catch (Exception e) { return e.GetType().Name + ": " + e.Message; }
    }

    // Greedy shrinking through the generator's shrinker; each candidate compiles alone, so cap the attempts.
    private static (GraphCase, string) Shrink(GraphCase failing, string why)
    {
        var arb = RandomGraphs.Arb(failing.Options);
        int budget = 60;
        bool progress = true;
        while (progress && budget > 0)
        {
            progress = false;
            foreach (var candidate in arb.Shrinker(failing))
            {
                if (--budget < 0) break;
                if (CheckAlone(candidate) is { } w) { failing = candidate; why = w; progress = true; break; }
            }
        }
        return (failing, why);
    }
}
