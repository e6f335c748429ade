using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;

namespace Nabla.Lowering;

/// <summary>
/// The lowering from the DSL to what backends compile: a <see cref="Model"/> and a <see cref="TrainingSetup"/> become
/// three IR functions — <c>Forward</c> (evaluation mode), <c>Evaluate</c> (evaluation mode, with the loss) and
/// <c>TrainStep</c> (training mode: loss, gradients by <see cref="Autodiff.Grad(Node, IReadOnlyList{Node})"/> with respect to
/// the trainable parameters only, the optimizer's updates, and the new values of the buffers the layers set, see
/// <see cref="TracedNetwork.BufferUpdates"/>) — each optimized and scheduled by <see cref="Pipeline.Compile"/>
/// (the stages of <see cref="Pipeline.Stages"/>) into one <see cref="ModelPlan"/>, plus the <see cref="TrainingSignature"/> the
/// run time binds by. Deterministic: the same model, weights aside, and setup give the same plan and the same emitted
/// source (so compile caches and the source generator's incrementality work). Parameter values are not part of
/// the plan; a run-time <c>Network</c> copies them from the model's <see cref="ParameterStore"/>.
/// </summary>
public static class Lowerer
{
    /// <summary>Lowers <paramref name="model"/> for training with <paramref name="setup"/>.</summary>
    /// <exception cref="ArgumentException">A name clashes (the learning-rate input, a target or an optimizer state tensor), or the setup does not fit the model; the message names it.</exception>
    public static LoweredModel Lower(Model model, TrainingSetup setup)
    {
        if (model is null) throw new ArgumentNullException(nameof(model));
        if (setup is null) throw new ArgumentNullException(nameof(setup));
        var terms = setup.LossTerms(model);
        var regs = setup.Regularizers ?? Array.Empty<Regularizer>();
        var forward = model.Trace(setup.DType, TraceMode.Eval).Forward;
        var evaluate = model.BuildLoss(terms, setup.Reduction, regs, setup.DType, TraceMode.Eval).Loss;
        // Training mode (BatchNorm uses batch statistics and updates its running ones); dropout only when the setup asks.
        var train = model.BuildLoss(terms, setup.Reduction, regs, setup.DType, TraceMode.Train, setup.Dropout);
        int traced = PassReport.CountNodes(train.Loss);
        var clock = Stopwatch.StartNew();
        var (step, state) = TrainStep(train, setup);
        double gradientMs = clock.Elapsed.TotalMilliseconds;
        var functions = new List<Function> { forward, evaluate, step };
        var names = new List<string> { TrainingSignature.ForwardMethod, TrainingSignature.EvaluateMethod, TrainingSignature.TrainStepMethod };
        if (setup.SplitStep)
        {
            var (gradients, update) = SplitStep(train, setup);
            functions.Add(gradients); functions.Add(update);
            names.Add(TrainingSignature.ComputeGradientsMethod); names.Add(TrainingSignature.ApplyUpdateMethod);
        }
        var optimized = new Function[functions.Count];
        var reports = new PassReport?[functions.Count];
        var schedules = new List<(string, Schedule)>();
        for (int i = 0; i < functions.Count; i++)
        {
            // The pipeline list from the gradient (built above for TrainStep) to the memory plan; emission is the backend's.
            var report = new PassReport();
            if (i == 2) report.AddStage(Pipeline.Gradient, traced, PassReport.CountNodes(step), null, gradientMs);
            var (opt, schedule, _) = Pipeline.Compile(functions[i], optimize: setup.Optimize, report: report);
            optimized[i] = opt;
            reports[i] = setup.Optimize ? report : null;
            schedules.Add((names[i], schedule));
        }
        var plan = new ModelPlan(setup.ModelName, schedules);
        var signature = Signature(model, setup, train, state, setup.SplitStep ? train.Gradients!.Select(p => p.Name).ToArray() : null);
        return new LoweredModel(model, setup, plan, signature, functions.ToArray(), optimized, reports);
    }

