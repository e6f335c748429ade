using System;
using System.Collections.Generic;
using Nabla.Ir;

namespace Nabla.Rewrites.Engine;

/// <summary>
/// Facts about nodes that rules consult, each a function of the node's structure alone (so rewriting
/// stays confluent): whether it is a uniform constant, whether its values can be negative or non-finite,
/// and a 64-bit structural hash that orders commutative operands the same way in every graph and run.
/// Results that cost more than O(1) are cached by node id.
/// </summary>
public sealed class Facts
{
    private const int SignDepth = 6;
    private long[] _hash = new long[256];
    private bool[] _hashed = new bool[256];
    private sbyte[] _uniform = new sbyte[256]; // 0 unknown, 1 uniform, -1 not uniform
    private double[] _uniformValue = new double[256];
    private readonly Stack<Node> _stack = new();

    /// <summary>
    /// True when every element of <paramref name="n"/> equals <paramref name="value"/>: a scalar constant,
    /// an all-equal tensor constant, or a broadcast of one.
    /// </summary>
    public bool Uniform(Node n, out double value)
    {
        value = 0;
        while (n.Op == Op.Broadcast) n = n.A;
        if (n.Op != Op.Const) return false;
        var data = n.Attrs.Data;
        if (data is null) { value = n.Attrs.Value; return true; }
        Grow(n.Id);
        if (_uniform[n.Id] == 0)
        {
            bool all = true;
            double first = data[0];
            for (int i = 1; i < data.Length && all; i++)
                all = BitConverter.DoubleToInt64Bits(data[i]) == BitConverter.DoubleToInt64Bits(first);
            _uniform[n.Id] = (sbyte)(all ? 1 : -1);
            _uniformValue[n.Id] = first;
        }
        value = _uniformValue[n.Id];
        return _uniform[n.Id] == 1;
    }

    /// <summary>True for a constant or a broadcast of a constant (uniform or not).</summary>
    public static bool IsConstant(Node n)
    {
        while (n.Op == Op.Broadcast) n = n.A;
        return n.Op == Op.Const;
    }

    /// <summary>
    /// True when no element of <paramref name="n"/> can be negative (NaN is allowed): exponentials,
    /// normalizers, squares, rectifiers, comparisons, the batch size, and sums, products and quotients of such.
    /// </summary>
    public bool NotNegative(Node n) => NotNegative(n, SignDepth);

    private bool NotNegative(Node n, int depth)
    {
        if (Uniform(n, out double v)) return !(v < 0);
        if (depth == 0) return false;
        var op = n.Op;
        if ((op.Facts & OpFacts.NonNegative) != 0) return true;
        if (op == Op.Mul && ReferenceEquals(n.A, n.B)) return true;
        if (op == Op.Add || op == Op.Mul || op == Op.Div || op == Op.Min)
            return NotNegative(n.A, depth - 1) && NotNegative(n.B, depth - 1);
        if (op == Op.Max) return NotNegative(n.A, depth - 1) || NotNegative(n.B, depth - 1);
        if (op == Op.Where) return NotNegative(n.B, depth - 1) && NotNegative(n.C, depth - 1);
        if ((op.Facts & OpFacts.PassesFacts) != 0)
        {
            foreach (var i in n.Inputs) if (!NotNegative(i, depth - 1)) return false; // concat: every part
            return true;
        }
        if (op == Op.Pad) return !(n.Attr<PadAttrs>().Fill < 0) && NotNegative(n.A, depth - 1);
        return false;
    }

    /// <summary>
    /// True when every element of <paramref name="n"/> is finite whatever the inputs hold (even NaN or
    /// infinity): finite constants, comparisons, steps, the batch size, and selections between such.
    /// Arithmetic is never known finite — it can overflow.
    /// </summary>
    public bool Finite(Node n) => Finite(n, SignDepth);

