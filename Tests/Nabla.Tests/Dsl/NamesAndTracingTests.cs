using System;
using System.Linq;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Dsl;

public class NamesAndTracingTests
{
    private static (string, string)[] NamesAndShapes(Model m) => m.Parameters.Entries.Select(e => (e.Name, e.Parameter.Shape.ToString())).ToArray();

    [Fact]
    public void Sequential_names_every_module_by_index_like_PyTorch()
    {
        var m = Model.Build(new Sequential(new Dense(40, 100), new ReLU(), new Dense(100, 10)), 40);
        Assert.Equal(new[] { ("0.weight", "[100,40]"), ("0.bias", "[100]"), ("2.weight", "[10,100]"), ("2.bias", "[10]") }, NamesAndShapes(m));
        Assert.Equal(ParamRole.Weight, m.Parameters["0.weight"].Role);
        Assert.Equal(ParamRole.Bias, m.Parameters["2.bias"].Role);
        Assert.Equal(4 * 100 * 10 + 100 + 1010, m.ParameterCount);
    }

    [Fact]
    public void Nested_and_named_modules_give_dotted_prefixes()
    {
        var net = new Sequential(
            ("features", new Sequential(new Dense(8, 6), new Tanh(), new Sequential(new Dense(6, 5), new ReLU()))),
            ("head", new Dense(3)));
        var m = Model.Build(net, 8);
        Assert.Equal(new[]
        {
            ("features.0.weight", "[6,8]"), ("features.0.bias", "[6]"), ("features.2.0.weight", "[5,6]"), ("features.2.0.bias", "[5]"),
            ("head.weight", "[3,5]"), ("head.bias", "[3]"),
        }, NamesAndShapes(m));
    }

    [Fact]
    public void Lazy_dense_infers_its_input_width()
    {
        var d = new Dense(7);
        Assert.Equal("Dense ?→7", d.Description);
        var m = Model.Build(new Sequential(new Dense(5), new ReLU(), d), 12);
        Assert.Equal(new[] { ("0.weight", "[5,12]"), ("0.bias", "[5]"), ("2.weight", "[7,5]"), ("2.bias", "[7]") }, NamesAndShapes(m));
        Assert.Equal("Dense 5→7", d.Description);
        Assert.Equal(5, d.In);
    }

    [Fact]
    public void Mnist1d_reference_models_use_the_notebook_names()
    {
        var res = Model.Build(Networks.Mnist1dResidualMlp(), 40);
        Assert.Equal(new[] { ("linear1.weight", "[100,40]"), ("linear1.bias", "[100]"), ("linear2.weight", "[100,100]"), ("linear2.bias", "[100]"), ("linear3.weight", "[10,100]"), ("linear3.bias", "[10]") }, NamesAndShapes(res));
        var cnn = Model.Build(Networks.Mnist1dCnn(), 40);
        Assert.Equal(new[] { ("conv1.weight", "[25,1,5]"), ("conv1.bias", "[25]"), ("conv2.weight", "[25,25,3]"), ("conv2.bias", "[25]"), ("conv3.weight", "[25,25,3]"), ("conv3.bias", "[25]"), ("linear.weight", "[10,125]"), ("linear.bias", "[10]") }, NamesAndShapes(cnn));
    }

    [Fact]
    public void Trace_gives_a_forward_function_over_named_inputs_outputs_and_param_leaves()
    {
        var m = Model.Build(Networks.Mlp(40, new[] { 100, 100 }, 10), 40, seed: 3);
        var t = m.Trace();
        Assert.Equal(DType.F32, t.Graph.DefaultType);
        var x = Assert.Single(t.Forward.Inputs());
        Assert.Equal("x", x.Name);
        Assert.Equal(Shape.Of(Shape.Batch, 40), x.Shape);
        var y = Assert.Single(t.Outputs);
        Assert.Equal(("y", Shape.Of(Shape.Batch, 10)), (y.Name, y.Node.Shape));
        Assert.Equal(m.Parameters.Names, t.Forward.Params().Select(p => p.Name));
        Assert.All(t.Parameters, p => Assert.Equal(p.Parameter.Shape, p.Node.Shape));
        Assert.Equal(6, t.TrainableNodes.Count);
        Assert.Empty(t.FrozenNodes);
        Assert.Empty(t.Masks);
        // matmul(x, transpose(W)) + b per layer: 3 matmuls, 2 relus.
        Assert.Equal(3, t.Forward.Nodes().Count(n => n.Op == Op.MatMul));
        Assert.Equal(2, t.Forward.Nodes().Count(n => n.Op == Op.Relu));
        Assert.Equal(DType.F64, m.Trace(DType.F64).Forward.Outputs[0].Node.DType);
    }

