using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Support;
using Nabla.Tests.Training;
using Xunit;

namespace Nabla.Tests.Dsl;

/// <summary>
/// LayerNorm, BatchNorm1d and BatchNorm2d against PyTorch (values written by <c>Tests/Nabla.Tests/Fixtures/norm_layers.py</c>
/// into <c>norm_layers.json</c>): training-mode outputs and gradients, running statistics, evaluation outputs, and three SGD
/// steps of small networks; plus finite differences, the compiled backends against the interpreter, checkpoints and errors.
/// </summary>
[Collection("Jit")]
public class NormLayerTests
{
    // ---- the fixture ----

    private static readonly Lazy<JsonDocument> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(SampleTests.RepoRoot(), "Tests", "Nabla.Tests", "Fixtures", "norm_layers.json"))));

    private static JsonElement Case(string section, string name) =>
        Fixture.Value.RootElement.GetProperty(section).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static Tensor Tensor(JsonElement t) =>
        new(t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(), t.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray());

    private static float[] Floats(Tensor t) => t.Data.Select(v => (float)v).ToArray();

    private static Dictionary<string, Tensor> State(JsonElement dict) =>
        dict.EnumerateObject().ToDictionary(p => p.Name, p => Tensor(p.Value));

    /// <summary>Loads a PyTorch state dict (local names for a single layer) into the model's store.</summary>
    private static void Load(Model model, Dictionary<string, Tensor> state, string prefix = "")
    {
        foreach (var kv in state) model.Parameters.Set(prefix + kv.Key, kv.Value.Shape, Floats(kv.Value));
    }

    private static Shape Batched(int[] dims) => Shape.Of(new[] { Shape.Batch }.Concat(dims.Skip(1)).ToArray());

    private static Module Layer(string name) => name switch
    {
        "layernorm_last" => new LayerNorm(6),
        "layernorm_two_axes" => new LayerNorm(new[] { 3, 5 }),
        "layernorm_no_affine" => new LayerNorm(5, eps: 1e-3, affine: false),
        "batchnorm1d_2d_input" => new BatchNorm1d(3),
        "batchnorm1d_3d_input" => new BatchNorm1d(3, momentum: 0.3),
        "batchnorm2d" => new BatchNorm2d(2),
        "batchnorm2d_cumulative_no_affine" => new BatchNorm2d(2, eps: 1e-3, momentum: null, affine: false),
        _ => throw new ArgumentException(name),
    };

    public static IEnumerable<object[]> LayerCases() =>
        new[] { "layernorm_last", "layernorm_two_axes", "layernorm_no_affine", "batchnorm1d_2d_input", "batchnorm1d_3d_input", "batchnorm2d", "batchnorm2d_cumulative_no_affine" }
            .Select(n => new object[] { n });

    private static void Close(Tensor expected, Tensor actual, double tol, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        NetworkTests.Close(expected.Data, actual.Data, tol, what);
    }

    // ---- single layers against PyTorch, float64 interpreter ----

    [Theory]
    [MemberData(nameof(LayerCases))]
    public void A_layer_matches_PyTorch_in_training_mode_output_gradients_running_statistics_and_evaluation(string name)
    {
        var c = Case("layers", name);
        var x = Tensor(c.GetProperty("x"));
        var model = Model.Build(Layer(name), Batched(x.Shape));
        Load(model, State(c.GetProperty("params")));
        int batch = x.Shape[0];

        // Training mode: y, and the gradients of sum(y·g) with respect to x and the affine parameters.
        var t = model.Trace(DType.F64, TraceMode.Train);
        var g = t.Graph;
        var y = t.Forward["y"];
        var up = g.Input("g", y.Shape);
        var wrt = new List<Node> { t.Inputs[0] };
        wrt.AddRange(t.TrainableNodes);
        var grads = Autodiff.Grad(F.Sum(y * up), wrt);
        var outs = new List<Named> { new("y", y), new("dx", grads[0]) };
        for (int i = 1; i < wrt.Count; i++) outs.Add(new Named("d" + wrt[i].Name, grads[i]));
        var b = t.ParameterBindings();
        var exact = State(c.GetProperty("params")); // the store holds float32: bind PyTorch's float64 values
        foreach (var kv in exact) b[kv.Key] = kv.Value;
        b["x"] = x; b["g"] = Tensor(c.GetProperty("g"));
        var run = Interpreter.Run(new Function(g, outs, t.BufferUpdates), b);
        Close(Tensor(c.GetProperty("y_train")), run.Outputs["y"], 1e-10, "y (train)");
        Close(Tensor(c.GetProperty("dx")), run.Outputs["dx"], 1e-9, "dx");
        bool affine = c.TryGetProperty("dweight", out var dw);
        Assert.Equal(affine ? 2 : 0, t.TrainableNodes.Count);
        if (affine)
        {
            Close(Tensor(dw), run.Outputs["dweight"], 1e-9, "dweight");
            Close(Tensor(c.GetProperty("dbias")), run.Outputs["dbias"], 1e-9, "dbias");
        }

        // The buffers after one training step are PyTorch's, and nothing else is updated.
        var after = State(c.GetProperty("after_one_step"));
        var buffers = after.Keys.Where(k => k.StartsWith("running_", StringComparison.Ordinal) || k == "num_batches_tracked").ToArray();
        Assert.Equal(buffers.OrderBy(k => k), run.Updates.Keys.OrderBy(k => k));
        foreach (var k in buffers) Close(after[k], run.Updates[k], 1e-12, k);
        Assert.Equal(buffers, model.Parameters.Buffers.Select(e => e.Name));

        // Evaluation mode with the updated running statistics.
        var ev = model.Trace(DType.F64, TraceMode.Eval);
        Assert.Empty(ev.BufferUpdates);
        var be = new Dictionary<string, Tensor>(exact);
        foreach (var k in buffers) be[k] = run.Updates[k];
        be["x"] = Tensor(c.GetProperty("x_eval"));
        Close(Tensor(c.GetProperty("y_eval")), Interpreter.Run(ev.Forward, be).Outputs["y"], 1e-10, "y (eval)");
        _ = batch;
    }

    // ---- finite differences ----

    [Theory]
    [InlineData("layernorm_two_axes")]
    [InlineData("batchnorm1d_3d_input")]
    [InlineData("batchnorm2d")]
    public void The_training_mode_gradient_matches_central_differences_in_float64(string name)
    {
        var c = Case("layers", name);
        var x = Tensor(c.GetProperty("x"));
        var model = Model.Build(Layer(name), Batched(x.Shape));
        Load(model, State(c.GetProperty("params")));
        var t = model.Trace(DType.F64, TraceMode.Train);
        var g = t.Graph;
        var y = t.Forward["y"];
        var up = g.Input("g", y.Shape);
        // A non-linear projection, so the second-order structure of the batch statistics matters too.
        var loss = F.Sum(F.Tanh(y) * up);
        var wrt = new[] { t.Inputs[0] }.Concat(t.TrainableNodes).ToArray();
        var grads = Autodiff.Grad(loss, wrt);
        var b = t.ParameterBindings();
        b["x"] = x; b["g"] = Tensor(c.GetProperty("g"));
        int batch = x.Shape[0];
        var values = Interpreter.Evaluate(grads, b, DType.F64, batch);
        for (int v = 0; v < wrt.Length; v++)
        {
            var analytic = values[grads[v]];
            for (int i = 0; i < analytic.Size; i++)
            {
                double numeric = GradCheck.Central(loss, b, batch, wrt[v].Name!, i, 1e-5);
                Assert.True(GradCheck.Error(numeric, analytic.Data[i]) < 1e-7, $"{name}: d/d{wrt[v].Name}[{i}]: numeric {numeric}, analytic {analytic.Data[i]}");
            }
        }
    }

    // ---- small networks trained three SGD steps, against PyTorch ----

    private static Model Net(string name) => name switch
    {
        "mlp_batchnorm1d" => Model.Build(new Sequential(new Dense(4, 6), new BatchNorm1d(6), new ReLU(), new Dense(6, 3)), 4),
        "cnn_batchnorm2d" => Model.Build(new Sequential(new Conv2d(2, 3, 3, padding: 1), new BatchNorm2d(3), new ReLU(), new Flatten(), new Dense(48, 3)), Shape.Of(Shape.Batch, 2, 4, 4)),
        _ => throw new ArgumentException(name),
    };

    private static float[] OneHot(JsonElement labels, int classes)
    {
        var l = labels.EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var t = new float[l.Length * classes];
        for (int i = 0; i < l.Length; i++) t[i * classes + l[i]] = 1;
        return t;
    }

    private static Tensor OneHotTensor(JsonElement labels, int classes)
    {
        var f = OneHot(labels, classes);
        return new Tensor(new[] { f.Length / classes, classes }, f.Select(v => (double)v).ToArray());
    }

    [Theory]
    [InlineData("mlp_batchnorm1d")]
    [InlineData("cnn_batchnorm2d")]
    public void Three_SGD_steps_in_the_interpreter_match_PyTorch_parameters_running_statistics_and_evaluation(string name)
    {
        var c = Case("training", name);
        var model = Net(name);
        Load(model, State(c.GetProperty("init")));
        int classes = c.GetProperty("classes").GetInt32();
        double lr = c.GetProperty("lr").GetDouble();
        var lowered = Lowerer.Lower(model, new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(lr)) { DType = DType.F64 });
        var b = model.Parameters.ToTensors();
        // The float32 store rounds PyTorch's float64 initial values: take them exactly.
        foreach (var kv in State(c.GetProperty("init"))) b[kv.Key] = kv.Value;
        var losses = c.GetProperty("losses").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        int step = 0;
        foreach (var batch in c.GetProperty("batches").EnumerateArray())
        {
            b["x"] = Tensor(batch.GetProperty("x"));
            b["t"] = OneHotTensor(batch.GetProperty("labels"), classes);
            b["lr"] = Nabla.Ir.Tensor.Scalar(lr);
            var r = Interpreter.Run(lowered.TrainStep, b);
            Assert.Equal(losses[step++], r.Outputs["loss"].Value, 12);
            foreach (var u in r.Updates) b[u.Key] = u.Value;
        }
        foreach (var kv in State(c.GetProperty("final"))) Close(kv.Value, b[kv.Key], 1e-10, kv.Key);
        b["x"] = Tensor(c.GetProperty("x_eval"));
        Close(Tensor(c.GetProperty("y_eval")), Interpreter.Run(lowered.Forward, b).Outputs["y"], 1e-10, "y (eval)");
    }

    [Theory]
    [InlineData("mlp_batchnorm1d", Backend.Expressions)]
    [InlineData("mlp_batchnorm1d", Backend.Roslyn)]
    [InlineData("cnn_batchnorm2d", Backend.Expressions)]
    [InlineData("cnn_batchnorm2d", Backend.Roslyn)]
    public void Three_SGD_steps_of_a_compiled_Network_match_PyTorch(string name, Backend backend)
    {
        var c = Case("training", name);
        var model = Net(name);
        Load(model, State(c.GetProperty("init")));
        int classes = c.GetProperty("classes").GetInt32();
        double lr = c.GetProperty("lr").GetDouble();
        // Dropout off in the setup: the training step still normalizes with batch statistics and updates the running ones.
        var net = model.Compile(new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(lr)) { Dropout = false }, backend);
        var losses = c.GetProperty("losses").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        int step = 0;
        foreach (var batch in c.GetProperty("batches").EnumerateArray())
        {
            var x = Tensor(batch.GetProperty("x"));
            float loss = net.TrainStep(Floats(x), OneHot(batch.GetProperty("labels"), classes), x.Shape[0], lr);
            Assert.Equal(losses[step++], loss, 4);
        }
        Assert.Equal(3, net.Step);
        foreach (var kv in State(c.GetProperty("final")))
            NetworkTests.Close(kv.Value.Data, net.ParameterValues(kv.Key), 2e-5, kv.Key);
        var xe = Tensor(c.GetProperty("x_eval"));
        NetworkTests.Close(Tensor(c.GetProperty("y_eval")).Data, net.Predict(Floats(xe), xe.Shape[0]), 1e-4, "y (eval)");
        // The model's parameter count is PyTorch's (buffers are not parameters); the signature marks the buffers.
        Assert.Equal(new[] { "1.running_mean", "1.running_var", "1.num_batches_tracked" }, net.Signature.Parameters.Where(p => p.Buffer).Select(p => p.Name));
        Assert.All(net.Signature.Parameters.Where(p => p.Buffer), p => Assert.False(p.Trainable));
        Assert.Equal(State(c.GetProperty("init")).Where(kv => !kv.Key.StartsWith("1.r", StringComparison.Ordinal) && !kv.Key.EndsWith("tracked", StringComparison.Ordinal)).Sum(kv => (long)kv.Value.Size), model.ParameterCount);
    }

    // ---- the compiled backends against the interpreter ----

    [Theory]
    [InlineData(Backend.Expressions)]
    [InlineData(Backend.Roslyn)]
    public void Compiled_f64_methods_agree_with_the_interpreter_on_the_lowered_IR(Backend backend)
    {
        var model = Model.Build(new Sequential(new Dense(4, 6), new LayerNorm(6), new Tanh(), new Reshape(2, 3), new BatchNorm1d(2, momentum: null), new Flatten(), new Dense(6, 3)), 4, seed: 3);
        var lowered = Lowerer.Lower(model, new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Adam(0.05)) { DType = DType.F64 });
        var compiled = Jit.CompileModel<double>(lowered, backend);
        var spec = compiled.Spec;
        var (xf, tf) = NetworkTests.Data(5, 1);
        var b = model.Parameters.ToTensors();
        foreach (var s in lowered.Signature.State)
            b[s.Name] = new Tensor(s.Shape.ToArray(), Enumerable.Repeat(s.Initial, s.Shape.Aggregate(1, (a, d) => a * d)).ToArray());
        b["x"] = new Tensor(new[] { 5, 4 }, xf.Select(v => (double)v).ToArray());
        b["t"] = new Tensor(new[] { 5, 3 }, tf.Select(v => (double)v).ToArray());
        b["lr"] = Nabla.Ir.Tensor.Scalar(0.05);
        for (int i = 0; i < spec.Parameters.Count; i++) Array.Copy(b[spec.Parameters[i].Name].Data, compiled.Parameters[i], compiled.Parameters[i].Length);
        int m = spec.MethodIndex("TrainStep");
        var method = spec.Methods[m];
        for (int step = 0; step < 3; step++)
        {
            var expected = Interpreter.Run(lowered.TrainStep, b);
            Assert.Contains("4.running_var", expected.Updates.Keys);
            var outputs = method.Outputs.Select(o => new double[o.Size(5)]).ToArray();
            compiled.Run(m, 5, method.Inputs.Select(i => b[i.Name].Data).ToArray(), outputs);
            NetworkTests.Close(expected.Outputs["loss"].Data, outputs[method.OutputIndex("loss")], 1e-12, "loss");
            foreach (var u in expected.Updates)
            {
                NetworkTests.Close(u.Value.Data, compiled.Parameters[spec.ParameterIndex(u.Key)], 1e-12, u.Key);
                b[u.Key] = u.Value;
            }
        }
        Assert.Equal(3.0, compiled.Parameters[spec.ParameterIndex("4.num_batches_tracked")][0]);
        // Forward reads the running statistics the steps left.
        int f = spec.MethodIndex("Forward");
        var fwd = spec.Methods[f];
        var y = fwd.Outputs.Select(o => new double[o.Size(5)]).ToArray();
        compiled.Run(f, 5, fwd.Inputs.Select(i => b[i.Name].Data).ToArray(), y);
        NetworkTests.Close(Interpreter.Run(lowered.Forward, b).Outputs["y"].Data, y[0], 1e-12, "y");
    }

    // ---- state, checkpoints, errors ----

    [Fact]
    public void Buffers_get_no_gradient_no_optimizer_state_and_no_weight_decay_and_cannot_be_made_trainable()
    {
        var model = Model.Build(new Sequential(new Dense(3, 4), new BatchNorm1d(4), new Dense(4, 2)), 3);
        var lowered = Lowerer.Lower(model, new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.AdamW(0.01, weightDecay: 0.1)) { Regularizers = new[] { Regularizer.L2(0.1, includeBiases: true) } });
        Assert.DoesNotContain(lowered.Signature.State, s => s.Parameter is not null && (s.Parameter.Contains("running") || s.Parameter.Contains("tracked")));
        Assert.Contains(lowered.Signature.State, s => s.Parameter == "1.weight");
        Assert.Equal(3, model.Parameters.Buffers.Count());
        var e = Assert.Throws<InvalidOperationException>(() => model.Parameters["1.running_mean"].Trainable = true);
        Assert.Contains("buffer", e.Message);
        // Freezing and unfreezing leave buffers alone; the step still updates the running statistics (as PyTorch).
        model.Network.Freeze();
        model.Network.Unfreeze();
        model.Network.Freeze();
        Assert.Equal(2, model.Parameters.SetTrainable("1", false)); // weight and bias, not the buffers
        var frozen = Lowerer.Lower(model, TrainingSetup.Classification(Optimizer.Sgd(0.1)));
        Assert.Equal(new[] { "1.running_mean", "1.running_var", "1.num_batches_tracked" }, frozen.TrainStep.Updates.Select(u => u.Name));
        Assert.Contains("1.running_mean[4] (buffer)", frozen.Signature.ToString());
        Assert.Contains("\"1.running_var\", new int[] { 4 }, false, true)", frozen.Signature.ToCSharp());
    }

    [Fact]
    public void A_checkpoint_holds_the_running_statistics_under_PyTorchs_names_and_loads_them_back()
    {
        var c = Case("training", "mlp_batchnorm1d");
        int classes = c.GetProperty("classes").GetInt32();
        var setup = TrainingSetup.Classification(Optimizer.Momentum(0.1));
        var net = Net("mlp_batchnorm1d").Compile(setup, Backend.Expressions);
        foreach (var batch in c.GetProperty("batches").EnumerateArray())
        {
            var x = Tensor(batch.GetProperty("x"));
            net.TrainStep(Floats(x), OneHot(batch.GetProperty("labels"), classes), x.Shape[0], 0.1);
        }
        using var dir = new Nabla.Tests.Data.TempDir();
        var path = Path.Combine(dir.Path, "bn.safetensors");
        net.Save(path);
        var file = Nabla.Checkpoints.SafeTensors.Load(path);
        Assert.Equal(new[] { 6 }, file["1.running_mean"].Shape);
        Assert.Equal(new[] { 6 }, file["1.running_var"].Shape);
        Assert.Empty(file["1.num_batches_tracked"].Shape);
        Assert.Equal(Nabla.Checkpoints.TensorDType.I64, file["1.num_batches_tracked"].DType); // as PyTorch stores it
        Assert.Equal(3.0, file["1.num_batches_tracked"].ToDouble()[0]);
        Assert.Equal(Nabla.Checkpoints.TensorDType.F32, file["1.running_mean"].DType);
        Assert.Equal(net.ParameterValues("1.running_var"), file["1.running_var"].ToSingle());
        Assert.DoesNotContain(file.Names, n => n.StartsWith("optimizer.1.running", StringComparison.Ordinal));

        var fresh = Net("mlp_batchnorm1d").Compile(setup, Backend.Expressions);
        var xe = Floats(Tensor(c.GetProperty("x_eval")));
        Assert.NotEqual(net.Predict(xe, 6), fresh.Predict(xe, 6));
        fresh.Load(path);
        Assert.Equal(net.Predict(xe, 6), fresh.Predict(xe, 6));
        Assert.Equal(net.ParameterValues("1.num_batches_tracked"), fresh.ParameterValues("1.num_batches_tracked"));
        Assert.Equal(net.ParameterValues("1.running_mean"), fresh.ParameterValues("1.running_mean"));

        // PyTorch's state dict (the fixture's trained weights and statistics, by PyTorch's names) loads and predicts as PyTorch.
        var torchPath = Path.Combine(dir.Path, "torch.safetensors");
        // As safetensors' save_file writes a PyTorch state dict: float tensors, and the counter as int64.
        Nabla.Checkpoints.SafeTensors.Save(torchPath, State(c.GetProperty("final")).Select(kv => kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)
                ? new Nabla.Checkpoints.SafeTensor(kv.Key, kv.Value.Shape, kv.Value.Data.Select(v => (long)v).ToArray())
                : new Nabla.Checkpoints.SafeTensor(kv.Key, kv.Value.Shape, kv.Value.Data)).ToList(),
            new Dictionary<string, string> { ["format"] = "pt" });
        Assert.Equal(Nabla.Checkpoints.TensorDType.I64, Nabla.Checkpoints.SafeTensors.Load(torchPath)["1.num_batches_tracked"].DType);
        fresh.Load(torchPath);
        Assert.Equal(new[] { 3f }, fresh.ParameterValues("1.num_batches_tracked"));
        NetworkTests.Close(Tensor(c.GetProperty("y_eval")).Data, fresh.Predict(xe, 6), 1e-5, "y (eval, PyTorch weights)");
    }

    [Fact]
    public void Int64_tensors_round_trip_through_safetensors_and_only_counters_load_from_int64()
    {
        var bytes = Nabla.Checkpoints.SafeTensors.Serialize(new[]
        {
            new Nabla.Checkpoints.SafeTensor("a.num_batches_tracked", Array.Empty<int>(), new long[] { 1L << 40 }),
            new Nabla.Checkpoints.SafeTensor("b", new[] { 3 }, new long[] { -2, 0, 7 }),
        });
        var file = Nabla.Checkpoints.SafeTensors.Parse(bytes);
        Assert.Equal(new[] { (double)(1L << 40) }, file["a.num_batches_tracked"].ToDouble());
        Assert.Equal(new[] { -2f, 0f, 7f }, file["b"].ToSingle());
        Assert.Equal("b I64 [3]", file["b"].ToString());

        // A model parameter stored as int64 is refused by name (it is not a counter).
        var net = Model.Build(new Sequential(new Dense(2, 2), new BatchNorm1d(2)), 2).Compile(TrainingSetup.Classification(Optimizer.Sgd(0.1)), Backend.Expressions);
        using var dir = new Nabla.Tests.Data.TempDir();
        var path = dir.File("int.safetensors");
        Nabla.Checkpoints.SafeTensors.Save(path, net.Signature.Parameters.Select(p => p.Name == "0.bias"
            ? new Nabla.Checkpoints.SafeTensor(p.Name, p.Shape, new long[] { 1, 2 })
            : new Nabla.Checkpoints.SafeTensor(p.Name, p.Shape, net.ParameterValues(p.Name))).ToList());
        var e = Assert.Throws<Nabla.Checkpoints.CheckpointException>(() => net.Load(path));
        Assert.Contains("'0.bias' is I64", e.Message);
    }

    [Fact]
    public void A_BatchNorm1d_fed_the_wrong_width_names_the_layer_and_both_shapes()
    {
        var e = Assert.Throws<LayerException>(() => Model.Build(new Sequential(new Dense(4, 10), new BatchNorm1d(16)), 4));
        Assert.Contains("layer 1 (BatchNorm1d(16))", e.Message);
        Assert.Contains("[B, 16]", e.Message);
        Assert.Contains("[B,10]", e.Message);
        e = Assert.Throws<LayerException>(() => Model.Build(new BatchNorm2d(3), Shape.Of(Shape.Batch, 3, 4)));
        Assert.Contains("BatchNorm2d(3)", e.Message);
        Assert.Contains("[B, 3, H, W]", e.Message);
        e = Assert.Throws<LayerException>(() => Model.Build(new LayerNorm(new[] { 4, 5 }), Shape.Of(Shape.Batch, 5, 4)));
        Assert.Contains("LayerNorm([4,5])", e.Message);
        Assert.Contains("[B,5,4]", e.Message);
        Assert.Throws<LayerException>(() => new BatchNorm1d(0));
        Assert.Throws<LayerException>(() => new BatchNorm1d(3, momentum: 1.5));
        Assert.Throws<LayerException>(() => new LayerNorm(4, eps: 0));
    }

    [Fact]
    public void A_training_step_on_one_value_per_channel_is_refused_naming_the_layer_as_PyTorch_does()
    {
        var net = Model.Build(new Sequential(new Dense(2, 3), new BatchNorm1d(3), new Dense(3, 2)), 2).Compile(TrainingSetup.Classification(Optimizer.Sgd(0.1)), Backend.Expressions);
        var before = net.ParameterValues("1.running_var").ToArray();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(new float[] { 1, 2 }, new float[] { 1, 0 }, 1, 0.1));
        Assert.Contains("layer 1 (BatchNorm1d(3))", e.Message);
        Assert.Contains("[B,3]", e.Message);
        Assert.Contains("at least 2", e.Message);
        Assert.Equal(before, net.ParameterValues("1.running_var"));
        Assert.Equal(0, net.Step);
        net.TrainStep(new float[] { 1, 2, 3, 5 }, new float[] { 1, 0, 0, 1 }, 2, 0.1);
        Assert.True(net.ParameterValues("1.running_var").All(float.IsFinite));
        Assert.Equal(1, net.Predict(new float[] { 1, 2 }, 1).Length / 2); // evaluation reads the running statistics: any batch

        // With a length axis, one example holds several values per channel: a batch of one trains.
        var seq = Model.Build(new Sequential(new Conv1d(1, 2, 3), new BatchNorm1d(2), new Flatten(), new Dense(8, 2)), Shape.Of(Shape.Batch, 1, 6))
            .Compile(TrainingSetup.Classification(Optimizer.Sgd(0.1)), Backend.Expressions);
        seq.TrainStep(new float[] { 1, 2, 0, 4, 5, 1 }, new float[] { 0, 1 }, 1, 0.1);
        Assert.True(seq.ParameterValues("1.running_var").All(float.IsFinite));
    }

    [Fact]
    public void A_module_with_running_statistics_called_twice_in_one_step_is_refused_by_name()
    {
        var bn = new BatchNorm1d(3);
        var twice = Module.Lambda("Twice", x => bn[bn[x]], ("bn", bn));
        var model = Model.Build(twice, 3);
        var e = Assert.Throws<LayerException>(() => model.Trace(DType.F32, TraceMode.Train));
        Assert.Contains("bn", e.Message);
        Assert.Contains("running_mean", e.Message);
        Assert.Contains("twice", e.Message);
        model.Trace(DType.F32, TraceMode.Eval); // evaluation reads the statistics and may call it twice
    }

    [Fact]
    public void Without_running_statistics_BatchNorm_has_no_buffers_and_uses_batch_statistics_in_evaluation_too()
    {
        var model = Model.Build(new BatchNorm1d(2, trackRunningStats: false), 2);
        Assert.Empty(model.Parameters.Buffers);
        Assert.Equal(new[] { "weight", "bias" }, model.Parameters.Names);
        var x = new Tensor(new[] { 3, 2 }, new[] { 1.0, 5.0, 3.0, 9.0, 2.0, 4.0 });
        var train = model.Trace(DType.F64, TraceMode.Train);
        Assert.Empty(train.BufferUpdates);
        Assert.Empty(train.FrozenNodes);
        var b = train.ParameterBindings();
        b["x"] = x;
        var expected = Interpreter.Run(train.Forward, b).Outputs["y"];
        Close(expected, ModelRunner.Forward(model, x), 0, "y (eval)");
        // Column 0 is (1, 3, 2): mean 2, biased variance 2/3.
        Assert.Equal(-1 / Math.Sqrt(2.0 / 3 + 1e-5), expected.Data[0], 12);
    }

    [Fact]
    public void A_train_trace_with_dropout_off_normalizes_with_batch_statistics_without_masks()
    {
        var model = Model.Build(new Sequential(new BatchNorm1d(2), new Dropout(0.5)), 2);
        var off = model.Trace(DType.F64, TraceMode.Train, dropout: false);
        Assert.Empty(off.Masks);
        Assert.Equal(3, off.BufferUpdates.Count);
        var on = model.Trace(DType.F64, TraceMode.Train);
        Assert.Single(on.Masks);
        var b = off.ParameterBindings();
        b["x"] = new Tensor(new[] { 2, 2 }, new[] { 1.0, 5.0, 3.0, 9.0 });
        // Batch statistics: each column becomes (−1, 1) up to eps, whatever the running statistics say.
        var y = Interpreter.Run(off.Forward, b).Outputs["y"].Data;
        NetworkTests.Close(new[] { -1.0, -1.0, 1.0, 1.0 }, y, 1e-5, "y");
    }
}