    private bool Finite(Node n, int depth)
    {
        if (Uniform(n, out double v)) return !double.IsNaN(v) && !double.IsInfinity(v);
        if (depth == 0) return false;
        var op = n.Op;
        if ((op.Facts & OpFacts.Finite) != 0) return true;
        if (op == Op.Const) return AllFinite(n.Attrs.Data);
        if (op == Op.Where) return Finite(n.B, depth - 1) && Finite(n.C, depth - 1);
        if (op.Kind == OpKind.Layout) return Finite(n.A, depth - 1);
        if (op.Kind == OpKind.Movement)
        {
            if (op == Op.Pad && (double.IsNaN(n.Attr<PadAttrs>().Fill) || double.IsInfinity(n.Attr<PadAttrs>().Fill))) return false;
            foreach (var i in n.Inputs) if (!Finite(i, depth - 1)) return false;
            return true;
        }
        return false;
    }

    /// <summary>True when <paramref name="n"/> is finite and can never be zero (a nonzero finite constant, the batch size).</summary>
    public bool NonZeroFinite(Node n)
    {
        if (Uniform(n, out double v)) return v != 0 && !double.IsNaN(v) && !double.IsInfinity(v);
        return n.Op == Op.BatchSize;
    }

    /// <summary>A structural hash: equal for structurally equal nodes in any graph, stable across runs.</summary>
    public long Hash(Node n)
    {
        Grow(n.Id);
        if (_hashed[n.Id]) return _hash[n.Id];
        // Iterative post-order: graphs can be long chains.
        _stack.Push(n);
        while (_stack.Count > 0)
        {
            var top = _stack.Peek();
            bool ready = true;
            foreach (var i in top.Inputs)
            {
                Grow(i.Id);
                if (!_hashed[i.Id]) { _stack.Push(i); ready = false; }
            }
            if (!ready) continue;
            _stack.Pop();
            if (_hashed[top.Id]) continue;
            long h = Mix(unchecked(StableHash(top.Op.Name) * 31 + Mix(AttrsHash(top)) * 3 + (int)top.DType));
            foreach (var i in top.Inputs) h = Mix(unchecked(h * 0x100000001B3L + _hash[i.Id]));
            _hash[top.Id] = h;
            _hashed[top.Id] = true;
        }
        return _hash[n.Id];
    }

    /// <summary>
    /// The canonical order of commutative operands: a negative result puts <paramref name="a"/> first. Tensors
    /// come before scalars and constants come last ("constants on the right"); ties are broken by structural hash.
    /// </summary>
    public int CompareOperands(Node a, Node b)
    {
        int ca = Class(a), cb = Class(b);
        if (ca != cb) return ca.CompareTo(cb);
        int c = Hash(a).CompareTo(Hash(b));
        // A 64-bit collision between distinct nodes: fall back to creation order, so CSE still merges both orders.
        return c != 0 || ReferenceEquals(a, b) ? c : a.Id.CompareTo(b.Id);
    }

    // Attrs.GetHashCode hashes -0.0 like 0.0 (they compare equal as doubles); constants are told apart by their bits.
    private static long AttrsHash(Node n)
    {
        if (n.Op != Op.Const) return n.Attrs.GetHashCode();
        long h = BitConverter.DoubleToInt64Bits(n.Attrs.Value);
        if (n.Attrs.Data is { } data) foreach (var d in data) h = Mix(unchecked(h * 31 + BitConverter.DoubleToInt64Bits(d)));
        if (n.Attrs is ConstAttrs { TensorShape: { } shape }) foreach (var d in shape.Dims) h = Mix(unchecked(h * 31 + d));
        return h;
    }

    private static int Class(Node n) => IsConstant(n) ? 2 : n.Shape.Rank == 0 ? 1 : 0;

    private static bool AllFinite(double[]? data)
    {
        if (data is null) return false;
        foreach (var d in data) if (double.IsNaN(d) || double.IsInfinity(d)) return false;
        return true;
    }

    private void Grow(int id)
    {
        if (id < _hash.Length) return;
        int size = Math.Max(id + 1, _hash.Length * 2);
        Array.Resize(ref _hash, size);
        Array.Resize(ref _hashed, size);
        Array.Resize(ref _uniform, size);
        Array.Resize(ref _uniformValue, size);
    }

    private static long Mix(long x)
    {
        unchecked
        {
            ulong z = (ulong)x + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (long)(z ^ (z >> 31));
        }
    }

    private static long StableHash(string s)
    {
        unchecked { long h = 5381; foreach (char c in s) h = h * 33 ^ c; return h; }
    }
}