    [Fact]
    public void Shared_module_has_one_set_of_parameters()
    {
        var shared = new Dense(4, 4);
        var net = Module.Lambda("Twice", x => shared[Act.Tanh(shared[x])], ("block", shared));
        var m = Model.Build(net, 4);
        Assert.Equal(new[] { "block.weight", "block.bias" }, m.Parameters.Names);
        var t = m.Trace();
        Assert.Equal(2, t.Forward.Nodes().Count(n => n.Op == Op.MatMul));
        Assert.Equal(2, t.Forward.Params().Count);
        Assert.Equal(20, t.Summary.TotalParameters);
        Assert.Equal(2, t.Summary.Rows.Count(r => r.Kind == "Dense"));
        Assert.True(t.Summary.Rows.Last(r => r.Kind == "Dense").Repeated);
    }

    [Fact]
    public void Several_inputs_and_heads_through_a_custom_module()
    {
        var m = Model.Build(new TwoTower(), new[] { InputSpec.Batched("u", 6), InputSpec.Batched("v", 3) }, new[] { "cls", "reg" }, seed: 2);
        Assert.Equal(new[] { "a.weight", "a.bias", "b.weight", "b.bias", "cls.weight", "cls.bias", "reg.weight", "reg.bias" }, m.Parameters.Names);
        var t = m.Trace(DType.F64);
        Assert.Equal(new[] { "cls", "reg" }, t.Outputs.Select(o => o.Name));
        Assert.Equal(Shape.Of(Shape.Batch, 4), t.Forward["cls"].Shape);
        Assert.Equal(Shape.Of(Shape.Batch, 1), t.Forward["reg"].Shape);
        // Value check against a direct evaluation of the same arithmetic.
        var rng = new Rng(9);
        var b = t.ParameterBindings();
        b["u"] = Oracle.Random(rng, -1, 1, 2, 6); b["v"] = Oracle.Random(rng, -1, 1, 2, 3);
        var r = Interpreter.Run(t.Forward, b);
        double H(int ex, int j) =>
            Math.Max(0, Enumerable.Range(0, 6).Sum(k => b["u"][ex, k] * b["a.weight"][j, k]) + b["a.bias"][j]
                        + Enumerable.Range(0, 3).Sum(k => b["v"][ex, k] * b["b.weight"][j, k]) + b["b.bias"][j]);
        double want = Enumerable.Range(0, 5).Sum(j => H(1, j) * b["reg.weight"][0, j]) + b["reg.bias"][0];
        Oracle.Close(want, r["reg"][1, 0]);
        var loss = m.BuildLoss(Loss.Mse(), output: "reg");
        Assert.Equal(Shape.Of(Shape.Batch, 1), loss.Targets[0].Shape);
        Assert.Throws<ArgumentException>(() => m.BuildLoss(Loss.Mse()));
    }

    private sealed class TwoTower : Module
    {
        private readonly Dense _a, _b, _cls, _reg;
        public TwoTower() : base("TwoTower")
        {
            _a = Add("a", new Dense(5)); _b = Add("b", new Dense(5)); _cls = Add("cls", new Dense(4)); _reg = Add("reg", new Dense(1));
        }
        public override int InputCount => 2;
        public override int OutputCount => 2;
        protected override System.Collections.Generic.IReadOnlyList<Node> ForwardMany(System.Collections.Generic.IReadOnlyList<Node> x)
        {
            var h = Act.Relu(_a[x[0]] + _b[x[1]]);
            return new[] { _cls[h], _reg[h] };
        }
    }

