using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Nabla.Lowering;

/// <summary>A named tensor of a compiled method: its shape with −1 for the batch dimension.</summary>
/// <param name="Name">The name (input, output or target).</param>
/// <param name="Shape">The dimensions; −1 is the batch.</param>
public sealed record TensorInfo(string Name, IReadOnlyList<int> Shape)
{
    /// <summary>
    /// True when the tensor holds i32 values (token ids, class labels). A compiled model has one element type, so it is
    /// passed in the model's float arrays as exact integers; <c>Network</c> checks each value at the boundary, and the
    /// kernels that read indices check them again.
    /// </summary>
    public bool IsInteger { get; init; }

    /// <summary>
    /// The exclusive upper limit of the tensor's values when they are indices and the compiler knows it (the rows of the
    /// embedding or the classes of the one-hot that reads it), else null. An i32 tensor, or a float tensor of class
    /// indices (<c>ClassTargets.Indices</c>): either way <c>Network</c> checks each value is an integer in [0, limit).
    /// </summary>
    public int? IndexLimit { get; init; }

    /// <summary>True when the values must be integer indices: an i32 tensor or a float tensor with an <see cref="IndexLimit"/>.</summary>
    public bool HoldsIndices => IsInteger || IndexLimit is not null;

    /// <summary><c>x[B,40]</c> (<c>t[B] i32 &lt; 10</c> for integers, <c>t[B] indices &lt; 10</c> for float class indices).</summary>
    public override string ToString() => TrainingSignature.Format(Name, Shape)
        + (IsInteger ? " i32" : IndexLimit is not null ? " indices" : "") + (IndexLimit is { } l ? " < " + l.ToString(CultureInfo.InvariantCulture) : "");
}

