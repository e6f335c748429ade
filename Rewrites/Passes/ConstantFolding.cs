using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Engine;
using static Nabla.Rewrites.Engine.Patterns;

namespace Nabla.Rewrites.Passes;

/// <summary>
/// Constant folding: a node whose inputs are all constants is replaced by its value, computed with the
/// reference interpreter's own semantics (<see cref="Op.Apply(double)"/> for elementwise ops on uniform
/// constants, <see cref="Interpreter.Evaluate"/> otherwise; rounded to float32 for f32 nodes, exactly as
/// the interpreter rounds). Applied bottom-up this folds whole constant subgraphs. A uniform result becomes
/// a scalar constant (broadcast back to the node's shape); a non-uniform one a tensor constant, but only up
/// to <see cref="RewriteOptions.FoldLimit"/> elements. Inputs, parameters and the batch size are never
/// constants, so nothing that reads them is folded; a broadcast of a constant is already canonical.
/// </summary>
public static class ConstantFolding
{
    /// <summary>The folding rule, tried on every non-leaf op except broadcast.</summary>
    public static readonly RuleSet Rules = new("fold")
    {
        Rule("op(constants) → constant", Op.All.Where(o => o.Kind != OpKind.Leaf && o != Op.Broadcast), Fold),
    };

    /// <summary>The pass: folds constant subgraphs of <paramref name="f"/>.</summary>
    public static Function Run(Function f, RewriteOptions? options = null, RewriteReport? report = null) =>
        Rewriter.Run(f, Rules, options, report);

    private static readonly IReadOnlyDictionary<string, Tensor> NoBindings = new Dictionary<string, Tensor>();

    private static Node? Fold(Node n, RewriteContext ctx)
    {
        foreach (var i in n.Inputs) if (!Facts.IsConstant(i)) return null;
        var g = n.Graph;
        bool f32 = n.DType == DType.F32;

        // Elementwise on uniform constants: one scalar evaluation, whatever the shape (even with the batch axis).
        if (n.Op.Kind == OpKind.Elementwise && UniformInputs(n, ctx.Facts, f32, out var args))
        {
            double v = n.Op == Op.Where ? (args[0] != 0 ? args[1] : args[2])
                : args.Length == 1 ? n.Op.Apply(args[0]) : n.Op.Apply(args[0], args[1]);
            return g.Const(Round(v, f32), n.DType);
        }

        // Otherwise evaluate, unless the value depends on the batch size (a reduction over a broadcast to B).
        if (n.Shape.HasBatch || n.Inputs.Any(i => i.Shape.HasBatch) || n.Shape.StaticSize > ctx.Options.FoldLimit) return null;
        var value = Interpreter.Evaluate(new[] { n }, NoBindings, n.DType)[n];
        var data = value.Data;
        bool uniform = true;
        for (int i = 1; i < data.Length && uniform; i++)
            uniform = BitConverter.DoubleToInt64Bits(data[i]) == BitConverter.DoubleToInt64Bits(data[0]);
        if (uniform && data.Length > 0) return g.Const(data[0], n.DType);
        return g.Const(data, n.Shape, n.DType);
    }

    private static bool UniformInputs(Node n, Facts facts, bool f32, out double[] args)
    {
        args = new double[n.Inputs.Count];
        for (int i = 0; i < args.Length; i++)
        {
            if (!facts.Uniform(n.Inputs[i], out double v)) return false;
            args[i] = Round(v, f32);
        }
        return true;
    }

    private static double Round(double v, bool f32) => f32 ? (float)v : v;
}
