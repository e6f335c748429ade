using System.Collections.Generic;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla;

/// <summary>Stochastic gradient descent: <c>w ← w − lr·g</c> (see <see cref="Optimizer.Sgd"/>). No state.</summary>
public sealed class SgdOptimizer : Optimizer
{
    internal SgdOptimizer(double lr, double weightDecay, bool decoupled) : base("sgd", lr, weightDecay, decoupled, true) { }

    /// <inheritdoc/>
    protected override IEnumerable<string> Settings() { yield break; }

    /// <inheritdoc/>
    protected override Node Direction(OptimizerSlots state, Node g) => g;
}

/// <summary>SGD with momentum, in the lectures' or PyTorch's form, optionally Nesterov (see <see cref="Optimizer.Momentum"/>).</summary>
public sealed class MomentumOptimizer : Optimizer
{
    internal MomentumOptimizer(double lr, double beta, MomentumForm form, bool nesterov, double weightDecay, bool decoupled)
        : base(nesterov ? "nesterov" : "momentum", lr, weightDecay, decoupled, true)
    {
        Beta = Unit(Name, nameof(beta), beta); Form = form; Nesterov = nesterov;
    }

    /// <summary>The momentum coefficient β (μ in PyTorch).</summary>
    public double Beta { get; }
    /// <summary>Lecture (<c>βm + (1−β)g</c>) or PyTorch (<c>μm + g</c>).</summary>
    public MomentumForm Form { get; }
    /// <summary>Whether the step uses the Nesterov look-ahead.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override IEnumerable<string> Settings()
    {
        yield return "beta=" + Num(Beta);
        yield return "form=" + (Form == MomentumForm.Lecture ? "lecture" : "pytorch");
    }

    /// <inheritdoc/>
    protected override Node Direction(OptimizerSlots state, Node g)
    {
        var m = state.State("m");
        var damp = Form == MomentumForm.Lecture ? (1 - Beta) * g : g;
        var m2 = Beta * m + damp;
        state.Update(m, m2);
        return Nesterov ? Beta * m2 + damp : m2;
    }
}

/// <summary>RMSProp: <c>v ← αv + (1−α)g²; w ← w − lr·g/(√v + ε)</c> (see <see cref="Optimizer.RmsProp"/>).</summary>
public sealed class RmsPropOptimizer : Optimizer
{
    internal RmsPropOptimizer(double lr, double alpha, double epsilon, double weightDecay, bool decoupled)
        : base("rmsprop", lr, weightDecay, decoupled, true)
    {
        Alpha = Unit(Name, nameof(alpha), alpha); Epsilon = Positive(Name, nameof(epsilon), epsilon);
    }

    /// <summary>The decay α of the squared-gradient average.</summary>
    public double Alpha { get; }
    /// <summary>ε, added to √v.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override IEnumerable<string> Settings()
    {
        yield return "alpha=" + Num(Alpha);
        yield return "eps=" + Num(Epsilon);
    }

    /// <inheritdoc/>
    protected override Node Direction(OptimizerSlots state, Node g)
    {
        var v = state.State("v");
        var v2 = Alpha * v + (1 - Alpha) * (g * g);
        state.Update(v, v2);
        return g / (F.Sqrt(v2) + Epsilon);
    }
}

/// <summary>AdaGrad: <c>v ← v + g²; w ← w − lr·g/(√v + ε)</c> (see <see cref="Optimizer.AdaGrad"/>).</summary>
public sealed class AdaGradOptimizer : Optimizer
{
    internal AdaGradOptimizer(double lr, double epsilon, double initialAccumulator, double weightDecay, bool decoupled)
        : base("adagrad", lr, weightDecay, decoupled, true)
    {
        Epsilon = Positive(Name, nameof(epsilon), epsilon);
        if (!(initialAccumulator >= 0) || double.IsInfinity(initialAccumulator))
            throw new System.ArgumentOutOfRangeException(nameof(initialAccumulator), initialAccumulator, "adagrad: the initial accumulator must be finite and >= 0.");
        InitialAccumulator = initialAccumulator;
    }

