using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;

namespace Nabla.Testing;

/// <summary>A differentiable variable of a built case: its node, its printed name and, for a generated input, its position.</summary>
internal sealed record Variable(Node Node, string Name, int Input);

/// <summary>A case built into a float64 graph: the output, the variables and every binding (inputs, parameters, targets).</summary>
internal sealed record Built(Node Output, IReadOnlyList<Variable> Variables, Dictionary<string, Tensor> Bindings)
{
    /// <summary>The names of the generated targets (shown in a failure's report).</summary>
    public IReadOnlyList<string> Targets { get; init; } = System.Array.Empty<string>();
}

/// <summary>What a check differentiates: how its input shapes are drawn and shrunk, and how a case becomes a graph.</summary>
internal abstract class Subject
{
    public abstract string Name { get; }

    /// <summary>Symbolic shapes of the generated inputs for a new case.</summary>
    public abstract Shape[] DrawShapes(Random r, GradCheckOptions o);

    /// <summary>Smaller shapes to try while shrinking (each valid for the subject).</summary>
    public virtual IEnumerable<Shape[]> ShrinkShapes(Shape[] shapes) => Array.Empty<Shape[]>();

    /// <summary>The graph of a case (F64; inputs named x0, x1, …).</summary>
    public abstract Built Build(GradCheckCase c, GradCheckOptions o);

    /// <summary>Name of generated input i in the graph.</summary>
    public virtual string InputName(int i) => "x" + i;

    protected static Dictionary<string, Tensor> Inputs(GradCheckCase c, Func<int, string> name)
    {
        var b = new Dictionary<string, Tensor>();
        for (int i = 0; i < c.InputArray.Length; i++) b[name(i)] = c.InputArray[i];
        return b;
    }
}

/// <summary>A function of input nodes with given (or, for an elementwise op, generated) shapes.</summary>
internal sealed class FunctionSubject : Subject
{
    private readonly Func<Node[], Node> _build;
    private readonly Shape[]? _shapes;
    private readonly int _arity;

    public FunctionSubject(string name, Func<Node[], Node> build, Shape[]? shapes, int arity)
    {
        Name = name; _build = build; _shapes = shapes; _arity = arity;
    }

    public override string Name { get; }

    public override Shape[] DrawShapes(Random r, GradCheckOptions o) => _shapes ?? Shapes.Elementwise(r, o, _arity);

    public override IEnumerable<Shape[]> ShrinkShapes(Shape[] shapes) => _shapes is null ? Shapes.ShrinkElementwise(shapes) : Array.Empty<Shape[]>();

    public override Built Build(GradCheckCase c, GradCheckOptions o)
    {
        var g = new Graph(DType.F64);
        var xs = c.ShapeArray.Select((s, i) => g.Input(InputName(i), s, DType.F64)).ToArray();
        var y = _build(xs) ?? throw new InvalidOperationException($"{Name}: the builder returned null.");
        if (!ReferenceEquals(y.Graph, g)) throw new InvalidOperationException($"{Name}: the builder returned a node of another graph; build it from the input nodes it is given.");
        return new Built(y, xs.Select((x, i) => new Variable(x, InputName(i), i)).ToArray(), Inputs(c, InputName));
    }
}

/// <summary>A module traced (eval mode) on one input; the variables are the input and every trainable parameter.</summary>
internal sealed class ModuleSubject : Subject
{
    private readonly Model _model;

    public ModuleSubject(Module module, Shape inputShape, long seed)
    {
        _model = Model.Build(module, inputShape, seed);
        Name = "module " + module.Description;
    }

    public override string Name { get; }
    public override string InputName(int i) => _model.Inputs[i].Name;

    public override Shape[] DrawShapes(Random r, GradCheckOptions o) => _model.Inputs.Select(s => s.Shape).ToArray();

    public override Built Build(GradCheckCase c, GradCheckOptions o)
    {
        var t = _model.Trace(DType.F64, TraceMode.Eval);
        var b = Inputs(c, InputName);
        foreach (var kv in t.ParameterBindings()) b[kv.Key] = kv.Value;
        var vars = t.Inputs.Select((x, i) => new Variable(x, InputName(i), i))
            .Concat(t.Parameters.Where(p => p.Parameter.Trainable).Select(p => new Variable(p.Node, p.Name, -1))).ToArray();
        if (t.Forward.Outputs.Count != 1) throw new NotSupportedException($"{Name}: GradCheck.Module checks modules with one output; this one has {t.Forward.Outputs.Count}.");
        return new Built(t.Forward.Outputs[0].Node, vars, b);
    }
}

