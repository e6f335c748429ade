using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Testing;
using Xunit;
using B = Nabla.Ir.Shape;

namespace Nabla.Tests.Testing;

/// <summary>
/// The library's own ops checked through the public <see cref="GradCheck"/> (the tests eat their own cooking): every
/// non-leaf op of <see cref="Op.All"/> — elementwise ops on generated shapes, the others on a table of shapes and
/// attributes — against finite differences, JVP against VJP, and the Expressions backend (as written and optimized)
/// against the interpreter. Roslyn is compiled in one test below (a compile costs about a second).
/// </summary>
public class BuiltInOpGradCheckTests
{
    /// <summary>Few cases and the Expressions backend on the first one: each op costs a fraction of a second.</summary>
    internal static readonly GradCheckOptions Fast = new() { Cases = 8, Seed = 20261207, Roslyn = false, BackendCases = 1 };

    private static readonly Domain Pos = Domain.Positive;

    // Per-op domains of the elementwise ops (input position → domain); ops not listed use [−2, 2].
    private static readonly Dictionary<string, Domain[]> Domains = new()
    {
        ["log"] = new[] { Pos }, ["sqrt"] = new[] { Pos },
        ["log1p"] = new[] { Domain.Of(-0.5, 3) },
        ["div"] = new[] { Domain.Default, Domain.Of(0.3, 2) },
        ["pow"] = new[] { Domain.Of(0.2, 2), Domain.Of(-2, 2) },
    };

    private static int S => B.Batch;

    // The non-elementwise ops (and cast, which takes attributes): a builder and input shapes.
    private static readonly Dictionary<string, (Func<Node[], Node> Build, B[] Shapes)> Structural = new()
    {
        // cast converts between i32 and floats: x · (f64)(i32)(2x), piecewise x·n (the jumps at half-integers are kinks the check detects).
        ["cast"] = (x => x[0] * F.Cast(F.Cast(x[0] * 2.0, DType.I32), DType.F64), new[] { B.Of(S, 3) }),
        ["sum"] = (x => F.Sum(x[0], new[] { 1 }, true), new[] { B.Of(S, 3) }),
        ["reduce_max"] = (x => F.ReduceMax(x[0], 0, 2), new[] { B.Of(S, 2, 3) }),
        ["mean"] = (x => F.Mean(x[0], 0), new[] { B.Of(S, 3) }),
        ["reshape"] = (x => F.Reshape(x[0], B.Of(S, 6)), new[] { B.Of(S, 2, 3) }),
        ["transpose"] = (x => F.Transpose(x[0], 2, 0, 1), new[] { B.Of(S, 2, 3) }),
        ["broadcast"] = (x => F.BroadcastTo(x[0], B.Of(S, 2, 3)), new[] { B.Of(2, 1) }),
        ["matmul"] = (x => F.MatMul(x[0], x[1]), new[] { B.Of(S, 3), B.Of(3, 2) }),
        ["softmax"] = (x => F.Softmax(x[0], 1), new[] { B.Of(S, 4) }),
        ["log_softmax"] = (x => F.LogSoftmax(x[0], 0), new[] { B.Of(S, 3) }),
        ["logsumexp"] = (x => F.LogSumExp(x[0], 1, true), new[] { B.Of(S, 4) }),
        ["im2col"] = (x => F.Im2Col(x[0], 2, 2, 1, 1, 1, 0), new[] { B.Of(S, 1, 3, 3) }),
        ["col2im"] = (x => F.Col2Im(x[0], 1, 3, 3, 2, 2), new[] { B.Of(S, 4, 4) }),
        ["max_pool"] = (x => F.MaxPool(x[0], 2, 2, 1, 1, 1, 0), new[] { B.Of(S, 1, 3, 3) }),
        ["max_pool_grad"] = (x => F.MaxPoolGrad(x[0], x[1], 2, 2, 1, 1, 1, 0), new[] { B.Of(S, 1, 3, 3), B.Of(S, 1, 4, 2) }),
        ["slice"] = (x => F.Slice(x[0], 1, 1, 4, 2), new[] { B.Of(S, 4) }),
        ["concat"] = (x => F.Concat(1, x[0], x[1], x[0]), new[] { B.Of(S, 2), B.Of(S, 1) }),
        ["pad"] = (x => F.Pad(x[0], 1, 1, 2, 0.5), new[] { B.Of(S, 2) }),
        ["gather"] = (x => F.Gather(x[0], x[0].Graph.Const(new double[] { 2, 0, 2 }, B.Of(3), DType.I32), 1), new[] { B.Of(S, 3) }),
        ["scatter_add"] = (x => F.ScatterAdd(x[0], x[0].Graph.Const(new double[] { 1, 0, 1 }, B.Of(3), DType.I32), 1, 2), new[] { B.Of(S, 3) }),
        // one_hot reads integers only: differentiate a function of its output instead (the rows weight x).
        ["one_hot"] = (x => x[0] * F.OneHot(x[0].Graph.Const(new double[] { 1, 0 }, B.Of(2), DType.I32), 3, DType.F64), new[] { B.Of(2, 3) }),
    };

    public static IEnumerable<object[]> Ops => Op.All.Where(o => o.Kind != OpKind.Leaf).Select(o => new object[] { o.Name });

    [Fact]
    public void The_table_covers_every_op()
    {
        var covered = Op.All.Where(o => o.Kind != OpKind.Leaf && !(o.Kind == OpKind.Elementwise && o.AttrsType == typeof(Attrs)))
            .Where(o => !Structural.ContainsKey(o.Name)).Select(o => o.Name).ToArray();
        Assert.Empty(covered);
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void Op_passes_the_public_gradient_check(string name)
    {
        var op = Op.ByName(name)!;
        GradCheckResult r;
        if (Structural.TryGetValue(name, out var s))
            r = GradCheck.Function(s.Build, Fast, s.Shapes, "op " + name);
        else
            r = GradCheck.Op(op, Fast with { InputDomains = Domains.TryGetValue(name, out var d) ? d : null });
        Assert.True(r.Passed, r.ToString());
        Assert.Equal(Fast.Cases, r.Cases);
    }

    [Fact]
    public void Roslyn_agrees_on_a_few_ops_compiled_once_each()
    {
        var o = Fast with { Roslyn = true, Cases = 3 };
        foreach (var op in new[] { Op.Softplus, Op.Max, Op.Where })
        {
            var r = GradCheck.Op(op, o);
            Assert.True(r.Passed, r.ToString());
        }
        var mm = GradCheck.Function(x => F.Softmax(F.MatMul(x[0], x[1]), 1), o, new[] { B.Of(S, 3), B.Of(3, 2) }, "softmax of matmul");
        Assert.True(mm.Passed, mm.ToString());
    }
}
