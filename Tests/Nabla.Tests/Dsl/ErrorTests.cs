using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Dsl;

public class ErrorTests
{
    private static LayerException Fails(Module net, Shape input) => Assert.Throws<LayerException>(() => Model.Build(net, input));

    [Fact]
    public void Dense_input_width_mismatch_names_the_layer_and_both_shapes()
    {
        var e = Fails(new Sequential(new Dense(40, 100), new ReLU(), new Dense(50, 10)), Shape.Of(Shape.Batch, 40));
        Assert.StartsWith("layer 2 (Dense 50→10): expects input width 50", e.Message);
        Assert.Contains("[..,50]", e.Message);
        Assert.Contains("[B,100]", e.Message);
        Assert.Equal("2", e.LayerPath);
        var first = Fails(Networks.Mlp(40, new[] { 100 }, 10), Shape.Of(Shape.Batch, 30));
        Assert.StartsWith("layer 0 (Dense 40→100): expects input width 40 ([..,40]), got [B,30]", first.Message);
        var nested = Fails(new Sequential(("features", new Sequential(new Dense(5), new Dense(4, 2)))), Shape.Of(Shape.Batch, 3));
        Assert.StartsWith("layer features.1 (Dense 4→2)", nested.Message);
        Assert.Contains("[B,5]", nested.Message);
    }

