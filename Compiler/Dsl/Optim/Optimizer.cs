using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla;

/// <summary>
/// A gradient-based optimizer written as IR: <see cref="Apply"/> builds, from each trainable parameter w and its
/// gradient g, the new value <c>w − lr·u</c> where u is the optimizer's step direction (<see cref="Direction"/>:
/// g for SGD, the moving average m for momentum, m̂/(√v̂+ε) for Adam, …), plus the new values of its state tensors.
/// These are <see cref="Function.Updates"/> of the training step, so the scheduler fuses each parameter's update into
/// one loop (for plain SGD into the epilogue of the weight-gradient GEMM) and no C# loop over tensors runs.
/// <para>
/// The learning rate is a scalar run-time input (<c>lr</c>), so schedules (<see cref="LearningRate"/>) live outside the
/// compiled code. Weight decay λ is either L2 in the gradient (<c>g + λw</c>, PyTorch's <c>weight_decay</c>) or
/// decoupled (<c>w − lr·λ·w</c>, AdamW); frozen parameters never reach an optimizer.
/// </para>
/// </summary>
public abstract class Optimizer
{
    /// <summary>The name of the scalar step counter of bias-corrected optimizers (Adam): <c>optimizer.step</c>.</summary>
    public const string StepCounterName = "optimizer.step";

    /// <summary>Sets the options every optimizer shares; the numbers are checked here.</summary>
    protected Optimizer(string name, double learningRate, double weightDecay, bool decoupledWeightDecay, bool decayBiases)
    {
        Name = name;
        if (!(learningRate > 0) || double.IsInfinity(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, $"{name}: the learning rate must be a positive finite number.");
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"{name}: the weight decay must be finite and >= 0.");
        LearningRate = learningRate; WeightDecay = weightDecay; DecoupledWeightDecay = decoupledWeightDecay; DecayBiases = decayBiases;
    }

    /// <summary>The optimizer's short name: <c>sgd</c>, <c>momentum</c>, <c>rmsprop</c>, <c>adagrad</c>, <c>adam</c>, <c>adamw</c>.</summary>
    public string Name { get; }
    /// <summary>The default learning rate (what a constant schedule uses when none is given).</summary>
    public double LearningRate { get; }
    /// <summary>Weight decay λ (0: none).</summary>
    public double WeightDecay { get; }
    /// <summary>True: decoupled decay <c>w − lr·λ·w</c> (AdamW); false: L2 in the gradient, <c>g + λ·w</c>.</summary>
    public bool DecoupledWeightDecay { get; }
    /// <summary>Whether biases (and other non-weight parameters) are decayed too (true, as in PyTorch).</summary>
    public bool DecayBiases { get; }

    /// <summary>The optimizer-specific settings for <see cref="Describe"/>, e.g. <c>beta1=0.9</c>.</summary>
    protected abstract IEnumerable<string> Settings();

    /// <summary>
    /// The step direction u for one parameter (the new value is <c>w − lr·u</c>) from its gradient <paramref name="g"/>
    /// (weight decay already added when it is L2). Read and update state through <paramref name="state"/>.
    /// </summary>
    protected abstract Node Direction(OptimizerSlots state, Node g);

    /// <summary>
    /// A canonical one-line description, e.g. <c>adam(lr=0.01,beta1=0.9,beta2=0.999,eps=1E-08,weight_decay=0)</c>:
    /// invariant culture, round-trip numbers. Checkpoints record it; equal descriptions mean equal update rules.
    /// </summary>
    public string Describe()
    {
        var parts = new List<string> { "lr=" + Num(LearningRate) };
        parts.AddRange(Settings());
        parts.Add("weight_decay=" + Num(WeightDecay));
        if (WeightDecay > 0)
        {
            if (DecoupledWeightDecay) parts.Add("decoupled=true");
            if (!DecayBiases) parts.Add("decay_biases=false");
        }
        return $"{Name}({string.Join(",", parts)})";
    }

    /// <summary>The description.</summary>
    public override string ToString() => Describe();