    /// <summary>ε, added to √v.</summary>
    public double Epsilon { get; }
    /// <summary>The value every element of v starts at.</summary>
    public double InitialAccumulator { get; }

    /// <inheritdoc/>
    protected override IEnumerable<string> Settings()
    {
        yield return "eps=" + Num(Epsilon);
        if (InitialAccumulator != 0) yield return "initial_accumulator=" + Num(InitialAccumulator);
    }

    /// <inheritdoc/>
    protected override Node Direction(OptimizerSlots state, Node g)
    {
        var v = state.State("v", InitialAccumulator);
        var v2 = v + g * g;
        state.Update(v, v2);
        return g / (F.Sqrt(v2) + Epsilon);
    }
}

/// <summary>Adam (and AdamW) with bias correction (see <see cref="Optimizer.Adam"/>).</summary>
public sealed class AdamOptimizer : Optimizer
{
    internal AdamOptimizer(double lr, double beta1, double beta2, double epsilon, double weightDecay, bool decoupled)
        : base(decoupled ? "adamw" : "adam", lr, weightDecay, decoupled, true)
    {
        Beta1 = Unit(Name, nameof(beta1), beta1); Beta2 = Unit(Name, nameof(beta2), beta2); Epsilon = Positive(Name, nameof(epsilon), epsilon);
    }

    /// <summary>β₁, the decay of the gradient average m.</summary>
    public double Beta1 { get; }
    /// <summary>β₂, the decay of the squared-gradient average v.</summary>
    public double Beta2 { get; }
    /// <summary>ε, added to √v̂.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override IEnumerable<string> Settings()
    {
        yield return "beta1=" + Num(Beta1);
        yield return "beta2=" + Num(Beta2);
        yield return "eps=" + Num(Epsilon);
    }

    /// <inheritdoc/>
    protected override Node Direction(OptimizerSlots state, Node g)
    {
        var k = state.StepCount();
        var m = state.State("m");
        var v = state.State("v");
        var m2 = Beta1 * m + (1 - Beta1) * g;
        var v2 = Beta2 * v + (1 - Beta2) * (g * g);
        state.Update(m, m2);
        state.Update(v, v2);
        // Bias corrections 1 − βᵏ: scalars, computed once per step (the scalar k is shared by every parameter).
        var c1 = BiasCorrection(state.Graph, Beta1, k);
        var c2 = BiasCorrection(state.Graph, Beta2, k);
        return m2 / c1 / (F.Sqrt(v2 / c2) + Epsilon);
    }

    /// <summary>
    /// The bias correction <c>1 − βᵏ</c> as <c>−expm1(k·ln β)</c>, with ln β computed in double here: within one
    /// float ulp of PyTorch's double <c>1 − β**k</c> rounded to float. The float form <c>1 − pow(β, k)</c> rounds β
    /// first (0.999f = 0.99900001…, so 1 − β₂ is 1.3e-5 short at k = 1) and then cancels: every early step was about
    /// 6.4e-6 (relative) short of PyTorch's. β = 0 gives the constant 1 (1 − 0ᵏ for k ≥ 1). The exponent is clamped at −80,
    /// where the correction is already exactly 1.
    /// </summary>
    /// <param name="graph">The graph of <paramref name="k"/>.</param>
    /// <param name="beta">β in [0, 1), exact in double.</param>
    /// <param name="k">The step number(s) k ≥ 1 (any shape; elementwise).</param>
    public static Node BiasCorrection(Graph graph, double beta, Node k)
    {
        if (graph is null) throw new System.ArgumentNullException(nameof(graph));
        if (k is null) throw new System.ArgumentNullException(nameof(k));
        Unit("adam", nameof(beta), beta);
        if (beta == 0) return F.BroadcastTo(graph.Const(1.0, k.DType), k.Shape);
        // Below −80, βᵏ < 2e-35 and 1 − βᵏ is 1 in float and double alike; clamping there gives the same bits and keeps
        // expm1 out of float32's subnormal range (below −87.3), where it runs many times slower (β₁ = 0.9: after 830 steps).
        var exponent = F.Maximum(k * graph.Const(System.Math.Log(beta), k.DType), graph.Const(-80.0, k.DType));
        return -F.Expm1(exponent);
    }
}
