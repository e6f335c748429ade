using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Ir;

/// <summary>A named node: an output of a <see cref="Function"/>, or the new value of a parameter it updates.</summary>
/// <param name="Name">The output's name (for an update: the parameter's name).</param>
/// <param name="Node">The node that computes it.</param>
public sealed record Named(string Name, Node Node);

/// <summary>
/// A program over a <see cref="Graph"/>: named outputs, plus updates — new values for parameters
/// (weights, optimizer state) that a training step writes back in place once every output is computed.
/// Its inputs and parameters are the leaves reachable from the outputs and updates.
/// </summary>
public sealed class Function
{
    /// <summary>Creates a function; output names must be distinct, and each update must target a parameter of the same shape and type.</summary>
    public Function(Graph graph, IEnumerable<Named> outputs, IEnumerable<Named>? updates = null)
    {
        Graph = graph;
        Outputs = outputs.ToArray();
        Updates = (updates ?? Enumerable.Empty<Named>()).ToArray();
        var seen = new HashSet<string>();
        foreach (var o in Outputs)
        {
            if (!ReferenceEquals(o.Node.Graph, graph)) throw new ArgumentException($"Output \"{o.Name}\" belongs to another graph.");
            if (!seen.Add(o.Name)) throw new ArgumentException($"Two outputs are named \"{o.Name}\".");
        }
        var targets = new HashSet<string>();
        foreach (var u in Updates)
        {
            if (!ReferenceEquals(u.Node.Graph, graph)) throw new ArgumentException($"The new value of \"{u.Name}\" belongs to another graph.");
            var p = graph.Find(u.Name);
            if (p is null || p.Op != Op.Param) throw new ArgumentException($"Update of \"{u.Name}\": there is no parameter of that name.");
            if (!p.Shape.Equals(u.Node.Shape) || p.DType != u.Node.DType)
                throw new ShapeException($"Update of \"{u.Name}\": the parameter is {p.DType.ShortName()}{p.Shape} but the new value is {u.Node.Describe()}.");
            if (!targets.Add(u.Name)) throw new ArgumentException($"\"{u.Name}\" is updated twice.");
        }
    }

    /// <summary>Creates a function with one output per (name, node) pair.</summary>
    public Function(Graph graph, params (string Name, Node Node)[] outputs) : this(graph, outputs.Select(o => new Named(o.Name, o.Node))) { }

    /// <summary>The graph holding every node.</summary>
    public Graph Graph { get; }
    /// <summary>Named outputs, in order.</summary>
    public IReadOnlyList<Named> Outputs { get; }
    /// <summary>Parameter updates (parameter name → new value), applied after the outputs are computed.</summary>
    public IReadOnlyList<Named> Updates { get; }

    /// <summary>The output called <paramref name="name"/>.</summary>
    public Node this[string name] =>
        Outputs.FirstOrDefault(o => o.Name == name)?.Node ?? throw new KeyNotFoundException($"The function has no output \"{name}\" (outputs: {string.Join(", ", Outputs.Select(o => o.Name))}).");

    /// <summary>The nodes computed: outputs then update values.</summary>
    public IEnumerable<Node> Roots => Outputs.Select(o => o.Node).Concat(Updates.Select(u => u.Node));

    /// <summary>Every node reachable from the roots, in topological (id) order.</summary>
    public IReadOnlyList<Node> Nodes() => Topo.Reachable(Roots);

    /// <summary>The inputs this function reads, in id order.</summary>
    public IReadOnlyList<Node> Inputs() => Nodes().Where(n => n.Op == Op.Input).ToArray();

    /// <summary>The parameters this function reads or updates, in id order.</summary>
    public IReadOnlyList<Node> Params() =>
        Nodes().Where(n => n.Op == Op.Param).Union(Updates.Select(u => Graph.Find(u.Name)!)).OrderBy(n => n.Id).ToArray();

    /// <summary>A copy with other outputs and updates over the same graph.</summary>
    public Function With(IEnumerable<Named> outputs, IEnumerable<Named>? updates = null) => new(Graph, outputs, updates ?? Updates);

    /// <summary>The function in printer form.</summary>
    public override string ToString() => Printer.Print(this);
}

/// <summary>Graph traversal helpers.</summary>
public static class Topo
{
    /// <summary>Every node reachable from <paramref name="roots"/>, in topological order (ascending id).</summary>
    public static IReadOnlyList<Node> Reachable(IEnumerable<Node> roots)
    {
        var list = roots.ToList();
        if (list.Count == 0) return Array.Empty<Node>();
        var g = list[0].Graph;
        foreach (var r in list)
            if (!ReferenceEquals(r.Graph, g)) throw new ArgumentException($"{r.Describe()} and {list[0].Describe()} belong to different graphs.");
        var mark = new bool[g.Nodes.Count];
        var stack = new Stack<Node>();
        foreach (var r in list) if (!mark[r.Id]) { mark[r.Id] = true; stack.Push(r); }
        while (stack.Count > 0)
            foreach (var i in stack.Pop().InputArray)
                if (!mark[i.Id]) { mark[i.Id] = true; stack.Push(i); }
        var result = new List<Node>();
        for (int id = 0; id < mark.Length; id++) if (mark[id]) result.Add(g.Nodes[id]);
        return result;
    }

    /// <summary>For each reachable node, the number of reachable nodes (and roots) that use it.</summary>
    public static Dictionary<Node, int> UseCounts(IEnumerable<Node> roots)
    {
        var rootList = roots.ToList();
        var uses = new Dictionary<Node, int>();
        foreach (var n in Reachable(rootList))
            foreach (var i in n.InputArray) uses[i] = uses.TryGetValue(i, out var c) ? c + 1 : 1;
        foreach (var r in rootList) uses[r] = uses.TryGetValue(r, out var c) ? c + 1 : 1;
        return uses;
    }
}
