using System;
using System.Collections.Generic;
using System.Globalization;
using Nabla.Ir;

namespace Nabla;

/// <summary>The nonlinearity of an Elman <see cref="RNN"/> or <see cref="RNNCell"/> (PyTorch's <c>nonlinearity='tanh'|'relu'</c>).</summary>
public enum RnnNonlinearity
{
    /// <summary>h' = tanh(…), PyTorch's default.</summary>
    Tanh,
    /// <summary>h' = relu(…).</summary>
    Relu,
}

/// <summary>What a recurrent layer (<see cref="RNN"/>, <see cref="GRU"/>, <see cref="LSTM"/>) returns.</summary>
public enum RecurrentOutput
{
    /// <summary>
    /// The top layer's hidden state at every step, [B, T, dirs·H] (PyTorch's <c>output</c>); for a bidirectional layer
    /// step t holds the forward state after reading x₀…x_t, then the reverse state after reading x_{T−1}…x_t.
    /// </summary>
    AllSteps,
    /// <summary>
    /// The top layer's final hidden state of each direction, [B, dirs·H] (PyTorch's <c>h_n[-dirs:]</c>, directions
    /// concatenated): the forward state after step T−1 and, when bidirectional, the reverse state after its last
    /// step, which is time step 0. This is not <c>output[:, -1]</c>, whose reverse half has read only x_{T−1}.
    /// An LSTM returns h, not the cell state c.
    /// </summary>
    Last,
}

/// <summary>
/// The common part of <see cref="RNNCell"/>, <see cref="GRUCell"/> and <see cref="LSTMCell"/>: one time step over a batch,
/// with PyTorch's parameters <c>weight_ih</c> [gates·H, F], <c>weight_hh</c> [gates·H, H], <c>bias_ih</c> and
/// <c>bias_hh</c> [gates·H], all drawn from U(−1/√H, 1/√H) as PyTorch does (whatever the model's
/// <see cref="InitScheme"/>). Call it inside a module's Forward as <c>cell.Call(x, h)</c> (an LSTM cell:
/// <c>cell.Call(x, h, c)</c>, returning h' and c'), with x [B, F] and the state [B, H].
/// </summary>
public abstract class RecurrentCell : Module
{
    private readonly RecurrentKind _kind;
    private readonly bool _relu;

    private protected RecurrentCell(RecurrentKind kind, int inputSize, int hiddenSize, bool bias, bool relu)
        : base(RecurrentMath.Name(kind) + "Cell")
    {
        _kind = kind; _relu = relu; InputSize = inputSize; HiddenSize = hiddenSize; HasBias = bias;
        if (inputSize <= 0) throw LayerError($"the input size must be positive, got {inputSize}");
        if (hiddenSize <= 0) throw LayerError($"the hidden size must be positive, got {hiddenSize}");
    }

    /// <summary>Features per input step (F).</summary>
    public int InputSize { get; }
    /// <summary>Size of the hidden state (H).</summary>
    public int HiddenSize { get; }
    /// <summary>True when the cell has the biases <c>bias_ih</c> and <c>bias_hh</c>.</summary>
    public bool HasBias { get; }
    /// <summary>Gates: 1 (RNN), 3 (GRU: r, z, n), 4 (LSTM: i, f, g, o).</summary>
    public int Gates => RecurrentMath.Gates(_kind);

    /// <inheritdoc/>
    public override string Description =>
        $"{Kind} {InputSize}→{HiddenSize}{(_relu ? " relu" : "")}{(HasBias ? "" : " (no bias)")}";

    /// <inheritdoc/>
    public override int InputCount => _kind == RecurrentKind.Lstm ? 3 : 2;
    /// <inheritdoc/>
    public override int OutputCount => _kind == RecurrentKind.Lstm ? 2 : 1;

    /// <inheritdoc/>
    protected override IReadOnlyList<Node> ForwardMany(IReadOnlyList<Node> inputs)
    {
        var x = inputs[0];
        var xs = x.Shape;
        if (xs.Rank != 2 || xs[1] != InputSize)
            throw LayerError($"expects the input step x of shape [B, {InputSize}] (batch, features), got {xs}");
        var want = Shape.Of(xs[0], HiddenSize);
        string[] names = { "h", "c" };
        for (int k = 1; k < inputs.Count; k++)
            if (!inputs[k].Shape.Equals(want))
                throw LayerError($"expects the state {names[k - 1]} of shape {want} (the input's batch, hidden size {HiddenSize}), got {inputs[k].Shape} (input {xs})");
        var w = RecurrentLayer.DeclareCell(_kind, HiddenSize, HasBias, "", InputSize, Param);
        var (h, c) = RecurrentMath.Step(_kind, _relu, w, x, inputs[1], _kind == RecurrentKind.Lstm ? inputs[2] : null);
        return c is null ? new[] { h } : new[] { h, c };
    }

