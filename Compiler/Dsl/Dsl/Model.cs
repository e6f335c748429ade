using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla;

/// <summary>
/// A network with its inputs, seed and parameters: the entry point from the DSL to the IR.
/// <see cref="Build(Module, int, long, InitScheme?)"/> traces the network once (inferring widths, checking every
/// shape and drawing the initial weights); <see cref="Trace"/> yields the forward IR function and
/// <see cref="BuildLoss(Loss, Reduction, IReadOnlyList{Regularizer}?, DType, TraceMode, string?, string, bool)"/> the training objective, both with parameters as named <see cref="Op.Param"/> leaves whose
/// values are in <see cref="Parameters"/>.
/// </summary>
public sealed class Model
{
    /// <summary>The name of the single input: <c>x</c>.</summary>
    public const string DefaultInput = "x";
    /// <summary>The name of the single output: <c>y</c> (several outputs: <c>y0</c>, <c>y1</c>, …).</summary>
    public const string DefaultOutput = "y";
    /// <summary>The name of the target input: <c>t</c>.</summary>
    public const string DefaultTarget = "t";
    /// <summary>The name of the training objective's output: <c>loss</c>.</summary>
    public const string LossOutput = "loss";

    private Model(Module network, IReadOnlyList<InputSpec> inputs, IReadOnlyList<string> outputs, long seed, InitScheme scheme)
    {
        Network = network; Inputs = inputs; OutputNames = outputs; Seed = seed; Scheme = scheme;
        var t = Trace(DType.F32, TraceMode.Eval);
        _store = new ParameterStore(t.Parameters.Select(p => new NamedParameter(p.Name, p.Parameter)));
        Summary = t.Summary;
    }

    private readonly ParameterStore? _store;

    /// <summary>The network.</summary>
    public Module Network { get; }
    /// <summary>The inputs (by default one, <c>x</c> of shape [B, width]).</summary>
    public IReadOnlyList<InputSpec> Inputs { get; }
    /// <summary>The names of the outputs.</summary>
    public IReadOnlyList<string> OutputNames { get; }
    /// <summary>The seed new parameters are drawn from (see <see cref="Rng.ForName"/>).</summary>
    public long Seed { get; private set; }
    /// <summary>Default initializers for parameters whose layer names none.</summary>
    public InitScheme Scheme { get; }
    /// <summary>The parameters by full name (PyTorch state-dict names).</summary>
    public ParameterStore Parameters => _store ?? throw new InvalidOperationException("The model is still being built.");
    /// <summary>The layer table (eval mode).</summary>
    public Summary Summary { get; }
    /// <summary>Total number of scalar parameters.</summary>
    public long ParameterCount => Parameters.TotalSize;

    /// <summary>Builds a model whose single input <c>x</c> has shape [B, <paramref name="inputWidth"/>].</summary>
    public static Model Build(Module network, int inputWidth, long seed = 0, InitScheme? init = null)
    {
        if (inputWidth <= 0) throw new ArgumentOutOfRangeException(nameof(inputWidth), inputWidth, $"The input width of {network?.Description} must be positive.");
        return Build(network!, new[] { InputSpec.Batched(DefaultInput, inputWidth) }, null, seed, init);
    }

    /// <summary>Builds a model whose single input <c>x</c> has <paramref name="inputShape"/> (e.g. [B,1,40] for a Conv1d).</summary>
    public static Model Build(Module network, Shape inputShape, long seed = 0, InitScheme? init = null) =>
        Build(network, new[] { new InputSpec(DefaultInput, inputShape) }, null, seed, init);

    /// <summary>Builds a model with named inputs and (optionally) named outputs.</summary>
    public static Model Build(Module network, IReadOnlyList<InputSpec> inputs, IReadOnlyList<string>? outputs = null, long seed = 0, InitScheme? init = null)
    {
        if (network is null) throw new ArgumentNullException(nameof(network));
        if (inputs is null || inputs.Count != network.InputCount)
            throw new ArgumentException($"{LayerException.Where("", network.Description)} takes {network.InputCount} input(s); {inputs?.Count ?? 0} input spec(s) were given.");
        if (inputs.Select(i => i.Name).Distinct().Count() != inputs.Count) throw new ArgumentException("Two inputs have the same name.");
        var outs = outputs?.ToArray() ?? (network.OutputCount == 1 ? new[] { DefaultOutput } : Enumerable.Range(0, network.OutputCount).Select(i => DefaultOutput + i).ToArray());
        if (outs.Length != network.OutputCount)
            throw new ArgumentException($"{LayerException.Where("", network.Description)} has {network.OutputCount} output(s); {outs.Length} name(s) were given.");
        if (outs.Distinct().Count() != outs.Length || outs.Contains(LossOutput))
            throw new ArgumentException($"Output names must be distinct and not \"{LossOutput}\": {string.Join(", ", outs)}.");
        return new Model(network, inputs.ToArray(), outs, seed, init ?? InitScheme.He);
    }

