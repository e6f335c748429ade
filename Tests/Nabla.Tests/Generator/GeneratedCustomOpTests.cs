extern alias NablaGenerator;

using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Nabla.Tests.Backends.CSharp;
using Xunit;
using Steps = NablaGenerator::Nabla.Generator.NetworkGenerator.Steps;

namespace Nabla.Tests.Generator;

/// <summary>
/// Custom ops (<c>Op.Define</c>) in a [Network] class compiled by the source generator: defined as a local of
/// <c>Build()</c>, as a static field or by a helper method of the class, used through <c>op.Call</c> as a method group
/// or in a lambda, with their own VJP or one derived from the forward. The generated step trains as the run-time
/// compile of the same <c>Build()</c>; a straight-through rule shows in the generated gradient.
/// </summary>
[Collection("Jit")]
public class GeneratedCustomOpTests
{
    // Dense → stable softplus (a local, own VJP, used as a method group) → Dense → ½x² (a helper's op, derived VJP, in
    // a lambda with a node-times-double operator) → Dense → a straight-through clip (a static field, VJP = g) → x·tanh(x)
    // (its forward a method group of the class, its VJP by hand).
    private const string Network = """
        using Nabla;
        using Nabla.Ir;

        namespace Demo;

        [Network]
        public static partial class CustomNet
        {
            private static readonly Op Clip = Op.Define("ste_clip", x => F.Minimum(F.Maximum(x, x.Graph.Const(-1.0, x.DType)), x.Graph.Const(1.0, x.DType)),
                vjp: (y, g) => new[] { g });

            public static Model Build()
            {
                var softplus = Op.Define("stable_softplus", x => F.Relu(x) + F.Log1p(F.Exp(-F.Abs(x))),
                    vjp: (y, g) => new[] { g * F.Sigmoid(y.A) });
                var halfSquare = HalfSquare();
                var xtanh = Op.Define("xtanh", XTanh, vjp: (y, g) => new[] { g * (F.Tanh(y.A) + y.A * (1.0 - F.Tanh(y.A) * F.Tanh(y.A))) });
                return Model.Build(new Sequential(
                    new Dense(6, 16), Module.Lambda("Softplus", softplus.Call),
                    new Dense(16, 8), Module.Lambda("HalfSquare", x => halfSquare.Call(x) * 0.25),
                    new Dense(8, 8), Module.Lambda("Clip", Clip.Call), Module.Lambda("XTanh", xtanh.Call),
                    new Dense(8, 4)), inputWidth: 6, seed: 11);
            }

            private static Op HalfSquare() => Op.Define("half_square", x => x * x * 0.5);

            private static Node XTanh(Node x) => x * F.Tanh(x);

            public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.Adam(0.01));
        }
        """;

    [Fact]
    public void A_network_with_custom_ops_generates_and_trains_as_the_run_time_compiled_network()
    {
        var (asm, run) = GeneratorHarness.CompileAndLoad(Network, withNabla: true);
        var compiledSource = GeneratorHarness.Sources(run)["Demo.CustomNet.Compiled.g.cs"];
        Assert.DoesNotContain("stable_softplus", compiledSource); // inlined: the generated code has built-in ops only
        var type = asm.GetType("Demo.CustomNet", throwOnError: true)!;
        var setup = TrainingSetup.Classification(Optimizer.Adam(0.01));
        var model = (Model)type.GetMethod("Build")!.Invoke(null, null)!;
        var generated = (Network)type.GetMethod("CreateNetwork")!.Invoke(null, new object[] { 0L })!;
        var roslyn = model.Compile(setup, Backend.Roslyn);
        var expressions = ((Model)type.GetMethod("Build")!.Invoke(null, null)!).Compile(setup, Backend.Expressions);

        const int batch = 9;
        var rng = new Random(2);
        var x = Enumerable.Range(0, batch * 6).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var t = new float[batch * 4];
        for (int b = 0; b < batch; b++) t[b * 4 + rng.Next(4)] = 1;
        var first = generated.TrainStep(x, t, batch, 0.01);
        Assert.Equal(roslyn.TrainStep(x, t, batch, 0.01), first); // the same emitter: identical
        Assert.Equal(expressions.TrainStep(x, t, batch, 0.01), first, 5e-6f);
        for (int step = 0; step < 20; step++)
        {
            var loss = generated.TrainStep(x, t, batch, 0.01);
            Assert.Equal(roslyn.TrainStep(x, t, batch, 0.01), loss);
            Assert.Equal(expressions.TrainStep(x, t, batch, 0.01), loss, 1e-4f);
        }
        var predicted = generated.Predict(x, batch);
        Assert.Equal(roslyn.Predict(x, batch), predicted);
        var byExpressions = expressions.Predict(x, batch);
        for (int i = 0; i < predicted.Length; i++) Assert.Equal(byExpressions[i], predicted[i], 1e-3f);
        Assert.True(generated.Evaluate(x, t, batch) < first, "training lowers the loss");
    }

