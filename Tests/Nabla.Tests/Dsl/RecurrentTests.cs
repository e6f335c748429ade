using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Nabla.Checkpoints;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Dsl;

/// <summary>
/// RNN, GRU and LSTM cells and layers in the float64 interpreter: outputs and gradients against PyTorch
/// (Tests/Nabla.Tests/Fixtures/rnn.py wrote rnn.safetensors), gradients against central differences, parameter names,
/// and bad input.
/// </summary>
public class RecurrentTests
{
    /// <summary>The fixture file <paramref name="name"/> in Tests/Nabla.Tests/Fixtures, found from the test's output folder.</summary>
    internal static string FixturePath(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "Tests", "Nabla.Tests", "Fixtures", name);
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException($"Fixture {name} not found above {AppContext.BaseDirectory} (Tests/Nabla.Tests/Fixtures; made by rnn.py there).");
    }

    private static readonly Lazy<SafeTensorsFile> Torch = new(() => SafeTensors.Load(FixturePath("rnn.safetensors")));

    private static Tensor Get(string name) { var t = Torch.Value[name]; return new Tensor(t.Shape, t.ToDouble()); }

    /// <summary>Loads the fixture's parameters of <paramref name="case"/> into the model (exact: they are float32 values) and checks the names and their order.</summary>
    private static void LoadParameters(Model model, string @case)
    {
        var names = Torch.Value.MetadataValue(@case + ".params")!.Split(',');
        Assert.Equal(names, model.Parameters.Names);
        foreach (var n in names)
        {
            var t = Torch.Value[@case + "." + n];
            Assert.Equal(t.Shape, model.Parameters[n].Shape.ToArray());
            var values = t.ToSingle();
            Assert.Equal(t.ToDouble(), values.Select(v => (double)v).ToArray()); // the script rounded them to float32
            model.Parameters[n].Load(values);
        }
    }

    private static void Close(Tensor expected, Tensor actual, double tol, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        for (int i = 0; i < expected.Size; i++)
            Assert.True(Math.Abs(expected.Data[i] - actual.Data[i]) <= tol * Math.Max(1, Math.Abs(expected.Data[i])),
                $"{what}[{i}]: PyTorch {expected.Data[i]:R}, Nabla {actual.Data[i]:R}");
    }

    private static Module Layer(string @case, RecurrentOutput output = RecurrentOutput.AllSteps) => @case switch
    {
        "gru" => new GRU(3, 4, bidirectional: true, output: output),
        "lstm" => new LSTM(3, 4, numLayers: 2, bidirectional: true, output: output),
        "rnn" => new RNN(3, 4, output: output),
        "rnn_relu" => new RNN(2, 3, numLayers: 2, nonlinearity: RnnNonlinearity.Relu, output: output),
        _ => throw new ArgumentException(@case),
    };

    [Theory]
    [InlineData("gru")]
    [InlineData("lstm")]
    [InlineData("rnn")]
    [InlineData("rnn_relu")]
    public void Layer_outputs_and_gradients_equal_PyTorchs(string @case)
    {
        var x = Get(@case + ".x");
        var model = Model.Build(Layer(@case), Shape.Of(Shape.Batch, x.Shape[1], x.Shape[2]), seed: 3);
        LoadParameters(model, @case);
        var t = model.Trace(DType.F64);
        var g = t.Graph;
        var y = t.Outputs[0].Node;
        var u = g.Input("u", y.Shape);
        var wrt = new[] { t.Inputs[0] }.Concat(t.Parameters.Select(p => p.Node)).ToArray();
        var grads = Autodiff.Grad(F.Sum(y * u), wrt);
        var b = t.ParameterBindings();
        b["x"] = x;
        b["u"] = Get(@case + ".u");
        var values = Interpreter.Evaluate(grads.Append(y).ToArray(), b);
        Close(Get(@case + ".output"), values[y], 1e-12, "output");
        Close(Get(@case + ".grad.x"), values[grads[0]], 1e-12, "dL/dx");
        for (int k = 0; k < t.Parameters.Count; k++)
            Close(Get(@case + ".grad." + t.Parameters[k].Name), values[grads[k + 1]], 1e-12, "dL/d" + t.Parameters[k].Name);

        // RecurrentOutput.Last is PyTorch's h_n of the top layer, directions concatenated.
        var last = Model.Build(Layer(@case, RecurrentOutput.Last), Shape.Of(Shape.Batch, x.Shape[1], x.Shape[2]));
        LoadParameters(last, @case);
        Close(Get(@case + ".last"), ModelRunner.Forward(last, x), 1e-12, "last");
    }

    [Theory]
    [InlineData("grucell")]
    [InlineData("lstmcell")]
    [InlineData("rnncell")]
    public void Cell_outputs_and_gradients_equal_PyTorchs(string @case)
    {
        bool lstm = @case == "lstmcell";
        Module cell = @case switch { "grucell" => new GRUCell(3, 4), "lstmcell" => new LSTMCell(3, 4), _ => new RNNCell(3, 4) };
        var state = Shape.Of(Shape.Batch, 4);
        var specs = new List<InputSpec> { new("x", Shape.Of(Shape.Batch, 3)), new("h", state) };
        if (lstm) specs.Add(new InputSpec("c", state));
        var model = Model.Build(cell, specs, seed: 3);
        LoadParameters(model, @case);
        var t = model.Trace(DType.F64);
        var g = t.Graph;
        var h1 = t.Outputs[0].Node;
        var loss = F.Sum(h1 * g.Input("u", h1.Shape));
        if (lstm) loss = loss + F.Sum(t.Outputs[1].Node * g.Input("v", h1.Shape));
        var wrt = t.Inputs.Concat(t.Parameters.Select(p => p.Node)).ToArray();
        var grads = Autodiff.Grad(loss, wrt);
        var b = t.ParameterBindings();
        foreach (var s in specs) b[s.Name] = Get(@case + "." + s.Name);
        b["u"] = Get(@case + ".u");
        if (lstm) b["v"] = Get(@case + ".v");
        var outs = t.Outputs.Select(o => o.Node).ToArray();
        var values = Interpreter.Evaluate(grads.Concat(outs).ToArray(), b);
        Close(Get(@case + ".h1"), values[outs[0]], 1e-12, "h'");
        if (lstm) Close(Get(@case + ".c1"), values[outs[1]], 1e-12, "c'");
        for (int k = 0; k < specs.Count; k++) Close(Get(@case + ".grad." + specs[k].Name), values[grads[k]], 1e-12, "dL/d" + specs[k].Name);
        for (int k = 0; k < t.Parameters.Count; k++)
            Close(Get(@case + ".grad." + t.Parameters[k].Name), values[grads[specs.Count + k]], 1e-12, "dL/d" + t.Parameters[k].Name);
    }

    /// <summary>The largest relative error between the IR gradient of sum(u ⊙ outputs) and central differences, over every input and parameter.</summary>
    private static double WorstGradientError(Model model, Dictionary<string, Tensor> inputs, int seed)
    {
        var t = model.Trace(DType.F64);
        var g = t.Graph;
        var rng = new Rng((ulong)seed);
        var b = t.ParameterBindings();
        foreach (var kv in inputs) b[kv.Key] = kv.Value;
        Node? scalar = null;
        for (int i = 0; i < t.Outputs.Count; i++)
        {
            var y = t.Outputs[i].Node;
            var u = g.Input("u" + i, y.Shape);
            var shape = y.Shape.Concrete(inputs.Values.First().Shape[0]);
            b["u" + i] = Oracle.Random(rng, -1, 1, shape);
            scalar = scalar is null ? F.Sum(y * u) : scalar + F.Sum(y * u);
        }
        var wrt = t.Inputs.Concat(t.Parameters.Select(p => p.Node)).ToArray();
        var grads = Autodiff.Grad(scalar!, wrt);
        var gv = Interpreter.Evaluate(grads, b);
        double worst = 0;
        for (int k = 0; k < wrt.Length; k++)
        {
            var v = b[wrt[k].Name!];
            for (int e = 0; e < v.Size; e++)
            {
                double keep = v.Data[e];
                v.Data[e] = keep + 1e-6; double fp = Interpreter.Evaluate(new[] { scalar! }, b)[scalar!].Value;
                v.Data[e] = keep - 1e-6; double fm = Interpreter.Evaluate(new[] { scalar! }, b)[scalar!].Value;
                v.Data[e] = keep;
                double an = gv[grads[k]].Data[e];
                worst = Math.Max(worst, Math.Abs((fp - fm) / 2e-6 - an) / Math.Max(1, Math.Abs(an)));
            }
        }
        return worst;
    }

    [Fact]
    public void Cell_gradients_agree_with_central_differences_in_float64()
    {
        var rng = new Rng(11);
        var state = Shape.Of(Shape.Batch, 3);
        foreach (var cell in new Module[] { new GRUCell(2, 3), new LSTMCell(2, 3), new RNNCell(2, 3), new GRUCell(2, 3, bias: false) })
        {
            bool lstm = cell is LSTMCell;
            var specs = new List<InputSpec> { new("x", Shape.Of(Shape.Batch, 2)), new("h", state) };
            if (lstm) specs.Add(new InputSpec("c", state));
            var model = Model.Build(cell, specs, seed: 5);
            var inputs = new Dictionary<string, Tensor> { ["x"] = Oracle.Random(rng, -1, 1, 2, 2), ["h"] = Oracle.Random(rng, -1, 1, 2, 3) };
            if (lstm) inputs["c"] = Oracle.Random(rng, -1, 1, 2, 3);
            double worst = WorstGradientError(model, inputs, 3);
            Assert.True(worst < 1e-7, $"{cell.Description}: worst relative gradient error {worst:E2}");
        }
    }

    [Fact]
    public void Layer_gradients_agree_with_central_differences_in_float64()
    {
        var rng = new Rng(12);
        foreach (var layer in new Module[]
                 {
                     new GRU(2, 2, numLayers: 2, bidirectional: true), new LSTM(2, 2, bidirectional: true, output: RecurrentOutput.Last),
                     new RNN(2, 2, nonlinearity: RnnNonlinearity.Tanh, bidirectional: true, bias: false),
                 })
        {
            var model = Model.Build(layer, Shape.Of(Shape.Batch, 3, 2), seed: 6);
            double worst = WorstGradientError(model, new Dictionary<string, Tensor> { ["x"] = Oracle.Random(rng, -1, 1, 2, 3, 2) }, 4);
            Assert.True(worst < 1e-7, $"{layer.Description}: worst relative gradient error {worst:E2}");
        }
    }

    [Fact]
    public void Parameters_have_PyTorchs_names_shapes_and_initialization()
    {
        var m = Model.Build(new LSTM(3, 5, numLayers: 2, bidirectional: true), Shape.Of(Shape.Batch, 7, 3), seed: 9, init: InitScheme.He);
        var expected = new (string, int[])[]
        {
            ("weight_ih_l0", new[] { 20, 3 }), ("weight_hh_l0", new[] { 20, 5 }), ("bias_ih_l0", new[] { 20 }), ("bias_hh_l0", new[] { 20 }),
            ("weight_ih_l0_reverse", new[] { 20, 3 }), ("weight_hh_l0_reverse", new[] { 20, 5 }), ("bias_ih_l0_reverse", new[] { 20 }), ("bias_hh_l0_reverse", new[] { 20 }),
            ("weight_ih_l1", new[] { 20, 10 }), ("weight_hh_l1", new[] { 20, 5 }), ("bias_ih_l1", new[] { 20 }), ("bias_hh_l1", new[] { 20 }),
            ("weight_ih_l1_reverse", new[] { 20, 10 }), ("weight_hh_l1_reverse", new[] { 20, 5 }), ("bias_ih_l1_reverse", new[] { 20 }), ("bias_hh_l1_reverse", new[] { 20 }),
        };
        Assert.Equal(expected.Select(e => e.Item1), m.Parameters.Names);
        foreach (var (name, shape) in expected) Assert.Equal(shape, m.Parameters[name].Shape.ToArray());
        // U(−1/√H, 1/√H) for weights and biases alike, whatever the model's scheme (He here).
        double bound = 1 / Math.Sqrt(5);
        var all = m.Parameters.Entries.SelectMany(e => e.Parameter.Data).ToArray();
        Assert.All(all, v => Assert.InRange(v, -bound, bound));
        Assert.True(all.Max() > 0.9 * bound && all.Min() < -0.9 * bound, "the values should fill the interval");
        Assert.True(Math.Abs(all.Average()) < 0.05 * bound);
        Assert.Equal(new[] { "weight_ih", "weight_hh" }, Model.Build(new GRUCell(2, 3, bias: false),
            new[] { new InputSpec("x", Shape.Of(Shape.Batch, 2)), new InputSpec("h", Shape.Of(Shape.Batch, 3)) }).Parameters.Names);
        // The MNIST-1D notebooks' GRU: 2·(18 + 108 + 18 + 18) + 480·10 + 10 = 5,134 parameters.
        Assert.Equal(5134, Model.Build(new Sequential(new Reshape(40, 1), new GRU(1, 6, bidirectional: true), new Flatten(), new Dense(480, 10)), 40).ParameterCount);
    }

    [Fact]
    public void Output_shapes_are_every_step_or_the_last()
    {
        var x = Shape.Of(Shape.Batch, 6, 2);
        Assert.Equal(Shape.Of(Shape.Batch, 6, 8), Model.Build(new GRU(2, 4, bidirectional: true), x).Trace().Outputs[0].Node.Shape);
        Assert.Equal(Shape.Of(Shape.Batch, 8), Model.Build(new GRU(2, 4, bidirectional: true, output: RecurrentOutput.Last), x).Trace().Outputs[0].Node.Shape);
        Assert.Equal(Shape.Of(Shape.Batch, 6, 4), Model.Build(new LSTM(2, 4, numLayers: 3), x).Trace().Outputs[0].Node.Shape);
        Assert.Equal(Shape.Of(Shape.Batch, 4), Model.Build(new RNN(2, 4, output: RecurrentOutput.Last), x).Trace().Outputs[0].Node.Shape);
    }

    [Fact]
    public void The_forward_direction_reads_the_past_and_the_reverse_direction_the_future()
    {
        // Changing x at step 2 changes the forward half of the output at steps ≥ 2 only, and the reverse half at steps ≤ 2 only.
        var model = Model.Build(new GRU(1, 2, bidirectional: true), Shape.Of(Shape.Batch, 5, 1), seed: 4);
        var a = Tensor.Of(new[] { 0.1, -0.3, 0.5, 0.2, -0.4 }, 1, 5, 1);
        var b = Tensor.Of(new[] { 0.1, -0.3, -0.9, 0.2, -0.4 }, 1, 5, 1);
        var ya = ModelRunner.Forward(model, a);
        var yb = ModelRunner.Forward(model, b);
        for (int t = 0; t < 5; t++)
            for (int k = 0; k < 4; k++)
            {
                bool forward = k < 2;
                bool affected = forward ? t >= 2 : t <= 2;
                Assert.True(affected == (ya[0, t, k] != yb[0, t, k]), $"step {t}, unit {k}");
            }
    }

    /// <summary>A GRU layer written by hand: a GRUCell (named "cell") applied to each step from the zero state, the states stacked.</summary>
    private sealed class HandUnrolled : Module
    {
        private readonly Module _cell;
        public HandUnrolled(Module cell) : base("HandUnrolled") => _cell = Add("cell", cell);
        protected override Node Forward(Node x)
        {
            var s = x.Shape;
            var h = F.Zeros(x.Graph, Shape.Of(s[0], 3), x.DType);
            var states = new List<Node>();
            for (int t = 0; t < s[1]; t++)
            {
                h = _cell.Call(F.Reshape(F.Slice(x, 1, t, t + 1), Shape.Of(s[0], s[2])), h)[0];
                states.Add(h);
            }
            return F.Stack(1, states.ToArray());
        }
    }

    [Fact]
    public void A_cell_unrolled_by_hand_equals_the_layer_with_the_same_weights()
    {
        var rng = new Rng(13);
        var x = Oracle.Random(rng, -1, 1, 2, 4, 2);
        var layer = Model.Build(new GRU(2, 3), Shape.Of(Shape.Batch, 4, 2), seed: 8);
        var hand = Model.Build(new HandUnrolled(new GRUCell(2, 3)), Shape.Of(Shape.Batch, 4, 2), seed: 9);
        Assert.Equal(new[] { "cell.weight_ih", "cell.weight_hh", "cell.bias_ih", "cell.bias_hh" }, hand.Parameters.Names);
        foreach (var n in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
            hand.Parameters["cell." + n].Load(layer.Parameters[n + "_l0"].Data);
        var expected = ModelRunner.Forward(layer, x);
        var actual = ModelRunner.Forward(hand, x);
        Close(expected, actual, 1e-15, "hand-unrolled");
        Assert.Equal(new[] { 2, 4, 3 }, actual.Shape);
    }

    [Fact]
    public void Bad_input_names_the_layer_and_the_shapes()
    {
        var net = new Sequential(("rnn", new GRU(1, 6, bidirectional: true)), ("linear", new Dense(10)));
        var e = Assert.Throws<LayerException>(() => Model.Build(net, 40));
        Assert.Equal("rnn", e.LayerPath);
        Assert.Contains("layer rnn (GRU 1→6 bidirectional)", e.Message);
        Assert.Contains("expects a batch-first sequence [B, T, 1]", e.Message);
        Assert.Contains("got [B,40]", e.Message);
        Assert.Contains("Reshape(40, 1)", e.Message);

        var wide = Assert.Throws<LayerException>(() => Model.Build(new LSTM(3, 4), Shape.Of(Shape.Batch, 5, 2)));
        Assert.Contains("network (LSTM 3→4): expects 3 features per step ([B, T, 3]), got [B,5,2]", wide.Message);

        var cell = new GRUCell(3, 4);
        var state = Assert.Throws<LayerException>(() => Model.Build(cell,
            new[] { new InputSpec("x", Shape.Of(Shape.Batch, 3)), new InputSpec("h", Shape.Of(Shape.Batch, 5)) }));
        Assert.Contains("GRUCell 3→4", state.Message);
        Assert.Contains("expects the state h of shape [B,4]", state.Message);
        Assert.Contains("got [B,5]", state.Message);

        var seq = Assert.Throws<LayerException>(() => Model.Build(new LSTMCell(3, 4),
            new[] { new InputSpec("x", Shape.Of(Shape.Batch, 5, 3)), new InputSpec("h", Shape.Of(Shape.Batch, 4)), new InputSpec("c", Shape.Of(Shape.Batch, 4)) }));
        Assert.Contains("expects the input step x of shape [B, 3]", seq.Message);
        Assert.Contains("[B,5,3]", seq.Message);

        Assert.Contains("hidden size must be positive", Assert.Throws<LayerException>(() => new GRU(3, 0)).Message);
        Assert.Contains("number of layers must be positive", Assert.Throws<LayerException>(() => new LSTM(3, 2, numLayers: 0)).Message);
        Assert.Contains("input size must be positive", Assert.Throws<LayerException>(() => new RNNCell(0, 2)).Message);
    }
}
