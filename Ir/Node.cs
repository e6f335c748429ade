using System.Collections.Generic;

namespace Nabla.Ir;

/// <summary>
/// One SSA value of a <see cref="Graph"/>: an op applied to input nodes with attributes, with a static
/// shape and element type. Nodes are immutable and hash-consed: building the same op on the same
/// inputs with the same attributes returns the same node, so structural sharing (CSE) is free.
/// Arithmetic operators build new nodes in the same graph, so derivative rules read like algebra.
/// </summary>
public sealed class Node
{
    internal Node(Graph graph, int id, Op op, Node[] inputs, Attrs attrs, Shape shape, DType dtype)
    {
        Graph = graph; Id = id; Op = op; InputArray = inputs; Attrs = attrs; Shape = shape; DType = dtype;
    }

    /// <summary>The graph that owns this node.</summary>
    public Graph Graph { get; }
    /// <summary>Position of the node in its graph (printed <c>%id</c>); inputs always have smaller ids.</summary>
    public int Id { get; }
    /// <summary>The operation.</summary>
    public Op Op { get; }
    /// <summary>The operands.</summary>
    public IReadOnlyList<Node> Inputs => InputArray;
    internal Node[] InputArray { get; }
    /// <summary>The attributes (name, value, axes, ...).</summary>
    public Attrs Attrs { get; }
    /// <summary>The static shape.</summary>
    public Shape Shape { get; }
    /// <summary>The element type.</summary>
    public DType DType { get; }
    /// <summary>An optional human label (e.g. a layer name) shown by the printer and in errors; not part of identity.</summary>
    public string? Label { get; set; }

    /// <summary>The attributes as the kind the op takes (<see cref="Op.AttrsType"/>), e.g. <c>n.Attr&lt;AxesAttrs&gt;().Axes</c>.</summary>
    public T Attr<T>() where T : Attrs =>
        Attrs as T ?? throw new System.InvalidOperationException($"{Describe()} has {Attrs.GetType().Name}, not {typeof(T).Name}.");

    /// <summary>First operand.</summary>
    public Node A => InputArray[0];
    /// <summary>Second operand.</summary>
    public Node B => InputArray[1];
    /// <summary>Third operand.</summary>
    public Node C => InputArray[2];
    /// <summary>The name of an input or parameter (null for other ops).</summary>
    public string? Name => Attrs.Name;
    /// <summary>True for a scalar or tensor constant.</summary>
    public bool IsConst => Op == Op.Const;
    /// <summary>True for a leaf: input, parameter, constant or batch size.</summary>
    public bool IsLeaf => Op.Kind == OpKind.Leaf;

    /// <summary>True when this is a constant whose every element equals <paramref name="v"/>.</summary>
    public bool IsConstValue(double v)
    {
        if (Op != Op.Const) return false;
        if (Attrs.Data is null) return Attrs.Value == v;
        foreach (var d in Attrs.Data) if (d != v) return false;
        return true;
    }

    /// <summary>A one-line description for errors: <c>%3 "h1" f32[B,100]</c>.</summary>
    public string Describe()
    {
        var what = Name is not null ? $" {Op.Name} \"{Name}\"" : Label is not null ? $" \"{Label}\"" : $" {Op.Name}";
        return $"%{Id}{what} {DType.ShortName()}{Shape}";
    }

    /// <summary>The node's reference, <c>%id</c>.</summary>
    public override string ToString() => "%" + Id;

#pragma warning disable CS1591 // operators are documented by their meaning
    public static Node operator +(Node a, Node b) => F.Add(a, b);
    public static Node operator -(Node a, Node b) => F.Sub(a, b);
    public static Node operator *(Node a, Node b) => F.Mul(a, b);
    public static Node operator /(Node a, Node b) => F.Div(a, b);
    public static Node operator -(Node a) => F.Neg(a);
    public static Node operator +(Node a, double b) => a + a.Graph.Const(b, a.DType);
    public static Node operator +(double a, Node b) => b.Graph.Const(a, b.DType) + b;
    public static Node operator -(Node a, double b) => a - a.Graph.Const(b, a.DType);
    public static Node operator -(double a, Node b) => b.Graph.Const(a, b.DType) - b;
    public static Node operator *(Node a, double b) => a * a.Graph.Const(b, a.DType);
    public static Node operator *(double a, Node b) => b.Graph.Const(a, b.DType) * b;
    public static Node operator /(Node a, double b) => a / a.Graph.Const(b, a.DType);
    public static Node operator /(double a, Node b) => b.Graph.Const(a, b.DType) / b;
#pragma warning restore CS1591
}