/// <summary>A dropout keep-mask input of <c>TrainStep</c>: shape (with −1 for the batch) and drop probability.</summary>
/// <param name="Name">The input's name (<c>PATH.mask</c>).</param>
/// <param name="Shape">Its shape; −1 is the batch.</param>
/// <param name="P">The drop probability: each element is 0 with probability p, else 1.</param>
public sealed record MaskInfo(string Name, IReadOnlyList<int> Shape, double P)
{
    /// <summary><c>1.mask[B,100] p=0.5</c>.</summary>
    public override string ToString() => TrainingSignature.Format(Name, Shape) + " p=" + P.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A model parameter or buffer (PyTorch state-dict name and shape) and whether the training step updates it.</summary>
/// <param name="Name">The full name (<c>0.weight</c>, <c>1.running_mean</c>).</param>
/// <param name="Shape">Its static shape.</param>
/// <param name="Trainable">False for a frozen parameter (no gradient, no update) and for a buffer.</param>
/// <param name="Buffer">True for a buffer (module state such as BatchNorm's running statistics): no gradient, no optimizer
/// update; <c>TrainStep</c> writes the value its layer computes, <c>Forward</c> and <c>Evaluate</c> read it.</param>
public sealed record ParameterInfo(string Name, IReadOnlyList<int> Shape, bool Trainable, bool Buffer = false)
{
    /// <summary><c>0.weight[100,40]</c>.</summary>
    public override string ToString() => TrainingSignature.Format(Name, Shape) + (Buffer ? " (buffer)" : Trainable ? "" : " (frozen)");
}

/// <summary>An optimizer state tensor of the compiled model (see <see cref="OptimizerState"/>).</summary>
/// <param name="Name">The name (<c>0.weight.m</c>, <c>optimizer.step</c>).</param>
/// <param name="Shape">Its static shape.</param>
/// <param name="Slot">The slot (<c>m</c>, <c>v</c>, <c>step</c>).</param>
/// <param name="Parameter">The parameter it belongs to, or null.</param>
/// <param name="Initial">The value every element starts at (and returns to on reset).</param>
public sealed record StateInfo(string Name, IReadOnlyList<int> Shape, string Slot, string? Parameter, double Initial)
{
    /// <summary><c>0.weight.m[100,40]</c>.</summary>
    public override string ToString() => TrainingSignature.Format(Name, Shape);
}

/// <summary>One trainable parameter's place in the flat gradient of the split training step.</summary>
/// <param name="Parameter">The parameter's name (<c>0.weight</c>).</param>
/// <param name="Offset">Where its gradient starts in <c>gradients</c>.</param>
/// <param name="Length">How many values it has (the parameter's size, row-major).</param>
public sealed record GradientSlice(string Parameter, long Offset, long Length);

/// <summary>
/// What the run time needs to drive a compiled model (from <c>Nabla.Jit</c>, from the source generator or from a model
/// DLL) without the compiler: the method names, each method's inputs and outputs by name, the parameters and the
/// optimizer state with initial values, the dropout masks to draw, and the optimizer's description.
/// <para>The methods (<see cref="ForwardMethod"/>, <see cref="EvaluateMethod"/>, <see cref="TrainStepMethod"/>):</para>
/// <list type="bullet">
/// <item><c>Forward</c>: <see cref="Inputs"/> → <see cref="Outputs"/> (evaluation mode: dropout is the identity).</item>
/// <item><c>Evaluate</c>: <see cref="Inputs"/>, <see cref="Targets"/> → <see cref="LossOutput"/>, then <see cref="Outputs"/> (evaluation mode).</item>
/// <item><c>TrainStep</c>: <see cref="Inputs"/>, <see cref="Targets"/>, <see cref="Masks"/>, <see cref="LearningRateInput"/> →
/// <see cref="LossOutput"/>, then <see cref="Outputs"/> (training mode, before the update); updates every trainable
/// parameter, every <see cref="State"/> tensor and every buffer (<see cref="ParameterInfo.Buffer"/>: BatchNorm's running
/// statistics) in place.</item>
/// <item>With <see cref="Nabla.TrainingSetup.SplitStep"/>, <c>ComputeGradients</c>: the inputs of <c>TrainStep</c> but the
/// learning rate → <see cref="LossOutput"/>, the <see cref="Outputs"/> and <see cref="GradientsName"/> (the flat gradient,
/// <see cref="GradientLayout"/>); updates the buffers. <c>ApplyUpdate</c>: <see cref="LearningRateInput"/>,
/// <see cref="GradientsName"/> → no outputs; updates the trainable parameters and the <see cref="State"/>.</item>
/// </list>
/// Inputs of the compiled methods are bound by name; <see cref="InputOrder"/> is the order the typed methods of
/// generated code take them in (pass it as the C# emitter's <c>EmitOptions.InputOrder</c>).
/// </summary>
public sealed class TrainingSignature
{
    /// <summary>The inference method's name.</summary>
    public const string ForwardMethod = "Forward";
    /// <summary>The evaluation method's name.</summary>
    public const string EvaluateMethod = "Evaluate";
    /// <summary>The training step's name.</summary>
    public const string TrainStepMethod = "TrainStep";
    /// <summary>The first half of the split training step (<see cref="Nabla.TrainingSetup.SplitStep"/>): loss, outputs and the flat gradient.</summary>
    public const string ComputeGradientsMethod = "ComputeGradients";
    /// <summary>The second half of the split training step: the optimizer's update from the flat gradient.</summary>
    public const string ApplyUpdateMethod = "ApplyUpdate";
    /// <summary>The flat gradient: output of <c>ComputeGradients</c>, input of <c>ApplyUpdate</c>.</summary>
    public const string GradientsName = "gradients";

