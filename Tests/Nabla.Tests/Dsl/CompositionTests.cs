using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Xunit;

namespace Nabla.Tests.Dsl;

public class CompositionTests
{
    [Fact]
    public void Then_and_Compose_build_the_same_composition()
    {
        var f = Networks.Mlp(3, new[] { 4 }, 2, "tanh");
        var g = Networks.Mlp(2, new[] { 5 }, 1);
        var fg = f.Then(g);
        var gf = g.Compose(f);
        Assert.Same(f, fg.Layers[0]); Assert.Same(g, fg.Layers[1]);
        Assert.Same(f, gf.Layers[0]); Assert.Same(g, gf.Layers[1]);
        var m = Model.Build(fg, 3, seed: 4);
        Assert.Equal(new[] { "0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias", "1.0.weight", "1.0.bias", "1.2.weight", "1.2.bias" }, m.Parameters.Names);
        // g(f(x)) equals running f, then g, on the same weights.
        var x = Oracle.Random(new Rng(2), -2, 2, 5, 3);
        var mf = Model.Build(f, 3); var mg = Model.Build(g, 2);
        var direct = ModelRunner.Forward(mg, ModelRunner.Forward(mf, x));
        Assert.Equal(direct.Data, ModelRunner.Forward(m, x).Data);
        Assert.Equal(direct.Data, ModelRunner.Forward(Model.Build(gf, 3), x).Data);
    }

    [Fact]
    public void Composition_is_associative_in_value()
    {
        var acts = new[] { "relu", "tanh", "gelu", "sigmoid", "identity", "elu" };
        var gen = from widths in Gen.Choose(1, 5).ArrayOf(4)
                  from act in Gen.Elements(acts).ArrayOf(3)
                  from seed in Gen.Choose(0, 100_000)
                  from batch in Gen.Choose(1, 4)
                  select (widths, act, seed, batch);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var w = c.widths;
            Module f = Networks.Mlp(w[0], new[] { w[1] }, w[1], c.act[0]);
            Module g = new Sequential(new Dense(w[1], w[2]), Act.FromName(c.act[1]));
            Module h = Networks.Mlp(w[2], new[] { w[3] }, w[3], c.act[2]);
            var left = Model.Build(f.Then(g).Then(h), w[0], seed: c.seed);   // h ∘ (g ∘ f)
            var right = Model.Build(f.Then(g.Then(h)), w[0], seed: c.seed);  // (h ∘ g) ∘ f
            var x = Oracle.Random(new Rng((ulong)c.seed), -3, 3, c.batch, w[0]);
            var a = ModelRunner.Forward(left, x); var b = ModelRunner.Forward(right, x);
            Assert.Equal(a.Shape, b.Shape);
            Assert.Equal(a.Data, b.Data); // the same modules, the same operations in the same order
            Assert.Equal(left.ParameterCount, right.ParameterCount);
        }));
    }

    [Fact]
    public void Composing_two_trained_networks_keeps_their_weights()
    {
        var f = Networks.Shallow(1, 3, 1); var g = Networks.Shallow(1, 3, 1);
        var mf = Model.Build(f, 1, seed: 1); var mg = Model.Build(g, 1, seed: 2);
        mf.Parameters["0.weight"].Load(new float[] { 1, -1, 2 });
        var composed = Model.Build(g.Compose(f), 1, seed: 99);
        Assert.Equal(new float[] { 1, -1, 2 }, composed.Parameters["0.0.weight"].Data);
        Assert.Equal(mg.Parameters["2.weight"].Data, composed.Parameters["1.2.weight"].Data);
        Assert.Equal(20, composed.ParameterCount);
    }
}