    [Fact]
    public void Custom_module_declares_parameters_in_forward_the_lecture_shallow_network()
    {
        // y = φ0 + Σ_d φ_d·a[θ_d0 + θ_d1·x] with D = 3, written with explicit parameters.
        var m = Model.Build(new Shallow(3), 1, seed: 4);
        Assert.Equal(new[] { ("theta", "[3,2]"), ("phi", "[4]") }, NamesAndShapes(m));
        m.Parameters["theta"].Load(new float[] { -0.5f, 1, 1, -1, 0.25f, 2 });
        m.Parameters["phi"].Load(new float[] { 0.5f, 1, -2, 3 });
        var y = ModelRunner.Forward(m, Tensor.Of(new[] { 0.8, -1.0 }, 2, 1));
        double F(double x) => 0.5 + 1 * Math.Max(0, -0.5 + x) - 2 * Math.Max(0, 1 - x) + 3 * Math.Max(0, 0.25 + 2 * x);
        Oracle.Close(F(0.8), y[0, 0]);
        Oracle.Close(F(-1.0), y[1, 0]);
    }

    private sealed class Shallow : Module
    {
        private readonly int _d;
        public Shallow(int d) : base("Shallow") { _d = d; }
        protected override Node Forward(Node x)
        {
            var theta = Param("theta", Shape.Of(_d, 2), ParamRole.Weight);
            var phi = Param("phi", Shape.Of(_d + 1), ParamRole.Weight);
            var g = x.Graph;
            var theta0 = F.MatMul(theta, g.Const(new double[] { 1, 0 }, Shape.Of(2, 1)));  // [D,1]
            var theta1 = F.MatMul(theta, g.Const(new double[] { 0, 1 }, Shape.Of(2, 1)));  // [D,1]
            var h = Act.Relu(F.T(theta0) + F.MatMul(x, F.T(theta1)));                       // [B,D]
            var phi0 = F.MatMul(F.Reshape(phi, Shape.Of(1, _d + 1)), g.Const(Enumerable.Range(0, _d + 1).Select(i => i == 0 ? 1.0 : 0).ToArray(), Shape.Of(_d + 1, 1)));
            var phiD = F.MatMul(F.Reshape(phi, Shape.Of(1, _d + 1)), g.Const(Enumerable.Range(0, (_d + 1) * _d).Select(i => i / _d == i % _d + 1 ? 1.0 : 0).ToArray(), Shape.Of(_d + 1, _d)));
            return phi0 + F.MatMul(h, F.T(phiD));
        }
    }

    [Fact]
    public void Parameter_store_loads_with_shape_checks_and_snapshots()
    {
        var m = Model.Build(Networks.Mlp(3, new[] { 2 }, 1), 3);
        m.Parameters.Set("0.weight", new[] { 2, 3 }, new float[] { 1, 2, 3, 4, 5, 6 });
        Assert.Equal(6f, m.Parameters["0.weight"].Data[5]);
        var e = Assert.Throws<ArgumentException>(() => m.Parameters.Set("0.weight", new[] { 3, 2 }, new float[6]));
        Assert.Contains("\"0.weight\" has shape [2,3]", e.Message);
        Assert.Contains("[3,2]", e.Message);
        var k = Assert.Throws<System.Collections.Generic.KeyNotFoundException>(() => m.Parameters["1.weight"]);
        Assert.Contains("0.weight, 0.bias, 2.weight, 2.bias", k.Message);
        var snap = m.Parameters.Snapshot();
        m.Parameters["0.weight"].Data[0] = 99;
        m.Parameters.Restore(snap);
        Assert.Equal(1f, m.Parameters["0.weight"].Data[0]);
        // The store views the modules' own arrays: a trace sees writes at once.
        Assert.Equal(1.0, m.Trace(DType.F64).ParameterBindings()["0.weight"].Data[0]);
    }
}