    /// <summary>Creates a signature (generated code calls this with literals; see <see cref="ToCSharp"/>).</summary>
    public TrainingSignature(string modelName, string dtype, TensorInfo[] inputs, TensorInfo[] outputs, TensorInfo[] targets,
        MaskInfo[] masks, ParameterInfo[] parameters, StateInfo[] state, string optimizer, string setup,
        string learningRateInput = "lr", string lossOutput = "loss", double learningRate = 0, string lossReduction = "mean",
        string[]? gradientParameters = null, string? shardingCaveat = null)
    {
        ShardingCaveat = shardingCaveat;
        ModelName = modelName ?? throw new ArgumentNullException(nameof(modelName));
        DType = dtype ?? throw new ArgumentNullException(nameof(dtype));
        Inputs = inputs ?? throw new ArgumentNullException(nameof(inputs));
        Outputs = outputs ?? throw new ArgumentNullException(nameof(outputs));
        Targets = targets ?? throw new ArgumentNullException(nameof(targets));
        Masks = masks ?? throw new ArgumentNullException(nameof(masks));
        Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        State = state ?? throw new ArgumentNullException(nameof(state));
        Optimizer = optimizer ?? ""; Setup = setup ?? "";
        LearningRateInput = learningRateInput; LossOutput = lossOutput;
        if (!(learningRate >= 0) || double.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, $"Training signature of \"{modelName}\": the default learning rate must be finite and >= 0.");
        LearningRate = learningRate;
        LossReduction = lossReduction == "mean" || lossReduction == "sum" ? lossReduction
            : throw new ArgumentException($"Training signature of \"{modelName}\": the loss reduction must be \"mean\" or \"sum\", not \"{lossReduction}\".", nameof(lossReduction));
        if (gradientParameters is not null)
        {
            var layout = new List<GradientSlice>();
            long offset = 0;
            foreach (var name in gradientParameters)
            {
                var p = Parameters.FirstOrDefault(q => q.Name == name)
                    ?? throw new ArgumentException($"Training signature of \"{modelName}\": the flat gradient lists \"{name}\", which is not a parameter.");
                if (!p.Trainable) throw new ArgumentException($"Training signature of \"{modelName}\": the flat gradient lists \"{name}\", which is not trainable.");
                long n = p.Shape.Aggregate(1L, (a, d) => a * d);
                layout.Add(new GradientSlice(name, offset, n));
                offset += n;
            }
            if (offset > int.MaxValue) throw new ArgumentException($"Training signature of \"{modelName}\": the flat gradient would hold {offset} values, more than one array can.");
            GradientLayout = layout;
        }
        var names = InputOrder.Concat(Parameters.Select(p => p.Name)).Concat(State.Select(s => s.Name)).ToList();
        var dup = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Training signature of \"{modelName}\": the name \"{dup.Key}\" is used twice.");
    }

    /// <summary>The model (and generated class) name.</summary>
    public string ModelName { get; }
    /// <summary><c>f32</c> or <c>f64</c>.</summary>
    public string DType { get; }
    /// <summary>The network's inputs (<c>x[B,40]</c>).</summary>
    public IReadOnlyList<TensorInfo> Inputs { get; }
    /// <summary>The network's outputs (<c>y[B,10]</c>).</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; }
    /// <summary>The loss targets (<c>t[B,10]</c>).</summary>
    public IReadOnlyList<TensorInfo> Targets { get; }
    /// <summary>The dropout masks <c>TrainStep</c> reads (empty without dropout).</summary>
    public IReadOnlyList<MaskInfo> Masks { get; }
    /// <summary>The model's parameters and buffers in state-dict order.</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }
    /// <summary>The optimizer state tensors.</summary>
    public IReadOnlyList<StateInfo> State { get; }
    /// <summary>The optimizer's canonical description (<see cref="Nabla.Optimizer.Describe"/>).</summary>
    public string Optimizer { get; }
    /// <summary>The training setup's description (loss, reduction, regularizers, type, dropout).</summary>
    public string Setup { get; }
    /// <summary>The scalar learning-rate input of <c>TrainStep</c> (<c>lr</c>).</summary>
    public string LearningRateInput { get; }
    /// <summary>The optimizer's own learning rate (<see cref="Nabla.Optimizer.LearningRate"/>): what training uses when no schedule is given (0: unknown).</summary>
    public double LearningRate { get; }
    /// <summary><c>mean</c> (the loss is the mean over the batch, the default) or <c>sum</c> (<see cref="Nabla.Reduction"/>).</summary>
    public string LossReduction { get; }
    /// <summary>The scalar loss output of <c>Evaluate</c> and <c>TrainStep</c> (<c>loss</c>).</summary>
    public string LossOutput { get; }

