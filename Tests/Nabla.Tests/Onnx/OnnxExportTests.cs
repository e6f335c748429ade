using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nabla.Ir;
using Nabla.Onnx;
using Xunit;
using Xunit.Abstractions;

namespace Nabla.Tests.Onnx;

/// <summary>Kernels for the unsupported-op test (never run: the export refuses the op before anything is compiled).</summary>
public static class OnnxTestKernels
{
    /// <summary>2x.</summary>
    public static float Twice(float x) => 2 * x;
    /// <summary>2x.</summary>
    public static double Twice(double x) => 2 * x;
}

/// <summary>
/// Exports networks of every supported family with <see cref="Network.ExportOnnx(Stream)"/>, runs the file in ONNX
/// Runtime at two batch sizes on random inputs, and compares ORT's outputs with the compiled network's (expression
/// backend) within 1e-5 (absolute, or relative to values above 1).
/// </summary>
public sealed class OnnxExportTests
{
    private const double Tolerance = 1e-5;
    private readonly ITestOutputHelper _out;

    public OnnxExportTests(ITestOutputHelper output) { _out = output; }

    [Fact]
    public void An_mlp_with_every_activation_and_dropout_matches_onnx_runtime_after_training_steps()
    {
        var model = Model.Build(new Sequential(
            new Dense(12, 16), new ReLU(), new Dense(16, 16), new Tanh(), new Dropout(0.3), new Dense(16, 16), new Sigmoid(),
            new Dense(16, 16), new Softplus(), new Dense(16, 16), new GELU(), new Dense(16, 16), new LeakyReLU(0.1),
            new Dense(16, 16), new ELU(), new Dense(16, 16), new SiLU(), new Dense(16, 5)), inputWidth: 12, seed: 3);
        // Trained a few steps first, so the export must take the network's live weights, not the model's initial ones.
        Check("mlp", model, new[] { 12 }, trainSteps: 3);
    }

    [Fact]
    public void A_residual_net_with_layer_and_batch_norm_and_a_softmax_head_matches_onnx_runtime()
    {
        var model = Model.Build(new Sequential(
            new Dense(10, 24), new BatchNorm1d(24), new ReLU(),
            new Residual(new Sequential(new LayerNorm(24), new Dense(24, 24), new ReLU())),
            new Residual(new Sequential(new Dense(24, 24), new Tanh())),
            new Dense(24, 6), Module.Lambda("Softmax", x => F.Softmax(x, 1))), inputWidth: 10, seed: 5);
        // Training steps move BatchNorm's running statistics, which the inference graph reads.
        Check("residual-norm-softmax", model, new[] { 10 }, trainSteps: 4);
    }

    [Fact]
    public void A_log_softmax_head_and_a_custom_op_inlined_to_built_in_ops_match_onnx_runtime()
    {
        var swish = Op.Define("swish_test", x => x * F.Sigmoid(x));
        var model = Model.Build(new Sequential(
            new Dense(8, 12), Module.Lambda("Swish", swish.Call), new Dense(12, 4), Module.Lambda("LogSoftmax", x => F.LogSoftmax(x, 1))), inputWidth: 8, seed: 9);
        Check("custom-op-log-softmax", model, new[] { 8 });
    }

    [Fact]
    public void A_1d_cnn_with_stride_padding_dilation_groups_and_both_poolings_matches_onnx_runtime_as_conv_and_pool_operators()
    {
        var model = Model.Build(new Sequential(
            new Conv1d(2, 4, 5, stride: 2, padding: 2), new ReLU(),
            Pool.Max1d(3, stride: 2, padding: 1),
            new Conv1d(4, 6, 3, padding: 2, dilation: 2, groups: 2), new Tanh(),
            Pool.Avg1d(2, padding: 1),
            new Conv1d(6, 6, 3, padding: 1, groups: 6), // depthwise
            Pool.Max1d(2),
            new Flatten(), new Dense(6 * 3, 5)), Shape.Of(Shape.Batch, 2, 40), seed: 13);
        var bytes = Check("cnn1d", model, new[] { 2, 40 });
        Assert.Contains("Conv", OpTypes(bytes));
        Assert.Contains("MaxPool", OpTypes(bytes));
        Assert.Contains("AveragePool", OpTypes(bytes));
    }

