using System;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Passes;
using Xunit;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Tests.Dsl;

public class FoldAffineTests
{
    [Fact]
    public void Two_scalar_affine_layers_fold_to_the_hand_computed_one()
    {
        // 3·(2x + 1) − 4 = 6x − 1
        var m = Model.Build(new Sequential(Dense.FromValues(1, 1, new float[] { 2 }, new float[] { 1 }), Dense.FromValues(1, 1, new float[] { 3 }, new float[] { -4 })), 1);
        var folded = m.FoldLinear();
        Assert.Equal(new[] { "0.weight", "0.bias" }, folded.Parameters.Names);
        Assert.Equal(6f, folded.Parameters["0.weight"].Data[0]);
        Assert.Equal(-1f, folded.Parameters["0.bias"].Data[0]);
    }

    [Fact]
    public void Runs_of_affine_layers_fold_and_the_interpreter_agrees()
    {
        var net = new Sequential(new Dense(4, 5), new Dense(5, 3), new Identity(), new Dense(3, 2), new ReLU(),
            new Dense(2, 3), new Dropout(0.3), new Dense(3, 1));
        var m = Model.Build(net, 4, seed: 7, init: InitScheme.PyTorch);
        var t = m.Trace(DType.F64);
        var result = FoldAffine.Run(t.Forward, t.ParameterBindings());
        Assert.Equal(3, result.Folds); // 3 layers → 1 and 2 layers → 1
        Assert.Equal(new[] { 3, 2 }, result.Maps.Select(x => x.Layers));
        Assert.Equal(5, t.Forward.Nodes().Count(n => n.Op == Op.MatMul));
        Assert.Equal(2, result.Function.Nodes().Count(n => n.Op == Op.MatMul));
        Assert.Empty(result.Function.Params()); // folded weights are constants
        var x = Oracle.Random(new Rng(1), -2, 2, 6, 4);
        var before = Interpreter.Run(t.Forward, Bind(t, x))["y"];
        var after = Interpreter.Run(result.Function, new System.Collections.Generic.Dictionary<string, Tensor> { ["x"] = x })["y"];
        for (int i = 0; i < before.Size; i++) Oracle.Close(before.Data[i], after.Data[i], 1e-12);

        var fm = m.FoldLinear();
        Assert.Equal(new[] { "Dense 4→2", "ReLU", "Dense 2→1" }, fm.Summary.Layers.Select(r => r.Description));
        Assert.True(fm.Summary.Layers.Count < m.Summary.Layers.Count);
        Assert.Equal(4 * 2 + 2 + 2 + 1, fm.ParameterCount);
        var yFolded = ModelRunner.Forward(fm, x); // float32 weights: agreement to float precision
        for (int i = 0; i < before.Size; i++) Assert.True(Math.Abs(before.Data[i] - yFolded.Data[i]) < 1e-5 * (1 + Math.Abs(before.Data[i])));
    }

    [Fact]
    public void A_value_used_twice_is_not_folded()
    {
        // y = D2(h) + h with h = D1(x): folding D2∘D1 would leave h to compute anyway.
        var d1 = new Dense(3, 3); var d2 = new Dense(3, 3);
        var m = Model.Build(Module.Lambda("Skip", x => { var h = d1[x]; return d2[h] + h; }, ("d1", d1), ("d2", d2)), 3, seed: 2);
        var t = m.Trace(DType.F64);
        var result = FoldAffine.Run(t.Forward, t.ParameterBindings());
        Assert.Equal(0, result.Folds);
        Assert.Equal(2, result.Function.Nodes().Count(n => n.Op == Op.MatMul));
        var x = Oracle.Random(new Rng(3), -1, 1, 2, 3);
        Assert.Equal(Interpreter.Run(t.Forward, Bind(t, x))["y"].Data, Interpreter.Run(result.Function, Bind(t, x))["y"].Data);
        Assert.Throws<NotSupportedException>(() => m.FoldLinear());
    }

    [Fact]
    public void As_a_pipeline_pass_it_reports_its_folds()
    {
        var m = Model.Build(new Sequential(new Dense(4, 6), new Dense(6, 6), new Dense(6, 2)), 4, seed: 5);
        var t = m.Trace(DType.F64);
        var (f, report) = Pipeline.Run(t.Forward, new[] { FoldAffine.AsPass(t.ParameterBindings()) });
        Assert.Equal(2, report.Passes.Single().Rules.Fired[FoldAffine.RuleName]);
        Assert.Single(f.Nodes(), n => n.Op == Op.MatMul);
        var x = Oracle.Random(new Rng(9), -1, 1, 3, 4);
        var a = Interpreter.Run(t.Forward, Bind(t, x))["y"]; var b = Interpreter.Run(f, Bind(t, x))["y"];
        for (int i = 0; i < a.Size; i++) Oracle.Close(a.Data[i], b.Data[i], 1e-12);
    }

    private static System.Collections.Generic.Dictionary<string, Tensor> Bind(TracedNetwork t, Tensor x)
    {
        var b = t.ParameterBindings();
        b["x"] = x;
        return b;
    }
}
