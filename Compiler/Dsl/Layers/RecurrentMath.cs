using System;
using System.Collections.Generic;
using Nabla.Ir;

namespace Nabla;

/// <summary>Which recurrence a cell or layer computes; fixes the number of gates (1, 3 or 4).</summary>
internal enum RecurrentKind { Rnn, Gru, Lstm }

/// <summary>
/// The weights of one cell (one layer and direction) split per gate, in PyTorch's gate order: the rows of
/// <c>weight_ih</c> [gates·H, F] and <c>weight_hh</c> [gates·H, H] are cut once per trace into [H, F] and [H, H]
/// blocks (and the biases into [H] blocks), so each time step is a few small matrix products and every gradient of a
/// block reaches its parameter through one slice.
/// </summary>
internal sealed class CellWeights
{
    private CellWeights(Node[] wi, Node[] wh, Node?[] bi, Node?[] bh) { Wi = wi; Wh = wh; Bi = bi; Bh = bh; }

    public Node[] Wi { get; }
    public Node[] Wh { get; }
    public Node?[] Bi { get; }
    public Node?[] Bh { get; }

    public static CellWeights Split(int gates, int hidden, Node weightIh, Node weightHh, Node? biasIh, Node? biasHh)
    {
        Node[] Rows(Node w)
        {
            var r = new Node[gates];
            for (int g = 0; g < gates; g++) r[g] = gates == 1 ? w : F.Slice(w, 0, g * hidden, (g + 1) * hidden);
            return r;
        }
        Node?[] Maybe(Node? b) => b is null ? new Node?[gates] : Rows(b);
        return new CellWeights(Rows(weightIh), Rows(weightHh), Maybe(biasIh), Maybe(biasHh));
    }
}

/// <summary>
/// One time step of the three recurrences, written exactly as PyTorch documents them (<c>nn.RNNCell</c>,
/// <c>nn.GRUCell</c>, <c>nn.LSTMCell</c>). A null state is the zero initial state: its products are left out
/// (the hidden bias still counts), so the first step costs no hidden matrix product.
/// </summary>
internal static class RecurrentMath
{
    /// <summary>Gates per kind: RNN 1, GRU 3 (r, z, n), LSTM 4 (i, f, g, o).</summary>
    public static int Gates(RecurrentKind kind) => kind switch { RecurrentKind.Gru => 3, RecurrentKind.Lstm => 4, _ => 1 };

    /// <summary>The PyTorch class name of the kind (RNN, GRU, LSTM).</summary>
    public static string Name(RecurrentKind kind) => kind switch { RecurrentKind.Gru => "GRU", RecurrentKind.Lstm => "LSTM", _ => "RNN" };

    /// <summary>
    /// One step: the new hidden state (and, for an LSTM, the new cell state) from the input <paramref name="x"/> [B, F]
    /// and the state <paramref name="h"/>, <paramref name="c"/> [B, H] (null: zero).
    /// </summary>
    public static (Node H, Node? C) Step(RecurrentKind kind, bool relu, CellWeights w, Node x, Node? h, Node? c)
    {
        Node In(int g) => Affine(x, w.Wi[g], w.Bi[g]);
        Node? Hid(int g) => h is null ? w.Bh[g] : Affine(h, w.Wh[g], w.Bh[g]);
        switch (kind)
        {
            case RecurrentKind.Rnn:
            {
                // h' = tanh(W_ih x + b_ih + W_hh h + b_hh)  (or relu)
                var a = Plus(In(0), Hid(0));
                return (relu ? F.Relu(a) : F.Tanh(a), null);
            }
            case RecurrentKind.Gru:
            {
                // r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
                // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h
                var r = F.Sigmoid(Plus(In(0), Hid(0)));
                var z = F.Sigmoid(Plus(In(1), Hid(1)));
                var hn = Hid(2);
                var n = F.Tanh(hn is null ? In(2) : In(2) + r * hn);
                var keep = (1.0 - z) * n;
                return (h is null ? keep : keep + z * h, null);
            }
            default:
            {
                // i = σ(…), f = σ(…), g = tanh(…), o = σ(…); c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c')
                var i = F.Sigmoid(Plus(In(0), Hid(0)));
                var f = F.Sigmoid(Plus(In(1), Hid(1)));
                var g = F.Tanh(Plus(In(2), Hid(2)));
                var o = F.Sigmoid(Plus(In(3), Hid(3)));
                var ig = i * g;
                var cNew = c is null ? ig : f * c + ig;
                return (o * F.Tanh(cNew), cNew);
            }
        }
    }

    private static Node Affine(Node x, Node weight, Node? bias)
    {
        var y = F.MatMul(x, F.T(weight));
        return bias is null ? y : y + bias;
    }

    private static Node Plus(Node a, Node? b) => b is null ? a : a + b;

    /// <summary>The input of time step <paramref name="t"/> of a batch-first sequence [B, T, F], as [B, F].</summary>
    public static Node TimeStep(Node sequence, int t)
    {
        var s = sequence.Shape;
        return F.Reshape(F.Slice(sequence, 1, t, t + 1), Shape.Of(s[0], s[2]));
    }

    /// <summary>Per-step states [B, H] stacked along time: [B, T, H].</summary>
    public static Node StackTime(IReadOnlyList<Node> steps)
    {
        var parts = new Node[steps.Count];
        for (int t = 0; t < parts.Length; t++) parts[t] = steps[t];
        return F.Stack(1, parts);
    }
}