    /// <summary>The initializer PyTorch uses for every recurrent parameter: U(−1/√H, 1/√H).</summary>
    internal static Initializer InitFor(int hiddenSize) => Initializer.UniformWithBound(1.0 / Math.Sqrt(hiddenSize));
}

/// <summary>
/// An Elman RNN cell (PyTorch's <c>nn.RNNCell</c>): <c>h' = tanh(W_ih x + b_ih + W_hh h + b_hh)</c> (or relu), with
/// <c>weight_ih</c> [H, F], <c>weight_hh</c> [H, H], <c>bias_ih</c>, <c>bias_hh</c> [H]. Call as <c>cell.Call(x, h)</c>.
/// </summary>
public sealed class RNNCell : RecurrentCell
{
    /// <summary>Creates the cell.</summary>
    public RNNCell(int inputSize, int hiddenSize, bool bias = true, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh)
        : base(RecurrentKind.Rnn, inputSize, hiddenSize, bias, nonlinearity == RnnNonlinearity.Relu) { Nonlinearity = nonlinearity; }

    /// <summary>tanh or relu.</summary>
    public RnnNonlinearity Nonlinearity { get; }
}

/// <summary>
/// A GRU cell (PyTorch's <c>nn.GRUCell</c>), gates in PyTorch's order r, z, n:
/// <c>r = σ(W_ir x + b_ir + W_hr h + b_hr)</c>, <c>z = σ(W_iz x + b_iz + W_hz h + b_hz)</c>,
/// <c>n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))</c>, <c>h' = (1 − z) ⊙ n + z ⊙ h</c>; <c>weight_ih</c> [3H, F] holds
/// W_ir, W_iz, W_in stacked by rows (likewise <c>weight_hh</c> [3H, H] and the biases [3H]). Call as <c>cell.Call(x, h)</c>.
/// </summary>
public sealed class GRUCell : RecurrentCell
{
    /// <summary>Creates the cell.</summary>
    public GRUCell(int inputSize, int hiddenSize, bool bias = true) : base(RecurrentKind.Gru, inputSize, hiddenSize, bias, false) { }
}

/// <summary>
/// An LSTM cell (PyTorch's <c>nn.LSTMCell</c>), gates in PyTorch's order i, f, g, o:
/// <c>i = σ(W_ii x + b_ii + W_hi h + b_hi)</c>, <c>f = σ(…)</c>, <c>g = tanh(…)</c>, <c>o = σ(…)</c>,
/// <c>c' = f ⊙ c + i ⊙ g</c>, <c>h' = o ⊙ tanh(c')</c>; <c>weight_ih</c> [4H, F], <c>weight_hh</c> [4H, H], biases [4H].
/// Call as <c>cell.Call(x, h, c)</c>; it returns h' and c'.
/// </summary>
public sealed class LSTMCell : RecurrentCell
{
    /// <summary>Creates the cell.</summary>
    public LSTMCell(int inputSize, int hiddenSize, bool bias = true) : base(RecurrentKind.Lstm, inputSize, hiddenSize, bias, false) { }
}

/// <summary>
/// The common part of <see cref="RNN"/>, <see cref="GRU"/> and <see cref="LSTM"/>: a stack of recurrent layers over a
/// batch-first sequence [B, T, F], unrolled over its fixed length T, starting from the zero state, returning every step
/// [B, T, dirs·H] or the last (see <see cref="RecurrentOutput"/>). The parameters are PyTorch's, with its names and
/// shapes: <c>weight_ih_l{k}</c> [gates·H, F for k = 0 else dirs·H], <c>weight_hh_l{k}</c> [gates·H, H],
/// <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c> [gates·H], with the suffix <c>_reverse</c> for the backward direction,
/// all drawn from U(−1/√H, 1/√H) as PyTorch does (whatever the model's <see cref="InitScheme"/>). So a checkpoint moves
/// between this layer and <c>torch.nn.GRU(F, H, num_layers, batch_first=True, bidirectional=…)</c> (likewise RNN, LSTM).
/// Layer k &gt; 0 reads the previous layer's states, both directions concatenated (PyTorch's inter-layer dropout is not offered).
/// </summary>
public abstract class RecurrentLayer : Module
{
    private readonly RecurrentKind _kind;
    private readonly bool _relu;

