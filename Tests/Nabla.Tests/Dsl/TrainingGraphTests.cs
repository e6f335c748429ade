using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Xunit;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Tests.Dsl;

public class TrainingGraphTests
{
    [Fact]
    public void BuildLoss_gives_a_loss_function_over_inputs_targets_and_parameters()
    {
        var m = Model.Build(Networks.Mlp(4, new[] { 5 }, 3), 4, seed: 1);
        var tg = m.BuildLoss(Loss.SoftmaxCrossEntropy(ClassTargets.Indices), dtype: DType.F64);
        Assert.Equal(new[] { "loss", "y" }, tg.Loss.Outputs.Select(o => o.Name));
        Assert.Equal(new[] { "x", "t" }, tg.Loss.Inputs().Select(i => i.Name));
        Assert.Equal(Shape.Of(Shape.Batch), Assert.Single(tg.Targets).Shape);
        Assert.Equal(Shape.Scalar, tg.LossNode.Shape);
        Assert.Same(tg.LossNode, tg.DataLoss);
        Assert.Null(tg.Regularization);
        Assert.Same(tg.Graph, tg.Forward.Graph);
        Assert.Equal(m.Parameters.Names, tg.Loss.Params().Select(p => p.Name));

        // mean (default) vs sum over the batch: the sum is the batch size times the mean.
        var data = new Dictionary<string, Tensor> { ["x"] = Oracle.Random(new Rng(1), -1, 1, 6, 4), ["t"] = Tensor.Of(new[] { 0.0, 1, 2, 2, 1, 0 }, 6) };
        double mean = ModelRunner.Loss(tg, data);
        double sum = ModelRunner.Loss(m.BuildLoss(Loss.SoftmaxCrossEntropy(ClassTargets.Indices), Reduction.Sum, dtype: DType.F64), data);
        Oracle.Close(6 * mean, sum, 1e-13);
    }

    [Fact]
    public void Gradient_of_the_training_loss_agrees_with_finite_differences()
    {
        var m = Model.Build(new Sequential(new Dense(3, 4), new Tanh(), new Dropout(0.5), new Dense(4, 2)), 3, seed: 2);
        var tg = m.BuildLoss(Loss.Mse(), regularizers: new[] { Regularizer.L2(0.3) }, dtype: DType.F64);
        var grads = Autodiff.Grad(tg.LossNode, tg.TrainableNodes);
        var b = tg.ParameterBindings();
        var rng = new Rng(5);
        b["x"] = Oracle.Random(rng, -1, 1, 4, 3); b["t"] = Oracle.Random(rng, -1, 1, 4, 2);
        b["2.mask"] = new Tensor(new[] { 4, 4 }, Enumerable.Range(0, 16).Select(i => (double)(i % 3 == 0 ? 0 : 1)).ToArray());
        var gv = Interpreter.Evaluate(grads, b);
        for (int k = 0; k < grads.Length; k++)
        {
            var v = b[tg.TrainableNodes[k].Name!];
            for (int e = 0; e < v.Size; e++)
            {
                double keep = v.Data[e];
                v.Data[e] = keep + 1e-6; double fp = Interpreter.Evaluate(new[] { tg.LossNode }, b)[tg.LossNode].Value;
                v.Data[e] = keep - 1e-6; double fm = Interpreter.Evaluate(new[] { tg.LossNode }, b)[tg.LossNode].Value;
                v.Data[e] = keep;
                Oracle.Close((fp - fm) / 2e-6, gv[grads[k]].Data[e], 1e-7);
            }
        }
    }

    [Fact]
    public void Frozen_parameters_produce_no_gradient_work()
    {
        var net = Networks.Mlp(40, new[] { 100, 100 }, 10);
        var full = Model.Build(net, 40).BuildLoss(Loss.SoftmaxCrossEntropy());
        net.Layers[0].Freeze();
        var frozen = Model.Build(net, 40).BuildLoss(Loss.SoftmaxCrossEntropy());
        Assert.Equal(new[] { "0.weight", "0.bias" }, frozen.FrozenNodes.Select(n => n.Name));
        Assert.Equal(4, frozen.TrainableNodes.Count);

        static IReadOnlyList<Node> GradGraph(TrainingGraph t) => Topo.Reachable(Autodiff.Grad(t.LossNode, t.TrainableNodes).Append(t.LossNode));
        // Forward: 3 matmuls. Backward with everything trainable: dW3, dh2, dW2, dh1, dW1 = 5 more.
        Assert.Equal(8, GradGraph(full).Count(n => n.Op == Op.MatMul)); // (the trace's trainable set is a snapshot)
        // Layer 0 frozen: no dW1 and no dh1 (nothing below h1 needs it): 3 + 3.
        var g = GradGraph(frozen);
        Assert.Equal(6, g.Count(n => n.Op == Op.MatMul));
        var x = frozen.Inputs[0];
        Assert.DoesNotContain(g, n => n.Op == Op.Transpose && ReferenceEquals(n.A, x)); // dW1 = xᵀ·δ is never built
        // Freezing everything: the gradient list is empty and the graph is the forward pass alone.
        net.Freeze();
        var none = Model.Build(net, 40).BuildLoss(Loss.SoftmaxCrossEntropy());
        Assert.Empty(none.TrainableNodes);
        Assert.Equal(3, GradGraph(none).Count(n => n.Op == Op.MatMul));
        net.Unfreeze();
        Assert.Equal(6, Model.Build(net, 40).Trace().TrainableNodes.Count);
    }

