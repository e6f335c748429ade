using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nabla.Cli;
using Xunit;

namespace Nabla.Tests.Onnx;

/// <summary><c>nabla export</c>: specs and C# files, with and without weights, checked by running the file in ONNX Runtime.</summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nabla-export-" + Guid.NewGuid().ToString("N"));

    public ExportCommandTests() { Directory.CreateDirectory(_dir); }

    public void Dispose() { try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } }

    private static (int Code, string Out, string Err) Nabla(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = CommandLine.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static Model Mlp(long seed) =>
        Model.Build(new Sequential(new Dense(6, 8), new ReLU(), new Dense(8, 8), new ReLU(), new Dense(8, 3)), inputWidth: 6, seed: seed);

    [Fact]
    public void A_spec_with_trained_weights_exports_the_trained_network()
    {
        var net = Mlp(4).Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)), Backend.Expressions);
        var rng = new Random(1);
        var x = Enumerable.Range(0, 5 * 6).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
        var t = new float[5 * 3];
        for (int b = 0; b < 5; b++) t[b * 3 + b % 3] = 1;
        for (int s = 0; s < 5; s++) net.TrainStep(x, t, 5, 0.01);
        var weights = Path.Combine(_dir, "w.safetensors");
        net.Save(weights); // with optimizer state: the export ignores it
        var onnx = Path.Combine(_dir, "mlp.onnx");

        var (code, stdout, stderr) = Nabla("export", "mlp:6,8,8,3", "--weights", weights, "-o", onnx);

        Assert.True(code == 0, stderr);
        Assert.Contains("weights: 6 tensors", stdout);
        Assert.Contains("ONNX opset 17", stdout);
        AssertMatches(onnx, net, x, 5);
    }

    [Fact]
    public void Without_weights_the_initial_weights_of_the_seed_are_exported_and_the_command_says_so()
    {
        var onnx = Path.Combine(_dir, "init.onnx");
        var (code, stdout, stderr) = Nabla("export", "mlp:6,8,8,3", "--seed", "7", "-o", onnx);
        Assert.True(code == 0, stderr);
        Assert.Contains("no --weights: exporting the initial weights of mlp:6,8,8,3 (seed 7)", stdout);
        var net = Mlp(7).Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)), Backend.Expressions);
        var x = Enumerable.Range(0, 2 * 6).Select(i => (float)Math.Sin(i)).ToArray();
        AssertMatches(onnx, net, x, 2);
    }

    [Fact]
    public void A_csharp_file_with_a_network_class_is_exported()
    {
        var cs = Path.Combine(_dir, "Net.cs");
        File.WriteAllText(cs, """
            using Nabla;
            namespace Demo;
            [Network]
            public static partial class Small
            {
                public static Model Build() => Model.Build(new Sequential(new Dense(6, 8), new Tanh(), new Dense(8, 3)), inputWidth: 6, seed: 3);
                public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.Sgd(0.1));
            }
            """);
        var onnx = Path.Combine(_dir, "small.onnx");
        var (code, stdout, stderr) = Nabla("export", cs, "-o", onnx);
        Assert.True(code == 0, stderr);
        Assert.Contains("Demo.Small", stdout);
        var net = Model.Build(new Sequential(new Dense(6, 8), new Tanh(), new Dense(8, 3)), inputWidth: 6, seed: 3)
            .Compile(TrainingSetup.Classification(Optimizer.Sgd(0.1)), Backend.Expressions);
        AssertMatches(onnx, net, Enumerable.Range(0, 3 * 6).Select(i => (float)Math.Cos(i)).ToArray(), 3);
    }

    [Fact]
    public void Weights_of_another_model_are_refused_naming_the_tensor_and_nothing_is_written()
    {
        var other = Model.Build(new Sequential(new Dense(6, 4), new ReLU(), new Dense(4, 3)), inputWidth: 6)
            .Compile(TrainingSetup.Classification(Optimizer.Sgd(0.1)), Backend.Expressions);
        var weights = Path.Combine(_dir, "other.safetensors");
        other.Save(weights, includeOptimizerState: false);
        var onnx = Path.Combine(_dir, "bad.onnx");
        var (code, _, stderr) = Nabla("export", "mlp:6,8,8,3", "--weights", weights, "-o", onnx);
        Assert.Equal(CommandLine.BadInput, code);
        Assert.Contains("0.weight", stderr);
        Assert.False(File.Exists(onnx));
        var (code2, _, stderr2) = Nabla("export", "mlp:6,8,8,3");
        Assert.Equal(CommandLine.BadInput, code2);
        Assert.Contains("-o", stderr2);
    }

    private static void AssertMatches(string onnx, Network net, float[] x, int batch)
    {
        using var session = new InferenceSession(onnx);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, new[] { batch, 6 })) });
        var got = results.Single().AsEnumerable<float>().ToArray();
        var expected = net.Predict(x, batch);
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(got[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: ORT {got[i]}, Nabla {expected[i]}");
    }
}
