using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Passes;

namespace Nabla.Analysis;

/// <summary>
/// Combines consecutive affine layers of a <see cref="Sequential"/> network into one <see cref="Dense"/> layer — the
/// lecture's observation that two linear layers with no activation between them are one linear layer,
/// <c>Ω₂(β₁ + Ω₁x) + β₂ = (β₂ + Ω₂β₁) + Ω₂Ω₁x</c>. The arithmetic is done by the IR rewrite
/// <see cref="FoldAffine"/> on each run's traced graph (float64), then rounded to the new layer's float32 weights.
/// Layers that are the identity at inference (<see cref="Identity"/>, <see cref="Dropout"/>) between two Dense layers
/// are dropped; nested sequentials are flattened first. Untouched layers are shared with the original network, not
/// copied. The result is meant for inference: its summary shows fewer layers, and it computes the same function up to
/// float32 rounding.
/// </summary>
public static class AffineFolding
{
    /// <summary>The model with every run of affine layers folded (same inputs, outputs, seed and init scheme).</summary>
    public static Model Fold(Model model)
    {
        if (model is null) throw new ArgumentNullException(nameof(model));
        if (model.Network is not Sequential seq)
            throw new NotSupportedException($"FoldLinear folds Sequential networks; {model.Network.Description} is not one. " +
                "For any other network run Nabla.Rewrites.Passes.FoldAffine on its traced function with Parameters.ToTensors().");
        var layers = Inline(seq).ToList();
        var result = new List<Module>();
        int i = 0;
        while (i < layers.Count)
        {
            if (layers[i] is not Dense first) { result.Add(layers[i++]); continue; }
            var run = new List<Dense> { first };
            int j = i + 1, next = i + 1;
            while (j < layers.Count && (layers[j] is Dense || IsInferenceIdentity(layers[j])))
            {
                if (layers[j] is Dense d) { run.Add(d); next = j + 1; }
                j++;
            }
            result.Add(run.Count == 1 ? first : FoldRun(run));
            i = next;
        }
        return Model.Build(new Sequential(result.ToArray()), model.Inputs, model.OutputNames, model.Seed, model.Scheme);
    }

    private static bool IsInferenceIdentity(Module m) => m is Identity || m is Dropout;

    private static IEnumerable<Module> Inline(Sequential s)
    {
        foreach (var m in s.Layers)
        {
            if (m is Sequential inner) { foreach (var x in Inline(inner)) yield return x; }
            else yield return m;
        }
    }

    private static Dense FoldRun(IReadOnlyList<Dense> run)
    {
        int width = run[0].In ?? throw new InvalidOperationException($"{run[0].Description} has not been traced; build the model first.");
        var chain = Model.Build(new Sequential(run.ToArray()), width);
        var traced = chain.Trace(DType.F64);
        var folded = FoldAffine.Run(traced.Forward, chain.Parameters.ToTensors());
        var map = folded.Maps.SingleOrDefault(m => ReferenceEquals(m.Output, folded.Function[Model.DefaultOutput]) && m.Layers == run.Count)
            ?? throw new InvalidOperationException($"FoldAffine did not fold the {run.Count} layers {string.Join(", ", run.Select(d => d.Description))} into one map.");
        int @in = map.Matrix.Shape[0], @out = map.Matrix.Shape[1];
        var w = new float[@out * @in]; // Ω = Mᵀ, [out, in]
        for (int r = 0; r < @in; r++)
            for (int c = 0; c < @out; c++) w[c * @in + r] = (float)map.Matrix.Data[r * @out + c];
        var b = map.Offset?.Data.Select(v => (float)v).ToArray();
        return Dense.FromValues(@in, @out, w, b);
    }
}
