using System;
using System.Linq;
using System.Reflection;
using Nabla.Backends.CSharp;
using Nabla.Backends.Roslyn;
using Nabla.Runtime;
using Xunit;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Tests.Generator;

/// <summary>
/// The generator's output: it compiles without warnings, and the build-time compiled model computes what the same
/// network compiled at run time (Lowering + the Roslyn backend) computes, on the same weights and inputs.
/// </summary>
public class GeneratedModelTests
{
    private const string Mlp = """
        using Nabla;

        namespace Demo;

        [Network]
        public static partial class Mlp
        {
            public static Model Build() =>
                Model.Build(new Sequential(new Dense(6, 16), new ReLU(), new Dense(16, 16), new ReLU(), new Dense(16, 4)), inputWidth: 6, seed: 11);

            public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.Adam(0.01));
        }
        """;

    // Locals, a constant-bounded loop, a helper method, a lambda with node operators and a collection expression.
    private const string Residual = """
        using System.Collections.Generic;
        using Nabla;

        namespace Demo.Deep;

        public static partial class Outer
        {
            [Network]
            internal static partial class ResMlp
            {
                private const int Width = 12;

                public static Model Build()
                {
                    var layers = new List<Module> { new Dense(5, Width), new ReLU() };
                    for (int i = 0; i < 2; i++)
                        layers.Add(Block(Width));
                    layers.Add(new Dense(Width, 3));
                    return Model.Build(new Sequential([.. layers]), inputWidth: 5, seed: 3);
                }

                private static Module Block(int width)
                {
                    var inner = new Dense(width, width);
                    return Module.Lambda("Skip", x => x + Act.Relu(inner[x]), ("inner", inner));
                }

                public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.Sgd(0.1));
            }
        }
        """;

    [Fact]
    public void Mlp_compiles_cleanly_and_matches_the_run_time_compiled_model()
    {
        var (asm, run) = GeneratorHarness.CompileAndLoad(Mlp);
        Assert.Contains("Demo.Mlp.g.cs", GeneratorHarness.Sources(run).Keys);
        Assert.Contains("Demo.Mlp.Compiled.g.cs", GeneratorHarness.Sources(run).Keys);
        AssertMatchesRunTime(asm, "Demo.Mlp", TrainingSetup.Classification(Optimizer.Adam(0.01)), inputs: 6, classes: 4);
    }

    [Fact]
    public void Nested_residual_network_with_loop_helper_and_lambda_matches_the_run_time_compiled_model()
    {
        var (asm, _) = GeneratorHarness.CompileAndLoad(Residual);
        AssertMatchesRunTime(asm, "Demo.Deep.Outer+ResMlp", TrainingSetup.Classification(Optimizer.Sgd(0.1)), inputs: 5, classes: 3);
    }

    /// <summary>
    /// Runs Forward and three training steps on the generated class and on the run-time compiled lowering of the same
    /// Build() result, both from the same weights; outputs, losses and updated weights must be identical (the same
    /// emitter produced both, so every operation is the same).
    /// </summary>
    private static void AssertMatchesRunTime(Assembly asm, string className, TrainingSetup setup, int inputs, int classes)
    {
        var type = asm.GetType(className, throwOnError: true)!;
        var model = (Model)type.GetMethod("Build", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null)!;
        var signature = (TrainingSignature)type.GetProperty("Signature")!.GetValue(null)!;
        var generated = (CompiledModel<float>)Activator.CreateInstance(type.GetNestedType("Compiled")!)!;

        var lowered = Lowerer.Lower(model, setup);
        Assert.Equal(lowered.Signature.ToCSharp(), signature.ToCSharp());
        var runtime = RoslynBackend.Create<float>(lowered.Plan, new EmitOptions { ClassName = "RunTime", InputOrder = lowered.Signature.InputOrder });

        Fill(generated, model, signature);
        Fill(runtime, model, signature);

        const int batch = 7;
        var rng = new Random(5);
        var x = Enumerable.Range(0, batch * inputs).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var t = new float[batch * classes];
        for (int b = 0; b < batch; b++) t[b * classes + rng.Next(classes)] = 1;

        Assert.Equal(Call(runtime, "Forward", batch, x, t), Call(generated, "Forward", batch, x, t));
        for (int step = 0; step < 3; step++)
            Assert.Equal(Call(runtime, "TrainStep", batch, x, t), Call(generated, "TrainStep", batch, x, t));
        for (int i = 0; i < runtime.Spec.Parameters.Count; i++)
        {
            var name = runtime.Spec.Parameters[i].Name;
            Assert.Equal(runtime.Parameters[i], generated.Parameters[generated.Spec.ParameterIndex(name)]);
        }
        // The steps changed the weights (the comparison above compared trained values, not the initial ones).
        var w0 = model.Parameters.Entries[0];
        Assert.NotEqual(w0.Parameter.Data, generated.Parameters[generated.Spec.ParameterIndex(w0.Name)]);
    }

    /// <summary>Copies of the model's weights, and the optimizer state at its initial values.</summary>
    private static void Fill(CompiledModel<float> m, Model model, TrainingSignature signature)
    {
        foreach (var e in model.Parameters.Entries) m.Parameters[m.Spec.ParameterIndex(e.Name)] = (float[])e.Parameter.Data.Clone();
        foreach (var s in signature.State) Array.Fill(m.Parameters[m.Spec.ParameterIndex(s.Name)], (float)s.Initial);
    }

    /// <summary>Runs a method with x, t and lr = 0.05 bound by name; returns every output concatenated.</summary>
    private static float[] Call(CompiledModel<float> m, string method, int batch, float[] x, float[] t)
    {
        var index = m.Spec.MethodIndex(method);
        var spec = m.Spec.Methods[index];
        var ins = spec.Inputs.Select(i => i.Name switch { "x" => x, "t" => t, "lr" => new[] { 0.05f }, _ => throw new InvalidOperationException(i.Name) }).ToArray();
        var outs = spec.Outputs.Select(o => new float[o.Size(batch)]).ToArray();
        m.Run(index, batch, ins, outs);
        return outs.SelectMany(o => o).ToArray();
    }
}