    [Fact]
    public void A_2d_cnn_with_batch_norm_pooling_and_adaptive_pooling_matches_onnx_runtime()
    {
        var model = Model.Build(new Sequential(
            new Conv2d(3, 8, 3, padding: 1), new BatchNorm2d(8), new ReLU(),
            Pool.Max2d(2, padding: 1),
            new Conv2d(8, 8, 3, stride: 2, padding: 2, dilation: 2, groups: 4), new ReLU(), // [8, 4, 4]
            new AdaptiveAvgPool2d(3),                                                     // [8, 3, 3]
            Pool.Avg2d(2, stride: 1),                                                     // [8, 2, 2]
            new Flatten(), new Dense(8 * 2 * 2, 4), Module.Lambda("Softmax", x => F.Softmax(x, 1))), Shape.Of(Shape.Batch, 3, 12, 12), seed: 17);
        var bytes = Check("cnn2d", model, new[] { 3, 12, 12 }, trainSteps: 2);
        Assert.Contains("Conv", OpTypes(bytes));
        Assert.Contains("MaxPool", OpTypes(bytes));
    }

    [Fact]
    public void Gru_and_bidirectional_two_layer_lstm_match_onnx_runtime()
    {
        var gru = Model.Build(new Sequential(new Reshape(6, 1), new GRU(1, 4), new Flatten(), new Dense(24, 4)), inputWidth: 6, seed: 19);
        Check("gru", gru, new[] { 6 });
        var lstm = Model.Build(new Sequential(new Reshape(5, 2), new LSTM(2, 4, numLayers: 2, bidirectional: true), new Flatten(), new Dense(5 * 8, 3)), inputWidth: 10, seed: 23);
        Check("lstm", lstm, new[] { 10 });
    }

    [Fact]
    public void The_mnist1d_example_models_match_onnx_runtime()
    {
        Check("mnist1d-mlp", Model.Build(Mnist1D.Mlps.Build(40, new[] { 100, 100 }, 10, residual: true, dropout: 0.1), 40, seed: 1), new[] { 40 });
        Check("mnist1d-cnn", Model.Build(Mnist1D.Cnns.Build(40, 10), 40, seed: 2), new[] { 40 });
        Check("mnist1d-gru", Model.Build(Mnist1D.Grus.Build(40, 6, 10), 40, seed: 3), new[] { 40 });
    }

    /// <summary>Every op the exporter maps, each applied to x [B, 6] and joined along the features.</summary>
    private static Node EveryOp(Node x)
    {
        var g = x.Graph;
        var a = F.Abs(x);
        var b = Shape.Batch;
        Node Row(Node v) => F.BroadcastTo(v, x.Shape); // [B, 1] → [B, 6]: an Expand to a shape holding the run-time batch size
        var parts = new[]
        {
            F.Exp(x * 0.5), F.Log(a + 1.0), F.Sqrt(a + 0.5), F.Sin(x), F.Cos(x), F.Tanh(x), F.Sign(x), F.Step(x), -x,
            F.Pow(a + 0.5, 1.3), F.Maximum(x, F.Sin(x)), F.Minimum(x, F.Cos(x)),
            F.Greater(x, F.Cos(x)), F.GreaterEqual(x, F.Sin(x)), F.Equal(F.Sign(x), g.Const(1.0, x.DType)),
            F.Where(F.Greater(x, g.Const(0.0, x.DType)), x, x * 0.25), x / (a + 1.0), F.Log1p(a), F.Expm1(x * 0.3), F.Softplus(x),
            x - F.Mean(x, new[] { 0 }, true),           // a mean over the batch
            x * g.BatchSize(x.DType) / 10.0,             // the batch size read at run time
            Row(F.Sum(x, new[] { 1 }, true)), Row(F.ReduceMax(x, new[] { 1 }, true)), Row(F.Mean(x, new[] { 1 }, true)),
            Row(F.Reshape(F.LogSumExp(x, 1), Shape.Of(b, 1))),
            F.Reshape(F.Transpose(F.Reshape(x, Shape.Of(b, 2, 3)), 0, 2, 1), Shape.Of(b, 6)),
            F.Concat(1, F.Slice(x, 1, 0, 6, 2), F.Slice(x, 1, 1, 6, 2)),
            F.Slice(F.Pad(x, 1, 2, 1, -1.5), 1, 1, 7),
            F.Sum(F.OneHot(F.Cast(x + 2.0, DType.I32), 5, x.DType) * g.Const(new[] { 0.0, 1, 2, 3, 4 }, Shape.Of(5), x.DType), new[] { 2 }),
            F.Reshape(F.Softmax(F.Reshape(x, Shape.Of(b, 2, 3)), 1), Shape.Of(b, 6)),
        };
        return F.Concat(1, parts);
    }

