using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// How a <see cref="Model"/> is trained: the loss and its batch reduction, the optimizer, regularizers, element type
/// and whether dropout is active in the training step. <see cref="Nabla.Lowering.Lowerer.Lower"/> turns a model and a setup into the
/// compiled methods <c>Forward</c>, <c>Evaluate</c> and <c>TrainStep</c>.
/// </summary>
public sealed class TrainingSetup
{
    /// <summary>A setup with one loss on the model's (only) output against the target <c>t</c>.</summary>
    public TrainingSetup(Loss loss, Optimizer optimizer)
    {
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
    }

    /// <summary>A setup with several loss terms (multi-head objectives); see <see cref="LossTerm"/>.</summary>
    public TrainingSetup(IReadOnlyList<LossTerm> terms, Optimizer optimizer)
    {
        if (terms is null || terms.Count == 0) throw new ArgumentException("Give at least one loss term.", nameof(terms));
        Terms = terms.ToArray();
        Loss = terms[0].Loss;
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
    }

    /// <summary>The softmax cross-entropy classifier setup (one-hot targets [B, classes], mean over the batch).</summary>
    public static TrainingSetup Classification(Optimizer optimizer) => new(Nabla.Loss.SoftmaxCrossEntropy(), optimizer);

    /// <summary>The loss (of the first term when <see cref="Terms"/> is set).</summary>
    public Loss Loss { get; }
    /// <summary>Loss terms of a multi-head objective, or null for the single <see cref="Loss"/>.</summary>
    public IReadOnlyList<LossTerm>? Terms { get; }
    /// <summary>The optimizer whose update the training step applies.</summary>
    public Optimizer Optimizer { get; }
    /// <summary>Mean (default, the lectures' 1/m) or sum over the batch.</summary>
    public Reduction Reduction { get; init; } = Reduction.Mean;
    /// <summary>Terms added to the loss (e.g. <see cref="Regularizer.L2"/>).</summary>
    public IReadOnlyList<Regularizer> Regularizers { get; init; } = Array.Empty<Regularizer>();
    /// <summary>The element type (f32 by default; a <c>Network</c> runs f32 models).</summary>
    public DType DType { get; init; } = DType.F32;
    /// <summary>
    /// True (default): dropout layers drop units in the training step (mask inputs); false: they are the identity
    /// everywhere. Either way the training step is traced in <see cref="TraceMode.Train"/> (so BatchNorm uses batch
    /// statistics); a custom module that switches its own behaviour on the mode sees Train in the training step.
    /// </summary>
    public bool Dropout { get; init; } = true;
    /// <summary>The output the single loss applies to (null: the model's only output).</summary>
    public string? Output { get; init; }
    /// <summary>The name of the single loss's target input (default <c>t</c>).</summary>
    public string Target { get; init; } = Model.DefaultTarget;
    /// <summary>The name of the learning-rate input (default <c>lr</c>).</summary>
    public string LearningRateInput { get; init; } = "lr";
    /// <summary>The model's name in the plan (the generated class name; a C# identifier).</summary>
    public string ModelName { get; init; } = "NablaModel";
    /// <summary>Whether each method goes through <c>Pipeline.Optimize</c> before scheduling (true by default).</summary>
    public bool Optimize { get; init; } = true;
    /// <summary>
    /// Also compile the training step split at the gradient (off by default): <c>ComputeGradients</c> (forward and
    /// backward of <c>TrainStep</c>, writing every trainable parameter's gradient into one flat output <c>gradients</c>)
    /// and <c>ApplyUpdate</c> (the optimizer's update from <c>gradients</c> and <c>lr</c>). Data-parallel training sums the
    /// ranks' gradients between the two; the fused <c>TrainStep</c> stays what one process runs.
    /// </summary>
    public bool SplitStep { get; init; }

    /// <summary>The loss terms to build: <see cref="Terms"/>, or the single loss on <see cref="Output"/> against <see cref="Target"/>.</summary>
    public IReadOnlyList<LossTerm> LossTerms(Model model)
    {
        if (Terms is not null) return Terms;
        if (Loss is JointLoss joint && Output is null) return new[] { model.JointOverAllOutputs(joint, Target) };
        var output = Output ?? (model.OutputNames.Count == 1 ? model.OutputNames[0]
            : throw new ArgumentException($"The model has outputs {string.Join(", ", model.OutputNames)}; set TrainingSetup.Output to the one the loss {Loss.Name} applies to."));
        return new[] { new LossTerm(output, Loss, Target) };
    }

    /// <summary>A one-line description (loss, reduction, optimizer, regularizers, type, dropout).</summary>
    public override string ToString()
    {
        var loss = Terms is null ? Loss.Name : string.Join(" + ", Terms.Select(t => $"{t.Weight}·{t.Loss.Name}({string.Join(", ", t.Outputs)})"));
        var regs = Regularizers.Count == 0 ? "" : ", regularizers: " + string.Join(", ", Regularizers.Select(r => r is L2Regularizer l ? $"L2({l.Lambda})" : r.GetType().Name));
        return $"loss {loss} ({Reduction.ToString().ToLowerInvariant()}), optimizer {Optimizer.Describe()}{regs}, {DType.ShortName()}, dropout {(Dropout ? "on" : "off")}";
    }
}