    /// <summary>
    /// Where each trainable parameter's gradient lies in the flat gradient of the split step, in order (null when the
    /// model was compiled without <see cref="Nabla.TrainingSetup.SplitStep"/>).
    /// </summary>
    public IReadOnlyList<GradientSlice>? GradientLayout { get; }
    /// <summary>
    /// Why this model's batch loss is not the row-weighted sum of its shards' losses (data-parallel training refuses
    /// it: a loss that divides by a batch statistic, or a summed loss with a regularizer every shard would carry), or
    /// null when it is.
    /// </summary>
    public string? ShardingCaveat { get; }
    /// <summary>True when the model has the split training step (<c>ComputeGradients</c> and <c>ApplyUpdate</c>).</summary>
    public bool SplitStep => GradientLayout is not null;
    /// <summary>The number of values of the flat gradient (0 without the split step).</summary>
    public int GradientLength => GradientLayout is { Count: > 0 } l ? (int)(l[l.Count - 1].Offset + l[l.Count - 1].Length) : 0;

    /// <summary>The methods this signature describes: Forward, Evaluate, TrainStep, then ComputeGradients and ApplyUpdate with the split step.</summary>
    public IReadOnlyList<string> Methods => SplitStep
        ? new[] { ForwardMethod, EvaluateMethod, TrainStepMethod, ComputeGradientsMethod, ApplyUpdateMethod }
        : new[] { ForwardMethod, EvaluateMethod, TrainStepMethod };

    /// <summary>Every input name in the order typed methods take them: inputs, targets, masks, learning rate (then the flat gradient with the split step).</summary>
    public IReadOnlyList<string> InputOrder =>
        Inputs.Select(i => i.Name).Concat(Targets.Select(t => t.Name)).Concat(Masks.Select(m => m.Name)).Concat(new[] { LearningRateInput })
            .Concat(SplitStep ? new[] { GradientsName } : Array.Empty<string>()).ToArray();

    /// <summary>The input names of a method, in <see cref="InputOrder"/>.</summary>
    public IReadOnlyList<string> MethodInputs(string method) => method switch
    {
        ForwardMethod => Inputs.Select(i => i.Name).ToArray(),
        EvaluateMethod => Inputs.Select(i => i.Name).Concat(Targets.Select(t => t.Name)).ToArray(),
        TrainStepMethod => Inputs.Select(i => i.Name).Concat(Targets.Select(t => t.Name)).Concat(Masks.Select(m => m.Name)).Concat(new[] { LearningRateInput }).ToArray(),
        ComputeGradientsMethod when SplitStep => Inputs.Select(i => i.Name).Concat(Targets.Select(t => t.Name)).Concat(Masks.Select(m => m.Name)).ToArray(),
        ApplyUpdateMethod when SplitStep => new[] { LearningRateInput, GradientsName },
        _ => throw UnknownMethod(method),
    };

    /// <summary>The output names of a method.</summary>
    public IReadOnlyList<string> MethodOutputs(string method) => method switch
    {
        ForwardMethod => Outputs.Select(o => o.Name).ToArray(),
        EvaluateMethod or TrainStepMethod => new[] { LossOutput }.Concat(Outputs.Select(o => o.Name)).ToArray(),
        ComputeGradientsMethod when SplitStep => new[] { LossOutput }.Concat(Outputs.Select(o => o.Name)).Concat(new[] { GradientsName }).ToArray(),
        ApplyUpdateMethod when SplitStep => Array.Empty<string>(),
        _ => throw UnknownMethod(method),
    };

    private ArgumentException UnknownMethod(string method) =>
        new($"Unknown method \"{method}\" ({string.Join(", ", Methods)}{(SplitStep ? "" : "; ComputeGradients and ApplyUpdate need TrainingSetup.SplitStep")}).");