    private protected RecurrentLayer(RecurrentKind kind, int inputSize, int hiddenSize, int numLayers, bool bidirectional, bool bias, RecurrentOutput output, bool relu)
        : base(RecurrentMath.Name(kind))
    {
        _kind = kind; _relu = relu;
        InputSize = inputSize; HiddenSize = hiddenSize; NumLayers = numLayers; Bidirectional = bidirectional; HasBias = bias; Output = output;
        if (inputSize <= 0) throw LayerError($"the input size must be positive, got {inputSize}");
        if (hiddenSize <= 0) throw LayerError($"the hidden size must be positive, got {hiddenSize}");
        if (numLayers <= 0) throw LayerError($"the number of layers must be positive, got {numLayers}");
        if (output != RecurrentOutput.AllSteps && output != RecurrentOutput.Last) throw LayerError($"unknown output mode {output}");
    }

    /// <summary>Features per time step (F).</summary>
    public int InputSize { get; }
    /// <summary>Size of each direction's hidden state (H).</summary>
    public int HiddenSize { get; }
    /// <summary>Stacked layers.</summary>
    public int NumLayers { get; }
    /// <summary>True when every layer also runs backwards in time (output width 2·H).</summary>
    public bool Bidirectional { get; }
    /// <summary>True when the layers have biases.</summary>
    public bool HasBias { get; }
    /// <summary>Every step or the last.</summary>
    public RecurrentOutput Output { get; }
    /// <summary>Directions: 1, or 2 when bidirectional.</summary>
    public int Directions => Bidirectional ? 2 : 1;
    /// <summary>Gates: 1 (RNN), 3 (GRU: r, z, n), 4 (LSTM: i, f, g, o).</summary>
    public int Gates => RecurrentMath.Gates(_kind);

    /// <inheritdoc/>
    public override string Description =>
        $"{Kind} {InputSize}→{HiddenSize}" +
        (NumLayers > 1 ? " ×" + NumLayers.ToString(CultureInfo.InvariantCulture) + " layers" : "") +
        (_relu ? " relu" : "") + (Bidirectional ? " bidirectional" : "") + (HasBias ? "" : " (no bias)") +
        (Output == RecurrentOutput.Last ? " last" : "");

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        var s = x.Shape;
        if (s.Rank != 3)
            throw LayerError($"expects a batch-first sequence [B, T, {InputSize}] (batch, time steps, {InputSize} feature{(InputSize == 1 ? "" : "s")} per step), got {s}" +
                             (s.Rank == 2 && InputSize == 1 && s[1] > 0 ? $"; a sequence of {s[1]} scalars becomes [B, {s[1]}, 1] with Reshape({s[1]}, 1) before the layer" : ""));
        if (s[1] == Shape.Batch || s[2] == Shape.Batch)
            throw LayerError($"only the first axis of the sequence [B, T, {InputSize}] may be the batch axis, got {s}");
        if (s[2] != InputSize)
            throw LayerError($"expects {InputSize} feature{(InputSize == 1 ? "" : "s")} per step ([B, T, {InputSize}]), got {s}");
        int steps = s[1];
        if (steps == 0) throw LayerError($"the sequence {s} has no time steps");

        int dirs = Directions;
        var weights = new CellWeights[NumLayers, dirs];
        for (int l = 0; l < NumLayers; l++)
            for (int d = 0; d < dirs; d++)
                weights[l, d] = DeclareCell(_kind, HiddenSize, HasBias, "_l" + l.ToString(CultureInfo.InvariantCulture) + (d == 1 ? "_reverse" : ""),
                    l == 0 ? InputSize : dirs * HiddenSize, Param);

        var inputs = new Node[steps];
        for (int t = 0; t < steps; t++) inputs[t] = RecurrentMath.TimeStep(x, t);
        var states = new Node[dirs][];
        for (int l = 0; l < NumLayers; l++)
        {
            for (int d = 0; d < dirs; d++)
            {
                states[d] = new Node[steps];
                Node? h = null, c = null;
                for (int k = 0; k < steps; k++)
                {
                    int t = d == 0 ? k : steps - 1 - k;
                    (h, c) = RecurrentMath.Step(_kind, _relu, weights[l, d], inputs[t], h, c);
                    states[d][t] = h;
                }
            }
            if (l + 1 < NumLayers)
                for (int t = 0; t < steps; t++) inputs[t] = dirs == 1 ? states[0][t] : F.Concat(1, states[0][t], states[1][t]);
        }