    [Fact]
    public void Per_parameter_trainable_flags_and_prefix_freezing()
    {
        var m = Model.Build(Networks.Mlp(4, new[] { 3, 3 }, 2), 4);
        m.Parameters["2.bias"].Trainable = false;
        Assert.Equal(2, m.Parameters.SetTrainable("0", false)); // "0.weight" and "0.bias", not "0x…"
        Assert.Equal(1, m.Parameters.SetTrainable("0.weight", false));
        var t = m.Trace();
        Assert.Equal(new[] { "0.weight", "0.bias", "2.bias" }, t.FrozenNodes.Select(n => n.Name));
        Assert.Equal(m.ParameterCount - 15 - 3, m.Parameters.TrainableSize);
        Assert.Throws<KeyNotFoundException>(() => m.Parameters.SetTrainable("7", false));
    }

    [Fact]
    public void Train_mode_loss_reads_dropout_masks_and_eval_mode_does_not()
    {
        var m = Model.Build(new Sequential(new Dense(3, 4), new ReLU(), new Dropout(0.2), new Dense(4, 1)), 3);
        var train = m.BuildLoss(Loss.BinaryCrossEntropyWithLogits());
        Assert.Equal(new[] { "x", "2.mask", "t" }, train.Loss.Inputs().Select(i => i.Name));
        Assert.Single(train.Masks);
        var eval = m.BuildLoss(Loss.BinaryCrossEntropyWithLogits(), mode: TraceMode.Eval);
        Assert.Equal(new[] { "x", "t" }, eval.Loss.Inputs().Select(i => i.Name));
        Assert.Empty(eval.Masks);
    }

    [Fact]
    public void Multi_head_objective_sums_weighted_terms_with_one_target_each()
    {
        var trunk = new Dense(3, 4); var cls = new Dense(4, 3); var reg = new Dense(4, 1);
        var net = new TwoHeads(trunk, cls, reg);
        var m = Model.Build(net, new[] { InputSpec.Batched("x", 3) }, new[] { "cls", "reg" }, seed: 3);
        var tg = m.BuildLoss(new[] { new LossTerm("cls", Loss.SoftmaxCrossEntropy(ClassTargets.Indices), "label"), new LossTerm("reg", Loss.Mse(), "value", 0.5) }, dtype: DType.F64);
        Assert.Equal(new[] { "label", "value" }, tg.Targets.Select(t => t.Name));
        Assert.Equal(new[] { "loss", "cls", "reg" }, tg.Loss.Outputs.Select(o => o.Name));
        var data = new Dictionary<string, Tensor> { ["x"] = Oracle.Random(new Rng(2), -1, 1, 5, 3), ["label"] = Tensor.Of(new[] { 0.0, 2, 1, 1, 0 }, 5), ["value"] = Oracle.Random(new Rng(3), -1, 1, 5, 1) };
        double ce = ModelRunner.Loss(m.BuildLoss(Loss.SoftmaxCrossEntropy(ClassTargets.Indices), output: "cls", target: "label", dtype: DType.F64), data);
        double mse = ModelRunner.Loss(m.BuildLoss(Loss.Mse(), output: "reg", target: "value", dtype: DType.F64), data);
        Oracle.Close(ce + 0.5 * mse, ModelRunner.Loss(tg, data), 1e-14);
        Assert.Throws<ArgumentException>(() => m.BuildLoss(new[] { new LossTerm("cls", Loss.Mse()), new LossTerm("reg", Loss.Mse()) }));
        Assert.Throws<ArgumentException>(() => m.BuildLoss(new[] { new LossTerm("nope", Loss.Mse()) }));
    }

    private sealed class TwoHeads : Module
    {
        private readonly Dense _trunk, _cls, _reg;
        public TwoHeads(Dense trunk, Dense cls, Dense reg) : base("TwoHeads") { _trunk = Add("trunk", trunk); _cls = Add("cls", cls); _reg = Add("reg", reg); }
        public override int OutputCount => 2;
        protected override IReadOnlyList<Node> ForwardMany(IReadOnlyList<Node> x)
        {
            var h = Act.Tanh(_trunk[x[0]]);
            return new[] { _cls[h], _reg[h] };
        }
    }
}
