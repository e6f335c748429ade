using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Nabla.Checkpoints;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Runtime;
using Nabla.Tests.Data;
using Nabla.Tests.Dsl;
using Xunit;

namespace Nabla.Tests.Training;

/// <summary>
/// Recurrent layers compiled by both backends against the interpreter (a whole training step: unrolled forward,
/// backward through time and the optimizer update), and a PyTorch state dict loaded through the checkpoint path.
/// </summary>
[Collection("Jit")]
public class RecurrentBackendTests
{
    private static (Model Model, int Steps, int Features) Classifier(string kind) => kind switch
    {
        // All steps of a bidirectional GRU, flattened into a linear layer (the MNIST-1D notebooks' form, small).
        "gru" => (Model.Build(new Sequential(("rnn", new GRU(2, 3, bidirectional: true)), ("flatten", new Flatten()), ("linear", new Dense(3 * 2 * 3, 4))),
            Shape.Of(Shape.Batch, 3, 2), seed: 3, init: InitScheme.PyTorch), 3, 2),
        // The last state of a two-layer bidirectional LSTM.
        "lstm" => (Model.Build(new Sequential(("rnn", new LSTM(2, 2, numLayers: 2, bidirectional: true, output: RecurrentOutput.Last)), ("linear", new Dense(4, 4))),
            Shape.Of(Shape.Batch, 2, 2), seed: 4, init: InitScheme.PyTorch), 2, 2),
        // An Elman RNN with ReLU, every step.
        _ => (Model.Build(new Sequential(("rnn", new RNN(2, 3, nonlinearity: RnnNonlinearity.Relu)), ("flatten", new Flatten()), ("linear", new Dense(3 * 3, 4))),
            Shape.Of(Shape.Batch, 3, 2), seed: 5, init: InitScheme.PyTorch), 3, 2),
    };

    [Theory]
    [InlineData("gru", Backend.Expressions)]
    [InlineData("gru", Backend.Roslyn)]
    [InlineData("lstm", Backend.Expressions)]
    [InlineData("rnn", Backend.Expressions)]
    public void Compiled_training_steps_agree_with_the_interpreter(string kind, Backend backend)
    {
        var (model, steps, features) = Classifier(kind);
        var lowered = Lowerer.Lower(model, new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Adam(0.05)) { DType = DType.F64 });
        var compiled = Jit.CompileModel<double>(lowered, backend);
        var spec = compiled.Spec;
        const int batch = 3;
        var rng = new Rng(17);
        var b = model.Parameters.ToTensors();
        foreach (var s in lowered.Signature.State)
            b[s.Name] = new Tensor(s.Shape.ToArray(), Enumerable.Repeat(s.Initial, s.Shape.Aggregate(1, (a, d) => a * d)).ToArray());
        b["x"] = Oracle.Random(rng, -1.5, 1.5, batch, steps, features);
        var t = new double[batch * 4];
        for (int i = 0; i < batch; i++) t[i * 4 + (int)(rng.NextUInt64() % 4)] = 1;
        b["t"] = new Tensor(new[] { batch, 4 }, t);
        b["lr"] = Tensor.Scalar(0.05);
        for (int i = 0; i < spec.Parameters.Count; i++) Array.Copy(b[spec.Parameters[i].Name].Data, compiled.Parameters[i], compiled.Parameters[i].Length);
        int m = spec.MethodIndex("TrainStep");
        var method = spec.Methods[m];
        for (int step = 0; step < 2; step++)
        {
            var expected = Interpreter.Run(lowered.TrainStep, b);
            var outputs = method.Outputs.Select(o => new double[o.Size(batch)]).ToArray();
            compiled.Run(m, batch, method.Inputs.Select(i => b[i.Name].Data).ToArray(), outputs);
            NetworkTests.Close(expected["loss"].Data, outputs[method.OutputIndex("loss")], 1e-12, "loss");
            NetworkTests.Close(expected["y"].Data, outputs[method.OutputIndex("y")], 1e-12, "y");
            foreach (var u in expected.Updates)
            {
                NetworkTests.Close(u.Value.Data, compiled.Parameters[spec.ParameterIndex(u.Key)], 1e-12, u.Key);
                b[u.Key] = u.Value;
            }
        }
        // The step moved every recurrent parameter (the gradient reached all of them through time).
        foreach (var p in model.Parameters.Entries.Where(e => e.Name.StartsWith("rnn.", StringComparison.Ordinal)))
            Assert.NotEqual(p.Parameter.ToTensor().Data, b[p.Name].Data);
    }

    [Fact]
    public void A_PyTorch_state_dict_loads_through_the_checkpoint_path_and_gives_PyTorchs_outputs()
    {
        // gru_classifier.safetensors is PyTorch's state_dict of the notebooks' GRU model over 10 steps (rnn.py), float32.
        var model = Model.Build(Mnist1D.Grus.Build(10, 6, 10), 10, seed: 1, init: InitScheme.PyTorch);
        var network = model.Compile(new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Adam(0.01)) { ModelName = "GruCheckpoint" }, Backend.Expressions);
        string path = RecurrentTests.FixturePath("gru_classifier.safetensors");
        network.Load(path, loadOptimizerState: false);
        var io = SafeTensors.Load(RecurrentTests.FixturePath("gru_classifier_io.safetensors"));
        var x = io["x"].ToSingle();
        var y = network.Predict(x, 3);
        NetworkTests.Close(io["logits"].ToDouble(), y, 2e-5, "logits");

        // And back: a weights-only checkpoint of the network has exactly PyTorch's names and shapes.
        using var dir = new TempDir();
        network.Save(dir.File("back.safetensors"), includeOptimizerState: false);
        var torch = SafeTensors.Load(path);
        var back = SafeTensors.Load(dir.File("back.safetensors"));
        Assert.Equal(torch.Names.OrderBy(n => n, StringComparer.Ordinal), back.Names.OrderBy(n => n, StringComparer.Ordinal));
        foreach (var n in torch.Names)
        {
            Assert.Equal(torch[n].Shape, back[n].Shape);
            Assert.Equal(torch[n].ToSingle(), back[n].ToSingle());
        }
    }
}