    /// <summary>
    /// The training step of a traced objective: outputs <c>loss</c> and the forward outputs; updates from
    /// <paramref name="setup"/>'s optimizer for the trainable parameters (frozen ones get no gradient and no update).
    /// Exposed for tests and tools that want the IR without scheduling.
    /// </summary>
    public static (Function Step, IReadOnlyList<OptimizerState> State) TrainStep(TrainingGraph train, TrainingSetup setup)
    {
        var g = train.Graph;
        if (g.Find(setup.LearningRateInput) is { } clash)
            throw new ArgumentException($"The learning-rate input \"{setup.LearningRateInput}\" clashes with the {clash.Op.Name} {clash.Describe()}; set TrainingSetup.LearningRateInput to another name.");
        var lr = g.Input(setup.LearningRateInput, Shape.Scalar);
        var pg = Gradients(train);
        var opt = setup.Optimizer.Apply(pg, lr);
        // With every parameter frozen there are no optimizer updates, and the compiled step does not read lr.
        // Buffers (module state: running statistics) take the values the layers set; the optimizer never sees them.
        var updates = train.BufferUpdates.Count == 0 ? opt.Updates : opt.Updates.Concat(train.BufferUpdates).ToArray();
        return (new Function(g, train.Loss.Outputs, updates), opt.State);
    }

    /// <summary>
    /// The training step split at the gradient (see <see cref="TrainingSetup.SplitStep"/>), over the same traced
    /// objective as <see cref="TrainStep"/> (call that first: the gradients are built once and shared):
    /// <list type="bullet">
    /// <item><c>ComputeGradients</c>: outputs <c>loss</c>, the forward outputs and <c>gradients</c>, the trainable
    /// parameters' gradients flattened and concatenated in signature order (<see cref="TrainingSignature.GradientLayout"/>);
    /// updates the buffers (running statistics) as <c>TrainStep</c> does.</item>
    /// <item><c>ApplyUpdate</c>: reads <c>gradients</c> and <c>lr</c> and updates every trainable parameter and optimizer
    /// state tensor exactly as <c>TrainStep</c>'s optimizer does; no outputs.</item>
    /// </list>
    /// </summary>
    /// <exception cref="ArgumentException">No parameter is trainable, or the name <c>gradients</c> is taken by the model.</exception>
    public static (Function ComputeGradients, Function ApplyUpdate) SplitStep(TrainingGraph train, TrainingSetup setup)
    {
        var g = train.Graph;
        var pg = Gradients(train);
        if (pg.Count == 0)
            throw new ArgumentException($"Model \"{setup.ModelName}\": the split training step needs a trainable parameter, and every parameter is frozen.");
        const string name = TrainingSignature.GradientsName;
        if (g.Find(name) is { } clash)
            throw new ArgumentException($"The flat gradient \"{name}\" of the split training step clashes with the {clash.Op.Name} {clash.Describe()}; rename it.");
        long total = 0;
        foreach (var p in pg) total = checked(total + p.Param.Shape.StaticSize);
        Shape.CheckElements($"Model \"{setup.ModelName}\": the flat gradient of the split training step (every trainable parameter)", total, $"[{total}]");
        var flat = pg.Select(p => F.Reshape(p.Grad, Shape.Of((int)p.Param.Shape.StaticSize))).ToArray();
        var all = flat.Length == 1 ? flat[0] : F.Concat(0, flat);
        var gradients = new Function(g, train.Loss.Outputs.Concat(new[] { new Named(name, all) }), train.BufferUpdates);

        // ApplyUpdate reads the flat gradient in a graph of its own: the parameters, the state and the optimizer's update.
        var u = new Graph(g.DefaultType);
        var lr = u.Input(setup.LearningRateInput, Shape.Scalar);
        var input = u.Input(name, all.Shape, all.DType);
        var parts = new List<ParameterGradient>();
        int offset = 0;
        foreach (var p in pg)
        {
            var w = u.Param(p.Name, p.Param.Shape, p.Param.DType);
            int n = (int)p.Param.Shape.StaticSize; // each part and their sum fit (checked above)
            var slice = flat.Length == 1 ? input : F.Slice(input, 0, offset, offset + n);
            parts.Add(new ParameterGradient(p.Name, w, F.Reshape(slice, p.Param.Shape), p.Role));
            offset += n;
        }
        var opt = setup.Optimizer.Apply(parts, lr);
        return (gradients, new Function(u, Array.Empty<Named>(), opt.Updates));
    }