    [Fact]
    public void Every_mapped_op_matches_onnx_runtime()
    {
        var model = Model.Build(Module.Lambda("EveryOp", EveryOp), inputWidth: 6, seed: 29);
        Check("every-op", model, new[] { 6 });
    }

    [Fact]
    public void An_embedding_of_integer_tokens_matches_onnx_runtime()
    {
        var model = Model.Build(new Sequential(new Embedding(11, 4), new Flatten(), new Dense(5 * 4, 3)),
            new[] { InputSpec.Indices("x", 5) }, seed: 31);
        var net = model.Compile(TrainingSetup.Classification(Optimizer.Sgd(0.05)), Backend.Expressions);
        using var ms = new MemoryStream();
        net.ExportOnnx(ms);
        using var session = new InferenceSession(ms.ToArray());
        Assert.Equal(typeof(int), session.InputMetadata["x"].ElementType);
        var rng = new Random(3);
        foreach (var batch in new[] { 1, 6 })
        {
            var ids = Enumerable.Range(0, batch * 5).Select(_ => rng.Next(11)).ToArray();
            var expected = net.Predict(ids.Select(i => (float)i).ToArray(), batch);
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("x", new DenseTensor<int>(ids, new[] { batch, 5 })) });
            var got = results.Single().AsEnumerable<float>().ToArray();
            for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(got[i] - expected[i]) <= Tolerance * Math.Max(1, Math.Abs(expected[i])), $"output {i}: ORT {got[i]}, Nabla {expected[i]}");
        }
    }

    [Fact]
    public void The_file_declares_a_symbolic_batch_dimension_and_the_models_names()
    {
        var model = Model.Build(new Sequential(new Dense(4, 3)), inputWidth: 4);
        using var ms = new MemoryStream();
        OnnxExporter.Export(model, ms);
        using var session = new InferenceSession(ms.ToArray());
        var input = session.InputMetadata["x"];
        Assert.Equal(new[] { -1, 4 }, input.Dimensions);
        Assert.Equal(OnnxExporter.BatchDimension, input.SymbolicDimensions[0]);
        var output = session.OutputMetadata["y"];
        Assert.Equal(new[] { -1, 3 }, output.Dimensions);
        Assert.Equal("Nabla", session.ModelMetadata.ProducerName);
        // Model.Export and Network.ExportOnnx write the same file for the same weights.
        var net = model.Compile(TrainingSetup.Classification(Optimizer.Sgd(0.1)), Backend.Expressions);
        using var ms2 = new MemoryStream();
        net.ExportOnnx(ms2);
        Assert.Equal(ms.ToArray(), ms2.ToArray());
    }

    [Fact]
    public void A_kernel_op_is_refused_naming_the_op_and_the_layer_and_no_file_is_written()
    {
        var twice = Op.DefineElementwise("twice_kernel", x => 2 * x, "Nabla.Tests.Onnx.OnnxTestKernels.Twice", vjp: (y, g) => new[] { 2.0 * g });
        var model = Model.Build(new Sequential(new Dense(4, 4), Module.Lambda("Twice", twice.Call), new Dense(4, 2)), inputWidth: 4);
        var path = Path.Combine(Path.GetTempPath(), $"nabla-onnx-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(model, path));
        Assert.Equal("twice_kernel", e.Op);
        Assert.Contains("twice_kernel", e.Message);
        Assert.Contains("Op.DefineElementwise", e.Message);
        Assert.NotNull(e.Layer);
        Assert.Contains("Twice", e.Layer);
        Assert.False(File.Exists(path));
        using var ms = new MemoryStream();
        Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(model, ms));
        Assert.Equal(0, ms.Length);
    }

    [Fact]
    public void Interior_padding_is_refused_naming_the_op()
    {
        var model = Model.Build(new Sequential(new Dense(3, 3),
            Module.Lambda("Spread", x => F.Pad(x, new PadAttrs(new[] { 0, 0 }, new[] { 0, 0 }, new[] { 0, 1 }))), new Dense(5, 2)), inputWidth: 3);
        var e = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(model, new MemoryStream()));
        Assert.Equal("pad", e.Op);
        Assert.Contains("interior", e.Message);
        Assert.Contains("Spread", e.Layer);
    }

    // ---- helpers ----

    /// <summary>Compiles, optionally trains, exports and compares at batch sizes 1 and 7; returns the file.</summary>
    private byte[] Check(string what, Model model, int[] example, int trainSteps = 0)
    {
        var net = model.Compile(TrainingSetup.Classification(Optimizer.Sgd(0.05)), Backend.Expressions);
        var rng = new Random(what.Length * 7919 + 1);
        int width = example.Aggregate(1, (a, b) => a * b), classes = net.OutputWidth();
        for (int s = 0; s < trainSteps; s++)
        {
            const int b = 16;
            var tx = Random(rng, b * width);
            var tt = new float[b * classes];
            for (int i = 0; i < b; i++) tt[i * classes + rng.Next(classes)] = 1;
            net.TrainStep(tx, tt, b, 0.05);
        }
        using var ms = new MemoryStream();
        net.ExportOnnx(ms);
        var bytes = ms.ToArray();
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(bytes, options);
        double worst = 0;
        foreach (var batch in new[] { 1, 7 })
        {
            var x = Random(rng, batch * width);
            var expected = net.Predict(x, batch);
            var tensor = new DenseTensor<float>(x, new[] { batch }.Concat(example).ToArray());
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("x", tensor) });
            var got = results.Single(r => r.Name == "y").AsEnumerable<float>().ToArray();
            Assert.Equal(expected.Length, got.Length);
            for (int i = 0; i < got.Length; i++)
            {
                double diff = Math.Abs(got[i] - expected[i]);
                worst = Math.Max(worst, diff / Math.Max(1, Math.Abs(expected[i])));
                Assert.True(diff <= Tolerance * Math.Max(1, Math.Abs(expected[i])),
                    $"{what}, batch {batch}, output {i}: ONNX Runtime {got[i]:R}, Nabla {expected[i]:R} (difference {diff:E2})");
            }
        }
        _out.WriteLine($"{what}: {bytes.Length:N0} bytes, {OpTypes(bytes).Count} op types ({string.Join(" ", OpTypes(bytes).OrderBy(s => s))}), largest difference {worst:E2}");
        return bytes;
    }

    private static float[] Random(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();

    /// <summary>The op types among these that the file's nodes use (field 4 of a NodeProto, found in the bytes).</summary>
    private static HashSet<string> OpTypes(byte[] bytes)
    {
        var text = Encoding.ASCII.GetString(bytes);
        var found = new HashSet<string>();
        foreach (var op in new[] { "Conv", "MaxPool", "AveragePool", "MatMul", "Gemm", "Relu", "Tanh", "Sigmoid", "Softplus", "Softmax", "LogSoftmax",
                     "Reshape", "Transpose", "Expand", "Slice", "Concat", "Pad", "ReduceSum", "ReduceMean", "ReduceMax", "Where", "Cast", "Gather", "Sqrt", "Div", "Mul", "Add", "Sub", "Exp", "Log" })
            if (text.Contains("\u0022" + (char)op.Length + op, StringComparison.Ordinal)) found.Add(op); // NodeProto.op_type: tag 0x22, length, text
        return found;
    }
}