    /// <summary>A C# expression that constructs this signature (for generated code); deterministic.</summary>
    public string ToCSharp()
    {
        var sb = new StringBuilder();
        sb.Append("new global::Nabla.Lowering.TrainingSignature(").Append(Str(ModelName)).Append(", ").Append(Str(DType)).Append(",\n");
        sb.Append("    new global::Nabla.Lowering.TensorInfo[] { ").Append(string.Join(", ", Inputs.Select(T))).Append(" },\n");
        sb.Append("    new global::Nabla.Lowering.TensorInfo[] { ").Append(string.Join(", ", Outputs.Select(T))).Append(" },\n");
        sb.Append("    new global::Nabla.Lowering.TensorInfo[] { ").Append(string.Join(", ", Targets.Select(T))).Append(" },\n");
        sb.Append("    new global::Nabla.Lowering.MaskInfo[] { ").Append(string.Join(", ", Masks.Select(m =>
            $"new global::Nabla.Lowering.MaskInfo({Str(m.Name)}, {Ints(m.Shape)}, {Dbl(m.P)})"))).Append(" },\n");
        sb.Append("    new global::Nabla.Lowering.ParameterInfo[] { ").Append(string.Join(", ", Parameters.Select(p =>
            $"new global::Nabla.Lowering.ParameterInfo({Str(p.Name)}, {Ints(p.Shape)}, {(p.Trainable ? "true" : "false")}{(p.Buffer ? ", true" : "")})"))).Append(" },\n");
        sb.Append("    new global::Nabla.Lowering.StateInfo[] { ").Append(string.Join(", ", State.Select(s =>
            $"new global::Nabla.Lowering.StateInfo({Str(s.Name)}, {Ints(s.Shape)}, {Str(s.Slot)}, {(s.Parameter is null ? "null" : Str(s.Parameter))}, {Dbl(s.Initial)})"))).Append(" },\n");
        sb.Append("    ").Append(Str(Optimizer)).Append(", ").Append(Str(Setup)).Append(", ").Append(Str(LearningRateInput)).Append(", ").Append(Str(LossOutput)).Append(", ").Append(Dbl(LearningRate)).Append(", ").Append(Str(LossReduction));
        if (GradientLayout is { } layout) sb.Append(", new string[] { ").Append(string.Join(", ", layout.Select(l => Str(l.Parameter)))).Append(" }");
        else if (ShardingCaveat is not null) sb.Append(", null");
        if (ShardingCaveat is not null) sb.Append(", ").Append(Str(ShardingCaveat));
        sb.Append(')');
        return sb.ToString();

        static string T(TensorInfo t) => $"new global::Nabla.Lowering.TensorInfo({Str(t.Name)}, {Ints(t.Shape)})"
            + (t.IsInteger ? $" {{ IsInteger = true{(t.IndexLimit is { } l ? ", IndexLimit = " + l.ToString(CultureInfo.InvariantCulture) : "")} }}"
                : t.IndexLimit is { } fl ? $" {{ IndexLimit = {fl.ToString(CultureInfo.InvariantCulture)} }}" : "");
    }

    /// <summary>A listing: one line per method with its inputs and outputs, then parameters and state.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        string Fmt(IEnumerable<string> names) => string.Join(", ", names);
        foreach (var m in Methods)
            sb.Append(m).Append('(').Append(Fmt(MethodInputs(m))).Append(") -> ").Append(Fmt(MethodOutputs(m))).Append('\n');
        sb.Append("parameters: ").Append(Fmt(Parameters.Select(p => p.ToString()))).Append('\n');
        sb.Append("state: ").Append(State.Count == 0 ? "none" : Fmt(State.Select(s => s.ToString()))).Append('\n');
        sb.Append("optimizer: ").Append(Optimizer).Append('\n');
        return sb.ToString();
    }

    /// <summary>A tensor as <c>name[B,40]</c> (−1 printed as B), as errors and listings show it.</summary>
    public static string Format(string name, IReadOnlyList<int> shape) =>
        $"{name}[{string.Join(",", shape.Select(d => d == -1 ? "B" : d.ToString(CultureInfo.InvariantCulture)))}]";

    private static string Ints(IReadOnlyList<int> xs) =>
        xs.Count == 0 ? "new int[0]" : "new int[] { " + string.Join(", ", xs.Select(x => x.ToString(CultureInfo.InvariantCulture))) + " }";

    private static string Dbl(double v) => v.ToString("R", CultureInfo.InvariantCulture) + "d";

    private static string Str(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            if (c == '"' || c == '\\') sb.Append('\\').Append(c);
            else if (c < ' ' || c > '~') sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