/// <summary>A loss between a generated prediction and a generated target; the variable is the prediction.</summary>
internal sealed class LossSubject : Subject
{
    private readonly Loss _loss;
    private readonly Shape _prediction;
    private readonly Reduction _reduction;

    public LossSubject(Loss loss, Shape prediction, Reduction reduction)
    {
        _loss = loss; _prediction = prediction; _reduction = reduction;
        loss.TargetShape(prediction); // checks the prediction shape now, with the loss's own message
        Name = "loss " + loss.Name;
    }

    public override string Name { get; }
    public override string InputName(int i) => "prediction";

    public override Shape[] DrawShapes(Random r, GradCheckOptions o) => new[] { _prediction };

    public override Built Build(GradCheckCase c, GradCheckOptions o)
    {
        var g = new Graph(DType.F64);
        var p = g.Input("prediction", _prediction, DType.F64);
        var t = g.Input("target", _loss.TargetShape(_prediction), _loss.TargetType(DType.F64));
        var b = Inputs(c, InputName);
        b["target"] = Targets.Make(t, o.Targets, LastDim(_prediction, c.Batch), c.Batch, new Random(c.Seed));
        return new Built(_loss.Apply(p, t, _reduction), new[] { new Variable(p, "prediction", 0) }, b) { Targets = new[] { "target" } };
    }

    private static int LastDim(Shape s, int batch) => s.Rank == 0 ? 1 : s.Concrete(batch)[s.Rank - 1];
}

/// <summary>
/// A model's training objective (train mode, dropout off) as a training step differentiates it: the variables are the
/// trainable parameters; the inputs are generated, the targets drawn per case.
/// </summary>
internal sealed class NetworkSubject : Subject
{
    private readonly Model _model;
    private readonly TrainingSetup _setup;

    public NetworkSubject(Model model, TrainingSetup setup)
    {
        _model = model; _setup = setup;
        Name = $"network {model.Network.Description} with {string.Join(" + ", setup.LossTerms(model).Select(t => t.Loss.Name))}";
        foreach (var i in model.Inputs)
            if (i.ElementType == DType.I32)
                throw new NotSupportedException($"{Name}: input \"{i.Name}\" holds integers; GradCheck.Network generates real inputs only.");
    }

    public override string Name { get; }
    public override string InputName(int i) => _model.Inputs[i].Name;

    public override Shape[] DrawShapes(Random r, GradCheckOptions o) => _model.Inputs.Select(s => s.Shape).ToArray();

    public override Built Build(GradCheckCase c, GradCheckOptions o)
    {
        var train = _model.BuildLoss(_setup.LossTerms(_model), _setup.Reduction, _setup.Regularizers, DType.F64, TraceMode.Train, dropout: false);
        var b = Inputs(c, InputName);
        foreach (var kv in train.ParameterBindings()) b[kv.Key] = kv.Value;
        var rng = new Random(c.Seed);
        var outputs = train.Forward.Outputs;
        foreach (var t in train.Targets)
        {
            // The classes of an integer target: the last dimension of the output its term reads (the only one, or the setup's).
            var term = _setup.LossTerms(_model).FirstOrDefault(x => x.Target == t.Name);
            var y = outputs.FirstOrDefault(n => n.Name == term?.Output)?.Node ?? outputs[0].Node;
            int classes = y.Shape.Rank == 0 ? 1 : y.Shape.Concrete(c.Batch)[y.Shape.Rank - 1];
            b[t.Name!] = Targets.Make(t, o.Targets, classes, c.Batch, rng);
        }
        var vars = train.Parameters.Where(p => p.Parameter.Trainable).Select(p => new Variable(p.Node, p.Name, -1)).ToArray();
        if (vars.Length == 0) throw new ArgumentException($"{Name}: every parameter is frozen; there is no gradient to check.");
        return new Built(train.LossNode, vars, b) { Targets = train.Targets.Select(t => t.Name!).ToArray() };
    }
}

