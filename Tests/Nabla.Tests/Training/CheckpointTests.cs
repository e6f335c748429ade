using System;
using System.IO;
using System.Linq;
using Nabla.Checkpoints;
using Nabla.Training;
using Xunit;

namespace Nabla.Tests.Training;

[Collection("Jit")]
public class CheckpointTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nabla-ckpt-" + Guid.NewGuid().ToString("N"));

    public CheckpointTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static Network Trained(Optimizer opt, int steps = 5)
    {
        var net = TrainerTests.Fresh(TrainerTests.Lowered(opt));
        net.Fit(TrainerTests.Blobs(60, 1), new TrainingOptions { Steps = steps, BatchSize = 20 });
        return net;
    }

    [Fact]
    public void The_file_has_pytorch_names_and_shapes_optimizer_state_and_the_step()
    {
        var net = Trained(Optimizer.Adam(0.01));
        net.Save(P("a.safetensors"));
        var f = SafeTensors.Load(P("a.safetensors"));
        Assert.Equal(new[] { 6, 4 }, f["0.weight"].Shape);   // [out, in]
        Assert.Equal(new[] { 6 }, f["0.bias"].Shape);
        Assert.Equal(new[] { 3, 6 }, f["3.weight"].Shape);
        Assert.Equal(net.ParameterValues("3.weight"), f["3.weight"].ToSingle());
        Assert.Equal(net.StateValues("0.weight.v"), f["optimizer.0.weight.v"].ToSingle());
        Assert.Equal(new[] { 5f }, f["optimizer.step"].ToSingle());
        Assert.Equal("5", f.MetadataValue("nabla.step"));
        Assert.Equal("pt", f.MetadataValue("format"));

        net.Save(P("weights.safetensors"), includeOptimizerState: false);
        Assert.Equal(new[] { "0.weight", "0.bias", "3.weight", "3.bias" }, SafeTensors.Load(P("weights.safetensors")).Names);
    }

    [Fact]
    public void Load_restores_weights_state_and_step_and_a_weights_only_file_resets_the_optimizer()
    {
        var net = Trained(Optimizer.Momentum(0.1));
        net.Save(P("m.safetensors"));
        var other = TrainerTests.Fresh(TrainerTests.Lowered(Optimizer.Momentum(0.1)));
        other.Load(P("m.safetensors"));
        Assert.Equal(net.ParameterValues("0.weight"), other.ParameterValues("0.weight"));
        Assert.Equal(net.StateValues("0.weight.m"), other.StateValues("0.weight.m"));
        Assert.Equal(5, other.Step);

        net.Save(P("w.safetensors"), includeOptimizerState: false);
        var third = TrainerTests.Fresh(TrainerTests.Lowered(Optimizer.Momentum(0.1)));
        third.Load(P("w.safetensors"));
        Assert.Equal(net.ParameterValues("3.bias"), third.ParameterValues("3.bias"));
        Assert.All(third.StateValues("0.weight.m"), v => Assert.Equal(0f, v));
        Assert.Equal(0, third.Step);
    }

    [Fact]
    public void A_checkpoint_of_another_shape_names_the_tensor_and_both_shapes_and_changes_nothing()
    {
        var net = Trained(Optimizer.Sgd(0.1));
        net.Save(P("small.safetensors"));
        var wide = Nabla.Lowering.Lowerer.Lower(Model.Build(new Sequential(new Dense(4, 7), new Tanh(), new Dropout(0.2), new Dense(7, 3)), 4),
            TrainingSetup.Classification(Optimizer.Sgd(0.1))).Compile(Backend.Expressions);
        var before = wide.SnapshotParameters();
        var e = Assert.Throws<CheckpointException>(() => wide.Load(P("small.safetensors")));
        Assert.Contains("'0.weight'", e.Message);
        Assert.Contains("[6, 4]", e.Message);
        Assert.Contains("[7, 4]", e.Message);
        Assert.Equal("0.weight", e.Tensor);
        foreach (var kv in before) Assert.Equal(kv.Value, wide.ParameterValues(kv.Key));
    }

    [Fact]
    public void Optimizer_state_of_another_optimizer_is_refused_unless_only_weights_are_asked_for()
    {
        var adam = Trained(Optimizer.Adam(0.01));
        adam.Save(P("adam.safetensors"));
        var sgd = TrainerTests.Fresh(TrainerTests.Lowered(Optimizer.Momentum(0.1)));
        var e = Assert.Throws<CheckpointException>(() => sgd.Load(P("adam.safetensors")));
        Assert.Contains("loadOptimizerState: false", e.Message);
        sgd.Load(P("adam.safetensors"), loadOptimizerState: false);
        Assert.Equal(adam.ParameterValues("0.weight"), sgd.ParameterValues("0.weight"));
    }

    [Fact]
    public void Truncated_or_corrupt_files_give_a_clear_error_and_leave_the_network_as_it_was()
    {
        var net = Trained(Optimizer.Adam(0.01));
        net.Save(P("good.safetensors"));
        var bytes = File.ReadAllBytes(P("good.safetensors"));
        var target = TrainerTests.Fresh(TrainerTests.Lowered(Optimizer.Adam(0.01)));
        var before = target.SnapshotParameters();
        foreach (var length in new[] { 0, 4, 8, 20, bytes.Length / 2, bytes.Length - 1 })
        {
            File.WriteAllBytes(P("bad.safetensors"), bytes.Take(length).ToArray());
            var e = Assert.Throws<CheckpointException>(() => target.Load(P("bad.safetensors")));
            Assert.Contains("bad.safetensors", e.Message);
        }
        var corrupt = (byte[])bytes.Clone();
        corrupt[9] = (byte)'#'; // inside the JSON header
        File.WriteAllBytes(P("bad.safetensors"), corrupt);
        Assert.Throws<CheckpointException>(() => target.Load(P("bad.safetensors")));
        Assert.Throws<CheckpointException>(() => target.Load(P("missing.safetensors")));
        foreach (var kv in before) Assert.Equal(kv.Value, target.ParameterValues(kv.Key));
        Assert.Equal(0, target.Step);
    }

    [Fact]
    public void Saving_diverged_weights_is_refused_and_the_previous_file_stays_intact()
    {
        var net = Trained(Optimizer.Sgd(0.1));
        net.Save(P("run.safetensors"));
        var bytes = File.ReadAllBytes(P("run.safetensors"));
        net.ParameterValues("3.bias")[1] = float.NaN;
        var e = Assert.Throws<CheckpointException>(() => net.Save(P("run.safetensors")));
        Assert.Contains("'3.bias'", e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(P("run.safetensors")));
        Assert.Single(Directory.GetFiles(_dir)); // no temporary file left behind
        net.Save(P("nan.safetensors"), allowNonFinite: true);
        Assert.True(float.IsNaN(SafeTensors.Load(P("nan.safetensors"))["3.bias"].ToSingle()[1]));
    }

    // Issue 17: these loaded silently and the run then "diverged".
    [Theory]
    [InlineData("nan-weight", "tensor '3.bias' holds NaN at index 1")]
    [InlineData("inf-state", "tensor 'optimizer.0.weight.m' holds +infinity at index 2")]
    [InlineData("negative-v", "optimizer state 'optimizer.0.weight.v' holds -0.5 at index 3; a second moment")]
    [InlineData("fractional-step", "optimizer state 'optimizer.step' holds 2.5; a step counter is a whole number")]
    [InlineData("absurd-step", "metadata nabla.step = 9223372036854775807 is not a step count a run reaches")]
    public void Values_no_training_produces_are_refused_with_the_tensor_and_index_and_change_nothing(string corruption, string expected)
    {
        var net = Trained(Optimizer.Adam(0.01));
        var tensors = net.Signature.Parameters.Select(p => (p.Name, p.Shape, Values: (float[])net.ParameterValues(p.Name).Clone()))
            .Concat(net.State.Select(st => (Name: Checkpoint.StateKey(st.Name), st.Shape, Values: (float[])net.StateValues(st.Name).Clone()))).ToList();
        float[] Of(string name) => tensors.Single(t => t.Name == name).Values;
        string step = "5";
        switch (corruption)
        {
            case "nan-weight": Of("3.bias")[1] = float.NaN; break;
            case "inf-state": Of("optimizer.0.weight.m")[2] = float.PositiveInfinity; break;
            case "negative-v": Of("optimizer.0.weight.v")[3] = -0.5f; break;
            case "fractional-step": Of("optimizer.step")[0] = 2.5f; break;
            case "absurd-step": step = long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture); break;
        }
        SafeTensors.Save(P("bad.safetensors"), tensors.Select(t => new SafeTensor(t.Name, t.Shape, t.Values)),
            new System.Collections.Generic.Dictionary<string, string> { ["nabla.step"] = step });
        var other = TrainerTests.Fresh(TrainerTests.Lowered(Optimizer.Adam(0.01)));
        var before = other.SnapshotParameters();
        var e = Assert.Throws<CheckpointException>(() => other.Load(P("bad.safetensors")));
        Assert.Contains(expected, e.Message);
        Assert.Equal(before["0.weight"], other.ParameterValues("0.weight"));
        Assert.Equal(0, other.Step);
        if (corruption == "nan-weight") other.Load(P("bad.safetensors"), allowNonFinite: true); // what Save(allowNonFinite) wrote loads back when asked
    }

    [Fact]
    public void State_stored_under_bare_names_loads_too()
    {
        var net = Trained(Optimizer.Adam(0.01));
        var tensors = net.Signature.Parameters.Select(p => new SafeTensor(p.Name, p.Shape, net.ParameterValues(p.Name)))
            .Concat(net.State.Select(s => new SafeTensor(s.Name, s.Shape, net.StateValues(s.Name))));
        SafeTensors.Save(P("bare.safetensors"), tensors, new System.Collections.Generic.Dictionary<string, string> { ["nabla.step"] = "5" });
        var other = TrainerTests.Fresh(TrainerTests.Lowered(Optimizer.Adam(0.01)));
        other.Load(P("bare.safetensors"));
        Assert.Equal(net.StateValues("3.weight.v"), other.StateValues("3.weight.v"));
        Assert.Equal(5, other.Step);
    }

    [Fact]
    public void A_checkpoint_callback_saves_after_each_epoch()
    {
        var net = TrainerTests.Fresh(TrainerTests.Lowered(Optimizer.Sgd(0.1)));
        var opts = new TrainingOptions { Epochs = 2, BatchSize = 20 };
        opts.Callbacks.Add(new CheckpointCallback(P("cb.safetensors")));
        net.Fit(TrainerTests.Blobs(60, 1), opts);
        Assert.Equal("6", SafeTensors.Load(P("cb.safetensors")).MetadataValue("nabla.step"));
    }
}