    /// <summary>A number in invariant round-trip form.</summary>
    protected static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Builds the updates of one training step. <paramref name="learningRate"/> is a scalar node of the same graph
    /// (normally the input <c>lr</c>); every parameter leaf and gradient must belong to that graph. State leaves are
    /// created in the graph with the names of <see cref="OptimizerState"/>; a name already used in the graph is an error.
    /// </summary>
    public OptimizerGraph Apply(IReadOnlyList<ParameterGradient> parameters, Node learningRate)
    {
        if (parameters is null) throw new ArgumentNullException(nameof(parameters));
        if (learningRate is null) throw new ArgumentNullException(nameof(learningRate));
        if (learningRate.Shape.Rank != 0) throw new ShapeException($"{Name}: the learning rate must be a scalar node; got {learningRate.Describe()}.");
        var g = learningRate.Graph;
        var ctx = new Context(g, Name);
        var updates = new List<Named>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            if (p is null || p.Param is null || p.Grad is null) throw new ArgumentException($"{Name}: a parameter entry or its gradient is null.");
            if (p.Param.Op != Op.Param) throw new ArgumentException($"{Name}: \"{p.Name}\" is {p.Param.Describe()}, not a parameter leaf.");
            if (!ReferenceEquals(p.Param.Graph, g) || !ReferenceEquals(p.Grad.Graph, g))
                throw new ArgumentException($"{Name}: parameter \"{p.Name}\" or its gradient belongs to another graph than the learning rate.");
            if (!p.Grad.Shape.Equals(p.Param.Shape))
                throw new ShapeException($"{Name}: the gradient of \"{p.Name}\" {p.Param.Shape} has shape {p.Grad.Shape}.");
            if (!seen.Add(p.Name)) throw new ArgumentException($"{Name}: parameter \"{p.Name}\" is listed twice.");
            var w = p.Param;
            bool decay = WeightDecay > 0 && (DecayBiases || p.Role == ParamRole.Weight);
            var grad = decay && !DecoupledWeightDecay ? p.Grad + WeightDecay * w : p.Grad;
            var u = Direction(new OptimizerSlots(ctx, p), grad);
            if (decay && DecoupledWeightDecay) u = u + WeightDecay * w;
            updates.Add(new Named(p.Name, w - learningRate * u));
        }
        updates.AddRange(ctx.Updates);
        return new OptimizerGraph(updates, ctx.State);
    }

    /// <summary>
    /// An optimizer from its command-line name (<c>sgd</c>, <c>momentum</c>, <c>nesterov</c>, <c>rmsprop</c>, <c>adagrad</c>,
    /// <c>adam</c>, <c>adamw</c>) with the defaults of the factory methods; the error lists the known names.
    /// </summary>
    public static Optimizer FromName(string name, double? learningRate = null, double weightDecay = 0)
    {
        switch ((name ?? "").Trim().ToLowerInvariant())
        {
            case "sgd": return Sgd(learningRate ?? 0.01, weightDecay);
            case "momentum": return Momentum(learningRate ?? 0.01, weightDecay: weightDecay);
            case "nesterov": return Momentum(learningRate ?? 0.01, nesterov: true, weightDecay: weightDecay);
            case "rmsprop": return RmsProp(learningRate ?? 0.01, weightDecay: weightDecay);
            case "adagrad": return AdaGrad(learningRate ?? 0.01, weightDecay: weightDecay);
            case "adam": return Adam(learningRate ?? 0.001, weightDecay: weightDecay);
            case "adamw": return AdamW(learningRate ?? 0.001, weightDecay: weightDecay);
            default: throw new ArgumentException($"Unknown optimizer \"{name}\"; use one of: sgd, momentum, nesterov, rmsprop, adagrad, adam, adamw.");
        }
    }

    /// <summary>(Mini-batch) stochastic gradient descent, <c>w ← w − lr·g</c>: one rule for full-batch, mini-batch and per-example steps.</summary>
    public static SgdOptimizer Sgd(double learningRate = 0.01, double weightDecay = 0, bool decoupled = false) =>
        new(learningRate, weightDecay, decoupled);

    /// <summary>
    /// SGD with momentum β. <see cref="MomentumForm.Lecture"/> (default): <c>m ← β·m + (1−β)·g; w ← w − lr·m</c>;
    /// <see cref="MomentumForm.PyTorch"/>: <c>m ← β·m + g</c>. <paramref name="nesterov"/> steps along <c>β·m + (1−β)·g</c>
    /// (PyTorch form: <c>g + β·m</c>) instead, the look-ahead gradient of Nesterov's method. State: <c>{param}.m</c>.
    /// </summary>
    public static MomentumOptimizer Momentum(double learningRate = 0.01, double beta = 0.9, MomentumForm form = MomentumForm.Lecture,
        bool nesterov = false, double weightDecay = 0, bool decoupled = false) => new(learningRate, beta, form, nesterov, weightDecay, decoupled);

    /// <summary>RMSProp (PyTorch's form): <c>v ← α·v + (1−α)·g²; w ← w − lr·g/(√v + ε)</c>. State: <c>{param}.v</c>.</summary>
    public static RmsPropOptimizer RmsProp(double learningRate = 0.01, double alpha = 0.99, double epsilon = 1e-8, double weightDecay = 0, bool decoupled = false) =>
        new(learningRate, alpha, epsilon, weightDecay, decoupled);

    /// <summary>AdaGrad (PyTorch's form): <c>v ← v + g²; w ← w − lr·g/(√v + ε)</c>, v starting at <paramref name="initialAccumulator"/>. State: <c>{param}.v</c>.</summary>
    public static AdaGradOptimizer AdaGrad(double learningRate = 0.01, double epsilon = 1e-10, double initialAccumulator = 0, double weightDecay = 0, bool decoupled = false) =>
        new(learningRate, epsilon, initialAccumulator, weightDecay, decoupled);

    /// <summary>
    /// Adam with bias correction: at step k = 1, 2, … <c>m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
    /// w ← w − lr·(m/(1−β₁ᵏ)) / (√(v/(1−β₂ᵏ)) + ε)</c>. State: <c>{param}.m</c>, <c>{param}.v</c> and the scalar step counter
    /// <c>optimizer.step</c> (float; exact to 2²⁴ steps). Weight decay is L2 in the gradient unless <paramref name="decoupled"/>.
    /// </summary>
    public static AdamOptimizer Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
        double weightDecay = 0, bool decoupled = false) => new(learningRate, beta1, beta2, epsilon, weightDecay, decoupled);

    /// <summary>AdamW: Adam with decoupled weight decay <c>w ← w − lr·λ·w</c> (default λ = 0.01, as PyTorch's).</summary>
    public static AdamOptimizer AdamW(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.01) =>
        new(learningRate, beta1, beta2, epsilon, weightDecay, decoupled: true);

    /// <summary>Checks that a coefficient lies in [0, 1).</summary>
    protected static double Unit(string optimizer, string what, double v) =>
        v >= 0 && v < 1 ? v : throw new ArgumentOutOfRangeException(what, v, $"{optimizer}: {what} must be in [0, 1).");

    /// <summary>Checks that ε is positive and finite.</summary>
    protected static double Positive(string optimizer, string what, double v) =>
        v > 0 && !double.IsInfinity(v) ? v : throw new ArgumentOutOfRangeException(what, v, $"{optimizer}: {what} must be positive and finite.");

    /// <summary>The state created while building one step (shared by every parameter's <see cref="OptimizerSlots"/>).</summary>
    internal sealed class Context
    {
        public Context(Graph g, string optimizer) { Graph = g; Optimizer = optimizer; }
        public Graph Graph { get; }
        public string Optimizer { get; }
        public List<Named> Updates { get; } = new();
        public List<OptimizerState> State { get; } = new();
        public Node? StepNext;

        public Node NewState(string name, Shape shape, string slot, string? parameter, double initial)
        {
            if (Graph.Find(name) is { } clash)
                throw new ArgumentException($"{Optimizer}: the optimizer state \"{name}\" would clash with the {clash.Op.Name} {clash.Describe()}; rename that parameter or input.");
            var leaf = Graph.Param(name, shape);
            State.Add(new OptimizerState(name, shape, slot, parameter, initial));
            return leaf;
        }
    }
}

/// <summary>The two ways of writing momentum.</summary>
public enum MomentumForm
{
    /// <summary>The lectures' exponential moving average, <c>m ← β·m + (1−β)·g</c>.</summary>
    Lecture,
    /// <summary>PyTorch's <c>SGD(momentum=μ)</c>, <c>m ← μ·m + g</c> (no dampening): the same path with an lr scaled by 1/(1−β).</summary>
    PyTorch,
}