    /// <summary>
    /// Traces the network to IR in element type <paramref name="dtype"/>. In <see cref="TraceMode.Eval"/> dropout is the
    /// identity; in <see cref="TraceMode.Train"/> each dropout call reads a mask input (see <see cref="TracedNetwork.Masks"/>).
    /// Every call builds a fresh graph. In a training trace, layers with state (BatchNorm) normalize with the batch's
    /// statistics and set their buffers' new values (<see cref="TracedNetwork.BufferUpdates"/>); <paramref name="dropout"/>
    /// false keeps dropout the identity in a training trace (<see cref="TrainingSetup.Dropout"/>).
    /// </summary>
    public TracedNetwork Trace(DType dtype = DType.F32, TraceMode mode = TraceMode.Eval, bool dropout = true)
    {
        var g = new Graph(dtype);
        var tracer = new Tracer(g, Network, Seed, Scheme, mode) { Dropout = dropout };
        IReadOnlyList<Node> outs;
        Node[] inputs;
        try
        {
            inputs = Inputs.Select(s => g.Input(s.Name, s.Shape, s.ElementType)).ToArray();
            outs = Network.Call(inputs);
        }
        finally { tracer.Finish(); }
        var forward = new Function(g, OutputNames.Select((n, i) => new Named(n, outs[i])));
        var parameters = tracer.Parameters();
        if (_store is not null)
            foreach (var p in parameters)
                if (!_store.Contains(p.Name))
                    throw new InvalidOperationException($"The {mode} trace uses parameter \"{p.Name}\", which the model's build trace did not; build the model again.");
        var summary = new Summary(Inputs, tracer.Rows, parameters.Select(p => p.Parameter).ToArray());
        return new TracedNetwork(g, forward, inputs, parameters, tracer.Masks, mode, summary, tracer.BufferUpdates.ToArray());
    }

    /// <summary>
    /// Traces the network and adds the training objective: <paramref name="loss"/> between the output
    /// <paramref name="output"/> (default: the only one) and a new target input <paramref name="target"/> whose shape
    /// the loss derives from the prediction's, reduced over the batch by <paramref name="reduction"/> (mean by default:
    /// the lectures' 1/m), plus each regularization term.
    /// </summary>
    public TrainingGraph BuildLoss(Loss loss, Reduction reduction = Reduction.Mean, IReadOnlyList<Regularizer>? regularizers = null,
        DType dtype = DType.F32, TraceMode mode = TraceMode.Train, string? output = null, string target = DefaultTarget, bool dropout = true)
    {
        if (loss is null) throw new ArgumentNullException(nameof(loss));
        if (loss is JointLoss joint && output is null) return BuildLoss(new[] { JointOverAllOutputs(joint, target) }, reduction, regularizers, dtype, mode, dropout);
        var outName = output ?? (OutputNames.Count == 1 ? OutputNames[0]
            : throw new ArgumentException($"The model has outputs {string.Join(", ", OutputNames)}; say which one the loss {loss.Name} applies to."));
        return BuildLoss(new[] { new LossTerm(outName, loss, target) }, reduction, regularizers, dtype, mode, dropout);
    }