    // The trainable parameters with their gradients, built once per traced objective (the split step reuses them).
    private static IReadOnlyList<ParameterGradient> Gradients(TrainingGraph train)
    {
        if (train.Gradients is { } done) return done;
        var trainable = train.Parameters.Where(p => p.Parameter.Trainable).ToArray();
        var grads = trainable.Length == 0 ? Array.Empty<Node>() : Autodiff.Grad(train.LossNode, trainable.Select(p => p.Node).ToArray());
        return train.Gradients = trainable.Select((p, i) => new ParameterGradient(p.Name, p.Node, grads[i], p.Parameter.Role)).ToArray();
    }

    // Why a batch's loss is not its shards' row-weighted losses summed (null when it is): see TrainingSignature.ShardingCaveat.
    private static string? ShardingCaveat(Model model, TrainingSetup setup)
    {
        if (setup.Reduction == Reduction.Sum && setup.Regularizers.Count > 0)
            return "with Reduction.Sum every shard's loss carries the whole regularization term, which the sum over shards would count once per shard";
        foreach (var term in setup.LossTerms(model))
            if (term.Loss.ShardingCaveat(setup.Reduction) is { } why) return why;
        return null;
    }

    // An input or target: whether it holds i32 values and, if so, the limit its values must stay below when the graph
    // says (the smallest size of an axis a gather selects from with it, or number of classes a one_hot makes from it).
    // A float target a loss reads as class indices (floatClasses: ClassTargets.Indices) gets its classes as the limit.
    private static TensorInfo Info(Graph g, string name, int[] shape, int? floatClasses = null)
    {
        var leaf = g.Find(name);
        if (leaf is null || leaf.DType != DType.I32) return new TensorInfo(name, shape) { IndexLimit = floatClasses };
        int? limit = null;
        var views = new HashSet<Node> { leaf };
        foreach (var n in g.Nodes)
        {
            if (n.Op == Op.Reshape && views.Contains(n.A)) views.Add(n);
            int? l = n.Op == Op.Gather && views.Contains(n.B) ? n.A.Shape[n.Attr<IndexAttrs>().Axis]
                : n.Op == Op.OneHot && views.Contains(n.A) ? n.Attr<IndexAttrs>().Size : null;
            if (l is { } v && (limit is null || v < limit)) limit = v;
        }
        return new TensorInfo(name, shape) { IsInteger = true, IndexLimit = limit };
    }

    private static TrainingSignature Signature(Model model, TrainingSetup setup, TrainingGraph train, IReadOnlyList<OptimizerState> state, string[]? gradientParameters)
    {
        static int[] Dims(Shape s) => s.ToArray();
        static int Classes(Shape prediction) => prediction[prediction.Rank - 1];
        var inputs = model.Inputs.Select(i => Info(train.Graph, i.Name, Dims(i.Shape))).ToArray();
        var outputs = train.Forward.Outputs.Select(o => new TensorInfo(o.Name, Dims(o.Node.Shape)) { IsInteger = o.Node.DType == DType.I32 }).ToArray();
        // Float class-index targets: the loss says so, and the classes are its prediction's last axis.
        var floatClasses = setup.LossTerms(model).Where(term => !term.IsBetweenOutputs && term.Loss.TakesFloatClassIndices)
            .ToDictionary(term => term.Target, term => Classes(train.Forward.Outputs.First(o => o.Name == term.Output).Node.Shape));
        var targets = train.Targets.Select(t => Info(train.Graph, t.Name!, Dims(t.Shape), floatClasses.TryGetValue(t.Name!, out int c) ? c : null)).ToArray();
        var masks = train.Masks.Select(m => new MaskInfo(m.InputName, Dims(m.Shape), m.P)).ToArray();
        var parameters = model.Parameters.Entries.Select(e => new ParameterInfo(e.Name, Dims(e.Parameter.Shape), e.Parameter.Trainable, e.Parameter.IsBuffer)).ToArray();
        var st = state.Select(s => new StateInfo(s.Name, Dims(s.Shape), s.Slot, s.Parameter, s.Initial)).ToArray();
        return new TrainingSignature(setup.ModelName, setup.DType.ShortName(), inputs, outputs, targets, masks, parameters, st,
            setup.Optimizer.Describe(), setup.ToString(), setup.LearningRateInput, Model.LossOutput, setup.Optimizer.LearningRate,
            setup.Reduction == Reduction.Sum ? "sum" : "mean", gradientParameters, ShardingCaveat(model, setup));
    }
}

