using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Lowering;

/// <summary>A parameter as it appears in one traced graph: full name, its <c>param</c> leaf, and the parameter (values, trainable flag).</summary>
/// <param name="Name">The full dotted name (also the leaf's name).</param>
/// <param name="Node">The <see cref="Op.Param"/> leaf.</param>
/// <param name="Parameter">The parameter.</param>
public sealed record TracedParameter(string Name, Node Node, Parameter Parameter);

/// <summary>
/// A dropout mask the training loop must feed in <see cref="TraceMode.Train"/>: the IR input <see cref="InputName"/> of
/// <see cref="Shape"/> (the shape of the dropped activation, batch included) holding 1 to keep a unit and 0 to drop it,
/// each 1 with probability 1 − <see cref="P"/>. The graph multiplies by the mask and by 1/(1−p) (inverted dropout), so
/// evaluation needs no rescaling. Draw a fresh mask every step (e.g. with <see cref="Sample"/> from a seeded <see cref="Rng"/>).
/// </summary>
/// <param name="InputName">The input's name: <c>PATH.mask</c> (e.g. <c>3.mask</c>).</param>
/// <param name="Shape">The mask's shape (with the symbolic batch).</param>
/// <param name="P">The drop probability.</param>
/// <param name="Layer">The dropout layer's path.</param>
public sealed record DropoutMask(string InputName, Shape Shape, double P, string Layer)
{
    /// <summary>A fresh mask for a batch of <paramref name="batch"/> examples: 1 with probability 1−p, else 0.</summary>
    public float[] Sample(Rng rng, int batch)
    {
        var m = new float[Shape.Size(batch)];
        Fill(m, rng);
        return m;
    }

    /// <summary>Fills <paramref name="mask"/> in place: 1 with probability 1−p, else 0.</summary>
    public void Fill(float[] mask, Rng rng)
    {
        for (int i = 0; i < mask.Length; i++) mask[i] = rng.NextDouble() >= P ? 1f : 0f;
    }
}

/// <summary>
/// A network traced to IR: the graph, the forward <see cref="Function"/> (inputs → named outputs, parameters as
/// <see cref="Op.Param"/> leaves named like the <see cref="ParameterStore"/>), and what a compiler needs to know
/// about its leaves: which parameters are trainable or frozen, which dropout masks it reads.
/// </summary>
public class TracedNetwork
{
    internal TracedNetwork(Graph graph, Function forward, IReadOnlyList<Node> inputs, IReadOnlyList<TracedParameter> parameters,
        IReadOnlyList<DropoutMask> masks, TraceMode mode, Summary summary, IReadOnlyList<Named>? bufferUpdates = null)
    {
        Graph = graph; Forward = forward; Inputs = inputs; Parameters = parameters; Masks = masks; Mode = mode; Summary = summary;
        BufferUpdates = bufferUpdates ?? Array.Empty<Named>();
        TrainableNodes = parameters.Where(p => p.Parameter.Trainable).Select(p => p.Node).ToArray();
        FrozenNodes = parameters.Where(p => !p.Parameter.Trainable && !p.Parameter.IsBuffer).Select(p => p.Node).ToArray(); // buffers are state, updated by their layers
    }

    /// <summary>The graph holding every node of the trace (and, for a <see cref="TrainingGraph"/>, the loss).</summary>
    public Graph Graph { get; }
    /// <summary>The forward function: the network's inputs (and masks in train mode) → its named outputs (<c>y</c> by default).</summary>
    public Function Forward { get; }
    /// <summary>The input leaves, in the model's input order.</summary>
    public IReadOnlyList<Node> Inputs { get; }
    /// <summary>The forward outputs.</summary>
    public IReadOnlyList<Named> Outputs => Forward.Outputs;
    /// <summary>Every parameter the network uses, in state-dict order.</summary>
    public IReadOnlyList<TracedParameter> Parameters { get; }
    /// <summary>The dropout masks to feed (train mode only; empty in eval mode).</summary>
    public IReadOnlyList<DropoutMask> Masks { get; }
    /// <summary>Train or eval.</summary>
    public TraceMode Mode { get; }
    /// <summary>The layer table of this trace.</summary>
    public Summary Summary { get; }

    /// <summary>
    /// The leaves of the parameters that were trainable when the network was traced: differentiate with respect to
    /// exactly these. (A snapshot: freezing a layer later needs a new trace.)
    /// </summary>
    public IReadOnlyList<Node> TrainableNodes { get; }
    /// <summary>The leaves of the parameters that were frozen when the network was traced: bind their values, never differentiate or update them.</summary>
    public IReadOnlyList<Node> FrozenNodes { get; }

    /// <summary>
    /// The new values of the buffers (module state such as BatchNorm's running statistics, see <see cref="Parameter.IsBuffer"/>)
    /// that the layers set in a training trace: leaf name → value. The training step writes them beside the optimizer's
    /// updates; empty in an evaluation trace.
    /// </summary>
    public IReadOnlyList<Named> BufferUpdates { get; }

    /// <summary>Float64 copies of the parameter values by leaf name (interpreter bindings).</summary>
    public Dictionary<string, Tensor> ParameterBindings() => Parameters.ToDictionary(p => p.Name, p => p.Parameter.ToTensor());
}

/// <summary>
/// A trace plus a training objective over the same graph: <see cref="Loss"/> has the output <c>loss</c> (a scalar:
/// the data loss reduced over the batch — the mean by default, the lectures' 1/m — plus any regularization terms)
/// followed by the forward outputs; its inputs are the network's inputs, the targets (<c>t</c>) and, in train mode,
/// the dropout masks. The compile driver calls <c>Autodiff.Grad(LossNode, TrainableNodes)</c>.
/// </summary>
public sealed class TrainingGraph : TracedNetwork
{
    internal TrainingGraph(TracedNetwork t, Function loss, Node lossNode, Node dataLoss, Node? regularization, IReadOnlyList<Node> targets)
        : base(t.Graph, t.Forward, t.Inputs, t.Parameters, t.Masks, t.Mode, t.Summary, t.BufferUpdates)
    {
        Loss = loss; LossNode = lossNode; DataLoss = dataLoss; Regularization = regularization; Targets = targets;
    }

    /// <summary>The training function: outputs <c>loss</c>, then the forward outputs.</summary>
    public Function Loss { get; }
    /// <summary>The scalar objective (data loss + regularization).</summary>
    public Node LossNode { get; }
    /// <summary>The data term alone (reduced over the batch).</summary>
    public Node DataLoss { get; }
    /// <summary>The regularization term, or null when there is none.</summary>
    public Node? Regularization { get; }
    /// <summary>The target inputs (<c>t</c>).</summary>
    public IReadOnlyList<Node> Targets { get; }
    // The trainable parameters' gradients, once the lowering has built them (shared by TrainStep and the split step).
    internal IReadOnlyList<ParameterGradient>? Gradients { get; set; }
}