    /// <summary>
    /// Traces the network and adds a training objective with one term per head: Σ weightᵢ·lossᵢ(outputᵢ, targetᵢ), each
    /// reduced over the batch by <paramref name="reduction"/>, plus each regularization term. Every term gets its own
    /// target input. <paramref name="dropout"/> false keeps dropout the identity in a training trace.
    /// </summary>
    public TrainingGraph BuildLoss(IReadOnlyList<LossTerm> terms, Reduction reduction = Reduction.Mean, IReadOnlyList<Regularizer>? regularizers = null,
        DType dtype = DType.F32, TraceMode mode = TraceMode.Train, bool dropout = true)
    {
        if (terms is null || terms.Count == 0) throw new ArgumentException("Give at least one loss term.", nameof(terms));
        var named = terms.Where(x => x.Loss is not JointLoss j || j.HasTarget).Select(x => x.Target).ToList();
        if (named.Distinct().Count() != named.Count)
            throw new ArgumentException($"Each loss term needs its own target name; got {string.Join(", ", named)}.");
        var t = Trace(dtype, mode, dropout);
        var g = t.Graph;
        Node? data = null;
        var targets = new List<Node>();
        foreach (var term in terms)
        {
            if (term.Loss is null) throw new ArgumentException($"The loss term for output \"{term.Output}\" has no loss.");
            if (term.Loss is JointLoss joint)
            {
                var between = JointTerm(t, term, joint, targets, reduction);
                data = data is null ? between : data + between;
                continue;
            }
            if (term.With.Count > 0)
                throw new ArgumentException($"The loss term on outputs {string.Join(", ", term.Outputs)} names several outputs, but {term.Loss.Name} is a loss between a prediction and target data; use a loss between outputs (JointLoss).");
            if (!OutputNames.Contains(term.Output)) throw new ArgumentException($"The model has no output \"{term.Output}\" (outputs: {string.Join(", ", OutputNames)}).");
            if (g.Find(term.Target) is { } clash)
                throw new ArgumentException($"The target name \"{term.Target}\" is already used by the {clash.Op.Name} {clash.Describe()}.");
            var y = t.Forward[term.Output];
            var targetNode = g.Input(term.Target, term.Loss.TargetShape(y, term.Output), term.Loss.TargetType(y.DType));
            targets.Add(targetNode);
            var value = term.Loss.Apply(y, targetNode, reduction);
            if (term.Weight != 1) value = term.Weight * value;
            data = data is null ? value : data + value;
        }
        Node? reg = null;
        foreach (var r in regularizers ?? Array.Empty<Regularizer>())
        {
            var term = r.Term(t.Parameters);
            if (term is not null) reg = reg is null ? term : reg + term;
        }
        var total = reg is null ? data! : data! + reg;
        var fn = new Function(g, new[] { new Named(LossOutput, total) }.Concat(t.Forward.Outputs));
        return new TrainingGraph(t, fn, total, data!, reg, targets);
    }

    /// <summary>
    /// The term of a loss between outputs given alone (no output named): it reads the model's outputs in order, so the
    /// model must have exactly <see cref="JointLoss.Arity"/> of them.
    /// </summary>
    internal LossTerm JointOverAllOutputs(JointLoss joint, string target)
    {
        if (OutputNames.Count != joint.Arity)
            throw new ArgumentException($"The loss {joint.Name} is between {joint.Arity} outputs, but the model has {OutputNames.Count} ({string.Join(", ", OutputNames)}); name them with LossTerm.Between(...) or LossTerm.Among(...).");
        return LossTerm.Among(OutputNames, joint, 1, target);
    }

    /// <summary>
    /// The weighted, batch-reduced value of a term whose loss is between outputs: reads every output it names (each
    /// must exist), checks their shapes (the error names them) and adds a target input only when the loss has one.
    /// </summary>
    private Node JointTerm(TracedNetwork t, LossTerm term, JointLoss joint, List<Node> targets, Reduction reduction)
    {
        var names = term.Outputs;
        if (names.Count != joint.Arity)
            throw new ArgumentException($"The loss {joint.Name} reads {joint.Arity} outputs, but the term names {names.Count} ({string.Join(", ", names)}); use LossTerm.Between or LossTerm.Among.");
        foreach (var n in names)
            if (!OutputNames.Contains(n))
                throw new ArgumentException($"The loss {joint.Name} reads output \"{n}\", but the model has no such output (outputs: {string.Join(", ", OutputNames)}).");
        var outs = names.Select(n => t.Forward[n]).ToArray();
        var want = joint.TargetShape(outs.Select(o => o.Shape).ToArray(), names);
        Node? target = null;
        if (want is not null)
        {
            if (t.Graph.Find(term.Target) is { } clash)
                throw new ArgumentException($"The target name \"{term.Target}\" is already used by the {clash.Op.Name} {clash.Describe()}.");
            target = t.Graph.Input(term.Target, want);
            targets.Add(target);
        }
        var value = joint.Apply(outs, target, reduction);
        return term.Weight != 1 ? term.Weight * value : value;
    }

    /// <summary>Redraws every parameter from <paramref name="seed"/> (each from its own stream, see <see cref="Rng.ForName"/>).</summary>
    public void Initialize(long seed)
    {
        Seed = seed;
        foreach (var e in Parameters.Entries)
            e.Parameter.Initialize(e.Parameter.Initializer ?? Scheme.For(e.Parameter.Role), Rng.ForName(seed, e.Name));
    }

    /// <summary>
    /// The same function with consecutive affine layers folded into one (<c>Ω₂(β₁ + Ω₁x) + β₂ = (β₂ + Ω₂β₁) + Ω₂Ω₁x</c>):
    /// an inference-time rewrite for <see cref="Sequential"/> networks; see <see cref="AffineFolding"/>.
    /// </summary>
    public Model FoldLinear() => AffineFolding.Fold(this);

    /// <summary>The summary table.</summary>
    public override string ToString() => Summary.ToString();
}