/// <summary>
/// A model lowered for training: the <see cref="Plan"/> a backend compiles (methods <c>Forward</c>, <c>Evaluate</c>,
/// <c>TrainStep</c>), the <see cref="Signature"/> the run time binds by, and the IR of each method before and after
/// optimization (for the reference interpreter and for inspection).
/// </summary>
public sealed class LoweredModel
{
    private readonly Function[] _functions, _optimized;
    private readonly PassReport?[] _reports;

    internal LoweredModel(Model model, TrainingSetup setup, ModelPlan plan, TrainingSignature signature, Function[] functions, Function[] optimized, PassReport?[] reports)
    {
        Model = model; Setup = setup; Plan = plan; Signature = signature; _functions = functions; _optimized = optimized; _reports = reports;
    }

    /// <summary>The model.</summary>
    public Model Model { get; }
    /// <summary>The setup.</summary>
    public TrainingSetup Setup { get; }
    /// <summary>The scheduled methods, in the order Forward, Evaluate, TrainStep (then ComputeGradients, ApplyUpdate with <see cref="TrainingSetup.SplitStep"/>).</summary>
    public ModelPlan Plan { get; }
    /// <summary>Method, input, output, parameter and state names for the run time.</summary>
    public TrainingSignature Signature { get; }

    /// <summary>The IR of <c>Forward</c> as traced (inputs → outputs, evaluation mode).</summary>
    public Function Forward => _functions[0];
    /// <summary>The IR of <c>Evaluate</c> as traced (inputs, targets → loss, outputs; evaluation mode).</summary>
    public Function Evaluate => _functions[1];
    /// <summary>The IR of <c>TrainStep</c> as built (inputs, targets, masks, lr → loss, outputs; updates of parameters and state).</summary>
    public Function TrainStep => _functions[2];

    /// <summary>The IR of a method after the rewrite pipeline (what was scheduled).</summary>
    public Function Optimized(string method) => _optimized[Index(method)];
    /// <summary>
    /// What each stage of the pipeline did to a method — for <c>TrainStep</c> the gradient, then every rewrite pass and
    /// the schedule stages (null when <see cref="TrainingSetup.Optimize"/> was off).
    /// </summary>
    public PassReport? Report(string method) => _reports[Index(method)];
    /// <summary>The schedule of a method.</summary>
    public Schedule Schedule(string method) => Plan.Methods[Index(method)].Schedule;

    private int Index(string method) => method switch
    {
        TrainingSignature.ForwardMethod => 0,
        TrainingSignature.EvaluateMethod => 1,
        TrainingSignature.TrainStepMethod => 2,
        TrainingSignature.ComputeGradientsMethod when _functions.Length > 3 => 3,
        TrainingSignature.ApplyUpdateMethod when _functions.Length > 3 => 4,
        _ => throw new ArgumentException($"Unknown method \"{method}\" (Forward, Evaluate, TrainStep{(_functions.Length > 3 ? ", ComputeGradients, ApplyUpdate" : "; compile with TrainingSetup.SplitStep for ComputeGradients and ApplyUpdate")})."),
    };
}
