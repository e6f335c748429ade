using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Ir;

/// <summary>
/// An arena of hash-consed <see cref="Node"/>s. Nodes are only created here (leaves through
/// <see cref="Input"/>, <see cref="Param"/>, <see cref="Const(double, DType?)"/>; everything else through
/// <see cref="Make"/> or the <see cref="F"/> functions), which infers the shape, checks it, and returns the
/// existing node when the same op, inputs, attributes and type were built before. A graph only grows;
/// passes build their results into it (or a fresh graph), and dead nodes are simply never reached from
/// a <see cref="Function"/>'s outputs.
/// </summary>
public sealed class Graph
{
    private readonly List<Node> _nodes = new();
    private readonly Dictionary<Key, Node> _cache = new();
    private readonly Dictionary<string, Node> _leaves = new();

    /// <summary>Creates an empty graph whose implicit constants default to <paramref name="defaultType"/>.</summary>
    public Graph(DType defaultType = DType.F32) { DefaultType = defaultType; }

    /// <summary>The element type of constants and leaves created without an explicit type.</summary>
    public DType DefaultType { get; }

    /// <summary>Every node ever built, in creation (and therefore topological) order.</summary>
    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>A named run-time input. The same name always denotes the same node; redefining it with another shape or type throws.</summary>
    public Node Input(string name, Shape shape, DType? type = null) => Leaf(Op.Input, name, shape, type ?? DefaultType);

    /// <summary>A named parameter (or optimizer state). The same name always denotes the same node; redefining it with another shape or type throws.</summary>
    public Node Param(string name, Shape shape, DType? type = null) => Leaf(Op.Param, name, shape, type ?? DefaultType);

    /// <summary>A scalar constant.</summary>
    public Node Const(double value, DType? type = null) => Intern(Op.Const, new ConstAttrs(value), Array.Empty<Node>(), Shape.Scalar, type ?? DefaultType);

    /// <summary>
    /// A tensor constant with row-major <paramref name="data"/> (copied). A rank-0 shape gives the scalar constant;
    /// constants of equal shape, type and bitwise-equal data are the same node.
    /// </summary>
    public Node Const(double[] data, Shape shape, DType? type = null)
    {
        if (shape.HasBatch) throw new ShapeException($"A constant cannot have the batch dimension (shape {shape}).");
        if (data.Length != shape.StaticSize) throw new ShapeException($"A constant of shape {shape} needs {shape.StaticSize} values, got {data.Length}.");
        var t = type ?? DefaultType;
        if (shape.Rank == 0) return Const(data[0], t);
        return Intern(Op.Const, new ConstAttrs(data, shape), Array.Empty<Node>(), shape, t);
    }

    /// <summary>The run-time batch size as a scalar.</summary>
    public Node BatchSize(DType? type = null) => Intern(Op.BatchSize, Attrs.None, Array.Empty<Node>(), Shape.Scalar, type ?? DefaultType);

    /// <summary>Looks up an input or parameter by name.</summary>
    public Node? Find(string name) => _leaves.TryGetValue(name, out var n) ? n : null;

    /// <summary>
    /// Builds (or finds) the node <paramref name="op"/>(<paramref name="inputs"/>) with <paramref name="attrs"/>.
    /// Throws <see cref="ShapeException"/> when the shapes or types do not fit, naming the op and the inputs.
    /// </summary>
    public Node Make(Op op, Attrs attrs, params Node[] inputs)
    {
        if (op.Kind == OpKind.Leaf) throw new ArgumentException($"Leaves ({op.Name}) are created with Graph.Input, Param, Const or BatchSize.");
        foreach (var i in inputs)
        {
            if (i is null) throw new ArgumentNullException(nameof(inputs), $"{op.Name}: an input is null.");
            if (!ReferenceEquals(i.Graph, this)) throw new ArgumentException($"{op.Name}: input {i.Describe()} belongs to another graph.");
        }
        var key = new Key(op, inputs, attrs, op.TypeRule is { } typeRule ? typeRule(attrs, inputs) : inputs.Length > 0 ? inputs[0].DType : DefaultType);
        if (_cache.TryGetValue(key, out var found)) return found;
        var shape = ShapeRules.Infer(op, attrs, inputs);
        // The node keeps its own copy: a caller may reuse its array for the next call.
        var own = (Node[])inputs.Clone();
        return Add(new Key(op, own, attrs, key.Type), shape);
    }

    private Node Leaf(Op op, string name, Shape shape, DType type)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException($"A{(op == Op.Input ? "n input" : " parameter")} needs a non-empty name.");
        if (_leaves.TryGetValue(name, out var existing))
        {
            if (existing.Op != op || !existing.Shape.Equals(shape) || existing.DType != type)
                throw new ShapeException($"\"{name}\" is already defined as {existing.Op.Name} {existing.DType.ShortName()}{existing.Shape}; cannot redefine it as {op.Name} {type.ShortName()}{shape}.");
            return existing;
        }
        var n = Intern(op, new LeafAttrs(name), Array.Empty<Node>(), shape, type);
        _leaves[name] = n;
        return n;
    }

    private Node Intern(Op op, Attrs attrs, Node[] inputs, Shape shape, DType type)
    {
        var key = new Key(op, inputs, attrs, type);
        return _cache.TryGetValue(key, out var found) ? found : Add(key, shape);
    }

    private Node Add(Key key, Shape shape)
    {
        var n = new Node(this, _nodes.Count, key.Op, key.Inputs, key.Attrs, shape, key.Type);
        _nodes.Add(n);
        _cache.Add(key, n);
        return n;
    }

    private readonly struct Key : IEquatable<Key>
    {
        public readonly Op Op; public readonly Node[] Inputs; public readonly Attrs Attrs; public readonly DType Type;
        private readonly int _hash;
        public Key(Op op, Node[] inputs, Attrs attrs, DType type)
        {
            Op = op; Inputs = inputs; Attrs = attrs; Type = type;
            int h = op.GetHashCode() * 31 + attrs.GetHashCode();
            foreach (var i in inputs) h = h * 31 + i.Id;
            _hash = h * 2 + (int)type;
        }
        public bool Equals(Key o)
        {
            if (_hash != o._hash || !ReferenceEquals(Op, o.Op) || Type != o.Type || Inputs.Length != o.Inputs.Length) return false;
            for (int i = 0; i < Inputs.Length; i++) if (!ReferenceEquals(Inputs[i], o.Inputs[i])) return false;
            return Attrs.Equals(o.Attrs);
        }
        public override bool Equals(object? obj) => obj is Key k && Equals(k);
        public override int GetHashCode() => _hash;
    }
}
