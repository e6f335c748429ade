using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla;

/// <summary>A term added to the training objective that depends on the parameters only (not on the data).</summary>
public abstract class Regularizer
{
    /// <summary>The term over the traced parameters, or null when it is empty.</summary>
    public abstract Node? Term(IReadOnlyList<TracedParameter> parameters);

    /// <summary>
    /// L2 regularization (weight decay as a loss term), <c>λ/2 · Σ ‖Ω‖²</c> over the trainable weights (biases too when
    /// <paramref name="includeBiases"/>). Frozen parameters are left out: their term is a constant with no gradient.
    /// It is added once to the batch-reduced loss (it is not scaled by 1/m).
    /// </summary>
    public static Regularizer L2(double lambda, bool includeBiases = false) => new L2Regularizer(lambda, includeBiases);
}

/// <summary>λ/2 Σ ‖w‖² over selected parameters.</summary>
public sealed class L2Regularizer : Regularizer
{
    /// <summary>Creates the term with strength <paramref name="lambda"/> ≥ 0.</summary>
    public L2Regularizer(double lambda, bool includeBiases = false)
    {
        if (!(lambda >= 0) || double.IsInfinity(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be finite and >= 0.");
        Lambda = lambda; IncludeBiases = includeBiases;
    }

    /// <summary>The strength λ.</summary>
    public double Lambda { get; }
    /// <summary>True when biases (and other non-weight parameters) are included.</summary>
    public bool IncludeBiases { get; }

    /// <inheritdoc/>
    public override Node? Term(IReadOnlyList<TracedParameter> parameters)
    {
        var chosen = parameters.Where(p => p.Parameter.Trainable && (IncludeBiases || p.Parameter.Role == ParamRole.Weight)).Select(p => p.Node).ToList();
        if (chosen.Count == 0 || Lambda == 0) return null;
        Node? sum = null;
        foreach (var w in chosen)
        {
            var s = F.Sum(F.Square(w));
            sum = sum is null ? s : sum + s;
        }
        return 0.5 * Lambda * sum!;
    }
}