/// <summary>Target values of each <see cref="TargetKind"/>.</summary>
internal static class Targets
{
    public static Tensor Make(Node target, TargetKind kind, int classes, int batch, Random r)
    {
        var shape = target.Shape.Concrete(batch);
        int size = shape.Aggregate(1, (p, d) => p * d);
        var data = new double[size];
        if (kind == TargetKind.Auto) kind = target.DType == DType.I32 ? TargetKind.ClassIndices : TargetKind.Real;
        int last = shape.Length == 0 ? 1 : shape[shape.Length - 1];
        switch (kind)
        {
            case TargetKind.ClassIndices:
                for (int i = 0; i < size; i++) data[i] = r.Next(Math.Max(1, classes));
                break;
            case TargetKind.Real:
                for (int i = 0; i < size; i++) data[i] = Math.Round(r.NextDouble() * 2 - 1, 3);
                break;
            case TargetKind.UnitInterval:
                for (int i = 0; i < size; i++) data[i] = Math.Round(r.NextDouble(), 3);
                break;
            case TargetKind.Binary:
                for (int i = 0; i < size; i++) data[i] = r.Next(2);
                break;
            case TargetKind.Probabilities:
                for (int row = 0; row < size / last; row++)
                {
                    double s = 0;
                    for (int j = 0; j < last; j++) s += data[row * last + j] = 0.1 + r.NextDouble();
                    for (int j = 0; j < last; j++) data[row * last + j] /= s;
                }
                break;
            case TargetKind.OneHot:
                for (int row = 0; row < size / last; row++) data[row * last + r.Next(last)] = 1;
                break;
        }
        return new Tensor(shape, data);
    }
}

/// <summary>Generated shapes for elementwise ops and how they shrink.</summary>
internal static class Shapes
{
    /// <summary>
    /// <paramref name="arity"/> broadcast-compatible shapes: a common frame of rank 0–MaxRank with dims 1–MaxDim (one
    /// axis the batch in half the cases); each operand drops some leading axes or sets some to 1.
    /// </summary>
    public static Shape[] Elementwise(Random r, GradCheckOptions o, int arity)
    {
        int rank = r.Next(o.MaxRank + 1);
        var frame = new int[rank];
        for (int i = 0; i < rank; i++) frame[i] = 1 + r.Next(o.MaxDim);
        if (o.UseBatch && rank > 0 && r.Next(2) == 0) frame[r.Next(rank)] = Shape.Batch;
        var shapes = new Shape[arity];
        for (int k = 0; k < arity; k++)
        {
            if (k == 0 || r.Next(2) == 0) { shapes[k] = new Shape(frame); continue; }
            int drop = r.Next(rank + 1);
            var dims = frame.Skip(drop).ToArray();
            for (int i = 0; i < dims.Length; i++) if (r.Next(3) == 0) dims[i] = 1;
            shapes[k] = new Shape(dims);
        }
        return shapes;
    }

    /// <summary>Smaller broadcast-compatible shapes: an axis removed, set to 1 or made shorter, the batch made a 1.</summary>
    public static IEnumerable<Shape[]> ShrinkElementwise(Shape[] shapes)
    {
        int rank = shapes.Max(s => s.Rank);
        // Positions counted from the right, so every operand changes consistently.
        for (int j = rank - 1; j >= 0; j--)
        {
            yield return Map(shapes, j, null); // remove
            yield return Map(shapes, j, d => d == Shape.Batch ? 1 : d);
            yield return Map(shapes, j, d => d == Shape.Batch ? d : 1);
            yield return Map(shapes, j, d => d > 2 ? d - 1 : d);
        }
    }

    // Shapes with the axis `fromRight` (0 = last) removed (f null) or mapped by f; unchanged shapes are filtered out by the caller.
    private static Shape[] Map(Shape[] shapes, int fromRight, Func<int, int>? f) =>
        shapes.Select(s =>
        {
            int axis = s.Rank - 1 - fromRight;
            if (axis < 0) return s;
            var d = s.ToArray().ToList();
            if (f is null) d.RemoveAt(axis); else d[axis] = f(d[axis]);
            return new Shape(d.ToArray());
        }).ToArray();

    public static bool Compatible(Shape[] shapes)
    {
        Shape? acc = Shape.Scalar;
        foreach (var s in shapes) { acc = Shape.Broadcast(acc!, s, out _); if (acc is null) return false; }
        return true;
    }
}