    [Fact]
    public void The_examples_softplus_network_generates_and_matches_the_run_time_compile()
    {
        // examples/GeneratedModel's second network (published as a NativeAOT binary by CI), as the generator sees it.
        var dir = Path.Combine(SampleTests.RepoRoot(), "examples", "GeneratedModel");
        var source = File.ReadAllText(Path.Combine(dir, "Mnist1dSoftplusMlp.cs"));
        var (output, diagnostics, _) = GeneratorHarness.Run(GeneratorHarness.Compilation(true, source, File.ReadAllText(Path.Combine(dir, "Mnist1dMlp.cs"))));
        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        using var ms = new MemoryStream();
        Assert.True(output.Emit(ms).Success);
        var asm = new System.Runtime.Loader.AssemblyLoadContext("example-" + Guid.NewGuid().ToString("N"), isCollectible: true).LoadFromStream(new MemoryStream(ms.ToArray()));
        var type = asm.GetType("GeneratedModel.Mnist1dSoftplusMlp", throwOnError: true)!;
        var generated = (Network)type.GetMethod("CreateNetwork")!.Invoke(null, new object[] { 0L })!;
        var jit = ((Model)type.GetMethod("Build")!.Invoke(null, null)!).Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)), Backend.Expressions);
        const int batch = 5;
        var rng = new Random(3);
        var x = Enumerable.Range(0, batch * 40).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var t = new float[batch * 10];
        for (int b = 0; b < batch; b++) t[b * 10 + rng.Next(10)] = 1;
        for (int step = 0; step < 3; step++) Assert.Equal(jit.TrainStep(x, t, batch, 0.01), generated.TrainStep(x, t, batch, 0.01), 1e-4f);
        var a = generated.ParameterValues("linear1.weight");
        var b2 = jit.ParameterValues("linear1.weight");
        for (int i = 0; i < a.Length; i++) Assert.Equal(b2[i], a[i], 1e-5f);
    }

    [Fact]
    public void An_edit_elsewhere_reuses_the_cached_output_of_a_network_with_custom_ops()
    {
        const string other = "namespace Demo; public static class Helpers { public static int Answer() => 42; }";
        var compilation = GeneratorHarness.Compilation(true, Network, other);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Equal(2, first.GeneratedSources.Length);
        Assert.All(first.TrackedSteps[Steps.Output].SelectMany(x => x.Outputs), o => Assert.Equal(IncrementalStepRunReason.New, o.Reason));
        var tree = compilation.SyntaxTrees.Single(x => x.FilePath == "Other1.cs");
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(other.Replace("42", "43"), (CSharpParseOptions)tree.Options, tree.FilePath));
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();
        // The recipe (with its lambdas and method groups) compares equal: the output step is served from the cache.
        Assert.All(second.TrackedSteps[Steps.Output].SelectMany(x => x.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(2, second.GeneratedSources.Length);
    }

    // y = clip(W x + b) to [-1, 1], MSE to targets of ±3, on inputs that saturate every output: the clip's true
    // derivative is 0 there, so only a straight-through rule moves the weights.
    private static string ClipNet(string name, string vjp) => $$"""
        using Nabla;
        using Nabla.Ir;

        namespace Demo;

        [Network]
        public static partial class {{name}}
        {
            public static Model Build()
            {
                var clip = Op.Define("clip", x => F.Minimum(F.Maximum(x, x.Graph.Const(-1.0, x.DType)), x.Graph.Const(1.0, x.DType)){{vjp}});
                return Model.Build(new Sequential(new Dense(3, 2), Module.Lambda("Clip", clip.Call)), inputWidth: 3, seed: 4);
            }

            public static TrainingSetup Training() => new(Loss.Mse(), Optimizer.Sgd(0.1));
        }
        """;

    [Fact]
    public void A_straight_through_rule_shows_in_the_generated_gradient()
    {
        var ste = Train(ClipNet("Ste", ", vjp: (y, g) => new[] { g }"), "Demo.Ste", out var steBefore, out var steNet);
        var exact = Train(ClipNet("Exact", ""), "Demo.Exact", out var exactBefore, out _);
        // The derived rule (the clip's derivative): exactly no update. The straight-through rule: an update, and the one
        // the run-time compile of the same model makes.
        Assert.Equal(exactBefore, exact);
        Assert.NotEqual(steBefore, ste);

        var model = (Model)steNet.GetMethod("Build")!.Invoke(null, null)!;
        var jit = model.Compile(new TrainingSetup(Loss.Mse(), Optimizer.Sgd(0.1)), Backend.Expressions);
        var (x, t) = Saturating();
        jit.TrainStep(x, t, 4, 0.1);
        var byJit = model.Parameters.Entries.SelectMany(e => jit.ParameterValues(e.Name)).ToArray();
        Assert.Equal(byJit.Length, ste.Length);
        for (int i = 0; i < ste.Length; i++) Assert.Equal(byJit[i], ste[i], 1e-5f);
    }

    private static (float[] X, float[] T) Saturating()
    {
        var x = new float[] { 50, -40, 30, -60, 45, 20, 35, 55, -50, -30, -45, 60 };
        var t = new float[] { 3, -3, -3, 3, 3, 3, -3, -3 };
        return (x, t);
    }

    /// <summary>Generates and loads <paramref name="source"/>, runs one training step; returns the weights after it.</summary>
    private static float[] Train(string source, string className, out float[] before, out Type type)
    {
        var (asm, _) = GeneratorHarness.CompileAndLoad(source, withNabla: true);
        type = asm.GetType(className, throwOnError: true)!;
        var net = (Network)type.GetMethod("CreateNetwork")!.Invoke(null, new object[] { 0L })!;
        var names = net.Model.Parameters.Entries.Select(e => e.Name).ToArray();
        before = names.SelectMany(net.ParameterValues).ToArray();
        var (x, t) = Saturating();
        var outputs = net.Predict(x, 4);
        Assert.All(outputs, y => Assert.Equal(1f, Math.Abs(y))); // every output saturated
        net.TrainStep(x, t, 4, 0.1);
        return names.SelectMany(net.ParameterValues).ToArray();
    }
}