    [Fact]
    public void Non_positive_widths_are_rejected_with_the_layer()
    {
        Assert.Equal("Dense ?→-5: the output width must be positive, got -5.", Assert.Throws<LayerException>(() => new Dense(-5)).Message);
        Assert.Equal("Dense ?→0: the output width must be positive, got 0.", Assert.Throws<LayerException>(() => new Dense(0)).Message);
        Assert.Contains("input width must be positive, got -1", Assert.Throws<LayerException>(() => new Dense(-1, 3)).Message);
        var e = Assert.Throws<LayerException>(() => Networks.Mlp(40, new[] { 100, -5 }, 10));
        Assert.Equal("layer 2 (Dense 100→-5): hidden layer 1 has width -5; widths must be positive.", e.Message);
        Assert.Contains("layer 2 (Dense 7→0): the output layer has width 0", Assert.Throws<LayerException>(() => Networks.Mlp(4, new[] { 7 }, 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Model.Build(new Dense(3), 0));
        Assert.Equal("network (Dense ?→3): the input [B,0] has no features (width 0).", Assert.Throws<LayerException>(() => Model.Build(new Dense(3), Shape.Of(Shape.Batch, 0))).Message);
        Assert.Contains("channel counts must be positive", Assert.Throws<LayerException>(() => new Conv1d(0, 3, 2)).Message);
        Assert.Contains("drop probability must be in [0, 1), got 1", Assert.Throws<LayerException>(() => new Dropout(1)).Message);
    }

    [Fact]
    public void Conv_kernel_larger_than_the_padded_input_and_channel_mismatch()
    {
        var e = Fails(new Sequential(new Reshape(1, 4), new Conv1d(1, 2, 7, padding: 1)), Shape.Of(Shape.Batch, 4));
        Assert.Equal("layer 1 (Conv1d 1→2 k7 s1 p1): kernel 7 is larger than the padded input length 6 (input [B,1,4], padding 1).", e.Message);
        var c2 = Fails(new Conv2d(1, 1, 5), Shape.Of(Shape.Batch, 1, 3, 9));
        Assert.Contains("kernel 5 is larger than the padded input height 3 (input [B,1,3,9]", c2.Message);
        var ch = Fails(Networks.Mnist1dCnn(), Shape.Of(Shape.Batch, 30));
        Assert.StartsWith("layer view (Reshape [1,40])", ch.Message);
        var ch2 = Fails(new Conv1d(3, 2, 2), Shape.Of(Shape.Batch, 1, 40));
        Assert.Contains("expects 3 input channels (NCL with C=3), got [B,1,40]", ch2.Message);
        Assert.Contains("expects an input of layout NCHW (rank 4), got [B,1,40]", Fails(new Conv2d(1, 2, 2), Shape.Of(Shape.Batch, 1, 40)).Message);
        Assert.Contains("kernel 3 is larger than the padded input length 2", Fails(Pool.Max1d(3), Shape.Of(Shape.Batch, 1, 2)).Message);
    }

    [Fact]
    public void Loss_target_shape_mismatch_names_the_loss_and_both_shapes()
    {
        var g = new Graph();
        var y = g.Input("y", Shape.Of(Shape.Batch, 10)); var t = g.Input("t", Shape.Of(Shape.Batch, 5));
        var e = Assert.Throws<LossException>(() => Loss.SoftmaxCrossEntropy().Apply(y, t));
        Assert.Equal("loss SoftmaxCrossEntropy: the target \"t\" has shape [B,5], but for the prediction [B,10] it must be [B,10].", e.Message);
        Assert.Contains("it must be [B]", Assert.Throws<LossException>(() => Loss.SoftmaxCrossEntropy(ClassTargets.Indices).Apply(y, t)).Message);
        var m = Model.Build(Networks.Mlp(4, new[] { 8 }, 10), 4);
        var mdn = Assert.Throws<LossException>(() => m.BuildLoss(Loss.MixtureDensity(3)));
        Assert.Equal("loss MixtureDensity(K=3, D=1): the prediction y has shape [B,10], but it needs [B, 9] = [B, K·(1+2D)] (K logits, K·D means, K·D log-scales).", mdn.Message);
        Assert.Contains("must be embeddings [B, E]", Assert.Throws<LossException>(() => Loss.InfoNce(2).TargetShape(Shape.Of(Shape.Batch, 2, 3))).Message);
        Assert.Contains("already used by the input", Assert.Throws<ArgumentException>(() => m.BuildLoss(Loss.Mse(), target: "x")).Message);
    }

    [Fact]
    public void Misuse_of_modules_is_explained()
    {
        var stray = new Dense(3);
        var e = Fails(Module.Lambda("Forgetful", x => stray[x]), Shape.Of(Shape.Batch, 4));
        Assert.Contains("Dense ?→3 is called inside network (Forgetful) but is not part of the network being traced", e.Message);
        Assert.Contains("Add(\"name\", module)", e.Message);
        var g = new Graph();
        Assert.Contains("not part of a network trace", Assert.Throws<InvalidOperationException>(() => new Dense(2).Call(g.Input("x", Shape.Of(1, 2)))).Message);
        // A shape error in user arithmetic is reported against the module that did it.
        var bad = Fails(Module.Lambda("Adder", x => x + x.Graph.Const(new double[] { 1, 2, 3 }, Shape.Of(3))), Shape.Of(Shape.Batch, 4));
        Assert.StartsWith("network (Adder): add(", bad.Message);
        Assert.Contains("(layer input [B,4])", bad.Message);
        // A lazily sized layer keeps the width it inferred.
        var d = new Dense(2);
        Model.Build(d, 5);
        Assert.Equal("network (Dense 5→2): expects input width 5 ([..,5]), got [B,6].", Assert.Throws<LayerException>(() => Model.Build(d, 6)).Message);
        // A custom module whose parameter shape depends on its input.
        var p = new PerWidth();
        Model.Build(p, 5);
        Assert.Contains("network (PerWidth): parameter scale has shape [5] from an earlier trace, but this input needs [6]", Assert.Throws<LayerException>(() => Model.Build(p, 6)).Message);
        Assert.Contains("the skip connection adds the input [B,4] to the output of Dense 4→3, which is [B,3]", Fails(new Residual(new Dense(4, 3)), Shape.Of(Shape.Batch, 4)).Message);
        Assert.Contains("cannot reshape [B,30] to [B,1,40]", Fails(new Reshape(1, 40), Shape.Of(Shape.Batch, 30)).Message);
        Assert.Equal("layer 1 of the Sequential is null.", Assert.Throws<LayerException>(() => new Sequential(new Dense(2), null!)).Message);
    }

    private sealed class PerWidth : Module
    {
        public PerWidth() : base("PerWidth") { }
        protected override Node Forward(Node x) => x * Param("scale", Shape.Of(x.Shape[1]), ParamRole.Weight);
    }

    [Fact]
    public void Random_bad_networks_fail_with_layer_errors_never_index_errors()
    {
        var gen = from rank in Gen.Choose(1, 5)
                  from dims in Gen.Choose(0, 6).ArrayOf(4)
                  from kinds in Gen.Choose(0, 9).ArrayOf(3)
                  from sizes in Gen.Choose(-1, 6).ArrayOf(3)
                  select (rank, dims, kinds, sizes);
        int built = 0, rejected = 0;
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(gen.ToArbitrary(), c =>
        {
            try
            {
                var layers = c.kinds.Select((k, i) => Make(k, c.sizes[i])).ToArray();
                var shape = Shape.Of(new[] { Shape.Batch }.Concat(c.dims.Take(c.rank - 1)).ToArray());
                Model.Build(new Sequential(layers), shape);
                built++;
            }
            catch (LayerException) { rejected++; }
            catch (LossException) { rejected++; }
            catch (ArgumentOutOfRangeException) { rejected++; }
        }));
        Assert.True(built > 0 && rejected > 0, $"built {built}, rejected {rejected}");

        static Module Make(int kind, int n) => kind switch
        {
            0 => new Dense(n),
            1 => new Dense(3, n),
            2 => new Conv1d(Math.Max(1, n), 2, Math.Max(1, n), padding: 1),
            3 => new Conv2d(1, Math.Max(1, n), Math.Max(1, n)),
            4 => Pool.Max1d(Math.Max(1, n)),
            5 => Pool.Avg2d(Math.Max(1, n)),
            6 => new Flatten(),
            7 => new Reshape(Math.Max(1, n), 2),
            8 => new Residual(new Dense(Math.Max(1, n))),
            _ => new ReLU(),
        };
    }
}