        if (Output == RecurrentOutput.Last)
            return dirs == 1 ? states[0][steps - 1] : F.Concat(1, states[0][steps - 1], states[1][0]);
        var forward = RecurrentMath.StackTime(states[0]);
        return dirs == 1 ? forward : F.Concat(2, forward, RecurrentMath.StackTime(states[1]));
    }

    internal delegate Node ParamFactory(string name, Shape shape, ParamRole role, Initializer? init, Fans? fans);

    /// <summary>Declares one cell's four parameters (PyTorch's order: weight_ih, weight_hh, bias_ih, bias_hh) and splits them per gate.</summary>
    internal static CellWeights DeclareCell(RecurrentKind kind, int hidden, bool bias, string suffix, int inputWidth, ParamFactory param)
    {
        long gateRows = (long)RecurrentMath.Gates(kind) * hidden;
        // Too many rows for a dimension: the same error as any parameter too large for one tensor (naming the layer).
        int rows = gateRows <= int.MaxValue ? (int)gateRows : int.MaxValue;
        if (gateRows > int.MaxValue)
            throw new ShapeException($"weight_hh{suffix} of shape [{gateRows},{hidden}] has more than {Shape.MaxElements.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} elements, the most a tensor holds");
        var init = RecurrentCell.InitFor(hidden);
        var wih = param("weight_ih" + suffix, Shape.Of(rows, inputWidth), ParamRole.Weight, init, null);
        var whh = param("weight_hh" + suffix, Shape.Of(rows, hidden), ParamRole.Weight, init, null);
        Node? bih = bias ? param("bias_ih" + suffix, Shape.Of(rows), ParamRole.Bias, init, null) : null;
        Node? bhh = bias ? param("bias_hh" + suffix, Shape.Of(rows), ParamRole.Bias, init, null) : null;
        return CellWeights.Split(RecurrentMath.Gates(kind), hidden, wih, whh, bih, bhh);
    }
}

/// <summary>
/// A multi-layer Elman RNN (PyTorch's <c>nn.RNN(F, H, num_layers, nonlinearity, batch_first=True, bidirectional)</c>):
/// each step <c>h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)</c> (or relu). See <see cref="RecurrentLayer"/>.
/// </summary>
public sealed class RNN : RecurrentLayer
{
    /// <summary>Creates the layer; <paramref name="output"/> chooses every step [B, T, dirs·H] or the last [B, dirs·H].</summary>
    public RNN(int inputSize, int hiddenSize, int numLayers = 1, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh, bool bidirectional = false,
        bool bias = true, RecurrentOutput output = RecurrentOutput.AllSteps)
        : base(RecurrentKind.Rnn, inputSize, hiddenSize, numLayers, bidirectional, bias, output, nonlinearity == RnnNonlinearity.Relu)
    {
        Nonlinearity = nonlinearity;
    }

    /// <summary>tanh or relu.</summary>
    public RnnNonlinearity Nonlinearity { get; }
}

/// <summary>
/// A multi-layer GRU (PyTorch's <c>nn.GRU(F, H, num_layers, batch_first=True, bidirectional)</c>), each step computed as
/// <see cref="GRUCell"/> does (gates r, z, n). See <see cref="RecurrentLayer"/> for the parameters and outputs.
/// </summary>
public sealed class GRU : RecurrentLayer
{
    /// <summary>Creates the layer; <paramref name="output"/> chooses every step [B, T, dirs·H] or the last [B, dirs·H].</summary>
    public GRU(int inputSize, int hiddenSize, int numLayers = 1, bool bidirectional = false, bool bias = true, RecurrentOutput output = RecurrentOutput.AllSteps)
        : base(RecurrentKind.Gru, inputSize, hiddenSize, numLayers, bidirectional, bias, output, false) { }
}

/// <summary>
/// A multi-layer LSTM (PyTorch's <c>nn.LSTM(F, H, num_layers, batch_first=True, bidirectional)</c>), each step computed as
/// <see cref="LSTMCell"/> does (gates i, f, g, o; cell state starts at zero too). See <see cref="RecurrentLayer"/>.
/// </summary>
public sealed class LSTM : RecurrentLayer
{
    /// <summary>Creates the layer; <paramref name="output"/> chooses every step [B, T, dirs·H] or the last hidden state [B, dirs·H].</summary>
    public LSTM(int inputSize, int hiddenSize, int numLayers = 1, bool bidirectional = false, bool bias = true, RecurrentOutput output = RecurrentOutput.AllSteps)
        : base(RecurrentKind.Lstm, inputSize, hiddenSize, numLayers, bidirectional, bias, output, false) { }
}
